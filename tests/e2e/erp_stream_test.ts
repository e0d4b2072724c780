/**
 * The streamed ERP sign-in of hosted mode, end to end: an SDK client over Streamable HTTP asks for
 * the link, a second headless Chromium plays the person's browser on the viewer page and signs in
 * through the page's own input route, against the sandbox ERP served on 127.0.0.1.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp"
import { StreamableHTTPClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp.js";
import { BROWSER_ARGS, launchChromium } from "../../src/auth/erp_browser.ts";
import { loadConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/log.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { type HttpServer, serveHttp } from "../../src/transports/http.ts";
import { TODAY, withHarness } from "../helpers.ts";
import {
  browserTest,
  CHROMIUM,
  freePort,
  leftoverProfiles,
  signInPage,
  withUserBrowser,
} from "./browser_helpers.ts";

type Sandbox = Awaited<ReturnType<typeof serveSandbox>>;

interface Hosted {
  sb: Sandbox;
  http: HttpServer;
  /** MCP_SSE_PUBLIC_URL: the served URL itself. */
  pub: string;
  connect(headers?: Record<string, string>): Promise<Client>;
}

/** The sandbox ERP and the hosted server, its public URL being the served one. */
async function hosted(fn: (h: Hosted) => Promise<void>, env: Record<string, string> = {}) {
  const sb = await serveSandbox({ today: TODAY });
  const port = freePort();
  const pub = `http://127.0.0.1:${port}`;
  const vars: Record<string, string> = {
    ERP_API_BASE_URL: sb.apiBase,
    ERP_WEB_URL: sb.origin,
    MCP_AUTHORIZED_USERS: sb.erp.fixtures.users.alice.email,
    MCP_TIMEZONE: "UTC",
    MCP_SSE_PUBLIC_URL: pub,
    MCP_BROWSER_PATH: CHROMIUM ?? "",
    MCP_BROWSER_HEADLESS: "true",
    ...env,
  };
  const config = loadConfig([], {
    getEnv: (n) => vars[n],
    readFile: () => undefined,
    defaultAllowlistPath: "x",
    defaultTimeZone: "UTC",
  });
  const http = await serveHttp({ config, log: silentLogger, hostname: "127.0.0.1", port });
  const clients: Client[] = [];
  const connect = async (headers?: Record<string, string>) => {
    const client = new Client({ name: "erp-stream-test", version: "1" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL("/mcp", pub), { requestInit: { headers } }),
    );
    clients.push(client);
    return client;
  };
  try {
    await fn({ sb, http, pub, connect });
  } finally {
    for (const c of clients) await c.close().catch(() => {});
    await http.close();
    await sb.close();
  }
}

interface Called {
  isError: boolean;
  text: string;
  // deno-lint-ignore no-explicit-any
  data: any;
}

async function call(client: Client, name: string, args = {}): Promise<Called> {
  const r = await client.callTool({ name, arguments: args });
  const content = r.content as { type: string; text: string }[];
  return { isError: r.isError === true, text: content[0]?.text ?? "", data: r.structuredContent };
}

/** Where the sandbox form's fields are, at the headless browser's 1024×768 viewport. */
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

/** Opens the link and signs in through the viewer: clicks on the picture, keys on the page. */
async function signInThroughViewer(
  page: Page,
  link: string,
  origin: string,
  user: { email: string; password: string },
  code: string,
): Promise<string> {
  const fields = await formBoxes(page, origin);
  await page.setViewportSize({ width: 1200, height: 1000 });
  const res = await page.goto(link);
  assert.equal(res?.status(), 200);
  await page.fill("#code", code.toLowerCase().replace("-", " ")); // typed loosely
  await page.click("button[type=submit]");
  // The first frame of the ERP's own page (frames before it show the blank start page).
  await page.waitForSelector(`#screen[data-origin="${origin}"]`, { timeout: 20_000 });
  const shot = (await page.locator("#screen").boundingBox())!;
  const width = Number(await page.locator("#screen").getAttribute("data-width"));
  const scale = shot.width / width;
  const at = (p: { x: number; y: number }) => [shot.x + p.x * scale, shot.y + p.y * scale] as const;
  await page.mouse.click(...at(fields.email));
  await page.keyboard.type(user.email);
  await page.mouse.click(...at(fields.password));
  await page.keyboard.type(user.password);
  await page.keyboard.press("Enter");
  await page.waitForSelector("body[data-outcome]", { timeout: 20_000 });
  return await page.locator("#status").innerText();
}

