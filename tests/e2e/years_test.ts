/**
 * The right week in any year: week logs whose details carry display dates without `year`
 * ("Mon, Dec 25"), read and written through a real MCP client against the sandbox over HTTP.
 * The sandbox's today is 2026-11-25; the weeks below lie 3, 5 and 10 years away in both
 * directions, cross New Year, or hold the 2028 leap day.
 */
import assert from "node:assert/strict";
import { type Harness, withHarness } from "../helpers.ts";
import type { WeekEntrySeed } from "../../src/sandbox/types.ts";

const ALICE = "alice@example.com";

/** Mondays far from today; 2023-12-25 and 2028-12-25 are both written "Mon, Dec 25". */
const WEEKS = [
  "2016-11-21", // 10 years back
  "2018-12-31", // 8 years back, across New Year (ends 2019-01-06)
  "2021-11-22", // 5 years back
  "2023-12-25", // 3 years back, "Mon, Dec 25"
  "2026-12-28", // across New Year (ends 2027-01-03)
  "2028-02-28", // holds the leap day, Tuesday 2028-02-29
  "2028-12-25", // "Mon, Dec 25" again
  "2029-12-31", // across New Year (ends 2030-01-06)
  "2031-11-24", // 5 years ahead
  "2036-11-24", // 10 years ahead
];

/** Two entries per week, both unique to it: on its Monday and on its Sunday (or the leap day). */
function entriesFor(monday: string, index: number): WeekEntrySeed[] {
  const start = Temporal.PlainDate.from(monday);
  const second = monday === "2028-02-28" ? start.add({ days: 1 }) : start.add({ days: 6 });
  return [
    {
      date: monday,
      teamId: 41,
      description: `Monday of ${monday}`,
      hours: 1 + index,
      minutes: 0,
      label: 34,
    },
    {
      date: second.toString(),
      teamId: 42,
      description: `Later day of ${monday}`,
      hours: 0,
      minutes: 15 + index,
      label: 37,
    },
  ];
}

/** Adds the far weeks to alice's sandbox; answers each week's stored entries, sorted. */
function seedFarWeeks(h: Harness): Map<string, string[]> {
  const want = new Map<string, string[]>();
  WEEKS.forEach((monday, i) => {
    assert.equal(Temporal.PlainDate.from(monday).dayOfWeek, 1, `${monday} is a Monday`);
    h.erp.addWeekLog(ALICE, monday, entriesFor(monday, i));
    want.set(monday, storedEntries(h, monday));
  });
  return want;
}

/** `date description H:MM` of every stored day of alice's week, from the sandbox's records. */
function storedEntries(h: Harness, monday: string): string[] {
  const week = h.erp.weekLog(ALICE, monday);
  assert.ok(week, `the sandbox holds the week of ${monday}`);
  return week.projects.flatMap((p) =>
    p.tasks.flatMap((t) => t.days.map((d) => `${d.date} ${t.description} ${d.hours}:${d.minutes}`))
  ).sort();
}

// deno-lint-ignore no-explicit-any
function shown(entries: any[]): string[] {
  return entries.map((e) => `${e.date} ${e.description} ${e.hours}:${e.minutes}`).sort();
}

const YEARLESS = { omitYear: true } as const;

Deno.test("get_week_logs reads weeks 3, 5 and 10 years away without a year in the detail", async () => {
  await withHarness({ sandbox: YEARLESS }, async (h) => {
    const want = seedFarWeeks(h);
    // Both directions of travel, so no read can lean on the one before it.
    for (const order of [WEEKS, [...WEEKS].reverse()]) {
      for (const monday of order) {
        const sunday = Temporal.PlainDate.from(monday).add({ days: 6 }).toString();
        const r = await h.call("get_week_logs", { week_starting: monday });
        assert.equal(r.isError, false, `${monday}: ${r.text}`);
        assert.equal(r.data.week.week_starting, monday);
        assert.equal(r.data.week.week_ending, sunday);
        assert.match(r.text, new RegExp(`^Week of ${monday} to ${sunday} `));
        assert.deepEqual(shown(r.data.week.entries), want.get(monday), monday);
      }
    }
  });
});

Deno.test("get_week_logs: any day of a New Year or leap-day week finds that week", async () => {
  await withHarness({ sandbox: YEARLESS }, async (h) => {
    const want = seedFarWeeks(h);
    for (
      const [day, monday] of [
        ["2030-01-06", "2029-12-31"],
        ["2027-01-01", "2026-12-28"],
        ["2028-02-29", "2028-02-28"],
        ["2019-01-05", "2018-12-31"],
      ]
    ) {
      const r = await h.call("get_week_logs", { week_starting: day });
      assert.equal(r.isError, false, `${day}: ${r.text}`);
      assert.equal(r.data.week.week_starting, monday, day);
      assert.deepEqual(shown(r.data.week.entries), want.get(monday), day);
    }
  });
});

Deno.test("the 2023 and 2028 weeks of 'Mon, Dec 25' never serve each other's entries", async () => {
  await withHarness({ sandbox: YEARLESS }, async (h) => {
    const want = seedFarWeeks(h);
    for (const monday of ["2023-12-25", "2028-12-25", "2023-12-25", "2028-12-25"]) {
      const r = await h.call("get_week_logs", { week_starting: monday });
      assert.equal(r.isError, false, r.text);
      assert.equal(r.data.week.week_starting, monday);
      assert.deepEqual(shown(r.data.week.entries), want.get(monday), monday);
    }
  });
});

