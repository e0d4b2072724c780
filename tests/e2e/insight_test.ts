/** get_missing_days and get_timesheet_summary through a real MCP client, against the sandbox ERP. */
import assert from "node:assert/strict";
import { type Harness, withHarness } from "../helpers.ts";

const ALICE = "alice@example.com";

/** A group as expected: key, name and minutes. */
interface Expected {
  key: string;
  name: string;
  minutes: number;
}

/**
 * Alice's stored day records from `from` to `to` (ISO, inclusive), grouped as `by` says, from
 * the sandbox's records and the seed's team and label lists (never from the server's answer).
 */
function storedGroups(h: Harness, from: string, to: string, by: string): Expected[] {
  const { teams, labels } = h.erp.fixtures;
  const groups = new Map<string, Expected>();
  const add = (key: string, name: string, minutes: number) => {
    const g = groups.get(key) ?? { key, name, minutes: 0 };
    g.minutes += minutes;
    groups.set(key, g);
  };
  let monday = Temporal.PlainDate.from(from);
  monday = monday.subtract({ days: monday.dayOfWeek - 1 });
  for (; monday.toString() <= to; monday = monday.add({ days: 7 })) {
    if (by === "week") add(monday.toString(), `week of ${monday}`, 0);
    const week = h.erp.weekLog(ALICE, monday.toString());
    for (const p of week?.projects ?? []) {
      for (const d of p.tasks.flatMap((t) => t.days)) {
        if (d.date < from || d.date > to) continue;
        const minutes = d.hours * 60 + d.minutes;
        if (by === "project") {
          const team = teams.find((t) => t.team === p.team);
          assert.ok(team, `the seed names team "${p.team}"`);
          add(String(team.id), team.team, minutes);
        } else if (by === "label") {
          const label = labels.find((l) => l.id === d.label);
          assert.ok(label, `the seed names label ${d.label}`);
          add(String(label.id), label.name, minutes);
        } else {
          add(monday.toString(), `week of ${monday}`, minutes);
        }
      }
    }
  }
  return [...groups.values()];
}

/** Noon UTC on the sandbox's today (Wednesday 2026-11-25), so relative words are fixed. */
const NOW = () => Temporal.Instant.from("2026-11-25T12:00:00Z");

Deno.test("get_missing_days: this week holds Monday and Tuesday; today is missing; later days are left out", async () => {
  await withHarness({ now: NOW }, async (h) => {
    const r = await h.call("get_missing_days", { start_date: "this week", end_date: "this week" });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.start_date, "2026-11-23");
    assert.equal(r.data.end_date, "2026-11-29");
    assert.equal(r.data.workdays_checked, 3);
    assert.deepEqual(r.data.missing_days.map((d: { date: string }) => d.date), ["2026-11-25"]);
    assert.equal(r.data.missing_days[0].missing.hours, 8);
    assert.equal(r.data.future_days_left_out, 4);
    assert.deepEqual(r.data.incomplete_weeks.map((w: { status: string }) => w.status), ["draft"]);
    assert.match(r.text, /1 of 3 workdays/);
  });
});

Deno.test("get_missing_days: short days with what they hold, weeks without a log, weeks not completed", async () => {
  await withHarness({ now: NOW }, async (h) => {
    const { draft, completed, withoutLog } = h.erp.fixtures.weeks;
    const end = Temporal.PlainDate.from(withoutLog).add({ days: 6 }).toString();
    const r = await h.call("get_missing_days", { start_date: draft, end_date: end });
    assert.equal(r.isError, false, r.text);
    const dates = r.data.missing_days.map((d: { date: string }) => d.date);
    assert.ok(dates.includes("2026-10-30"), "the draft week's empty Friday");
    assert.ok(
      !dates.some((d: string) => d >= completed && d < "2026-11-09"),
      "completed week full",
    );
    const noLog = r.data.missing_days.filter((d: { week_status: string }) =>
      d.week_status === "no_log"
    );
    assert.equal(noLog.length, 5);
    assert.deepEqual(
      r.data.incomplete_weeks.map((w: { week_starting: string; status: string }) => [
        w.week_starting,
        w.status,
      ]),
      [[draft, "draft"], [withoutLog, "no_log"]],
    );
    // The text says it in words, not the field's values.
    assert.match(
      r.text,
      new RegExp(
        `Not completed: week of ${draft} \\(draft, not submitted\\), week of ${withoutLog} \\(no week log\\)`,
      ),
    );
  });
});

