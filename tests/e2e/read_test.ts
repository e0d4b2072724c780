/** The read tools through a real MCP client against the sandbox ERP over HTTP. */
import assert from "node:assert/strict";
import type { RecordedCall } from "../../src/sandbox/erp.ts";
import { type Harness, harness, needsSession, withHarness } from "../helpers.ts";

const ALICE = "alice@example.com";

/** Alice's stored day records from `from` to `to` (ISO, inclusive), read from the sandbox. */
function storedDays(h: Harness, from: string, to: string): { date: string; minutes: number }[] {
  const out: { date: string; minutes: number }[] = [];
  let monday = Temporal.PlainDate.from(from);
  monday = monday.subtract({ days: monday.dayOfWeek - 1 });
  for (; monday.toString() <= to; monday = monday.add({ days: 7 })) {
    const week = h.erp.weekLog(ALICE, monday.toString());
    for (const d of week?.projects.flatMap((p) => p.tasks.flatMap((t) => t.days)) ?? []) {
      if (d.date >= from && d.date <= to) {
        out.push({ date: d.date, minutes: d.hours * 60 + d.minutes });
      }
    }
  }
  return out;
}

/**
 * Resolves with the first call the sandbox records that matches `pred` (when it answers it, or
 * records it abandoned): an event to wait for instead of polling `h.erp.calls`.
 */
function recorded(h: Harness, pred: (c: RecordedCall) => boolean): Promise<RecordedCall> {
  const found = h.erp.calls.find(pred);
  if (found) return Promise.resolve(found);
  const { promise, resolve } = Promise.withResolvers<RecordedCall>();
  const calls = h.erp.calls;
  const push = calls.push.bind(calls);
  calls.push = (...items: RecordedCall[]) => {
    const n = push(...items);
    const hit = items.find(pred);
    if (hit) resolve(hit);
    return n;
  };
  return promise;
}

Deno.test("get_week_logs: any date selects its Monday, entries carry ids and names", async () => {
  await withHarness({}, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    const thursday = Temporal.PlainDate.from(draft).add({ days: 3 }).toString();
    const r = await h.call("get_week_logs", { week_starting: thursday });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.week_starting, draft);
    assert.equal(r.data.week.week_starting, draft);
    assert.equal(r.data.week.is_completed, false);
    const e = r.data.week.entries[0];
    assert.equal(e.project, "Client X / Backend");
    assert.equal(e.team_id, 41);
    assert.equal(e.label, "Coding");
    assert.equal(typeof e.entry_id, "number");
    assert.equal(r.data.week.total.hours, 32);
    assert.match(r.text, new RegExp(`Week of ${draft}`));
  });
});

for (
  const variant of [
    { name: "envelope + display dates", sandbox: {} },
    {
      name: "flat list + ISO dates",
      sandbox: { listShape: "flat" as const, dateStyle: "iso" as const },
    },
    { name: "decimal_hours as numbers", sandbox: { decimalAsString: false } },
  ]
) {
  Deno.test(`get_week_logs across the year boundary: ${variant.name}`, async () => {
    await withHarness({ sandbox: variant.sandbox }, async (h) => {
      const r = await h.call("get_week_logs", { week_starting: "2026-01-01" });
      assert.equal(r.isError, false, r.text);
      assert.equal(r.data.week_starting, "2025-12-29");
      assert.equal(r.data.week_ending, "2026-01-04");
      const dates = r.data.week.entries.map((e: { date: string }) => e.date);
      assert.deepEqual(dates, ["2025-12-29", "2025-12-30", "2026-01-02"]);
    });
  });
}

Deno.test("get_week_logs: a week without a log says so, not an error", async () => {
  await withHarness({}, async (h) => {
    const r = await h.call("get_week_logs", { week_starting: h.erp.fixtures.weeks.withoutLog });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.week, null);
    assert.match(r.text, /No week log/);
  });
});