Deno.test("get_month_logs for December 2023 labels its weeks 2023", async () => {
  await withHarness({ sandbox: YEARLESS }, async (h) => {
    const want = seedFarWeeks(h);
    const r = await h.call("get_month_logs", { year: 2023, month: 12 });
    assert.equal(r.isError, false, r.text);
    const starts = r.data.weeks.map((w: { week_starting: string }) => w.week_starting);
    assert.deepEqual(starts, ["2023-12-25"]);
    assert.deepEqual(shown(r.data.entries), want.get("2023-12-25"));
    assert.doesNotMatch(r.text, /2028/);
    assert.equal(r.data.failed_weeks.length, 0);
    // The other December weeks have no log in the sandbox: they are missing, not mislabelled.
    assert.deepEqual(r.data.missing_weeks, [
      "2023-11-27",
      "2023-12-04",
      "2023-12-11",
      "2023-12-18",
    ]);
  });
});

Deno.test("get_month_logs for January 2030 finds the week that began in 2029", async () => {
  await withHarness({ sandbox: YEARLESS }, async (h) => {
    const want = seedFarWeeks(h);
    const r = await h.call("get_month_logs", { year: 2030, month: 1 });
    assert.equal(r.isError, false, r.text);
    assert.deepEqual(r.data.weeks.map((w: { week_starting: string }) => w.week_starting), [
      "2029-12-31",
    ]);
    // Only the days inside January are listed; the week line still names the whole week.
    assert.deepEqual(
      shown(r.data.entries),
      want.get("2029-12-31")!.filter((e) => e >= "2030-01-01"),
    );
    // Only the Sunday 2030-01-06 entry (0 h 22 min) is inside January.
    const sunday = want.get("2029-12-31")!.find((e) => e.startsWith("2030-01-06"))!;
    const [h2, m2] = sunday.split(" ").at(-1)!.split(":").map(Number);
    assert.deepEqual(r.data.total_in_month, {
      hours: h2,
      minutes: m2,
      decimal_hours: Math.round(((h2 * 60 + m2) / 60) * 100) / 100,
    });
  });
});

for (
  const c of [
    { date: "2030-01-02", monday: "2029-12-31" },
    { date: "2028-02-29", monday: "2028-02-28" },
    { date: "2016-11-23", monday: "2016-11-21" },
  ]
) {
  Deno.test(`create_or_update_log writes into the far week of ${c.monday} (${c.date})`, async () => {
    await withHarness({ sandbox: YEARLESS }, async (h) => {
      seedFarWeeks(h);
      const before = storedEntries(h, c.monday);
      const r = await h.call("create_or_update_log", {
        date: c.date,
        project_id: 44,
        description: "Year-end report",
        hours: 2.5,
        label_name: "Documentation",
      });
      assert.equal(r.isError, false, r.text);
      assert.equal(r.data.status, "created");
      assert.equal(r.data.path, "save");
      const after = storedEntries(h, c.monday);
      assert.deepEqual(after, [...before, `${c.date} Year-end report 2:30`].sort());
      // The week reads back with the new entry, in the right year.
      const read = await h.call("get_week_logs", { week_starting: c.date });
      assert.equal(read.data.week.week_starting, c.monday);
      assert.deepEqual(shown(read.data.week.entries), after);
    });
  });
}

Deno.test("a detail of another week than the one asked for is refused and never cached", async () => {
  await withHarness({ sandbox: YEARLESS }, async (h) => {
    const want = seedFarWeeks(h);
    const id2023 = h.erp.weekLog(ALICE, "2023-12-25")!.id;
    const id2028 = h.erp.weekLog(ALICE, "2028-12-25")!.id;
    // The 2028 detail, as the ERP writes it: the same "Mon, Dec 25" with no year.
    const res = await fetch(new URL(`project-logs/person/get/${id2028}/`, h.apiBase), {
      headers: { Authorization: `Token ${h.erp.fixtures.users.alice.token}` },
    });
    const detail2028 = await res.text();
    assert.match(detail2028, /"week_starting":"Mon, Dec 25"/);
    assert.doesNotMatch(detail2028, /"year"/);
    // Asked for the 2023 week, the ERP answers the 2028 one (its days are dated 2028).
    h.erp.injectFault({ pathIncludes: `/get/${id2023}/`, status: 200, body: detail2028 });
    const r = await h.call("get_week_logs", { week_starting: "2023-12-25" });
    assert.equal(r.isError, true, r.text);
    assert.match(r.text, /shape this server does not understand/);
    assert.match(r.text, /not in the week of 2023-12-25/);
    // Neither week is now served from the other's data.
    for (const monday of ["2028-12-25", "2023-12-25"]) {
      const again = await h.call("get_week_logs", { week_starting: monday });
      assert.equal(again.isError, false, again.text);
      assert.equal(again.data.week.week_starting, monday);
      assert.deepEqual(shown(again.data.week.entries), want.get(monday));
    }
  });
});
