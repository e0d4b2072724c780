/**
 * What the authorization server's parts share: the grant claims, the scopes, the lifetimes, the
 * per-instance used-set for single-use grants, and the rate limiter.
 */
import type { Logger } from "../log.ts";
import type { Config } from "../config.ts";
import type { ErpStreams } from "../auth/erp_stream.ts";
import type { TokenCache } from "../auth/token_cache.ts";
import type { ClientResolver } from "./clients.ts";
import type { Sealer } from "./seal.ts";
import { type BodyRead, readBody } from "../transports/body.ts";

/** Reads the time logs. */
export const SCOPE_READ = "logs:read";
/** Changes the time logs (the write tools). */
export const SCOPE_WRITE = "logs:write";
/** Every scope this server knows, in order. */
export const SCOPES = [SCOPE_READ, SCOPE_WRITE] as const;

/** Lifetimes, in seconds. */
export const TTL = {
  /** An access token: short, so a revoked ERP token or allowlist change bites soon. */
  access: 10 * 60,
  /** An authorization code (OAuth 2.1 §4.1.2: short; one minute here). */
  code: 60,
  /** A sign-in's refresh tokens all expire this long after the person signed in. */
  refresh: 30 * 24 * 3600,
  /**
   * One refresh token expires this long after it was issued (sliding, within `refresh`): the
   * used-set is per process, so this bounds a replay after a restart.
   */
  refreshIdle: 7 * 24 * 3600,
  /** The sign-in and consent pages' pending request. */
  pending: 15 * 60,
} as const;

/** Largest body any OAuth endpoint reads (a form or a registration), in bytes. */
export const MAX_BODY_BYTES = 32 * 1024;

/**
 * An OAuth endpoint's body, read under MAX_BODY_BYTES and the body deadline
 * (MCP_HTTP_BODY_TIMEOUT_MS) without buffering more: the text, or the refusal (413, 408, 400).
 */
export async function readOAuthBody(ctx: OAuthContext, req: Request): Promise<BodyRead> {
  return await readBody(req, MAX_BODY_BYTES, ctx.config.httpBodyTimeoutMs);
}

/** The authorization request, as the pages carry it (sealed) from page to page. */
export interface PendingClaims {
  /** client_id */
  cid: string;
  /** redirect_uri, exactly as given */
  ru: string;
  /** state, round-tripped */
  st?: string;
  /** code_challenge (S256) */
  cc: string;
  /** the resource (audience) */
  aud: string;
  /** granted scopes at most, space-separated */
  scope: string;
  /** the client's display name */
  cn?: string;
}

/** A sign-in that passed the ERP and the allowlist, awaiting consent. */
export interface ConsentClaims extends PendingClaims {
  /** the ERP token */
  erp: string;
  /** the email the ERP named */
  email: string;
  /** a unique id: the consent form is single use (per instance) */
  jti?: string;
}

/** What access and refresh tokens and codes carry about the person and the grant. */
export interface GrantClaims {
  /** the ERP token */
  erp: string;
  /** the email the ERP named (lower case) */
  email: string;
  /** the client: clientKey(client_id) */
  cid: string;
  /** the audience: this server's resource URL */
  aud: string;
  /** space-separated scopes */
  scope: string;
  /** when the sign-in's refresh tokens stop (seconds since the epoch) */
  until: number;
  /** a unique id (codes and refresh tokens: single use per instance) */
  jti?: string;
}

/** An authorization code's extra claims. */
export interface CodeClaims extends GrantClaims {
  ru: string;
  cc: string;
}