Deno.test("get_missing_days: entries of a partly logged day are listed", async () => {
  await withHarness({ now: NOW }, async (h) => {
    await h.call("create_or_update_log", {
      date: "today",
      project_id: 42,
      description: "Half day",
      hours: 3.5,
      label_name: "Testing",
    });
    const r = await h.call("get_missing_days", { start_date: "today", end_date: "today" });
    assert.equal(r.isError, false, r.text);
    const [day] = r.data.missing_days;
    assert.equal(day.date, "2026-11-25");
    assert.deepEqual([day.logged.hours, day.logged.minutes], [3, 30]);
    assert.deepEqual([day.missing.hours, day.missing.minutes], [4, 30]);
    assert.equal(day.entries[0].description, "Half day");
    assert.equal(day.entries[0].label, "Testing");
  });
});

Deno.test("get_missing_days: holidays from MCP_HOLIDAYS and MCP_EXPECTED_HOURS change the answer", async () => {
  const files = { "/etc/holidays.json": '["2026-10-30"]' };
  const env = { MCP_HOLIDAYS: "/etc/holidays.json", MCP_EXPECTED_HOURS: "9" };
  await withHarness({ now: NOW, files, env }, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    const r = await h.call("get_missing_days", { start_date: draft, end_date: "2026-11-01" });
    assert.equal(r.isError, false, r.text);
    assert.deepEqual(r.data.holidays, ["2026-10-30"]);
    assert.equal(r.data.workdays_checked, 4);
    assert.equal(r.data.expected_per_day.hours, 9);
    assert.deepEqual(
      r.data.missing_days.map((d: { missing: { hours: number } }) => d.missing.hours),
      [1, 1, 1, 1],
    );
  });
});

for (
  const c of [
    { args: { start_date: "2026-02-30", end_date: "2026-03-01" }, re: /start_date "2026-02-30"/ },
    { args: { start_date: "2026-11-10", end_date: "2026-11-01" }, re: /end_date is before/ },
    { args: { start_date: "2025-01-01", end_date: "2026-11-01" }, re: /more than the 366/ },
    { args: { start_date: "this week", end_date: "whenever" }, re: /end_date "whenever"/ },
  ]
) {
  for (const tool of ["get_missing_days", "get_timesheet_summary"]) {
    Deno.test(`${tool} refuses ${JSON.stringify(c.args)}`, async () => {
      await withHarness({ now: NOW }, async (h) => {
        const r = await h.call(tool, c.args);
        assert.equal(r.isError, true);
        assert.match(r.text, c.re);
      });
    });
  }
}

Deno.test("get_missing_days: signed out is a clear error", async () => {
  await withHarness({ now: NOW, signIn: false }, async (h) => {
    const r = await h.call("get_missing_days", { start_date: "today", end_date: "today" });
    assert.equal(r.isError, true);
    assert.match(r.text, /sign/i);
  });
});

Deno.test("get_timesheet_summary by day: every workday against the expected hours", async () => {
  await withHarness({ now: NOW }, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    const r = await h.call("get_timesheet_summary", {
      start_date: draft,
      end_date: "2026-11-01",
      group_by: "day",
    });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.total.hours, 32);
    assert.equal(r.data.expected.hours, 40);
    assert.equal(r.data.balance_hours, -8);
    assert.equal(r.data.groups.length, 5);
    const friday = r.data.groups.at(-1);
    assert.deepEqual([friday.key, friday.total.hours, friday.balance_hours], ["2026-10-30", 0, -8]);
    assert.equal(r.data.groups[0].share_percent, 25);
  });
});

