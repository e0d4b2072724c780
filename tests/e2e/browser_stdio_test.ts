/**
 * Both browser sign-ins in a spawned main.ts with the narrow flags of `permissionFlags`: the
 * listener, playwright-core and the browser must work with exactly what `deno task start` grants.
 */
import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/stdio"
import {
  getDefaultEnvironment,
  StdioClientTransport,
} from "@modelcontextprotocol/sdk/client/stdio.js";
import { permissionFlags } from "../../src/permissions.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { TODAY } from "../helpers.ts";
import { browserTest, CHROMIUM, freePort, withUserBrowser } from "./browser_helpers.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

Deno.test(
  browserTest("stdio: both browser sign-ins work under the narrow permission flags"),
  async () => {
    const sb = await serveSandbox({ today: TODAY });
    const { alice } = sb.erp.fixtures.users;
    const oauthPort = freePort();
    const env: Record<string, string> = {
      ...getDefaultEnvironment(),
      DENO_TLS_CA_STORE: "system",
      NO_COLOR: "1",
      ERP_API_BASE_URL: sb.apiBase,
      MCP_AUTHORIZED_USERS: alice.email,
      MCP_GOOGLE_CLIENT_ID: "stdio-test",
      MCP_GOOGLE_AUTH_URL: `${sb.origin}/oauth/google/authorize`,
      MCP_OAUTH_PORT: String(oauthPort),
      MCP_BROWSER_PATH: CHROMIUM!,
      MCP_BROWSER_HEADLESS: "true",
      MCP_SIGNIN_TIMEOUT_SECONDS: "3",
    };
    for (const k of ["DENO_DIR", "NODE_EXTRA_CA_CERTS"]) {
      const v = Deno.env.get(k);
      if (v) env[k] = v;
    }
    const flags = permissionFlags({ erpBaseUrl: sb.apiBase, oauthPort, browser: CHROMIUM });
    const transport = new StdioClientTransport({
      command: Deno.execPath(),
      args: ["run", ...flags, MAIN],
      env,
      stderr: "pipe",
    });
    let stderr = "";
    transport.stderr?.on("data", (c: Uint8Array) => stderr += new TextDecoder().decode(c));
    const client = new Client({ name: "browser-stdio-test", version: "1" });
    const call = async (name: string, args: Record<string, unknown> = {}) => {
      const r = await client.callTool({ name, arguments: args });
      const text = (r.content as { text: string }[])[0].text;
      return { isError: r.isError === true, text, data: r.structuredContent as never };
    };
    try {
      await client.connect(transport);
      // The ERP browser starts, opens the site and gives up after the (short) timeout.
      const erp = await call("authenticate_via_erp_browser");
      assert.equal(erp.isError, true);
      assert.match(erp.text, /No sign-in in the browser within 3 seconds/, stderr);

      const start = await call("authenticate_via_browser");
      assert.equal(start.isError, false, start.text);
      const { url } = start.data as { url: string };
      const waited = call("authenticate_via_browser", { wait_seconds: 60 });
      await withUserBrowser(async (page) => {
        await page.goto(url);
        await page.click("#account-alice");
        await page.waitForSelector("body[data-status=signed_in]", { timeout: 15_000 });
      });
      assert.equal((await waited).isError, false);
      const who = await call("whoami");
      assert.deepEqual(
        [(who.data as { email: string }).email, (who.data as { method: string }).method],
        [alice.email, "browser"],
      );
      assert.doesNotMatch(stderr, /google-access-alice|sandbox-token-alice/);
    } finally {
      await client.close();
      await sb.close();
    }
  },
);
