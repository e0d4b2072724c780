/**
 * Hosted mode: Streamable HTTP on `/mcp`, the legacy HTTP+SSE transport on `/sse` + `/messages`,
 * and `/healthz`. Every MCP session gets its own server and ERP credentials; a client that sends
 * its ERP token on every request is served statelessly. Host and Origin are checked on every
 * request; headers, bodies and idle connections have deadlines; bodies and sessions are capped,
 * and idle sessions expire.
 */
import http from "node:http";
import type { Socket } from "node:net";
import { getRequestListener, type Http2Bindings, type HttpBindings } from "@hono/node-server";
import {
  createMcpHandler,
  type JSONRPCMessage,
  type McpHttpHandler,
  type McpServer,
  type RequestId,
  SUPPORTED_PROTOCOL_VERSIONS,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import { ErpStreams } from "../auth/erp_stream.ts";
import { newSessionState, Session, type SessionState } from "../auth/session.ts";
import { TokenCache, TokenDataStores } from "../auth/token_cache.ts";
import { type Config, isLoopbackHost, MAX_TOKEN_LENGTH } from "../config.ts";
import { UserError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { buildServer, type ServerDeps } from "../server.ts";
import { erpStreamRoute, logPath } from "./erp_stream_routes.ts";
import { readBody } from "./body.ts";
import { LegacySseTransport } from "./legacy_sse.ts";
import { sameSecret } from "../secret.ts";
import { type AccessGrant, looksSealed, OAuthServer } from "../oauth/mod.ts";

/** Most messages in one JSON-RPC batch, on `/mcp` (the SDK's own cap) and `/messages` alike. */
export const MAX_BATCH = 100;

/** Hosted-mode limits and checks. */
export interface HttpOptions {
  config: Config;
  log: Logger;
  /** `host[:port]` values accepted in the Host header (lower case). Empty: derived from the bind. */
  allowedHosts?: string[];
  /** Origins accepted when a browser sends one; never a wildcard. */
  allowedOrigins?: string[];
  maxSessions?: number;
  idleMs?: number;
  maxBodyBytes?: number;
  /** The ERP fetch (tests inject nothing; kept for symmetry with Session). */
  fetch?: typeof fetch;
  /** Milliseconds since the epoch (tests move it to expire sessions). */
  now?: () => number;
  /** Extra routes (the streamed ERP sign-in), tried before 404. */
  routes?: (
    req: Request,
    url: URL,
    sessionOf: (id: string) => Session | undefined,
  ) => Promise<Response | undefined>;
}

interface Entry {
  session: Session;
  server: McpServer;
  transport: WebStandardStreamableHTTPServerTransport | LegacySseTransport;
  lastSeen: number;
  /** The token a legacy SSE stream was opened with, before the ERP has checked it. */
  headerToken?: string;
}

/** How long a session that never signed in may live. */
const ANONYMOUS_IDLE_MS = 2 * 60_000;

const SECURITY_HEADERS: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
};

/** A JSON-RPC error answer with an HTTP status. */
function rpcError(
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
): Response {
  return Response.json({ jsonrpc: "2.0", error: { code, message }, id: null }, {
    status,
    headers,
  });
}

/** Longest sealed OAuth access token accepted in the Authorization header. */
const MAX_SEALED_LENGTH = 4096;

/** What a request's Authorization header holds: no token, a well-formed one, or a refusal. */
export type HeaderAuth = { token?: string; error?: undefined } | { error: string };

/**
 * The token in `Authorization: Token …` / `Bearer …`: 1 to 512 visible ASCII characters. Any
 * other Authorization value (another scheme, spaces, control or non-ASCII characters, too long)
 * is an error, never silently "no token". `oauth`: OAuth is on, so a sealed access token (five
 * dot-separated parts) may be up to MAX_SEALED_LENGTH long.
 */
export function headerAuth(req: Request, oauth = false): HeaderAuth {
  const value = req.headers.get("authorization");
  if (value === null) return {};
  const m = /^(?:token|bearer) +([\x21-\x7e]+)$/i.exec(value.trim());
  if (!m) {
    return {
      error:
        'Bad request: the Authorization header must be "Token <ERP token>" or "Bearer <ERP token>", the token in visible ASCII characters',
    };
  }
  // A sealed OAuth access token (a compact JWE) is longer than any ERP token; without OAuth
  // on, nothing longer than an ERP token is taken (a client that kept tokens after OAuth was
  // turned off gets this 400, not a 500).
  const max = oauth && looksSealed(m[1]) ? MAX_SEALED_LENGTH : MAX_TOKEN_LENGTH;
  if (m[1].length > max) {
    return {
      error: `Bad request: the Authorization token is longer than ${max} characters`,
    };
  }
  return { token: m[1] };
}

/** Who a request is, once its Authorization header is read: the ERP token and any OAuth grant. */
type Who = { token?: string; grant?: AccessGrant; refused?: undefined } | {
  refused: { status: number; message: string; headers?: Record<string, string> };
};

/**
 * The config for one server: the operator's, or a read-only copy for a read-only OAuth grant
 * (the non-enumerable allowlist reload kept).
 */
function configFor(config: Config, readOnly: boolean): Config {
  if (!readOnly || config.readOnly) return config;
  const copy = { ...config, readOnly: true };
  if (config.reloadAllowlist) {
    Object.defineProperty(copy, "reloadAllowlist", { value: config.reloadAllowlist });
  }
  return Object.freeze(copy);
}

/** True when the client takes a JSON answer: `application/json`, a wildcard, or no Accept. */
function acceptsJson(accept: string | null): boolean {
  return !accept || /application\/json|application\/\*|\*\/\*/i.test(accept);
}

/** The hosted MCP application: a web-standard handler plus its session table. */
export class HttpApp {
  readonly #opts: HttpOptions;
  readonly #entries = new Map<string, Entry>();
  /** New sessions whose initialize body is still being read: they count against the caps. */
  #opening = 0;
  readonly #tokens = new TokenCache();
  /**
   * Per token (by digest), what a stateless client's requests share as a session's calls do:
   * list caches, week ids, the save queue and the ERP request gate.
   */
  readonly #statelessCaches = new TokenDataStores<SessionState>(newSessionState);
  readonly #hosts: Set<string>;
  readonly #origins: Set<string>;
  readonly #sweeper: ReturnType<typeof setInterval>;
  /** The streamed ERP sign-ins (`/erp-browser/…`), used when MCP_SSE_PUBLIC_URL is set. */
  readonly erpStreams: ErpStreams;
  /** OAuth sign-in (src/oauth/), when MCP_OAUTH_SECRET is set. */
  readonly #oauth?: OAuthServer;
  /**
   * 2026-07-28 requests: stateless, a server per request, the person only from the request's
   * Authorization header (there is no session to sign in to).
   */
  readonly #modern: McpHttpHandler = createMcpHandler(async (ctx) => {
    const token = ctx.authInfo?.token || undefined;
    const session = this.#newSession(
      token,
      token === undefined ? undefined : await this.#statelessCaches.for(token),
      ctx.authInfo?.extra?.oauth === true ? "oauth" : "header",
      true,
    );
    const client = ctx.authInfo?.extra?.client;
    return this.#serverFor(session, typeof client === "string" ? client : undefined, {
      confirmSecret: token,
      perRequest: true,
    }, ctx.authInfo?.extra?.readOnly === true);
  }, { legacy: "reject" });

  constructor(opts: HttpOptions, bound: { hostname: string; port: number }) {
    this.#opts = opts;
    this.erpStreams = new ErpStreams({ config: opts.config, log: opts.log });
    if (opts.config.oauth) {
      this.#oauth = new OAuthServer({
        config: opts.config,
        tokenCache: this.#tokens,
        fetch: opts.fetch,
        now: opts.now,
        erpStreams: this.erpStreams,
        log: opts.log,
      });
    }
    this.#hosts = new Set(
      [...(opts.allowedHosts ?? []), ...opts.config.allowedHosts].map((h) => h.toLowerCase()),
    );
    this.#origins = new Set([...(opts.allowedOrigins ?? []), ...opts.config.allowedOrigins]);
    const pub = opts.config.ssePublicUrl ? new URL(opts.config.ssePublicUrl) : undefined;
    if (pub) {
      this.#hosts.add(pub.host.toLowerCase());
      this.#origins.add(pub.origin);
    }
    const loopbackOrigins = this.#hosts.size === 0 || isLoopbackHost(bound.hostname);
    // Loopback names with the port are always answered (the container's health check uses them);
    // a DNS-rebinding page carries its own host name, never these.
    for (const h of ["127.0.0.1", "localhost", "[::1]"]) {
      this.#hosts.add(`${h}:${bound.port}`);
      if (loopbackOrigins) this.#origins.add(`http://${h}:${bound.port}`);
    }
    const idle = opts.idleMs ?? opts.config.sessionIdleMs;
    this.#sweeper = setInterval(() => this.#sweep(idle), Math.min(30_000, idle / 2));
    Deno.unrefTimer(this.#sweeper);
  }

  #now(): number {
    return this.#opts.now?.() ?? Date.now();
  }

  /** Open sessions (both transports). */
  get sessionCount(): number {
    return this.#entries.size;
  }

  /** New sessions whose initialize body is still arriving (they hold a slot already). */
  get openingCount(): number {
    return this.#opening;
  }

  /** The session behind an MCP session id (for the streamed sign-in page). */
  sessionOf(id: string): Session | undefined {
    return this.#entries.get(id)?.session;
  }

  /** Handles one HTTP request from `client` (its address, for per-client limits). */
  handle = async (req: Request, client = "unknown"): Promise<Response> => {
    const url = new URL(req.url);
    const started = performance.now();
    let res: Response;
    try {
      res = await this.#route(req, url, client);
    } catch (error) {
      this.#opts.log.error(`${req.method} ${loggedPath(url.pathname)} failed`, error);
      res = rpcError(500, -32603, "Internal server error");
    }
    const out = this.#secure(res, req);
    this.#opts.log.info(
      `${req.method} ${loggedPath(url.pathname)} ${out.status} ${
        (performance.now() - started).toFixed(0)
      } ms${req.signal.aborted ? " (the client closed the connection first)" : ""}`,
    );
    return out;
  };

  /** The answer to a request the HTTP layer could not even read (e.g. a malformed Host). */
  refuse(status: number, message: string): Response {
    this.#opts.log.info(`refused a request: ${status} ${message}`);
    return this.#secure(
      new Response(message, {
        status,
        headers: { "Content-Type": "text/plain; charset=utf-8", Connection: "close" },
      }),
    );
  }

  async #route(req: Request, url: URL, client: string): Promise<Response> {
    const host = (req.headers.get("host") ?? "").toLowerCase();
    if (!this.#hosts.has(host)) {
      // Behind a proxy or a port mapping (docker run -p 9000:8000) the Host differs: say how.
      this.#opts.log.info(
        `refused Host "${
          host.slice(0, 100)
        }": if clients reach this server by that name, add it to MCP_ALLOWED_HOSTS`,
      );
      return rpcError(
        403,
        -32000,
        `Forbidden: Host "${
          host.slice(0, 100)
        }" is not allowed (the server's operator can add it to MCP_ALLOWED_HOSTS)`,
      );
    }
    if (url.pathname === "/healthz") {
      if (req.method === "GET" || req.method === "HEAD") return new Response("ok", { status: 200 });
      return new Response("Method not allowed: /healthz answers GET and HEAD", {
        status: 405,
        headers: { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" },
      });
    }
    const declared = Number(req.headers.get("content-length") ?? "0");
    if (declared > this.#maxBody) {
      return rpcError(413, -32000, "Request body too large", { Connection: "close" });
    }
    // The OAuth endpoints: metadata, token and registration answer any origin (no cookies);
    // the sign-in pages check their own forms' origin and CSRF token.
    const oauth = await this.#oauth?.route(req, url, client);
    if (oauth) return oauth;
    const origin = req.headers.get("origin");
    if (origin && !this.#origins.has(origin)) {
      return rpcError(403, -32000, `Forbidden: Origin "${origin.slice(0, 100)}" is not allowed`);
    }
    if (req.method === "OPTIONS") return new Response(null, { status: 204 });
    if (url.pathname === "/mcp") return await this.#mcp(req, client);
    if (url.pathname === "/sse" && req.method === "GET") return await this.#openSse(req, client);
    if (url.pathname === "/messages" && req.method === "POST") return await this.#postSse(req, url);
    const extra = await this.#opts.routes?.(req, url, (id) => this.sessionOf(id)) ??
      await erpStreamRoute(this.erpStreams, this.#opts.config, req, url);
    return extra ?? new Response("Not found", { status: 404 });
  }

  get #maxBody(): number {
    return this.#opts.maxBodyBytes ?? 1024 * 1024;
  }

  /** The JSON body of a POST, read under the size cap and the body deadline. */
  async #json(req: Request): Promise<{ body: unknown } | { res: Response }> {
    const read = await readBody(req, this.#maxBody, this.#opts.config.httpBodyTimeoutMs);
    if (!read.ok) {
      return { res: rpcError(read.status, -32000, read.message, { Connection: "close" }) };
    }
    let body: unknown;
    try {
      body = JSON.parse(read.text);
    } catch {
      return { res: rpcError(400, -32700, "Parse error: Invalid JSON") };
    }
    // JSON-RPC 2.0: an empty batch is one Invalid Request error, not "nothing to answer".
    if (Array.isArray(body) && body.length === 0) {
      return { res: rpcError(400, -32600, "Invalid Request: an empty batch") };
    }
    return { body };
  }

  /**
   * True when the session is signed in, or a streamed sign-in of it holds one of the capped
   * browser slots (so its link outlives the anonymous idle limit); no other pending attempt counts.
   */
  #signedIn(entry: Entry): boolean {
    const s = entry.session;
    if (s.credentials) return true;
    const attempt = s.signInAttempt;
    if (!attempt || attempt.outcome || !attempt.url) return false;
    const id = URL.parse(attempt.url)?.pathname.split("/").pop() ?? "";
    return this.erpStreams.get(id)?.attempt === attempt;
  }

  /** Refuses a token that is not the one the session signed in with (403), else undefined. */
  #otherIdentity(entry: Entry, token: string | undefined): string | undefined {
    if (token === undefined) return undefined;
    const own = entry.session.credentials?.token ?? entry.headerToken;
    if (own !== undefined && sameSecret(own, token)) return undefined;
    return "Forbidden: this session is not signed in with the token this request carries; send the session's own token (or none) with its session id, or start a new session";
  }

  /** A session's request: authenticated activity (only) keeps it alive. */
  #touch(entry: Entry): void {
    if (this.#signedIn(entry)) entry.lastSeen = this.#now();
  }

  /**
   * 503 when a new session would pass the session cap or, unless it is `signedIn` (its token
   * already checked), the cap of sessions not signed in.
   */
  #full(signedIn = false): Response | undefined {
    const max = this.#opts.maxSessions ?? this.#opts.config.maxSessions;
    const maxAnonymous = Math.min(max, this.#opts.config.maxAnonymousSessions);
    let anonymous = this.#opening;
    for (const e of this.#entries.values()) if (!this.#signedIn(e)) anonymous++;
    if (this.#entries.size + this.#opening >= max) {
      return rpcError(503, -32000, `Too many sessions (${max} at most): try again later`, {
        "Retry-After": "30",
      });
    }
    if (!signedIn && anonymous >= maxAnonymous) {
      return rpcError(
        503,
        -32000,
        `Too many sessions not signed in (${maxAnonymous} at most): try again later, or send the ERP token in the Authorization header`,
        { "Retry-After": "30" },
      );
    }
    return undefined;
  }

  #newSession(
    token?: string,
    state?: SessionState,
    method: "header" | "oauth" = "header",
    headerOnly = false,
  ): Session {
    const session = new Session({
      config: this.#opts.config,
      fetch: this.#opts.fetch,
      tokenCache: this.#tokens,
      state,
      headerOnly,
    });
    if (token) session.presetToken(token, method);
    return session;
  }

  /**
   * Who the request is. With OAuth on: no credentials is a 401 challenge (RFC 9728 §5.1); a
   * sealed access token must open, name this resource, and carry an ERP token the ERP still
   * takes and an allowed person (checked on a cache of at most a minute), else 401
   * `invalid_token`; a raw ERP token is header mode, as without OAuth, checked the same way up
   * front (a bad one gets the 401 `invalid_token` challenge too).
   */
  async #who(req: Request, pathname: string): Promise<Who> {
    const auth = headerAuth(req, this.#oauth !== undefined);
    if (auth.error !== undefined) return { refused: { status: 400, message: auth.error } };
    const oauth = this.#oauth;
    if (!oauth) return { token: auth.token };
    if (auth.token === undefined) {
      return {
        refused: {
          status: 401,
          message:
            "Unauthorized: connect with OAuth (this server's sign-in) or send the ERP token in the Authorization header",
          headers: { "WWW-Authenticate": oauth.challenge(pathname) },
        },
      };
    }
    const invalid = (description: string) => ({
      refused: {
        status: 401,
        message: `Unauthorized: ${description}; sign in again`,
        headers: {
          "WWW-Authenticate": oauth.challenge(pathname, { code: "invalid_token", description }),
        },
      },
    });
    // A raw ERP token (header mode) is checked up front too: a bad one gets the same challenge.
    const sealed = looksSealed(auth.token);
    const grant = sealed ? await oauth.verifyAccess(auth.token, pathname) : undefined;
    if (grant && "refused" in grant) return invalid(grant.refused);
    const check = grant
      ? this.#newSession(grant.erpToken, undefined, "oauth")
      : this.#newSession(auth.token, undefined, "header");
    try {
      await check.require(req.signal);
    } catch (error) {
      if (error instanceof UserError) return invalid(error.message.replace(/["\\]/g, ""));
      this.#opts.log.error(`${req.method} ${pathname}: the ERP token could not be checked`, error);
      return {
        refused: {
          status: 502,
          message: "Cannot check the sign-in: the ERP did not answer; try again later",
        },
      };
    }
    return grant ? { token: grant.erpToken, grant } : { token: auth.token };
  }

  async #mcp(req: Request, client: string): Promise<Response> {
    const who = await this.#who(req, "/mcp");
    if (who.refused) {
      return rpcError(who.refused.status, -32000, who.refused.message, who.refused.headers);
    }
    const auth = who;
    const readOnly = !!who.grant && !who.grant.write;
    // A revision from 2026 on goes to the modern handler, which negotiates; an unknown older one
    // would otherwise meet the session transport's "Server not initialized".
    const version = req.headers.get("mcp-protocol-version");
    if (version !== null && !isModern(req) && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
      return rpcError(
        400,
        -32000,
        `Bad Request: unsupported protocol version "${
          version.slice(0, 40)
        }" in the MCP-Protocol-Version header (supported: ${
          [MODERN_REVISION, ...SUPPORTED_PROTOCOL_VERSIONS].join(", ")
        })`,
      );
    }
    const id = req.headers.get("mcp-session-id");
    const jsonOnly = req.method === "POST" &&
      !(req.headers.get("accept") ?? "").includes("text/event-stream") &&
      acceptsJson(req.headers.get("accept"));
    if (!id && req.method === "POST" && isModern(req)) {
      const got = await this.#json(req);
      if ("res" in got) return got.res;
      return await this.#modern.fetch(withoutBody(req), {
        parsedBody: got.body,
        authInfo: {
          token: auth.token ?? "",
          clientId: who.grant?.clientId ?? "erp-token",
          scopes: who.grant?.scopes ?? [],
          extra: { client, readOnly, oauth: !!who.grant },
        },
      });
    }
    if (auth.token !== undefined && !id) {
      return await this.#stateless(req, auth.token, client, readOnly, !!who.grant);
    }
    if (id) {
      const entry = this.#entries.get(id);
      if (!entry || !(entry.transport instanceof WebStandardStreamableHTTPServerTransport)) {
        return rpcError(
          404,
          -32001,
          "Session not found: it expired or was closed; start a new one",
        );
      }
      const other = this.#otherIdentity(entry, auth.token);
      if (other) return rpcError(403, -32000, other);
      this.#touch(entry);
      let parsedBody: unknown;
      if (req.method === "POST") {
        const got = await this.#json(req);
        if ("res" in got) return got.res;
        parsedBody = got.body;
      }
      const res = await handOver(entry.transport, req, parsedBody, this.#opts.log);
      this.#touch(entry); // e.g. it signed in just now
      return res;
    }
    if (req.method !== "POST") {
      return rpcError(400, -32000, "Bad request: no Mcp-Session-Id; start with an initialize POST");
    }
    // The slot is taken before the body is read: slow initialize bodies cannot pass the cap.
    const full = this.#full();
    if (full) return full;
    this.#opening++;
    let opened = false;
    try {
      const got = await this.#json(req);
      if ("res" in got) return got.res;
      const session = this.#newSession();
      const server = this.#serverFor(session, client);
      const transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        maxRequestBodySize: this.#maxBody,
        enableJsonResponse: jsonOnly,
        onsessioninitialized: (sid) => {
          opened = true;
          this.#opening--;
          this.#entries.set(sid, { session, server, transport, lastSeen: this.#now() });
        },
        onsessionclosed: (sid) => void this.#drop(sid),
      });
      await server.connect(transport);
      const res = await handOver(transport, req, got.body, this.#opts.log);
      if (!transport.sessionId) await server.close(); // not an initialize: nothing to keep
      return res;
    } finally {
      if (!opened) this.#opening--;
    }
  }

  /** The MCP server of one session (or one stateless request), its browsers bound to `client`. */
  #serverFor(
    session: Session,
    client: string | undefined,
    extra: Pick<ServerDeps, "confirmSecret" | "perRequest"> = {},
    readOnly = false,
  ): McpServer {
    if (client !== undefined) this.erpStreams.bindClient(session, client);
    return buildServer({
      config: configFor(this.#opts.config, readOnly),
      session,
      log: this.#opts.log,
      erpStreams: this.erpStreams,
      ...extra,
    });
  }

  async #stateless(
    req: Request,
    token: string,
    client: string,
    readOnly: boolean,
    oauth: boolean,
  ): Promise<Response> {
    if (req.method !== "POST") {
      return rpcError(405, -32000, "Method not allowed: stateless requests are POSTs");
    }
    const got = await this.#json(req);
    if ("res" in got) return got.res;
    const session = this.#newSession(
      token,
      await this.#statelessCaches.for(token),
      oauth ? "oauth" : "header",
    );
    const server = this.#serverFor(session, client, { confirmSecret: token }, readOnly);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      maxRequestBodySize: this.#maxBody,
    });
    await server.connect(transport);
    try {
      return await handOver(transport, req, got.body, this.#opts.log);
    } finally {
      await server.close();
    }
  }

  async #openSse(req: Request, client: string): Promise<Response> {
    const auth = await this.#who(req, "/sse");
    if (auth.refused) {
      return rpcError(auth.refused.status, -32000, auth.refused.message, auth.refused.headers);
    }
    // A header token is checked (ERP and allowlist) before the stream opens: a good one is a
    // signed-in session, outside the anonymous cap; a bad one holds no slot at all.
    const signedIn = auth.token !== undefined;
    const full = this.#full(signedIn);
    if (full) return full;
    const session = this.#newSession(auth.token, undefined, auth.grant ? "oauth" : "header");
    if (signedIn) {
      try {
        await session.require(req.signal);
      } catch (error) {
        if (!(error instanceof UserError)) {
          this.#opts.log.error("GET /sse: the ERP token could not be checked", error);
          return rpcError(
            502,
            -32000,
            "Cannot check the ERP token: the ERP did not answer; try again later",
          );
        }
        return rpcError(403, -32000, `Forbidden: ${error.message}`);
      }
      const stillFull = this.#full(true);
      if (stillFull) return stillFull;
    }
    const server = this.#serverFor(session, client, {}, !!auth.grant && !auth.grant.write);
    const transport = new LegacySseTransport();
    const sid = transport.sessionId;
    this.#entries.set(sid, {
      session,
      server,
      transport,
      lastSeen: this.#now(),
      headerToken: auth.token,
    });
    transport.onclose = () => void this.#drop(sid);
    void server.connect(transport);
    return transport.response("/messages", new Headers());
  }

  async #postSse(req: Request, url: URL): Promise<Response> {
    const auth = await this.#who(req, "/sse");
    if (auth.refused) {
      const res = text(auth.refused.status, auth.refused.message);
      for (const [k, v] of Object.entries(auth.refused.headers ?? {})) res.headers.set(k, v);
      return res;
    }
    const sid = url.searchParams.get("sessionId") ?? "";
    const entry = this.#entries.get(sid);
    if (!entry || !(entry.transport instanceof LegacySseTransport)) {
      return text(404, "Session not found: it expired or was closed; open /sse again");
    }
    const other = this.#otherIdentity(entry, auth.token);
    if (other) return text(403, other);
    const got = await this.#json(req);
    if ("res" in got) return text(got.res.status, (await got.res.json()).error.message);
    if (Array.isArray(got.body) && got.body.length > MAX_BATCH) {
      return text(400, `Invalid request: a batch must not exceed ${MAX_BATCH} messages`);
    }
    if (!entry.transport.receive(got.body)) return text(400, "Not a JSON-RPC message");
    this.#touch(entry);
    return text(202, "Accepted");
  }

  #secure(res: Response, req?: Request): Response {
    const headers = new Headers(res.headers);
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (!headers.has(k)) headers.set(k, v);
    headers.set("Cache-Control", "no-store"); // tool results are personal, event streams too
    // Connection is hop-by-hop: node:http decides keep-alive, except where we close on purpose.
    if (headers.get("connection")?.toLowerCase() !== "close") headers.delete("connection");
    const origin = req?.headers.get("origin");
    if (req && origin && this.#origins.has(origin)) {
      headers.set("Access-Control-Allow-Origin", origin);
      headers.set("Vary", "Origin");
      headers.set("Access-Control-Expose-Headers", "Mcp-Session-Id, WWW-Authenticate");
      if (req.method === "OPTIONS") {
        headers.set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
        headers.set(
          "Access-Control-Allow-Headers",
          "Content-Type, Authorization, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID",
        );
        headers.set("Access-Control-Max-Age", "600");
      }
    }
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  }

  async #drop(sid: string): Promise<void> {
    const entry = this.#entries.get(sid);
    if (!entry) return;
    this.#entries.delete(sid);
    entry.session.signInAttempt?.cancel();
    entry.session.signOut();
    await entry.server.close().catch(() => {});
  }

  #sweep(idleMs: number): void {
    const now = this.#now();
    for (const [sid, entry] of this.#entries) {
      // A session nobody signed in to holds a slot for little: it goes a short while after it
      // opened (pings and lists do not extend it), so anonymous connections cannot hold the cap.
      const limit = this.#signedIn(entry) ? idleMs : Math.min(idleMs, ANONYMOUS_IDLE_MS);
      if (entry.lastSeen <= now - limit) {
        this.#opts.log.info(`session expired after ${Math.round(limit / 1000)} s idle`);
        void this.#drop(sid);
      }
    }
  }

  /** Expires idle sessions now (tests). */
  sweepNow(idleMs: number): void {
    this.#sweep(idleMs);
  }

  /** Closes every session and stops the sweeper. */
  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    await Promise.all([...this.#entries.keys()].map((sid) => this.#drop(sid)));
    await this.#modern.close();
    await this.erpStreams.close();
  }
}

