/**
 * The week grid (MCP Apps) end to end: a test host page built with ext-apps' AppBridge runs in
 * headless Chromium, renders the server's `ui://` view in a sandboxed iframe, and relays the
 * view's requests to a real MCP client (the harness's, Streamable HTTP) connected to the server,
 * which talks to the sandbox ERP over HTTP. What is stored is checked in the sandbox's records.
 * APPS_SCREENSHOT_DIR=docs/images (with write access there) also writes the README's screenshots;
 * APPS_DEBUG=1 prints the page's console and errors.
 */
import assert from "node:assert/strict";
import type { Browser, FrameLocator, Page } from "playwright-core";
import { BROWSER_ARGS } from "../../src/auth/erp_browser.ts";
import { ErpClient } from "../../src/erp/client.ts";
import { putEntry } from "../../src/erp/week.ts";
import type { WeekLogRecord } from "../../src/sandbox/types.ts";
import { type Harness, harness, type HarnessOptions, ROOT, scaledTimeout } from "../helpers.ts";
import { browserTest, CHROMIUM } from "./browser_helpers.ts";

const UI = { "io.modelcontextprotocol/ui": { mimeTypes: ["text/html;profile=mcp-app"] } };

/** The host page's script, bundled for the browser once per run. */
let hostScript: Promise<string> | undefined;
function hostJs(): Promise<string> {
  hostScript ??= (async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform",
        "browser",
        "--lock=tests/tests.lock",
        "tests/e2e/apps_host/host.ts",
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout);
  })();
  return hostScript;
}

interface Host {
  h: Harness;
  page: Page;
  app: FrameLocator;
  email: string;
  weeks: Harness["erp"]["fixtures"]["weeks"];
  /** Plays the model calling `tool`; resolves once the view is drawn (or with no view). */
  open(tool: string, args: Record<string, unknown>, theme?: "light" | "dark"): Promise<boolean>;
  stored(monday: string): WeekLogRecord;
  modelContext(): Promise<string[]>;
}

/** A harness whose client renders MCP Apps, a host page serving its views, and Chromium. */
async function withHost(
  fn: (host: Host) => Promise<void>,
  opts: Omit<HarnessOptions, "clientCapabilities"> = {},
): Promise<void> {
  const h = await harness({ ...opts, clientCapabilities: { extensions: UI } });
  const js = (await hostJs()).replaceAll("</script", "<\\/script");
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test host</title>
<style>body{margin:0;padding:12px;font-family:'DejaVu Sans',sans-serif}iframe{border:0;width:100%;height:560px;display:block}</style>
</head><body><div id="host"></div><script type="module">${js}</script></body></html>`;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } }),
  );
  const { chromium } = await import("playwright-core");
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: BROWSER_ARGS,
  });
  try {
    const context = await browser.newContext({ viewport: { width: 760, height: 700 } });
    const tab = await context.newPage();
    tab.setDefaultTimeout(scaledTimeout(15_000));
    if (Deno.env.get("APPS_DEBUG")) {
      tab.on("console", (m) => console.log("console:", m.text()));
      tab.on("pageerror", (e) => console.log("pageerror:", e.message));
    }
    await tab.exposeFunction("mcpRelay", async (method: string, params: never) => {
      if (method === "tools/list") return await h.client.listTools(params);
      if (method === "tools/call") return await h.client.callTool(params);
      if (method === "resources/read") return await h.client.readResource(params);
      throw new Error(`the test host relays no ${method}`);
    });
    await tab.goto(`http://127.0.0.1:${server.addr.port}/`);
    await tab.waitForFunction(() => "openApp" in globalThis);
    const app = tab.frameLocator("#app");
    const email = h.erp.fixtures.users.alice.email;
    await fn({
      h,
      page: tab,
      app,
      email,
      weeks: h.erp.fixtures.weeks,
      async open(tool, args, theme = "light") {
        const r = await tab.evaluate(
          ([t, a, th]) =>
            // deno-lint-ignore no-explicit-any
            (globalThis as any).openApp(t, a, th) as Promise<{ rendered: boolean }>,
          [tool, args, theme] as const,
        );
        if (r.rendered) {
          await app.locator("table:visible, #status.error").first().waitFor();
          const error = await app.locator("#status.error").count();
          if (error) throw new Error(await app.locator("#status").innerText());
        }
        return r.rendered;
      },
      stored(monday) {
        const week = h.erp.weekLog(email, monday);
        if (!week) throw new Error(`no stored week ${monday}`);
        return week;
      },
      modelContext: () =>
        tab.evaluate(() =>
          // deno-lint-ignore no-explicit-any
          ((globalThis as any).modelContext as { content?: { text: string }[] }[])
            .map((p) => p.content?.map((c) => c.text).join("\n") ?? "")
        ),
    });
  } finally {
    await browser.close();
    await server.shutdown();
    await h.close();
  }
}

