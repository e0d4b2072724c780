/** The read tools: weeks, days, ranges, months, projects, labels. None of them writes. */
import { z } from "zod";
import { WEEK_GRID_META } from "../apps/meta.ts";
import { mondaysBetween, sundayOf } from "../dates.ts";
import type { WeekLog } from "../erp/types.ts";
import { findWeekProject } from "../erp/week.ts";
import { UserError } from "../errors.ts";
import {
  count,
  dayTotals,
  entryLine,
  type EntryOut,
  fitPage,
  formatTime,
  type Names,
  pageLine,
  projectTotals,
  totalOf,
  weekEntries,
} from "../logs/present.ts";
import { openTimesheet, type Timesheet, type WeekRead } from "../logs/timesheet.ts";
import { dateArg, rangeArgs, weekArg } from "./args.ts";
import { defineTool } from "./define_tool.ts";
import {
  dateArg as dateField,
  dayTotalSchema,
  emailArg,
  entrySchema,
  MAX_YEAR,
  MIN_YEAR,
  pageArgs,
  pageSchema,
  projectArgs,
  projectTotalSchema,
  READ_ANNOTATIONS,
  timeSchema,
  weekSchema,
} from "./schemas.ts";

/** The most days one range read covers. */
export const MAX_RANGE_DAYS = 366;

/** Teams and labels for naming entries; a failure here only loses names, never the read. */
async function namesFor(ts: Timesheet): Promise<Names> {
  const [teams, labels] = await Promise.all([
    ts.teams().catch(() => []),
    ts.labels().catch(() => []),
  ]);
  return { teams, labels };
}

function weekOut(week: WeekLog, names: Names) {
  const entries = weekEntries(week, names);
  return {
    week_log_id: week.id,
    week_starting: week.monday,
    week_ending: week.sunday,
    is_completed: week.isCompleted,
    total: totalOf(entries),
    entries,
  };
}

const weekWithEntries = weekSchema.extend({ entries: z.array(entrySchema) });

/** get_week_logs */
export const getWeekLogs = defineTool({
  name: "get_week_logs",
  title: "Get a week's logs",
  description:
    'Show everything logged in one week (Monday to Sunday): every entry with its project, task description, time, label and ids, plus per-day and per-project totals. Use for "what did I log last week?". Any date of the week works; the answer says which week it used. Totals always cover the whole week; a very long entry list comes in pages (offset, limit).',
  input: {
    week_starting: dateField("Any date in the week (its Monday is used)", "week"),
    email: emailArg,
    ...pageArgs("entries"),
  },
  output: {
    week: weekWithEntries.nullable().describe(
      "null when the person has no log for that week; entries is one page, total the whole week",
    ),
    week_starting: z.string(),
    week_ending: z.string(),
    days: z.array(dayTotalSchema),
    projects: z.array(projectTotalSchema),
    page: pageSchema,
  },
  annotations: READ_ANNOTATIONS,
  meta: WEEK_GRID_META,
  async handler(args, ctx) {
    const monday = weekArg(args.week_starting, "week_starting", ctx.config);
    const ts = await openTimesheet(ctx.session, ctx.signal, args.email);
    const [week, names] = await Promise.all([ts.week(monday), namesFor(ts)]);
    const range = { week_starting: monday.toString(), week_ending: sundayOf(monday).toString() };
    if (!week) {
      return {
        text: `No week log for the week of ${monday} to ${sundayOf(monday)}. ` +
          "The ERP creates week logs; nothing is logged there yet.",
        data: {
          week: null,
          ...range,
          days: [],
          projects: [],
          page: { offset: 0, returned: 0, total: 0, next_offset: null },
        },
      };
    }
    const out = weekOut(week, names);
    return fitPage(out.entries, args.offset ?? 0, args.limit ?? 100, (entries, page) => ({
      text: [
        `Week of ${week.monday} to ${week.sunday} (week log ${week.id}, ${
          week.isCompleted ? "completed" : "draft"
        }): ${formatTime(out.total)} in ${count(out.entries.length, "entry")}.`,
        ...entries.map(entryLine),
        pageLine("entries", page),
      ].filter(Boolean).join("\n"),
      data: {
        week: { ...out, entries },
        ...range,
        days: dayTotals(out.entries),
        projects: projectTotals(out.entries),
        page,
      },
    }));
  },
});

