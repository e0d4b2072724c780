/**
 * The week grid's own tools, for the MCP App alone (`visibility: ["app"]`, ext-apps specification
 * 2026-01-26 §Tool visibility): load a week as a grid, and save the grid's edits with ONE save of
 * the week log through the same edit code the write tools use (erp/week.ts `putEntry` and
 * `removeEntry`, `Timesheet.save` with its 409 re-read and re-apply). They run through `runTool`
 * like every tool: the session, the allowlist (`openTimesheet`) and confirmation are the same.
 * Projects, labels and submitting are the ordinary tools (`complete_week_log` keeps its rules).
 */
import { z } from "zod";
import { mondayOf } from "../dates.ts";
import type { WeekLog } from "../erp/types.ts";
import {
  cloneWeek,
  findEntry,
  findTask,
  findWeekProject,
  putEntry,
  removeEntry,
} from "../erp/week.ts";
import { UserError } from "../errors.ts";
import { entryLine, entryOut, formatTime, type Names, timeOut } from "../logs/present.ts";
import { completedWeek, noWeekLog, openTimesheet, type Timesheet } from "../logs/timesheet.ts";
import { dateArg, weekArg } from "../tools/args.ts";
import { askLine, confirmationOutput, confirmationTokenArg } from "../tools/confirm.ts";
import { defineTool, type ToolDef } from "../tools/define_tool.ts";
import {
  dateArg as dateField,
  descriptionArg,
  hoursArg,
  READ_ANNOTATIONS,
  WRITE_ONCE,
} from "../tools/schemas.ts";
import { minutesOf, missingProject, names, pending, plural } from "../tools/write_shared.ts";
import { gridOf, gridShape } from "./grid.ts";
import { APP_ONLY_META } from "./meta.ts";
import { monthOf, monthShape } from "./month.ts";

async function namesFor(ts: Timesheet): Promise<Names> {
  const [teams, labels] = await Promise.all([
    ts.teams().catch(() => []),
    ts.labels().catch(() => []),
  ]);
  return { teams, labels };
}

function stateWord(state: string): string {
  return state === "no_week_log" ? "no week log" : state;
}

/** week_grid_load */
export const weekGridLoad = defineTool({
  name: "week_grid_load",
  title: "Week grid: load a week",
  description:
    "For the week grid app: one week as a grid (a row per project, task and label; Monday to Sunday cells in minutes; day totals against the expected hours) with the person's active projects and labels.",
  input: { week_starting: dateField("Any date in the week (its Monday is used)", "week") },
  output: gridShape,
  annotations: READ_ANNOTATIONS,
  meta: APP_ONLY_META,
  async handler(args, ctx) {
    const monday = weekArg(args.week_starting, "week_starting", ctx.config);
    const ts = await openTimesheet(ctx.session, ctx.signal);
    const [week, n] = await Promise.all([ts.week(monday), namesFor(ts)]);
    const grid = gridOf(monday, week, n, ctx.config);
    return {
      text: `Week of ${grid.week_starting} to ${grid.week_ending} (${stateWord(grid.state)}): ${
        formatTime(timeOut(grid.total_minutes))
      } in ${plural(grid.rows.length, "row")}.`,
      data: grid,
    };
  },
});

const setSchema = z.object({
  date: dateField("The day (inside the week)", "day"),
  project_id: z.number().int().min(1).optional().describe("The project's team id"),
  project_name: z.string().max(200).optional().describe(
    "Or the project's name (same matching as the write tools)",
  ),
  description: descriptionArg,
  hours: hoursArg,
  label_id: z.number().int().min(1).optional().describe("The label's id"),
  label_name: z.string().max(100).optional().describe("Or the label's name; none means General"),
});