function addDays(iso: string, n: number): string {
  return Temporal.PlainDate.from(iso).add({ days: n }).toString();
}

function hm(minutes: number): string {
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
}

/** Minutes the stored week holds on `date`, from the sandbox's records. */
function storedDay(week: WeekLogRecord, date: string): number {
  return week.projects.flatMap((p) => p.tasks.flatMap((t) => t.days))
    .filter((d) => d.date === date).reduce((s, d) => s + d.hours * 60 + d.minutes, 0);
}

/** The stored entry of `team`'s task `description` on `date`, if any. */
function storedEntry(week: WeekLogRecord, team: string, description: string, date: string) {
  const task = week.projects.find((p) => p.team === team)?.tasks
    .find((t) => t.description === description);
  return task?.days.find((d) => d.date === date);
}

const CELL = (desc: string, label: string, date: string) => {
  const wd = Temporal.PlainDate.from(date).toLocaleString("en-US", { weekday: "short" });
  return `Client X / Backend · ${desc} · ${label}, ${wd} ${date}`;
};

const screenshots = Deno.env.get("APPS_SCREENSHOT_DIR");

Deno.test({
  ...browserTest(
    "apps: the grid renders a seeded week: its cells, day and week totals, a short day",
  ),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withHost(async ({ app, open, weeks, stored, page }) => {
      const monday = weeks.draft;
      assert.equal(await open("get_week_logs", { week_starting: monday }), true);
      const week = stored(monday);
      // Independent of the view: the seed's entries, as the sandbox stores them.
      for (let i = 0; i < 7; i++) {
        const date = addDays(monday, i);
        const entry = storedEntry(week, "Client X / Backend", "Feature work", date);
        const input = app.getByLabel(CELL("Feature work", "Coding", date), { exact: true });
        assert.equal(await input.inputValue(), entry ? hm(entry.hours * 60 + entry.minutes) : "");
        const total = app.locator(`tfoot td[data-date="${date}"]`);
        assert.match(await total.innerText(), new RegExp(`^${hm(storedDay(week, date))}`));
      }
      const weekTotal = [0, 1, 2, 3, 4, 5, 6].reduce(
        (s, i) => s + storedDay(week, addDays(monday, i)),
        0,
      );
      assert.equal(await app.locator("#week-total").innerText(), hm(weekTotal));
      // Friday is a past workday with nothing logged: short (the seed leaves it empty).
      const friday = app.locator(`tfoot td[data-date="${addDays(monday, 4)}"]`);
      assert.equal(storedDay(week, addDays(monday, 4)), 0);
      assert.match(await friday.getAttribute("class") ?? "", /short/);
      assert.match(await friday.innerText(), /short/);
      assert.doesNotMatch(
        await app.locator(`tfoot td[data-date="${addDays(monday, 3)}"]`).getAttribute("class") ??
          "",
        /short/,
      );
      assert.equal(await app.locator("#state").innerText(), "draft");
      if (screenshots) {
        await page.locator("#app").screenshot({ path: `${screenshots}/week-grid-light.png` });
      }
    });
  },
});

