/**
 * Test harness: the sandbox ERP on 127.0.0.1 and a real MCP Client connected to the server over a
 * real transport — Streamable HTTP in-process by default (so the session and the clock stay
 * injectable), the whole hosted stack (`serveHttp`), or stdio through the real launcher
 * (`deno task start`) — in either protocol era: 2025-11-25 through the SDK 1.32.2 client most
 * hosts embed, or 2026-07-28 through `@modelcontextprotocol/client` 2.4.0 pinned to that revision.
 * The client lists the tools first, so the SDK checks every `structuredContent` against the
 * tool's output schema.
 */
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp"
import { StreamableHTTPClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp.js";
import {
  createMcpHandler,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import {
  Client as Client2026,
  LOG_LEVEL_META_KEY,
  StreamableHTTPClientTransport as HttpTransport2026,
} from "@modelcontextprotocol/client";
import { StdioClientTransport as StdioTransport2026 } from "@modelcontextprotocol/client/stdio";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
import {
  getDefaultEnvironment,
  StdioClientTransport,
} from "npm:@modelcontextprotocol/sdk@1.32.2/client/stdio.js";
import { Session } from "../src/auth/session.ts";
import { type Config, loadConfig } from "../src/config.ts";
import { type Logger, silentLogger } from "../src/log.ts";
import { serveSandbox } from "../src/sandbox/erp.ts";
import type { SandboxOptions } from "../src/sandbox/types.ts";
import { buildServer } from "../src/server.ts";
import type { ConfirmTokens } from "../src/tools/confirm.ts";
import { serveHttp } from "../src/transports/http.ts";

/** The default "today" of the test sandbox: fixed, so every run sees the same weeks. */
export const TODAY = Temporal.PlainDate.from("2026-11-25");

/** The repository root (where deno.json is). */
export const ROOT = new URL("..", import.meta.url).pathname;

/** A tool result as the model receives it. */
export interface Result {
  isError: boolean;
  text: string;
  // deno-lint-ignore no-explicit-any
  data: any;
}

/** Options of a harness. */
export interface HarnessOptions {
  sandbox?: SandboxOptions;
  /** Extra environment for loadConfig. */
  env?: Record<string, string>;
  /** Sign in as this sandbox user through ERP_API_TOKEN (default alice); false for none. */
  signIn?: "alice" | "bob" | false;
  /** Allowlist; default alice only. */
  allow?: string;
  /** A fixed clock for "today" and confirmation expiry (not with `transport: "stdio"`). */
  now?: () => Temporal.Instant;
  /** Files loadConfig may read (e.g. an MCP_HOLIDAYS file), by path (not with stdio). */
  files?: Record<string, string>;
  /** The client's capabilities, e.g. `{ elicitation: {} }`. */
  clientCapabilities?: Record<string, unknown>;
  /**
   * How the client reaches the server, always through the SDK client and a real transport:
   * - `"http"` (default): Streamable HTTP on 127.0.0.1 port 0 through the SDK's web-standard
   *   server transport (the one src/transports/http.ts uses), serving one server built as
   *   `deno task start` builds it (local mode: the loopback Google sign-in, the local ERP window);
   * - `"hosted"`: the whole hosted stack, `serveHttp` (Host/Origin checks, the session table,
   *   hosted-mode tools: no loopback Google sign-in, the streamed ERP sign-in);
   * - `"stdio"`: spawns `deno task start` (the real launcher and its permission flags); no
   *   injectable session or clock.
   */
  transport?: "http" | "hosted" | "stdio";
  /**
   * The protocol revision the client speaks (default: env HARNESS_ERA, else "2025"):
   * - `"2025"`: 2025-11-25 (`initialize`, a session) through the SDK 1.32.2 client;
   * - `"2026"`: 2026-07-28 (`server/discover`, the per-request `_meta` envelope, `input_required`)
   *   through `@modelcontextprotocol/client` 2.4.0 pinned to it. In-process HTTP builds a server
   *   per request, all bound to this harness's session (the state stays with the client, as on
   *   stdio); hosted sends the ERP token as `Authorization: Token …` on every request (no
   *   session there: `h.session` throws).
   */
  era?: Era;
  /** The server's logger (not with stdio); default silent. */
  log?: Logger;
}

/** A protocol revision of the harness's client. */
export type Era = "2025" | "2026";

/** The era the suites run in when a test does not choose: env HARNESS_ERA, else 2025. */
export function harnessEra(): Era {
  const era = Deno.env.get("HARNESS_ERA") ?? "2025";
  if (era !== "2025" && era !== "2026") {
    throw new Error(`HARNESS_ERA: "${era}" is not 2025 or 2026`);
  }
  return era;
}

/**
 * `ignore:` for a test that only the 2025 era can run, with the reason (listed in the report):
 * true when the suites run in the 2026 era.
 */
export function only2025(_reason: string): boolean {
  return harnessEra() === "2026";
}

/**
 * For `ignore:` — true when the suites run in the 2026 era through the hosted stack
 * (HARNESS_ERA=2026 HARNESS_TRANSPORT=hosted): there every request stands alone, the person is
 * whoever its Authorization header names, and nothing is kept between requests — no sign-in
 * tools, no session object, no session caches, no session-bound confirmation tokens. `reason`
 * says which of those the test needs (read by people, not code).
 */
export function needsSession(_reason: string): boolean {
  return harnessEra() === "2026" && Deno.env.get("HARNESS_TRANSPORT") === "hosted";
}

/** A running sandbox, server and client. */
export interface Harness {
  /**
   * The client. On the 2026 era it is the v2 client behind the v1 client's call shapes (see
   * v1Shaped): `setRequestHandler(Schema, …)`, `callTool(p, schema, options)` keep working.
   */
  client: Client;
  /** The protocol revision the client negotiated. */
  era: Era;
  erp: Awaited<ReturnType<typeof serveSandbox>>["erp"];
  apiBase: string;
  origin: string;
  config: Config;
  /** The server's session for this client (HTTP only: over stdio it lives in another process). */
  session: Session;
  call(name: string, args?: Record<string, unknown>): Promise<Result>;
  /** The ERP requests made during `fn`. */
  countCalls(fn: () => Promise<unknown>): Promise<number>;
  close(): Promise<void>;
}

/**
 * The SDK's stdio client transport, unchanged but for being a subclass: the v2 client then sends
 * its `server/discover` probe on this one connection instead of on a disposable sibling process
 * spawned from the same parameters (it spawns one for the base class only, so that servers which
 * exit on a pre-`initialize` request do not spend the session's process; this server answers the
 * probe and keeps serving). One process, one launcher and one demo sandbox per 2026 client.
 * Relies on `readStdioServerParams` in `@modelcontextprotocol/client` 2.4.0 (an SDK internal,
 * documented in its source): tests/e2e/eras_suites_test.ts counts the starts and breaks if an
 * upgrade changes either path.
 */
export class InPlaceStdioClientTransport extends StdioTransport2026 {}

/** The environment a spawned deno needs here: its cache and the CA setting (see deno-notes). */
export function denoEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    ...getDefaultEnvironment(),
    DENO_TLS_CA_STORE: "system",
    NO_COLOR: "1",
  };
  for (const k of ["DENO_DIR", "NODE_EXTRA_CA_CERTS"]) {
    const v = Deno.env.get(k);
    if (v) env[k] = v;
  }
  return { ...env, ...extra };
}