/** get_day_logs */
export const getDayLogs = defineTool({
  name: "get_day_logs",
  title: "Get one day's logs",
  description:
    "Show what is logged on one day: each project with its total, the entries, and the day's total (minutes carried into hours). Use before adding time to a day, to see what is already there. Totals always cover the whole day; a very long day comes in pages (offset, limit).",
  input: {
    date: dateField("The day", "day"),
    email: emailArg,
    ...pageArgs("entries"),
  },
  output: {
    date: z.string(),
    weekday: z.string(),
    week_log_id: z.number().int().nullable(),
    is_completed: z.boolean().nullable(),
    projects: z.array(projectTotalSchema.extend({
      entries: z.array(entrySchema).describe("this project's entries in this page"),
    })).describe("every project logged that day, each total the whole day's"),
    total_logged_time: timeSchema.describe("the whole day"),
    page: pageSchema,
  },
  annotations: READ_ANNOTATIONS,
  async handler(args, ctx) {
    const date = dateArg(args.date, "date", ctx.config);
    const ts = await openTimesheet(ctx.session, ctx.signal, args.email);
    const [week, names] = await Promise.all([ts.week(date), namesFor(ts)]);
    const day = date.toString();
    const weekday = date.toLocaleString("en-US", { weekday: "long" });
    const entries = week ? weekEntries(week, names, (d) => d === day) : [];
    const totals = projectTotals(entries);
    const total = totalOf(entries);
    const head = week
      ? `${weekday} ${day}: ${formatTime(total)} logged in ${count(entries.length, "entry")}${
        week.isCompleted ? " (week completed)" : ""
      }.`
      : `${weekday} ${day}: no week log for that week, so nothing is logged.`;
    return fitPage(entries, args.offset ?? 0, args.limit ?? 100, (page, info) => ({
      text: [
        head,
        ...(totals.length > 1 ? totals.map((p) => `- ${p.project}: ${formatTime(p.total)}`) : []),
        ...(page.length && totals.length > 1 ? ["Entries:"] : []),
        ...page.map(entryLine),
        pageLine("entries", info),
      ].filter(Boolean).join("\n"),
      data: {
        date: day,
        weekday,
        week_log_id: week?.id ?? null,
        is_completed: week?.isCompleted ?? null,
        projects: totals.map((p) => ({
          ...p,
          entries: page.filter((e) => e.project === p.project),
        })),
        total_logged_time: total,
        page: info,
      },
    }));
  },
});

const weekStatusSchema = z.object({
  week_starting: z.string(),
  week_log_id: z.number().int().nullable(),
  status: z.enum(["found", "no_log", "failed"]).describe("failed weeks are listed, never dropped"),
  is_completed: z.boolean().nullable(),
  total_in_range: timeSchema.describe("what this week holds on the days inside the range"),
  error: z.string().optional(),
});

function weekStatus(r: WeekRead, entries: readonly EntryOut[]) {
  const sunday = sundayOf(Temporal.PlainDate.from(r.monday)).toString();
  return {
    week_starting: r.monday,
    week_log_id: r.status === "found" ? r.week.id : null,
    status: r.status,
    is_completed: r.status === "found" ? r.week.isCompleted : null,
    total_in_range: totalOf(entries.filter((e) => e.date >= r.monday && e.date <= sunday)),
    ...(r.status === "failed" ? { error: r.error } : {}),
  };
}

function failedAll(reads: WeekRead[]): void {
  if (reads.length > 0 && reads.every((r) => r.status === "failed")) {
    const first = reads[0] as { error: string };
    throw new UserError(
      `Could not read any week from the ERP: ${first.error}`,
      "Try again in a few minutes.",
    );
  }
}

