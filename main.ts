/**
 * project-logs-mcp: an MCP server for weekly project time logs in the company ERP.
 * The only module that reads the process: flags, environment, exit code.
 */
import { Session } from "./src/auth/session.ts";
import { ConfigError, loadConfig, SETTINGS } from "./src/config.ts";
import { createLogger } from "./src/log.ts";
import { buildServer, SERVER_INFO } from "./src/server.ts";
import { serveStdio } from "./src/transports/stdio.ts";

const HELP = `${SERVER_INFO.name} ${SERVER_INFO.version}
An MCP server for your weekly project time logs in the company ERP.

Usage: project-logs-mcp [flags]      serve MCP over stdio (what AI clients run)

Flags (each also set by its environment variable):
${
  SETTINGS.map(([flag, env, what]) => `  ${(flag || "").padEnd(26)}${env.padEnd(28)}${what}`).join(
    "\n",
  )
}
  -h, --help                show this help
  -V, --version             print the version
`;

function readFile(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** `authorized_users.json` beside the server (beside main.ts, or beside a compiled executable). */
function defaultAllowlistPath(): string {
  const here = new URL(".", import.meta.url);
  return here.protocol === "file:" && !Deno.build.standalone
    ? decodeURIComponent(new URL("authorized_users.json", here).pathname)
    : Deno.execPath().replace(/[^/\\]+$/, "authorized_users.json");
}

async function main(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(HELP);
    return 0;
  }
  if (args.includes("--version") || args.includes("-V")) {
    console.log(SERVER_INFO.version);
    return 0;
  }
  const log = createLogger((line) => console.error(line));
  let config;
  try {
    config = loadConfig(args, {
      getEnv: (name) => Deno.env.get(name),
      readFile,
      defaultAllowlistPath: defaultAllowlistPath(),
      defaultTimeZone: Temporal.Now.timeZoneId(),
    });
  } catch (error) {
    if (error instanceof ConfigError || error instanceof Deno.errors.PermissionDenied) {
      console.error(`project-logs-mcp: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const session = new Session({ config });
  if (config.token) session.presetToken(config.token, "environment");
  await serveStdio(buildServer({ config, session, log }));
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
