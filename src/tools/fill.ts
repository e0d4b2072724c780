/** fill_logs_for_days: the same entry on many days, one read and one save per week. */
import { z } from "zod";
import { datesBetween, isWeekend, mondayOf, type PlainDate } from "../dates.ts";
import { ErpError } from "../erp/errors.ts";
import type { Label, Team, WeekLog } from "../erp/types.ts";
import { cloneWeek, findTask, findWeekProject, putEntry } from "../erp/week.ts";
import { UserError } from "../errors.ts";
import { formatTime, timeOut } from "../logs/present.ts";
import { mapLimit, openTimesheet, SaveUnconfirmed, type Timesheet } from "../logs/timesheet.ts";
import { rangeArgs } from "./args.ts";
import { askLine, confirmationOutput, confirmationTokenArg } from "./confirm.ts";
import { defineTool } from "./define_tool.ts";
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
  writeStatusSchema,
} from "./schemas.ts";
import { minutesOf, missingProject, pending, slackOrExplain } from "./write_shared.ts";

/** The most days one fill covers. */
export const MAX_FILL_DAYS = 62;

/** Fills writing more days than this ask the person first. */
export const CONFIRM_ABOVE_DAYS = 5;

/** One day's outcome in a fill. */
type DayStatus = "written" | "planned" | "skipped" | "failed" | "unknown";
interface DayOutcome {
  date: string;
  status: DayStatus;
  reason?: string;
}

