/**
 * Results a model can afford, and figures that say what they cover: every read stays under
 * 40,000 characters in all (one text block plus structuredContent), totals match the sandbox's
 * stored records computed here, pages reach every entry, and the insight tools agree.
 */
import assert from "node:assert/strict";
import { type Harness, withHarness } from "../helpers.ts";

const ALICE = "alice@example.com";
const BUDGET = 40_000;
const NO_CONFIRM = { MCP_NO_CONFIRM: "true" };

// deno-lint-ignore no-explicit-any
type Any = any;

/** Every stored day record of alice between two ISO dates (inclusive), read from the sandbox. */
function storedDays(h: Harness, from: string, to: string) {
  const out: { date: string; minutes: number; team: string; description: string }[] = [];
  let monday = Temporal.PlainDate.from(from);
  monday = monday.subtract({ days: monday.dayOfWeek - 1 });
  for (; monday.toString() <= to; monday = monday.add({ days: 7 })) {
    const week = h.erp.weekLog(ALICE, monday.toString()) as Any;
    if (!week) continue;
    for (const p of week.projects) {
      for (const t of p.tasks) {
        for (const d of t.days) {
          if (d.date >= from && d.date <= to) {
            out.push({
              date: d.date,
              minutes: d.hours * 60 + d.minutes,
              team: p.team,
              description: t.description,
            });
          }
        }
      }
    }
  }
  return out;
}

const minutes = (t: { hours: number; minutes: number }) => t.hours * 60 + t.minutes;

/** The raw result as a client receives it, and its size in characters. */
async function raw(h: Harness, name: string, args: Record<string, unknown>) {
  const r = await h.client.callTool({ name, arguments: args });
  const content = r.content as { type: string; text: string }[];
  const size = content.reduce((s, c) => s + c.text.length, 0) +
    JSON.stringify(r.structuredContent ?? {}).length;
  return { r, content, size, data: r.structuredContent as Any };
}

/** Fills the sandbox's weeks densely: eight long-described entries on every day it holds. */
async function densify(h: Harness): Promise<void> {
  for (let i = 0; i < 8; i++) {
    const r = await h.call("fill_logs_for_days", {
      start_date: "2026-09-28",
      end_date: "2026-11-28",
      project_id: 41 + (i % 4),
      description: `Task ${i}: ${"a long and detailed description of the work done ".repeat(2)}`
        .slice(0, 120),
      hours_per_day: 0.5,
      mode: "every_day",
      skip_weekends: false,
    });
    assert.ok(r.data?.written > 30, r.text.slice(0, 300));
  }
}

Deno.test("a 365-day get_logs_for_date_range stays under 40,000 characters; totals and pages match the stored records", async () => {
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    await densify(h);
    const from = "2025-11-26";
    const to = "2026-11-25";
    const stored = storedDays(h, from, to);
    assert.ok(stored.length > 400, `dense enough: ${stored.length} entries`);
    const first = await raw(h, "get_logs_for_date_range", { start_date: from, end_date: to });
    assert.equal(first.r.isError, undefined);
    assert.equal(first.content.length, 1, "the data once as text, once as structuredContent");
    assert.ok(first.size <= BUDGET, `${first.size} characters`);
    assert.doesNotMatch(first.content[0].text, /^\{/, "the text is readable, not JSON");

    const want = stored.reduce((s, d) => s + d.minutes, 0);
    assert.equal(minutes(first.data.total), want, "the total covers the whole range");
    const byProject = first.data.projects.reduce((s: number, p: Any) => s + minutes(p.total), 0);
    assert.equal(byProject, want, "per-project totals cover the whole range");
    const byWeek = first.data.weeks.reduce((s: number, w: Any) => s + minutes(w.total_in_range), 0);
    assert.equal(byWeek, want, "per-week totals cover the whole range");
    assert.equal(first.data.page.total, stored.length);
    assert.ok(first.data.page.next_offset > 0);
    assert.match(first.content[0].text, new RegExp(`offset ${first.data.page.next_offset}`));

    // Following next_offset reaches every entry exactly once.
    const seen: Any[] = [...first.data.entries];
    let next = first.data.page.next_offset;
    for (let guard = 0; next !== null && guard < 50; guard++) {
      const page = await raw(h, "get_logs_for_date_range", {
        start_date: from,
        end_date: to,
        offset: next,
        limit: 500,
      });
      assert.ok(page.size <= BUDGET, `page at ${next}: ${page.size} characters`);
      seen.push(...page.data.entries);
      next = page.data.page.next_offset;
    }
    assert.equal(next, null);
    assert.equal(new Set(seen.map((e) => e.entry_id)).size, stored.length);
    assert.equal(seen.reduce((s, e) => s + minutes(e), 0), want);
  });
});

