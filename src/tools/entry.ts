/** Entry writes: add or update one entry, change it by id, delete it. */
import { z } from "zod";
import { mondayOf, type PlainDate, today } from "../dates.ts";
import type { WeekLog } from "../erp/types.ts";
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
import { entryLine, entryOut, formatTime, timeOut } from "../logs/present.ts";
import { completedWeek, openTimesheet, type Timesheet } from "../logs/timesheet.ts";
import { dateArg } from "./args.ts";
import { askLine, confirmationOutput, confirmationTokenArg } from "./confirm.ts";
import { defineTool } from "./define_tool.ts";
import {
  dateArg as dateField,
  descriptionArg,
  emailArg,
  entrySchema,
  hoursArg,
  labelArgs,
  labelUpdateArgs,
  projectArgs,
  timeSchema,
  WRITE_IDEMPOTENT,
  WRITE_ONCE,
} from "./schemas.ts";
import { minutesOf, missingProject, names, pending, slackOrExplain } from "./write_shared.ts";

/**
 * Finds the entry a write names, and says so clearly when it is not there; with `date`, refuses an
 * entry that is on another day (a write by id never moves an entry to another day).
 */
function locate(week: WeekLog, entryId: number, date?: PlainDate, tool?: string): EntryRef {
  const ref = findEntry(week, entryId);
  if (!ref) {
    throw new UserError(
      `Cannot find entry ${entryId} in the week of ${week.monday}`,
      "Read the week again (get_week_logs) for current entry ids.",
    );
  }
  if (date && ref.day.date !== date.toString()) {
    throw new UserError(
      `Cannot ${
        tool === "delete_log" ? "delete" : "change"
      } entry ${entryId} on "${date}": entry ${entryId} is on ${ref.day.date}, not ${date}`,
      tool === "delete_log"
        ? `Pass date "${ref.day.date}" (or leave date out) to delete it.`
        : `update_log changes an entry on its own day: pass date "${ref.day.date}" (or leave date out). To move it to ${date}, log it there with create_or_update_log, then delete entry ${entryId} with delete_log.`,
    );
  }
  return ref;
}

/** How many weeks, back from this one, an entry id given without a date is looked for in. */
export const ENTRY_SEARCH_WEEKS = 8;

/**
 * The Monday of the week holding `entryId`, looked for in this week and the
 * `ENTRY_SEARCH_WEEKS - 1` before it (the ERP has no lookup by entry id; reads learn each entry's
 * week), or undefined. Weeks that cannot be read are skipped.
 */
async function searchRecentWeeks(ts: Timesheet, entryId: number): Promise<string | undefined> {
  const monday = mondayOf(today(ts.session.config));
  const mondays = Array.from(
    { length: ENTRY_SEARCH_WEEKS },
    (_, i) => monday.subtract({ weeks: i }),
  );
  await ts.weeks(mondays);
  return ts.session.entryWeeks.get(entryId);
}

/**
 * The week an entry id belongs to: from `date`, else from what this session has read, else
 * looked for in the recent weeks.
 */
