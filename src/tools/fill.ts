/**
 * fill_logs_for_days: one entry on many days, never double-booking by default. Each day is
 * planned from what it holds (empty_days, top_up or every_day), weekends, holidays and days after
 * today are left out unless asked for, and a fill that writes asks the person first.
 */
import { z } from "zod";
import { datesBetween, isWeekend, mondayOf, type PlainDate, today } from "../dates.ts";
import { ErpError } from "../erp/errors.ts";
import type { Label, Team, WeekLog } from "../erp/types.ts";
import { cloneWeek, dayTotal, findTask, findWeekProject, putEntry } from "../erp/week.ts";
import { UserError } from "../errors.ts";
import { formatTime, timeOut } from "../logs/present.ts";
import {
  mapLimit,
  openTimesheet,
  SaveUnconfirmed,
  type Timesheet,
  type WeekRead,
} from "../logs/timesheet.ts";
import { rangeArgs } from "./args.ts";
import { askLine, confirmationOutput, confirmationTokenArg } from "./confirm.ts";
import { defineTool, type ToolContext } from "./define_tool.ts";
import {
  dateArg as dateField,
  descriptionArg,
  emailArg,
  hoursArg,
  labelArgs,
  projectArgs,
  timeSchema,
  WRITE_IDEMPOTENT,
  writeCounts,
} from "./schemas.ts";
import {
  boundAnswer,
  cutLines,
  minutesOf,
  missingProject,
  pending,
  plural,
  slackOrExplain,
} from "./write_shared.ts";

/** What a confirmation message's list of days may take, in characters. */
const MESSAGE_BUDGET_CHARS = 20_000;

/** The most days one fill covers. */
export const MAX_FILL_DAYS = 62;

/** How a fill treats a day that already holds time. */
export const FILL_MODES = ["empty_days", "top_up", "every_day"] as const;
type Mode = typeof FILL_MODES[number];

/** One day's outcome in a fill. */
type DayStatus = "written" | "planned" | "skipped" | "failed" | "unknown" | "not_started";

/** One day of a fill, in minutes: what it held, what the entry is set to, the total after. */
interface DayOutcome {
  date: string;
  status: DayStatus;
  reason?: string;
  held?: number;
  writes?: number;
  after?: number;
}

/** What every day of one fill writes. */
interface FillWhat {
  team: Team;
  label: Label;
  minutes: number;
  description: string;
  mode: Mode;
  /** No label asked for: existing entries keep theirs. */
  keepLabel: boolean;
}

/** What a preview keeps with its token, so the confirmed call need not read the weeks again. */
interface FillMemo {
  fill: WeekRead[];
}

const dayStatusSchema = z.enum([
  "written",
  "planned",
  "skipped",
  "failed",
  "unknown",
  "not_started",
]).describe(
  "written; planned (dry run or awaiting confirmation); skipped (see reason: already holds time, weekend, holiday, after today); failed (see reason); unknown: the ERP did not confirm the save and the week could not be re-read; not_started: the client cancelled before this week was sent",
);

