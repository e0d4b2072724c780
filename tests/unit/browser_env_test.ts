import assert from "node:assert/strict";
import { browserEnv } from "../../src/auth/erp_browser.ts";

const macTemp = "/var/folders/zz/zyxvpxvq6csfxvn_n0000000000000/T/project-logs-mcp-1a2b3c4d";

Deno.test("browser env: only the variables a browser needs, and a short TMPDIR kept", () => {
  const env: Record<string, string> = { HOME: "/home/a", TMPDIR: "/tmp/x", SECRET: "s" };
  assert.deepEqual(browserEnv((n) => env[n], "linux"), { HOME: "/home/a", TMPDIR: "/tmp/x" });
});

Deno.test("browser env: a long TMPDIR (macOS's per-user folder) becomes /tmp for the browser", () => {
  assert.equal(browserEnv((n) => n === "TMPDIR" ? macTemp : undefined, "darwin").TMPDIR, "/tmp");
  assert.equal(browserEnv((n) => n === "TMPDIR" ? macTemp : undefined, "linux").TMPDIR, "/tmp");
  // Windows has no such socket: its TEMP stays.
  const win = "C:\\Users\\someone\\AppData\\Local\\Temp\\project-logs-mcp-1a2b3c4d\\x";
  assert.equal(browserEnv((n) => n === "TMPDIR" ? win : undefined, "windows").TMPDIR, win);
});
