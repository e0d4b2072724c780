/**
 * OAuth clients without a table: Dynamic Client Registration (RFC 7591) answers a sealed client
 * id that carries the registered metadata, and a Client ID Metadata Document (the client id is
 * an https URL, draft-ietf-oauth-client-id-metadata-document) is fetched from an allowed host.
 * Redirect URIs follow RFC 8252 (loopback on any port, private-use schemes) and OAuth 2.1 (exact
 * match, no fragment).
 */
import { readCappedText } from "../capped.ts";
import { cleanText } from "../text.ts";
import { isLoopbackHost } from "../config.ts";
import type { Sealer } from "./seal.ts";

/** What the authorization server knows of a client. */
export interface OAuthClient {
  /** The client id as the client sends it (sealed, or the metadata document's URL). */
  id: string;
  /** A display name, from the client itself: untrusted, shown escaped beside the redirect host. */
  name?: string;
  redirectUris: string[];
}

/** A refusal in RFC 7591 §3.2.2 / RFC 6749 §5.2 terms. */
export class ClientError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = "ClientError";
  }
}

/** Schemes a redirect may never use: they run code or read files in the browser. */
const FORBIDDEN_SCHEMES = new Set([
  "javascript:",
  "data:",
  "file:",
  "vbscript:",
  "blob:",
  "about:",
  "filesystem:",
  "ws:",
  "wss:",
  "ftp:",
  "mailto:",
]);

/** Longest client id accepted (a sealed registration or a metadata document URL). */
const MAX_CLIENT_ID = 4096;

/** Longest redirect URI accepted, and most per client. */
const MAX_URI = 2000;
const MAX_URIS = 10;

/**
 * Refuses a redirect URI OAuth 2.1 and RFC 8252 do not allow: not absolute, with a fragment,
 * plain http off loopback, a scheme that runs code, or any other scheme than https, http and a
 * reverse domain name private-use one (RFC 8252 §7.1). Returns the reason, or undefined.
 */
export function redirectUriProblem(uri: unknown): string | undefined {
  if (typeof uri !== "string" || uri.length === 0 || uri.length > MAX_URI) {
    return `a redirect URI must be a string of 1 to ${MAX_URI} characters`;
  }
  const u = URL.parse(uri);
  if (!u) return `"${uri.slice(0, 100)}" is not an absolute URI`;
  if (uri.includes("#")) return `"${uri.slice(0, 100)}" has a fragment (RFC 6749 §3.1.2)`;
  if (u.username || u.password) return `"${uri.slice(0, 100)}" carries credentials`;
  if (FORBIDDEN_SCHEMES.has(u.protocol)) {
    return `"${uri.slice(0, 100)}" uses the ${u.protocol} scheme, which is never a redirect`;
  }
  if (u.protocol === "http:" && !isLoopbackHost(u.hostname)) {
    return `"${uri.slice(0, 100)}" is plain http off loopback; use https (RFC 8252 §8.3)`;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:" && !u.protocol.includes(".")) {
    return `"${
      uri.slice(0, 100)
    }" uses the ${u.protocol} scheme: use https, http on loopback, or a reverse domain name scheme such as com.example.app: (RFC 8252 §7.1)`;
  }
  return undefined;
}

/**
 * True when `given` matches a registered redirect URI exactly, or both are http loopback URIs
 * that differ only in the port (RFC 8252 §7.3: native apps get a port at run time) and carry
 * no fragment or userinfo.
 */
export function redirectMatches(registered: readonly string[], given: string): boolean {
  if (registered.includes(given)) return true;
  const g = URL.parse(given);
  if (!g || g.protocol !== "http:" || !isLoopbackHost(g.hostname)) return false;
  if (given.includes("#") || g.username || g.password) return false;
  return registered.some((r) => {
    const u = URL.parse(r);
    return !!u && u.protocol === "http:" && u.hostname === g.hostname &&
      u.pathname === g.pathname && u.search === g.search;
  });
}