/** The ids of the JSON-RPC requests (not notifications or responses) in a parsed body. */
function requestIds(body: unknown): RequestId[] {
  const ids: RequestId[] = [];
  for (const m of Array.isArray(body) ? body : [body]) {
    if (m && typeof m === "object" && typeof (m as { method?: unknown }).method === "string") {
      const id = (m as { id?: unknown }).id;
      if (typeof id === "string" || typeof id === "number") ids.push(id);
    }
  }
  return ids;
}

/**
 * Hands a request to the SDK transport. When the client closes its connection before the answer
 * is sent (`req.signal`, which @hono/node-server aborts when node:http's response closes
 * unfinished — measured under Deno), each JSON-RPC request in it is cancelled exactly as a
 * `notifications/cancelled` would (the tool's signal aborts: saves not yet sent are not sent),
 * then answered with an error nobody reads, so the transport lets go of it (a JSON answer
 * would otherwise never settle).
 */
async function handOver(
  transport: WebStandardStreamableHTTPServerTransport,
  req: Request,
  parsedBody: unknown,
  log: Logger,
): Promise<Response> {
  if (req.signal.aborted) return new Response(null, { status: 499 }); // gone while its body came
  const ids = requestIds(parsedBody);
  const cancel = () => {
    const reason = "The client closed the connection";
    log.info(`cancelled ${ids.length} request(s): the client closed the connection first`);
    for (const requestId of ids) {
      transport.onmessage?.({
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId, reason },
      } as JSONRPCMessage);
    }
    for (const id of ids) {
      transport.send({
        jsonrpc: "2.0",
        id,
        error: { code: -32800, message: `Request cancelled: ${reason.toLowerCase()}` },
      } as JSONRPCMessage).catch(() => {}); // already answered, or its stream is gone
    }
  };
  if (ids.length > 0) req.signal.addEventListener("abort", cancel, { once: true });
  return await transport.handleRequest(withoutBody(req), { parsedBody });
}

