/** Pure edits of a week log: add, update, move and remove one day's entry. Nothing here does I/O. */
import { UserError } from "../errors.ts";
import { sameText } from "../text.ts";
import type { DayEntry, Task, Team, WeekLog, WeekProject } from "./types.ts";

/** A located entry: the project, the task and the day. */
export interface EntryRef {
  project: WeekProject;
  task: Task;
  day: DayEntry;
}

/** What an edit did to the week. */
export type EditAction = "created" | "updated" | "unchanged";

/** The most a day may hold, in minutes. */
export const DAY_LIMIT_MINUTES = 24 * 60;

/** The longest description the ERP keeps. */
export const DESCRIPTION_LIMIT = 255;

/** A deep copy, so an edit never changes the week it was given. */
export function cloneWeek(week: WeekLog): WeekLog {
  return {
    ...week,
    projects: week.projects.map((p) => ({
      ...p,
      tasks: p.tasks.map((t) => ({ ...t, days: t.days.map((d) => ({ ...d })) })),
    })),
  };
}

function same(a: string, b: string): boolean {
  return sameText(a, b);
}

/** The week project for a team: the complete name first, then a short name only it has. */
export function findWeekProject(week: WeekLog, team: Team): WeekProject | undefined {
  const byName = week.projects.filter((p) => p.team && same(p.team, team.team));
  if (byName.length === 1) return byName[0];
  if (byName.length > 1) {
    throw new UserError(
      `Ambiguous project "${team.team}" in the week of ${week.monday}: the week has ${byName.length} projects with that name (${
        byName.map((p) => `week project ${p.id}`).join(", ")
      })`,
      "Log this one in the ERP web app; the week log does not say which team each one belongs to.",
    );
  }
  const byShort = week.projects.filter((p) =>
    !p.team && p.subteam && same(p.subteam, team.subteam)
  );
  return byShort.length === 1 ? byShort[0] : undefined;
}

/** Minutes logged on `date` across every project and task of the week. */
export function dayTotal(week: WeekLog, date: string): number {
  let total = 0;
  for (const p of week.projects) {
    for (const t of p.tasks) for (const d of t.days) if (d.date === date) total += d.minutes;
  }
  return total;
}

/** Every entry of the week, in project, task, day order. */
export function entriesOf(week: WeekLog): EntryRef[] {
  return week.projects.flatMap((project) =>
    project.tasks.flatMap((task) => task.days.map((day) => ({ project, task, day })))
  );
}

/** The entry with this id. */
export function findEntry(week: WeekLog, entryId: number): EntryRef | undefined {
  return entriesOf(week).find((e) => e.day.id === entryId);
}

/** The task of `project` with this description (case and outer spaces ignored). */
export function findTask(project: WeekProject, description: string): Task | undefined {
  return project.tasks.find((t) => same(t.description, description));
}

/** The change wanted on one day of one task. */
export interface EntryEdit {
  projectId: number;
  date: string;
  description: string;
  minutes: number;
  label: number | null;
  /** No label was asked for: an existing entry keeps its own, `label` applies to new ones. */
  keepLabel?: boolean;
}

/**
 * Sets the time of `description` on `date` in a project: the same description on the same day
 * updates that entry, otherwise a new day (and task, when needed) is added. Edits `week` in place.
 */
export function putEntry(week: WeekLog, edit: EntryEdit): EditAction {
  checkInWeek(week, edit.date);
  const project = week.projects.find((p) => p.id === edit.projectId);
  if (!project) throw new Error(`week project ${edit.projectId} is not in week ${week.monday}`);
  let task = findTask(project, edit.description);
  const day = task?.days.find((d) => d.date === edit.date);
  const label = day && edit.keepLabel ? day.label : edit.label;
  if (day && day.minutes === edit.minutes && day.label === label) return "unchanged";
  checkDayTotal(week, edit.date, edit.minutes - (day?.minutes ?? 0));
  if (!task) {
    task = { description: edit.description.trim(), days: [] };
    project.tasks.push(task);
  }
  if (day) {
    day.minutes = edit.minutes;
    day.label = label;
    return "updated";
  }
  task.days.push({ date: edit.date, minutes: edit.minutes, label: edit.label });
  return "created";
}

/** Changes one entry found by id: its time, label, or description (moving it to that task). */
export function changeEntry(
  week: WeekLog,
  entryId: number,
  change: { minutes?: number; label?: number | null; description?: string },
): EntryRef {
  const ref = findEntry(week, entryId);
  if (!ref) throw new UserError(`Cannot find entry ${entryId} in the week of ${week.monday}`);
  // Every check before any change, so a refused edit leaves the week as it was.
  const rename = change.description;
  const move = rename !== undefined && !same(rename, ref.task.description);
  let target = move ? findTask(ref.project, rename) : undefined;
  if (target?.days.some((d) => d.date === ref.day.date)) {
    throw new UserError(
      `Cannot rename entry ${entryId}: "${target.description}" already has time on ${ref.day.date}`,
      "Change that entry's hours instead, or delete one of the two.",
    );
  }
  if (change.minutes !== undefined) {
    checkDayTotal(week, ref.day.date, change.minutes - ref.day.minutes);
    ref.day.minutes = change.minutes;
  }
  if (change.label !== undefined) ref.day.label = change.label;
  if (move) {
    ref.task.days = ref.task.days.filter((d) => d !== ref.day);
    if (ref.task.days.length === 0) {
      ref.project.tasks = ref.project.tasks.filter((t) => t !== ref.task);
    }
    if (!target) {
      target = { description: rename.trim(), days: [] };
      ref.project.tasks.push(target);
    }
    target.days.push(ref.day);
    ref.task = target;
  }
  return ref;
}

/** Removes one entry; its task goes too when it has no day left. */
export function removeEntry(week: WeekLog, ref: EntryRef): void {
  const project = week.projects.find((p) => p.id === ref.project.id);
  const task = project?.tasks.find((t) => t.days.some((d) => d === ref.day));
  if (!project || !task) throw new Error("entry is not in this week");
  task.days = task.days.filter((d) => d !== ref.day);
  if (task.days.length === 0) project.tasks = project.tasks.filter((t) => t !== task);
}

function checkInWeek(week: WeekLog, date: string): void {
  if (date < week.monday || date > week.sunday) {
    throw new Error(`${date} is outside the week of ${week.monday}`);
  }
}

function checkDayTotal(week: WeekLog, date: string, adding = 0): void {
  const total = dayTotal(week, date) + adding;
  if (total > DAY_LIMIT_MINUTES) {
    const h = Math.floor(total / 60);
    const m = total % 60;
    throw new UserError(
      `Cannot log that on "${date}": the day would hold ${
        m ? `${h} h ${m} min` : `${h} h`
      }, over 24 h`,
      "Lower the hours, or change an existing entry of that day first (get_day_logs shows them).",
    );
  }
}