Deno.test({
  ...browserTest(
    "apps: editing a cell and saving stores exactly that in the ERP, and tells the model",
  ),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withHost(async ({ app, open, weeks, stored, modelContext, page }) => {
      const monday = weeks.draft;
      await open("get_week_logs", { week_starting: monday });
      const friday = addDays(monday, 4);
      const tuesday = addDays(monday, 1);
      await app.getByLabel(CELL("Feature work", "Coding", friday), { exact: true }).fill("6:30");
      await app.getByLabel(CELL("Feature work", "Coding", friday), { exact: true }).press("Tab");
      // By keyboard: from Monday's cell, ArrowRight at the end of its text reaches Tuesday's.
      const mondayCell = app.getByLabel(CELL("Feature work", "Coding", monday), { exact: true });
      await mondayCell.focus();
      await mondayCell.press("End");
      await mondayCell.press("ArrowRight");
      await page.keyboard.type("7.25"); // ArrowRight selected Tuesday's text: typing replaces it
      await page.keyboard.press("Tab");
      const before = stored(monday);
      await app.getByRole("button", { name: "Save" }).click();
      await app.locator("#status", { hasText: "Saved the week" }).waitFor();
      const after = stored(monday);
      const fri = storedEntry(after, "Client X / Backend", "Feature work", friday)!;
      assert.deepEqual([fri.hours, fri.minutes, fri.label], [6, 30, 34]);
      const tue = storedEntry(after, "Client X / Backend", "Feature work", tuesday)!;
      assert.deepEqual([tue.hours, tue.minutes, tue.label], [7, 15, 34]);
      // Nothing else changed: every other day holds what it held.
      for (const i of [0, 2, 3, 5, 6]) {
        const d = addDays(monday, i);
        assert.equal(storedDay(after, d), storedDay(before, d), d);
      }
      // The grid shows what the ERP stored.
      assert.equal(
        await app.getByLabel(CELL("Feature work", "Coding", friday), { exact: true }).inputValue(),
        "6:30",
      );
      const context = await modelContext();
      assert.equal(context.length, 1);
      assert.match(context[0], /Saved the week of/);
    });
  },
});

Deno.test({
  ...browserTest("apps: invalid input is refused in the grid with the tools' own messages"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withHost(async ({ app, open, weeks, stored, h }) => {
      const monday = weeks.draft;
      await open("get_week_logs", { week_starting: monday });
      const friday = addDays(monday, 4);
      const cell = app.getByLabel(CELL("Feature work", "Coding", friday), { exact: true });
      await cell.fill("25");
      await cell.press("Tab");
      const tool = await h.call("create_or_update_log", {
        date: friday,
        project_id: 41,
        description: "Feature work",
        hours: 25,
      });
      assert.equal(tool.isError, true);
      // The tool's own words for the value: "hours must be at most 24 (…); you sent 25".
      const words = /^Cannot run create_or_update_log: (.*?)\. Correct/.exec(tool.text)![1];
      const status = await app.locator("#status").innerText();
      assert.equal(
        status,
        `Cannot log ${CELL("Feature work", "Coding", friday)}: ${words}`,
      );
      assert.equal(await cell.getAttribute("aria-invalid"), "true");
      // Text that is no duration at all: again the tool's words.
      await cell.fill("abc");
      await cell.press("Tab");
      const toolAbc = await h.call("create_or_update_log", {
        date: friday,
        project_id: 41,
        description: "Feature work",
        hours: "abc",
      });
      const wordsAbc = /^Cannot run create_or_update_log: (.*?)\. Correct/.exec(toolAbc.text)![1];
      assert.equal(
        await app.locator("#status").innerText(),
        `Cannot log ${CELL("Feature work", "Coding", friday)}: ${wordsAbc}`,
      );
      // A day over 24 h in all: the server refuses with the week edit's message, nothing stored.
      const before = JSON.stringify(stored(monday));
      await cell.fill("17:00"); // Friday alone is fine…
      await cell.press("Tab");
      await app.locator("#add-project").fill("Client X / Backend");
      await app.locator("#add-description").fill("Night shift");
      await app.getByRole("button", { name: "Add row" }).click();
      const night = app.getByLabel(
        `Client X / Backend · Night shift · General, Fri ${friday}`,
        { exact: true },
      );
      await night.fill("8"); // …but 17 h + 8 h is over 24 h
      await night.press("Tab");
      await app.getByRole("button", { name: "Save" }).click();
      await app.locator("#status.error", { hasText: "over 24 h" }).waitFor();
      assert.match(
        await app.locator("#status").innerText(),
        new RegExp(`^Cannot log that on "${friday}": the day would hold 25 h, over 24 h`),
      );
      assert.equal(JSON.stringify(stored(monday)), before);
    });
  },
});