/** The stateless revision this server serves besides the SDK's 2025-era list (not exported). */
const MODERN_REVISION = "2026-07-28";

/**
 * A 2026-07-28 request: its MCP-Protocol-Version header names a revision of 2026 or later (the
 * protocol requires the header on every such request; 2025 clients send a 2025 one, or none).
 */
function isModern(req: Request): boolean {
  return /^20(2[6-9]|[3-9]\d)-\d\d-\d\d$/.test(req.headers.get("mcp-protocol-version") ?? "");
}

/**
 * The request as handed to the SDK once its body is read: no body (it gets the parsed one),
 * and an Accept it takes — the SDK insists on both JSON and event streams for a POST, while a
 * client that accepts JSON only (or anything) is answered in JSON (`enableJsonResponse`).
 */
function withoutBody(req: Request): Request {
  const headers = new Headers(req.headers);
  if (req.method === "POST" && acceptsJson(req.headers.get("accept"))) {
    headers.set("accept", "application/json, text/event-stream");
  }
  headers.delete("content-length");
  return new Request(req.url, { method: req.method, headers, signal: req.signal });
}

function text(status: number, body: string): Response {
  return new Response(body, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}

/** A running hosted server. */
export interface HttpServer {
  app: HttpApp;
  /** `http://host:port`. */
  url: string;
  close(): Promise<void>;
}

/** The security headers and a plain-text 400, as raw HTTP/1.1 (for requests that never parsed). */
function rawBadRequest(message: string): string {
  const headers = { ...SECURITY_HEADERS, "Cache-Control": "no-store" };
  return "HTTP/1.1 400 Bad Request\r\n" +
    Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("") +
    `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${message.length}\r\n` +
    `Connection: close\r\n\r\n${message}`;
}

/**
 * Serves the hosted app on `hostname:port` (port 0 picks a free one) with node:http, whose
 * connections Deno.serve does not let us bound: headers must arrive within
 * `httpHeadersTimeoutMs` of connecting, a body within `httpBodyTimeoutMs` of its headers, and a
 * kept-alive connection with nothing in flight closes after `httpIdleTimeoutMs`.
 */
export function serveHttp(
  opts: HttpOptions & { hostname: string; port: number },
): Promise<HttpServer> {
  const { config, log } = opts;
  let app: HttpApp;
  const listener = getRequestListener(
    (req: Request, env: HttpBindings | Http2Bindings) =>
      app.handle(req, clientOf(env.incoming as http.IncomingMessage, config.trustProxy)),
    {
      overrideGlobalObjects: false, // keep Deno's own Request and Response everywhere else
      errorHandler: () => app.refuse(400, "Bad request: malformed Host header or request target"),
    },
  );
  // Without a Host, the request reaches the adapter, whose error handler answers the usual 400.
  const server = http.createServer({ requireHostHeader: false });
  // The guard below replaces these; node:http under Deno honours only some of them (measured).
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  server.keepAliveTimeout = config.httpIdleTimeoutMs;
  const guards = new WeakMap<Socket, { inFlight: number; timer?: ReturnType<typeof setTimeout> }>();
  const closeLater = (socket: Socket, ms: number) => setTimeout(() => socket.destroy(), ms);
  server.on("connection", (socket: Socket) => {
    const guard = { inFlight: 0, timer: closeLater(socket, config.httpHeadersTimeoutMs) };
    guards.set(socket, guard);
    socket.on("close", () => clearTimeout(guard.timer));
  });
  server.on("request", (incoming: http.IncomingMessage, outgoing: http.ServerResponse) => {
    const socket = incoming.socket as Socket;
    const guard = guards.get(socket);
    if (guard) {
      clearTimeout(guard.timer);
      guard.inFlight++;
    }
    // A body still incomplete a little after the app's own deadline: nobody is reading it.
    const bodyTimer = setTimeout(() => {
      if (!incoming.complete) socket.destroy();
    }, config.httpBodyTimeoutMs + 1000);
    outgoing.on("close", () => {
      clearTimeout(bodyTimer);
      if (guard && --guard.inFlight === 0 && !socket.destroyed) {
        guard.timer = closeLater(socket, config.httpIdleTimeoutMs);
      }
    });
    void listener(incoming, outgoing);
  });
  server.on("clientError", (error: Error & { code?: string }, socket: Socket) => {
    if (socket.writable && error.code !== "ECONNRESET") {
      socket.end(rawBadRequest("Bad request: malformed HTTP request"));
      log.info(`refused a malformed request: ${error.code ?? error.message}`);
    } else socket.destroy();
  });
  return new Promise((resolve, reject) => {
    // node:http says EADDRINUSE; callers test for Deno's own error, as Deno.serve raised it.
    server.once("error", (error: Error & { code?: string }) => {
      reject(error.code === "EADDRINUSE" ? new Deno.errors.AddrInUse(error.message) : error);
    });
    server.listen(opts.port, opts.hostname, () => {
      const addr = server.address() as { address: string; port: number };
      app = new HttpApp(opts, { hostname: opts.hostname, port: addr.port });
      const host = addr.address.includes(":") ? `[${addr.address}]` : addr.address;
      resolve({
        app,
        url: `http://${host}:${addr.port}`,
        close: async () => {
          await app.close();
          const closed = new Promise<void>((done) => server.close(() => done()));
          server.closeAllConnections();
          await closed;
        },
      });
    });
  });
}

/** The client's address: the socket's peer, or behind a trusted proxy the address it saw. */
function clientOf(incoming: http.IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = incoming.headers["x-forwarded-for"];
    const last = (Array.isArray(forwarded) ? forwarded.join(",") : forwarded ?? "")
      .split(",").map((s) => s.trim()).filter(Boolean).pop();
    if (last) return last;
  }
  return incoming.socket.remoteAddress ?? "unknown";
}

/** The routes whose paths are logged as sent. */
const LOGGED_ROUTES = new Set([
  "/",
  "/mcp",
  "/sse",
  "/messages",
  "/healthz",
  "/authorize",
  "/token",
  "/register",
]);

/**
 * A request path as the log shows it: a known route as sent, anything else cut to its first known
 * segment (`/mcp/…`) or to `/…`, since a misconfigured client may put its token in the path.
 */
export function loggedPath(pathname: string): string {
  if (pathname.startsWith("/erp-browser/")) return logPath(pathname);
  if (LOGGED_ROUTES.has(pathname)) return pathname;
  const first = /^\/[^/]*/.exec(pathname)?.[0] ?? "/";
  return LOGGED_ROUTES.has(first) && first !== "/" ? `${first}/…` : "/…";
}