Deno.test("get_week_logs: an impossible date is a clear error and costs no request", async () => {
  await withHarness({}, async (h) => {
    let r!: Awaited<ReturnType<typeof h.call>>;
    const n = await h.countCalls(async () =>
      r = await h.call("get_week_logs", { week_starting: "2026-02-30" })
    );
    assert.equal(r.isError, true);
    assert.match(r.text, /"2026-02-30".*not a date/);
    assert.equal(n, 0);
  });
});

Deno.test("get_week_logs: repeated reads reuse the cached week id and lists", {
  ignore: needsSession("the session's week-id cache and h.session"),
}, async () => {
  await withHarness({}, async (h) => {
    const week = h.erp.fixtures.weeks.draft;
    await h.call("get_week_logs", { week_starting: week });
    const n = await h.countCalls(() => h.call("get_week_logs", { week_starting: week }));
    assert.equal(n, 1, "only the week detail is fetched again");
  });
});

Deno.test("get_day_logs: per-project totals and the day total", async () => {
  await withHarness({}, async (h) => {
    const day = h.erp.fixtures.weeks.draft;
    const r = await h.call("get_day_logs", { date: day });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.date, day);
    assert.equal(r.data.weekday, "Monday");
    assert.equal(r.data.total_logged_time.hours, 8);
    assert.equal(r.data.projects[0].entries.length >= 1, true);
  });
});

Deno.test("get_day_logs: minutes carry into hours", async () => {
  await withHarness({}, async (h) => {
    // Today is empty in the seed.
    const today = h.erp.fixtures.today;
    for (const d of ["a", "b"]) {
      const r = await h.call("create_or_update_log", {
        date: today,
        project_id: 42,
        description: d,
        hours: 0.75,
      });
      assert.equal(r.isError, false, r.text);
    }
    const r = await h.call("get_day_logs", { date: today });
    assert.deepEqual(r.data.total_logged_time, { hours: 1, minutes: 30, decimal_hours: 1.5 });
  });
});

Deno.test("get_logs_for_date_range: entries by day, each week once, concurrently", async () => {
  await withHarness({}, async (h) => {
    const { completed, current } = h.erp.fixtures.weeks;
    await h.call("whoami"); // the token check is not part of the read
    let r!: Awaited<ReturnType<typeof h.call>>;
    const n = await h.countCalls(async () =>
      r = await h.call("get_logs_for_date_range", {
        start_date: completed,
        end_date: h.erp.fixtures.today,
      })
    );
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.complete, true);
    const weeks = r.data.weeks.map((w: { week_starting: string; status: string }) =>
      `${w.week_starting}:${w.status}`
    );
    assert.equal(weeks.length, 4);
    assert.ok(weeks.includes(`${h.erp.fixtures.weeks.withoutLog}:no_log`));
    assert.ok(
      r.data.entries.every((e: { date: string }) =>
        e.date >= completed && e.date <= h.erp.fixtures.today
      ),
    );
    assert.ok(r.data.entries.some((e: { date: string }) => e.date >= current));
    const shown = r.data.entries.map((e: { date: string; hours: number; minutes: number }) =>
      `${e.date} ${e.hours * 60 + e.minutes}`
    );
    assert.deepEqual(
      shown.sort(),
      storedDays(h, completed, h.erp.fixtures.today).map((d) => `${d.date} ${d.minutes}`).sort(),
      "every stored day of the range, from the sandbox's records",
    );
    const ids = r.data.entries.map((e: { entry_id: number }) => e.entry_id);
    assert.equal(new Set(ids).size, ids.length, "no entry twice");
    // list?year once, 3 week details, projects and labels.
    assert.ok(n <= 6, `${n} requests`);
  });
});

for (
  const c of [
    { start: "2026-03-01", end: "2026-02-01", re: /end_date is before start_date/ },
    { start: "2025-01-01", end: "2026-06-01", re: /more than the 366 allowed/ },
    { start: "2026-13-01", end: "2026-12-01", re: /start_date "2026-13-01": not a date/ },
  ]
) {
  Deno.test(`get_logs_for_date_range refuses ${c.start}..${c.end}`, async () => {
    await withHarness({}, async (h) => {
      const r = await h.call("get_logs_for_date_range", { start_date: c.start, end_date: c.end });
      assert.equal(r.isError, true);
      assert.match(r.text, c.re);
    });
  });
}