Deno.test("get_timesheet_summary by project, label and week: each group's total and share match the stored days", async () => {
  await withHarness({ now: NOW }, async (h) => {
    for (const group_by of ["project", "label", "week"]) {
      const r = await h.call("get_timesheet_summary", {
        start_date: "last month",
        end_date: "last month",
        group_by,
      });
      assert.equal(r.isError, false, r.text);
      assert.equal(r.data.start_date, "2026-10-01");
      assert.equal(r.data.end_date, "2026-10-31");
      assert.equal(r.data.workdays, 22);
      const want = storedGroups(h, "2026-10-01", "2026-10-31", group_by);
      const total = want.reduce((s, g) => s + g.minutes, 0);
      assert.ok(want.filter((g) => g.minutes > 0).length >= 3, `${group_by}: several groups`);
      assert.equal(r.data.total.hours * 60 + r.data.total.minutes, total, `${group_by}: total`);
      const got = r.data.groups.map((
        g: { key: string; name: string; total: { hours: number; minutes: number } } & {
          share_percent: number;
        },
      ) => [g.key, g.name, g.total.hours * 60 + g.total.minutes, g.share_percent]);
      const byKey = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
      assert.deepEqual(
        got.sort(byKey),
        want.map((g) => [g.key, g.name, g.minutes, Math.round((g.minutes / total) * 1000) / 10])
          .sort(byKey),
        `${group_by}: each group's key, name, minutes and share (1 decimal) from the stored days`,
      );
      if (group_by !== "week") {
        const order = r.data.groups.map((g: { key: string }) => g.key);
        const largestFirst = [...want].sort((a, b) => b.minutes - a.minutes).map((g) => g.key);
        assert.deepEqual(order, largestFirst, `${group_by}: largest first`);
      }
    }
    const byProject = await h.call("get_timesheet_summary", {
      start_date: h.erp.fixtures.weeks.completed,
      end_date: "2026-11-08",
    });
    assert.deepEqual(
      byProject.data.groups.map((g: { key: string; name: string; share_percent: number }) => [
        g.key,
        g.name,
        g.share_percent,
      ]),
      [["41", "Client X / Backend", 100]],
    );
    assert.equal(byProject.data.balance_hours, 0);
  });
});

Deno.test("relative dates through the client: midnight in Kiritimati (UTC+14) and Pago Pago (UTC-11)", async () => {
  const cases = [
    { zone: "Pacific/Kiritimati", utc: "2026-11-23T09:59:59Z", today: "2026-11-23" },
    { zone: "Pacific/Kiritimati", utc: "2026-11-23T10:00:00Z", today: "2026-11-24" },
    { zone: "Pacific/Pago_Pago", utc: "2026-11-23T10:59:59Z", today: "2026-11-22" },
    { zone: "Pacific/Pago_Pago", utc: "2026-11-23T11:00:00Z", today: "2026-11-23" },
  ];
  for (const c of cases) {
    const now = () => Temporal.Instant.from(c.utc);
    await withHarness({ now, env: { MCP_TIMEZONE: c.zone } }, async (h) => {
      const day = await h.call("get_missing_days", { start_date: "today", end_date: "today" });
      assert.equal(day.data.start_date, c.today, `${c.zone} at ${c.utc}`);
      const week = await h.call("get_timesheet_summary", {
        start_date: "this week",
        end_date: "this week",
        group_by: "week",
      });
      const monday = Temporal.PlainDate.from(c.today);
      assert.equal(
        week.data.start_date,
        monday.subtract({ days: monday.dayOfWeek - 1 }).toString(),
      );
      const weekday = Temporal.PlainDate.from(c.today).toLocaleString("en-US", {
        weekday: "long",
      });
      assert.match(
        h.client.getInstructions() ?? "",
        new RegExp(`written on ${weekday} ${c.today} at \\d\\d:\\d\\d \\(time zone ${c.zone}\\)`),
      );
    });
  }
});

