/**
 * fill_logs_for_days through a real MCP client: never double-books by default, top_up reaches the
 * hours exactly, calendar rules with reasons, every_day keeps the original behaviour, one read and
 * one save per week. Expectations come from the sandbox's stored records, never from the result.
 */
import assert from "node:assert/strict";
import { type Harness, TODAY, withHarness } from "../helpers.ts";
import { storedTotals } from "./fill_helpers.ts";

const NO_CONFIRM = { MCP_NO_CONFIRM: "true" };

const plus = (monday: string, days: number) =>
  Temporal.PlainDate.from(monday).add({ days }).toString();
const isWeekend = (date: string) => Temporal.PlainDate.from(date).dayOfWeek >= 6;
const writes = (h: Harness) => h.erp.calls.filter((c) => c.method !== "GET").length;

Deno.test("fill_logs_for_days over four weeks costs at most 2 requests per week plus 3", async () => {
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    const { completed } = h.erp.fixtures.weeks;
    const start = Temporal.PlainDate.from(completed).subtract({ weeks: 1 }); // 4 weeks with logs or not
    const end = start.add({ days: 27 });
    let r!: Awaited<ReturnType<typeof h.call>>;
    const n = await h.countCalls(async () =>
      r = await h.call("fill_logs_for_days", {
        start_date: start.toString(),
        end_date: end.toString(),
        project_name: "Client X / Frontend",
        description: "Sprint work",
        hours_per_day: 1,
        skip_weekends: true,
      })
    );
    assert.ok(n <= 2 * 4 + 3, `${n} requests`);
    assert.equal(r.data.days.length, 28);
    assert.ok(r.data.written > 0, r.text);
  });
});

Deno.test("fill_logs_for_days: a week already full writes nothing; the default fills only empty weekdays", async () => {
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    const before = storedTotals(h, draft);
    const empty = [...before].filter(([d, m]) => m === 0 && !isWeekend(d)).map(([d]) => d);
    assert.ok(empty.length > 0 && empty.length < 5, "the seed's draft week is partly full");
    const args = {
      start_date: draft,
      end_date: plus(draft, 6),
      project_id: 42,
      description: "Sprint work",
      hours_per_day: 8,
    };
    const first = await h.call("fill_logs_for_days", args);
    assert.equal(first.isError, false, first.text);
    const after = storedTotals(h, draft);
    for (const [date, minutes] of before) {
      const expected = empty.includes(date) ? 8 * 60 : minutes;
      assert.equal(after.get(date), expected, `${date} holds what it should`);
    }
    const written = first.data.days.filter((d: { status: string }) => d.status === "written");
    assert.deepEqual(written.map((d: { date: string }) => d.date), empty);
    for (const d of first.data.days) {
      if (isWeekend(d.date)) assert.equal(d.reason, "weekend", d.date);
    }
    assert.match(first.text, /weekends skipped \(default/);

    // Now the week is full: a second fill writes nothing, and sends no save at all.
    const saves = writes(h);
    const second = await h.call("fill_logs_for_days", args);
    assert.equal(second.isError, false, second.text);
    assert.equal(writes(h), saves, "no save sent");
    assert.deepEqual(storedTotals(h, draft), after);
    for (const d of second.data.days.filter((d: { date: string }) => !isWeekend(d.date))) {
      assert.equal(d.status, "skipped", d.date);
      assert.deepEqual(d.held, { hours: 8, minutes: 0, decimal_hours: 8 }, d.date);
    }
  });
});

