/**
 * `deno task start` (stdio), `deno task serve` (`--http`) and `deno task demo` (`--demo`): runs
 * main.ts (or the demo) with the narrowest flags
 * for the configured ERP host and listen address, which Deno needs to know before start.
 * stdin, stdout and stderr pass straight through.
 */
import { parseArgs } from "node:util";
import { browserCandidates, findBrowser } from "./auth/browsers.ts";
import { permissionFlags } from "./permissions.ts";

// Flags win over variables, as in loadConfig; only those that decide a permission are read here.
const { values: flag } = parseArgs({
  args: Deno.args,
  options: {
    "erp-url": { type: "string" },
    "authorized-users-file": { type: "string" },
    "oauth-port": { type: "string" },
    "browser-path": { type: "string" },
    "host": { type: "string" },
    "port": { type: "string" },
  },
  strict: false,
  allowPositionals: true,
});
const pick = (name: string, env: string): string | undefined => {
  const value = flag[name];
  return (typeof value === "string" ? value : Deno.env.get(env))?.trim() || undefined;
};
// `deno task demo`: the same flags for src/demo.ts, whose sandbox ERP listens on 127.0.0.1.
const demo = Deno.args.includes("--demo");
const erp = demo ? "http://127.0.0.1" : pick("erp-url", "ERP_API_BASE_URL");
const file = pick("authorized-users-file", "MCP_AUTHORIZED_USERS_FILE");
let flags: string[];
try {
  const beside = decodeURIComponent(new URL("../authorized_users.json", import.meta.url).pathname);
  // The browser sign-ins: the Google page's port, and an installed browser (never downloaded).
  const oauthPort = Number(pick("oauth-port", "MCP_OAUTH_PORT") ?? 8765);
  const named = pick("browser-path", "MCP_BROWSER_PATH");
  const browser = named || findBrowser().path;
  flags = permissionFlags({
    erpBaseUrl: erp ?? "",
    // Without a browser, the server may still look where one would be, to say "not installed".
    readFiles: [file ?? beside, ...(browser ? [] : browserCandidates())],
    oauthPort: Number.isInteger(oauthPort) ? oauthPort : 8765,
    browser,
    tempDir: Deno.env.get("TMPDIR") || Deno.env.get("TEMP") || "/tmp",
    holidaysFile: Deno.env.get("MCP_HOLIDAYS")?.trim() || undefined,
    listen: Deno.args.includes("--http")
      ? `${pick("host", "MCP_SSE_HOST") ?? "127.0.0.1"}:${pick("port", "PORT") ?? 8000}`
      : undefined,
  });
} catch {
  console.error(
    `project-logs-mcp: ${
      erp ? `Invalid URL "${erp}" in` : "Missing ERP URL: set"
    } ERP_API_BASE_URL, e.g. https://erp.example.com/api/v1/`,
  );
  Deno.exit(2);
}
const main = new URL(demo ? "./demo.ts" : "../main.ts", import.meta.url).pathname;
const child = new Deno.Command("deno", {
  args: ["run", ...flags, main, ...Deno.args.filter((a) => a !== "--demo")],
  stdin: "inherit",
  stdout: "inherit",
  stderr: "inherit",
}).spawn();
Deno.exit((await child.status).code);
