/** What the model sees: ISO dates, time as hours + minutes + decimal hours, ids with names. */
import { splitMinutes } from "../dates.ts";
import type { Label, Team, WeekLog, WeekProject } from "../erp/types.ts";
import { entriesOf, type EntryRef } from "../erp/week.ts";

/** Time three ways: whole hours, the minutes left, and decimal hours. */
export interface TimeOut {
  hours: number;
  minutes: number;
  decimal_hours: number;
}

/** One entry: a task's time on one day. */
export interface EntryOut extends TimeOut {
  entry_id: number | null;
  task_id: number | null;
  date: string;
  team_id: number | null;
  project: string;
  week_project_id: number;
  description: string;
  label_id: number | null;
  label: string | null;
}

/** The names that turn ids into words. */
export interface Names {
  teams: readonly Team[];
  labels: readonly Label[];
}

/** Minutes as TimeOut, minutes carried into hours. */
export function timeOut(minutes: number): TimeOut {
  return splitMinutes(minutes);
}

/** The team id of a week project, matched by name (the week log carries none). */
export function teamIdOf(project: WeekProject, teams: readonly Team[]): number | null {
  const name = project.team.trim().toLowerCase();
  const byName = teams.filter((t) => t.team.trim().toLowerCase() === name);
  if (byName.length === 1) return byName[0].id;
  const short = project.subteam.trim().toLowerCase();
  const byShort = teams.filter((t) => t.subteam.trim().toLowerCase() === short);
  return !name && byShort.length === 1 ? byShort[0].id : null;
}

/** One entry for the model. */
export function entryOut(ref: EntryRef, names: Names): EntryOut {
  const label = names.labels.find((l) => l.id === ref.day.label);
  return {
    entry_id: ref.day.id ?? null,
    task_id: ref.task.id ?? null,
    date: ref.day.date,
    team_id: teamIdOf(ref.project, names.teams),
    project: ref.project.team || ref.project.subteam,
    week_project_id: ref.project.id,
    description: ref.task.description,
    ...timeOut(ref.day.minutes),
    label_id: ref.day.label,
    label: label?.name ?? null,
  };
}

/** The entries of a week, optionally only those whose date passes `keep`, sorted by date. */
export function weekEntries(
  week: WeekLog,
  names: Names,
  keep: (date: string) => boolean = () => true,
): EntryOut[] {
  return entriesOf(week)
    .filter((e) => keep(e.day.date))
    .map((e) => entryOut(e, names))
    .sort((a, b) => a.date.localeCompare(b.date));
}

/** Total minutes of some entries. */
export function totalOf(entries: readonly { hours: number; minutes: number }[]): TimeOut {
  return timeOut(entries.reduce((sum, e) => sum + e.hours * 60 + e.minutes, 0));
}

/** Per-day totals of entries, in date order. */
export function dayTotals(entries: readonly EntryOut[]): { date: string; total: TimeOut }[] {
  const by = new Map<string, number>();
  for (const e of entries) by.set(e.date, (by.get(e.date) ?? 0) + e.hours * 60 + e.minutes);
  return [...by.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([date, m]) => ({
    date,
    total: timeOut(m),
  }));
}

/** Per-project totals of entries. */
export function projectTotals(
  entries: readonly EntryOut[],
): { team_id: number | null; project: string; week_project_ids: number[]; total: TimeOut }[] {
  const by = new Map<
    string,
    { team_id: number | null; project: string; ids: Set<number>; m: number }
  >();
  for (const e of entries) {
    const row = by.get(e.project) ??
      { team_id: e.team_id, project: e.project, ids: new Set(), m: 0 };
    row.ids.add(e.week_project_id);
    row.m += e.hours * 60 + e.minutes;
    by.set(e.project, row);
  }
  return [...by.values()].map((r) => ({
    team_id: r.team_id,
    project: r.project,
    week_project_ids: [...r.ids],
    total: timeOut(r.m),
  }));
}