async function weekOfEntry(
  ts: Timesheet,
  entryId: number,
  date: PlainDate | undefined,
): Promise<WeekLog> {
  const known = ts.session.entryWeeks.get(entryId);
  if (date && known !== undefined && known.toString() !== mondayOf(date).toString()) {
    // Read in this session in another week: a write by id never moves an entry across weeks.
    throw new UserError(
      `Cannot find entry ${entryId} on "${date}": it is in the week of ${known}, not the week of ${
        mondayOf(date)
      }`,
      "Pass the entry's own date (the read tools show it), or leave date out. To move an entry to another day, log it there with create_or_update_log, then delete it with delete_log.",
    );
  }
  const monday = date ? mondayOf(date) : known ?? await searchRecentWeeks(ts, entryId);
  if (monday === undefined) {
    throw new UserError(
      `Cannot find entry ${entryId} in the last ${ENTRY_SEARCH_WEEKS} weeks (to the week of ${
        mondayOf(today(ts.session.config))
      })`,
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
    "Log time on one day: project by id or name, a description, hours (decimal ok), and a label by id or name. The same project and description (in any letter case) on the same day is ONE entry: calling again SETS that entry's hours to the new value, it does not add to them (2 h then 1 h leaves 1 h, not 3 h); the answer says what it held before (previous). To add time to an existing entry, pass the sum. Writes to the week's log; when that week has no log yet the ERP's Slack endpoint is tried, and its own answer is passed on. Check get_day_logs first when unsure what is there.",
  input: {
    date: dateField("The day", "day"),
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
    previous: timeSchema.nullable().describe(
      "the entry's time before this call when it already existed (replaced, not added to); null when new",
    ),
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
          previous: null,
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
        keepLabel: args.label_id === undefined && !args.label_name,
      });
    };
    const find = (w: WeekLog) => {
      const p = findWeekProject(w, team);
      const task = p && findTask(p, args.description);
      const d = task?.days.find((x) => x.date === day);
      return p && task && d ? entryOut({ project: p, task, day: d }, n) : null;
    };
    const before = find(week);
    if (edit(cloneWeek(week)) === "unchanged") {
      return {
        text: `Already logged: ${
          formatTime(timeOut(minutes))
        } on ${day} for "${team.team}" (${args.description}). Nothing changed.`,
        data: {
          status: "unchanged" as const,
          path: "save" as const,
          date: day,
          previous: before ? timeOut(before.hours * 60 + before.minutes) : null,
          week_starting: week.monday,
          entry: find(week),
          day_total: timeOut(dayTotal(week, day)),
          conflict_retried: false,
        },
      };
    }
    const { saved, result, retried } = await ts.save(week, edit, (stored) => {
      const e = find(stored);
      // Stored means: making the edit again on the re-read week would change nothing.
      let same = false;
      try {
        same = edit(cloneWeek(stored)) === "unchanged";
      } catch {
        same = false;
      }
      return same
        ? `the entry IS stored (${formatTime(e!)} on ${day})`
        : `the entry is NOT stored${e ? ` (${day} holds ${formatTime(e)} for it)` : ""}`;
    });
    const entry = find(saved);
    // What the entry held when this call read the week.
    const prior = before;
    const was = result === "updated" && prior
      ? ` (was ${formatTime(prior)} → now ${
        formatTime(timeOut(minutes))
      }: the entry's time is set, not added to)`
      : "";
    return {
      text:
        `${result === "created" ? "Added" : "Updated"}: ${
          entry ? entryLine(entry).slice(2) : day
        }${was}. ` +
        `Day total ${formatTime(timeOut(dayTotal(saved, day)))}.${
          retried ? " (Another edit was saved first; it was kept.)" : ""
        }`,
      data: {
        status: result,
        path: "save" as const,
        date: day,
        previous: result === "updated" && prior ? timeOut(prior.hours * 60 + prior.minutes) : null,
        week_starting: saved.monday,
        entry,
        day_total: timeOut(dayTotal(saved, day)),
        conflict_retried: retried,
      },
    };
  },
});

