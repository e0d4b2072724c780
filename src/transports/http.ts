/**
 * Hosted mode: Streamable HTTP on `/mcp`, the legacy HTTP+SSE transport on `/sse` + `/messages`,
 * and `/healthz`. Every MCP session gets its own server and ERP credentials; a client that sends
 * its ERP token on every request is served statelessly. Host and Origin are checked on every
 * request, bodies and sessions are capped, idle sessions expire.
 */
// @ts-types="@modelcontextprotocol/sdk/server/webStandardStreamableHttp"
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ErpStreams } from "../auth/erp_stream.ts";
import { Session, type SessionCache } from "../auth/session.ts";
import { TokenCache, TokenDataStores } from "../auth/token_cache.ts";
import { type Config, isLoopbackHost } from "../config.ts";
import type { Logger } from "../log.ts";
import { buildServer } from "../server.ts";
import { erpStreamRoute, logPath } from "./erp_stream_routes.ts";
import { readAtMost } from "./body.ts";
import { LegacySseTransport } from "./legacy_sse.ts";

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
}

/** How long a session that never signed in may sit idle. */
const ANONYMOUS_IDLE_MS = 2 * 60_000;

const SECURITY_HEADERS: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cache-Control": "no-store",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
};

/** A JSON-RPC error answer with an HTTP status. */
function rpcError(status: number, code: number, message: string): Response {
  return Response.json({ jsonrpc: "2.0", error: { code, message }, id: null }, { status });
}

/** The token a request carries in `Authorization: Token …` / `Bearer …`, if any. */
export function headerToken(req: Request): string | undefined {
  const value = req.headers.get("authorization")?.trim();
  const m = value && /^(token|bearer)\s+(\S+)$/i.exec(value);
  return m ? m[2] : undefined;
}

/** The hosted MCP application: a web-standard handler plus its session table. */
export class HttpApp {
  readonly #opts: HttpOptions;
  readonly #entries = new Map<string, Entry>();
  readonly #tokens = new TokenCache();
  readonly #statelessCaches = new TokenDataStores<SessionCache>(() => new Map());
  readonly #hosts: Set<string>;
  readonly #origins: Set<string>;
  readonly #sweeper: ReturnType<typeof setInterval>;
  /** The streamed ERP sign-ins (`/erp-browser/…`), used when MCP_SSE_PUBLIC_URL is set. */
  readonly erpStreams: ErpStreams;