Deno.test({
  ...browserTest(
    "apps: a second row for a task already shown is refused (it would overwrite that day's entry)",
  ),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withHost(async ({ app, open, weeks, stored }) => {
      const monday = weeks.draft;
      await open("get_week_logs", { week_starting: monday });
      const before = JSON.stringify(stored(monday));
      // The draft holds "Client X / Backend · Feature work · Coding": other case, other label.
      await app.locator("#add-project").fill("client x/backend");
      await app.locator("#add-description").fill("FEATURE WORK");
      await app.getByLabel("Label").selectOption({ label: "Meeting" });
      await app.getByRole("button", { name: "Add row" }).click();
      await app.locator("#status", { hasText: "already has one" }).waitFor();
      assert.equal(
        await app.getByLabel(/FEATURE WORK · Meeting, /).count(),
        0,
        "no second row was added",
      );
      assert.equal(JSON.stringify(stored(monday)), before, "nothing was written");
      // A project none of the person's matches, or one the week's log does not hold, is refused
      // when the row is added, in the write tools' words, not at Save.
      for (
        const [week, project, words] of [
          [monday, "zzz", /Unknown project "zzz": none of your active projects matches/],
          [weeks.missingProject, "Mobile", /that week's log has no project for this team/],
        ] as const
      ) {
        if (week !== monday) await open("get_week_logs", { week_starting: week });
        await app.locator("#add-project").fill(project);
        await app.locator("#add-description").fill("Something");
        await app.getByRole("button", { name: "Add row" }).click();
        await app.locator("#status", { hasText: words }).waitFor();
        assert.equal(await app.getByLabel(/Something · /).count(), 0, project);
      }
    });
  },
});

Deno.test({
  ...browserTest("apps: adding a row by project name stores it under that project and label"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withHost(async ({ app, open, weeks, stored }) => {
      const monday = weeks.draft;
      await open("get_week_logs", { week_starting: monday });
      const wednesday = addDays(monday, 2);
      await app.locator("#add-project").fill("client x / frontend"); // the tools' name matching
      await app.locator("#add-description").fill("Design review");
      await app.getByLabel("Label").selectOption({ label: "Meeting" });
      await app.getByRole("button", { name: "Add row" }).click();
      const cell = app.getByLabel(
        `client x / frontend · Design review · Meeting, Wed ${wednesday}`,
        { exact: true },
      );
      await cell.fill("1:15");
      await cell.press("Tab");
      await app.getByRole("button", { name: "Save" }).click();
      await app.locator("#status", { hasText: "Saved the week" }).waitFor();
      const entry = storedEntry(stored(monday), "Client X / Frontend", "Design review", wednesday);
      assert.ok(entry, "the new row's entry is stored under Client X / Frontend");
      assert.deepEqual([entry.hours, entry.minutes, entry.label], [1, 15, 37]);
      // Shown as stored, under the project's own name.
      await app.getByLabel(
        `Client X / Frontend · Design review · Meeting, Wed ${wednesday}`,
        { exact: true },
      ).waitFor();
    });
  },
});

