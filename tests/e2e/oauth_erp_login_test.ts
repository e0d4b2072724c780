/**
 * "Sign in with the ERP's web login" on the OAuth authorize page, end to end: the v2 SDK client's
 * own OAuth support against the hosted server (OAuth on) and the sandbox ERP, the person's
 * browser played by headless Chromium: it chooses the ERP login, signs in through the streamed
 * picture of the sandbox's own sign-in form (clicks and keys relayed to the server's headless
 * Chromium), consents, and the client gets tokens. Also: a person not on the allowlist gets
 * nothing, and a stream bound to one authorization request (and browser) serves no other.
 */
import assert from "node:assert/strict";
import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from "@modelcontextprotocol/client";
import type { Page } from "playwright-core";
import { scaledTimeout } from "../helpers.ts";
import { browserTest, CHROMIUM, withUserBrowser } from "./browser_helpers.ts";
import type { Sandbox } from "./hosted_helpers.ts";
import {
  callbackServer,
  consentIn,
  hiddenFields,
  oauthHosted,
  pkce,
  registerClient,
  TestProvider,
} from "./oauth_helpers.ts";

const MODERN = { mode: { pin: "2026-07-28" } } as const;

/** The streamed sign-in's settings: the sandbox's web site, the installed Chromium. */
function streamEnv(sb: Sandbox, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ERP_WEB_URL: sb.origin,
    MCP_BROWSER_PATH: CHROMIUM ?? "",
    MCP_BROWSER_HEADLESS: "true",
    ...extra,
  };
}

/** Where the sandbox form's fields are at the headless browser's 1024×768 viewport. */
async function formBoxes(page: Page, origin: string) {
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.goto(origin + "/");
  const box = async (sel: string) => {
    const b = (await page.locator(sel).boundingBox())!;
    return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
  };
  const boxes = { email: await box("#email"), password: await box("#password") };
  await page.goto("about:blank");
  return boxes;
}

/**
 * On the authorize page: chooses the ERP's web login and signs in as `user` through the live
 * picture (clicks on it, keys typed on the page); returns once the next page (consent, or the
 * sign-in page with an error) has loaded.
 */
async function erpLoginIn(
  page: Page,
  authUrl: URL,
  origin: string,
  user: { email: string; password: string },
): Promise<void> {
  const fields = await formBoxes(page, origin);
  await page.setViewportSize({ width: 1200, height: 1000 });
  await page.goto(authUrl.toString());
  assert.equal(
    (await page.textContent("#erp-login"))?.trim(),
    "Sign in with the ERP's web login",
    "the third sign-in method is offered",
  );
  await Promise.all([
    page.waitForURL((u) => u.pathname === "/authorize/erp"),
    page.click("#erp-login"),
  ]);
  const wait = { timeout: scaledTimeout(20_000) };
  // The first frame of the ERP's own page (frames before it show the blank start page).
  await page.waitForSelector(`#screen[data-origin="${origin}"]`, wait);
  const shot = (await page.locator("#screen").boundingBox())!;
  const width = Number(await page.locator("#screen").getAttribute("data-width"));
  const scale = shot.width / width;
  const at = (p: { x: number; y: number }) => [shot.x + p.x * scale, shot.y + p.y * scale] as const;
  await page.mouse.click(...at(fields.email));
  await page.keyboard.type(user.email);
  await page.mouse.click(...at(fields.password));
  await page.keyboard.type(user.password);
  await Promise.all([
    page.waitForURL((u) => u.pathname === "/authorize/erp/done", wait),
    page.keyboard.press("Enter"),
  ]);
  await page.waitForSelector("h1", wait);
}