/** fill_logs_for_days */
export const fillLogsForDays = defineTool({
  name: "fill_logs_for_days",
  title: "Fill days with the same entry",
  description:
    `Log the same entry (project, description, hours, label) on every day of a range of at most ${MAX_FILL_DAYS} days, e.g. "fill my missing days this month". Idempotent: a day that already has this entry with these hours is skipped. One read and one save per week. Reports each day as written, skipped (why) or failed (the ERP's reason). Use dry_run to show the plan first; writing more than ${CONFIRM_ABOVE_DAYS} days asks the person first (see confirmation_token).`,
  input: {
    start_date: dateField("First day"),
    end_date: dateField("Last day (inclusive)"),
    ...projectArgs,
    description: descriptionArg,
    hours_per_day: hoursArg.default(8).describe(
      "Hours per day, more than 0, at most 24 (default 8)",
    ),
    ...labelArgs,
    skip_weekends: z.boolean().default(false).describe(
      "true leaves Saturdays and Sundays out (default false)",
    ),
    dry_run: z.boolean().default(false).describe("true returns the plan and writes nothing"),
    email: emailArg,
    confirmation_token: confirmationTokenArg,
  },
  output: {
    status: z.enum(["done", "planned", "needs_confirmation", "declined"]).describe(
      "planned: dry run; needs_confirmation: ask the person, then call again with confirmation_token",
    ),
    dry_run: z.boolean(),
    start_date: z.string(),
    end_date: z.string(),
    team_id: z.number().int(),
    project: z.string(),
    label: z.string(),
    hours_per_day: timeSchema,
    days: z.array(z.object({
      date: z.string(),
      status: writeStatusSchema,
      reason: z.string().optional(),
    })),
    ...writeCounts,
    ...confirmationOutput,
  },
  annotations: WRITE_IDEMPOTENT,
  async handler(args, ctx) {
    const { start, end } = rangeArgs(
      args.start_date,
      args.end_date,
      ctx.config,
      MAX_FILL_DAYS,
    );
    const minutes = minutesOf(args.hours_per_day, "hours_per_day");
    const days = datesBetween(start, end).filter((d) => !(args.skip_weekends && isWeekend(d)));
    if (days.length === 0) {
      throw new UserError(`No day to fill between ${start} and ${end}: all are weekend days`);
    }
    const ts = await openTimesheet(ctx.session, ctx.signal, args.email);
    const [team, label] = await Promise.all([ts.team(args), ts.labelForWrite(args)]);
    const byWeek = new Map<string, PlainDate[]>();
    for (const d of days) {
      const key = mondayOf(d).toString();
      byWeek.set(key, [...(byWeek.get(key) ?? []), d]);
    }
    const mondays = [...byWeek.keys()].map((m) => Temporal.PlainDate.from(m));
    const reads = await ts.weeks(mondays);
    const outcomes = new Map<string, DayOutcome>();
    const set = (d: PlainDate | string, status: DayStatus, reason?: string) =>
      outcomes.set(String(d), { date: String(d), status, ...(reason ? { reason } : {}) });
    // One pass over the weeks already read: a dry pass only plans (no ERP request), so a large
    // fill can be shown to the person before the real pass writes it.
    const pass = async (dryRun: boolean) => {
      outcomes.clear();
      let done = 0;
      await mapLimit(reads, 4, async (read) => {
        const weekDays = byWeek.get(read.monday)!;
        try {
          if (read.status === "failed") {
            for (const d of weekDays) set(d, "failed", `the week could not be read: ${read.error}`);
          } else if (read.status === "no_log") {
            if (dryRun) {
              for (const d of weekDays) {
                set(d, "planned", "no week log: would try the ERP's Slack endpoint");
              }
            } else {
              await slackOrExplain(ts, weekDays.map((date) => ({ date, minutes })), {
                team,
                label,
                description: args.description,
              });
              for (const d of weekDays) {
                set(d, "written", "through the Slack endpoint (the week had no week log)");
              }
            }
          } else {
            await fillWeek(ts, read.week, weekDays, {
              team,
              label,
              minutes,
              description: args.description,
              dryRun: dryRun,
              keepLabel: args.label_id === undefined && !args.label_name,
            }, set);
          }
        } catch (error) {
          // One week's failure never hides what the other weeks wrote.
          const reason = error instanceof UserError || error instanceof ErpError
            ? error.message
            : "internal error (details in the server's log)";
          if (!(error instanceof UserError || error instanceof ErpError)) {
            ctx.log.error("fill_logs_for_days week failed", error);
          }
          if (error instanceof ErpError && error.kind === "unauthorized") {
            ctx.session.tokenRejected();
          }
          // A lost answer is not a failure: those days may be stored.
          const status = error instanceof SaveUnconfirmed ? "unknown" : "failed";
          for (const d of weekDays) if (!outcomes.has(d.toString())) set(d, status, reason);
        } finally {
          done++;
          if (dryRun === args.dry_run) {
            await ctx.progress(done, reads.length, `week of ${read.monday}`);
          }
        }
      });
    };
    await pass(true);
    let outcome: { status: "done" | "planned" | "needs_confirmation" | "declined" } & {
      confirmation_token?: string;
      expires_at?: string;
    } = { status: args.dry_run ? "planned" : "done" };
    const toWrite = [...outcomes.values()].filter((o) => o.status === "planned");
    if (!args.dry_run && toWrite.length > CONFIRM_ABOVE_DAYS) {
      const answer = await ctx.confirm.ask({
        tool: "fill_logs_for_days",
        args,
        who: ts.email,
        message: `Log ${
          formatTime(timeOut(minutes))
        } on "${team.team}" (${args.description}, ${label.name}) on these ${toWrite.length} days?\n${
          toWrite.map((o) => `- ${o.date}`).join("\n")
        }`,
      }, ctx.signal);
      if (answer.status !== "confirmed") outcome = pending(answer);
    }
    if (outcome.status === "done") await pass(false);
    const list = days.map((d) => outcomes.get(d.toString())!);
    const count = (s: DayStatus) => list.filter((o) => o.status === s).length;
    const failed = count("failed");
    const unknown = count("unknown");
    const data = {
      ...outcome,
      dry_run: args.dry_run,
      start_date: start.toString(),
      end_date: end.toString(),
      team_id: team.id,
      project: team.team,
      label: label.name,
      hours_per_day: timeOut(minutes),
      days: list,
      written: count("written"),
      planned: count("planned"),
      skipped: count("skipped"),
      failed,
      unknown,
    };
    const head = outcome.status === "needs_confirmation"
      ? `Plan (nothing written yet): ${data.planned} days to log ${
        formatTime(timeOut(minutes))
      } on "${team.team}" (${args.description}). ${askLine("fill_logs_for_days")}`
      : outcome.status === "declined"
      ? `The person declined: nothing was written (${data.planned} days were planned).`
      : args.dry_run
      ? `Plan (nothing written): ${data.planned} days to log ${
        formatTime(timeOut(minutes))
      } on "${team.team}" (${args.description}), ${data.skipped} skipped, ${failed} would fail.`
      : `${
        unknown
          ? "Not confirmed"
          : failed
          ? (data.written ? "Partly done" : "Nothing written")
          : "Done"
      }: ${data.written} days written, ${data.skipped} skipped, ${failed} failed${
        unknown ? `, ${unknown} unknown (check with get_week_logs before trying again)` : ""
      } — "${team.team}", ${formatTime(timeOut(minutes))}/day, ${args.description}.`;
    return {
      text: [
        head,
        ...list.map((o) => `- ${o.date}: ${o.status}${o.reason ? ` (${o.reason})` : ""}`),
      ].join("\n"),
      data,
      isError: failed + unknown > 0 && outcome.status === "done",
    };
  },
});

