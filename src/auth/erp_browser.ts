/**
 * Sign-in through the ERP's own web login, in the person's installed Chrome, Edge or Chromium:
 * a fresh temporary profile opens the ERP site, and the token the web app stores in
 * `localStorage` is checked with the ERP and the allowlist. playwright-core loads only here.
 */
import type { BrowserContext, BrowserType, Page } from "playwright-core";
import { UserError } from "../errors.ts";
import { Attempt, waitAtMost } from "./attempt.ts";
import { BROWSER_ENV } from "../permissions.ts";
import { findBrowser, noBrowserMessage } from "./browsers.ts";
import type { Credentials, Session } from "./session.ts";

/** The flags every sign-in browser gets (see deno-notes.md); the sandbox stays on (see below). */
export const BROWSER_ARGS = [
  "--disable-gpu",
  "--disable-background-networking",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

/** The user id the server runs as, or undefined when Deno may not tell (no `--allow-sys=uid`). */
function uid(): number | null | undefined {
  try {
    return Deno.uid();
  } catch {
    return undefined;
  }
}

/**
 * playwright-core's Chromium driver, loaded on the first browser sign-in. The one-file bundle
 * (`deno task bundle`) leaves playwright-core out — bundled, it looks for its own package.json
 * beside the bundle and cannot start — so there the import fails and the person is told what
 * works instead. Throws UserError then.
 */
async function loadChromium(): Promise<BrowserType> {
  try {
    return (await import("playwright-core")).chromium;
  } catch (error) {
    throw new UserError(
      `Cannot start the sign-in browser: this build carries no browser driver (${
        String(error).split("\n")[0].slice(0, 160)
      })`,
      "The one-file bundle (out/server.js) has no browser sign-in: sign in with authenticate_with_token or authenticate_via_browser, or run the executable or `deno task start`, which carry it.",
    );
  }
}

/**
 * A fresh directory for a sign-in browser's profile, in the temporary directory this process was
 * given. Throws UserError when it may not write there (a compiled executable whose private
 * temporary directory could not be made says why at start).
 */
export async function makeProfileDir(): Promise<string> {
  try {
    return await Deno.makeTempDir({ prefix: "project-logs-signin-" });
  } catch (error) {
    if (
      !(error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied)
    ) {
      throw error;
    }
    throw new UserError(
      `Cannot make the sign-in browser's temporary profile: ${firstLine(error)}`,
      "The server's log says why at start; sign in with authenticate_with_token or authenticate_via_browser meanwhile.",
    );
  }
}

/** The longest TMPDIR a browser gets: Chromium adds ~46 bytes for its singleton socket. */
const MAX_BROWSER_TMPDIR = 50;

/**
 * The browser's environment: the variables it needs to show a window (`BROWSER_ENV`), read with
 * `get`. Chromium makes its singleton socket below TMPDIR, and a Unix socket path holds at most
 * 107 bytes on Linux and 104 on macOS (`sun_path`, unix(7)); past that the browser exits at
 * start. So on those systems a TMPDIR longer than `MAX_BROWSER_TMPDIR` (macOS's per-user folder,
 * or a private directory inside it) becomes /tmp for the browser only; the server's own files
 * (the profile) stay where they were.
 */
export function browserEnv(
  get: (name: string) => string | undefined,
  os: typeof Deno.build.os = Deno.build.os,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of BROWSER_ENV) {
    const value = get(name);
    if (value !== undefined) env[name] = value;
  }
  if (os !== "windows" && (env.TMPDIR ?? "").length > MAX_BROWSER_TMPDIR) env.TMPDIR = "/tmp";
  return env;
}

/** `Deno.env.get` that reads an ungranted variable as unset. */
function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/**
 * Starts Chromium on a persistent profile with its sandbox on. Chromium refuses its sandbox to
 * root; only then (root detected, or the sandbox failed while the user id cannot be read) it
 * starts with `--no-sandbox`, and `warn` gets the reason.
 */
export async function launchChromium(
  profile: string,
  options: Parameters<BrowserType["launchPersistentContext"]>[1],
  warn: (reason: string) => void = () => {},
): Promise<BrowserContext> {
  const chromium = await loadChromium();
  options = { ...options, env: browserEnv(readEnv) };
  const id = uid();
  if (id === 0) {
    warn(
      "Chromium starts with --no-sandbox: the server runs as root, where Chromium refuses its sandbox; run the server as a non-root user (as the Docker image does) to keep it",
    );
    return await chromium.launchPersistentContext(profile, { ...options, chromiumSandbox: false });
  }
  try {
    return await chromium.launchPersistentContext(profile, { ...options, chromiumSandbox: true });
  } catch (error) {
    if (!/sandbox/i.test(String(error))) throw error;
    if (id !== undefined) {
      throw new Error(
        "Chromium's sandbox could not start: the host forbids unprivileged user namespaces (in Docker, allow them with a seccomp profile that permits clone/unshare of user namespaces; see the README's hosted mode)",
        { cause: error },
      );
    }
    warn(
      "Chromium starts with --no-sandbox: its sandbox failed and the server may not read its user id (--allow-sys=uid) to tell whether it runs as root",
    );
    return await chromium.launchPersistentContext(profile, { ...options, chromiumSandbox: false });
  }
}

