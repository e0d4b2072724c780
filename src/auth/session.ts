/**
 * One connection's identity and caches. Each MCP session gets its own: no token is ever shared
 * across clients or kept at module level.
 */
import type { Config } from "../config.ts";
import { ErpClient } from "../erp/client.ts";
import { ErpError } from "../erp/errors.ts";
import { UserError } from "../errors.ts";
import { isAllowed, refusal } from "./allowlist.ts";
import type { TokenCache } from "./token_cache.ts";

/** How the session signed in. */
export type SignInMethod =
  | "token"
  | "google"
  | "environment"
  | "browser"
  | "erp_browser"
  | "header";

/** The signed-in person. */
export interface Credentials {
  readonly token: string;
  readonly email: string;
  readonly name?: string;
  readonly method: SignInMethod;
  /** False when the ERP did not say whose token it is and the email is the one typed in. */
  readonly emailVerified: boolean;
  readonly since: string;
}

/** How a browser sign-in ended. */
export interface SignInOutcome {
  readonly status: "signed_in" | "refused" | "failed" | "expired" | "cancelled";
  /** What happened, in one sentence (no token). */
  readonly message: string;
  readonly email?: string;
}

/** A browser sign-in this session started, pending or finished; whoami reports it. */
export interface SignInAttempt {
  readonly method: "browser" | "erp_browser";
  /** The page the person opens (Google's loopback `/login`), when there is one. */
  readonly url?: string;
  readonly expiresAt: string;
  /** Undefined while pending. */
  readonly outcome?: SignInOutcome;
  /** Settles, never rejects, with the outcome. */
  readonly done: Promise<SignInOutcome>;
  /** Ends the attempt now, if still pending. */
  cancel(): void;
}

/** What a session needs from its surroundings. */
export interface SessionDeps {
  config: Config;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch; injectable for cache tests. */
  now?: () => number;
  /** Shared record of recently checked tokens (stateless HTTP), keyed by digest. */
  tokenCache?: TokenCache;
  /** The list cache to use: stateless HTTP hands in the one kept for this token's digest. */
  cache?: SessionCache;
}

/** Cached lists (projects, labels) with the time they were loaded. */
export type SessionCache = Map<string, { at: number; value: Promise<unknown> }>;

/** How long project and label lists are trusted. */
export const LIST_TTL_MS = 5 * 60 * 1000;

/** Strips `Token ` / `Bearer ` and checks the key looks like one. */
export function normalizeToken(raw: string): string {
  const key = raw.trim().replace(/^(token|bearer)(\s+|$)/i, "").trim();
  if (!key || /\s/.test(key) || key.length > 512) {
    throw new UserError(
      'Cannot use that token: expected the value of the ERP\'s Authorization header, like "Token 0123abcd…"',
    );
  }
  return key;
}

/** One person's signed-in state and per-session caches. */
export class Session {
  readonly config: Config;
  readonly #fetch?: typeof fetch;
  readonly #now: () => number;
  readonly #tokenCache?: TokenCache;
  #creds?: Credentials;
  #pending?: { token: string; method: SignInMethod };
  #verifying?: Promise<Credentials>;
  readonly #cache: SessionCache;
  /** ISO Monday → week-log id: ids never change, so lookups skip the year list when known. */
  readonly weekIds = new Map<string, number>();
  /** Entry id → ISO Monday of its week, learnt from reads, so an entry can be found by id alone. */
  readonly entryWeeks = new Map<number, string>();
  /** The latest browser sign-in (Google loopback or ERP browser), pending or finished. */
  signInAttempt?: SignInAttempt;

  constructor(deps: SessionDeps) {
    this.config = deps.config;
    this.#fetch = deps.fetch;
    this.#now = deps.now ?? Date.now;
    this.#tokenCache = deps.tokenCache;
    this.#cache = deps.cache ?? new Map();
  }

  /** A token to check on first use (ERP_API_TOKEN or a header), without a request at start. */
  presetToken(raw: string, method: SignInMethod): void {
    this.#pending = { token: normalizeToken(raw), method };
  }

  /** The credentials, if signed in (a preset token not yet checked counts as not yet). */
  get credentials(): Credentials | undefined {
    return this.#creds;
  }

  /** True when a preset token waits to be checked. */
  get hasPendingToken(): boolean {
    return !!this.#pending && !this.#creds;
  }

  /** An ERP client with no token (Google sign-in). */
  anonymousClient(signal?: AbortSignal): ErpClient {
    return this.#client(undefined, signal);
  }

