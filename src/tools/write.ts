/** The write tools: add or change an entry, delete one, fill days, submit a week. */
import { z } from "zod";
import {
  datesBetween,
  hoursToMinutes,
  isWeekend,
  minutesToHhMm,
  mondayOf,
  type PlainDate,
} from "../dates.ts";
import type { Config } from "../config.ts";
import { ErpError } from "../erp/errors.ts";
import type { Label, Team, WeekLog } from "../erp/types.ts";
import {
  changeEntry,
  cloneWeek,
  dayTotal,
  type EntryRef,
  findEntry,
  findTask,
  findWeekProject,
  putEntry,
  removeEntry,
} from "../erp/week.ts";
import { UserError } from "../errors.ts";
import { entryLine, entryOut, formatTime, type Names, timeOut } from "../logs/present.ts";
import {
  completedWeek,
  mapLimit,
  noWeekLog,
  openTimesheet,
  type Timesheet,
} from "../logs/timesheet.ts";
import { dateArg, rangeArgs, weekArg } from "./args.ts";
import {
  askLine,
  confirmationOutput,
  confirmationTokenArg,
  type ConfirmOutcome,
} from "./confirm.ts";
import { defineTool } from "./define_tool.ts";
import { shortDays, shortDaySchema } from "./insight.ts";
import {
  dateArg as dateField,
  dayTotalSchema,
  descriptionArg,
  emailArg,
  entrySchema,
  hoursArg,
  labelArgs,
  projectArgs,
  timeSchema,
  WRITE_IDEMPOTENT,
  WRITE_ONCE,
} from "./schemas.ts";

/** The most days one fill covers. */
export const MAX_FILL_DAYS = 62;

/** Fills writing more days than this ask the person first. */
export const CONFIRM_ABOVE_DAYS = 5;

/** A result's status and token fields for an answer other than "confirmed". */
function pending(answer: ConfirmOutcome) {
  return answer.status === "needs_confirmation"
    ? {
      status: "needs_confirmation" as const,
      confirmation_token: answer.token,
      expires_at: answer.expiresAt,
    }
    : { status: "declined" as const };
}

function minutesOf(hours: number, param: string): number {
  const minutes = hoursToMinutes(hours);
  if (!(minutes > 0)) {
    throw new UserError(
      `Cannot log ${param} ${hours}: less than one minute`,
      "Use more than 0.0083 hours.",
    );
  }
  if (minutes > 24 * 60) throw new UserError(`Cannot log ${param} ${hours}: more than 24 hours`);
  return minutes;
}

async function names(ts: Timesheet): Promise<Names> {
  const [teams, labels] = await Promise.all([ts.teams(), ts.labels().catch(() => [])]);
  return { teams, labels };
}

function missingProject(team: Team, week: WeekLog): UserError {
  return new UserError(
    `Cannot log on "${team.team}" in the week of ${week.monday}: that week's log has no project for this team`,
    "The ERP adds a week's projects from team membership; ask your lead to add you to the team for that week (or add it in the ERP web app), then try again.",
  );
}

/** Finds the entry a write names, and says so clearly when it is not there. */
function locate(week: WeekLog, entryId: number): EntryRef {
  const ref = findEntry(week, entryId);
  if (!ref) {
    throw new UserError(
      `Cannot find entry ${entryId} in the week of ${week.monday}`,
      "Read the week again (get_week_logs) for current entry ids.",
    );
  }
  return ref;
}

/** The week an entry id belongs to: from `date`, else from what this session has read. */
async function weekOfEntry(
  ts: Timesheet,
  entryId: number,
  date: PlainDate | undefined,
): Promise<WeekLog> {
  const monday = date ? mondayOf(date) : ts.session.entryWeeks.get(entryId);
  if (monday === undefined) {
    throw new UserError(
      `Cannot tell which week entry ${entryId} is in`,
      "Pass its date too (the read tools show each entry's date).",
    );
  }
  const day = typeof monday === "string" ? Temporal.PlainDate.from(monday) : monday;
  return await ts.requireWeek(day, `change entry ${entryId}`);
}