Deno.test("every read tool stays under 40,000 characters on a dense year, with one text block", async () => {
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    await densify(h);
    const year = { start_date: "2025-11-26", end_date: "2026-11-25" };
    const calls: [string, Record<string, unknown>][] = [
      ["get_week_logs", { week_starting: "2026-11-16" }],
      ["get_day_logs", { date: "2026-11-16" }],
      ["get_month_logs", { year: 2026, month: 10 }],
      ["get_logs_for_date_range", year],
      ["get_missing_days", year],
      ["get_timesheet_summary", { ...year, group_by: "day" }],
      ["get_timesheet_summary", { ...year, group_by: "week" }],
      ["get_active_projects", {}],
      ["get_log_labels", {}],
    ];
    for (const [name, args] of calls) {
      const r = await raw(h, name, args);
      assert.notEqual(r.r.isError, true, `${name}: ${r.content[0]?.text}`);
      assert.equal(r.content.length, 1, name);
      assert.ok(r.size <= BUDGET, `${name}: ${r.size} characters`);
    }
    // The month's entries, paged, add up to its total; the summary's day groups to the year's.
    const month = await raw(h, "get_month_logs", { year: 2026, month: 10, limit: 500 });
    const october = storedDays(h, "2026-10-01", "2026-10-31").reduce((s, d) => s + d.minutes, 0);
    assert.equal(minutes(month.data.total_in_month), october);
    const days = await raw(h, "get_timesheet_summary", { ...year, group_by: "day", limit: 500 });
    assert.ok(days.data.page.next_offset === null || days.data.page.returned < 500);
    assert.equal(
      minutes(days.data.total),
      storedDays(h, year.start_date, year.end_date).reduce((s, d) => s + d.minutes, 0),
    );
  });
});

Deno.test("get_timesheet_summary and get_missing_days agree on the same range (days after today expect nothing)", async () => {
  await withHarness({ now: () => Temporal.Instant.from("2026-11-25T12:00:00Z") }, async (h) => {
    const range = { start_date: "2025-12-01", end_date: "2026-11-30" }; // today is 2026-11-25
    const missing = await h.call("get_missing_days", { ...range, limit: 500 });
    const summary = await h.call("get_timesheet_summary", range);
    assert.equal(missing.isError, false, missing.text);
    assert.equal(summary.isError, false, summary.text);
    // Computed here from the stored records: each workday up to today short of 8 h.
    const logged = new Map<string, number>();
    for (const d of storedDays(h, range.start_date, "2026-11-25")) {
      logged.set(d.date, (logged.get(d.date) ?? 0) + d.minutes);
    }
    let short = 0;
    let workdays = 0;
    for (
      let d = Temporal.PlainDate.from(range.start_date);
      d.toString() <= "2026-11-25";
      d = d.add({ days: 1 })
    ) {
      if (d.dayOfWeek > 5) continue;
      workdays++;
      short += Math.max(0, 480 - (logged.get(d.toString()) ?? 0));
    }
    assert.equal(minutes(missing.data.total_missing), short);
    assert.equal(minutes(summary.data.missing), short, "the same missing figure");
    assert.equal(summary.data.workdays, workdays);
    assert.equal(missing.data.workdays_checked, workdays);
    assert.equal(minutes(summary.data.expected), workdays * 480);
    const loggedToDate = [...logged.values()].reduce((s, m) => s + m, 0);
    assert.equal(
      summary.data.balance_hours,
      Math.round((loggedToDate - workdays * 480) / 60 * 100) / 100,
    );
    assert.equal(summary.data.future_workdays_left_out, 3, "Thursday, Friday and Monday the 30th");
  });
});

Deno.test("get_month_logs: a week straddling the month says how much of it falls inside", async () => {
  const today = Temporal.PlainDate.from("2026-09-15");
  await withHarness({
    sandbox: { today },
    now: () => Temporal.Instant.from("2026-09-15T12:00:00Z"),
  }, async (h) => {
    const r = await h.call("get_month_logs", { year: 2026, month: 8, limit: 500 });
    assert.equal(r.isError, false, r.text);
    const first = r.data.weeks.find((w: Any) => w.week_starting === "2026-07-27");
    assert.ok(first, r.text);
    const wholeFirst = storedDays(h, "2026-07-27", "2026-08-02").reduce((s, d) => s + d.minutes, 0);
    const insideFirst = storedDays(h, "2026-08-01", "2026-08-02").reduce(
      (s, d) => s + d.minutes,
      0,
    );
    assert.equal(minutes(first.total), wholeFirst);
    assert.equal(minutes(first.total_in_month), insideFirst);
    assert.deepEqual([first.in_month_from, first.in_month_to], ["2026-08-01", "2026-08-02"]);
    const august = storedDays(h, "2026-08-01", "2026-08-31").reduce((s, d) => s + d.minutes, 0);
    assert.equal(minutes(r.data.total_in_month), august);
    const sumInMonth = r.data.weeks.reduce((s: number, w: Any) => s + minutes(w.total_in_month), 0);
    assert.equal(sumInMonth, august, "the in-month parts of the weeks add up to the month");
    assert.ok(wholeFirst > insideFirst, "the straddling week holds time outside August");
    assert.match(
      r.text,
      /Week of 2026-07-27 \(\w+\): [^,]+ in the whole week, [^,]+ of it in August \(2026-08-01 to 2026-08-02\)/,
    );
    assert.ok(r.data.entries.every((e: Any) => e.date >= "2026-08-01" && e.date <= "2026-08-31"));
  });
});

