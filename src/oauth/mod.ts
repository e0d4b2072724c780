/**
 * Hosted sign-in with OAuth 2.1 (MCP authorization, 2025-06-18 and later): this server is both
 * the protected resource (RFC 9728 metadata, bearer tokens on `/mcp` and the legacy routes) and
 * a small authorization server (RFC 8414 metadata, `/authorize`, `/token`, `/register`) that
 * signs people in through the ERP. Nothing is stored: every grant is sealed (./seal.ts).
 */
import { type Logger, silentLogger } from "../log.ts";
import type { Config } from "../config.ts";
import { isLoopbackHost } from "../config.ts";
import type { ErpStreams } from "../auth/erp_stream.ts";
import type { TokenCache } from "../auth/token_cache.ts";
import { authorize, consent, login } from "./authorize.ts";
import { ClientError, ClientResolver, register } from "./clients.ts";
import {
  canWrite,
  type GrantClaims,
  type OAuthContext,
  RateLimiter,
  readOAuthBody,
  SCOPES,
  UsedSet,
} from "./grants.ts";
import { finishErpLogin, startErpLogin } from "./erp_login.ts";
import { completeGoogle, googleCallback, startGoogle } from "./google.ts";
import { errorPage } from "./pages.ts";
import { looksSealed, Sealer } from "./seal.ts";
import { oauthError, token } from "./token.ts";

export { looksSealed };

/** What a valid access token grants on one request. */
export interface AccessGrant {
  erpToken: string;
  email: string;
  clientId: string;
  scopes: string[];
  /** False for a read-only grant: only the read tools are registered. */
  write: boolean;
}

/** Options of the OAuth server. */
export interface OAuthServerOptions {
  config: Config;
  tokenCache: TokenCache;
  fetch?: typeof fetch;
  /**
   * The HTTP app's streamed ERP sign-ins: with them the authorize page offers the ERP's web
   * login (a browser on this instance, so sticky sessions for that method).
   */
  erpStreams?: ErpStreams;
  /** Milliseconds since the epoch (tests expire tokens with it). */
  now?: () => number;
  /** The operator's log (default: none). */
  log?: Logger;
}

const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type, Authorization, MCP-Protocol-Version",
  "Access-Control-Max-Age": "600",
};

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { ...CORS, ...headers } });
}

/** The authorization server and the resource server's token check, for one HTTP app. */
export class OAuthServer {
  readonly #opts: OAuthServerOptions;
  readonly #ctx: Promise<OAuthContext>;
  /** The issuer: the public URL's origin. */
  readonly issuer: string;

