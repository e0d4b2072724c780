/**
 * Both browser sign-ins in a spawned main.ts with the narrow flags of `permissionFlags`: the
 * listener, playwright-core and the browser must work with exactly what `deno task start` grants.
 * Timeouts grow with the machine's load (`scaledTimeout`), and nothing waits by sleeping: each
 * step waits for the event it needs (a tool's answer, a page's status).
 */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
import { StdioClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/stdio.js";
import { permissionFlags } from "../../src/permissions.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { denoEnv, scaledTimeout, TODAY } from "../helpers.ts";
import { browserTest, CHROMIUM, freePort, withUserBrowser } from "./browser_helpers.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

type Sandbox = Awaited<ReturnType<typeof serveSandbox>>;
type Call = (
  name: string,
  args?: Record<string, unknown>,
) => Promise<{ isError: boolean; text: string; data: never }>;

/** Spawns main.ts with the narrow flags against `sb`, signs in nobody, and runs `fn`. */
async function withSpawnedServer(
  sb: Sandbox,
  signInTimeoutSeconds: number,
  fn: (call: Call, oauthPort: number) => Promise<void>,
): Promise<void> {
  const oauthPort = freePort();
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: [
      "run",
      ...permissionFlags({ erpBaseUrl: sb.apiBase, oauthPort, browser: CHROMIUM }),
      MAIN,
    ],
    env: denoEnv({
      ERP_API_BASE_URL: sb.apiBase,
      MCP_AUTHORIZED_USERS: sb.erp.fixtures.users.alice.email,
      MCP_GOOGLE_CLIENT_ID: "stdio-test",
      MCP_GOOGLE_AUTH_URL: `${sb.origin}/oauth/google/authorize`,
      MCP_OAUTH_PORT: String(oauthPort),
      MCP_BROWSER_PATH: CHROMIUM!,
      MCP_BROWSER_HEADLESS: "true",
      MCP_SIGNIN_TIMEOUT_SECONDS: String(signInTimeoutSeconds),
    }),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (c: Uint8Array) => stderr += new TextDecoder().decode(c));
  const client = new Client({ name: "browser-stdio-test", version: "1" });
  // A tool call may legitimately take the whole sign-in timeout plus a cold browser start.
  const timeout = scaledTimeout(60_000) + signInTimeoutSeconds * 1000;
  const call: Call = async (name, args = {}) => {
    const r = await client.callTool({ name, arguments: args }, undefined, { timeout });
    const text = (r.content as { text: string }[])[0].text;
    return {
      isError: r.isError === true,
      text: `${text}\n(server stderr: ${stderr})`,
      data: r.structuredContent as never,
    };
  };
  try {
    await client.connect(transport);
    await fn(call, oauthPort);
  } finally {
    await client.close();
  }
}

Deno.test(
  browserTest(
    "stdio: the ERP browser sign-in starts the browser and times out cleanly under the narrow flags",
  ),
  async () => {
    const sb = await serveSandbox({ today: TODAY });
    try {
      // The timeout starts once the sign-in page is open, so a slow browser start does not eat it.
      await withSpawnedServer(sb, 3, async (call) => {
        const erp = await call("authenticate_via_erp_browser");
        assert.equal(erp.isError, true, erp.text);
        assert.match(erp.text, /No sign-in in the browser within 3 seconds/);
        // That message comes only after the browser opened the ERP's page (else "Cannot open").
        const who = await call("whoami");
        assert.equal((who.data as { signed_in: boolean }).signed_in, false);
      });
    } finally {
      await sb.close();
    }
  },
);

Deno.test(
  browserTest("stdio: the Google sign-in works under the narrow permission flags"),
  async () => {
    const sb = await serveSandbox({ today: TODAY });
    const { alice } = sb.erp.fixtures.users;
    try {
      // The person's own browser starts cold inside the sign-in window: give it room under load.
      const window = Math.ceil(scaledTimeout(60_000) / 1000);
      await withSpawnedServer(sb, window, async (call) => {
        const start = await call("authenticate_via_browser");
        assert.equal(start.isError, false, start.text);
        const { url } = start.data as { url: string };
        // Waits for the attempt's outcome (an event), while the person's browser signs in.
        const waited = call("authenticate_via_browser", { wait_seconds: 120 });
        await withUserBrowser(async (page) => {
          await page.goto(url, { timeout: scaledTimeout(30_000) });
          await page.click("#account-alice", { timeout: scaledTimeout(30_000) });
          await page.waitForSelector("body[data-status=signed_in]", {
            timeout: scaledTimeout(30_000),
          });
        });
        const done = await waited;
        assert.equal(done.isError, false, done.text);
        assert.equal((done.data as { status: string }).status, "signed_in", done.text);
        const who = await call("whoami");
        assert.deepEqual(
          [(who.data as { email: string }).email, (who.data as { method: string }).method],
          [alice.email, "browser"],
        );
      });
    } finally {
      await sb.close();
    }
  },
);
