/** How the sandbox ERP writes its stored records on the wire (summaries and details). */
import { displayDate, monthName } from "./dates.ts";
import type { WeekLogRecord } from "./types.ts";

/** The wire options that change how records are written. */
export interface WireStyle {
  dateStyle: "display" | "iso";
  decimalAsString: boolean;
  /** Leave out `year` (display dates then carry no year at all). */
  omitYear?: boolean;
}

/** A person as the detail names them. */
export interface WirePerson {
  id: number;
  name: string;
}

/** Total minutes logged in a week. */
export function totalMinutes(week: WeekLogRecord): number {
  let total = 0;
  for (const p of week.projects) {
    for (const t of p.tasks) for (const d of t.days) total += d.hours * 60 + d.minutes;
  }
  return total;
}

function weekDates(week: WeekLogRecord, style: WireStyle) {
  const monday = Temporal.PlainDate.from(week.monday);
  const sunday = Temporal.PlainDate.from(week.sunday);
  return {
    week_starting: style.dateStyle === "iso" ? week.monday : displayDate(monday),
    week_ending: style.dateStyle === "iso" ? week.sunday : displayDate(sunday),
    ...(style.omitYear ? {} : { year: monday.year }),
  };
}

/** A week summary as `person/list/` and `month-list/` answer it. */
export function toSummary(week: WeekLogRecord, style: WireStyle): Record<string, unknown> {
  const total = totalMinutes(week);
  return {
    id: week.id,
    ...weekDates(week, style),
    is_completed: week.isCompleted,
    hours: Math.floor(total / 60),
    minutes: total % 60,
  };
}

/** Groups summaries by the month of their Monday, as the envelope of `person/list/` does. */
export function toEnvelope(weeks: WeekLogRecord[], style: WireStyle): Record<string, unknown> {
  const groups: { month: string; months_log: Record<string, unknown>[] }[] = [];
  let lastMonth = -1;
  for (const week of weeks) {
    const month = Temporal.PlainDate.from(week.monday).month;
    if (month !== lastMonth) {
      groups.push({ month: monthName(month), months_log: [] });
      lastMonth = month;
    }
    groups[groups.length - 1].months_log.push(toSummary(week, style));
  }
  return { person_week_logs: groups };
}

function decimalHours(hours: number, minutes: number, asString: boolean): string | number {
  const value = Math.round((hours * 60 + minutes) / 60 * 100) / 100;
  return asString ? value.toFixed(2) : value;
}

/** A week log in full, as `person/get/<id>/`, save and complete answer it. */
export function toDetail(
  week: WeekLogRecord,
  person: WirePerson,
  style: WireStyle,
): Record<string, unknown> {
  const total = totalMinutes(week);
  return {
    id: week.id,
    person_id: person.id,
    person_name: person.name,
    ...weekDates(week, style),
    is_completed: week.isCompleted,
    modified_at: week.modifiedAt,
    total_logged_time: { hours: Math.floor(total / 60), minutes: total % 60 },
    projects: week.projects.map((p) => ({
      id: p.id,
      team: p.team,
      subteam: p.subteam,
      tasks: p.tasks.map((t) => ({
        id: t.id,
        description: t.description,
        days: t.days.map((d) => ({
          id: d.id,
          date: d.date,
          hours: d.hours,
          minutes: d.minutes,
          decimal_hours: decimalHours(d.hours, d.minutes, style.decimalAsString),
          label: d.label,
        })),
      })),
    })),
  };
}

/** A JSON response, as every `/api/v1/` answer is. */
export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}
