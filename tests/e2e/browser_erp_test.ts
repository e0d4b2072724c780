/**
 * authenticate_via_erp_browser end to end: the tool opens the sandbox's web login in headless
 * Chromium; the test plays the person on that page (reached through the session's attempt).
 */
import assert from "node:assert/strict";
import { findBrowser } from "../../src/auth/browsers.ts";
import { type Harness, withHarness } from "../helpers.ts";
import { browserTest, CHROMIUM, leftoverProfiles, signInPage } from "./browser_helpers.ts";

/** A harness whose ERP web site is the sandbox's sign-in page, in headless Chromium. */
function erpHarness(
  fn: (h: Harness) => Promise<void>,
  env: Record<string, string> = {},
): Promise<void> {
  return withHarness({
    signIn: false,
    env: { MCP_BROWSER_PATH: CHROMIUM ?? "", MCP_BROWSER_HEADLESS: "true", ...env },
  }, fn);
}

Deno.test(
  browserTest("erp browser: alice signs in on the ERP page → signed in"),
  () =>
    erpHarness(async (h) => {
      const before = leftoverProfiles().length;
      const call = h.call("authenticate_via_erp_browser");
      const page = await signInPage(h.session);
      assert.equal(new URL(page.url()).origin, h.origin);
      const { alice } = h.erp.fixtures.users;
      await page.fill("#email", alice.email);
      await page.fill("#password", alice.password);
      await page.click("#sign-in");
      const r = await call;
      assert.equal(r.isError, false, r.text);
      assert.equal(r.data.email, alice.email);
      assert.equal(r.data.method, "erp_browser");
      assert.doesNotMatch(r.text, new RegExp(alice.token));
      assert.ok(page.isClosed(), "the browser is closed once signed in");
      assert.equal(leftoverProfiles().length, before, "the temporary profile is deleted");
      const who = await h.call("whoami");
      assert.equal(who.data.email, alice.email);
      assert.equal(who.data.browser_sign_in.status, "signed_in");
    }),
);

Deno.test(
  browserTest("erp browser: bob is not on the allowlist → refused, nothing kept"),
  () =>
    erpHarness(async (h) => {
      const call = h.call("authenticate_via_erp_browser");
      const page = await signInPage(h.session);
      const { bob } = h.erp.fixtures.users;
      await page.fill("#email", bob.email);
      await page.fill("#password", bob.password);
      await page.click("#sign-in");
      const r = await call;
      assert.equal(r.isError, true);
      assert.match(r.text, /Sign-in refused for "bob@other\.test": not on the allowlist/);
      assert.equal(h.session.credentials, undefined);
      const who = await h.call("whoami");
      assert.equal(who.data.signed_in, false);
      assert.equal(who.data.browser_sign_in.status, "refused");
    }),
);

Deno.test(
  browserTest("erp browser: the window closed before sign-in → a clear error"),
  () =>
    erpHarness(async (h) => {
      const before = leftoverProfiles().length;
      const call = h.call("authenticate_via_erp_browser");
      const page = await signInPage(h.session);
      await page.close();
      const r = await call;
      assert.equal(r.isError, true);
      assert.match(r.text, /The browser window was closed before the sign-in finished/);
      assert.equal(h.session.credentials, undefined);
      assert.equal(leftoverProfiles().length, before);
      const who = await h.call("whoami");
      assert.equal(who.data.browser_sign_in.status, "failed");
    }),
);

Deno.test(
  browserTest("erp browser: nobody signs in → it gives up after the timeout"),
  () =>
    erpHarness(async (h) => {
      const r = await h.call("authenticate_via_erp_browser");
      assert.equal(r.isError, true);
      assert.match(r.text, /No sign-in in the browser within 2 seconds/);
      const who = await h.call("whoami");
      assert.equal(who.data.browser_sign_in.status, "expired");
    }, { MCP_SIGNIN_TIMEOUT_SECONDS: "2" }),
);

Deno.test("erp browser: no browser at MCP_BROWSER_PATH → says what to set", () =>
  erpHarness(async (h) => {
    const r = await h.call("authenticate_via_erp_browser");
    assert.equal(r.isError, true);
    assert.match(r.text, /No browser at "\/nowhere\/chrome" \(MCP_BROWSER_PATH/);
    assert.equal(h.session.signInAttempt, undefined);
  }, { MCP_BROWSER_PATH: "/nowhere/chrome" }));

Deno.test("browsers: the first known install wins; none found lists where it looked", () => {
  const has = (p: string) => p === "/usr/bin/chromium";
  const linux = findBrowser(undefined, ["/usr/bin/google-chrome", "/usr/bin/chromium"], has);
  assert.equal(linux.path, "/usr/bin/chromium");
  const none = findBrowser(undefined, ["/a", "/b"], () => false);
  assert.equal(none.path, undefined);
  assert.deepEqual(none.searched, ["/a", "/b"]);
  assert.equal(findBrowser("/opt/edge", [], () => true).path, "/opt/edge");
});