/** The server parts' shared dependencies. */
export interface OAuthContext {
  config: Config;
  sealer: Sealer;
  clients: ClientResolver;
  /** The issuer: the public URL's origin (RFC 8414 §2). */
  issuer: string;
  /** Resource URLs tokens may be issued for: the `/mcp` endpoint and the server root. */
  resources: readonly string[];
  used: UsedSet;
  /** Sign-in attempts and token requests, per address and per (address, client) pair. */
  limits: { login: RateLimiter; token: RateLimiter };
  tokenCache: TokenCache;
  fetch?: typeof fetch;
  /** The streamed ERP sign-ins of this instance: the ERP web login option (./erp_login.ts). */
  erpStreams?: ErpStreams;
  /** The operator's log: who was allowed, refused, issued tokens (never a token). */
  log: Logger;
}

/**
 * Ids of single-use grants (codes, refresh tokens) seen by this instance, kept until they
 * expire. Per instance: behind several instances without sticky routing, a grant replayed at
 * another instance is bounded only by its expiry (README).
 */
export class UsedSet {
  readonly #seen = new Map<string, number>();
  constructor(readonly now: () => number = Date.now, readonly max = 100_000) {}

  /** True when `id` was marked used (and has not expired from the set). */
  has(id: string): boolean {
    return this.#seen.has(id);
  }

  /** Marks `id` used until `exp` (seconds); false when it was used already. */
  use(id: string, exp: number): boolean {
    const now = this.now() / 1000;
    if (this.#seen.size >= this.max / 2) {
      for (const [k, e] of this.#seen) if (e <= now) this.#seen.delete(k);
    }
    if (this.#seen.has(id)) return false;
    if (this.#seen.size >= this.max) this.#seen.delete(this.#seen.keys().next().value!);
    this.#seen.set(id, exp);
    return true;
  }
}

/** Fixed-window counters per key (an address, an address and client pair): at most `limit` per `windowMs`. */
export class RateLimiter {
  readonly #hits = new Map<string, { start: number; n: number }>();
  constructor(
    readonly limit: number,
    readonly windowMs: number,
    readonly now: () => number = Date.now,
  ) {}

  /** Counts a hit on every key; returns the seconds to wait when any is over the limit. */
  hit(...keys: string[]): number | undefined {
    const now = this.now();
    if (this.#hits.size > 10_000) {
      for (const [k, v] of this.#hits) if (now - v.start >= this.windowMs) this.#hits.delete(k);
      // Still full within one window (many addresses or client ids): the oldest counters go.
      for (const k of this.#hits.keys()) {
        if (this.#hits.size <= 10_000) break;
        this.#hits.delete(k);
      }
    }
    let wait: number | undefined;
    for (const key of keys) {
      let h = this.#hits.get(key);
      if (!h || now - h.start >= this.windowMs) {
        h = { start: now, n: 0 };
        this.#hits.set(key, h);
      }
      h.n++;
      if (h.n > this.limit) {
        const s = Math.ceil((h.start + this.windowMs - now) / 1000);
        wait = Math.max(wait ?? 0, s);
      }
    }
    return wait;
  }
}

/**
 * The known scopes in `requested` (space-separated): both when none is asked for, read only
 * when only unknown ones are (never write on a guess).
 */
export function grantedScopes(requested: string | null | undefined): string {
  const all = (requested ?? "").split(" ").filter(Boolean);
  if (all.length === 0) return SCOPES.join(" ");
  const asked = all.filter((s) => (SCOPES as readonly string[]).includes(s));
  return (asked.length ? SCOPES.filter((s) => asked.includes(s)) : [SCOPE_READ]).join(" ");
}

/** True when the scopes let the client change time logs. */
export function canWrite(scope: string): boolean {
  return scope.split(" ").includes(SCOPE_WRITE);
}

/** base64url(SHA-256(verifier)) — PKCE S256 (RFC 7636 §4.2). */
export async function s256(verifier: string): Promise<string> {
  const d = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)),
  );
  return btoa(String.fromCharCode(...d)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

/**
 * The key a grant names its client by: base64url SHA-256 of the client id (a registered client
 * id is itself a sealed document, too long to carry in every token).
 */
export async function clientKey(clientId: string): Promise<string> {
  return await s256(clientId);
}

/** A fresh random id (base64url, 128 bits). */
export function randomId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}
