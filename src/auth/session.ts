/**
 * One connection's identity and caches. Each MCP session gets its own: no token is ever shared
 * across clients or kept at module level.
 */
import { type Config, tokenKey } from "../config.ts";
import { RequestGate } from "../erp/gate.ts";
import { ErpClient } from "../erp/client.ts";
import { ErpError } from "../erp/errors.ts";
import { UserError } from "../errors.ts";
import { checkAllowed } from "./allowlist.ts";
import type { TokenCache } from "./token_cache.ts";

/** How the session signed in. */
export type SignInMethod =
  | "token"
  | "google"
  | "environment"
  | "browser"
  | "erp_browser"
  | "header"
  | "oauth";

/** Where a session's token came from, by sign-in method: for whoami and error messages. */
export const TOKEN_SOURCES: Readonly<Record<SignInMethod, string>> = Object.freeze({
  header: "the request's Authorization header",
  token: "the authenticate_with_token tool",
  google: "a Google access token given to authenticate_with_google",
  browser: "the Google sign-in in the browser of authenticate_via_browser",
  erp_browser: "the ERP web site sign-in of authenticate_via_erp_browser",
  environment: "ERP_API_TOKEN in the server's configuration",
  oauth: "the sign-in of the app connected with OAuth",
});

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
  /**
   * What the session keeps about the person's data (list cache, week ids, the save queue, the
   * ERP request gate); stateless HTTP hands in the one kept for this token's digest, so a
   * client's requests share them as a session's calls do. Default: the session's own.
   */
  state?: SessionState;
  /**
   * The person comes only from each request's Authorization header (2026-07-28 over HTTP): there
   * is no session to sign in to, so "not signed in" says to send the header.
   */
  headerOnly?: boolean;
}

/** How a client on a header-only connection signs in (2026-07-28 over HTTP). */
export const HEADER_SIGN_IN =
  'This connection (MCP 2026-07-28 over HTTP) keeps no session, so the sign-in tools cannot help: put the ERP token in the MCP client\'s configuration as the header "Authorization: Token <ERP token>" (the value the ERP web app sends).';

/**
 * Saves of a week, one after another, per ISO Monday: a client's parallel writes to one week
 * (several tool calls at once) never race each other into a 409. One per session; a stateless
 * HTTP client's requests share one per token, since each request has a session of its own.
 */
