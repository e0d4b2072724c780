/**
 * `deno task start`: runs main.ts over stdio with the narrowest flags for the configured ERP host,
 * which Deno needs to know before start. stdin, stdout and stderr pass straight through.
 */
import { permissionFlags } from "./permissions.ts";

const erp = Deno.env.get("ERP_API_BASE_URL");
const file = Deno.env.get("MCP_AUTHORIZED_USERS_FILE");
let flags: string[];
try {
  const beside = decodeURIComponent(new URL("../authorized_users.json", import.meta.url).pathname);
  flags = permissionFlags({ erpBaseUrl: erp ?? "", readFiles: [file ?? beside] });
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
