/**
 * Test harness: the sandbox ERP on 127.0.0.1 and a real MCP Client connected to the server over a
 * real transport — Streamable HTTP in-process by default (so the session and the clock stay
 * injectable), the whole hosted stack (`serveHttp`), or stdio through the real launcher
 * (`deno task start`). The client lists the tools first, so the SDK checks every
 * `structuredContent` against the tool's output schema.
 */
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp"
import { StreamableHTTPClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
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
  /** The server's logger (not with stdio); default silent. */
  log?: Logger;
}

/** A running sandbox, server and client. */
export interface Harness {
  client: Client;
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
  const client = new Client(
    { name: "test-client", version: "1.0.0" },
    { capabilities: opts.clientCapabilities ?? {} },
  );
  // HARNESS_TRANSPORT=hosted (or stdio) runs every suite that does not choose through that one.
  const transport = opts.transport ??
    (Deno.env.get("HARNESS_TRANSPORT") as HarnessOptions["transport"]) ?? "http";
  let session: Session | undefined;
  let stopServer: () => Promise<void> = () => Promise.resolve();
  try {
    if (transport === "stdio") {
      if (opts.now || opts.files) throw new Error("harness: stdio takes no clock and no files");
      const stdio = new StdioClientTransport({
        command: Deno.execPath(),
        args: ["task", "--quiet", "start"],
        cwd: ROOT,
        env: denoEnv(env),
        stderr: "pipe",
      });
      stdio.stderr?.on("data", () => {});
      await client.connect(stdio);
    } else if (transport === "hosted") {
      const http = await serveHttp({
        config,
        log: opts.log ?? silentLogger,
        hostname: "127.0.0.1",
        port: 0,
      });
      stopServer = () => http.close();
      const toHosted = new StreamableHTTPClientTransport(new URL("/mcp", http.url));
      await client.connect(toHosted);
      session = http.app.sessionOf(toHosted.sessionId!);
      if (!session) throw new Error("harness: the server kept no session for the client");
      // As `deno task start` does with ERP_API_TOKEN (hosted mode ignores it; a harness does not).
      if (config.token) session.presetToken(config.token, "environment");
    } else {
      // The local entry's server and session (src/cli/serve.ts), over Streamable HTTP.
      const local = new Session({ config });
      if (config.token) local.presetToken(config.token, "environment");
      session = local;
      const server = buildServer({ config, session: local, log: opts.log ?? silentLogger });
      const serverSide = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
      });
      await server.connect(serverSide);
      const http = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen() {} },
        (req) => serverSide.handleRequest(req),
      );
      stopServer = async () => {
        await server.close();
        await http.shutdown();
      };
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${http.addr.port}/mcp`)),
      );
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
    erp: sb.erp,
    apiBase: sb.apiBase,
    origin: sb.origin,
    config,
    get session(): Session {
      if (!session) throw new Error("harness: no session object over stdio (another process)");
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