/** What an ERP browser sign-in needs. */
export interface ErpBrowserOptions {
  session: Session;
  /** The ERP web site to open. */
  webUrl: string;
  /** MCP_BROWSER_PATH, if set. */
  browserPath?: string;
  headless: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Called every few seconds while waiting: keeps patient clients informed. */
  progress?: (elapsedMs: number, totalMs: number) => Promise<void>;
  /** How often localStorage is read (default 1 s). */
  pollMs?: number;
}

/** The attempt of an ERP browser sign-in; `page` is the open sign-in page (tests drive it). */
export class ErpBrowserAttempt extends Attempt {
  page?: Page;
}

/** Opens the ERP site, waits for its sign-in, and returns the accepted credentials. */
export async function signInWithErpBrowser(opts: ErpBrowserOptions): Promise<Credentials> {
  const found = findBrowser(opts.browserPath);
  if (!found.path) {
    throw new UserError(
      noBrowserMessage(found, opts.browserPath),
      found.denied
        ? "Start it with `deno task start` (which grants the browser flags when a browser is installed), or sign in with authenticate_with_token."
        : "Install Google Chrome, Microsoft Edge or Chromium, or set MCP_BROWSER_PATH (or --browser-path) to its executable; or sign in with authenticate_with_token.",
    );
  }
  let context: BrowserContext | undefined;
  // Settles once the browser is closed and its profile removed: the attempt is `done` only then,
  // so a server that ends (src/cli/serve.ts) leaves no profile behind.
  const { promise: cleanedUp, resolve: cleanUpFinished } = Promise.withResolvers<void>();
  const attempt = new ErpBrowserAttempt({
    method: "erp_browser",
    timeoutMs: opts.timeoutMs,
    onCancel: async () => {
      await context?.close().catch(() => {});
      await cleanedUp;
    },
  });
  const previous = opts.session.signInAttempt;
  if (previous && !previous.outcome) previous.cancel();
  opts.session.signInAttempt = attempt;

  let profile: string | undefined;
  let phase: "failed" | "refused" = "failed";
  try {
    profile = await makeProfileDir();
    try {
      context = await launchChromium(profile, {
        executablePath: found.path,
        headless: opts.headless,
        args: BROWSER_ARGS,
        viewport: null,
      });
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw new UserError(
        `Cannot start the browser "${found.path}": ${firstLine(error)}`,
        "Set MCP_BROWSER_PATH to a working Chrome, Edge or Chromium, or sign in with authenticate_with_token.",
      );
    }
    const { token, username } = await waitForToken(context, attempt, opts);
    phase = "refused"; // the ERP or the allowlist decides from here
    const creds = await opts.session.verify(token, username, "erp_browser", opts.signal);
    attempt.settle({
      status: "signed_in",
      message: `Signed in as ${creds.email}`,
      email: creds.email,
    }, cleanedUp);
    return creds;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const status = error instanceof TimedOut
      ? "expired"
      : error instanceof UserError
      ? phase
      : "failed";
    attempt.settle({ status, message }, cleanedUp);
    throw error;
  } finally {
    attempt.page = undefined;
    await context?.close().catch(() => {});
    if (profile) await removeProfile(profile);
    cleanUpFinished();
  }
}

/** Polls `localStorage` of the ERP's pages until a token appears, the window closes or time runs out. */
async function waitForToken(
  context: BrowserContext,
  attempt: ErpBrowserAttempt,
  opts: ErpBrowserOptions,
): Promise<{ token: string; username?: string }> {
  const erpOrigin = new URL(opts.webUrl).origin;
  const closed = new Promise<"closed">((resolve) => context.once("close", () => resolve("closed")));
  const page = context.pages()[0] ?? await context.newPage();
  attempt.page = page;
  try {
    await page.goto(opts.webUrl, { timeout: 30_000 });
  } catch (error) {
    if (attempt.outcome) throw cancelled();
    throw new UserError(
      `Cannot open the ERP web site "${opts.webUrl}": ${firstLine(error)}`,
      "Check ERP_WEB_URL (or ERP_API_BASE_URL), or sign in with authenticate_with_token.",
    );
  }
  const started = Date.now();
  let reported = started;
  while (Date.now() - started < opts.timeoutMs) {
    if (opts.signal?.aborted || attempt.outcome) throw cancelled();
    const open = context.pages();
    if (open.length === 0) throw windowClosed();
    const found = await readErpToken(open, erpOrigin);
    if (found) return found;
    if (opts.progress && Date.now() - reported >= 5000) {
      reported = Date.now();
      await opts.progress(reported - started, opts.timeoutMs);
    }
    const tick = await waitAtMost(closed, opts.pollMs ?? 1000, opts.signal);
    if (tick === "closed") throw windowClosed();
  }
  throw new TimedOut(
    `No sign-in in the browser within ${Math.round(opts.timeoutMs / 1000)} seconds`,
    "Call authenticate_via_erp_browser again when ready, and sign in in the window that opens.",
  );
}