Deno.test("fill_logs_for_days: top_up brings each day of a half-filled week to exactly 8 h", async () => {
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    // Half-fill the seed's draft week: Monday 8 h (seed) + nothing, Friday gets 3 h elsewhere
    // and 2 h of the same task, so top_up must extend an entry and add beside others.
    const friday = plus(draft, 4);
    for (
      const e of [
        { date: friday, project_id: 41, description: "Meetings", hours: 3 },
        { date: friday, project_id: 42, description: "Sprint work", hours: 2 },
      ]
    ) {
      const r = await h.call("create_or_update_log", e);
      assert.equal(r.isError, false, r.text);
    }
    const before = storedTotals(h, draft);
    assert.equal(before.get(friday), 5 * 60);
    const r = await h.call("fill_logs_for_days", {
      start_date: draft,
      end_date: plus(draft, 4),
      project_id: 42,
      description: "Sprint work",
      hours_per_day: 8,
      mode: "top_up",
    });
    assert.equal(r.isError, false, r.text);
    const after = storedTotals(h, draft);
    for (let i = 0; i < 5; i++) {
      assert.equal(after.get(plus(draft, i)), 8 * 60, `${plus(draft, i)} holds exactly 8 h`);
    }
    const fri = r.data.days.find((d: { date: string }) => d.date === friday);
    assert.equal(fri.status, "written");
    assert.equal(fri.held.decimal_hours, before.get(friday)! / 60);
    assert.equal(fri.total_after.decimal_hours, 8);
    assert.equal(fri.adds.decimal_hours, 8 - before.get(friday)! / 60);
  });
});

Deno.test("fill_logs_for_days: a holiday and days after today are skipped with their reason", async () => {
  const files = { "/etc/holidays.json": '["2026-10-30"]' }; // the seed's draft-week Friday
  await withHarness(
    {
      env: { ...NO_CONFIRM, MCP_HOLIDAYS: "/etc/holidays.json" },
      files,
      now: () => Temporal.Instant.from(`${TODAY}T12:00:00Z`),
    },
    async (h) => {
      const { draft, current } = h.erp.fixtures.weeks;
      const holiday = plus(draft, 4);
      assert.equal(holiday, "2026-10-30", "the holidays file names the draft week's Friday");
      assert.equal(storedTotals(h, draft).get(holiday), 0, "the seed leaves the holiday empty");
      const r = await h.call("fill_logs_for_days", {
        start_date: holiday,
        end_date: holiday,
        project_id: 42,
        description: "Sprint work",
      });
      assert.equal(r.isError, false, r.text);
      assert.equal(r.data.days[0].status, "skipped");
      assert.match(r.data.days[0].reason, /holiday/);
      assert.equal(storedTotals(h, draft).get(holiday), 0, "nothing written on the holiday");

      // Asked for, the holiday is filled.
      const asked = await h.call("fill_logs_for_days", {
        start_date: holiday,
        end_date: holiday,
        project_id: 42,
        description: "Sprint work",
        include_holidays: true,
      });
      assert.equal(asked.data.days[0].status, "written", asked.text);
      assert.equal(storedTotals(h, draft).get(holiday), 8 * 60);

      // This week: today is the seed's today; the days after it are left alone.
      const today = h.erp.fixtures.today;
      const week = await h.call("fill_logs_for_days", {
        start_date: current,
        end_date: plus(current, 4),
        project_id: 42,
        description: "Sprint work",
      });
      assert.equal(week.isError, false, week.text);
      const stored = storedTotals(h, current);
      for (const d of week.data.days) {
        if (Temporal.PlainDate.compare(Temporal.PlainDate.from(d.date), today) > 0) {
          assert.equal(d.status, "skipped", d.date);
          assert.equal(d.reason, "after today");
          assert.equal(stored.get(d.date), 0, `${d.date} untouched`);
        }
      }
    },
  );
});

Deno.test("fill_logs_for_days: every_day keeps the original behaviour (adds on top of full days)", async () => {
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    const before = storedTotals(h, draft);
    const r = await h.call("fill_logs_for_days", {
      start_date: draft,
      end_date: plus(draft, 6),
      project_id: 42,
      description: "Sprint work",
      hours_per_day: 8,
      mode: "every_day",
      skip_weekends: false,
    });
    assert.equal(r.isError, false, r.text);
    assert.match(r.text, /every_day.*whatever the day already holds/);
    const after = storedTotals(h, draft);
    for (const [date, minutes] of before) {
      assert.equal(after.get(date), minutes + 8 * 60, `${date}: 8 h on top of what it held`);
    }
    assert.equal(r.data.written, 7);
    // Idempotent: the same entry with the same hours is not written twice.
    const again = await h.call("fill_logs_for_days", {
      start_date: draft,
      end_date: plus(draft, 6),
      project_id: 42,
      description: "Sprint work",
      mode: "every_day",
      skip_weekends: false,
    });
    assert.equal(again.data.written, 0);
    assert.equal(again.data.skipped, 7);
    assert.deepEqual(storedTotals(h, draft), after);
  });
});