Deno.test("get_missing_days: incomplete_weeks lists only weeks with a workday inside the range", async () => {
  await withHarness({ now: () => Temporal.Instant.from("2026-11-25T12:00:00Z") }, async (h) => {
    const draft = Temporal.PlainDate.from(h.erp.fixtures.weeks.draft);
    const weekend = await h.call("get_missing_days", {
      start_date: draft.add({ days: 5 }).toString(),
      end_date: draft.add({ days: 6 }).toString(),
    });
    assert.equal(weekend.isError, false, weekend.text);
    assert.deepEqual(weekend.data.incomplete_weeks, [], "a weekend-only range has no workday");
    const friday = await h.call("get_missing_days", {
      start_date: draft.add({ days: 4 }).toString(),
      end_date: draft.add({ days: 6 }).toString(),
    });
    assert.deepEqual(
      friday.data.incomplete_weeks.map((w: Any) => w.week_starting),
      [draft.toString()],
    );
    // A range reaching past today: the week of next Monday has no workday up to today.
    const ahead = await h.call("get_missing_days", {
      start_date: "2026-11-28",
      end_date: "2026-12-06",
    });
    assert.deepEqual(ahead.data.incomplete_weeks, []);
  });
});

/** A far week of alice's holding `n` long entries on its Monday, spread over her five projects. */
function longDay(h: Harness, monday: string, n: number) {
  const entries = Array.from({ length: n }, (_, i) => ({
    date: monday,
    teamId: 41 + (i % 5),
    description: `Entry ${i}: ${"a long description of the work that was done that day ".repeat(5)}`
      .slice(0, 250),
    hours: 0,
    minutes: 5 + (i % 7),
    label: 34,
  }));
  h.erp.addWeekLog(ALICE, monday, entries);
  return entries;
}

Deno.test("get_day_logs on a day of 160 long entries stays under 40,000 characters; totals whole, pages reach every entry", async () => {
  await withHarness({}, async (h) => {
    const monday = "2030-01-07";
    const seeded = longDay(h, monday, 160);
    const want = seeded.reduce((s, e) => s + e.hours * 60 + e.minutes, 0);
    const first = await raw(h, "get_day_logs", { date: monday });
    assert.equal(first.r.isError, undefined, first.content[0]?.text);
    assert.ok(first.size <= BUDGET, `${first.size} characters`);
    assert.equal(minutes(first.data.total_logged_time), want, "the day's total is whole");
    const perProject = first.data.projects.reduce((s: number, p: Any) => s + minutes(p.total), 0);
    assert.equal(perProject, want, "per-project totals cover the whole day");
    assert.equal(first.data.projects.length, 5);
    assert.equal(first.data.page.total, 160);
    assert.ok(first.data.page.next_offset > 0, "a second page");
    assert.match(first.content[0].text, new RegExp(`offset ${first.data.page.next_offset}`));
    const seen: Any[] = first.data.projects.flatMap((p: Any) => p.entries);
    assert.equal(seen.length, first.data.page.returned);
    let next = first.data.page.next_offset;
    for (let guard = 0; next !== null && guard < 20; guard++) {
      const page = await raw(h, "get_day_logs", { date: monday, offset: next, limit: 500 });
      assert.ok(page.size <= BUDGET, `page at ${next}: ${page.size} characters`);
      assert.equal(minutes(page.data.total_logged_time), want);
      seen.push(...page.data.projects.flatMap((p: Any) => p.entries));
      next = page.data.page.next_offset;
    }
    assert.equal(next, null);
    assert.equal(new Set(seen.map((e) => e.entry_id)).size, 160, "every entry exactly once");
  });
});

Deno.test("the week resource of a week of 160 long entries stays under 40,000 characters and says how to get the rest", async () => {
  await withHarness({}, async (h) => {
    const monday = "2030-01-07";
    const seeded = longDay(h, monday, 160);
    const want = seeded.reduce((s, e) => s + e.hours * 60 + e.minutes, 0);
    const r = await h.client.readResource({ uri: `project-logs://week/${monday}` });
    const text = (r.contents[0] as { text: string }).text;
    assert.ok(text.length <= BUDGET, `${text.length} characters`);
    const week = JSON.parse(text);
    assert.equal(minutes(week.total), want, "the total covers the whole week");
    assert.ok(week.entries.length < 160 && week.entries.length > 0, `${week.entries.length}`);
    assert.equal(week.page.total, 160);
    assert.equal(week.page.next_offset, week.entries.length);
    assert.match(week.more, new RegExp(`get_week_logs .*offset ${week.entries.length}`));
  });
});