Deno.test("a session that outlives midnight: the instructions say when they were written, answers name the dates used", async () => {
  let instant = Temporal.Instant.from("2026-11-25T23:59:00Z");
  await withHarness({ now: () => instant }, async (h) => {
    const instructions = h.client.getInstructions() ?? "";
    assert.match(instructions, /written on Wednesday 2026-11-25 at 23:59 \(time zone UTC\)/);
    assert.match(instructions, /resolve today, yesterday, this week .* when they are called/);
    const before = await h.call("get_day_logs", { date: "today" });
    assert.equal(before.data.date, "2026-11-25");
    assert.match(before.text, /Dates as of Wednesday 2026-11-25 \(UTC\): "today" = 2026-11-25\./);
    instant = Temporal.Instant.from("2026-11-26T00:01:00Z");
    const after = await h.call("get_day_logs", { date: "today" });
    assert.equal(after.data.date, "2026-11-26", "resolved at call time, not at initialize");
    assert.match(after.text, /Dates as of Thursday 2026-11-26 \(UTC\): "today" = 2026-11-26\./);
    const range = await h.call("get_missing_days", { start_date: "last week", end_date: "today" });
    assert.match(range.text, /"last week" = 2026-11-16 to 2026-11-22, "today" = 2026-11-26/);
  });
});

const WEDNESDAY = () => Temporal.Instant.from("2026-11-25T12:00:00Z");

Deno.test("wording: a range with no workdays says so; no empty 'By project:' heading", async () => {
  await withHarness({ now: WEDNESDAY }, async (h) => {
    // A weekend far from the seed: nothing logged, no workday.
    const weekend = { start_date: "2030-01-05", end_date: "2030-01-06" };
    const missing = await h.call("get_missing_days", weekend);
    assert.equal(missing.isError, false, missing.text);
    assert.doesNotMatch(missing.text, /Every one of the 0/);
    assert.match(missing.text, /^No workdays from 2030-01-05 to 2030-01-06 up to today/);
    const past = { start_date: "2026-11-21", end_date: "2026-11-22" }; // a past weekend
    const pastMissing = await h.call("get_missing_days", past);
    assert.match(pastMissing.text, /^No workdays from 2026-11-21 to 2026-11-22/);
    const summary = await h.call("get_timesheet_summary", past);
    assert.equal(summary.isError, false, summary.text);
    assert.equal(summary.data.workdays, 0);
    if (summary.data.groups.length === 0) {
      assert.doesNotMatch(summary.text, /By project:\s*$/m, summary.text);
      assert.doesNotMatch(summary.text, /By project/);
    }
    assert.match(summary.text, /no workdays up to today/);
    const empty = await h.call("get_timesheet_summary", weekend);
    assert.equal(empty.data.groups.length, 0);
    assert.doesNotMatch(empty.text, /By project/, empty.text);
  });
});

Deno.test("wording: balances in h min with the decimal beside; one day, one workday", async () => {
  await withHarness({ now: WEDNESDAY }, async (h) => {
    // Today is Wednesday 2026-11-25; Thursday the 26th is the one workday after today.
    const r = await h.call("get_timesheet_summary", {
      start_date: "2026-11-25",
      end_date: "2026-11-26",
      group_by: "day",
    });
    assert.equal(r.isError, false, r.text);
    // The decimal is given beside minutes only: "-8 h", "-2 h 30 min (-2.5 h)".
    const m = /balance ([+-])(\d+ h(?: \d+ min)?|\d+ min)(?: \((-?[\d.]+) h\))?/.exec(r.text);
    assert.ok(m, r.text);
    const [, sign, hm, decimal] = m;
    const hmMinutes = Number(/(\d+) h/.exec(hm)?.[1] ?? 0) * 60 +
      Number(/(\d+) min/.exec(hm)?.[1] ?? 0);
    if (hmMinutes % 60) {
      assert.equal(Number(decimal), r.data.balance_hours, "the decimal is the data's");
    } else assert.equal(decimal, undefined, "no decimal beside whole hours");
    assert.equal(sign === "-" ? -hmMinutes : hmMinutes, Math.round(r.data.balance_hours * 60));
    assert.doesNotMatch(r.text, /balance [+-]?\d+\.\d+ h,/, "never a bare decimal");
    assert.match(r.text, /over 1 workday up to today/);
    assert.match(r.text, /1 workday after today expects nothing yet/);
    assert.doesNotMatch(r.text, /\b1 (days|workdays|entries|weeks)\b/);
    const missing = await h.call("get_missing_days", {
      start_date: "2026-11-25",
      end_date: "2026-11-26",
    });
    assert.match(missing.text, /1 day after today \(2026-11-25\) was left out/);
    assert.doesNotMatch(missing.text, /\b1 (days|workdays)\b/);
  });
});
