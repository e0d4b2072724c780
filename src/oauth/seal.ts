/**
 * Sealed tokens: every grant the authorization server hands out (authorization codes, access and
 * refresh tokens, registered client ids, the pending sign-in carried by its pages) is a compact
 * JWE (`dir` + `A256GCM`, RFC 7516/7518, made and opened by `jose`) under a key derived with
 * HKDF-SHA-256 (WebCrypto, RFC 5869) from MCP_OAUTH_SECRET. Any instance that shares the secret
 * opens any instance's tokens, so no table is kept. Former secrets (MCP_OAUTH_OLD_SECRETS) open
 * tokens and never seal new ones.
 */
import { EncryptJWT, errors as joseErrors, jwtDecrypt, type JWTPayload } from "jose";
import { sameSecret } from "../secret.ts";

/** What a sealed token is for; a token of one kind never passes for another. */
export type SealKind =
  | "access"
  | "refresh"
  | "code"
  | "client"
  | "pending"
  | "consent"
  | "google";

/** One derived key and its id (a digest prefix, carried in the JWE header as `kid`). */
interface SealKey {
  kid: string;
  key: Uint8Array<ArrayBuffer>;
}

const INFO = "project-logs-mcp oauth seal v1";
const CSRF_INFO = "project-logs-mcp oauth csrf v1";

async function hkdf(secret: string, info: string): Promise<Uint8Array<ArrayBuffer>> {
  const base = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    "HKDF",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: new Uint8Array(32),
      info: new TextEncoder().encode(info),
    },
    base,
    256,
  );
  return new Uint8Array(bits);
}

async function keyOf(secret: string): Promise<SealKey> {
  const key = await hkdf(secret, INFO);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", key));
  return { kid: b64url(digest.subarray(0, 9)), key };
}

/** Base64url without padding (RFC 4648 §5). */
export function b64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** Why a sealed token was refused (no detail that would help forge one). */
export class SealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SealError";
  }
}

/**
 * Seals and opens tokens under keys derived from the current and former secrets. `now` (ms since
 * the epoch) is injectable so tests can expire tokens without waiting.
 */
export class Sealer {
  readonly #current: SealKey;
  readonly #all: Map<string, Uint8Array<ArrayBuffer>>;
  /** The CSRF keys: the current secret's first, then the former ones'. */
  readonly #csrf: CryptoKey[];
  readonly #issuer: string;
  readonly now: () => number;

  private constructor(
    current: SealKey,
    all: SealKey[],
    csrf: CryptoKey[],
    issuer: string,
    now: () => number,
  ) {
    this.#current = current;
    this.#all = new Map(all.map((k) => [k.kid, k.key]));
    this.#csrf = csrf;
    this.#issuer = issuer;
    this.now = now;
  }

  /** Derives the keys: `secret` seals, `oldSecrets` only open; `issuer` is stamped and checked. */
  static async create(
    secret: string,
    oldSecrets: readonly string[],
    issuer: string,
    now: () => number = Date.now,
  ): Promise<Sealer> {
    const current = await keyOf(secret);
    const old = await Promise.all(oldSecrets.map(keyOf));
    const csrf = await Promise.all(
      [secret, ...oldSecrets].map(async (s) =>
        await crypto.subtle.importKey(
          "raw",
          await hkdf(s, CSRF_INFO),
          { name: "HMAC", hash: "SHA-256" },
          false,
          ["sign", "verify"],
        )
      ),
    );
    return new Sealer(current, [current, ...old], csrf, issuer, now);
  }

  /** Seals `claims` as a `kind` token that expires `ttlSeconds` from now. */
  async seal(kind: SealKind, claims: JWTPayload, ttlSeconds: number): Promise<string> {
    const now = Math.floor(this.now() / 1000);
    return await new EncryptJWT({ ...claims, kind })
      .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid: this.#current.kid })
      .setIssuer(this.#issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .encrypt(this.#current.key);
  }

  /**
   * Opens a `kind` token sealed by this deployment (current or former secret), unexpired.
   * Throws SealError for anything else: tampered, another kind, expired, unknown key.
   */
  async open<T extends object>(kind: SealKind, token: string): Promise<T & JWTPayload> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtDecrypt(
        token,
        (header) => {
          const key = header.kid ? this.#all.get(header.kid) : undefined;
          if (!key) throw new SealError("sealed with a key this server does not hold");
          return key;
        },
        {
          issuer: this.#issuer,
          keyManagementAlgorithms: ["dir"],
          contentEncryptionAlgorithms: ["A256GCM"],
          currentDate: new Date(this.now()),
        },
      ));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new SealError("expired");
      if (error instanceof SealError) throw error;
      if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === "iss") {
        // Opened with a shared key but issued under another public URL: instances that share
        // the secret must share MCP_SSE_PUBLIC_URL too (it is the issuer).
        throw new SealError("issued by another server URL (MCP_SSE_PUBLIC_URL differs)");
      }
      throw new SealError("not sealed by this server, or altered");
    }
    if (payload.kind !== kind) throw new SealError(`not an ${kind} token`);
    return payload as T & JWTPayload;
  }

  /** An HMAC-SHA-256 of `parts` under the current CSRF key, base64url (the pages' form tokens). */
  async mac(...parts: string[]): Promise<string> {
    return await this.#macWith(this.#csrf[0], parts);
  }

  /**
   * True when `given` is the mac of `parts` under the current or a former secret's CSRF key (a
   * sign-in in progress survives a key rotation); compared in constant time.
   */
  async macMatches(given: string, ...parts: string[]): Promise<boolean> {
    for (const key of this.#csrf) {
      if (sameSecret(given, await this.#macWith(key, parts))) return true;
    }
    return false;
  }

  async #macWith(key: CryptoKey, parts: string[]): Promise<string> {
    const sig = await crypto.subtle.sign(
      "HMAC",
      key,
      new TextEncoder().encode(parts.join("\u0000")),
    );
    return b64url(new Uint8Array(sig));
  }
}

/** True when a bearer value is shaped like a compact JWE (five dot-separated parts). */
export function looksSealed(token: string): boolean {
  return token.split(".").length === 5;
}