Deno.test("get_logs_for_date_range: a week the ERP fails to return is listed as failed", {
  ignore: needsSession("the session's week-id cache and h.session"),
}, async () => {
  await withHarness({}, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    await h.call("get_week_logs", { week_starting: draft }); // learn the id
    const id = h.session.weekIds.get(draft)!;
    h.erp.injectFault({
      pathIncludes: `person/get/${id}/`,
      status: 500,
      body: "<html>boom</html>",
      contentType: "text/html",
      times: 3,
    });
    const end = Temporal.PlainDate.from(draft).add({ days: 13 }).toString();
    const r = await h.call("get_logs_for_date_range", { start_date: draft, end_date: end });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.complete, false);
    const failed = r.data.weeks.find((w: { status: string }) => w.status === "failed");
    assert.equal(failed.week_starting, draft);
    assert.match(failed.error, /non-JSON body/);
    assert.doesNotMatch(r.text, /<html>/);
  });
});

Deno.test("get_month_logs: the month's weeks with entries, month total inside the month only", async () => {
  await withHarness({ sandbox: { monthListKey: "results" } }, async (h) => {
    // The seed's January days are all 8 h; a week ending in February adds minutes on both sides.
    h.erp.addWeekLog(ALICE, "2026-01-26", [
      {
        date: "2026-01-30",
        teamId: 42,
        description: "Month end",
        hours: 1,
        minutes: 45,
        label: 35,
      },
      { date: "2026-02-01", teamId: 41, description: "February", hours: 2, minutes: 20, label: 34 },
    ]);
    let r!: Awaited<ReturnType<typeof h.call>>;
    const n = await h.countCalls(async () =>
      r = await h.call("get_month_logs", { year: 2026, month: 1 })
    );
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.weeks[0].week_starting, "2025-12-29");
    // From the sandbox's stored records: the days of January only (the weeks around it hold
    // 2025-12-29, 2025-12-30 and, in February's first week, days outside January).
    const stored = storedDays(h, "2026-01-01", "2026-01-31");
    assert.ok(storedDays(h, "2025-12-29", "2025-12-31").length > 0, "the seed has December days");
    assert.ok(storedDays(h, "2026-02-01", "2026-02-01").length > 0, "and a February day");
    const storedMinutes = stored.reduce((s, d) => s + d.minutes, 0);
    assert.ok(storedMinutes > 0, "the seed has January days");
    const shown = r.data.entries.map((e: { date: string; hours: number; minutes: number }) =>
      `${e.date} ${e.hours * 60 + e.minutes}`
    );
    assert.deepEqual(shown.sort(), stored.map((d) => `${d.date} ${d.minutes}`).sort());
    const total = r.data.total_in_month;
    assert.equal(total.hours * 60 + total.minutes, storedMinutes);
    assert.ok(n <= 2 + r.data.weeks.length + 2, `${n} requests`);
  });
});

Deno.test("get_active_projects and get_log_labels: cached for the session", async () => {
  await withHarness({}, async (h) => {
    const p = await h.call("get_active_projects");
    assert.equal(p.data.projects.length, 5);
    const l = await h.call("get_log_labels");
    assert.ok(
      l.data.labels.some((x: { id: number; name: string }) => x.id === 34 && x.name === "Coding"),
    );
    const n = await h.countCalls(async () => {
      await h.call("get_active_projects");
      await h.call("get_log_labels");
    });
    assert.equal(n, 0);
  });
});

Deno.test("check_person_week_project_exists: true only when that week has that team", async () => {
  await withHarness({}, async (h) => {
    const { missingProject, missingProjectTeamId, draft, withoutLog } = h.erp.fixtures.weeks;
    const yes = await h.call("check_person_week_project_exists", { date: draft, project_id: 41 });
    assert.equal(yes.data.exists, true);
    const no = await h.call("check_person_week_project_exists", {
      date: missingProject,
      project_id: missingProjectTeamId,
    });
    assert.equal(no.data.exists, false);
    assert.equal(no.data.week_log_exists, true);
    const none = await h.call("check_person_week_project_exists", {
      date: withoutLog,
      project_name: "Mobile App",
    });
    assert.equal(none.data.exists, false);
    assert.equal(none.data.week_log_exists, false);
  });
});

