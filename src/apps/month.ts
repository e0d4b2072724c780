/**
 * The month view's model: a calendar of the weeks overlapping a month, each day with its hours
 * against the expected hours, each week with its state, and the month's totals by project. It
 * reads the month as get_month_logs does (the month list, then the listed weeks) and totals with
 * the same present.ts functions (`weekEntries`, `dayTotals`, `projectTotals`); a day's status
 * follows get_missing_days' rule (insight.ts: workdays up to today, MCP_EXPECTED_HOURS).
 */
import { z } from "zod";
import type { Config } from "../config.ts";
import { datesBetween, mondayOf, mondaysBetween, sundayOf, today } from "../dates.ts";
import { UserError } from "../errors.ts";
import { dayTotals, type Names, projectTotals, weekEntries } from "../logs/present.ts";
import type { Timesheet } from "../logs/timesheet.ts";
import { expectedMinutes, isWorkday } from "../tools/insight.ts";

/** How a day is coloured, in this order of precedence. */
export const DAY_STATUSES = [
  "weekend",
  "holiday",
  "future",
  "unknown",
  "full",
  "short",
  "empty",
] as const;

/** The month as the view receives it in `structuredContent`. */
export const monthShape = {
  year: z.number().int(),
  month: z.number().int(),
  first_day: z.string(),
  last_day: z.string(),
  total_minutes: z.number().int().describe("days inside the month only"),
  days: z.array(z.object({
    date: z.string(),
    in_month: z.boolean(),
    expected_minutes: z.number().int(),
    total_minutes: z.number().int(),
    status: z.enum(DAY_STATUSES),
  })).describe("Monday of the first week to Sunday of the last, in order"),
  weeks: z.array(z.object({
    week_starting: z.string(),
    state: z.enum(["draft", "completed", "no_week_log", "failed"]),
    total_minutes: z.number().int().describe("the whole week"),
  })),
  projects: z.array(z.object({ project: z.string(), total_minutes: z.number().int() }))
    .describe("inside the month, largest first"),
};

/** The month model's type. */
export type Month = z.infer<z.ZodObject<typeof monthShape>>;

/** Reads a month and builds its calendar (a week the ERP fails to return is marked failed). */
export async function monthOf(
  ts: Timesheet,
  year: number,
  month: number,
  names: Names,
  config: Config,
): Promise<Month> {
  const first = Temporal.PlainDate.from({ year, month, day: 1 });
  const last = first.add({ months: 1 }).subtract({ days: 1 });
  const summaries = await ts.erp.monthList(year, month);
  ts.rememberWeeks(summaries);
  const mondays = mondaysBetween(first, last);
  const listed = new Set(summaries.map((s) => s.monday));
  const reads = await ts.weeks(mondays.filter((m) => listed.has(m.toString())));
  if (reads.length > 0 && reads.every((r) => r.status === "failed")) {
    const error = (reads[0] as { error: string }).error;
    throw new UserError(`Could not read any week from the ERP: ${error}`, "Try again later.");
  }
  const from = first.toString();
  const to = last.toString();
  const all = reads.flatMap((r) => r.status === "found" ? weekEntries(r.week, names) : []);
  const byDay = new Map(dayTotals(all).map((d) => [d.date, d.total.hours * 60 + d.total.minutes]));
  const now = today(config).toString();
  const want = expectedMinutes(config);
  const days = datesBetween(mondayOf(first), sundayOf(mondayOf(last))).map((d) => {
    const date = d.toString();
    const workday = isWorkday(d, config);
    const total = byDay.get(date) ?? 0;
    // A day of a week the ERP failed to return is not known to be empty.
    const unread = reads.some((r) => r.status === "failed" && r.monday === mondayOf(d).toString());
    const status = d.dayOfWeek >= 6
      ? "weekend" as const
      : !workday
      ? "holiday" as const
      : date > now
      ? "future" as const
      : unread
      ? "unknown" as const
      : total >= want
      ? "full" as const
      : total > 0
      ? "short" as const
      : "empty" as const;
    return {
      date,
      in_month: date >= from && date <= to,
      expected_minutes: workday ? want : 0,
      total_minutes: total,
      status,
    };
  });
  const weeks = mondays.map((m) => {
    const read = reads.find((r) => r.monday === m.toString());
    const found = read?.status === "found" ? read.week : undefined;
    return {
      week_starting: m.toString(),
      state: read?.status === "failed"
        ? "failed" as const
        : !found
        ? "no_week_log" as const
        : found.isCompleted
        ? "completed" as const
        : "draft" as const,
      total_minutes: found ? weekEntries(found, names).reduce(minutesOf, 0) : 0,
    };
  });
  const inside = all.filter((e) => e.date >= from && e.date <= to);
  return {
    year,
    month,
    first_day: from,
    last_day: to,
    total_minutes: inside.reduce(minutesOf, 0),
    days,
    weeks,
    projects: projectTotals(inside)
      .map((p) => ({ project: p.project, total_minutes: p.total.hours * 60 + p.total.minutes }))
      .sort((a, b) => b.total_minutes - a.total_minutes),
  };
}

function minutesOf(sum: number, e: { hours: number; minutes: number }): number {
  return sum + e.hours * 60 + e.minutes;
}