Deno.test({
  ...browserTest("apps: a 409 during save re-reads, re-applies, and shows the week as re-read"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withHost(async ({ app, open, weeks, stored, h }) => {
      const monday = weeks.draft;
      const { alice } = h.erp.fixtures.users;
      await open("get_week_logs", { week_starting: monday });
      const friday = addDays(monday, 4);
      const saturday = addDays(monday, 5);
      await app.getByLabel(CELL("Feature work", "Coding", friday), { exact: true }).fill("5");
      await app.getByLabel(CELL("Feature work", "Coding", friday), { exact: true }).press("Tab");
      // Another writer (the ERP web app, its own client and token use) saves the week just
      // before the grid's save reaches the ERP: the grid's save then gets a real 409.
      const web = new ErpClient({ baseUrl: h.apiBase, token: alice.token, timeoutMs: 30_000 });
      const weekId = stored(monday).id;
      let raced = false;
      const statuses: number[] = [];
      h.erp.onRequest = async ({ method, path }) => {
        if (method !== "PATCH" || !path.includes("/save/") || raced) return;
        raced = true;
        const week = await web.getWeek(weekId, monday);
        const project = week.projects.find((p) => p.team === "Client X / Backend")!;
        putEntry(week, {
          projectId: project.id,
          date: saturday,
          description: "Other writer",
          minutes: 120,
          label: 37,
        });
        await web.saveWeek(week);
      };
      await app.getByRole("button", { name: "Save" }).click();
      await app.locator("#status", { hasText: "Saved the week" }).waitFor();
      for (const c of h.erp.calls) {
        if (c.method === "PATCH" && c.path.includes("/save/")) statuses.push(c.status);
      }
      assert.ok(statuses.includes(409), `a save was refused with 409: ${statuses}`);
      assert.match(await app.locator("#status").innerText(), /Another edit was saved first/);
      const after = stored(monday);
      assert.equal(storedEntry(after, "Client X / Backend", "Feature work", friday)?.hours, 5);
      assert.equal(storedEntry(after, "Client X / Backend", "Other writer", saturday)?.hours, 2);
      // The grid shows the re-read week: the other writer's row with its time.
      const other = app.getByLabel(
        `Client X / Backend · Other writer · Meeting, Sat ${saturday}`,
        { exact: true },
      );
      assert.equal(await other.inputValue(), "2:00");
    });
  },
});

Deno.test({
  ...browserTest(
    "apps: deleting an entry asks first and is stored on Save; prev/next change the week",
  ),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withHost(async ({ app, open, weeks, stored }) => {
      const monday = weeks.draft;
      await open("get_week_logs", { week_starting: monday });
      const label = CELL("Feature work", "Coding", monday);
      const id = storedEntry(stored(monday), "Client X / Backend", "Feature work", monday)!.id;
      const remove = app.getByRole("button", { name: `Delete entry: ${label}`, exact: true });
      await remove.focus();
      await remove.press("Enter");
      await app.getByRole("dialog").press("Escape"); // as a keyboard user leaves the question
      // Focus goes back to the × that asked, not to the page.
      await app.locator(":focus", { hasText: "×" }).waitFor();
      assert.equal(
        await app.locator(":focus").getAttribute("aria-label"),
        `Delete entry: ${label}`,
      );
      assert.equal(await app.getByLabel(label, { exact: true }).inputValue(), "8:00");
      assert.equal(await app.getByRole("button", { name: "Save" }).isDisabled(), true);
      await remove.click();
      assert.match(await app.getByRole("dialog").innerText(), /Delete this entry\?/);
      await app.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
      assert.equal(await app.getByLabel(label, { exact: true }).inputValue(), "");
      assert.ok(storedEntry(stored(monday), "Client X / Backend", "Feature work", monday));
      await app.getByRole("button", { name: "Save" }).click();
      await app.locator("#status", { hasText: "Saved the week" }).waitFor();
      const after = stored(monday);
      assert.equal(storedEntry(after, "Client X / Backend", "Feature work", monday), undefined);
      assert.equal(
        after.projects.flatMap((p) => p.tasks.flatMap((t) => t.days)).some((d) => d.id === id),
        false,
      );
      // Navigation: the next week, then back.
      const next = addDays(monday, 7);
      await app.getByRole("button", { name: "Next week" }).click();
      await app.locator("#title", { hasText: `Week of ${next}` }).waitFor();
      await app.getByRole("button", { name: "Previous week" }).click();
      await app.locator("#title", { hasText: `Week of ${monday}` }).waitFor();
    });
  },
});

Deno.test({
  ...browserTest("apps: submit asks first; cancel leaves the week a draft, confirm submits it"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withHost(async ({ app, open, weeks, stored, modelContext }) => {
      const monday = weeks.draft;
      await open("get_week_logs", { week_starting: monday });
      await app.getByRole("button", { name: "Submit week…" }).click();
      const dialog = app.getByRole("dialog");
      await dialog.waitFor();
      assert.match(await dialog.innerText(), /Submit the week of .*can no longer be changed/s);
      assert.match(await dialog.innerText(), /short: /);
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await app.locator("#status", { hasText: "Not submitted" }).waitFor();
      assert.equal(stored(monday).isCompleted, false);
      await app.getByRole("button", { name: "Submit week…" }).click();
      await app.getByRole("dialog").getByRole("button", { name: "Submit week" }).click();
      await app.locator("#state", { hasText: "completed" }).waitFor();
      assert.equal(stored(monday).isCompleted, true);
      assert.match(await app.locator("#readonly").innerText(), /read-only/);
      assert.match((await modelContext()).join("\n"), /submitted the week/);
    });
  },
});

