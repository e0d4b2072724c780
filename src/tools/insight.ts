/** Insight tools: the workdays logged short of the expected hours, and where the time went. */
import { z } from "zod";
import { WEEK_GRID_META } from "../apps/meta.ts";
import type { Config } from "../config.ts";
import {
  datesBetween,
  hoursToMinutes,
  isWeekend,
  mondaysBetween,
  type PlainDate,
  sundayOf,
  today,
} from "../dates.ts";
import type { WeekLog } from "../erp/types.ts";
import { dayTotal } from "../erp/week.ts";
import { UserError } from "../errors.ts";
import {
  count,
  type EntryOut,
  fitPage,
  formatBalance,
  formatTime,
  type Names,
  pageLine,
  timeOut,
  weekEntries,
} from "../logs/present.ts";
import { openTimesheet, type Timesheet, type WeekRead } from "../logs/timesheet.ts";
import { rangeArgs } from "./args.ts";
import { defineTool } from "./define_tool.ts";
import {
  dateArg as dateField,
  emailArg,
  entrySchema,
  pageArgs,
  pageSchema,
  READ_ANNOTATIONS,
  timeSchema,
} from "./schemas.ts";

/** The most days one insight covers. */
export const MAX_INSIGHT_DAYS = 366;

/** True on a weekday that is not a configured holiday. */
export function isWorkday(date: PlainDate, config: Config): boolean {
  return !isWeekend(date) && !config.holidays.includes(date.toString());
}

/** Minutes a workday should hold. */
export function expectedMinutes(config: Config): number {
  return hoursToMinutes(config.expectedHours);
}

/** A day logged below the expected hours. */
export interface ShortDay {
  date: string;
  weekday: string;
  logged: ReturnType<typeof timeOut>;
  missing: ReturnType<typeof timeOut>;
}

/** The workdays of `days` that `week` (or no week) holds below the expected hours. */
export function shortDays(
  week: WeekLog | undefined,
  days: PlainDate[],
  config: Config,
): ShortDay[] {
  const want = expectedMinutes(config);
  return days.filter((d) => isWorkday(d, config)).flatMap((d) => {
    const logged = week ? dayTotal(week, d.toString()) : 0;
    return logged < want
      ? [{
        date: d.toString(),
        weekday: d.toLocaleString("en-US", { weekday: "long" }),
        logged: timeOut(logged),
        missing: timeOut(want - logged),
      }]
      : [];
  });
}

/** The shape of a short day in outputs. */
export const shortDaySchema = z.object({
  date: z.string(),
  weekday: z.string(),
  logged: timeSchema,
  missing: timeSchema.describe("what is missing to reach the expected hours"),
});

async function namesFor(ts: Timesheet): Promise<Names> {
  const [teams, labels] = await Promise.all([
    ts.teams().catch(() => []),
    ts.labels().catch(() => []),
  ]);
  return { teams, labels };
}

/** Reads every week of a range; refuses when none could be read. */
async function readRange(ts: Timesheet, start: PlainDate, end: PlainDate): Promise<WeekRead[]> {
  const reads = await ts.weeks(mondaysBetween(start, end));
  const failed = reads.filter((r) => r.status === "failed");
  if (reads.length && failed.length === reads.length) {
    throw new UserError(
      `Could not read any week from the ERP: ${(failed[0] as { error: string }).error}`,
      "Try again in a few minutes.",
    );
  }
  return reads;
}

const unreadableSchema = z.array(z.object({ week_starting: z.string(), error: z.string() }))
  .describe("weeks the ERP failed to return: their days are not counted");

function unreadable(reads: WeekRead[]) {
  return reads.flatMap((r) =>
    r.status === "failed" ? [{ week_starting: r.monday, error: r.error }] : []
  );
}

type WeekStatus = "no_log" | "completed" | "draft";