  #client(token: string | undefined, signal?: AbortSignal): ErpClient {
    return new ErpClient({
      baseUrl: this.config.erpBaseUrl,
      token,
      timeoutMs: this.config.timeoutMs,
      fetch: this.#fetch,
      signal,
    });
  }

  /**
   * The signed-in person's credentials, checked against the allowlist on every call: a preset
   * token is verified once (single-flight), and a person removed from the list loses access.
   */
  async require(signal?: AbortSignal): Promise<Credentials> {
    if (!this.#creds && this.#pending) {
      const pending = this.#pending;
      this.#verifying ??= this.verify(pending.token, undefined, pending.method, signal)
        .catch((error) => {
          // A refused token is dropped; an ERP that is down leaves it to be tried again.
          if (error instanceof UserError) this.#pending = undefined;
          throw error;
        })
        .finally(() => this.#verifying = undefined);
      await this.#verifying;
    }
    const creds = this.#creds;
    if (!creds) {
      throw new UserError(
        "Not signed in to the ERP",
        "Call authenticate_with_token with the ERP token (the Authorization header value from the ERP web app), or authenticate_with_google.",
      );
    }
    if (!isAllowed(creds.email, this.config.authorizedEmails)) {
      this.signOut();
      throw new UserError(
        refusal(creds.email, this.config.authorizedEmails, this.config.allowlistSource),
      );
    }
    return creds;
  }

  /** An ERP client for the signed-in person. */
  async client(signal?: AbortSignal): Promise<ErpClient> {
    const creds = await this.require(signal);
    return this.#client(creds.token, signal);
  }

  /**
   * Checks a token with `core/person/`, applies the allowlist, and only then keeps it.
   * The email comes from the ERP when it says it, else from `emailHint`.
   */
  async verify(
    rawToken: string,
    emailHint: string | undefined,
    method: SignInMethod,
    signal?: AbortSignal,
  ): Promise<Credentials> {
    const token = normalizeToken(rawToken);
    const known = await this.#tokenCache?.get(token);
    if (known) return this.accept({ token, ...known, method, emailVerified: true });
    let person;
    try {
      person = await this.#client(token, signal).person();
    } catch (error) {
      if (
        error instanceof ErpError && (error.kind === "unauthorized" || error.kind === "forbidden")
      ) {
        throw new UserError(
          `The ERP refused that token (${error.status}): it is wrong, expired or revoked`,
          "Copy a fresh token from the ERP web app (DevTools → Network → Authorization header), or use another sign-in.",
        );
      }
      throw error;
    }
    const email = person.email ?? emailHint?.trim();
    if (!email) {
      throw new UserError(
        "The ERP accepted the token but did not say whose it is",
        "Call authenticate_with_token again with your email in the email parameter.",
      );
    }
    // Only what the ERP itself said is remembered for other requests.
    if (person.email) await this.#tokenCache?.set(token, { email, name: person.name });
    return this.accept({ token, email, name: person.name, method, emailVerified: !!person.email });
  }

  /** Keeps credentials whose token is already known good, if the allowlist lets the email in. */
  accept(c: {
    token: string;
    email: string;
    name?: string;
    method: SignInMethod;
    /** True only when the ERP itself named this email. */
    emailVerified: boolean;
  }): Credentials {
    if (!isAllowed(c.email, this.config.authorizedEmails)) {
      throw new UserError(
        refusal(c.email, this.config.authorizedEmails, this.config.allowlistSource),
      );
    }
    if (this.#creds && this.#creds.email.toLowerCase() !== c.email.toLowerCase()) this.#clearData();
    this.#creds = Object.freeze({
      token: c.token,
      email: c.email.toLowerCase(),
      name: c.name,
      method: c.method,
      emailVerified: c.emailVerified,
      since: new Date(this.#now()).toISOString(),
    });
    this.#pending = undefined;
    return this.#creds;
  }

  /** Forgets the credentials and everything learnt with them. */
  signOut(): void {
    this.#creds = undefined;
    this.#pending = undefined;
    this.#clearData();
  }

  /** Called when the ERP answers 401 to a signed-in request: the token is no good any more. */
  tokenRejected(): void {
    if (this.#creds) void this.#tokenCache?.delete(this.#creds.token);
    this.signOut();
  }

  /** Refuses an `email` argument naming someone else: nobody acts as another person. */
  checkEmailArg(email: string | undefined, creds: Credentials): void {
    if (email && email.trim().toLowerCase() !== creds.email) {
      throw new UserError(
        `Cannot act for "${email.trim()}": this session is signed in as ${creds.email}`,
        "Leave out the email parameter; each person signs in with their own token.",
      );
    }
  }

  /** True when `key` holds a value loaded less than `ttlMs` ago. */
  isCached(key: string, ttlMs: number): boolean {
    const hit = this.#cache.get(key);
    return !!hit && this.#now() - hit.at < ttlMs;
  }

  /** A value cached for `ttlMs`; concurrent callers share one load; failures are not kept. */
  cached<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    const hit = this.#cache.get(key);
    if (hit && this.#now() - hit.at < ttlMs) return hit.value as Promise<T>;
    const value = load();
    this.#cache.set(key, { at: this.#now(), value });
    value.catch(() => {
      if (this.#cache.get(key)?.value === value) this.#cache.delete(key);
    });
    return value;
  }

  #clearData(): void {
    this.#cache.clear();
    this.weekIds.clear();
    this.entryWeeks.clear();
  }
}