/** Plans one week's days, then writes them in one save. */
async function fillWeek(
  ts: Timesheet,
  week: WeekLog,
  days: PlainDate[],
  what: {
    team: Team;
    label: Label;
    minutes: number;
    description: string;
    dryRun: boolean;
    /** No label asked for: existing entries keep theirs. */
    keepLabel: boolean;
  },
  set: (d: PlainDate | string, status: DayStatus, reason?: string) => void,
): Promise<void> {
  // Decide each day on a copy: already there, impossible, or to write.
  const toWrite: string[] = [];
  const probe = cloneWeek(week);
  const project = findWeekProject(probe, what.team);
  for (const d of days) {
    const day = d.toString();
    if (!project) {
      set(day, "failed", missingProject(what.team, week).message);
      continue;
    }
    const existing = findTask(project, what.description)?.days.find((x) => x.date === day);
    const sameLabel = what.keepLabel || existing?.label === what.label.id;
    if (existing && existing.minutes === what.minutes && sameLabel) {
      set(day, "skipped", "already logged with these hours");
      continue;
    }
    if (week.isCompleted) {
      set(day, "failed", "the week is completed (submitted)");
      continue;
    }
    try {
      putEntry(probe, {
        projectId: project.id,
        date: day,
        description: what.description,
        minutes: what.minutes,
        label: what.label.id,
        keepLabel: what.keepLabel,
      });
      toWrite.push(day);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      set(day, "failed", error.message);
    }
  }
  if (toWrite.length === 0) return;
  if (what.dryRun) {
    for (const d of toWrite) set(d, "planned");
    return;
  }
  const apply = (copy: WeekLog) => {
    const p = findWeekProject(copy, what.team);
    if (!p) throw missingProject(what.team, copy);
    for (const day of toWrite) {
      putEntry(copy, {
        projectId: p.id,
        date: day,
        description: what.description,
        minutes: what.minutes,
        label: what.label.id,
        keepLabel: what.keepLabel,
      });
    }
  };
  // A day is stored when writing it again onto the re-read week would change nothing:
  // same hours and, unless no label was asked for, the same label.
  const stored = (w: WeekLog) => (day: string) => {
    const copy = cloneWeek(w);
    const p = findWeekProject(copy, what.team);
    if (!p) return false;
    try {
      return putEntry(copy, {
        projectId: p.id,
        date: day,
        description: what.description,
        minutes: what.minutes,
        label: what.label.id,
        keepLabel: what.keepLabel,
      }) === "unchanged";
    } catch {
      return false;
    }
  };
  try {
    await ts.save(week, apply, (w) => {
      const has = stored(w);
      return `${toWrite.filter(has).length} of ${toWrite.length} days stored`;
    });
    for (const day of toWrite) set(day, "written");
  } catch (error) {
    if (error instanceof SaveUnconfirmed) {
      // The answer was lost: say per day what the re-read shows, or that nobody knows.
      const has = error.stored ? stored(error.stored) : undefined;
      for (const day of toWrite) {
        if (!has) set(day, "unknown", error.message);
        else if (has(day)) set(day, "written", "confirmed by re-reading after a lost answer");
        else set(day, "failed", "the save was not confirmed and the day is not stored");
      }
      return;
    }
    if (error instanceof UserError) {
      for (const day of toWrite) set(day, "failed", error.message);
      return;
    }
    if (error instanceof ErpError) {
      for (const day of toWrite) set(day, "failed", error.erpMessage ?? error.message);
      if (error.kind === "unauthorized") ts.session.tokenRejected();
      return;
    }
    throw error;
  }
}