/** get_missing_days */
export const getMissingDays = defineTool({
  name: "get_missing_days",
  title: "Find days logged short",
  description:
    `Find the workdays in a range (at most ${MAX_INSIGHT_DAYS} days) logged below the expected hours per day (MCP_EXPECTED_HOURS, default 8), with what is logged on each, and the weeks not yet completed. Weekends and configured holidays are not workdays; days after today are left out (get_timesheet_summary counts the same days, so the two agree). The total missing always covers the whole range; the days come in pages (offset, limit). Use for "which days did I forget?" before filling them.`,
  input: {
    start_date: dateField("First day", "range_start"),
    end_date: dateField("Last day (inclusive)", "range_end"),
    email: emailArg,
    ...pageArgs("days"),
  },
  output: {
    start_date: z.string(),
    end_date: z.string(),
    expected_per_day: timeSchema,
    workdays_checked: z.number().int().describe("workdays up to today in the range"),
    missing_days: z.array(shortDaySchema.extend({
      week_status: z.enum(["draft", "completed", "no_log"]),
      entries: z.array(entrySchema).describe("what is logged that day"),
    })).describe("one page of the short days, by date"),
    page: pageSchema,
    total_missing: timeSchema.describe("the whole range"),
    incomplete_weeks: z.array(z.object({
      week_starting: z.string(),
      week_ending: z.string(),
      status: z.enum(["draft", "no_log"]).describe("draft: not submitted; no_log: no week log"),
      total: timeSchema,
    })).describe(
      "weeks not yet completed (submitted) that have a workday inside the range, up to today",
    ),
    holidays: z.array(z.string()).describe("configured holidays in the range, not counted"),
    future_days_left_out: z.number().int(),
    unreadable_weeks: unreadableSchema,
  },
  annotations: READ_ANNOTATIONS,
  meta: WEEK_GRID_META, // the range's week (or month) in the week grid app
  async handler(args, ctx) {
    const { start, end } = rangeArgs(args.start_date, args.end_date, ctx.config, MAX_INSIGHT_DAYS);
    const now = today(ctx.config);
    const ts = await openTimesheet(ctx.session, ctx.signal, args.email);
    const [reads, names] = await Promise.all([readRange(ts, start, end), namesFor(ts)]);
    const from = start.toString();
    const to = end.toString();
    const all = datesBetween(start, end);
    const past = all.filter((d) => Temporal.PlainDate.compare(d, now) <= 0);
    const missing: (ShortDay & { week_status: WeekStatus; entries: EntryOut[] })[] = [];
    const incomplete: {
      week_starting: string;
      week_ending: string;
      status: "draft" | "no_log";
      total: ReturnType<typeof timeOut>;
    }[] = [];
    for (const r of reads) {
      if (r.status === "failed") continue;
      const monday = Temporal.PlainDate.from(r.monday);
      const week = r.status === "found" ? r.week : undefined;
      const inWeek = (d: PlainDate) =>
        Temporal.PlainDate.compare(d, monday) >= 0 &&
        Temporal.PlainDate.compare(d, sundayOf(monday)) <= 0;
      const status: WeekStatus = !week ? "no_log" : week.isCompleted ? "completed" : "draft";
      for (const day of shortDays(week, past.filter(inWeek), ctx.config)) {
        const entries = week ? weekEntries(week, names, (d) => d === day.date) : [];
        missing.push({ ...day, week_status: status, entries });
      }
      const hasWorkday = past.some((d) => inWeek(d) && isWorkday(d, ctx.config));
      if (status !== "completed" && hasWorkday) {
        const total = week ? weekEntries(week, names).reduce((s, e) => s + minutesOf(e), 0) : 0;
        incomplete.push({
          week_starting: r.monday,
          week_ending: sundayOf(monday).toString(),
          status,
          total: timeOut(total),
        });
      }
    }
    const totalMissing = missing.reduce((s, d) => s + d.missing.hours * 60 + d.missing.minutes, 0);
    const failed = unreadable(reads);
    const holidays = ctx.config.holidays.filter((h) => h >= from && h <= to);
    const whole = {
      start_date: from,
      end_date: to,
      expected_per_day: timeOut(expectedMinutes(ctx.config)),
      workdays_checked: past.filter((d) => isWorkday(d, ctx.config)).length,
      total_missing: timeOut(totalMissing),
      incomplete_weeks: incomplete,
      holidays,
      future_days_left_out: all.length - past.length,
      unreadable_weeks: failed,
    };
    const expected = formatTime(whole.expected_per_day);
    const out = fitPage(missing, args.offset ?? 0, args.limit ?? 100, (page, info) => ({
      text: [
        missing.length
          ? `${missing.length} of ${
            count(whole.workdays_checked, "workday")
          } from ${from} to ${to} ${
            missing.length === 1 ? "holds" : "hold"
          } less than ${expected} (${formatTime(whole.total_missing)} missing in all):`
          : whole.workdays_checked === 0
          ? `No workdays from ${from} to ${to} up to today (${now}), so nothing is missing.`
          : whole.workdays_checked === 1
          ? `The one workday from ${from} to ${to} holds at least ${expected}.`
          : `Every one of the ${whole.workdays_checked} workdays from ${from} to ${to} holds at least ${expected}.`,
        ...page.map((d) =>
          `- ${d.weekday} ${d.date}: ${formatTime(d.logged)} logged, ${
            formatTime(d.missing)
          } missing${d.week_status === "no_log" ? " (no week log)" : ""}`
        ),
        pageLine("short days", info),
        ...(incomplete.length
          ? [
            `Not completed: ${
              incomplete.map((w) =>
                `week of ${w.week_starting} (${
                  w.status === "no_log" ? "no week log" : "draft, not submitted"
                })`
              ).join(", ")
            }.`,
          ]
          : []),
        ...(whole.future_days_left_out
          ? [
            `${count(whole.future_days_left_out, "day")} after today (${now}) ${
              whole.future_days_left_out === 1 ? "was" : "were"
            } left out.`,
          ]
          : []),
        ...failed.map((f) => `Week of ${f.week_starting} could not be read: ${f.error}`),
      ].filter(Boolean).join("\n"),
      data: { ...whole, missing_days: page, page: info },
    }));
    return { ...out, isError: failed.length > 0 };
  },
});

