/**
 * Hosted mode over real HTTP: a browser sign-in never opens a browser on the server machine
 * unless it is the streamed one (MCP_SSE_PUBLIC_URL), a pending sign-in does not lift a session
 * past the anonymous cap, and a request signed in by its Authorization header cannot be signed
 * in or out by a tool.
 */
import assert from "node:assert/strict";
import { silentLogger } from "../../src/log.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { serveHttp } from "../../src/transports/http.ts";
import { TODAY } from "../helpers.ts";
import { browserTest, CHROMIUM, freePort } from "./browser_helpers.ts";
import { configFor, connect, data, hosted, INIT } from "./hosted_helpers.ts";

/** The text of a tool result. */
function text(r: unknown): string {
  return (r as { content: { text: string }[] }).content.map((c) => c.text).join("\n");
}

/** A stand-in browser that records each run in `marker`, then lingers like a browser would. */
async function fakeBrowser(): Promise<{ path: string; marker: string; dir: string }> {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "fake-browser-" });
  const marker = `${dir}/ran`;
  const path = `${dir}/chromium`;
  await Deno.writeTextFile(path, `#!/bin/sh\necho ran >> '${marker}'\nexec sleep 30\n`);
  await Deno.chmod(path, 0o755);
  return { path, marker, dir };
}

/** True when `path` exists. */
async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("hosted sign-in: without MCP_SSE_PUBLIC_URL an anonymous session's ERP browser sign-in is refused, no browser runs, the anonymous cap holds", async () => {
  const browser = await fakeBrowser();
  try {
    await hosted(async ({ http }) => {
      const a = await connect(http.url);
      const b = await connect(http.url);
      // The call is not awaited first: on a server that launches the browser, it stays pending
      // while the stand-in lingers, and the session would count as signed in meanwhile.
      const call = a.callTool({ name: "authenticate_via_erp_browser", arguments: {} });
      let settled = false;
      void call.then(() => settled = true, () => settled = true);
      const end = Date.now() + 20_000;
      while (!settled && !(await exists(browser.marker)) && Date.now() < end) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Two of four slots may be anonymous; a's sign-in must not free one for a third.
      const third = await fetch(new URL("/mcp", http.url), {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json, text/event-stream",
        },
        body: INIT,
      });
      assert.equal(third.status, 503, "a third anonymous session was let in");
      assert.match((await third.json()).error.message, /Too many sessions not signed in/);
      const r = await call;
      assert.equal(r.isError, true, text(r));
      assert.match(text(r), /MCP_SSE_PUBLIC_URL is not set/);
      assert.match(text(r), /authenticate_with_token/);
      assert.equal(await exists(browser.marker), false, "a browser was started on the server");
      assert.equal(http.app.erpStreams.size, 0);
      assert.equal(data(await a.callTool({ name: "whoami", arguments: {} })).signed_in, false);
      for (const client of [a, b]) await client.close().catch(() => {});
    }, { MCP_MAX_SESSIONS: "4", MCP_BROWSER_PATH: browser.path });
  } finally {
    await Deno.remove(browser.dir, { recursive: true });
  }
});

Deno.test("hosted sign-in: a request signed in by its Authorization header is not changed by sign-in or sign-out tools", async () => {
  const browser = await fakeBrowser();
  try {
    await hosted(async ({ sb, http }) => {
      const { alice, bob } = sb.erp.fixtures.users;
      // No session id: every request is stateless, signed in by its header.
      const client = await connect(http.url, { Authorization: `Token ${alice.token}` });
      const calls: [string, Record<string, unknown>][] = [
        ["authenticate_with_token", { token: bob.token }],
        ["authenticate_with_google", { access_token: bob.googleAccessToken }],
        ["authenticate_via_browser", {}],
        ["authenticate_via_erp_browser", {}],
        ["sign_out", {}],
      ];
      for (const [name, args] of calls) {
        const r = await client.callTool({ name, arguments: args });
        assert.equal(r.isError, true, `${name}: ${text(r)}`);
        assert.match(text(r), /authenticated by its Authorization header/, name);
        assert.match(text(r), new RegExp(`${name} changes nothing`), name);
        assert.match(text(r), /change the Authorization header/, name);
        assert.doesNotMatch(text(r), new RegExp(`${bob.email}|${bob.token}|${alice.token}`), name);
        const who = data(await client.callTool({ name: "whoami", arguments: {} }));
        assert.equal(who.signed_in, true, name);
        assert.equal(who.email, alice.email, name);
      }
      assert.equal(await exists(browser.marker), false, "a browser was started on the server");
      await client.close();
    }, { MCP_BROWSER_PATH: browser.path, MCP_GOOGLE_CLIENT_ID: "test-client" });
  } finally {
    await Deno.remove(browser.dir, { recursive: true });
  }
});

Deno.test({
  ...browserTest(
    "hosted sign-in: a pending streamed sign-in (it holds a browser slot) keeps its session past the anonymous limits",
  ),
  async fn() {
    let now = Date.now();
    const sb = await serveSandbox({ today: TODAY });
    const port = freePort();
    const config = configFor(sb, {
      ERP_WEB_URL: sb.origin,
      MCP_SSE_PUBLIC_URL: `http://127.0.0.1:${port}`,
      MCP_BROWSER_PATH: CHROMIUM ?? "",
      MCP_BROWSER_HEADLESS: "true",
      MCP_MAX_SESSIONS: "4",
    });
    const http = await serveHttp({
      config,
      log: silentLogger,
      hostname: "127.0.0.1",
      port,
      now: () => now,
    });
    try {
      const a = await connect(http.url);
      const r = await a.callTool({ name: "authenticate_via_erp_browser", arguments: {} });
      assert.equal(r.isError, undefined, text(r));
      assert.equal(data(r).status, "pending");
      assert.equal(http.app.erpStreams.size, 1);
      // Two of four slots may be anonymous; a (its sign-in holds a browser slot) is not one.
      const b = await connect(http.url);
      const c = await connect(http.url);
      assert.equal(http.app.sessionCount, 3);
      now += 3 * 60_000; // past the 2 anonymous minutes, within the 5-minute link
      http.app.sweepNow(config.sessionIdleMs);
      const count = (): number => http.app.sessionCount;
      const end = Date.now() + 20_000;
      while (count() !== 1 && Date.now() < end) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(http.app.sessionCount, 1, "the anonymous sessions expire, a stays");
      const who = data(await a.callTool({ name: "whoami", arguments: {} }));
      assert.equal(who.browser_sign_in.status, "pending");
      for (const client of [a, b, c]) await client.close().catch(() => {});
    } finally {
      await http.close();
      await sb.close();
    }
  },
});