/** Waits (load-scaled) for `ok()`. */
async function until(ok: () => boolean, what: string): Promise<void> {
  const end = Date.now() + scaledTimeout(10_000);
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test(
  browserTest(
    "oauth erp login: alice signs in through the streamed ERP login on the authorize page → consent, tokens, tools as alice",
  ),
  async () => {
    // One instance: the streamed browser lives on the instance that started it.
    await oauthHosted(async ({ sb, url, servers }) => {
      const { alice } = sb.erp.fixtures.users;
      const cb = callbackServer();
      const provider = new TestProvider(cb.redirect, "ERP login client");
      const mcp = new URL("/mcp", url);
      await assert.rejects(
        new Client({ name: "oauth-erp", version: "1" }, { versionNegotiation: MODERN })
          .connect(new StreamableHTTPClientTransport(mcp, { authProvider: provider })),
        UnauthorizedError,
      );
      assert.ok(provider.authorizationUrl, "the client was sent to the authorize page");
      const transport = new StreamableHTTPClientTransport(mcp, { authProvider: provider });
      await withUserBrowser(async (page) => {
        await erpLoginIn(page, provider.authorizationUrl!, sb.origin, alice);
        assert.equal(await page.textContent("h1"), "Allow access?");
        const body = await page.textContent("body") ?? "";
        assert.match(body, /Signed in as alice@example\.com/);
        assert.match(body, /ERP login client/);
        assert.ok(!(await page.content()).includes(alice.token), "no ERP token in the page");
        const back = await consentIn(page, cb.redirect);
        assert.equal(back.searchParams.get("iss"), url);
        assert.equal(
          back.searchParams.get("state"),
          provider.authorizationUrl!.searchParams.get("state"),
        );
        await transport.finishAuth(back.searchParams);
      });
      await cb.close();
      assert.ok(provider.stored?.access_token && provider.stored?.refresh_token, "tokens issued");
      const client = new Client({ name: "oauth-erp", version: "1" }, {
        versionNegotiation: MODERN,
      });
      await client.connect(new StreamableHTTPClientTransport(mcp, { authProvider: provider }));
      const who = await client.callTool({ name: "whoami", arguments: {} });
      assert.notEqual(who.isError, true, JSON.stringify(who.content));
      // deno-lint-ignore no-explicit-any
      assert.equal((who.structuredContent as any).email, alice.email);
      const monday = "2026-11-23";
      const week = await client.callTool({
        name: "get_week_logs",
        arguments: { week_starting: monday },
      });
      assert.notEqual(week.isError, true, JSON.stringify(week.content));
      const stored = sb.erp.weekLog(alice.email, monday);
      assert.ok(stored, "the seed holds alice's week");
      assert.ok(
        JSON.stringify(week.structuredContent).includes(`"week_log_id":${stored.id}`),
        "alice's week log from the ERP",
      );
      assert.equal(provider.authorizations, 1, "one sign-in");
      await client.close();
      await until(() => servers[0].app.erpStreams.size === 0, "the streamed browser is closed");
    }, { instances: 1, env: (sb) => streamEnv(sb) });
  },
);

Deno.test(
  browserTest(
    "oauth erp login: bob (not on the allowlist) signs in to the ERP through the stream → the sign-in page says so, nothing issued",
  ),
  async () => {
    await oauthHosted(async ({ sb, url }) => {
      const cb = callbackServer();
      const provider = new TestProvider(cb.redirect);
      const mcp = new URL("/mcp", url);
      await assert.rejects(
        new Client({ name: "oauth-erp", version: "1" }, { versionNegotiation: MODERN })
          .connect(new StreamableHTTPClientTransport(mcp, { authProvider: provider })),
        UnauthorizedError,
      );
      await withUserBrowser(async (page) => {
        await erpLoginIn(page, provider.authorizationUrl!, sb.origin, sb.erp.fixtures.users.bob);
        assert.equal(await page.textContent("h1"), "Sign in to the ERP");
        assert.match(
          await page.textContent("p.error") ?? "",
          /^Sign-in refused for "bob@other\.test": not on the allowlist .*[^.]\. Try again or sign in another way\.$/,
        );
        assert.equal(await page.$('button[value="allow"]'), null, "no consent offered");
        assert.ok(await page.$("#erp-login"), "the person may try again another way");
      });
      await cb.close();
      assert.equal(cb.got.length, 0, "nothing was sent back to the app");
      assert.equal(provider.stored, undefined, "no tokens");
    }, {
      instances: 1,
      env: (sb) => streamEnv(sb, { MCP_AUTHORIZED_USERS: sb.erp.fixtures.users.alice.email }),
    });
  },
);

Deno.test(
  browserTest(
    "oauth erp login: a stream is bound to its authorization request and browser; its link page, other requests and other browsers get nothing; the per-client browser cap holds",
  ),
  async () => {
    await oauthHosted(async ({ url, servers }) => {
      const clientId = await registerClient(url);
      const params = async (state: string) => {
        const { challenge } = await pkce();
        return new URLSearchParams({
          response_type: "code",
          client_id: clientId,
          redirect_uri: "http://127.0.0.1:9/oauth/callback",
          code_challenge: challenge,
          code_challenge_method: "S256",
          state,
          scope: "logs:read logs:write",
        });
      };
      /** GET /authorize: the page's hidden fields and its CSRF cookie (given or new). */
      const open = async (state: string, cookie?: string) => {
        const res = await fetch(`${url}/authorize?${await params(state)}`, {
          headers: cookie ? { cookie } : {},
        });
        const html = await res.text();
        assert.equal(res.status, 200, html);
        assert.match(html, /id="erp-login"/);
        const set = (res.headers.get("set-cookie") ?? "").split(";")[0];
        return { fields: hiddenFields(html), cookie: cookie ?? set };
      };
      const post = async (path: string, cookie: string, fields: Record<string, string>) => {
        const res = await fetch(`${url}${path}`, {
          method: "POST",
          redirect: "manual",
          headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: url },
          body: new URLSearchParams(fields),
        });
        return { res, html: await res.text() };
      };

      const a = await open("request-a");
      assert.ok(a.cookie.startsWith("oauth-csrf="), a.cookie);
      const b = await open("request-b", a.cookie); // same browser, another authorization request
      const started = await post("/authorize/erp", a.cookie, a.fields);
      assert.equal(started.res.status, 200, started.html);
      const csp = started.res.headers.get("content-security-policy") ?? "";
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /form-action 'self'/);
      assert.equal(started.res.headers.get("x-frame-options"), "DENY");
      const viewCookie = started.res.headers.get("set-cookie") ?? "";
      assert.match(viewCookie, /^erp_view=[^;]+; Path=\/erp-browser\/[A-Za-z0-9_-]{32}; /);
      assert.match(viewCookie, /HttpOnly/);
      assert.match(viewCookie, /SameSite=Strict/);
      const done = hiddenFields(started.html);
      const id = done.stream;
      assert.match(id, /^[A-Za-z0-9_-]{32}$/);
      assert.equal(done.pending, a.fields.pending);
      assert.ok(!started.html.includes('id="code"'), "no link code to type: bound to this page");
      assert.equal(servers[0].app.erpStreams.size, 1, "one browser started");

      // The stream's own link page and code route serve nothing: it is bound already.
      const link = await fetch(`${url}/erp-browser/${id}`);
      assert.equal(link.status, 410);
      await link.body?.cancel();
      const frames = await fetch(`${url}/erp-browser/${id}/frames`);
      assert.equal(frames.status, 403, "frames need this browser's viewer cookie");
      await frames.body?.cancel();

      // The per-client cap (MCP_MAX_ERP_BROWSERS_PER_CLIENT, 1 by default) holds on this page too.
      const second = await post("/authorize/erp", a.cookie, b.fields);
      assert.equal(second.res.status, 503);
      assert.match(second.html, /Too many sign-in browsers running for this client \(1 at most\)/);
      assert.equal(servers[0].app.erpStreams.size, 1);

      // Another authorization request in the same browser cannot take this stream's outcome.
      const other = await post("/authorize/erp/done", a.cookie, { ...b.fields, stream: id });
      assert.equal(other.res.status, 403);
      assert.match(other.html, /started for another sign-in request or in another browser/);
      // Nor can another browser (its own cookie and request)...
      const c = await open("attacker");
      assert.notEqual(c.cookie, a.cookie);
      const attacker = await post("/authorize/erp/done", c.cookie, { ...c.fields, stream: id });
      assert.equal(attacker.res.status, 403);
      assert.match(attacker.html, /started for another sign-in request or in another browser/);
      // ...nor replay this request's fields without its cookie.
      const replay = await post("/authorize/erp/done", c.cookie, done);
      assert.equal(replay.res.status, 403);
      assert.match(replay.html, /security check failed/);
      // The right request while the person has not signed in yet: nothing issued, and no consent.
      const early = await post("/authorize/erp/done", a.cookie, done);
      assert.equal(early.res.status, 409);
      assert.match(early.html, /has not finished yet/);
      assert.ok(!early.html.includes("Allow access?"));
    }, { instances: 1, env: (sb) => streamEnv(sb) });
  },
);

