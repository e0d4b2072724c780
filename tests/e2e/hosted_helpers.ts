/** The hosted server over real HTTP against the sandbox ERP, for the HTTP tests. */
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp"
import { StreamableHTTPClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp.js";
import { type Config, loadConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/log.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { type HttpServer, serveHttp } from "../../src/transports/http.ts";
import { TODAY } from "../helpers.ts";

/** A running sandbox ERP. */
export type Sandbox = Awaited<ReturnType<typeof serveSandbox>>;

/** The hosted server's config against `sb`: alice and bob allowed, UTC, plus `env`. */
export function configFor(sb: Sandbox, env: Record<string, string> = {}): Config {
  const vars: Record<string, string> = {
    ERP_API_BASE_URL: sb.apiBase,
    MCP_AUTHORIZED_USERS: "alice@example.com,bob@other.test",
    MCP_TIMEZONE: "UTC",
    ...env,
  };
  return loadConfig([], {
    getEnv: (n) => vars[n],
    readFile: () => undefined,
    defaultAllowlistPath: "x",
    defaultTimeZone: "UTC",
  });
}

/** Runs `fn` with the sandbox and the hosted server; always closes both. */
export async function hosted(
  fn: (ctx: { sb: Sandbox; http: HttpServer; config: Config }) => Promise<void>,
  env: Record<string, string> = {},
  now?: () => number,
) {
  const sb = await serveSandbox({ today: TODAY });
  const config = configFor(sb, env);
  const http = await serveHttp({
    config,
    log: silentLogger,
    hostname: "127.0.0.1",
    port: 0,
    now,
  });
  try {
    await fn({ sb, http, config });
  } finally {
    await http.close();
    await sb.close();
  }
}

/** An SDK client on `url`/mcp over Streamable HTTP, sending `headers` on every request. */
export async function connect(url: string, headers?: Record<string, string>): Promise<Client> {
  const client = new Client({ name: "http-test", version: "1" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL("/mcp", url), { requestInit: { headers } }),
  );
  return client;
}

/** A tool result's structured content. */
// deno-lint-ignore no-explicit-any
export function data(r: unknown): any {
  return (r as { structuredContent?: unknown }).structuredContent;
}

/** Sends a raw HTTP/1.1 request (so the Host header can be anything) and reads to the close. */
export async function raw(port: number, head: string, body = ""): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    new TextEncoder().encode(
      `${head}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    ),
  );
  const chunks: string[] = [];
  const buf = new Uint8Array(4096);
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) break;
    chunks.push(new TextDecoder().decode(buf.subarray(0, n)));
  }
  conn.close();
  return chunks.join("");
}

/** An initialize request. */
export const INIT = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "raw", version: "1" },
  },
});