Deno.test("fill_logs_for_days: per-day failures flagged (completed week, no week log) in every_day", async () => {
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    const { completed, withoutLog } = h.erp.fixtures.weeks;
    const r = await h.call("fill_logs_for_days", {
      start_date: completed,
      end_date: plus(withoutLog, 4),
      project_id: 42,
      description: "Sprint work",
      hours_per_day: 1,
      mode: "every_day",
    });
    assert.equal(r.isError, true, "some days failed");
    const by = (status: string) =>
      r.data.days.filter((d: { status: string }) => d.status === status);
    assert.equal(by("failed").length, 10, r.text); // completed week + week without a log
    assert.ok(by("failed").every((d: { reason: string }) => d.reason.length > 0));
    assert.equal(r.data.written, 0);
  });
});

Deno.test("fill_logs_for_days: dry_run writes nothing; over 62 days is refused", async () => {
  await withHarness({}, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    const empty = [...storedTotals(h, draft)].filter(([d, m]) => m === 0 && !isWeekend(d));
    const before = writes(h);
    const r = await h.call("fill_logs_for_days", {
      start_date: draft,
      end_date: plus(draft, 6),
      project_id: 41,
      description: "Plan",
      dry_run: true,
    });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.planned, empty.length, r.text);
    assert.equal(writes(h), before);
    const long = await h.call("fill_logs_for_days", {
      start_date: "2026-01-01",
      end_date: "2026-03-31",
      project_id: 41,
      description: "x",
    });
    assert.equal(long.isError, true);
    assert.match(long.text, /more than the 62 allowed/);
  });
});

Deno.test("fill_logs_for_days: days that would pass 24 h fail alone", async () => {
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    const { draft } = h.erp.fixtures.weeks; // Mon-Thu hold 8 h, Friday is empty
    const r = await h.call("fill_logs_for_days", {
      start_date: draft,
      end_date: plus(draft, 4),
      project_id: 42,
      description: "Long",
      hours_per_day: 20,
      mode: "every_day",
    });
    assert.equal(r.isError, true);
    assert.equal(r.data.failed, 4);
    assert.equal(r.data.written, 1);
    assert.equal(r.data.days[4].status, "written");
  });
});

Deno.test("fill_logs_for_days sends progress per week written", async () => {
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    const seen: number[] = [];
    const messages: string[] = [];
    const { draft } = h.erp.fixtures.weeks;
    const start = plus(draft, -14); // two seeded mixed weeks, each with an empty weekday
    await h.client.callTool(
      {
        name: "fill_logs_for_days",
        arguments: {
          start_date: start,
          end_date: plus(start, 13),
          project_id: 41,
          description: "P",
          hours_per_day: 1,
        },
      },
      undefined,
      {
        onprogress: (p) => {
          seen.push(p.progress);
          messages.push(String(p.message));
        },
      },
    );
    assert.deepEqual(seen, [1, 2]);
    // Each week's outcome, as stored: the days of that week now holding this entry.
    for (const [i, message] of messages.entries()) {
      const monday = plus(start, 7 * i);
      const week = h.erp.weekLog("alice@example.com", monday)!;
      const written = week.projects.flatMap((p) => p.tasks).filter((t) => t.description === "P")
        .flatMap((t) => t.days).length;
      assert.match(message, new RegExp(`^week of ${monday}: ${written} written, 0 not started`));
    }
  });
});

Deno.test("fill_logs_for_days: an unknown label_id is refused by the ERP, reported per day, nothing written", async () => {
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    const before = JSON.stringify(h.erp.weekLog("alice@example.com", draft));
    const r = await h.call("fill_logs_for_days", {
      start_date: plus(draft, 4),
      end_date: plus(draft, 4),
      project_id: 42,
      description: "Labelled",
      hours_per_day: 1,
      label_id: 999,
    });
    assert.equal(r.isError, true);
    assert.equal(r.data.failed, 1);
    assert.match(r.data.days[0].reason, /label.*999/i);
    assert.equal(JSON.stringify(h.erp.weekLog("alice@example.com", draft)), before);
  });
});