/** fill_logs_for_days */
export const fillLogsForDays = defineTool({
  name: "fill_logs_for_days",
  title: "Fill days with the same entry",
  description:
    `Log one entry (project, description, hours, label) on the days of a range of at most ${MAX_FILL_DAYS} days, e.g. "fill my missing days this month with 8 h": start_date "this month", end_date "this month", hours_per_day 8 — only days holding nothing get 8 h; days already logged, weekends, holidays and days after today are skipped, each with its reason. mode: empty_days (default) writes only on days with nothing logged; top_up brings each day's total up to hours_per_day, writing the difference; every_day sets the entry to hours_per_day on every day whatever the day already holds (the original behaviour: it can make 16 h days). Weekends are skipped unless skip_weekends is false; holidays (MCP_HOLIDAYS) unless include_holidays; days after today unless include_future. The plan and the result show per day what it held, what is written (the time added, the entry's hours) and the day's total after. One read and one save per week. Every fill that writes asks the person first (see confirmation_token) unless confirmation is off; dry_run shows the plan and writes nothing.`,
  input: {
    start_date: dateField("First day", "range_start"),
    end_date: dateField("Last day (inclusive)", "range_end"),
    ...projectArgs,
    description: descriptionArg,
    hours_per_day: hoursArg.default(8).describe(
      "Hours per day, more than 0, at most 24 (default 8); with top_up, the total each day reaches",
    ),
    ...labelArgs,
    mode: z.enum(FILL_MODES).default("empty_days").describe(
      "empty_days (default): only days with nothing logged; top_up: bring each day up to hours_per_day, writing the difference; every_day: set the entry on every day whatever it holds (can double-book)",
    ),
    skip_weekends: z.boolean().optional().describe(
      "Leave Saturdays and Sundays out: true when omitted; false includes them",
    ),
    include_holidays: z.boolean().default(false).describe(
      "true also fills the holidays listed in MCP_HOLIDAYS (default false: skipped)",
    ),
    include_future: z.boolean().default(false).describe(
      "true also fills days after today (default false: skipped)",
    ),
    dry_run: z.boolean().default(false).describe("true returns the plan and writes nothing"),
    email: emailArg,
    confirmation_token: confirmationTokenArg,
  },
  output: {
    status: z.enum(["done", "planned", "needs_confirmation", "declined", "cancelled"]).describe(
      "planned: dry run; needs_confirmation: ask the person, then call again with confirmation_token; cancelled: the client cancelled while writing (days says which were written)",
    ),
    dry_run: z.boolean(),
    mode: z.enum(FILL_MODES),
    start_date: z.string(),
    end_date: z.string(),
    team_id: z.number().int(),
    project: z.string(),
    label: z.string(),
    hours_per_day: timeSchema,
    skipping: z.array(z.string()).describe(
      "which days the calendar rules leave out, and whether by default",
    ),
    days: z.array(z.object({
      date: z.string(),
      status: dayStatusSchema,
      reason: z.string().optional(),
      held: timeSchema.optional().describe("the day's total before, all projects"),
      writes: timeSchema.optional().describe("the hours this entry is set to on that day"),
      adds: timeSchema.optional().describe(
        "the time this fill adds to the day (total after minus what it held)",
      ),
      total_after: timeSchema.optional().describe(
        "the day's total after (planned: what it would be)",
      ),
    })),
    ...writeCounts,
    not_started: z.number().int().describe("days of weeks not sent because the client cancelled"),
    omitted: z.number().int().describe(
      "days left out of days (and of the text) to keep the answer under about 40,000 characters; the counts cover every day",
    ),
    ...confirmationOutput,
  },
  annotations: WRITE_IDEMPOTENT,
  async handler(args, ctx) {
    const { start, end } = rangeArgs(args.start_date, args.end_date, ctx.config, MAX_FILL_DAYS);
    const minutes = minutesOf(args.hours_per_day, "hours_per_day");
    const mode: Mode = args.mode ?? "empty_days";
    const skipWeekends = args.skip_weekends ?? true;
    const now = today(ctx.config);
    const holidays = new Set(ctx.config.holidays);
    const skipping = [
      skipWeekends
        ? `weekends skipped${
          args.skip_weekends === undefined ? " (default; skip_weekends false includes them)" : ""
        }`
        : "weekends included (skip_weekends false)",
      args.include_holidays
        ? "holidays included (include_holidays)"
        : "holidays skipped (default; include_holidays true includes them)",
      args.include_future
        ? "days after today included (include_future)"
        : `days after today (${now}) skipped (default; include_future true includes them)`,
    ];
    const outcomes = new Map<string, DayOutcome>();
    const set = (o: DayOutcome) => outcomes.set(o.date, o);
    const all = datesBetween(start, end);
    const days: PlainDate[] = [];
    for (const d of all) {
      const date = d.toString();
      if (skipWeekends && isWeekend(d)) set({ date, status: "skipped", reason: "weekend" });
      else if (!args.include_holidays && holidays.has(date)) {
        set({ date, status: "skipped", reason: "holiday (MCP_HOLIDAYS)" });
      } else if (!args.include_future && Temporal.PlainDate.compare(d, now) > 0) {
        set({ date, status: "skipped", reason: "after today" });
      } else days.push(d);
    }
    const ts = await openTimesheet(ctx.session, ctx.signal, args.email);
    const [team, label] = await Promise.all([ts.team(args), ts.labelForWrite(args)]);
    const what: FillWhat = {
      team,
      label,
      minutes,
      description: args.description,
      mode,
      keepLabel: args.label_id === undefined && !args.label_name,
    };
    const byWeek = new Map<string, PlainDate[]>();
    for (const d of days) {
      const key = mondayOf(d).toString();
      byWeek.set(key, [...(byWeek.get(key) ?? []), d]);
    }
    const mondays = [...byWeek.keys()];
    // A confirmed call starts from what its own preview read moments before; the save's 409
    // check (and the re-plan after it) keeps that safe if the week changed since.
    // Only weeks read in full are reused: a week that failed is tried again, and a week that had
    // no log is looked up again (the Slack path adds rather than replaces).
    const memo = ctx.confirm.recall(args.confirmation_token, ts.email) as FillMemo | undefined;
    const remembered = new Map(
      (memo?.fill ?? []).filter((r) => r.status === "found").map((r) => [r.monday, r]),
    );
    const fresh = await ts.weeks(
      mondays.filter((m) => !remembered.has(m)).map((m) => Temporal.PlainDate.from(m)),
    );
    const reads = mondays.map((m) => remembered.get(m) ?? fresh.find((r) => r.monday === m)!);

    // The plan: no ERP request.
    for (const read of reads) {
      for (const o of planWeek(read, byWeek.get(read.monday)!, what)) set(o);
    }
    let outcome: {
      status: "done" | "planned" | "needs_confirmation" | "declined" | "cancelled";
      confirmation_token?: string;
      expires_at?: string;
    } = { status: args.dry_run ? "planned" : "done" };
    let askText = "";
    const planned = () => [...outcomes.values()].filter((o) => o.status === "planned");
    const toWrite = planned();
    if (!args.dry_run && toWrite.length > 0) {
      const answer = await ctx.confirm.ask({
        tool: "fill_logs_for_days",
        args,
        who: ts.email,
        message: [
          `Log "${args.description}" on "${team.team}" (${label.name}) on these ${
            plural(toWrite.length, "day")
          }? ${planCounts(outcomes)}.`,
          ...cutLines(
            [...outcomes.values()].filter((o) => o.status === "planned" || o.status === "failed")
              .map((o) => dayLine(o, true)),
            MESSAGE_BUDGET_CHARS,
            "day",
          ),
        ].join("\n"),
        shown: {
          start: start.toString(),
          end: end.toString(),
          team: team.id,
          days: toWrite.map((o) => [o.date, o.writes]),
        },
        memo: { fill: reads } satisfies FillMemo,
      }, ctx.signal);
      if (answer.status !== "confirmed") {
        outcome = pending(answer);
        askText = askLine("fill_logs_for_days", answer);
      }
    }
    if (outcome.status === "done" && toWrite.length > 0) {
      const plannedDays = (monday: string) =>
        byWeek.get(monday)!.map(String).filter((d) => outcomes.get(d)?.status === "planned");
      await writeWeeks(ts, reads, plannedDays, what, set, ctx);
      if (ctx.signal.aborted) outcome = { status: "cancelled" };
    }
    const list = all.map((d) => outcomes.get(d.toString())!);
    const count = (s: DayStatus) => list.filter((o) => o.status === s).length;
    const failed = count("failed");
    const unknown = count("unknown");
    const data = {
      ...outcome,
      dry_run: args.dry_run,
      mode,
      start_date: start.toString(),
      end_date: end.toString(),
      team_id: team.id,
      project: team.team,
      label: label.name,
      hours_per_day: timeOut(minutes),
      skipping,
      written: count("written"),
      planned: count("planned"),
      skipped: count("skipped"),
      failed,
      unknown,
      not_started: count("not_started"),
    };
    const modeLine = mode === "empty_days"
      ? `mode empty_days: only days with nothing logged get ${formatTime(timeOut(minutes))}`
      : mode === "top_up"
      ? `mode top_up: each day is brought up to ${formatTime(timeOut(minutes))} in total`
      : `mode every_day: the entry is set to ${
        formatTime(timeOut(minutes))
      } on every day, whatever the day already holds`;
    const what_ = `"${team.team}", "${args.description}" (${modeLine}; ${skipping.join("; ")})`;
    const counts = planCounts(outcomes);
    const head = outcome.status === "needs_confirmation"
      ? `Plan (nothing written yet): ${counts} — ${what_}.`
      : outcome.status === "declined"
      ? `The person declined: nothing was written (planned: ${
        plural(data.planned, "day")
      }) — ${what_}.`
      : args.dry_run
      ? `Plan (nothing written): ${counts} — ${what_}.`
      : `${
        outcome.status === "cancelled"
          ? "Cancelled by the client"
          : unknown
          ? "Not confirmed"
          : failed
          ? (data.written ? "Partly done" : "Nothing written")
          : data.written
          ? "Done"
          : "Nothing to write"
      }: ${plural(data.written, "day")} written, ${data.skipped} skipped, ${failed} failed${
        unknown ? `, ${unknown} unknown (check with get_week_logs before trying again)` : ""
      }${
        data.not_started ? `, ${data.not_started} not started (not sent: nothing written)` : ""
      } — ${what_}.`;
    const plan = outcome.status !== "done" && outcome.status !== "cancelled";
    const { text, data: answer } = boundAnswer(list, (shown, omitted) => ({
      text: [
        head,
        ...shown.map((o) => dayLine(o, plan)),
        ...(omitted
          ? [
            `- … and ${plural(omitted, "more day")} (counted above; narrow the range to list them)`,
          ]
          : []),
        ...(askText ? [askText] : []),
      ].join("\n"),
      data: { ...data, days: shown.map(dayOut), omitted },
    }));
    if (outcome.status === "cancelled") {
      // The server's log first: the connection itself may be gone (stdin closed).
      ctx.log.info(
        `fill_logs_for_days cancelled by the client: ${
          plural(data.written, "day")
        } written, ${data.not_started} not started`,
      );
      // The SDK drops a cancelled request's result: a log message still reaches the client.
      await ctx.notify?.("warning", { message: text, result: answer })?.catch(() => {});
    }
    return {
      text,
      data: answer,
      isError: failed + unknown + data.not_started > 0 && outcome.status !== "planned" &&
        outcome.status !== "needs_confirmation" && outcome.status !== "declined",
    };
  },
});