/** get_logs_for_date_range */
export const getLogsForDateRange = defineTool({
  name: "get_logs_for_date_range",
  title: "Get logs for a date range",
  description:
    `List the entries between two dates (at most ${MAX_RANGE_DAYS} days) with the range's total, per-project totals and each week's state and total. Totals always cover the whole range; the entries come in pages (offset, limit) so a long range stays readable. Each week is read once, concurrently. Weeks the ERP failed to return are listed as failed, so a partial answer is never mistaken for a full one.`,
  input: {
    start_date: dateField("First day", "range_start"),
    end_date: dateField("Last day (inclusive)", "range_end"),
    email: emailArg,
    ...pageArgs("entries"),
  },
  output: {
    start_date: z.string(),
    end_date: z.string(),
    total: timeSchema.describe("the whole range"),
    days: z.array(dayTotalSchema).describe(
      "per-day totals of the days this page lists (each day complete)",
    ),
    projects: z.array(projectTotalSchema).describe("the whole range"),
    weeks: z.array(weekStatusSchema),
    entries: z.array(entrySchema).describe("one page of the range's entries, by date"),
    page: pageSchema,
    complete: z.boolean().describe("false when some week could not be read"),
  },
  annotations: READ_ANNOTATIONS,
  async handler(args, ctx) {
    const { start, end } = rangeArgs(
      args.start_date,
      args.end_date,
      ctx.config,
      MAX_RANGE_DAYS,
    );
    const ts = await openTimesheet(ctx.session, ctx.signal, args.email);
    const [reads, names] = await Promise.all([ts.weeks(mondaysBetween(start, end)), namesFor(ts)]);
    failedAll(reads);
    const from = start.toString();
    const to = end.toString();
    const entries = reads.flatMap((r) =>
      r.status === "found" ? weekEntries(r.week, names, (d) => d >= from && d <= to) : []
    );
    const failed = reads.filter((r) => r.status === "failed");
    const total = totalOf(entries);
    const projects = projectTotals(entries);
    const weeks = reads.map((r) => weekStatus(r, entries));
    const allDays = dayTotals(entries);
    return fitPage(entries, args.offset ?? 0, args.limit ?? 100, (page, info) => {
      const listed = new Set(page.map((e) => e.date));
      return {
        text: [
          `${from} to ${to}: ${formatTime(total)} in ${count(entries.length, "entry")} over ${
            count(reads.length, "week")
          }.`,
          ...projects.map((p) => `- ${p.project}: ${formatTime(p.total)}`),
          ...failed.map((r) =>
            `Week of ${r.monday} could not be read: ${(r as { error: string }).error}`
          ),
          ...(page.length ? ["Entries:"] : []),
          ...page.map(entryLine),
          pageLine("entries", info),
        ].filter(Boolean).join("\n"),
        data: {
          start_date: from,
          end_date: to,
          total,
          days: allDays.filter((d) => listed.has(d.date)),
          projects,
          weeks,
          entries: page,
          page: info,
          complete: failed.length === 0,
        },
      };
    });
  },
});

const monthWeekSchema = weekSchema.extend({
  total: timeSchema.describe("the whole week, Monday to Sunday, including days outside the month"),
  total_in_month: timeSchema.describe("only the days of this week inside the month"),
  in_month_from: z.string().describe("the first day of this week inside the month"),
  in_month_to: z.string().describe("the last day of this week inside the month"),
});

