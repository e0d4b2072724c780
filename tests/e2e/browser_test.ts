/**
 * authenticate_via_browser end to end: the loopback listener, the sandbox's fake Google and a real
 * headless Chromium playing the person's browser, through a real MCP client.
 */
import assert from "node:assert/strict";
import type { SandboxOptions } from "../../src/sandbox/types.ts";
import { type Harness, type HarnessOptions, withHarness } from "../helpers.ts";
import { browserTest, freePort, withUserBrowser } from "./browser_helpers.ts";

const CLIENT_ID = "test-client.apps.googleusercontent.com";

/** A harness whose Google is the sandbox's fake, with the listener on a free port. */
function googleHarness(
  fn: (h: Harness, oauth: string) => Promise<void>,
  env: Record<string, string> = {},
  opts: HarnessOptions = {},
): Promise<void> {
  const sandboxPort = freePort();
  const oauthPort = freePort();
  const sandbox: SandboxOptions & { port: number } = { port: sandboxPort };
  return withHarness({
    signIn: false,
    sandbox,
    env: {
      MCP_GOOGLE_CLIENT_ID: CLIENT_ID,
      MCP_GOOGLE_AUTH_URL: `http://127.0.0.1:${sandboxPort}/oauth/google/authorize`,
      MCP_OAUTH_PORT: String(oauthPort),
      ...env,
    },
    ...opts,
  }, async (h) => {
    try {
      await fn(h, `http://127.0.0.1:${oauthPort}`);
    } finally {
      h.session.signInAttempt?.cancel();
      await h.session.signInAttempt?.done;
    }
  });
}

/** The state the listener put in its redirect to Google. */
async function stateOf(oauth: string): Promise<string> {
  const res = await fetch(`${oauth}/login`, { redirect: "manual" });
  await res.body?.cancel();
  assert.equal(res.status, 302);
  const to = new URL(res.headers.get("location")!);
  assert.equal(to.searchParams.get("client_id"), CLIENT_ID);
  assert.equal(to.searchParams.get("redirect_uri"), `${oauth}/callback`);
  assert.equal(to.searchParams.get("scope"), "openid email profile");
  assert.equal(to.searchParams.get("response_type"), "token");
  const state = to.searchParams.get("state")!;
  assert.ok(state.length >= 22, "at least 128 random bits");
  return state;
}

/** POSTs a callback answer the way the callback page does. */
async function post(
  oauth: string,
  body: Record<string, unknown>,
  origin = oauth,
): Promise<{ status: number; json: { status: string; message: string } }> {
  const res = await fetch(`${oauth}/complete`, {
    method: "POST",
    headers: { "content-type": "application/json", origin },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

Deno.test(
  browserTest("google: the person picks alice in the browser → signed in by browser"),
  () =>
    googleHarness(async (h, oauth) => {
      const start = await h.call("authenticate_via_browser");
      assert.equal(start.isError, false, start.text);
      assert.equal(start.data.status, "pending");
      assert.equal(start.data.url, `${oauth}/login`);
      assert.match(start.text, /open http:\/\/127\.0\.0\.1:\d+\/login/);
      const pending = await h.call("whoami");
      assert.equal(pending.data.browser_sign_in.status, "pending");
      assert.match(pending.text, /pending at http:\/\/127\.0\.0\.1/);

      const waited = h.call("authenticate_via_browser", { wait_seconds: 60 });
      const seen: string[] = [];
      const [done] = await Promise.all([
        waited,
        withUserBrowser(async (page) => {
          page.on("request", (r) => seen.push(r.url()));
          await page.goto(start.data.url);
          await page.click("#account-alice");
          await page.waitForSelector("body[data-status=signed_in]", { timeout: 15_000 });
          assert.match(await page.textContent("#message") ?? "", /Signed in as alice@example\.com/);
          assert.equal(new URL(page.url()).hash, "", "the token leaves the address bar");
        }),
      ]);
      assert.equal(done.isError, false, done.text);
      assert.equal(done.data.status, "signed_in");
      assert.equal(done.data.email, "alice@example.com");
      const token = h.erp.fixtures.users.alice.googleAccessToken;
      for (const url of seen) {
        assert.ok(!new URL(url).search.includes(token), `no token in a query string: ${url}`);
      }

      const who = await h.call("whoami");
      assert.equal(who.data.email, "alice@example.com");
      assert.equal(who.data.method, "browser");
      assert.equal(who.data.browser_sign_in.status, "signed_in");
      await h.session.signInAttempt?.done;
      await assert.rejects(fetch(`${oauth}/login`), "the listener is closed");
      const logs = await h.call("get_active_projects");
      assert.equal(logs.isError, false, logs.text);
    }),
);

Deno.test(
  browserTest("google: bob is not on the allowlist → refused page, nothing kept"),
  () =>
    googleHarness(async (h) => {
      const start = await h.call("authenticate_via_browser");
      await withUserBrowser(async (page) => {
        await page.goto(start.data.url);
        await page.click("#account-bob");
        await page.waitForSelector("body[data-status=refused]", { timeout: 15_000 });
        assert.equal(await page.textContent("#title"), "Sign-in refused");
        assert.match(await page.textContent("#message") ?? "", /"bob@other\.test": not on/);
      });
      assert.equal(h.session.credentials, undefined);
      const who = await h.call("whoami");
      assert.equal(who.data.signed_in, false);
      assert.equal(who.data.browser_sign_in.status, "refused");
      assert.match(who.text, /Sign-in refused for "bob@other\.test"/);
      const again = await h.call("authenticate_via_browser");
      assert.equal(again.data.status, "pending", "a finished attempt makes way for a new one");
    }),
);

Deno.test("google: a wrong, missing or foreign state is rejected and the attempt goes on", () =>
  googleHarness(async (h, oauth) => {
    await h.call("authenticate_via_browser");
    const state = await stateOf(oauth);
    const token = h.erp.fixtures.users.alice.googleAccessToken;
    const wrong = await post(oauth, { state: state.slice(0, -2) + "xx", access_token: token });
    assert.equal(wrong.status, 400);
    assert.match(wrong.json.message, /state does not match/);
    const missing = await post(oauth, { access_token: token });
    assert.equal(missing.status, 400);
    assert.match(missing.json.message, /no state/);
    const foreign = await post(oauth, { state, access_token: token }, "http://evil.example");
    assert.equal(foreign.status, 403);
    const noOrigin = await fetch(`${oauth}/complete`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ state, access_token: token }),
    });
    await noOrigin.body?.cancel();
    assert.equal(noOrigin.status, 403);
    assert.equal(h.session.credentials, undefined);
    const who = await h.call("whoami");
    assert.equal(who.data.browser_sign_in.status, "pending");
    assert.equal(h.erp.calls.filter((c) => c.path === "core/google-login/").length, 0);
  }));