const entryResult = {
  week_starting: z.string(),
  entry: entrySchema.nullable(),
  day_total: timeSchema.nullable().describe("the day's total after the change, all projects"),
  conflict_retried: z.boolean().describe(
    "true when another edit was merged first (409 then re-read)",
  ),
};

/** create_or_update_log */
export const createOrUpdateLog = defineTool({
  name: "create_or_update_log",
  title: "Add or update a log entry",
  description:
    "Log time on one day: project by id or name, a description, hours (decimal ok), and a label by id or name. The same description on the same day and project updates that entry instead of adding another. Writes to the week's log; when that week has no log yet the ERP's Slack endpoint is tried, and its own answer is passed on. Check get_day_logs first when unsure what is there.",
  input: {
    date: dateField("The day"),
    ...projectArgs,
    description: descriptionArg,
    hours: hoursArg,
    ...labelArgs,
    email: emailArg,
  },
  output: {
    status: z.enum(["created", "updated", "unchanged"]),
    path: z.enum(["save", "slack"]).describe(
      "save: the week log was edited; slack: added through the Slack endpoint",
    ),
    date: z.string(),
    ...entryResult,
  },
  annotations: WRITE_IDEMPOTENT,
  async handler(args, ctx) {
    const date = dateArg(args.date, "date", ctx.config);
    const minutes = minutesOf(args.hours, "hours");
    const ts = await openTimesheet(ctx.session, ctx.signal, args.email);
    const [team, label, week, n] = await Promise.all([
      ts.team(args),
      ts.label(args),
      ts.week(date),
      names(ts),
    ]);
    const day = date.toString();
    const monday = mondayOf(date).toString();
    if (!week) {
      await slackOrExplain(ts, [{ date, minutes }], { team, label, description: args.description });
      return {
        text: `Logged ${
          formatTime(timeOut(minutes))
        } on ${day} for "${team.team}" (${args.description}) through the ERP's Slack endpoint: the week had no week log.`,
        data: {
          status: "created" as const,
          path: "slack" as const,
          date: day,
          week_starting: monday,
          entry: null,
          day_total: null,
          conflict_retried: false,
        },
      };
    }
    if (week.isCompleted) throw completedWeek(week.monday);
    const edit = (copy: WeekLog) => {
      const project = findWeekProject(copy, team);
      if (!project) throw missingProject(team, copy);
      return putEntry(copy, {
        projectId: project.id,
        date: day,
        description: args.description,
        minutes,
        label: label.id,
      });
    };
    const find = (w: WeekLog) => {
      const p = findWeekProject(w, team);
      const task = p && findTask(p, args.description);
      const d = task?.days.find((x) => x.date === day);
      return p && task && d ? entryOut({ project: p, task, day: d }, n) : null;
    };
    if (edit(cloneWeek(week)) === "unchanged") {
      return {
        text: `Already logged: ${
          formatTime(timeOut(minutes))
        } on ${day} for "${team.team}" (${args.description}). Nothing changed.`,
        data: {
          status: "unchanged" as const,
          path: "save" as const,
          date: day,
          week_starting: week.monday,
          entry: find(week),
          day_total: timeOut(dayTotal(week, day)),
          conflict_retried: false,
        },
      };
    }
    const { saved, result, retried } = await ts.save(week, edit, (stored) => {
      const e = find(stored);
      return e && e.hours * 60 + e.minutes === minutes
        ? `the entry IS stored (${formatTime(e)} on ${day})`
        : `the entry is NOT stored${e ? ` (${day} holds ${formatTime(e)} for it)` : ""}`;
    });
    const entry = find(saved);
    return {
      text:
        `${result === "created" ? "Added" : "Updated"}: ${
          entry ? entryLine(entry).slice(2) : day
        }. ` +
        `Day total ${formatTime(timeOut(dayTotal(saved, day)))}.${
          retried ? " (Another edit was saved first; it was kept.)" : ""
        }`,
      data: {
        status: result,
        path: "save" as const,
        date: day,
        week_starting: saved.monday,
        entry,
        day_total: timeOut(dayTotal(saved, day)),
        conflict_retried: retried,
      },
    };
  },
});