Deno.test(
  browserTest("erp stream: alice signs in through the viewer page's input route → signed in"),
  () =>
    hosted(async ({ sb, http, pub, connect }) => {
      const before = leftoverProfiles().length;
      const client = await connect();
      const r = await call(client, "authenticate_via_erp_browser");
      assert.equal(r.isError, false, r.text);
      assert.equal(r.data.status, "pending");
      assert.match(r.data.url, new RegExp(`^${pub}/erp-browser/[A-Za-z0-9_-]{32}$`));
      assert.ok(r.text.includes(r.data.url));
      const { alice } = sb.erp.fixtures.users;
      await withUserBrowser(async (page) => {
        const status = await signInThroughViewer(page, r.data.url, sb.origin, alice, codeOf(r));
        assert.match(status, /^Signed in as alice@example\.com\. You can close this page/);
        assert.equal(
          await page.locator("#screen").getAttribute("data-origin"),
          sb.origin,
          "the viewer shows which site the browser is on",
        );
      });
      const who = await call(client, "whoami");
      assert.equal(who.data.email, alice.email);
      assert.equal(who.data.method, "erp_browser");
      assert.equal(who.data.browser_sign_in.status, "signed_in");
      assert.doesNotMatch(who.text, new RegExp(alice.token));
      const week = await call(client, "get_week_logs", { week_starting: "2026-11-23" });
      assert.equal(week.isError, false, week.text);
      await until(() => http.app.erpStreams.size === 0, "the browser is closed once signed in");
      assert.equal(leftoverProfiles().length, before, "the temporary profile is deleted");
    }),
);

Deno.test(
  browserTest("erp stream: bob is not on the allowlist → refused on the page, nothing kept"),
  () =>
    hosted(async ({ sb, connect }) => {
      const client = await connect();
      const r = await call(client, "authenticate_via_erp_browser");
      await withUserBrowser(async (page) => {
        const status = await signInThroughViewer(
          page,
          r.data.url,
          sb.origin,
          sb.erp.fixtures.users.bob,
          codeOf(r),
        );
        assert.match(status, /Sign-in refused for "bob@other\.test": not on the allowlist/);
        assert.equal(await page.locator("body").getAttribute("data-outcome"), "refused");
      });
      const who = await call(client, "whoami");
      assert.equal(who.data.signed_in, false);
      assert.equal(who.data.browser_sign_in.status, "refused");
    }),
);

