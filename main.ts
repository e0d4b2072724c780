/**
 * project-logs-mcp: an MCP server for weekly project time logs in the company ERP.
 * The only module that reads the process: flags, environment, exit code. The command line itself
 * lives in src/cli/.
 */
import { adoptLauncher } from "./src/cli/lifetime.ts";
import { runCli } from "./src/cli/mod.ts";

/** `authorized_users.json` beside the server (beside main.ts, or beside a compiled executable). */
function defaultAllowlistPath(): string {
  const here = new URL(".", import.meta.url);
  return here.protocol === "file:" && !Deno.build.standalone
    ? decodeURIComponent(new URL("authorized_users.json", here).pathname)
    : Deno.execPath().replace(/[^/\\]+$/, "authorized_users.json");
}

if (import.meta.main) {
  // Started by `deno task start`: end with the launcher, and own the temporary directory it named.
  const launched = adoptLauncher(Deno.args, Deno.exit);
  const allowlistPath = defaultAllowlistPath();
  const readFile = (path: string): string | undefined => {
    try {
      return Deno.readTextFileSync(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      // A compiled executable may read only the files it was built for: the default file beside
      // it then counts as absent (the allowlist fails closed; `doctor` says so).
      if (Deno.build.standalone && path === allowlistPath) return undefined;
      throw error;
    }
  };
  const code = await runCli({
    args: launched.args,
    sources: {
      getEnv: (name) => Deno.env.get(name),
      readFile,
      defaultAllowlistPath: allowlistPath,
      defaultTimeZone: Temporal.Now.timeZoneId(),
    },
    stdout: (line) => console.log(line),
    stderr: (line) => console.error(line),
  });
  launched.cleanUp();
  Deno.exit(launched.endCode ?? code);
}
