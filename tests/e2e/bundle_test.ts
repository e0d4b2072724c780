/**
 * `deno bundle` makes one JS file that serves stdio MCP with an empty Deno cache: bundle main.ts,
 * run the bundle with a fresh DENO_DIR and the narrow flags, and drive it with the SDK client.
 * The browser sign-in is left out of the bundle (playwright-core needs its own files beside it)
 * and says so.
 */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
import {
  getDefaultEnvironment,
  StdioClientTransport,
} from "npm:@modelcontextprotocol/sdk@1.32.2/client/stdio.js";
import { permissionFlags } from "../../src/permissions.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { TODAY } from "../helpers.ts";
import { CHROMIUM } from "./browser_helpers.ts";
import { bundleServer } from "./bundle_helpers.ts";

Deno.test("bundle: one JS file serves stdio MCP with an empty cache and narrow flags", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bundle_test_" });
  const emptyCache = `${dir}/deno_dir`;
  await Deno.mkdir(emptyCache);
  await bundleServer(`${dir}/server.js`);

  const sb = await serveSandbox({ today: TODAY });
  const { alice } = sb.erp.fixtures.users;
  // The SDK passes only a few variables to the child (deno-notes): give it the empty cache.
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: [
      "run",
      ...permissionFlags({
        erpBaseUrl: sb.apiBase,
        browser: CHROMIUM ?? "/usr/bin/chromium",
        tempDir: dir,
      }),
      `${dir}/server.js`,
    ],
    env: {
      ...getDefaultEnvironment(),
      DENO_DIR: emptyCache,
      DENO_TLS_CA_STORE: "system",
      NO_COLOR: "1",
      ERP_API_BASE_URL: sb.apiBase,
      ERP_API_TOKEN: alice.token,
      MCP_AUTHORIZED_USERS: alice.email,
      MCP_TIMEZONE: "UTC",
      // Named, not run: the bundle carries no browser driver and must say so before any start.
      MCP_BROWSER_PATH: CHROMIUM ?? "/usr/bin/chromium",
      TMPDIR: dir,
    },
    cwd: dir,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Uint8Array) => stderr += new TextDecoder().decode(chunk));
  const client = new Client({ name: "bundle-test", version: "1" });
  try {
    await client.connect(transport);
    assert.equal(client.getServerVersion()?.name, "project-logs-mcp");
    await client.listTools(); // the client then checks results against the output schemas
    const labels = await client.callTool({ name: "get_log_labels", arguments: {} });
    assert.equal(labels.isError, undefined, JSON.stringify(labels.content) + stderr);
    const got = (labels.structuredContent as { labels: { id: number; name: string }[] }).labels
      .map((l) => `${l.id} ${l.name}`).sort();
    // Expected from the sandbox's seed, not from the server under test.
    const seeded = sb.erp.fixtures.labels.map((l) => `${l.id} ${l.name}`).sort();
    assert.deepEqual(got, seeded);
    // The browser sign-in is not in the bundle (playwright-core cannot be bundled): it says so.
    const browser = await client.callTool({ name: "authenticate_via_erp_browser", arguments: {} });
    const said = (browser.content as { text: string }[])[0].text;
    assert.equal(browser.isError, true, said);
    assert.match(said, /this build carries no browser driver/, stderr);
    assert.match(said, /this build carries no browser driver/);
    assert.match(said, /authenticate_with_token/);
    assert.deepEqual(filesUnder(`${emptyCache}/npm`), [], "the bundle downloaded nothing");
  } finally {
    await client.close();
    await sb.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Every file below `dir` (none when it does not exist). */
function filesUnder(dir: string): string[] {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return [];
  }
  return entries.flatMap((e) =>
    e.isDirectory ? filesUnder(`${dir}/${e.name}`) : [`${dir}/${e.name}`]
  );
}