Deno.test(
  browserTest("erp stream: the link works once; frames and input need the viewer's cookie"),
  () =>
    hosted(async ({ http, pub, connect }) => {
      const client = await connect();
      const r = await call(client, "authenticate_via_erp_browser");
      const link: string = r.data.url;
      const repeat = await call(client, "authenticate_via_erp_browser");
      assert.equal(repeat.data.url, link, "an unopened link is given again, not a second browser");
      assert.equal(codeOf(repeat), codeOf(r), "with the same code");
      assert.equal(http.app.erpStreams.size, 1);

      const unknown = await fetch(`${pub}/erp-browser/${"A".repeat(32)}`);
      assert.equal(unknown.status, 404);
      await unknown.body?.cancel();

      // Showing the page binds nothing (a link preview does not use it up); the code does.
      const first = await fetch(link);
      assert.equal(first.status, 200);
      const html = await first.text();
      const csp = first.headers.get("content-security-policy") ?? "";
      const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
      assert.ok(nonce && html.includes(`<script nonce="${nonce}">`), csp);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /img-src data:/);
      assert.equal(first.headers.get("set-cookie"), null);
      const preview = await fetch(link);
      assert.equal(preview.status, 200, "a second look at the page is fine before the code");
      await preview.body?.cancel();

      const wrong = await fetch(link + "/confirm", post({ code: "AAA-AAA" }));
      assert.equal(wrong.status, 403);
      assert.match(await wrong.text(), /Wrong code "AAA-AAA": .*\(4 of 5 tries left\)/);
      const right = await fetch(link + "/confirm", post({ code: codeOf(r) }));
      assert.equal(right.status, 204);
      const setCookie = right.headers.get("set-cookie") ?? "";
      assert.match(setCookie, /HttpOnly/);
      assert.match(setCookie, /SameSite=Strict/);
      assert.match(setCookie, new RegExp(`Path=${new URL(link).pathname}`));
      const cookie = setCookie.split(";")[0];

      const second = await fetch(link);
      assert.equal(second.status, 410, "the link works once");
      await second.body?.cancel();
      const again = await fetch(link + "/confirm", post({ code: codeOf(r) }));
      assert.equal(again.status, 410, "the code binds one browser only");
      await again.body?.cancel();

      for (const [path, init] of [["/frames", {}], ["/input", post({ type: "text", text: "x" })]]) {
        const res = await fetch(link + path, init as RequestInit);
        assert.equal(res.status, 403, `${path} without the cookie`);
        await res.body?.cancel();
        const wrong = await fetch(link + path, withCookie(init as RequestInit, "erp_view=nope"));
        assert.equal(wrong.status, 403, `${path} with a wrong cookie`);
        await wrong.body?.cancel();
      }

      const bad: [RequestInit, number][] = [
        [post({ type: "click", x: -1, y: 5 }), 400],
        [post({ type: "key", key: "F13" }), 400],
        [post({ type: "text", text: "" }), 400],
        [post({ type: "click", x: 1, y: 1, extra: true }), 400],
        [{ method: "POST", headers: { "Content-Type": "application/json" }, body: "{" }, 400],
        [{ method: "POST", headers: { "Content-Type": "text/plain" }, body: "{}" }, 415],
        [post({ type: "text", text: "x".repeat(20_000) }), 413],
        [post({ type: "click", x: 10, y: 10 }), 202],
        [post({ type: "key", key: "Tab", shift: true }), 202],
      ];
      for (const [init, status] of bad) {
        const res = await fetch(link + "/input", withCookie(init, cookie));
        assert.equal(res.status, status, `${init.body}`.slice(0, 80));
        await res.body?.cancel();
      }
      const flood = await Promise.all(
        Array.from({ length: 300 }, () =>
          fetch(
            link + "/input",
            withCookie(post({ type: "wheel", x: 100, y: 100, dx: 0, dy: 10 }), cookie),
          ).then(async (res) => {
            await res.body?.cancel();
            return res.status;
          })),
      );
      assert.ok(flood.includes(429), "a full input queue answers 429");
      assert.ok(flood.every((s) => s === 202 || s === 429));

      const frames = await fetch(link + "/frames", withCookie({}, cookie));
      assert.equal(frames.status, 200);
      assert.match(frames.headers.get("content-type") ?? "", /text\/event-stream/);
      const events = readEvents(frames.body!);
      const firstFrame = await events.next("frame");
      const frame = JSON.parse(firstFrame);
      assert.equal(frame.width, 1024);
      assert.ok(frame.jpeg.startsWith("/9j/"), "a base64 JPEG");

      // The MCP session ends: its stream ends too, and the viewer is told.
      const transport = client.transport as StreamableHTTPClientTransport;
      await transport.terminateSession();
      const end = JSON.parse(await events.next("end"));
      assert.equal(end.status, "cancelled");
      await events.cancel();
      await until(() => http.app.erpStreams.size === 0, "the browser closes with the session");
      const after = await fetch(link + "/frames", withCookie({}, cookie));
      assert.equal(after.status, 404);
      await after.body?.cancel();
    }),
);