function checkUris(uris: unknown): string[] {
  if (!Array.isArray(uris) || uris.length === 0 || uris.length > MAX_URIS) {
    throw new ClientError(
      "invalid_redirect_uri",
      `redirect_uris must list 1 to ${MAX_URIS} redirect URIs`,
    );
  }
  for (const uri of uris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new ClientError("invalid_redirect_uri", `Refused redirect URI: ${problem}`);
  }
  return uris as string[];
}

function checkName(name: unknown): string | undefined {
  if (name === undefined) return undefined;
  if (typeof name !== "string" || name.length > 200) {
    throw new ClientError("invalid_client_metadata", "client_name must be at most 200 characters");
  }
  // Shown on the sign-in and consent pages: bidi overrides and invisible characters could
  // reverse the server's own words around it ("returning to <host>").
  const clean = cleanText(name);
  if (!clean) throw new ClientError("invalid_client_metadata", "client_name is empty");
  return clean;
}

/** How long a registered client id stays valid (seconds): a year; clients register again. */
export const CLIENT_ID_TTL_S = 365 * 24 * 3600;

/**
 * Registers a client (RFC 7591 §3): checks its metadata and answers the registration response,
 * whose client id is the sealed metadata. Public clients only (`token_endpoint_auth_method`
 * "none", PKCE instead of a secret): a client asking for a secret gets "none" back (§3.2.1).
 */
export async function register(
  sealer: Sealer,
  body: unknown,
): Promise<Record<string, unknown>> {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new ClientError("invalid_client_metadata", "The body must be a JSON object");
  }
  const m = body as Record<string, unknown>;
  const redirectUris = checkUris(m.redirect_uris);
  const name = checkName(m.client_name);
  const grants = m.grant_types ?? ["authorization_code", "refresh_token"];
  if (
    !Array.isArray(grants) || !grants.includes("authorization_code") ||
    grants.some((g) => g !== "authorization_code" && g !== "refresh_token")
  ) {
    throw new ClientError(
      "invalid_client_metadata",
      'grant_types must hold "authorization_code", and may add only "refresh_token"',
    );
  }
  const responses = m.response_types ?? ["code"];
  if (!Array.isArray(responses) || responses.some((r) => r !== "code")) {
    throw new ClientError("invalid_client_metadata", 'response_types may hold only "code"');
  }
  const id = await sealer.seal("client", { ru: redirectUris, nm: name }, CLIENT_ID_TTL_S);
  if (id.length > MAX_CLIENT_ID) {
    throw new ClientError(
      "invalid_client_metadata",
      `The registration is too large (its client id would be ${id.length} characters, at most ${MAX_CLIENT_ID}): register fewer or shorter redirect URIs`,
    );
  }
  return {
    client_id: id,
    client_id_issued_at: Math.floor(sealer.now() / 1000),
    redirect_uris: redirectUris,
    ...(name ? { client_name: name } : {}),
    grant_types: grants,
    response_types: ["code"],
    token_endpoint_auth_method: "none",
  };
}

/** Options of the client resolver. */
export interface ClientResolverOptions {
  sealer: Sealer;
  /** Hosts metadata documents may come from (MCP_OAUTH_CLIENT_METADATA_HOSTS). */
  metadataHosts: readonly string[];
  /** True when the public URL is loopback: `http://127.0.0.1:…` documents are allowed (tests). */
  loopbackDocuments: boolean;
  fetch?: typeof fetch;
  /** How long a fetched document is trusted (ms). */
  cacheMs?: number;
}

/** Largest metadata document read, and how long its host has to answer. */
const MAX_DOCUMENT_BYTES = 64 * 1024;
const DOCUMENT_TIMEOUT_MS = 5000;

/** How long a metadata document that could not be read is refused without a new fetch (ms). */
const FAILURE_CACHE_MS = 30_000;

/** Finds the client behind a client id: a sealed registration or a metadata document's URL. */
export class ClientResolver {
  readonly #opts: ClientResolverOptions;
  readonly #cache = new Map<string, { at: number; client: OAuthClient }>();
  /** Documents that could not be read, refused again without a fetch for FAILURE_CACHE_MS. */
  readonly #failed = new Map<string, { at: number; error: ClientError }>();

  constructor(opts: ClientResolverOptions) {
    this.#opts = opts;
  }