/** week_grid_save */
export const weekGridSave = defineTool({
  name: "week_grid_save",
  title: "Week grid: save edits",
  description:
    "For the week grid app: apply the grid's edits to one week with one save (set a task's time on a day: the same project and description on the same day is one entry whose time is set; delete entries by id), re-reading and re-applying on a conflict (409) as the write tools do. Deleting asks the person first (see confirmation_token). Answers the week as stored.",
  input: {
    week_starting: dateField("Any date in the week (its Monday is used)", "week"),
    set: z.array(setSchema).max(200).default([]).describe("Cells to set, at most 200"),
    delete_entry_ids: z.array(z.number().int().positive()).max(200).default([]).describe(
      "Entries to delete, by entry_id",
    ),
    confirmation_token: confirmationTokenArg,
  },
  output: {
    status: z.enum(["saved", "unchanged", "needs_confirmation", "declined"]),
    conflict_retried: z.boolean().describe("true when another edit was saved first (409, re-read)"),
    changed: z.number().int().describe("cells created or updated"),
    deleted: z.number().int(),
    grid: z.object(gridShape).describe("the week as the ERP stored it (as read, when not saved)"),
    ...confirmationOutput,
  },
  annotations: WRITE_ONCE,
  meta: APP_ONLY_META,
  async handler(args, ctx) {
    const monday = weekArg(args.week_starting, "week_starting", ctx.config);
    const sets = args.set.map((s) => {
      const date = dateArg(s.date, "date", ctx.config);
      if (mondayOf(date).toString() !== monday.toString()) {
        throw new UserError(
          `Cannot log on "${date}": it is not in the week of ${monday}`,
          "Each cell must be a day of the week being saved.",
        );
      }
      return { ...s, date: date.toString(), minutes: minutesOf(s.hours, "hours") };
    });
    const ts = await openTimesheet(ctx.session, ctx.signal);
    const [week, n] = await Promise.all([ts.week(monday), names(ts)]);
    if (!week) throw noWeekLog(monday, `save the week of ${monday}`);
    if (week.isCompleted) throw completedWeek(week.monday);
    const resolved = await Promise.all(sets.map(async (s) => ({
      ...s,
      team: await ts.team(s),
      label: await ts.label(s),
    })));
    const doomed = args.delete_entry_ids.map((id) => {
      const ref = findEntry(week, id);
      if (!ref) {
        throw new UserError(
          `Cannot find entry ${id} in the week of ${week.monday}`,
          "Reload the week for current entry ids.",
        );
      }
      return entryOut(ref, n);
    });
    // Deletes first, so a cleared and re-typed cell is one delete then one set.
    const edit = (copy: WeekLog) => {
      let changed = 0;
      for (const id of args.delete_entry_ids) {
        const ref = findEntry(copy, id);
        if (ref) removeEntry(copy, ref); // gone already after a 409 re-read: nothing to do
      }
      for (const s of resolved) {
        const project = findWeekProject(copy, s.team);
        if (!project) throw missingProject(s.team, copy);
        // A task holds one entry a day: a cell set under another label than that entry's is
        // another row of the grid, and would overwrite it. No label given keeps the entry's.
        const labelGiven = s.label_id !== undefined || s.label_name !== undefined;
        const held = findTask(project, s.description)?.days.find((d) => d.date === s.date);
        if (held && labelGiven && (held.label ?? null) !== s.label.id) {
          const other = n.labels.find((l) => l.id === held.label)?.name ?? "no label";
          throw new UserError(
            `Cannot set "${s.description}" on ${s.date} under "${s.label.name}": that day already has ${
              formatTime(timeOut(held.minutes))
            } of this task under "${other}" (a task holds one entry a day)`,
            "Change the time in that row's cell instead, or delete that entry first.",
          );
        }
        const action = putEntry(copy, {
          projectId: project.id,
          date: s.date,
          description: s.description,
          minutes: s.minutes,
          label: s.label.id,
          keepLabel: !labelGiven,
        });
        if (action !== "unchanged") changed++;
      }
      return changed;
    };
    const probe = edit(cloneWeek(week));
    const asRead = gridOf(monday, week, n, ctx.config);
    if (probe === 0 && doomed.length === 0) {
      return {
        text: `Nothing to save: the week of ${week.monday} already holds these values.`,
        data: {
          status: "unchanged" as const,
          conflict_retried: false,
          changed: 0,
          deleted: 0,
          grid: asRead,
        },
      };
    }
    if (doomed.length) {
      const answer = await ctx.confirm.ask({
        tool: "week_grid_save",
        args,
        who: ts.email,
        message: `Delete ${plural(doomed.length, "entry", "entries")}? It cannot be undone.\n${
          doomed.map(entryLine).join("\n")
        }`,
        shown: {
          week: week.id,
          deleted: doomed.map((d) => [d.entry_id, d.date, d.hours, d.minutes]),
        },
      }, ctx.signal);
      if (answer.status !== "confirmed") {
        return {
          text: answer.status === "declined"
            ? `The person declined: nothing was saved in the week of ${week.monday}.`
            : `Nothing saved yet. ${askLine("week_grid_save", answer)}`,
          data: {
            ...pending(answer),
            conflict_retried: false,
            changed: 0,
            deleted: 0,
            grid: asRead,
          },
        };
      }
    }
    const { saved, result, retried } = await ts.save(week, edit, (stored) => {
      const g = gridOf(monday, stored, n, ctx.config);
      return `the week now holds ${formatTime(timeOut(g.total_minutes))}`;
    });
    const grid = gridOf(monday, saved, n, ctx.config);
    return {
      text: `Saved the week of ${week.monday}: ${plural(result, "cell")} set, ${
        plural(doomed.length, "entry", "entries")
      } deleted; the week now holds ${formatTime(timeOut(grid.total_minutes))}.${
        retried ? " (Another edit was saved first; it was kept.)" : ""
      }`,
      data: {
        status: "saved" as const,
        conflict_retried: retried,
        changed: result,
        deleted: doomed.length,
        grid,
      },
    };
  },
});

/** month_grid_load */
export const monthGridLoad = defineTool({
  name: "month_grid_load",
  title: "Week grid: load a month",
  description:
    "For the week grid app: one month as a calendar (each day's hours against the expected hours: full, short, empty, holiday, weekend, future), each overlapping week's state and the month's totals by project.",
  input: {
    year: z.number().int().min(2000).max(2100).describe("Year, e.g. 2026"),
    month: z.number().int().min(1).max(12).describe("Month, 1-12"),
  },
  output: monthShape,
  annotations: READ_ANNOTATIONS,
  meta: APP_ONLY_META,
  async handler(args, ctx) {
    const ts = await openTimesheet(ctx.session, ctx.signal);
    const month = await monthOf(ts, args.year, args.month, await namesFor(ts), ctx.config);
    const count = (status: string) =>
      month.days.filter((d) => d.in_month && d.status === status).length;
    return {
      text: `${month.first_day} to ${month.last_day}: ${
        formatTime(timeOut(month.total_minutes))
      }; ${plural(count("full"), "full day")}, ${plural(count("short"), "short day")}, ${
        plural(count("empty"), "empty day")
      }.`,
      data: month,
    };
  },
});

/** The tools only the week grid app calls. */
export const appTools = [weekGridLoad, weekGridSave, monthGridLoad] as unknown as ToolDef[];