Deno.test(
  browserTest("erp stream: an expired link answers 404 and whoami says it expired"),
  () =>
    hosted(async ({ http, connect }) => {
      const client = await connect();
      const r = await call(client, "authenticate_via_erp_browser");
      assert.equal(r.isError, false, r.text);
      await until(() => http.app.erpStreams.size === 0, "the browser closes when the link expires");
      const res = await fetch(r.data.url);
      assert.equal(res.status, 404);
      assert.match(await res.text(), /Unknown or expired sign-in link/);
      const who = await call(client, "whoami");
      assert.equal(who.data.browser_sign_in.status, "expired");
      assert.match(who.text, /No sign-in in the browser within 3 seconds/);
    }, { MCP_SIGNIN_TIMEOUT_SECONDS: "3" }),
);

Deno.test(
  browserTest("erp stream: more browsers than MCP_MAX_ERP_BROWSERS → a clear error"),
  () =>
    hosted(async ({ http, connect }) => {
      const a = await connect();
      const b = await connect();
      const first = await call(a, "authenticate_via_erp_browser");
      assert.equal(first.isError, false, first.text);
      const second = await call(b, "authenticate_via_erp_browser");
      assert.equal(second.isError, true);
      assert.match(
        second.text,
        /Too many sign-in browsers running on this server \(1 at most\): try again in a few minutes/,
      );
      assert.equal(http.app.erpStreams.size, 1);
      // Once its link is opened, asking again replaces that browser (the cap still holds).
      const opened = await fetch(first.data.url + "/confirm", post({ code: codeOf(first) }));
      assert.equal(opened.status, 204);
      const fresh = await call(a, "authenticate_via_erp_browser");
      assert.equal(fresh.isError, false, fresh.text);
      assert.notEqual(fresh.data.url, first.data.url);
      const old = await fetch(first.data.url);
      assert.equal(old.status, 404);
      await old.body?.cancel();
      assert.equal(http.app.erpStreams.size, 1);
    }, { MCP_MAX_ERP_BROWSERS: "1", MCP_MAX_ERP_BROWSERS_PER_CLIENT: "2" }),
);

/** A web server on 127.0.0.1 that counts the requests it gets; `page` answers `/`. */
function site(page: (self: string) => string, extra: Record<string, string> = {}) {
  const hits: string[] = [];
  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
  }, (req): Response => {
    const path = new URL(req.url).pathname;
    hits.push(path);
    if (extra[path]) return Response.redirect(extra[path], 302);
    return new Response(page(`http://127.0.0.1:${server.addr.port}`), {
      headers: { "Content-Type": "text/html" },
    });
  });
  return { hits, origin: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
}

/** A link filling a 1024×100 band of the page from `top`. */
function band(href: string, top: number, label: string): string {
  return `<a href="${href}" style="position:absolute;left:0;top:${top}px;width:1024px;height:100px;display:block">${label}</a>`;
}