/** Sends days through the Slack endpoint; explains the ERP's refusal in its own words. */
async function slackOrExplain(
  ts: Timesheet,
  days: { date: PlainDate; minutes: number }[],
  what: { team: Team; label: Label; description: string },
): Promise<void> {
  try {
    await ts.slack(days.map((d) => ({
      date: d.date.toString(),
      time_spent: minutesToHhMm(d.minutes),
      description: what.description,
      subteam: what.team.id,
      label_id: what.label.id,
    })));
  } catch (error) {
    if (!(error instanceof ErpError)) throw error;
    const monday = mondayOf(days[0].date);
    if (error.outcomeUnknown) {
      throw new UserError(
        `The ERP did not confirm the entries for the week of ${monday} (${error.message}); they may or may not be stored`,
        "Check with get_week_logs before trying again.",
      );
    }
    if (error.kind === "validation" || error.kind === "forbidden") {
      const base = noWeekLog(monday, `log on "${what.team.team}" in that week`);
      throw new UserError(
        `${base.message}, and the ERP refused to add it another way: ${
          error.erpMessage ?? error.message
        }`,
        base.hint,
      );
    }
    throw error;
  }
}

/** update_log */
export const updateLog = defineTool({
  name: "update_log",
  title: "Change a log entry",
  description:
    "Change one entry, found by its entry_id (from the read tools): its hours, description or label. Pass its date too unless this session has just read it.",
  input: {
    entry_id: z.number().int().positive().describe("The entry's id (entry_id in read results)"),
    date: dateField("The entry's date (optional when the entry was read in this session)")
      .optional(),
    hours: hoursArg.optional(),
    description: descriptionArg.optional(),
    ...labelArgs,
    email: emailArg,
  },
  output: entryResult,
  annotations: WRITE_IDEMPOTENT,
  async handler(args, ctx) {
    if (
      args.hours === undefined && args.description === undefined && args.label_id === undefined &&
      !args.label_name
    ) {
      throw new UserError("Nothing to change: give hours, description, label_id or label_name");
    }
    const date = args.date ? dateArg(args.date, "date", ctx.config) : undefined;
    const minutes = args.hours === undefined ? undefined : minutesOf(args.hours, "hours");
    const ts = await openTimesheet(ctx.session, ctx.signal, args.email);
    const labelWanted = args.label_id !== undefined || !!args.label_name;
    const [week, label, n] = await Promise.all([
      weekOfEntry(ts, args.entry_id, date),
      labelWanted ? ts.label(args) : Promise.resolve(undefined),
      names(ts),
    ]);
    if (week.isCompleted) throw completedWeek(week.monday);
    const before = entryOut(locate(week, args.entry_id), n);
    const change = { minutes, label: label?.id, description: args.description };
    const { saved, retried } = await ts.save(
      week,
      (copy) => changeEntry(copy, args.entry_id, change),
      (stored) => {
        const ref = findEntry(stored, args.entry_id);
        return ref
          ? `the entry now reads: ${entryLine(entryOut(ref, n)).slice(2)}`
          : "the entry is gone";
      },
    );
    // A moved entry keeps its day id in most ERPs; fall back to the same date, task and project.
    const ref = findEntry(saved, args.entry_id) ??
      findMoved(saved, before.date, args.description ?? before.description, before.week_project_id);
    const entry = ref ? entryOut(ref, n) : null;
    return {
      text: `Changed entry ${args.entry_id}: ${entryLine(before).slice(2)} → ${
        entry ? entryLine(entry).slice(2) : "saved"
      }.`,
      data: {
        week_starting: saved.monday,
        entry,
        day_total: timeOut(dayTotal(saved, before.date)),
        conflict_retried: retried,
      },
    };
  },
});

