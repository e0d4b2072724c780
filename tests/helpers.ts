/** Test harness: the sandbox ERP on 127.0.0.1 and a real MCP Client connected to a built server. */
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/inMemory"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { Session } from "../src/auth/session.ts";
import { type Config, loadConfig } from "../src/config.ts";
import { silentLogger } from "../src/log.ts";
import { buildServer } from "../src/server.ts";
import { serveSandbox } from "../src/sandbox/erp.ts";
import type { SandboxOptions } from "../src/sandbox/types.ts";

/** The default "today" of the test sandbox: fixed, so every run sees the same weeks. */
export const TODAY = Temporal.PlainDate.from("2026-11-25");

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
  /** A fixed clock for "today" and confirmation expiry. */
  now?: () => Temporal.Instant;
  /** Files loadConfig may read (e.g. an MCP_HOLIDAYS file), by path. */
  files?: Record<string, string>;
  /** The client's capabilities, e.g. `{ elicitation: {} }`. */
  clientCapabilities?: Record<string, unknown>;
}

/** A running sandbox, server and client. */
export interface Harness {
  client: Client;
  erp: Awaited<ReturnType<typeof serveSandbox>>["erp"];
  apiBase: string;
  origin: string;
  config: Config;
  session: Session;
  call(name: string, args?: Record<string, unknown>): Promise<Result>;
  /** The ERP requests made during `fn`. */
  countCalls(fn: () => Promise<unknown>): Promise<number>;
  close(): Promise<void>;
}

/** Starts the sandbox, builds a server for one session and connects an SDK client in memory. */
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
  const session = new Session({ config });
  if (config.token) session.presetToken(config.token, "environment");
  const server = buildServer({ config, session, log: silentLogger });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client(
    { name: "test-client", version: "1.0.0" },
    { capabilities: opts.clientCapabilities ?? {} },
  );
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
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
    session,
    call,
    async countCalls(fn) {
      const before = sb.erp.calls.length;
      await fn();
      return sb.erp.calls.length - before;
    },
    async close() {
      await client.close();
      await server.close();
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