Deno.test(
  browserTest(
    "oauth erp login: an ERP that does not name the token's owner → refused even with MCP_TRUST_TYPED_EMAIL (the email the web app keeps is not the ERP's word)",
  ),
  async () => {
    await oauthHosted(async ({ sb, url }) => {
      sb.erp.personWithoutEmail = true; // core/person/ answers without `email`
      const cb = callbackServer();
      const provider = new TestProvider(cb.redirect);
      await assert.rejects(
        new Client({ name: "oauth-erp", version: "1" }, { versionNegotiation: MODERN })
          .connect(
            new StreamableHTTPClientTransport(new URL("/mcp", url), { authProvider: provider }),
          ),
        UnauthorizedError,
      );
      await withUserBrowser(async (page) => {
        await erpLoginIn(page, provider.authorizationUrl!, sb.origin, sb.erp.fixtures.users.alice);
        assert.equal(await page.textContent("h1"), "Sign in to the ERP");
        assert.match(
          await page.textContent("p.error") ?? "",
          /^Sign-in refused: the ERP accepted the sign-in but did not say whose it is/,
        );
        assert.equal(await page.$('button[value="allow"]'), null, "no consent offered");
      });
      await cb.close();
      assert.equal(cb.got.length, 0, "nothing was sent back to the app");
      assert.equal(provider.stored, undefined, "no tokens");
    }, { instances: 1, env: (sb) => streamEnv(sb, { MCP_TRUST_TYPED_EMAIL: "1" }) });
  },
);