/** One day for the structured result. */
function dayOut(o: DayOutcome) {
  return {
    date: o.date,
    status: o.status,
    ...(o.reason ? { reason: o.reason } : {}),
    ...(o.held !== undefined ? { held: timeOut(o.held) } : {}),
    ...(o.writes !== undefined ? { writes: timeOut(o.writes) } : {}),
    ...(o.after !== undefined ? { total_after: timeOut(o.after) } : {}),
    ...(o.after !== undefined && o.held !== undefined && o.after >= o.held
      ? { adds: timeOut(o.after - o.held) }
      : {}),
  };
}

/** The plan's counts, in the same words for a dry run and a preview that asks. */
function planCounts(outcomes: Map<string, DayOutcome>): string {
  const all = [...outcomes.values()];
  const n = (s: DayStatus) => all.filter((o) => o.status === s).length;
  return `${plural(n("planned"), "day")} to write, ${n("skipped")} skipped, ${
    n("failed")
  } would fail`;
}

/** One line of the plan (`plan`: a failure is one that would happen) or of the result. */
function dayLine(o: DayOutcome, plan = false): string {
  const t = (m: number) => formatTime(timeOut(m));
  const numbers = o.writes !== undefined && o.after !== undefined
    ? ` ${o.after >= (o.held ?? 0) ? `+${t(o.after - (o.held ?? 0))}` : "(less)"} (held ${
      t(o.held ?? 0)
    }, total after ${t(o.after)}; the entry set to ${t(o.writes)})`
    : o.held !== undefined
    ? ` (holds ${t(o.held)})`
    : "";
  const status = plan && o.status === "failed" ? "would fail" : o.status;
  return `- ${o.date}: ${status}${numbers}${o.reason ? ` — ${o.reason}` : ""}`;
}