/** Nobody signed in in time. */
class TimedOut extends UserError {}

function windowClosed(): UserError {
  return new UserError(
    "The browser window was closed before the sign-in finished",
    "Call authenticate_via_erp_browser again and sign in to the ERP in the window that opens; it closes by itself once you are signed in.",
  );
}

function cancelled(): UserError {
  return new UserError("The browser sign-in was cancelled");
}

/**
 * The token the ERP web app keeps in `localStorage.token` (and the email in `username`), read
 * only from pages of the ERP's own origin; values may be JSON-quoted.
 */
export async function readErpToken(
  pages: Page[],
  erpOrigin: string,
): Promise<{ token: string; username?: string } | undefined> {
  for (const p of pages) {
    if (originOf(p.url()) !== erpOrigin) continue; // only the ERP's own storage is trusted
    const got = await p.evaluate(() => ({
      token: localStorage.getItem("token"),
      username: localStorage.getItem("username"),
    })).catch(() => undefined);
    const token = got?.token?.replace(/^"|"$/g, "").trim();
    if (token) return { token, username: got?.username?.replace(/^"|"$/g, "") || undefined };
  }
  return undefined;
}

/** Where a sign-in browser may go: these origins, plus `data:`, `blob:` and `about:blank`. */
export function allowedUrl(url: string, origins: ReadonlySet<string>): boolean {
  if (url === "about:blank" || url.startsWith("data:") || url.startsWith("blob:")) return true;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return (u.protocol === "https:" || u.protocol === "http:") && origins.has(u.origin);
}

/**
 * Keeps every page, frame, redirect and subresource of `context` on `origins`: a document
 * elsewhere gets `blockedPage(origin)` instead, anything else is refused, and `onBlocked` hears
 * of it. Two layers, measured with Chromium: playwright routing sees every target from its first
 * request (popups, frames, workers) but not redirect hops; CDP `Fetch` on each page sees the hops.
 * Launch with `serviceWorkers: "block"`, so no worker answers in their place.
 */
export async function confineNavigation(
  context: BrowserContext,
  origins: ReadonlySet<string>,
  onBlocked: (origin: string) => void,
  blockedPage: (origin: string) => string,
): Promise<void> {
  const originOfUrl = (url: string) => originOf(url) ?? url.slice(0, 40);
  await context.route(() => true, async (route, request) => {
    const url = request.url();
    if (allowedUrl(url, origins)) return await route.fallback();
    onBlocked(originOfUrl(url));
    if (request.isNavigationRequest()) {
      return await route.fulfill({
        status: 403,
        contentType: "text/html; charset=utf-8",
        body: blockedPage(originOfUrl(url)),
      });
    }
    await route.abort("blockedbyclient");
  });
  const guard = async (page: Page) => {
    const cdp = await context.newCDPSession(page);
    cdp.on("Fetch.requestPaused", (e) => {
      const url = e.request.url;
      let done: Promise<unknown>;
      if (allowedUrl(url, origins)) {
        done = cdp.send("Fetch.continueRequest", { requestId: e.requestId });
      } else {
        onBlocked(originOfUrl(url));
        const html = new TextEncoder().encode(blockedPage(originOfUrl(url)));
        done = e.resourceType === "Document"
          ? cdp.send("Fetch.fulfillRequest", {
            requestId: e.requestId,
            responseCode: 403,
            responseHeaders: [{ name: "Content-Type", value: "text/html; charset=utf-8" }],
            body: btoa(String.fromCharCode(...html)),
          })
          : cdp.send("Fetch.failRequest", {
            requestId: e.requestId,
            errorReason: "BlockedByClient",
          });
      }
      done.catch(() => {}); // the page went away meanwhile
    });
    await cdp.send("Fetch.enable", { patterns: [{ urlPattern: "*", requestStage: "Request" }] });
  };
  context.on("page", (page) => void guard(page).catch(() => {}));
  for (const page of context.pages()) await guard(page);
}

/**
 * Deletes a browser profile directory. Chromium's last processes may still be writing into it
 * just after the browser closed (a browser ended by a signal writes its session and preferences
 * on the way out, after playwright saw it close), so a failed removal is tried again, and a
 * removed profile is looked at again for about half a second and removed again if it came back.
 */
export async function removeProfile(dir: string): Promise<void> {
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  let removed = 0;
  for (let attempt = 0; attempt < 12 && removed < 4; attempt++) {
    try {
      await Deno.remove(dir, { recursive: true });
      removed++;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) removed++;
      else removed = 0;
    }
    if (removed < 4) await pause(100 + 50 * attempt);
  }
}

/** The origin of a URL, or undefined when it has none. */
export function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** The first line of an error, short enough for a message. */
export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0].slice(0, 200);
}