function findMoved(
  week: WeekLog,
  date: string,
  description: string,
  projectId: number,
): EntryRef | undefined {
  const project = week.projects.find((p) => p.id === projectId);
  const task = project && findTask(project, description);
  const day = task?.days.find((d) => d.date === date);
  return project && task && day ? { project, task, day } : undefined;
}

/** delete_log */
export const deleteLog = defineTool({
  name: "delete_log",
  title: "Delete a log entry",
  description:
    "Delete one entry: by entry_id (from the read tools), or by date + project + description. The task goes too when it has no other day. Cannot be undone, so the person is asked first (see confirmation_token).",
  input: {
    entry_id: z.number().int().positive().optional().describe(
      "The entry's id; or give date, project and description",
    ),
    date: dateField("The entry's date").optional(),
    ...projectArgs,
    description: z.string().max(255).optional().describe(
      "The entry's task description (with date and project)",
    ),
    email: emailArg,
    confirmation_token: confirmationTokenArg,
  },
  output: {
    status: z.enum(["deleted", "needs_confirmation", "declined"]).describe(
      "needs_confirmation: ask the person, then call again with confirmation_token",
    ),
    deleted: entrySchema.describe("the entry deleted, or that would be"),
    week_starting: z.string(),
    day_total: timeSchema.describe("the day's total after the deletion (now, when not deleted)"),
    conflict_retried: z.boolean(),
    ...confirmationOutput,
  },
  annotations: WRITE_ONCE,
  async handler(args, ctx) {
    const date = args.date ? dateArg(args.date, "date", ctx.config) : undefined;
    const byId = args.entry_id !== undefined;
    if (
      !byId && (!date || !args.description || (args.project_id === undefined && !args.project_name))
    ) {
      throw new UserError(
        "Cannot tell which entry to delete: give entry_id, or date with project (project_id or project_name) and description",
      );
    }
    const ts = await openTimesheet(ctx.session, ctx.signal, args.email);
    const n = await names(ts);
    let week: WeekLog;
    let target: (w: WeekLog) => EntryRef;
    if (byId) {
      week = await weekOfEntry(ts, args.entry_id!, date);
      target = (w) => locate(w, args.entry_id!);
    } else {
      const team = await ts.team(args);
      week = await ts.requireWeek(date!, `delete an entry on ${date}`);
      const day = date!.toString();
      target = (w) => {
        const project = findWeekProject(w, team);
        const task = project && findTask(project, args.description!);
        const d = task?.days.find((x) => x.date === day);
        if (!project || !task || !d) {
          throw new UserError(
            `Cannot find "${args.description}" on ${day} for "${team.team}"`,
            "get_day_logs lists that day's entries with their ids.",
          );
        }
        return { project, task, day: d };
      };
    }
    if (week.isCompleted) throw completedWeek(week.monday);
    const deleted = entryOut(target(week), n);
    const answer = await ctx.confirm.ask({
      tool: "delete_log",
      args,
      who: ts.email,
      message: `Delete this entry? It cannot be undone.\n${entryLine(deleted)}`,
    }, ctx.signal);
    if (answer.status !== "confirmed") {
      return {
        text: answer.status === "declined"
          ? `The person declined: nothing was deleted (${entryLine(deleted).slice(2)}).`
          : `Would delete: ${entryLine(deleted).slice(2)}. ${askLine("delete_log")}`,
        data: {
          ...pending(answer),
          deleted,
          week_starting: week.monday,
          day_total: timeOut(dayTotal(week, deleted.date)),
          conflict_retried: false,
        },
      };
    }
    const { saved, retried } = await ts.save(
      week,
      (copy) => removeEntry(copy, target(copy)),
      (stored) =>
        findEntry(stored, deleted.entry_id ?? -1)
          ? "the entry is still there"
          : "the entry is deleted",
    );
    return {
      text: `Deleted: ${entryLine(deleted).slice(2)}. ${deleted.date} now holds ${
        formatTime(timeOut(dayTotal(saved, deleted.date)))
      }.`,
      data: {
        status: "deleted" as const,
        deleted,
        week_starting: saved.monday,
        day_total: timeOut(dayTotal(saved, deleted.date)),
        conflict_retried: retried,
      },
    };
  },
});