/** Plans the days of one read week; no ERP request. */
function planWeek(read: WeekRead, days: PlainDate[], what: FillWhat): DayOutcome[] {
  if (read.status === "failed") {
    return days.map((d) => ({
      date: d.toString(),
      status: "failed",
      reason: `the week could not be read: ${read.error}`,
    }));
  }
  if (read.status === "no_log") {
    return days.map((d) => ({
      date: d.toString(),
      status: "planned",
      reason: "no week log: through the ERP's Slack endpoint",
      held: 0,
      writes: what.minutes,
      after: what.minutes,
    }));
  }
  return planDays(cloneWeek(read.week), days.map(String), what);
}

/**
 * Decides each day on `week` (which it edits): skipped (why), failed (why) or planned, with what
 * the day held, what the entry is set to and the day's total after.
 */
function planDays(week: WeekLog, days: string[], what: FillWhat): DayOutcome[] {
  const project = findWeekProject(week, what.team);
  return days.map((date): DayOutcome => {
    const held = dayTotal(week, date);
    const existing = project &&
      findTask(project, what.description)?.days.find((x) => x.date === date);
    let entry = what.minutes;
    if (what.mode === "empty_days" && held > 0) {
      return { date, status: "skipped", held, reason: "already holds time (mode empty_days)" };
    }
    if (what.mode === "top_up") {
      if (held >= what.minutes) {
        return {
          date,
          status: "skipped",
          held,
          reason: `already holds ${formatTime(timeOut(what.minutes))} or more (mode top_up)`,
        };
      }
      entry = (existing?.minutes ?? 0) + what.minutes - held;
    }
    // A day the mode leaves alone is skipped, whatever else is wrong with its week.
    if (!project) {
      return { date, status: "failed", held, reason: missingProject(what.team, week).message };
    }
    if (week.isCompleted) {
      return { date, status: "failed", held, reason: "the week is completed (submitted)" };
    }
    try {
      const action = putEntry(week, {
        projectId: project.id,
        date,
        description: what.description,
        minutes: entry,
        label: what.label.id,
        keepLabel: what.keepLabel,
      });
      if (action === "unchanged") {
        return { date, status: "skipped", held, reason: "already logged with these hours" };
      }
      return { date, status: "planned", held, writes: entry, after: dayTotal(week, date) };
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      return { date, status: "failed", held, reason: error.message };
    }
  });
}