  constructor(opts: HttpOptions, bound: { hostname: string; port: number }) {
    this.#opts = opts;
    this.erpStreams = new ErpStreams({ config: opts.config, log: opts.log });
    this.#hosts = new Set(
      [...(opts.allowedHosts ?? []), ...opts.config.allowedHosts].map((h) => h.toLowerCase()),
    );
    this.#origins = new Set([...(opts.allowedOrigins ?? []), ...opts.config.allowedOrigins]);
    const pub = opts.config.ssePublicUrl ? new URL(opts.config.ssePublicUrl) : undefined;
    if (pub) {
      this.#hosts.add(pub.host.toLowerCase());
      this.#origins.add(pub.origin);
    }
    if (this.#hosts.size === 0 || isLoopbackHost(bound.hostname)) {
      for (const h of ["127.0.0.1", "localhost", "[::1]"]) {
        this.#hosts.add(`${h}:${bound.port}`);
        this.#origins.add(`http://${h}:${bound.port}`);
      }
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

  /** The session behind an MCP session id (for the streamed sign-in page). */
  sessionOf(id: string): Session | undefined {
    return this.#entries.get(id)?.session;
  }

  /** Handles one HTTP request. */
  handle = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const started = performance.now();
    let res: Response;
    try {
      res = await this.#route(req, url);
    } catch (error) {
      this.#opts.log.error(`${req.method} ${logPath(url.pathname)} failed`, error);
      res = rpcError(500, -32603, "Internal server error");
    }
    const out = this.#secure(res, req);
    this.#opts.log.info(
      `${req.method} ${logPath(url.pathname)} ${out.status} ${
        (performance.now() - started).toFixed(0)
      } ms`,
    );
    return out;
  };

  async #route(req: Request, url: URL): Promise<Response> {
    if (url.pathname === "/healthz") return new Response("ok", { status: 200 });
    const host = (req.headers.get("host") ?? "").toLowerCase();
    if (!this.#hosts.has(host)) {
      return rpcError(403, -32000, `Forbidden: Host "${host}" is not allowed`);
    }
    const origin = req.headers.get("origin");
    if (origin && !this.#origins.has(origin)) {
      return rpcError(403, -32000, `Forbidden: Origin "${origin}" is not allowed`);
    }
    if (req.method === "OPTIONS") return new Response(null, { status: 204 });
    const declared = Number(req.headers.get("content-length") ?? "0");
    if (declared > this.#maxBody) return rpcError(413, -32000, "Request body too large");
    if (url.pathname === "/mcp") return await this.#mcp(req);
    if (url.pathname === "/sse" && req.method === "GET") return this.#openSse(req);
    if (url.pathname === "/messages" && req.method === "POST") return await this.#postSse(req, url);
    const extra = await this.#opts.routes?.(req, url, (id) => this.sessionOf(id)) ??
      await erpStreamRoute(this.erpStreams, this.#opts.config.ssePublicUrl, req, url);
    return extra ?? new Response("Not found", { status: 404 });
  }

  get #maxBody(): number {
    return this.#opts.maxBodyBytes ?? 1024 * 1024;
  }

  #newSession(token?: string, cache?: SessionCache): Session {
    const session = new Session({
      config: this.#opts.config,
      fetch: this.#opts.fetch,
      tokenCache: this.#tokens,
      cache,
    });
    if (token) session.presetToken(token, "header");
    return session;
  }

  async #mcp(req: Request): Promise<Response> {
    const token = headerToken(req);
    const id = req.headers.get("mcp-session-id");
    if (token && !id) return await this.#stateless(req, token);
    if (id) {
      const entry = this.#entries.get(id);
      if (!entry || !(entry.transport instanceof WebStandardStreamableHTTPServerTransport)) {
        return rpcError(
          404,
          -32001,
          "Session not found: it expired or was closed; start a new one",
        );
      }
      entry.lastSeen = this.#now();
      return await entry.transport.handleRequest(req);
    }
    if (req.method !== "POST") {
      return rpcError(400, -32000, "Bad request: no Mcp-Session-Id; start with an initialize POST");
    }
    if (this.#entries.size >= (this.#opts.maxSessions ?? this.#opts.config.maxSessions)) {
      return rpcError(503, -32000, "Too many sessions: try again later");
    }
    const session = this.#newSession();
    const server = buildServer({
      config: this.#opts.config,
      session,
      log: this.#opts.log,
      erpStreams: this.erpStreams,
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      maxRequestBodySize: this.#maxBody,
      onsessioninitialized: (sid) => {
        this.#entries.set(sid, { session, server, transport, lastSeen: this.#now() });
      },
      onsessionclosed: (sid) => void this.#drop(sid),
    });
    await server.connect(transport);
    const res = await transport.handleRequest(req);
    if (!transport.sessionId) await server.close(); // not an initialize: nothing to keep
    return res;
  }

  async #stateless(req: Request, token: string): Promise<Response> {
    if (req.method !== "POST") {
      return rpcError(405, -32000, "Method not allowed: stateless requests are POSTs");
    }
    const session = this.#newSession(token, await this.#statelessCaches.for(token));
    const server = buildServer({
      config: this.#opts.config,
      session,
      log: this.#opts.log,
      erpStreams: this.erpStreams,
      confirmSecret: token,
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      maxRequestBodySize: this.#maxBody,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(req);
    } finally {
      await server.close();
    }
  }

  #openSse(req: Request): Response {
    if (this.#entries.size >= (this.#opts.maxSessions ?? this.#opts.config.maxSessions)) {
      return rpcError(503, -32000, "Too many sessions: try again later");
    }
    const session = this.#newSession(headerToken(req));
    const server = buildServer({
      config: this.#opts.config,
      session,
      log: this.#opts.log,
      erpStreams: this.erpStreams,
    });
    const transport = new LegacySseTransport();
    const sid = transport.sessionId;
    this.#entries.set(sid, { session, server, transport, lastSeen: this.#now() });
    transport.onclose = () => void this.#drop(sid);
    void server.connect(transport);
    return transport.response("/messages", new Headers());
  }

  async #postSse(req: Request, url: URL): Promise<Response> {
    const sid = url.searchParams.get("sessionId") ?? "";
    const entry = this.#entries.get(sid);
    if (!entry || !(entry.transport instanceof LegacySseTransport)) {
      return new Response("Session not found", { status: 404 });
    }
    const text = await readAtMost(req, this.#maxBody);
    if (text === undefined) return new Response("Request body too large", { status: 413 });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return new Response("Invalid JSON", { status: 400 });
    }
    if (!entry.transport.receive(body)) {
      return new Response("Not a JSON-RPC message", { status: 400 });
    }
    entry.lastSeen = this.#now();
    return new Response("Accepted", { status: 202 });
  }

  #secure(res: Response, req: Request): Response {
    const headers = new Headers(res.headers);
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (!headers.has(k)) headers.set(k, v);
    const origin = req.headers.get("origin");
    if (origin && this.#origins.has(origin)) {
      headers.set("Access-Control-Allow-Origin", origin);
      headers.set("Vary", "Origin");
      headers.set("Access-Control-Expose-Headers", "Mcp-Session-Id");
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
      // A session nobody signed in to holds a slot for little: it goes after a short idle, so
      // anonymous connections cannot keep the session cap full for long.
      const s = entry.session;
      const signedIn = s.credentials || (s.signInAttempt && !s.signInAttempt.outcome);
      const limit = signedIn ? idleMs : Math.min(idleMs, ANONYMOUS_IDLE_MS);
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
    await this.erpStreams.close();
  }
}

/** A running hosted server. */
export interface HttpServer {
  app: HttpApp;
  /** `http://host:port`. */
  url: string;
  close(): Promise<void>;
}

/** Serves the hosted app on `hostname:port` (port 0 picks a free one). */
export function serveHttp(
  opts: HttpOptions & { hostname: string; port: number },
): Promise<HttpServer> {
  return new Promise((resolve) => {
    let app: HttpApp;
    const server = Deno.serve({
      hostname: opts.hostname,
      port: opts.port,
      onListen: (addr) => {
        app = new HttpApp(opts, { hostname: opts.hostname, port: addr.port });
        const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
        resolve({
          app,
          url: `http://${host}:${addr.port}`,
          close: async () => {
            await app.close();
            await server.shutdown();
          },
        });
      },
    }, (req) => app.handle(req));
  });
}