Deno.test({
  ...browserTest("apps: a completed week is read-only in the grid and its save is refused"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withHost(async ({ app, open, weeks, stored, h, page }) => {
      const monday = weeks.completed;
      await open("get_week_logs", { week_starting: monday }, "dark");
      assert.equal(await app.locator("#state").innerText(), "completed");
      assert.equal(
        await app.locator("#readonly").innerText(),
        "This week is completed (submitted): it is read-only here.",
      );
      const cell = app.getByLabel(CELL("Feature work", "Coding", monday), { exact: true });
      assert.equal(await cell.getAttribute("readonly"), "");
      assert.equal(await app.getByRole("button", { name: "Save" }).isDisabled(), true);
      assert.equal(await app.getByRole("button", { name: "Submit week…" }).isDisabled(), true);
      // The host's theme and colours (its CSS variables, sent in the host context) are applied.
      assert.equal(await app.locator("html").getAttribute("data-theme"), "dark");
      assert.equal(
        await app.locator("body").evaluate((b) =>
          // deno-lint-ignore no-explicit-any
          (globalThis as any).getComputedStyle(b).backgroundColor as string
        ),
        "rgb(30, 31, 36)", // the test host's --color-background-primary, #1e1f24
      );
      if (screenshots) {
        await page.locator("#app").screenshot({ path: `${screenshots}/week-grid-dark.png` });
      }
      // The app's save tool refuses too, with the write tools' message.
      const before = JSON.stringify(stored(monday));
      const r = await h.call("week_grid_save", {
        week_starting: monday,
        set: [{ date: monday, project_id: 41, description: "Feature work", hours: 1 }],
      });
      assert.equal(r.isError, true);
      assert.match(
        r.text,
        new RegExp(`^Cannot change the week of ${monday}: it is already completed`),
      );
      assert.equal(JSON.stringify(stored(monday)), before);
    });
  },
});

Deno.test("apps: a host without MCP Apps sees the tools and answers it saw, with only _meta added", async () => {
  const plain = await harness();
  const apps = await harness({ clientCapabilities: { extensions: UI } });
  try {
    const plainList = (await plain.client.listTools()).tools;
    const appsList = (await apps.client.listTools()).tools;
    const appOnly = appsList.filter((t) =>
      (t._meta as { ui?: { visibility?: string[] } } | undefined)?.ui?.visibility?.join() === "app"
    ).map((t) => t.name);
    assert.deepEqual(appOnly.sort(), ["month_grid_load", "week_grid_load", "week_grid_save"]);
    // Not listed to a host that does not render apps; everything else is the same list.
    assert.deepEqual(
      plainList.map((t) => t.name),
      appsList.map((t) => t.name).filter((n) => !appOnly.includes(n)),
    );
    const withMeta = plainList.filter((t) => t._meta !== undefined).map((t) => t.name);
    assert.deepEqual(withMeta.sort(), [
      "copy_week",
      "get_missing_days",
      "get_month_logs",
      "get_week_logs",
    ]);
    // The answer itself is the same for both hosts, and carries no view of its own.
    const monday = plain.erp.fixtures.weeks.draft;
    const a = await plain.client.callTool({
      name: "get_week_logs",
      arguments: { week_starting: monday },
    });
    const b = await apps.client.callTool({
      name: "get_week_logs",
      arguments: { week_starting: monday },
    });
    assert.deepEqual(a, b);
    assert.equal(a._meta, undefined);
    assert.match((a.content as { text: string }[])[0].text, /^Week of /);
    const months = await Promise.all(
      [plain, apps].map((x) =>
        x.client.callTool({ name: "get_month_logs", arguments: { year: 2026, month: 11 } })
      ),
    );
    assert.deepEqual(months[0], months[1]);
  } finally {
    await plain.close();
    await apps.close();
  }
});