/**
 * Writes the planned weeks one at a time, so a cancellation stops before the next week: a save
 * already sent is finished and reported, weeks not yet sent are not sent.
 */
async function writeWeeks(
  ts: Timesheet,
  reads: WeekRead[],
  plannedDays: (monday: string) => string[],
  what: FillWhat,
  set: (o: DayOutcome) => void,
  ctx: ToolContext,
): Promise<void> {
  const statusOf = new Map<string, DayStatus>();
  const record = (o: DayOutcome) => {
    statusOf.set(o.date, o.status);
    set(o);
  };
  const outcomesOf = (d: string) => statusOf.get(d) ?? "planned";
  const todo = reads.map((read) => ({ read, days: plannedDays(read.monday) }))
    .filter((w) => w.read.status !== "failed" && w.days.length > 0);
  let done = 0;
  await mapLimit(todo, 1, async ({ read, days }) => {
    if (ctx.signal.aborted) {
      for (const date of days) {
        record({
          date,
          status: "not_started",
          reason: "cancelled by the client before this week was sent",
        });
      }
    } else {
      try {
        if (read.status === "no_log") {
          await slackOrExplain(
            ts,
            days.map((date) => ({ date: Temporal.PlainDate.from(date), minutes: what.minutes })),
            what,
          );
          for (const date of days) {
            record({
              date,
              status: "written",
              reason: "through the Slack endpoint (the week had no week log)",
              held: 0,
              writes: what.minutes,
              after: what.minutes,
            });
          }
        } else if (read.status === "found") {
          await saveWeek(ts, read.week, days, what, record);
        }
      } catch (error) {
        const known = error instanceof UserError || error instanceof ErpError;
        const reason = known
          ? error.message
          : ctx.signal.aborted
          ? "cancelled by the client before this week was saved"
          : "internal error (details in the server's log)";
        if (!known && !ctx.signal.aborted) ctx.log.error("fill_logs_for_days week failed", error);
        if (error instanceof ErpError && error.kind === "unauthorized") {
          ctx.session.tokenRejected();
        }
        // A lost answer is not a failure: those days may be stored.
        const status: DayStatus = error instanceof SaveUnconfirmed
          ? "unknown"
          : !known && ctx.signal.aborted
          ? "not_started"
          : "failed";
        for (const date of days) {
          if (outcomesOf(date) === "planned") record({ date, status, reason });
        }
      }
    }
    done++;
    const counts = days.map(outcomesOf);
    const n = (s: DayStatus) => counts.filter((c) => c === s).length;
    await ctx.progress(
      done,
      todo.length,
      `week of ${read.monday}: ${n("written")} written, ${n("not_started")} not started, ${
        n("failed") + n("unknown")
      } failed or unknown, ${n("skipped")} skipped`,
    );
  });
}