/** `8 h 12 min`, `8 h`, `45 min`. */
export function formatTime(t: { hours: number; minutes: number }): string {
  if (t.hours && t.minutes) return `${t.hours} h ${t.minutes} min`;
  if (t.minutes) return `${t.minutes} min`;
  return `${t.hours} h`;
}

/** One readable line per entry. */
export function entryLine(e: EntryOut): string {
  return `- ${e.date} · ${e.project} · ${e.description} · ${formatTime(e)}` +
    `${e.label ? ` · ${e.label}` : ""} (entry ${e.entry_id ?? "new"})`;
}

/** Where one page of a long list sits in the whole list. */
export interface PageOut {
  offset: number;
  returned: number;
  total: number;
  /** The offset of the next page, or null when this page reaches the end. */
  next_offset: number | null;
}

/** What every read result may hold in all (text plus structured data), in characters. */
export const RESULT_BUDGET_CHARS = 40_000;

/** The characters a result costs a model: its text and its structured data as JSON. */
export function resultSize(out: { text: string; data: unknown }): number {
  return out.text.length + JSON.stringify(out.data).length;
}

/**
 * One page of `items` from `offset`, at most `limit` long, shrunk until the output `build` makes
 * of it fits `budget` characters (totals are the builder's business and stay complete). Always
 * returns at least one item when any is left, so paging always moves on.
 */
export function fitPage<T, Out extends { text: string; data: unknown }>(
  items: readonly T[],
  offset: number,
  limit: number,
  build: (page: T[], info: PageOut) => Out,
  // A margin for what runTool may add (the line naming the dates relative words resolved to).
  budget = RESULT_BUDGET_CHARS - 1_000,
): Out {
  const start = Math.min(Math.max(0, offset), items.length);
  let n = Math.min(limit, items.length - start);
  for (;;) {
    const page = items.slice(start, start + n);
    const next = start + n < items.length ? start + n : null;
    const out = build(page, { offset: start, returned: n, total: items.length, next_offset: next });
    const size = resultSize(out);
    if (size <= budget || n <= 1) return out;
    n = Math.max(1, Math.min(n - 1, Math.floor(n * (budget / size) * 0.95)));
  }
}

/** The sentence saying which part of a list a page shows and how to get the rest. */
export function pageLine(what: string, p: PageOut): string {
  if (p.total === 0) return "";
  if (p.offset === 0 && p.next_offset === null) return "";
  const shown = p.returned
    ? `${what} ${p.offset + 1}-${p.offset + p.returned} of ${p.total} shown`
    : `no ${what} at offset ${p.offset} (there are ${p.total})`;
  return p.next_offset === null
    ? `${shown}.`
    : `${shown}; call again with offset ${p.next_offset} for the next ones, or narrow the range.`;
}

/** `1 entry`, `3 entries`, `1 day`, `0 days`: a number with its noun in the right number. */
export function count(n: number, singular: string, plural?: string): string {
  const many = plural ??
    (/[^aeiou]y$/.test(singular) ? `${singular.slice(0, -1)}ies` : `${singular}s`);
  return `${n} ${n === 1 ? singular : many}`;
}

/**
 * A signed balance both ways, e.g. `+63 h 51 min (63.85 h)`, `-2 h 30 min (-2.5 h)`, `-16 h`,
 * `0 h`; the decimal form only when it says something the first does not (minutes).
 */
export function formatBalance(minutes: number): string {
  if (minutes === 0) return "0 h";
  const sign = minutes > 0 ? "+" : "-";
  const decimal = Math.round((Math.abs(minutes) / 60) * 100) / 100;
  const time = `${sign}${formatTime(timeOut(Math.abs(minutes)))}`;
  return Math.abs(minutes) % 60 === 0 ? time : `${time} (${sign === "-" ? "-" : ""}${decimal} h)`;
}