/** get_month_logs */
export const getMonthLogs = defineTool({
  name: "get_month_logs",
  title: "Get a month's logs",
  description:
    'Show a month: its total (days inside the month only), every week that overlaps it with its state, its whole-week total and the part of it inside the month, and the month\'s entries (in pages: offset, limit). Use for "review my month".',
  input: {
    year: z.number().int().min(MIN_YEAR).max(MAX_YEAR).describe("Year, e.g. 2026"),
    month: z.number().int().min(1).max(12).describe("Month, 1-12"),
    email: emailArg,
    ...pageArgs("entries"),
  },
  output: {
    year: z.number().int(),
    month: z.number().int(),
    first_day: z.string(),
    last_day: z.string(),
    total_in_month: timeSchema,
    weeks: z.array(monthWeekSchema),
    entries: z.array(entrySchema).describe("one page of the entries inside the month, by date"),
    page: pageSchema,
    missing_weeks: z.array(z.string()).describe("Mondays of overlapping weeks with no week log"),
    failed_weeks: z.array(z.object({ week_starting: z.string(), error: z.string() })),
  },
  annotations: READ_ANNOTATIONS,
  meta: WEEK_GRID_META,
  async handler(args, ctx) {
    const first = Temporal.PlainDate.from({ year: args.year, month: args.month, day: 1 });
    const last = first.add({ months: 1 }).subtract({ days: 1 });
    const ts = await openTimesheet(ctx.session, ctx.signal, args.email);
    const [summaries, names] = await Promise.all([
      ts.erp.monthList(args.year, args.month),
      namesFor(ts),
    ]);
    ts.rememberWeeks(summaries);
    const mondays = mondaysBetween(first, last);
    const listed = new Set(summaries.map((s) => s.monday));
    const reads = await ts.weeks(mondays.filter((m) => listed.has(m.toString())));
    failedAll(reads);
    const from = first.toString();
    const to = last.toString();
    const weeks = reads.flatMap((r) => {
      if (r.status !== "found") return [];
      const all = weekEntries(r.week, names);
      const inside = all.filter((e) => e.date >= from && e.date <= to);
      return [{
        week_log_id: r.week.id,
        week_starting: r.week.monday,
        week_ending: r.week.sunday,
        is_completed: r.week.isCompleted,
        total: totalOf(all),
        total_in_month: totalOf(inside),
        in_month_from: r.week.monday < from ? from : r.week.monday,
        in_month_to: r.week.sunday > to ? to : r.week.sunday,
        inside,
      }];
    });
    const inMonth = weeks.flatMap((w) => w.inside);
    const total = totalOf(inMonth);
    const missing = mondays.map(String).filter((m) => !weeks.some((w) => w.week_starting === m));
    const failed = reads.flatMap((r) =>
      r.status === "failed" ? [{ week_starting: r.monday, error: r.error }] : []
    );
    const monthName = first.toLocaleString("en-US", { month: "long", year: "numeric" });
    const monthWord = first.toLocaleString("en-US", { month: "long" });
    const weekLine = (w: typeof weeks[number]) => {
      const state = w.is_completed ? "completed" : "draft";
      const whole = w.in_month_from === w.week_starting && w.in_month_to === w.week_ending;
      return whole
        ? `- Week of ${w.week_starting} (${state}): ${formatTime(w.total)}, all in ${monthWord}`
        : `- Week of ${w.week_starting} (${state}): ${formatTime(w.total)} in the whole week, ${
          formatTime(w.total_in_month)
        } of it in ${monthWord} (${w.in_month_from} to ${w.in_month_to})`;
    };
    return fitPage(inMonth, args.offset ?? 0, args.limit ?? 100, (page, info) => ({
      text: [
        `${monthName} (${from} to ${to}): ${formatTime(total)} logged in ${
          count(inMonth.length, "entry")
        }; weeks that straddle the month count only their days inside it.`,
        ...weeks.map(weekLine),
        ...(missing.length ? [`No week log for: ${missing.join(", ")}`] : []),
        ...failed.map((f) => `Week of ${f.week_starting} could not be read: ${f.error}`),
        ...(page.length ? ["Entries:"] : []),
        ...page.map(entryLine),
        pageLine("entries", info),
      ].filter(Boolean).join("\n"),
      data: {
        year: args.year,
        month: args.month,
        first_day: from,
        last_day: to,
        total_in_month: total,
        weeks: weeks.map(({ inside: _, ...w }) => w),
        entries: page,
        page: info,
        missing_weeks: missing.filter((m) => !failed.some((f) => f.week_starting === m)),
        failed_weeks: failed,
      },
    }));
  },
});

