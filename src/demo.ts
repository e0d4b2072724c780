/**
 * `deno task demo`: the real server over stdio against a sandbox ERP started in-process on
 * 127.0.0.1, already signed in as the sandbox user alice, so any MCP client (the Inspector,
 * Claude Desktop) can call every tool at once. Never used by `deno task start`.
 */
import { parseArgs } from "node:util";
import { Session } from "./auth/session.ts";
import { loadConfig } from "./config.ts";
import { createLogger } from "./log.ts";
import { serveSandbox } from "./sandbox/erp.ts";
import { buildServer } from "./server.ts";
import { serveStdio } from "./transports/stdio.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { latency: { type: "string" }, "read-only": { type: "boolean" } },
});
const sandbox = await serveSandbox({ latencyMs: Number(values.latency ?? 0) });
const { alice, bob } = sandbox.erp.fixtures.users;
const env: Record<string, string | undefined> = {
  ERP_API_BASE_URL: sandbox.apiBase,
  ERP_API_TOKEN: alice.token,
  MCP_AUTHORIZED_USERS: alice.email,
  MCP_TIMEZONE: Deno.env.get("MCP_TIMEZONE"),
  // The ERP browser sign-in opens the sandbox's web page; these pass through as set.
  MCP_BROWSER_PATH: Deno.env.get("MCP_BROWSER_PATH"),
  MCP_BROWSER_HEADLESS: Deno.env.get("MCP_BROWSER_HEADLESS"),
  MCP_SIGNIN_TIMEOUT_SECONDS: Deno.env.get("MCP_SIGNIN_TIMEOUT_SECONDS"),
  // The Google sign-in against the sandbox's fake Google (authenticate_via_browser).
  MCP_GOOGLE_CLIENT_ID: "sandbox-demo-client",
  MCP_GOOGLE_AUTH_URL: `${sandbox.origin}/oauth/google/authorize`,
};
const config = loadConfig(values["read-only"] ? ["--read-only"] : [], {
  getEnv: (name) => env[name],
  readFile: () => undefined,
  defaultAllowlistPath: "authorized_users.json",
  defaultTimeZone: Temporal.Now.timeZoneId(),
});
console.error(
  `project-logs-mcp demo: sandbox ERP at ${sandbox.apiBase} (web page ${sandbox.origin}/), ` +
    `signed in as ${alice.email}. Another sandbox user, not on the allowlist: ${bob.email} ` +
    `(token ${bob.token}). Stop with Ctrl+C or by closing stdin.`,
);
const session = new Session({ config });
session.presetToken(alice.token, "environment");
await serveStdio(buildServer({ config, session, log: createLogger((l) => console.error(l)) }));
await sandbox.close();
