/**
 * `deno task start` (stdio) and `deno task serve` (`--http`): runs main.ts with the narrowest flags
 * for the configured ERP host and listen address, which Deno needs to know before start.
 * stdin, stdout and stderr pass straight through.
 */
import { findBrowser } from "./auth/browsers.ts";
import { permissionFlags } from "./permissions.ts";

const erp = Deno.env.get("ERP_API_BASE_URL");
const file = Deno.env.get("MCP_AUTHORIZED_USERS_FILE");
let flags: string[];
try {
  const beside = decodeURIComponent(new URL("../authorized_users.json", import.meta.url).pathname);
  // The browser sign-ins: the Google page's port, and an installed browser (never downloaded).
  const oauthPort = Number(Deno.env.get("MCP_OAUTH_PORT") || 8765);
  const named = Deno.env.get("MCP_BROWSER_PATH")?.trim();
  flags = permissionFlags({
    erpBaseUrl: erp ?? "",
    readFiles: [file ?? beside],
    oauthPort: Number.isInteger(oauthPort) ? oauthPort : 8765,
    browser: named || findBrowser().path,
    tempDir: Deno.env.get("TMPDIR") || Deno.env.get("TEMP") || "/tmp",
    holidaysFile: Deno.env.get("MCP_HOLIDAYS")?.trim() || undefined,
    listen: Deno.args.includes("--http")
      ? `${Deno.env.get("MCP_SSE_HOST") || "127.0.0.1"}:${Deno.env.get("PORT") || 8000}`
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
const main = new URL("../main.ts", import.meta.url).pathname;
const child = new Deno.Command("deno", {
  args: ["run", ...flags, main, ...Deno.args],
  stdin: "inherit",
  stdout: "inherit",
  stderr: "inherit",
}).spawn();
Deno.exit((await child.status).code);