Deno.test({
  ...browserTest(
    "apps: the month view colours each day as the sandbox's records say, and opens a day's week",
  ),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const holiday = "2026-11-04"; // a Wednesday of the seeded completed week (8 h logged)
    await withHost(async ({ app, open, h, email, page }) => {
      // A short day: the current week's Tuesday set to 3 h (the seed logs 8 h there).
      const short = "2026-11-24";
      const set = await h.call("create_or_update_log", {
        date: short,
        project_id: 41,
        description: "Feature work",
        hours: 3,
      });
      assert.equal(set.isError, false, set.text);
      assert.equal(await open("get_month_logs", { year: 2026, month: 11 }), true);
      await app.locator(".calendar").waitFor();
      const today = h.erp.fixtures.today;
      // Independently of the server: each November day's status from the stored records.
      const statuses = new Map<string, string>();
      for (let d = Temporal.PlainDate.from("2026-11-01"); d.month === 11; d = d.add({ days: 1 })) {
        const date = d.toString();
        const week = h.erp.weekLog(email, d.subtract({ days: d.dayOfWeek - 1 }).toString());
        const total = week ? storedDay(week, date) : 0;
        statuses.set(
          date,
          d.dayOfWeek >= 6
            ? "weekend"
            : date === holiday
            ? "holiday"
            : date > today
            ? "future"
            : total >= 480
            ? "full"
            : total > 0
            ? "short"
            : "empty",
        );
      }
      for (const [date, status] of statuses) {
        const day = app.locator(`button.day[data-date="${date}"]`);
        assert.equal(await day.getAttribute("data-status"), status, date);
        assert.match(await day.getAttribute("class") ?? "", new RegExp(`status-${status}`));
      }
      // The four kinds the issue names are all there.
      assert.equal(statuses.get(holiday), "holiday");
      assert.equal(statuses.get(short), "short");
      assert.equal(statuses.get("2026-11-10"), "empty"); // the seeded week without a log
      assert.equal(statuses.get("2026-11-03"), "full");
      // Week states along the side, from the stored week logs.
      for (const monday of ["2026-11-02", "2026-11-09", "2026-11-23"]) {
        const week = h.erp.weekLog(email, monday);
        const want = !week ? "no week log" : week.isCompleted ? "completed" : "draft";
        const cell = app.locator(`td[data-week="${monday}"] .badge`);
        assert.equal(await cell.innerText(), want, monday);
      }
      // Totals by project inside November, from the stored records; the month total is
      // get_month_logs' own.
      const byTeam = new Map<string, number>();
      for (let m = Temporal.PlainDate.from("2026-10-26"); m.month !== 12; m = m.add({ days: 7 })) {
        for (const p of h.erp.weekLog(email, m.toString())?.projects ?? []) {
          for (const t of p.tasks) {
            for (const d of t.days) {
              if (!d.date.startsWith("2026-11")) continue;
              byTeam.set(p.team, (byTeam.get(p.team) ?? 0) + d.hours * 60 + d.minutes);
            }
          }
        }
      }
      for (const [team, minutes] of byTeam) {
        const bar = app.locator(`.bars li[data-project="${team}"] .num`);
        assert.equal(await bar.innerText(), hm(minutes), team);
      }
      const tool = await h.call("get_month_logs", { year: 2026, month: 11 });
      const t = tool.data.total_in_month;
      assert.equal(
        await app.locator("#total").innerText(),
        `Total ${hm(t.hours * 60 + t.minutes)}`,
      );
      if (screenshots) {
        await page.locator("#app").screenshot({ path: `${screenshots}/month-light.png` });
      }
      // A day opens its week in the grid.
      await app.locator(`button.day[data-date="2026-11-03"]`).click();
      await app.locator("#title", { hasText: "Week of 2026-11-02 to 2026-11-08" }).waitFor();
      await app.locator("#grid table").waitFor();
    }, {
      env: { MCP_HOLIDAYS: "/holidays.txt" },
      files: { "/holidays.txt": `${holiday}\n` },
      // The server's today is the sandbox's (its seed is built around it).
      now: () => Temporal.Instant.from("2026-11-25T12:00:00Z"),
    });
  },
});