/** get_active_projects */
export const getActiveProjects = defineTool({
  name: "get_active_projects",
  title: "List my projects",
  description:
    "List the projects (teams) the person can log time on, with the team id to pass as project_id. Names can repeat across clients: use the full name or the id when writing.",
  input: { email: emailArg, ...pageArgs("projects") },
  output: {
    projects: z.array(z.object({
      id: z.number().int().describe("team id: the project_id of write tools"),
      team: z.string().describe("full name"),
      subteam: z.string().describe("short name"),
      is_active: z.boolean(),
    })),
    page: pageSchema,
  },
  annotations: READ_ANNOTATIONS,
  async handler(args, ctx) {
    const ts = await openTimesheet(ctx.session, ctx.signal, args.email);
    const projects = (await ts.teams()).map((t) => ({
      id: t.id,
      team: t.team,
      subteam: t.subteam,
      is_active: t.isActive,
    }));
    return fitPage(projects, args.offset ?? 0, args.limit ?? 100, (page, info) => ({
      text: [
        `${count(projects.length, "project")}:`,
        ...page.map((p) => `- ${p.team} (id ${p.id})`),
        pageLine("projects", info),
      ].filter(Boolean).join("\n"),
      data: { projects: page, page: info },
    }));
  },
});

/** get_log_labels */
export const getLogLabels = defineTool({
  name: "get_log_labels",
  title: "List entry labels",
  description:
    "List the labels an entry can carry (Coding, Code Review, Meeting, …) with their ids.",
  input: { email: emailArg, ...pageArgs("labels") },
  output: {
    labels: z.array(z.object({ id: z.number().int(), name: z.string() })),
    page: pageSchema,
  },
  annotations: READ_ANNOTATIONS,
  async handler(args, ctx) {
    const ts = await openTimesheet(ctx.session, ctx.signal, args.email);
    const labels = (await ts.labels()).map((l) => ({ id: l.id, name: l.name }));
    return fitPage(labels, args.offset ?? 0, args.limit ?? 100, (page, info) => ({
      text: [
        `Labels: ${page.map((l) => `${l.name} (${l.id})`).join(", ")}`,
        pageLine("labels", info),
      ].filter(Boolean).join("\n"),
      data: { labels: page, page: info },
    }));
  },
});

/** check_person_week_project_exists */
export const checkWeekProject = defineTool({
  name: "check_person_week_project_exists",
  title: "Check a project is in a week",
  description:
    "Say whether the week holding a date has a week log, and whether that log has the given project (time can only be added to projects already in the week).",
  input: { date: dateField("Any date in the week", "week"), ...projectArgs, email: emailArg },
  output: {
    exists: z.boolean().describe("true only when the week log has this project"),
    week_log_exists: z.boolean(),
    week_starting: z.string(),
    team_id: z.number().int(),
    project: z.string(),
    week_project_id: z.number().int().nullable(),
    is_completed: z.boolean().nullable(),
  },
  annotations: READ_ANNOTATIONS,
  async handler(args, ctx) {
    const date = weekArg(args.date, "date", ctx.config);
    const ts = await openTimesheet(ctx.session, ctx.signal, args.email);
    const [team, week] = await Promise.all([ts.team(args), ts.week(date)]);
    const project = week ? findWeekProject(week, team) : undefined;
    const monday = date.toString();
    return {
      text: !week
        ? `No week log for the week of ${monday}, so "${team.team}" is not in it.`
        : project
        ? `Yes: the week of ${monday} has "${team.team}" (week project ${project.id}).`
        : `No: the week of ${monday} has a log, but not "${team.team}".`,
      data: {
        exists: !!project,
        week_log_exists: !!week,
        week_starting: monday,
        team_id: team.id,
        project: team.team,
        week_project_id: project?.id ?? null,
        is_completed: week?.isCompleted ?? null,
      },
    };
  },
});

/** Every read tool. */
export const readTools = [
  getWeekLogs,
  getDayLogs,
  getLogsForDateRange,
  getMonthLogs,
  getActiveProjects,
  getLogLabels,
  checkWeekProject,
];
