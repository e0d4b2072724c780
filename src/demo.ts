/**
 * `deno task demo`: the real server over stdio against a sandbox ERP started in-process on
 * 127.0.0.1, already signed in as the sandbox user alice, so any MCP client (the Inspector,
 * Claude Desktop) can call every tool at once. Never used by `deno task start`.
 *
 * It takes the server's flags (`--no-confirm`, `--read-only`, …) and passes through every `MCP_*`
 * variable it does not set itself; `--latency MS` slows the sandbox down.
 */
import { adoptLauncher } from "./cli/lifetime.ts";
import { Session } from "./auth/session.ts";
import { ConfigError, ENV_VARS, loadConfig } from "./config.ts";
import { createLogger } from "./log.ts";
import { serveSandbox } from "./sandbox/erp.ts";
import { buildServer } from "./server.ts";
import { serveStdio } from "./transports/stdio.ts";

/** `--latency MS` / `--latency=MS` taken off the server's flags. */
function takeLatency(args: string[]): { latencyMs: number; rest: string[] } | string {
  const rest: string[] = [];
  let latencyMs = 0;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (flag !== "--latency") {
      rest.push(args[i]);
      continue;
    }
    const value = inline ?? args[++i];
    if (!/^\d+$/.test(value ?? "")) {
      return `Invalid value "${
        value ?? ""
      }" in --latency: expected milliseconds, e.g. --latency 50`;
    }
    latencyMs = Number(value);
  }
  return { latencyMs, rest };
}

if (import.meta.main) {
  const launched = adoptLauncher(Deno.args, Deno.exit);
  const fail = (message: string): never => {
    console.error(`project-logs-mcp demo: ${message}`);
    launched.cleanUp();
    Deno.exit(2);
  };
  const parsed = takeLatency(launched.args);
  if (typeof parsed === "string") fail(parsed);
  const { latencyMs, rest } = parsed as Exclude<typeof parsed, string>;
  const sandbox = await serveSandbox({ latencyMs });
  const { alice, bob } = sandbox.erp.fixtures.users;
  const env: Record<string, string | undefined> = {};
  // Every MCP_* variable as set (the browser, time zone, confirmation…), then the demo's own.
  for (const name of ENV_VARS) if (name.startsWith("MCP_")) env[name] = Deno.env.get(name);
  Object.assign(env, {
    ERP_API_BASE_URL: sandbox.apiBase,
    ERP_API_TOKEN: alice.token,
    MCP_AUTHORIZED_USERS: alice.email,
    MCP_AUTHORIZED_USERS_FILE: undefined,
    // The Google sign-in against the sandbox's fake Google (authenticate_via_browser).
    MCP_GOOGLE_CLIENT_ID: "sandbox-demo-client",
    MCP_GOOGLE_AUTH_URL: `${sandbox.origin}/oauth/google/authorize`,
  });
  let config;
  try {
    // The sandbox is the ERP and alice the one allowed: flags that would point elsewhere are refused.
    for (const own of ["--erp-url", "--authorized-users", "--authorized-users-file", "--http"]) {
      if (rest.some((a) => a === own || a.startsWith(`${own}=`))) {
        throw new ConfigError(`The demo sets ${own.slice(2)} itself: leave out "${own}"`);
      }
    }
    config = loadConfig(rest, {
      getEnv: (name) => env[name],
      readFile: () => undefined,
      defaultAllowlistPath: "authorized_users.json",
      defaultTimeZone: Temporal.Now.timeZoneId(),
    });
  } catch (error) {
    await sandbox.close();
    if (!(error instanceof ConfigError)) throw error;
    fail(error.message);
  }
  console.error(
    `project-logs-mcp demo: sandbox ERP at ${sandbox.apiBase} (web page ${sandbox.origin}/), ` +
      `signed in as ${alice.email}. Another sandbox user, not on the allowlist: ${bob.email} ` +
      `(token ${bob.token}). Stop with Ctrl+C or by closing stdin.`,
  );
  const session = new Session({ config: config! });
  session.presetToken(alice.token, "environment");
  const log = createLogger((l) => console.error(l));
  await serveStdio(() => buildServer({ config: config!, session, log }), log);
  await sandbox.close();
  launched.cleanUp();
  Deno.exit(0);
}