  /** True when `id` is a metadata document URL (not a sealed registration). */
  static isUrl(id: string): boolean {
    return /^https?:\/\//i.test(id);
  }

  /** The client, or a ClientError ("invalid_client") saying why not. */
  async resolve(id: string): Promise<OAuthClient> {
    if (!id || id.length > MAX_CLIENT_ID) {
      throw new ClientError("invalid_client", "No usable client_id");
    }
    if (ClientResolver.isUrl(id)) return await this.#document(id);
    try {
      const c = await this.#opts.sealer.open<{ ru: string[]; nm?: string }>("client", id);
      return { id, name: c.nm, redirectUris: c.ru };
    } catch {
      throw new ClientError(
        "invalid_client",
        "Unknown client_id: it was not registered here (or the registration expired); register again",
      );
    }
  }

  /** The URL's host, when documents may be fetched from it. */
  #allowed(url: URL): boolean {
    if (url.protocol === "https:") {
      // A bare host name allows its default port (443) only; another port must be listed.
      return this.#opts.metadataHosts.includes(url.host.toLowerCase()) ||
        (url.port === "" && this.#opts.metadataHosts.includes(url.hostname.toLowerCase()));
    }
    return url.protocol === "http:" && this.#opts.loopbackDocuments &&
      url.hostname === "127.0.0.1";
  }

  async #document(id: string): Promise<OAuthClient> {
    const url = URL.parse(id);
    if (!url || url.pathname === "/" || url.hash || url.username || url.password) {
      throw new ClientError(
        "invalid_client",
        `The client_id "${id.slice(0, 200)}" is not a metadata document URL (https with a path)`,
      );
    }
    if (!this.#allowed(url)) {
      throw new ClientError(
        "invalid_client",
        `Client metadata from "${url.host}" is not accepted by this server: its operator lists the allowed hosts in MCP_OAUTH_CLIENT_METADATA_HOSTS`,
      );
    }
    const now = Date.now();
    const hit = this.#cache.get(id);
    if (hit && now - hit.at < (this.#opts.cacheMs ?? 5 * 60_000)) return hit.client;
    const failed = this.#failed.get(id);
    if (failed && now - failed.at < FAILURE_CACHE_MS) throw failed.error;
    try {
      return await this.#fetchDocument(id, url, now);
    } catch (error) {
      if (error instanceof ClientError) {
        if (this.#failed.size >= 200) this.#failed.delete(this.#failed.keys().next().value!);
        this.#failed.set(id, { at: now, error });
      }
      throw error;
    }
  }

  async #fetchDocument(id: string, url: URL, now: number): Promise<OAuthClient> {
    let doc: Record<string, unknown>;
    try {
      const res = await (this.#opts.fetch ?? fetch)(url, {
        headers: { accept: "application/json" },
        redirect: "error",
        signal: AbortSignal.timeout(DOCUMENT_TIMEOUT_MS),
      });
      if (!res.ok) {
        await res.body?.cancel();
        throw new Error(`HTTP ${res.status}`);
      }
      doc = JSON.parse(await readCappedText(res.body, MAX_DOCUMENT_BYTES));
    } catch (error) {
      throw new ClientError(
        "invalid_client",
        `Cannot read the client metadata document "${id.slice(0, 200)}": ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
    if (!doc || typeof doc !== "object" || doc.client_id !== id) {
      throw new ClientError(
        "invalid_client",
        `The client metadata document "${id.slice(0, 200)}" must name itself as client_id`,
      );
    }
    const auth = doc.token_endpoint_auth_method;
    if (auth !== undefined && auth !== "none" && auth !== "private_key_jwt") {
      throw new ClientError(
        "invalid_client",
        `The client metadata document "${
          id.slice(0, 200)
        }" asks for a client secret, which a metadata document cannot have`,
      );
    }
    let client: OAuthClient;
    try {
      client = { id, name: checkName(doc.client_name), redirectUris: checkUris(doc.redirect_uris) };
    } catch (error) {
      throw new ClientError("invalid_client", (error as Error).message);
    }
    if (this.#cache.size >= 200) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(id, { at: now, client });
    return client;
  }
}