function minutesOf(e: { hours: number; minutes: number }): number {
  return e.hours * 60 + e.minutes;
}

const GROUPS = ["project", "label", "day", "week"] as const;

/** The key and name of an entry's group. */
function groupOf(e: EntryOut, by: typeof GROUPS[number]): { key: string; name: string } {
  switch (by) {
    case "project":
      return { key: e.team_id === null ? e.project : String(e.team_id), name: e.project };
    case "label":
      return e.label_id === null
        ? { key: "none", name: "(no label)" }
        : { key: String(e.label_id), name: e.label ?? `label ${e.label_id}` };
    case "day":
      return { key: e.date, name: e.date };
    case "week": {
      const monday = Temporal.PlainDate.from(e.date).subtract({
        days: Temporal.PlainDate.from(e.date).dayOfWeek - 1,
      });
      return { key: monday.toString(), name: `week of ${monday}` };
    }
  }
}

/** get_timesheet_summary */
export const getTimesheetSummary = defineTool({
  name: "get_timesheet_summary",
  title: "Summarise where the time went",
  description:
    `Totals for a range (at most ${MAX_INSIGHT_DAYS} days) grouped by project, label, day or week, each with its share of the time logged, against the expected hours (MCP_EXPECTED_HOURS per workday; weekends and holidays expect none). Like get_missing_days, only workdays up to today are expected, so the two agree. Groups come in pages (offset, limit); totals always cover the whole range. Use for "where did my time go last month?" or "am I short this week?".`,
  input: {
    start_date: dateField("First day", "range_start"),
    end_date: dateField("Last day (inclusive)", "range_end"),
    group_by: z.enum(GROUPS).default("project").describe(
      "project (default), label, day or week",
    ),
    email: emailArg,
    ...pageArgs("groups"),
  },
  output: {
    start_date: z.string(),
    end_date: z.string(),
    group_by: z.enum(GROUPS),
    total: timeSchema.describe("everything logged in the range"),
    expected: timeSchema.describe("workdays up to today in the range × the expected hours per day"),
    balance_hours: z.number().describe(
      "time logged up to today minus expected, in decimal hours (negative: short); the text gives it as h min too",
    ),
    missing: timeSchema.describe(
      "the sum of each workday's shortfall up to today: the total_missing of get_missing_days",
    ),
    workdays: z.number().int().describe("workdays up to today in the range"),
    future_workdays_left_out: z.number().int().describe("workdays after today: nothing expected"),
    groups: z.array(z.object({
      key: z.string().describe("team id, label id, YYYY-MM-DD day or the week's Monday"),
      name: z.string(),
      total: timeSchema,
      share_percent: z.number().describe("share of the total logged, 1 decimal"),
      expected: timeSchema.optional().describe("for day and week groups"),
      balance_hours: z.number().optional().describe("for day and week groups"),
    })).describe("one page of the groups"),
    page: pageSchema,
    unreadable_weeks: unreadableSchema,
  },
  annotations: READ_ANNOTATIONS,
  async handler(args, ctx) {
    const { start, end } = rangeArgs(args.start_date, args.end_date, ctx.config, MAX_INSIGHT_DAYS);
    const by = args.group_by;
    const now = today(ctx.config);
    const ts = await openTimesheet(ctx.session, ctx.signal, args.email);
    const [reads, names] = await Promise.all([readRange(ts, start, end), namesFor(ts)]);
    const from = start.toString();
    const to = end.toString();
    const upTo = now.toString();
    const entries = reads.flatMap((r) =>
      r.status === "found" ? weekEntries(r.week, names, (d) => d >= from && d <= to) : []
    );
    const allWorkdays = datesBetween(start, end).filter((d) => isWorkday(d, ctx.config));
    const workdays = allWorkdays.filter((d) => Temporal.PlainDate.compare(d, now) <= 0);
    const perDay = expectedMinutes(ctx.config);
    const total = entries.reduce((s, e) => s + minutesOf(e), 0);
    const loggedToDate = entries.filter((e) => e.date <= upTo).reduce(
      (s, e) => s + minutesOf(e),
      0,
    );
    let missing = 0;
    for (const r of reads) {
      if (r.status === "failed") continue;
      const week = r.status === "found" ? r.week : undefined;
      const sunday = sundayOf(Temporal.PlainDate.from(r.monday)).toString();
      const days = workdays.filter((d) => d.toString() >= r.monday && d.toString() <= sunday);
      for (const d of shortDays(week, days, ctx.config)) missing += minutesOf(d.missing);
    }
    const groups = new Map<string, { key: string; name: string; minutes: number }>();
    for (const e of entries) {
      const g = groupOf(e, by);
      const row = groups.get(g.key) ?? { ...g, minutes: 0 };
      row.minutes += minutesOf(e);
      groups.set(g.key, row);
    }
    if (by === "day" || by === "week") {
      // Workdays with nothing logged still count against the expected hours.
      for (const d of workdays) {
        const g = groupOf({ date: d.toString() } as EntryOut, by);
        if (!groups.has(g.key)) groups.set(g.key, { ...g, minutes: 0 });
      }
    }
    const expectedOf = (key: string) =>
      workdays.filter((d) => groupOf({ date: d.toString() } as EntryOut, by).key === key).length *
      perDay;
    const hours = (m: number) => Math.round((m / 60) * 100) / 100;
    const rows = [...groups.values()]
      .sort((a, b) =>
        by === "day" || by === "week" ? a.key.localeCompare(b.key) : b.minutes - a.minutes
      )
      .map((g) => ({
        key: g.key,
        name: g.name,
        total: timeOut(g.minutes),
        share_percent: total ? Math.round((g.minutes / total) * 1000) / 10 : 0,
        ...(by === "day" || by === "week"
          ? {
            expected: timeOut(expectedOf(g.key)),
            balance_hours: hours(g.minutes - expectedOf(g.key)),
          }
          : {}),
      }));
    const expected = workdays.length * perDay;
    const failed = unreadable(reads);
    const balance = hours(loggedToDate - expected);
    const future = allWorkdays.length - workdays.length;
    const out = fitPage(rows, args.offset ?? 0, args.limit ?? 100, (page, info) => ({
      text: [
        `${from} to ${to}: ${formatTime(timeOut(total))} logged; ${
          workdays.length
            ? `${formatTime(timeOut(expected))} expected over ${
              count(workdays.length, "workday")
            } up to today (${upTo})`
            : `no workdays up to today (${upTo}), so nothing expected`
        }, balance ${formatBalance(loggedToDate - expected)}, ${
          formatTime(timeOut(missing))
        } missing on short days.${
          future
            ? ` ${count(future, "workday")} after today ${
              future === 1 ? "expects" : "expect"
            } nothing yet.`
            : ""
        }${page.length ? ` By ${by}:` : ""}`,
        ...page.map((r) =>
          `- ${r.name}: ${formatTime(r.total)} (${r.share_percent}%)${
            r.expected
              ? ` of ${formatTime(r.expected)} expected, balance ${
                formatBalance(minutesOf(r.total) - minutesOf(r.expected))
              }`
              : ""
          }`
        ),
        pageLine("groups", info),
        ...failed.map((f) => `Week of ${f.week_starting} could not be read: ${f.error}`),
      ].filter(Boolean).join("\n"),
      data: {
        start_date: from,
        end_date: to,
        group_by: by,
        total: timeOut(total),
        expected: timeOut(expected),
        balance_hours: balance,
        missing: timeOut(missing),
        workdays: workdays.length,
        future_workdays_left_out: future,
        groups: page,
        page: info,
        unreadable_weeks: failed,
      },
    }));
    return { ...out, isError: failed.length > 0 };
  },
});

/** Every insight tool. */
export const insightTools = [getMissingDays, getTimesheetSummary];