/** complete_week_log */
export const completeWeekLog = defineTool({
  name: "complete_week_log",
  title: "Submit a week",
  description:
    "Submit (complete) a week's log so it goes for approval; after that it can no longer be changed here. With save_draft true it is kept as a draft instead. The result previews the week: its daily totals and the workdays short of the expected hours. Submitting asks the person first (see confirmation_token).",
  input: {
    week_starting: dateField(
      'Any date in the week (its Monday is used); also "this week", "last week"',
    ),
    save_draft: z.boolean().default(false).describe(
      "true keeps the week a draft; false (default) submits it",
    ),
    email: emailArg,
    confirmation_token: confirmationTokenArg,
  },
  output: {
    status: z.enum(["submitted", "kept_draft", "needs_confirmation", "declined"]).describe(
      "needs_confirmation: show the preview, ask, then call again with confirmation_token",
    ),
    week_log_id: z.number().int(),
    week_starting: z.string(),
    week_ending: z.string(),
    is_completed: z.boolean(),
    total: timeSchema,
    preview: z.object({
      days: z.array(dayTotalSchema).describe("each day of the week, Monday to Sunday"),
      missing_days: z.array(shortDaySchema).describe("workdays below the expected hours"),
    }),
    ...confirmationOutput,
  },
  annotations: WRITE_ONCE,
  async handler(args, ctx) {
    const monday = weekArg(args.week_starting, "week_starting", ctx.config);
    const ts = await openTimesheet(ctx.session, ctx.signal, args.email);
    const week = await ts.requireWeek(monday, `submit the week of ${monday}`);
    if (week.isCompleted) {
      throw new UserError(`The week of ${week.monday} is already completed`, "Nothing to do.");
    }
    const total = timeOut(dayTotalOfWeek(week));
    const preview = weekPreview(week, ctx.config);
    const base = {
      week_log_id: week.id,
      week_starting: week.monday,
      week_ending: week.sunday,
      total,
      preview,
    };
    const summary = `The week of ${week.monday} to ${week.sunday} holds ${formatTime(total)}${
      preview.missing_days.length
        ? `; short: ${
          preview.missing_days.map((d) => `${d.date} (${formatTime(d.logged)})`).join(", ")
        }`
        : "; no workday is short"
    }.`;
    if (!args.save_draft) {
      const answer = await ctx.confirm.ask({
        tool: "complete_week_log",
        args,
        who: ts.email,
        message: `Submit the week? After that it can no longer be changed.\n${summary}`,
      }, ctx.signal);
      if (answer.status !== "confirmed") {
        return {
          text: answer.status === "declined"
            ? `The person declined: the week of ${week.monday} was not submitted. ${summary}`
            : `${summary} ${askLine("complete_week_log")}`,
          data: { ...pending(answer), ...base, is_completed: false },
        };
      }
    }
    try {
      await ts.erp.completeWeek(week.id, args.save_draft);
    } catch (error) {
      if (
        error instanceof ErpError && error.erpMessage && /already completed/i.test(error.erpMessage)
      ) {
        throw new UserError(`The week of ${week.monday} is already completed`, "Nothing to do.");
      }
      if (error instanceof ErpError && error.outcomeUnknown) {
        const now = await ts.erp.getWeek(week.id).catch(() => undefined);
        throw new UserError(
          `The ERP did not confirm submitting the week of ${week.monday} (${error.message}); ${
            now
              ? `it is now ${now.isCompleted ? "completed" : "still a draft"}`
              : "its state is unknown"
          }`,
          "Check with get_week_logs before trying again.",
        );
      }
      throw error;
    }
    const completed = !args.save_draft;
    return {
      text: completed
        ? `Submitted the week of ${week.monday} to ${week.sunday} (${
          formatTime(total)
        }). It is now completed and read-only.`
        : `Kept the week of ${week.monday} as a draft (${formatTime(total)}). ${summary}`,
      data: {
        status: completed ? "submitted" as const : "kept_draft" as const,
        ...base,
        is_completed: completed,
      },
    };
  },
});