  constructor(opts: OAuthServerOptions) {
    const settings = opts.config.oauth;
    if (!settings || !opts.config.ssePublicUrl) {
      throw new Error("OAuthServer needs config.oauth and a public URL");
    }
    this.#opts = opts;
    this.issuer = new URL(opts.config.ssePublicUrl).origin;
    const now = opts.now ?? Date.now;
    this.#ctx = Sealer.create(settings.secret, settings.oldSecrets, this.issuer, now).then(
      (sealer) => ({
        config: opts.config,
        sealer,
        clients: new ClientResolver({
          sealer,
          metadataHosts: settings.clientMetadataHosts,
          loopbackDocuments: isLoopbackHost(new URL(this.issuer).hostname),
          fetch: opts.fetch,
        }),
        issuer: this.issuer,
        resources: [`${this.issuer}/mcp`, this.issuer],
        used: new UsedSet(now),
        limits: {
          login: new RateLimiter(10, 5 * 60_000, now),
          token: new RateLimiter(60, 60_000, now),
        },
        tokenCache: opts.tokenCache,
        fetch: opts.fetch,
        erpStreams: opts.erpStreams,
        log: opts.log ?? silentLogger,
      }),
    );
  }

  /** The RFC 9728 metadata URL for a route: path-aware for `/mcp`, the root's otherwise. */
  resourceMetadataUrl(pathname: string): string {
    return pathname === "/mcp"
      ? `${this.issuer}/.well-known/oauth-protected-resource/mcp`
      : `${this.issuer}/.well-known/oauth-protected-resource`;
  }

  /**
   * The `WWW-Authenticate` challenge (RFC 6750 §3, RFC 9728 §5.1) for `pathname`; with `error`
   * ("invalid_token") when a token was sent but refused.
   */
  challenge(pathname: string, error?: { code: string; description: string }): string {
    let v = `Bearer resource_metadata="${this.resourceMetadataUrl(pathname)}", scope="${
      SCOPES.join(" ")
    }"`;
    if (error) {
      // RFC 6750 §3: printable ASCII without quotes or backslashes (and a header value must
      // be Latin-1 at least; an email from the ERP may be anything).
      v += `, error="${error.code}", error_description="${
        error.description.replace(/["\\]/g, "").replace(/[^\x20-\x7e]/g, "?")
      }"`;
    }
    return v;
  }

  /**
   * The audiences a route accepts: `/mcp` only its own; the legacy routes (the root resource)
   * the root's and `/mcp`'s, since SDK clients reuse their `/mcp` token on `/sse`, and both serve
   * the same tools.
   */
  audiencesOf(pathname: string): string[] {
    return pathname === "/mcp" ? [`${this.issuer}/mcp`] : [this.issuer, `${this.issuer}/mcp`];
  }

  /**
   * Opens an access token for the route `pathname` (its audience must be one that route
   * accepts, RFC 8707 §2); a reason in words when it is refused.
   */
  async verifyAccess(raw: string, pathname: string): Promise<AccessGrant | { refused: string }> {
    const ctx = await this.#ctx;
    let g: GrantClaims;
    try {
      g = await ctx.sealer.open<GrantClaims>("access", raw);
    } catch (error) {
      return { refused: `The access token is ${(error as Error).message}` };
    }
    if (!this.audiencesOf(pathname).includes(g.aud)) {
      return { refused: "The access token was issued for another resource" };
    }
    const scopes = g.scope.split(" ").filter(Boolean);
    return { erpToken: g.erp, email: g.email, clientId: g.cid, scopes, write: canWrite(g.scope) };
  }

  /** Answers the OAuth routes; undefined for any other path. `address`: the caller's. */
  async route(req: Request, url: URL, address: string): Promise<Response | undefined> {
    const path = url.pathname;
    const isMeta = path.startsWith("/.well-known/oauth-");
    const isApi = path === "/token" || path === "/register";
    if ((isMeta || isApi) && req.method === "OPTIONS") {
      return new Response(null, { status: 204, headers: CORS });
    }
    if (path === "/.well-known/oauth-protected-resource/mcp" && req.method === "GET") {
      return json(this.#resourceMetadata(`${this.issuer}/mcp`));
    }
    if (path === "/.well-known/oauth-protected-resource" && req.method === "GET") {
      return json(this.#resourceMetadata(this.issuer));
    }
    if (path === "/.well-known/oauth-authorization-server" && req.method === "GET") {
      return json(this.#serverMetadata());
    }
    if (!isApi && path !== "/authorize" && !path.startsWith("/authorize/")) return undefined;
    const ctx = await this.#ctx;
    const route = `${req.method} ${path}`;
    switch (route) {
      case "GET /authorize":
        return await authorize(ctx, req, url, address);
      case "POST /authorize/login":
        return await login(ctx, req, address);
      case "POST /authorize/consent":
        return await consent(ctx, req);
      case "POST /authorize/erp":
        return await startErpLogin(ctx, req, address);
      case "POST /authorize/erp/done":
        return await finishErpLogin(ctx, req);
      case "POST /authorize/google":
        return await startGoogle(ctx, req, address);
      case "GET /authorize/google/callback":
        return googleCallback();
      case "POST /authorize/google/complete":
        return await completeGoogle(ctx, req, address);
      case "POST /token": {
        const res = await token(ctx, req, address);
        return withCors(res);
      }
      case "POST /register":
        return await this.#register(ctx, req, address);
    }
    if (path.startsWith("/authorize")) {
      return errorPage(
        405,
        "This address answers the sign-in pages only.",
        "Start again in the app.",
      );
    }
    return oauthError(405, "invalid_request", `${path} answers POST only`, CORS);
  }

  async #register(ctx: OAuthContext, req: Request, address: string): Promise<Response> {
    const wait = ctx.limits.token.hit(`register:${address}`);
    if (wait !== undefined) {
      return oauthError(
        429,
        "temporarily_unavailable",
        `Too many registrations: retry in ${wait} s`,
        {
          ...CORS,
          "Retry-After": String(wait),
        },
      );
    }
    const read = await readOAuthBody(ctx, req);
    if (!read.ok) {
      return oauthError(read.status, "invalid_request", read.message, {
        ...CORS,
        Connection: "close",
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(read.text);
    } catch { /* refused below */ }
    try {
      return json(await register(ctx.sealer, body), 201, { "Cache-Control": "no-store" });
    } catch (error) {
      if (!(error instanceof ClientError)) throw error;
      return oauthError(400, error.code, error.message, CORS);
    }
  }

  /** RFC 9728 §2 protected resource metadata for `resource`. */
  #resourceMetadata(resource: string): Record<string, unknown> {
    return {
      resource,
      authorization_servers: [this.issuer],
      scopes_supported: [...SCOPES],
      bearer_methods_supported: ["header"],
      resource_name: "Project logs (ERP)",
    };
  }

  /** RFC 8414 §2 authorization server metadata. */
  #serverMetadata(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      authorization_endpoint: `${this.issuer}/authorize`,
      token_endpoint: `${this.issuer}/token`,
      registration_endpoint: `${this.issuer}/register`,
      scopes_supported: [...SCOPES],
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      grant_types_supported: ["authorization_code", "refresh_token"],
      token_endpoint_auth_methods_supported: ["none"],
      code_challenge_methods_supported: ["S256"],
      authorization_response_iss_parameter_supported: true,
      client_id_metadata_document_supported: true,
    };
  }
}

function withCors(res: Response): Response {
  const headers = new Headers(res.headers);
  for (const [k, v] of Object.entries(CORS)) headers.set(k, v);
  return new Response(res.body, { status: res.status, headers });
}