Deno.test("reads: an email naming someone else is refused", async () => {
  await withHarness({}, async (h) => {
    const r = await h.call("get_week_logs", {
      week_starting: "2026-11-23",
      email: "bob@other.test",
    });
    assert.equal(r.isError, true);
    assert.match(r.text, /Cannot act for "bob@other.test"/);
    const ok = await h.call("get_week_logs", {
      week_starting: "2026-11-23",
      email: "ALICE@example.com",
    });
    assert.equal(ok.isError, false, ok.text);
  });
});

Deno.test("reads: an ERP that is down is a clear error, an HTML answer never reaches the model", async () => {
  const h = await harness({});
  try {
    h.erp.injectFault({
      pathIncludes: "person/list/",
      status: 502,
      body: "<html><body>Bad gateway</body></html>",
      contentType: "text/html",
      times: 5,
    });
    const r = await h.call("get_week_logs", { week_starting: "2026-11-23" });
    assert.equal(r.isError, true);
    assert.match(r.text, /ERP answered 502 with a non-JSON body/);
    assert.doesNotMatch(r.text, /<html>|Bad gateway/);
  } finally {
    await h.close();
  }
});

Deno.test("reads: a slow ERP times out with a message saying so", async () => {
  await withHarness({ env: { ERP_TIMEOUT_SECONDS: "0.2" } }, async (h) => {
    await h.call("whoami");
    h.erp.injectFault({ pathIncludes: "person/list/", delayMs: 1000, times: 3 });
    const r = await h.call("get_week_logs", { week_starting: "2026-11-23" });
    assert.equal(r.isError, true);
    assert.match(r.text, /did not answer .* within 0.2 s/);
  });
});

Deno.test("a client's cancellation aborts the ERP requests in flight", async () => {
  await withHarness({}, async (h) => {
    await h.call("whoami");
    h.erp.injectFault({ pathIncludes: "person/list/", delayMs: 10_000 });
    const seen = Promise.withResolvers<void>();
    h.erp.onRequest = (c) => {
      if (c.path.includes("person/list/")) seen.resolve();
    };
    const controller = new AbortController();
    const call = h.client.callTool(
      { name: "get_week_logs", arguments: { week_starting: "2026-11-23" } },
      undefined,
      { signal: controller.signal },
    );
    // Settles when the sandbox records the delayed request: at once if the server abandons it,
    // after the 10 s delay (answered, not aborted) if it does not.
    const answered = recorded(h, (c) => c.path.includes("person/list/"));
    await seen.promise;
    controller.abort();
    await assert.rejects(call);
    const listCall = await answered;
    assert.equal(listCall.aborted, true, "the sandbox saw the request abandoned");
    assert.equal(listCall.status, 499);
    assert.equal(listCall.path, "project-logs/person/list/");
  });
});

Deno.test("get_logs_for_date_range: a week in a shape the server cannot read fails alone", {
  ignore: needsSession("the session's week-id cache and h.session"),
}, async () => {
  await withHarness({}, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    await h.call("get_week_logs", { week_starting: draft });
    const id = h.session.weekIds.get(draft)!;
    h.erp.injectFault({
      pathIncludes: `person/get/${id}/`,
      status: 200,
      body: JSON.stringify({
        id,
        week_starting: draft,
        projects: [{
          id: 1,
          team: "T",
          subteam: "T",
          tasks: [{ id: 2, description: "d", days: [{ id: 3, date: "n/a", hours: 1 }] }],
        }],
      }),
    });
    const end = Temporal.PlainDate.from(draft).add({ days: 13 }).toString();
    const r = await h.call("get_logs_for_date_range", { start_date: draft, end_date: end });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.complete, false);
    const failed = r.data.weeks.filter((w: { status: string }) => w.status === "failed");
    assert.deepEqual(failed.map((w: { week_starting: string }) => w.week_starting), [draft]);
  });
});