Deno.test(
  browserTest("erp stream: the server's browser stays on the ERP and the sign-in origins"),
  async () => {
    // A private address the server's browser must not reach (the brief: 127.0.0.1:8103/admin).
    const forbidden = site(() => "<p>admin</p>");
    const sideways = site(() => "<p>pixel</p>");
    const sso = site(() => "<p>sso</p>");
    const erpSite = site((self) =>
      `<!doctype html><body style="margin:0">
${band(`${forbidden.origin}/admin`, 0, "admin")}
${band(`${self}/go`, 200, "redirect")}
${band(`${sso.origin}/login`, 400, "sso")}
<img src="${sideways.origin}/pixel.png" style="position:absolute;top:600px">
<iframe src="${sideways.origin}/frame" style="position:absolute;top:650px;height:50px"></iframe>
</body>`, { "/go": `${forbidden.origin}/redirected` });
    try {
      await hosted(async ({ http, connect }) => {
        const client = await connect();
        const r = await call(client, "authenticate_via_erp_browser");
        assert.equal(r.isError, false, r.text);
        const link: string = r.data.url;
        const ok = await fetch(link + "/confirm", post({ code: codeOf(r) }));
        assert.equal(ok.status, 204);
        const cookie = (ok.headers.get("set-cookie") ?? "").split(";")[0];
        const frames = await fetch(link + "/frames", withCookie({}, cookie));
        const events = readEvents(frames.body!);
        while (JSON.parse(await events.next("frame")).origin !== erpSite.origin) { /* next */ }
        const click = async (y: number) => {
          const input = post({ type: "click", x: 500, y });
          const res = await fetch(link + "/input", withCookie(input, cookie));
          assert.equal(res.status, 202);
        };
        const blockedOrigin = async () => JSON.parse(await events.next("blocked")).origin;
        const showing = async (origin: string) => {
          while (JSON.parse(await events.next("frame")).origin !== origin) { /* next frame */ }
        };

        // A same-site link that redirects to the private address is stopped at the redirect.
        await click(250);
        while (await blockedOrigin() !== forbidden.origin) { /* the image and frame come too */ }
        await showing(forbidden.origin); // the browser shows the "Blocked" page, not the target
        assert.ok(erpSite.hits.includes("/go"), "the redirect itself was allowed");
        assert.deepEqual(forbidden.hits, [], "the redirect's target got no request");

        // The blocked page leads back; a direct link there is stopped the same way.
        await click(50);
        await showing(erpSite.origin);
        await click(50);
        while (await blockedOrigin() !== forbidden.origin) { /* next */ }
        await showing(forbidden.origin);
        assert.deepEqual(forbidden.hits, [], "the private address got no request");

        // A configured sign-in origin is allowed.
        await click(50);
        await showing(erpSite.origin);
        await click(450);
        await showing(sso.origin);
        assert.deepEqual(sso.hits, ["/login"]);
        assert.deepEqual(sideways.hits, [], "images and frames elsewhere were not loaded");
        await events.cancel();
        assert.equal(http.app.erpStreams.size, 1);
      }, {
        ERP_WEB_URL: erpSite.origin,
        MCP_SIGNIN_ORIGINS: sso.origin,
        MCP_SIGNIN_TIMEOUT_SECONDS: "60",
        MCP_MAX_ERP_BROWSERS_PER_CLIENT: "1",
      });
    } finally {
      for (const s of [forbidden, sideways, sso, erpSite]) await s.close();
    }
  },
);

Deno.test(
  browserTest("erp stream: one browser per client address; five wrong codes end the link"),
  () =>
    hosted(async ({ http, connect }) => {
      const from = (address: string) => connect({ "X-Forwarded-For": `198.51.100.9, ${address}` });
      const a1 = await from("203.0.113.5");
      const a2 = await from("203.0.113.5");
      const b = await from("203.0.113.6");
      const first = await call(a1, "authenticate_via_erp_browser");
      assert.equal(first.isError, false, first.text);
      const refused = await call(a2, "authenticate_via_erp_browser");
      assert.equal(refused.isError, true);
      assert.match(
        refused.text,
        /Too many sign-in browsers running for this client \(1 at most\)/,
      );
      const other = await call(b, "authenticate_via_erp_browser");
      assert.equal(other.isError, false, "another client still gets one");
      assert.equal(http.app.erpStreams.size, 2);

      for (let i = 1; i <= 5; i++) {
        const res = await fetch(other.data.url + "/confirm", post({ code: "ZZZ-ZZZ" }));
        assert.equal(res.status, i < 5 ? 403 : 410, `wrong code #${i}`);
        await res.body?.cancel();
      }
      const gone = await fetch(other.data.url);
      assert.equal(gone.status, 404, "the link is dead after five wrong codes");
      await gone.body?.cancel();
      const who = await call(b, "whoami");
      assert.equal(who.data.browser_sign_in.status, "failed");
      assert.match(who.text, /code was typed wrong 5 times/);
      await until(() => http.app.erpStreams.size === 1, "its browser closes");
    }, { MCP_TRUST_PROXY: "true" }),
);