/** Starts the sandbox and the server, connects an SDK client, and lists the tools. */
export async function harness(opts: HarnessOptions = {}): Promise<Harness> {
  const sb = await serveSandbox({ today: TODAY, ...opts.sandbox });
  const users = sb.erp.fixtures.users;
  const env: Record<string, string> = {
    ERP_API_BASE_URL: sb.apiBase,
    MCP_AUTHORIZED_USERS: opts.allow ?? users.alice.email,
    MCP_TIMEZONE: "UTC",
    ...opts.env,
  };
  const signIn = opts.signIn ?? "alice";
  if (signIn) env.ERP_API_TOKEN = users[signIn].token;
  const config = loadConfig([], {
    getEnv: (n) => env[n],
    readFile: (path) => opts.files?.[path],
    defaultAllowlistPath: "authorized_users.json",
    defaultTimeZone: "UTC",
    now: opts.now,
  });
  // HARNESS_TRANSPORT=hosted (or stdio) runs every suite that does not choose through that one.
  const transport = opts.transport ??
    (Deno.env.get("HARNESS_TRANSPORT") as HarnessOptions["transport"]) ?? "http";
  const era = opts.era ?? harnessEra();
  const capabilities = opts.clientCapabilities ?? {};
  const modern = era === "2026"
    ? new Client2026({ name: "test-client", version: "1.0.0" }, {
      capabilities,
      versionNegotiation: { mode: { pin: "2026-07-28" } },
    })
    : undefined;
  const client = modern
    ? v1Shaped(modern)
    : new Client({ name: "test-client", version: "1.0.0" }, { capabilities });
  const connect = async (to: {
    v1: () => Parameters<Client["connect"]>[0];
    v2: () => Parameters<Client2026["connect"]>[0];
  }) => {
    if (modern) {
      await modern.connect(to.v2());
      if (modern.getProtocolEra() !== "modern") {
        throw new Error(
          `harness: the 2026 client negotiated ${modern.getNegotiatedProtocolVersion()}`,
        );
      }
    } else await client.connect(to.v1());
  };
  let session: Session | undefined;
  let stopServer: () => Promise<void> = () => Promise.resolve();
  try {
    if (transport === "stdio") {
      if (opts.now || opts.files) throw new Error("harness: stdio takes no clock and no files");
      const spawn = {
        command: Deno.execPath(),
        args: ["task", "--quiet", "start"],
        cwd: ROOT,
        env: denoEnv(env),
        stderr: "pipe" as const,
      };
      await connect({
        v1: () => {
          const stdio = new StdioClientTransport(spawn);
          stdio.stderr?.on("data", () => {});
          return stdio;
        },
        v2: () => {
          const stdio = new InPlaceStdioClientTransport(spawn);
          stdio.stderr?.on("data", () => {});
          return stdio;
        },
      });
    } else if (transport === "hosted") {
      const http = await serveHttp({
        config,
        log: opts.log ?? silentLogger,
        hostname: "127.0.0.1",
        port: 0,
      });
      stopServer = () => http.close();
      const url = new URL("/mcp", http.url);
      if (modern) {
        // No session on 2026-07-28: the person comes from the Authorization header of each request.
        const headers: Record<string, string> = config.token
          ? { Authorization: `Token ${config.token}` }
          : {};
        await connect({
          v1: () => undefined!,
          v2: () => new HttpTransport2026(url, { requestInit: { headers } }),
        });
      } else {
        const toHosted = new StreamableHTTPClientTransport(url);
        await client.connect(toHosted);
        session = http.app.sessionOf(toHosted.sessionId!);
        if (!session) throw new Error("harness: the server kept no session for the client");
        // As `deno task start` does with ERP_API_TOKEN (hosted mode ignores it; a harness does not).
        if (config.token) session.presetToken(config.token, "environment");
      }
    } else {
      // The local entry's server and session (src/cli/serve.ts), over Streamable HTTP.
      const local = new Session({ config });
      if (config.token) local.presetToken(config.token, "environment");
      session = local;
      const log = opts.log ?? silentLogger;
      let handle: (req: Request) => Promise<Response>;
      let closeServer: () => Promise<void>;
      if (modern) {
        // 2026-07-28 is stateless on HTTP: a server per request, all bound to this one session
        // (as one stdio connection is), sharing its confirmation tokens and form-state key.
        const confirmTokens: ConfirmTokens = new Map();
        const askSecret = crypto.randomUUID();
        const handler = createMcpHandler(
          () => buildServer({ config, session: local, log, confirmTokens, askSecret }),
          { legacy: "reject" },
        );
        handle = (req) => handler.fetch(req);
        closeServer = () => handler.close();
      } else {
        const server = buildServer({ config, session: local, log });
        const serverSide = new WebStandardStreamableHTTPServerTransport({
          sessionIdGenerator: () => crypto.randomUUID(),
        });
        await server.connect(serverSide);
        handle = (req) => serverSide.handleRequest(req);
        closeServer = () => server.close();
      }
      const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handle);
      stopServer = async () => {
        await closeServer();
        await http.shutdown();
      };
      const url = new URL(`http://127.0.0.1:${http.addr.port}/mcp`);
      await connect({
        v1: () => new StreamableHTTPClientTransport(url),
        v2: () => new HttpTransport2026(url),
      });
    }
    // The SDK client checks each tool's structuredContent against the listed output schema.
    await client.listTools();
  } catch (error) {
    await client.close().catch(() => {});
    await stopServer().catch(() => {});
    await sb.close();
    throw error;
  }
  const call = async (name: string, args: Record<string, unknown> = {}): Promise<Result> => {
    const r = await client.callTool({ name, arguments: args });
    const content = r.content as { type: string; text: string }[];
    return { isError: r.isError === true, text: content[0]?.text ?? "", data: r.structuredContent };
  };
  return {
    client,
    era,
    erp: sb.erp,
    apiBase: sb.apiBase,
    origin: sb.origin,
    config,
    get session(): Session {
      if (!session) {
        throw new Error(
          transport === "stdio"
            ? "harness: no session object over stdio (another process)"
            : "harness: no session object on hosted 2026-07-28 (stateless: the person comes from each request's header)",
        );
      }
      return session;
    },
    call,
    async countCalls(fn) {
      const before = sb.erp.calls.length;
      await fn();
      return sb.erp.calls.length - before;
    },
    async close() {
      await client.close();
      await stopServer();
      await sb.close();
    },
  };
}

