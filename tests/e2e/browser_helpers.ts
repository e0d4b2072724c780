/** Shared by the browser sign-in tests: the Chromium to use, free ports, the user's browser. */
import type { Browser, Page } from "playwright-core";
import { BROWSER_ARGS, type ErpBrowserAttempt } from "../../src/auth/erp_browser.ts";
import { findBrowser } from "../../src/auth/browsers.ts";
import type { Session } from "../../src/auth/session.ts";
import { scaledTimeout } from "../helpers.ts";

/** The installed Chromium (or Chrome, Edge), or undefined: the browser tests are then ignored. */
export const CHROMIUM = findBrowser(Deno.env.get("MCP_BROWSER_PATH")).path;

/** A test name that says why it is ignored when no browser is installed. */
export function browserTest(name: string): { name: string; ignore: boolean } {
  return {
    name: CHROMIUM ? name : `${name} (ignored: no Chromium, Chrome or Edge found)`,
    ignore: !CHROMIUM,
  };
}

/** A port that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Runs `fn` with a headless Chromium playing the person's own browser; always closes it. */
export async function withUserBrowser(fn: (page: Page) => Promise<void>): Promise<void> {
  const { chromium } = await import("playwright-core");
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: BROWSER_ARGS,
  });
  try {
    const page = await browser.newPage();
    await fn(page);
  } finally {
    await browser.close();
  }
}

/**
 * The ERP sign-in page the tool opened, once it shows the sandbox's form. The session exposes no
 * event for "page opened", so it is looked for every 50 ms until a load-scaled deadline.
 */
export async function signInPage(
  session: Session,
  timeoutMs = scaledTimeout(20_000),
): Promise<Page> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const page = (session.signInAttempt as ErpBrowserAttempt | undefined)?.page;
    if (page && !page.isClosed()) {
      await page.waitForSelector("#sign-in-form", { timeout: timeoutMs });
      return page;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the tool opened no sign-in page");
}

/** The sign-in profile directories left in the temporary directory. */
export function leftoverProfiles(): string[] {
  const dir = Deno.env.get("TMPDIR") ?? "/tmp";
  return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
    n.startsWith("project-logs-signin-")
  );
}