/** The week's daily totals and its workdays short of the expected hours. */
function weekPreview(week: WeekLog, config: Config) {
  const days = datesBetween(
    Temporal.PlainDate.from(week.monday),
    Temporal.PlainDate.from(week.sunday),
  );
  return {
    days: days.map((d) => ({ date: d.toString(), total: timeOut(dayTotal(week, d.toString())) })),
    missing_days: shortDays(week, days, config),
  };
}

function dayTotalOfWeek(week: WeekLog): number {
  return datesBetween(Temporal.PlainDate.from(week.monday), Temporal.PlainDate.from(week.sunday))
    .reduce((sum, d) => sum + dayTotal(week, d.toString()), 0);
}

/** One day's outcome in a fill. */
type DayStatus = "written" | "planned" | "skipped" | "failed";
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
      status: z.enum(["written", "planned", "skipped", "failed"]),
      reason: z.string().optional(),
    })),
    written: z.number().int(),
    planned: z.number().int(),
    skipped: z.number().int(),
    failed: z.number().int(),
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
    const [team, label] = await Promise.all([ts.team(args), ts.label(args)]);
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
          for (const d of weekDays) if (!outcomes.has(d.toString())) set(d, "failed", reason);
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
        failed ? (data.written ? "Partly done" : "Nothing written") : "Done"
      }: ${data.written} days written, ${data.skipped} skipped, ${failed} failed — "${team.team}", ${
        formatTime(timeOut(minutes))
      }/day, ${args.description}.`;
    return {
      text: [
        head,
        ...list.map((o) => `- ${o.date}: ${o.status}${o.reason ? ` (${o.reason})` : ""}`),
      ].join("\n"),
      data,
      isError: failed > 0 && outcome.status === "done",
    };
  },
});

/** Plans one week's days, then writes them in one save. */
async function fillWeek(
  ts: Timesheet,
  week: WeekLog,
  days: PlainDate[],
  what: { team: Team; label: Label; minutes: number; description: string; dryRun: boolean },
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
    if (existing && existing.minutes === what.minutes && existing.label === what.label.id) {
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
      });
    }
  };
  const stored = (w: WeekLog) => {
    const p = findWeekProject(w, what.team);
    const task = p && findTask(p, what.description);
    return (day: string) =>
      task?.days.some((x) => x.date === day && x.minutes === what.minutes) ?? false;
  };
  try {
    await ts.save(week, apply, (w) => {
      const has = stored(w);
      for (const day of toWrite) {
        set(
          day,
          has(day) ? "written" : "failed",
          has(day)
            ? "confirmed by re-reading"
            : "the save was not confirmed and the day is not stored",
        );
      }
      return `${toWrite.filter(has).length} of ${toWrite.length} days stored`;
    });
    for (const day of toWrite) set(day, "written");
  } catch (error) {
    if (error instanceof UserError) {
      // An unknown outcome already set each day from the re-read; other refusals fail them all.
      for (const day of toWrite) {
        if (!/did not confirm/.test(error.message)) set(day, "failed", error.message);
      }
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

/** Every write tool. */
export const writeTools = [
  createOrUpdateLog,
  updateLog,
  deleteLog,
  completeWeekLog,
  fillLogsForDays,
];