Deno.test("google: a replayed callback is refused; the first one signs in", () =>
  googleHarness(async (h, oauth) => {
    await h.call("authenticate_via_browser");
    const state = await stateOf(oauth);
    const body = { state, access_token: h.erp.fixtures.users.alice.googleAccessToken };
    const [a, b] = await Promise.all([post(oauth, body), post(oauth, body)]);
    assert.deepEqual([a.status, b.status].sort(), [200, 409]);
    assert.match((a.status === 409 ? a : b).json.message, /already used/);
    assert.equal(h.erp.calls.filter((c) => c.path === "core/google-login/").length, 1);
    await h.session.signInAttempt?.done;
    await assert.rejects(post(oauth, body), "the listener has closed");
    const who = await h.call("whoami");
    assert.equal(who.data.email, "alice@example.com");
    assert.equal(who.data.method, "browser");
  }));

Deno.test("google: without MCP_GOOGLE_CLIENT_ID the tool says what to configure", () =>
  googleHarness(async (h) => {
    const r = await h.call("authenticate_via_browser");
    assert.equal(r.isError, true);
    assert.match(r.text, /Google sign-in is not configured: MCP_GOOGLE_CLIENT_ID is not set/);
    assert.match(r.text, /redirect URI http:\/\/127\.0\.0\.1:\d+\/callback/);
    assert.match(r.text, /--google-client-id/);
    assert.equal(h.session.signInAttempt, undefined);
  }, { MCP_GOOGLE_CLIENT_ID: "" }));

Deno.test("google: a port already in use is reported as such", () =>
  googleHarness(async (h, oauth) => {
    const port = Number(new URL(oauth).port);
    const squatter = Deno.listen({ hostname: "127.0.0.1", port });
    try {
      const r = await h.call("authenticate_via_browser");
      assert.equal(r.isError, true);
      assert.match(r.text, new RegExp(`"127\\.0\\.0\\.1:${port}": the port is already in use`));
      assert.match(r.text, /MCP_OAUTH_PORT/);
    } finally {
      squatter.close();
    }
  }));

Deno.test("google: an attempt expires, closes its listener and says so", () =>
  googleHarness(async (h, oauth) => {
    const r = await h.call("authenticate_via_browser", { wait_seconds: 10 });
    assert.equal(r.isError, true);
    assert.equal(r.data.status, "expired");
    assert.match(r.text, /Nobody signed in within 1 seconds/);
    await h.session.signInAttempt?.done;
    await assert.rejects(fetch(`${oauth}/login`));
    const who = await h.call("whoami");
    assert.equal(who.data.browser_sign_in.status, "expired");
  }, { MCP_SIGNIN_TIMEOUT_SECONDS: "1" }));

Deno.test(
  browserTest("google: the ERP names nobody for the exchanged token → refused page, nothing kept"),
  () =>
    googleHarness(async (h) => {
      const { bob } = h.erp.fixtures.users;
      // bob's token without an email, whichever account is picked: nothing to check the list with.
      h.erp.injectFault({
        pathIncludes: "core/google-login/",
        status: 200,
        body: JSON.stringify({ token: bob.token }),
      });
      h.erp.injectFault({ pathIncludes: "core/person/", status: 200, body: '{"id": 18}' });
      const start = await h.call("authenticate_via_browser");
      await withUserBrowser(async (page) => {
        await page.goto(start.data.url);
        await page.click("#account-alice");
        await page.waitForSelector("body[data-status=refused]", { timeout: 15_000 });
        const message = await page.textContent("#message") ?? "";
        assert.match(message, /did not say whose it is/);
        assert.ok(!message.includes(bob.token), message);
      });
      assert.equal(h.session.credentials, undefined);
      const who = await h.call("whoami");
      assert.equal(who.data.signed_in, false);
      assert.equal(who.data.browser_sign_in.status, "refused");
      const read = await h.call("get_active_projects");
      assert.match(read.text, /Not signed in/);
    }),
);