Deno.test({
  ...browserTest("apps: get_missing_days shows its month (or its week), copy_week its target week"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withHost(async ({ app, open, weeks, stored }) => {
      await open("get_missing_days", { start_date: "2026-11-01", end_date: "2026-11-30" });
      await app.locator("#title", { hasText: "November 2026" }).waitFor();
      await open("get_missing_days", {
        start_date: weeks.draft,
        end_date: addDays(weeks.draft, 4),
      });
      await app.locator("#title", { hasText: `Week of ${weeks.draft}` }).waitFor();
      const before = JSON.stringify(stored(weeks.missingProject));
      await open("copy_week", {
        from_week: weeks.draft,
        to_week: weeks.missingProject,
        dry_run: true,
      });
      await app.locator("#title", { hasText: `Week of ${weeks.missingProject}` }).waitFor();
      assert.equal(
        JSON.stringify(stored(weeks.missingProject)),
        before,
        "a preview writes nothing",
      );
    });
  },
});

Deno.test({
  ...browserTest(
    "apps: in a narrow chat column the grid scrolls inside its box, the page does not",
  ),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withHost(async ({ app, open, weeks, page }) => {
      await page.setViewportSize({ width: 380, height: 700 });
      await open("get_week_logs", { week_starting: weeks.draft });
      const widths = await app.locator("html").evaluate((html) => ({
        page: html.scrollWidth,
        view: html.clientWidth,
        // deno-lint-ignore no-explicit-any
        box: (html as any).ownerDocument.querySelector(".scroll").scrollWidth as number,
      }));
      assert.ok(widths.view <= 380, JSON.stringify(widths));
      assert.ok(
        widths.page <= widths.view,
        `the page itself scrolls sideways: ${JSON.stringify(widths)}`,
      );
      assert.ok(widths.box > widths.view, `the grid keeps its columns: ${JSON.stringify(widths)}`);
      // The month at 320 px: every week state is shown whole (it was cut to "draf", "com").
      await page.setViewportSize({ width: 320, height: 700 });
      await open("get_month_logs", { year: Number(weeks.draft.slice(0, 4)), month: 11 });
      await app.locator(".calendar .badge").first().waitFor();
      const cut = await app.locator(".calendar .badge").evaluateAll((els) =>
        els.filter((e) =>
          e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right >
            (e.closest("td")?.getBoundingClientRect().right ?? Infinity) + 1
        ).map((e) => e.textContent)
      );
      assert.deepEqual(cut, [], "week states cut at 320 px");
    });
  },
});

Deno.test({
  ...browserTest("apps: a tool's error shows the message alone, with no grid or buttons to press"),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withHost(async ({ app, page }) => {
      await page.evaluate(() =>
        // deno-lint-ignore no-explicit-any
        (globalThis as any).openApp("get_week_logs", { week_starting: "abc" }, "light")
      );
      await app.locator("#status.error", { hasText: /week_starting "abc"/ }).waitFor();
      for (const name of ["Save", "Submit week…", "Add row"]) {
        assert.equal(await app.getByRole("button", { name }).isVisible(), false, name);
      }
    });
  },
});

Deno.test({
  ...browserTest(
    "apps: unsaved edits are never dropped silently: Month asks, a new answer keeps them",
  ),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withHost(async ({ app, open, weeks, page }) => {
      const monday = weeks.draft;
      await open("get_week_logs", { week_starting: monday });
      const cell = app.getByLabel(CELL("Feature work", "Coding", monday), { exact: true });
      await cell.fill("7:00");
      await cell.press("Tab");
      await app.getByRole("button", { name: "Month" }).click();
      await app.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
      assert.equal(await cell.inputValue(), "7:00", "Cancel keeps the edit and the week");
      // The conversation shows another week meanwhile: the edit stays, the view says why.
      await page.evaluate((week) =>
        // deno-lint-ignore no-explicit-any
        (globalThis as any).bridge.sendToolResult({
          content: [{ type: "text", text: "another week" }],
          structuredContent: { week_starting: week },
        }), weeks.completed);
      await app.locator("#status", { hasText: "unsaved change(s) kept" }).waitFor();
      assert.equal(await cell.inputValue(), "7:00");
    });
  },
});