/** update_log */
export const updateLog = defineTool({
  name: "update_log",
  title: "Change a log entry",
  description:
    "Change one entry, found by its entry_id (from the read tools): its hours (set, not added), description or label. It stays on its own day: date only says which week to look in (needed unless this session has just read the entry), and a date other than the entry's own day is refused. To move an entry to another day, log it there with create_or_update_log and delete this one. Values equal to the entry's own are reported unchanged and nothing is saved.",
  input: {
    entry_id: z.number().int().positive().describe("The entry's id (entry_id in read results)"),
    date: dateField(
      "The entry's date (optional: without it the entry is looked for in the last 8 weeks)",
      "day",
    )
      .optional(),
    hours: hoursArg.optional(),
    description: descriptionArg.optional(),
    ...labelUpdateArgs,
    email: emailArg,
  },
  output: {
    status: z.enum(["changed", "unchanged"]).describe(
      "unchanged: the entry already held these values; nothing was saved",
    ),
    previous: entrySchema.describe("the entry before the call"),
    ...entryResult,
  },
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
    const before = entryOut(locate(week, args.entry_id, date, "update_log"), n);
    const change = { minutes, label: label?.id, description: args.description };
    const probe = cloneWeek(week);
    changeEntry(probe, args.entry_id, change);
    if (JSON.stringify(probe) === JSON.stringify(week)) {
      // The values asked for are the entry's own: nothing to save.
      return {
        text: `Unchanged: entry ${args.entry_id} already reads ${
          entryLine(before).slice(2)
        }. Nothing was saved.`,
        data: {
          status: "unchanged" as const,
          previous: before,
          week_starting: week.monday,
          entry: before,
          day_total: timeOut(dayTotal(week, before.date)),
          conflict_retried: false,
        },
      };
    }
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
        status: "changed" as const,
        previous: before,
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
    date: dateField(
      "The entry's date (optional: without it the entry is looked for in the last 8 weeks)",
      "day",
    ).optional(),
    ...projectArgs,
    description: z.string().max(255).optional().describe(
      "The entry's task description (with date and project)",
    ),
    email: emailArg,
    confirmation_token: confirmationTokenArg,
  },
  output: {
    status: z.enum(["deleted", "needs_confirmation", "declined"]).describe(
      "deleted: done; needs_confirmation: nothing deleted yet, ask the person, then call again with confirmation_token; declined: nothing deleted",
    ),
    deleted: entrySchema.optional().describe("set only with status deleted: the entry deleted"),
    would_delete: entrySchema.optional().describe(
      "set when not deleted (needs_confirmation, declined): the entry that would be deleted",
    ),
    week_starting: z.string(),
    day_total: timeSchema.describe("the day's total now (before any deletion when not deleted)"),
    day_total_after: timeSchema.describe(
      "the day's total after the deletion (what it would be, when not deleted)",
    ),
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
      target = (w) => locate(w, args.entry_id!, date, "delete_log");
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
    const ref = target(week);
    const deleted = entryOut(ref, n);
    const now = dayTotal(week, deleted.date);
    const afterIt = now - ref.day.minutes;
    const answer = await ctx.confirm.ask({
      tool: "delete_log",
      args,
      who: ts.email,
      message: `Delete this entry? It cannot be undone.\n${
        entryLine(deleted)
      }\n${deleted.date} would then hold ${formatTime(timeOut(afterIt))} (now ${
        formatTime(timeOut(now))
      }).`,
      // The entry as shown, by identity and content: a replayed token never deletes an entry
      // re-created (new id) or changed since.
      shown: {
        entry_id: ref.day.id ?? null,
        week: week.id,
        project: ref.project.id,
        description: ref.task.description,
        date: ref.day.date,
        minutes: ref.day.minutes,
        label: ref.day.label ?? null,
      },
    }, ctx.signal);
    if (answer.status !== "confirmed") {
      return {
        text: answer.status === "declined"
          ? `The person declined: nothing was deleted (${entryLine(deleted).slice(2)}).`
          : `Not deleted yet. Would delete: ${
            entryLine(deleted).slice(2)
          }; ${deleted.date} would then hold ${formatTime(timeOut(afterIt))} (now ${
            formatTime(timeOut(now))
          }). ${askLine("delete_log", answer)}`,
        data: {
          ...pending(answer),
          would_delete: deleted,
          week_starting: week.monday,
          day_total: timeOut(now),
          day_total_after: timeOut(afterIt),
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
        day_total_after: timeOut(dayTotal(saved, deleted.date)),
        conflict_retried: retried,
      },
    };
  },
});
