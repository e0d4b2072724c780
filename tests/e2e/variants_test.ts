/**
 * The ERP variants seen from other clients (erp-api.md, "Variants seen from other clients"), each
 * switched on in the sandbox and driven through a real MCP client over HTTP.
 */
import assert from "node:assert/strict";
import { type Harness, TODAY, withHarness } from "../helpers.ts";
import type { WeekLogRecord } from "../../src/sandbox/types.ts";

const NO_CONFIRM = { MCP_NO_CONFIRM: "true" };
const ALICE = "alice@example.com";

/** `date description H:MM label` of every stored day of alice's week, from the sandbox. */
function stored(h: Harness, monday: string): string[] {
  const week: WeekLogRecord | undefined = h.erp.weekLog(ALICE, monday);
  assert.ok(week, `the sandbox holds the week of ${monday}`);
  return week.projects.flatMap((p) =>
    p.tasks.flatMap((t) =>
      t.days.map((d) => `${d.date} ${t.description} ${d.hours}:${d.minutes} ${d.label}`)
    )
  ).sort();
}

/** The requests made to the sandbox during `fn`, as `METHOD path`. */
async function requestsDuring(h: Harness, fn: () => Promise<unknown>): Promise<string[]> {
  const before = h.erp.calls.length;
  await fn();
  return h.erp.calls.slice(before).map((c) => `${c.method} ${c.path}`);
}

// ---- a list or month-list body that is a JSON string ----

for (const listShape of ["envelope", "flat"] as const) {
  Deno.test(`a week list sent as a JSON string (${listShape}) is read: get_week_logs and get_month_logs`, async () => {
    await withHarness({ sandbox: { listAsJsonString: true, listShape } }, async (h) => {
      const { draft } = h.erp.fixtures.weeks;
      const week = await h.call("get_week_logs", { week_starting: draft });
      assert.equal(week.isError, false, week.text);
      assert.equal(week.data.week.week_starting, draft);
      assert.equal(week.data.week.week_log_id, h.erp.weekLog(ALICE, draft)!.id);
      assert.equal(week.data.week.entries.length, stored(h, draft).length);

      const month = Temporal.PlainDate.from(draft);
      const m = await h.call("get_month_logs", { year: month.year, month: month.month });
      assert.equal(m.isError, false, m.text);
      assert.equal(m.data.failed_weeks.length, 0);
      assert.ok(
        m.data.weeks.some((w: { week_starting: string }) => w.week_starting === draft),
        m.text,
      );
    });
  });
}

// ---- a save answered with something other than the week log ----

for (const saveAnswer of ["saved", "status", "empty"] as const) {
  Deno.test(`a save answered "${saveAnswer}" is confirmed by re-reading the week: create, update, delete, fill`, async () => {
    await withHarness({ sandbox: { saveAnswer }, env: NO_CONFIRM }, async (h) => {
      const monday = h.erp.fixtures.weeks.current;
      const today = TODAY.toString();

      let created!: Awaited<ReturnType<typeof h.call>>;
      const requests = await requestsDuring(h, async () => {
        created = await h.call("create_or_update_log", {
          date: today,
          project_id: 44,
          description: "Spike",
          hours: 1.5,
          label_name: "R&D",
        });
      });
      assert.equal(created.isError, false, created.text);
      assert.equal(created.data.status, "created");
      assert.ok(stored(h, monday).includes(`${today} Spike 1:30 44`));
      // The entry id comes from the week as re-read after the save, never guessed.
      const id = created.data.entry.entry_id;
      const storedId = h.erp.weekLog(ALICE, monday)!.projects.flatMap((p) => p.tasks)
        .find((t) => t.description === "Spike")!.days[0].id;
      assert.equal(id, storedId);
      const save = requests.findIndex((r) => r.startsWith("PATCH") && r.includes("/save/"));
      assert.ok(save >= 0, requests.join("\n"));
      assert.match(requests[save + 1] ?? "", /^GET project-logs\/person\/get\/\d+\/$/);

      const updated = await h.call("update_log", { entry_id: id, date: today, hours: 2.25 });
      assert.equal(updated.isError, false, updated.text);
      assert.ok(stored(h, monday).includes(`${today} Spike 2:15 44`));

      const deleted = await h.call("delete_log", { entry_id: id, date: today });
      assert.equal(deleted.isError, false, deleted.text);
      assert.equal(deleted.data.status, "deleted");
      assert.ok(!stored(h, monday).some((e) => e.includes("Spike")));

      // Two days of one week: one save, both reported written.
      const { draft } = h.erp.fixtures.weeks;
      const friday = Temporal.PlainDate.from(draft).add({ days: 4 }).toString();
      const saturday = Temporal.PlainDate.from(draft).add({ days: 5 }).toString();
      const fill = await h.call("fill_logs_for_days", {
        start_date: friday,
        end_date: saturday,
        project_id: 42,
        description: "Catch-up",
        hours_per_day: 2,
        label_name: "Coding",
        skip_weekends: false,
      });
      assert.equal(fill.isError, false, fill.text);
      assert.equal(fill.data.written, 2, fill.text);
      assert.equal(fill.data.failed, 0, fill.text);
      assert.match(fill.text, /2 days written, 0 skipped, 0 failed/);
      const after = stored(h, draft);
      assert.ok(after.includes(`${friday} Catch-up 2:0 34`));
      assert.ok(after.includes(`${saturday} Catch-up 2:0 34`));
    });
  });
}