/**
 * Saves one week's planned days. The edit re-plans on the week it is applied to, so after a 409
 * the re-read decides: a day another edit filled meanwhile is reported skipped, never written.
 */
async function saveWeek(
  ts: Timesheet,
  week: WeekLog,
  days: string[],
  what: FillWhat,
  record: (o: DayOutcome) => void,
): Promise<void> {
  let last: DayOutcome[] = [];
  // A day is stored when setting the entry again to what the last plan set it to (hours and,
  // unless no label was asked for, the label) would change nothing on the re-read week.
  const stored = (w: WeekLog) => (o: DayOutcome) => {
    const copy = cloneWeek(w);
    const p = findWeekProject(copy, what.team);
    if (!p || o.writes === undefined) return false;
    try {
      return putEntry(copy, {
        projectId: p.id,
        date: o.date,
        description: what.description,
        minutes: o.writes,
        label: what.label.id,
        keepLabel: what.keepLabel,
      }) === "unchanged";
    } catch {
      return false;
    }
  };
  try {
    const { saved, result, retried } = await ts.save(
      week,
      (copy) => (last = planDays(copy, days, what)),
      (w) => {
        const planned = last.filter((o) => o.status === "planned");
        return `${planned.filter(stored(w)).length} of ${plural(planned.length, "day")} stored`;
      },
    );
    for (const o of result) {
      if (o.status === "planned") {
        record({
          ...o,
          status: "written",
          after: dayTotal(saved, o.date),
          ...(retried ? { reason: "re-planned on the week re-read after another edit" } : {}),
        });
      } else {
        record({
          ...o,
          reason: `${o.reason ?? o.status} (seen when re-reading the week after another edit)`,
        });
      }
    }
  } catch (error) {
    if (error instanceof SaveUnconfirmed) {
      // The answer was lost: say per day what the re-read shows, or that nobody knows.
      const has = error.stored ? stored(error.stored) : undefined;
      for (const o of last.length ? last : days.map((date) => ({ date } as DayOutcome))) {
        if (o.status !== "planned") continue;
        if (!has) record({ ...o, status: "unknown", reason: error.message });
        else if (has(o)) {
          record({
            ...o,
            status: "written",
            reason: "confirmed by re-reading after a lost answer",
          });
        } else {
          record({
            ...o,
            status: "failed",
            reason: "the save was not confirmed and the day is not stored",
          });
        }
      }
      return;
    }
    if (error instanceof ErpError) {
      for (const date of days) {
        record({ date, status: "failed", reason: error.erpMessage ?? error.message });
      }
      if (error.kind === "unauthorized") ts.session.tokenRejected();
      return;
    }
    if (error instanceof UserError) {
      for (const date of days) record({ date, status: "failed", reason: error.message });
      return;
    }
    throw error;
  }
}
