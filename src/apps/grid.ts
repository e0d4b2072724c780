/**
 * The week grid's model: what the week-grid view draws, built from a week log on the server. The
 * view imports only the types; every number in it comes from here (the same week.ts and insight.ts
 * facts the tools answer with), so the view never computes totals of its own from other sources.
 */
import { z } from "zod";
import { textKey } from "../text.ts";
import type { Config } from "../config.ts";
import { datesBetween, type PlainDate, sundayOf, today } from "../dates.ts";
import type { WeekLog } from "../erp/types.ts";
import { dayTotal, entriesOf } from "../erp/week.ts";
import type { Names } from "../logs/present.ts";
import { teamIdOf } from "../logs/present.ts";
import { expectedMinutes, isWorkday } from "../tools/insight.ts";

/** One cell: a task's time on one day (minutes), with the entry id when it exists. */
export const cellSchema = z.object({
  date: z.string().describe("YYYY-MM-DD"),
  entry_id: z.number().int().nullable().describe("null: no entry that day"),
  minutes: z.number().int().describe("0 when empty"),
});

/** One row: a task of a week project under one label. */
export const rowSchema = z.object({
  week_project_id: z.number().int(),
  team_id: z.number().int().nullable(),
  project: z.string(),
  description: z.string(),
  label_id: z.number().int().nullable(),
  label: z.string().nullable(),
  cells: z.array(cellSchema).describe("Monday to Sunday"),
  total_minutes: z.number().int(),
});

/** One day column. */
export const daySchema = z.object({
  date: z.string(),
  weekday: z.string().describe("Mon … Sun"),
  workday: z.boolean().describe("false on weekends and configured holidays"),
  holiday: z.boolean(),
  future: z.boolean().describe("after today in the server's time zone"),
  expected_minutes: z.number().int().describe("MCP_EXPECTED_HOURS on workdays, else 0"),
  total_minutes: z.number().int(),
  short: z.boolean().describe("a workday up to today holding less than expected"),
});

/** The whole grid of one week. */
export const gridShape = {
  week_starting: z.string(),
  week_ending: z.string(),
  state: z.enum(["draft", "completed", "no_week_log"]),
  writable: z.boolean().describe(
    "false when this connection may only read (MCP_READ_ONLY, or an OAuth grant to read only)",
  ),
  week_log_id: z.number().int().nullable(),
  days: z.array(daySchema),
  rows: z.array(rowSchema),
  total_minutes: z.number().int(),
  week_projects: z.array(z.object({
    week_project_id: z.number().int(),
    team_id: z.number().int().nullable(),
    project: z.string(),
  })).describe("the projects this week's log holds (time can be added to these)"),
  projects: z.array(z.object({ id: z.number().int(), team: z.string() }))
    .describe("the person's active projects"),
  labels: z.array(z.object({ id: z.number().int(), name: z.string() })),
};

/** The grid as the view receives it in `structuredContent`. */
export type Grid = z.infer<z.ZodObject<typeof gridShape>>;
/** One row of the grid. */
export type GridRow = Grid["rows"][number];
/** One day column of the grid. */
export type GridDay = Grid["days"][number];

/**
 * The grid of the week starting `monday`: a row per (project, task, label), days with their
 * totals against the expected hours (insight.ts: weekends and MCP_HOLIDAYS expect none), and the
 * names to add a row with. `week` undefined: no week log (an empty, read-only grid).
 */
export function gridOf(
  monday: PlainDate,
  week: WeekLog | undefined,
  names: Names,
  config: Config,
): Grid {
  const dates = datesBetween(monday, sundayOf(monday));
  const now = today(config).toString();
  const want = expectedMinutes(config);
  const rows = new Map<string, Grid["rows"][number]>();
  for (const ref of week ? entriesOf(week) : []) {
    // One row per task as the ERP edit matches tasks (textKey: "Dev" and "dev" are one task),
    // so a cell typed in a row is the entry a save will set.
    const key = JSON.stringify([ref.project.id, textKey(ref.task.description), ref.day.label]);
    let row = rows.get(key);
    if (!row) {
      row = {
        week_project_id: ref.project.id,
        team_id: teamIdOf(ref.project, names.teams),
        project: ref.project.team || ref.project.subteam,
        description: ref.task.description,
        label_id: ref.day.label,
        label: names.labels.find((l) => l.id === ref.day.label)?.name ?? null,
        cells: dates.map((d) => ({ date: d.toString(), entry_id: null, minutes: 0 })),
        total_minutes: 0,
      };
      rows.set(key, row);
    }
    const cell = row.cells.find((c) => c.date === ref.day.date);
    if (!cell) continue;
    cell.entry_id = ref.day.id ?? null;
    cell.minutes += ref.day.minutes;
    row.total_minutes += ref.day.minutes;
  }
  const days = dates.map((d) => {
    const date = d.toString();
    const workday = isWorkday(d, config);
    const total = week ? dayTotal(week, date) : 0;
    const expected = workday ? want : 0;
    return {
      date,
      weekday: d.toLocaleString("en-US", { weekday: "short" }),
      workday,
      holiday: config.holidays.includes(date),
      future: date > now,
      expected_minutes: expected,
      total_minutes: total,
      short: workday && date <= now && total < expected,
    };
  });
  return {
    week_starting: monday.toString(),
    week_ending: sundayOf(monday).toString(),
    state: !week ? "no_week_log" : week.isCompleted ? "completed" : "draft",
    writable: !config.readOnly,
    week_log_id: week?.id ?? null,
    days,
    rows: [...rows.values()],
    total_minutes: days.reduce((s, d) => s + d.total_minutes, 0),
    week_projects: (week?.projects ?? []).map((p) => ({
      week_project_id: p.id,
      team_id: teamIdOf(p, names.teams),
      project: p.team || p.subteam,
    })),
    projects: names.teams.filter((t) => t.isActive !== false).map((t) => ({
      id: t.id,
      team: t.team,
    })),
    labels: names.labels.map((l) => ({ id: l.id, name: l.name })),
  };
}