Deno.test(
  browserTest(
    "erp stream: Chromium keeps its sandbox unless the server runs as root, and says why",
  ),
  async () => {
    const run = async (cmd: string, ...args: string[]) =>
      new TextDecoder().decode((await new Deno.Command(cmd, { args }).output()).stdout);
    const root = (await run("id", "-u")).trim() === "0";
    const profile = await Deno.makeTempDir({ prefix: "project-logs-sandbox-test-" });
    const warnings: string[] = [];
    const context = await launchChromium(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: BROWSER_ARGS,
    }, (reason) => warnings.push(reason));
    try {
      // The browser's own command line, as ps shows it.
      const lines = (await run("ps", "-eo", "args=")).split("\n").filter((l) =>
        l.includes(profile)
      );
      assert.ok(lines.length > 0, "the browser runs");
      const noSandbox = lines.some((l) => l.split(" ").includes("--no-sandbox"));
      assert.equal(noSandbox, root, root ? "root: no sandbox" : "not root: sandbox on");
      assert.equal(warnings.length, root ? 1 : 0);
      if (root) assert.match(warnings[0], /^Chromium starts with --no-sandbox: /);
    } finally {
      await context.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
);

Deno.test("erp stream: no browser on the server → says what to set, starts nothing", () =>
  hosted(async ({ http, connect }) => {
    const client = await connect();
    const r = await call(client, "authenticate_via_erp_browser");
    assert.equal(r.isError, true);
    assert.match(r.text, /No browser at "\/nowhere\/chrome" \(MCP_BROWSER_PATH/);
    assert.equal(http.app.erpStreams.size, 0);
  }, { MCP_BROWSER_PATH: "/nowhere/chrome" }));

Deno.test(
  browserTest("erp stream: MCP_SSE_PUBLIC_URL without the HTTP app (stdio) → the local window"),
  () =>
    withHarness({
      signIn: false,
      env: {
        MCP_BROWSER_PATH: CHROMIUM ?? "",
        MCP_BROWSER_HEADLESS: "true",
        MCP_SSE_PUBLIC_URL: "https://mcp.example.com",
      },
    }, async (h) => {
      const pending = h.call("authenticate_via_erp_browser");
      const page = await signInPage(h.session); // only the local flow opens a page here
      await page.close();
      const r = await pending;
      assert.equal(r.isError, true);
      assert.match(r.text, /The browser window was closed before the sign-in finished/);
    }),
);

/** The code the tool's answer gives with the link. */
function codeOf(r: Called): string {
  const m = /type the code ([A-Z0-9]{3}-[A-Z0-9]{3}) there/.exec(r.text);
  assert.ok(m, r.text);
  return m[1];
}

/** Waits up to 10 s for `ok()`. */
async function until(ok: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function post(body: unknown): RequestInit {
  return {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
}

function withCookie(init: RequestInit, cookie: string): RequestInit {
  return { ...init, headers: { ...(init.headers as Record<string, string>), Cookie: cookie } };
}

/** Reads server-sent events: `next(name)` is the data of the next event of that name. */
function readEvents(body: ReadableStream<Uint8Array>) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return {
    async next(name: string): Promise<string> {
      for (;;) {
        const at = buffer.indexOf("\n\n");
        if (at >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1] ?? "";
          if (event === name) return data;
          continue;
        }
        const { done, value } = await reader.read();
        if (done) throw new Error(`the stream ended before a "${name}" event`);
        buffer += value;
      }
    },
    cancel: () => reader.cancel(),
  };
}