/**
 * The v2 client (2026-07-28) behind the SDK 1.32.2 client's call shapes, so the suites run
 * unchanged in both eras: `setRequestHandler(ElicitRequestSchema, (req, extra) => …)` and
 * `setNotificationHandler(Schema, …)` take the method from the v1 schema's `method` literal (a
 * zod object; test-only reach into the v1 package) and give the handler `extra.signal`;
 * `callTool(params, resultSchema, options)` drops the schema. Every tools/call asks for all log
 * messages through the 2026 envelope's `logLevel` key (a 2025 client that never sets a level gets
 * them all too). Elicitation handlers answer the server's `input_required` forms: the v2 client
 * fulfils them through the same handlers and calls again.
 */
function v1Shaped(modern: Client2026): Client {
  const methodOf = (schema: unknown): string => {
    if (typeof schema === "string") return schema;
    const method = (schema as { shape?: { method?: { value?: unknown } } }).shape?.method?.value;
    if (typeof method !== "string") {
      throw new Error("harness: not a v1 request/notification schema");
    }
    return method;
  };
  const facade = {
    setRequestHandler(schema: unknown, handler: (req: unknown, extra: unknown) => unknown) {
      modern.setRequestHandler(
        methodOf(schema) as "elicitation/create",
        // deno-lint-ignore no-explicit-any
        ((req: unknown, ctx: any) =>
          handler(req, {
            ...ctx,
            signal: ctx?.mcpReq?.signal ?? new AbortController().signal,
          })) as never,
      );
    },
    setNotificationHandler(schema: unknown, handler: (n: unknown) => unknown) {
      modern.setNotificationHandler(methodOf(schema) as "notifications/message", handler as never);
    },
    callTool(params: { _meta?: Record<string, unknown> }, second?: unknown, third?: unknown) {
      const options = third ?? (second && !("parse" in (second as object)) ? second : undefined);
      return modern.callTool(
        { ...params, _meta: { [LOG_LEVEL_META_KEY]: "debug", ...params._meta } } as never,
        options as never,
      );
    },
  };
  return new Proxy(modern, {
    get(target, prop) {
      if (prop in facade) return facade[prop as keyof typeof facade];
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as unknown as Client;
}

/** Runs `fn` with a fresh harness and always closes it. */
export async function withHarness(
  opts: HarnessOptions,
  fn: (h: Harness) => Promise<void>,
): Promise<void> {
  const h = await harness(opts);
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

/** Fails with `message` unless `cond`. */
export function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

/** A timeout that grows with the machine's load: `baseMs` on an idle machine, more when busy. */
export function scaledTimeout(baseMs: number): number {
  let factor = 3; // the load is unknown (not Linux, or not readable): assume a busy machine
  try {
    const load1 = Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
    const cores = navigator.hardwareConcurrency || 1;
    if (Number.isFinite(load1)) factor = Math.max(1, Math.min(10, 1 + load1 / cores));
  } catch {
    // keep the default
  }
  const env = Number(Deno.env.get("TEST_TIMEOUT_FACTOR") ?? "1");
  return Math.round(baseMs * factor * (Number.isFinite(env) && env > 0 ? env : 1));
}