Deno.test("a save answered {saved: true} whose re-read fails is reported unconfirmed, never failed", async () => {
  await withHarness({ sandbox: { saveAnswer: "saved" } }, async (h) => {
    const today = TODAY.toString();
    await h.call("get_week_logs", { week_starting: today });
    // Every read of the week after the save fails (the first read and its two retries, twice).
    h.erp.onRequest = (c) => {
      if (c.method === "PATCH" && c.path.includes("/save/")) {
        h.erp.injectFault({ method: "GET", pathIncludes: "/get/", status: 503, times: 6 });
      }
    };
    const r = await h.call("create_or_update_log", {
      date: today,
      project_id: 44,
      description: "Spike",
      hours: 1,
    });
    assert.equal(r.isError, true);
    assert.match(r.text, /did not confirm the save/);
    assert.match(r.text, /what is stored is unknown/);
    assert.doesNotMatch(r.text, /Internal error/);
    // It was saved all the same.
    assert.ok(stored(h, h.erp.fixtures.weeks.current).some((e) => e.includes("Spike 1:0")));
  });
});

// ---- the Slack endpoint's success path ----

Deno.test("the Slack path succeeds when the ERP accepts: the minutes sent follow the rounding rule", async () => {
  await withHarness({ sandbox: { slackAccepts: true }, env: NO_CONFIRM }, async (h) => {
    const day = h.erp.fixtures.weeks.withoutLog;
    const r = await h.call("create_or_update_log", {
      date: day,
      project_id: 41,
      description: "Offline work",
      hours: 1.025, // 61.5 min: a tie, which goes to the later minute
      label_name: "Meeting",
    });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.path, "slack");
    assert.equal(h.erp.slackReceived.length, 1);
    assert.deepEqual(h.erp.slackReceived[0], {
      user: ALICE,
      body: {
        email: ALICE,
        logs: [{
          date: day,
          time_spent: "01:02",
          description: "Offline work",
          subteam: 41,
          label_id: 37,
        }],
      },
    });

    const wednesday = Temporal.PlainDate.from(day).add({ days: 2 }).toString();
    const fill = await h.call("fill_logs_for_days", {
      start_date: day,
      end_date: wednesday,
      project_id: 42,
      description: "Offline fill",
      hours_per_day: 2.675, // 160.5 min: a tie
    });
    assert.equal(fill.isError, false, fill.text);
    assert.equal(h.erp.slackReceived.length, 2);
    // deno-lint-ignore no-explicit-any
    const logs = (h.erp.slackReceived[1].body as any).logs;
    assert.deepEqual(
      logs.map((l: { date: string; time_spent: string }) => [l.date, l.time_spent]),
      [0, 1, 2].map((i) => [Temporal.PlainDate.from(day).add({ days: i }).toString(), "02:41"]),
    );
  });
});

// ---- size-capped answers ----

Deno.test("a 64 MiB ERP answer is refused with a clear error, not buffered", async () => {
  await withHarness({ sandbox: { hugeBodyBytes: 64 * 1024 * 1024 } }, async (h) => {
    const r = await h.call("get_week_logs", { week_starting: h.erp.fixtures.weeks.draft });
    assert.equal(r.isError, true);
    assert.match(r.text, /ERP answered GET project-logs\/person\/list\/ with a body over 4 MiB/);
    // The session still works once the ERP answers normally again.
    h.erp.hugeBodyBytes = undefined;
    const ok = await h.call("get_week_logs", { week_starting: h.erp.fixtures.weeks.draft });
    assert.equal(ok.isError, false, ok.text);
  });
});

// ---- ERP error text never carries the token ----

Deno.test("an ERP 400 that echoes the Authorization header reaches the model without the token", async () => {
  await withHarness({ sandbox: { echoAuthorization: true }, env: NO_CONFIRM }, async (h) => {
    const token = h.erp.fixtures.users.alice.token;
    const { draft } = h.erp.fixtures.weeks;
    const friday = Temporal.PlainDate.from(draft).add({ days: 4 }).toString();
    // An unknown label id (labels not cached yet) is refused by the ERP at save time: a 400.
    const r = await h.call("fill_logs_for_days", {
      start_date: friday,
      end_date: friday,
      project_id: 41,
      description: "Echo",
      hours_per_day: 1,
      label_id: 999,
    });
    const refused = h.erp.calls.find((c) => c.status === 400);
    assert.ok(refused, "the ERP refused the save with a 400");
    assert.equal(r.isError, true, r.text);
    assert.match(r.text, /Invalid pk "999"/);
    assert.match(r.text, /Authorization: Token \[redacted\]/);
    assert.ok(!r.text.includes(token), `the token leaked: ${r.text}`);
    assert.ok(!JSON.stringify(r.data ?? {}).includes(token), "the token leaked into the data");
  });
});