export class WeekSaveQueue {
  /** ISO Monday → the end of the last save of that week queued. */
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `save` once every save of `monday` queued before has ended; `waited` says if one ran. */
  async run<T>(monday: string, save: (waited: boolean) => Promise<T>): Promise<T> {
    const before = this.#tails.get(monday);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => release = resolve);
    const tail = (before ?? Promise.resolve()).then(() => mine);
    this.#tails.set(monday, tail);
    try {
      if (before) await before;
      return await save(before !== undefined);
    } finally {
      release();
      if (this.#tails.get(monday) === tail) this.#tails.delete(monday);
    }
  }
}

/** See SessionDeps.state. */
export interface SessionState {
  /** Cached lists (projects, labels) with the time they were loaded. */
  readonly cache: SessionCache;
  /** Saves of one week, one after another. */
  readonly saves: WeekSaveQueue;
  /** Bounds the ERP requests in flight, whatever the client sends at once. */
  readonly gate: RequestGate;
  /** ISO Monday → week-log id: ids never change, so lookups skip the year list when known. */
  readonly weekIds: Map<string, number>;
  /** Entry id → ISO Monday of its week, learnt from reads, so an entry can be found by id alone. */
  readonly entryWeeks: Map<number, string>;
}

/** A fresh SessionState: empty caches, an empty queue, a gate of MAX_PARALLEL_ERP_REQUESTS. */
export function newSessionState(): SessionState {
  return {
    cache: new Map(),
    saves: new WeekSaveQueue(),
    gate: new RequestGate(MAX_PARALLEL_ERP_REQUESTS),
    weekIds: new Map(),
    entryWeeks: new Map(),
  };
}

/** Cached lists (projects, labels) with the time they were loaded. */
export type SessionCache = Map<string, { at: number; value: Promise<unknown> }>;

/** ERP requests of one session in flight at once (src/erp/gate.ts); more wait their turn. */
export const MAX_PARALLEL_ERP_REQUESTS = 8;

/** How long project and label lists are trusted. */
export const LIST_TTL_MS = 5 * 60 * 1000;

/** Strips `Token ` / `Bearer ` and checks the key looks like one. */
export function normalizeToken(raw: string): string {
  const { key, problem } = tokenKey(raw);
  if (problem === "not ascii") {
    throw new UserError(
      "Cannot use that token: it holds a character an HTTP header cannot carry (outside visible ASCII, e.g. an ellipsis copied from an example or a look-alike letter)",
      "Copy the token itself from the ERP web app (DevTools → Network → the Authorization header of any API request).",
    );
  }
  if (problem) {
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
  /** Aborted when this identity ends (sign-out, refusal, another person): stops its calls. */
  #stop = new AbortController();
  /** Bounds this session's ERP requests in flight, whatever the client sends at once. */
  readonly #gate: RequestGate;
  readonly #cache: SessionCache;
  /** ISO Monday → week-log id: ids never change, so lookups skip the year list when known. */
  readonly weekIds: Map<string, number>;
  /** Entry id → ISO Monday of its week, learnt from reads, so an entry can be found by id alone. */
  readonly entryWeeks: Map<number, string>;
  /** The latest browser sign-in (Google loopback or ERP browser), pending or finished. */
  signInAttempt?: SignInAttempt;
  /** Saves of one week queued one after another (shared by a stateless client's requests). */
  readonly #saves: WeekSaveQueue;
  /** Tool calls of this session still running. */
  readonly #calls = new Set<Promise<unknown>>();

  /** See SessionDeps.headerOnly. */
  readonly headerOnly: boolean;

  constructor(deps: SessionDeps) {
    this.config = deps.config;
    this.headerOnly = deps.headerOnly ?? false;
    this.#fetch = deps.fetch;
    this.#now = deps.now ?? Date.now;
    this.#tokenCache = deps.tokenCache;
    const state = deps.state ?? newSessionState();
    this.#cache = state.cache;
    this.#saves = state.saves;
    this.#gate = state.gate;
    this.weekIds = state.weekIds;
    this.entryWeeks = state.entryWeeks;
  }

  /** Counts `call` as running until it settles; returns it. */
  track<T>(call: Promise<T>): Promise<T> {
    this.#calls.add(call);
    const done = () => this.#calls.delete(call);
    call.then(done, done);
    return call;
  }

  /** Resolves once no tool call of this session is running (those started meanwhile included). */
  async idle(): Promise<void> {
    while (this.#calls.size) await Promise.allSettled([...this.#calls]);
  }

  /**
   * Runs `save` once every earlier save of the week of `monday` queued in this session has ended,
   * so a client's parallel writes to one week (several tool calls at once) never race each other
   * into a 409. `save` learns whether it waited: the week it read may then be out of date.
   */
  queueWeekSave<T>(monday: string, save: (waited: boolean) => Promise<T>): Promise<T> {
    return this.#saves.run(monday, save);
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

  /** Where the current (or preset) token came from, in words; undefined when there is none. */
  get tokenSource(): string | undefined {
    const method = this.#creds?.method ?? this.#pending?.method;
    return method ? TOKEN_SOURCES[method] : undefined;
  }

  /**
   * Aborted when the current identity ends — `signOut`, a refusal, or another person signing in
   * on this session — with a UserError saying so. Every ERP request of the session follows it.
   */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /** An ERP client with no token (Google sign-in); stopped by a sign-out like any other call. */
  anonymousClient(signal?: AbortSignal): ErpClient {
    const stop = this.#stop.signal;
    return new ErpClient({
      baseUrl: this.config.erpBaseUrl,
      timeoutMs: this.config.timeoutMs,
      fetch: this.#fetch,
      signal: signal ? AbortSignal.any([signal, stop]) : stop,
    });
  }

  /**
   * A client whose reads stop when the identity ends. A write is sent only while the identity
   * lives; once sent it runs to its end (only its own timeout applies), so the tool can report
   * what the ERP stored.
   */
  #client(token: string, signal?: AbortSignal): ErpClient {
    const stop = this.#stop.signal;
    const base = this.#fetch ?? globalThis.fetch.bind(globalThis);
    const timeoutMs = this.config.timeoutMs;
    const gate = this.#gate;
    const guarded = ((input: RequestInfo | URL, init?: RequestInit) => {
      const method = (init?.method ?? "GET").toUpperCase();
      if (method === "GET" || method === "HEAD") {
        return gate.run(() => base(input, init), init?.signal);
      }
      // The client sends a write with its own timeout only, so a cancel never cuts it short.
      if (stop.aborted) return Promise.reject(stop.reason);
      return gate.run(() => {
        // Still unsent: a sign-out while it waited means it is never sent.
        if (stop.aborted) return Promise.reject(stop.reason);
        return base(input, init);
      });
    }) as typeof fetch;
    return new ErpClient({
      baseUrl: this.config.erpBaseUrl,
      token,
      timeoutMs,
      fetch: guarded,
      signal: signal ? AbortSignal.any([signal, stop]) : stop,
    });
  }

  /**
   * The signed-in person's credentials, checked against the allowlist on every call (the
   * allowlist file is read again each time): a preset token is verified once (single-flight),
   * and a person removed from the list is signed out and refused.
   */
  async require(signal?: AbortSignal): Promise<Credentials> {
    if (!this.#creds && this.#pending) {
      const pending = this.#pending;
      this.#verifying ??= this.verify(pending.token, undefined, pending.method, signal)
        .catch((error) => {
          // A refused token is dropped; an ERP that is down leaves it to be tried again.
          if (error instanceof UserError && this.#pending === pending) this.#pending = undefined;
          throw error;
        })
        .finally(() => this.#verifying = undefined);
      await this.#verifying;
    }
    const creds = this.#creds;
    if (!creds) {
      throw new UserError(
        "Not signed in to the ERP",
        this.headerOnly
          ? HEADER_SIGN_IN
          : "Call authenticate_with_token with the ERP token (the Authorization header value from the ERP web app), or authenticate_with_google.",
      );
    }
    const refused = checkAllowed(creds.email, this.config, TOKEN_SOURCES[creds.method]);
    if (refused) {
      this.signOut(new UserError(refused));
      throw new UserError(refused);
    }
    return creds;
  }

  /** An ERP client for the signed-in person; its requests stop when the identity ends. */
  async client(signal?: AbortSignal): Promise<ErpClient> {
    const creds = await this.require(signal);
    return this.#client(creds.token, signal);
  }

  /**
   * Checks a token with `core/person/`, applies the allowlist, and only then keeps it. The email
   * is the one the ERP names; `emailHint` (an email given at sign-in) is used only when the ERP
   * names nobody and the server was told to trust it (MCP_TRUST_TYPED_EMAIL), marked unconfirmed.
   * A sign-out while this runs wins: nothing is kept.
   */
  async verify(
    rawToken: string,
    emailHint: string | undefined,
    method: SignInMethod,
    signal?: AbortSignal,
  ): Promise<Credentials> {
    const token = normalizeToken(rawToken);
    const stop = this.#stop.signal;
    const from = TOKEN_SOURCES[method];
    const known = await this.#tokenCache?.get(token);
    if (known) return this.accept({ token, ...known, method, emailVerified: true, stop });
    let person;
    try {
      person = await this.#client(token, signal).person();
    } catch (error) {
      if (
        error instanceof ErpError && (error.kind === "unauthorized" || error.kind === "forbidden")
      ) {
        throw new UserError(
          `The ERP refused the token from ${from} (${error.status}): it is wrong, expired or revoked`,
          method === "environment"
            ? "Put a fresh token in ERP_API_TOKEN (this server's configuration in the MCP client) and restart it, or sign in with authenticate_with_token."
            : method === "header"
            ? "Send a fresh token in the Authorization header (copy it from the ERP web app: DevTools → Network → Authorization header)."
            : "Copy a fresh token from the ERP web app (DevTools → Network → Authorization header), or use another sign-in.",
        );
      }
      throw error;
    }
    let email = person.email;
    if (!email) email = this.#typedEmail(emailHint, from);
    // Only what the ERP itself said is remembered for other requests.
    if (person.email) await this.#tokenCache?.set(token, { email, name: person.name });
    return this.accept({
      token,
      email,
      name: person.name,
      method,
      emailVerified: !!person.email,
      stop,
    });
  }

  /**
   * The email given at sign-in, when the ERP named nobody: refused (fail closed) unless the
   * operator opted in with MCP_TRUST_TYPED_EMAIL, since anyone with a valid ERP token could
   * otherwise claim a listed address.
   */
  #typedEmail(hint: string | undefined, from: string): string {
    const typed = hint?.trim();
    const optIn =
      "If this ERP never names the token's owner, whoever runs this server may set MCP_TRUST_TYPED_EMAIL=1 (--trust-typed-email) to accept the email given at sign-in; that is weaker: anyone with a valid ERP token could then claim a listed email.";
    if (!this.config.trustTypedEmail) {
      throw new UserError(
        typed
          ? `Sign-in refused for "${typed}": the ERP accepted the token from ${from} but did not say whose it is, so that email cannot be checked against the allowlist`
          : `Sign-in refused: the ERP accepted the token from ${from} but did not say whose it is, so it cannot be checked against the allowlist`,
        `Sign in in a way the ERP names you (authenticate_via_browser with Google, or authenticate_with_google). ${optIn}`,
      );
    }
    if (!typed) {
      throw new UserError(
        `Cannot sign in: the ERP accepted the token from ${from} but did not say whose it is`,
        "Call authenticate_with_token again with your email in the email parameter (this server accepts an email the ERP does not confirm).",
      );
    }
    return typed;
  }

  /**
   * Keeps credentials whose token is already known good, if the allowlist lets the email in.
   * `stop`: the identity signal read when the sign-in began; if it ended since (a sign-out
   * meanwhile), nothing is kept.
   */
  accept(c: {
    token: string;
    email: string;
    name?: string;
    method: SignInMethod;
    /** True only when the ERP itself named this email. */
    emailVerified: boolean;
    stop?: AbortSignal;
  }): Credentials {
    if (c.stop?.aborted) throw c.stop.reason;
    const refused = checkAllowed(c.email, this.config, TOKEN_SOURCES[c.method]);
    if (refused) throw new UserError(refused);
    if (this.#creds && this.#creds.email.toLowerCase() !== c.email.toLowerCase()) {
      this.#endIdentity(
        new UserError(
          `Stopped: this session signed in as someone else (${c.email.toLowerCase()}) while the call was running`,
          "Nothing more was sent to the ERP for the previous person; re-read (get_week_logs) before retrying.",
        ),
      );
      this.#clearData();
    }
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

  /**
   * Forgets the credentials and everything learnt with them, and stops this session's calls
   * still running: their reads are aborted and writes not yet sent are not sent (a write already
   * sent finishes and is reported). `reason` is what those calls answer.
   */
  signOut(reason?: UserError): void {
    this.#creds = undefined;
    this.#pending = undefined;
    this.#clearData();
    this.#endIdentity(
      reason ??
        new UserError(
          "Stopped: this session signed out while the call was running",
          "Nothing more was sent to the ERP after the sign-out; a change it had already received is reported as done. Sign in again, then re-read (get_week_logs) before retrying.",
        ),
    );
  }

  #endIdentity(reason: UserError): void {
    this.#stop.abort(reason);
    this.#stop = new AbortController();
  }

  /**
   * Called when the ERP answers 401 to a signed-in request: the token is no good any more.
   * Returns where that token came from, in words, for the message.
   */
  tokenRejected(): string | undefined {
    const from = this.tokenSource;
    if (this.#creds) void this.#tokenCache?.delete(this.#creds.token);
    this.signOut(
      new UserError(
        `The ERP refused the token from ${from ?? "this session"} (401): the session is signed out`,
        "Sign in again, then re-read (get_week_logs) before retrying.",
      ),
    );
    return from;
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
