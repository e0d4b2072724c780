/**
 * The reference MCP Apps host (tests/e2e/apps_host/main.ts) a person runs to try the grid: its
 * page calls a tool through its relay and shows the view in headless Chromium; the relay refuses
 * other origins and methods it does not relay.
 */
import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import { BROWSER_ARGS } from "../../src/auth/erp_browser.ts";
import { scaledTimeout } from "../helpers.ts";
import { serveReferenceHost } from "./apps_host/main.ts";
import { browserTest, CHROMIUM } from "./browser_helpers.ts";

Deno.test({
  ...browserTest("reference host: a person calls get_week_logs from the page and sees the grid"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const host = await serveReferenceHost();
    const { chromium } = await import("playwright-core");
    const browser: Browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: BROWSER_ARGS,
    });
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(scaledTimeout(15_000));
      await page.goto(host.url);
      await page.locator("#go:not([disabled])").waitFor();
      const monday = host.sandbox.erp.fixtures.weeks.draft;
      await page.locator("#tool").selectOption("get_week_logs");
      await page.locator("#args").fill(JSON.stringify({ week_starting: monday }));
      await page.locator("#go").click();
      const app = page.frameLocator("#app");
      await app.locator("#title", { hasText: `Week of ${monday}` }).waitFor();
      await app.locator("#grid table").waitFor();
      assert.equal(await app.locator("#state").innerText(), "draft");
    } finally {
      await browser.close();
      await host.close();
    }
  },
});

Deno.test("reference host: the relay answers its own page only, and only the methods a view needs", async () => {
  const host = await serveReferenceHost();
  try {
    const relay = (origin: string, method: string) =>
      fetch(new URL("/relay", host.url), {
        method: "POST",
        headers: { origin, "content-type": "application/json" },
        body: JSON.stringify({ method, params: {} }),
      });
    const foreign = await relay("http://evil.example", "tools/list");
    assert.equal(foreign.status, 403);
    await foreign.body?.cancel();
    const own = host.url.replace(/\/$/, "");
    const other = await relay(own, "logging/setLevel");
    assert.equal(other.status, 400);
    await other.body?.cancel();
    const ok = await relay(own, "tools/list");
    assert.equal(ok.status, 200);
    const names = ((await ok.json()).result.tools as { name: string }[]).map((t) => t.name);
    assert.ok(names.includes("week_grid_save"));
  } finally {
    await host.close();
  }
});
