/**
 * The ERP's wire shapes, read tolerantly into one normalised form: both list shapes, ISO or
 * display dates, `decimal_hours` as string or number, and the several month-list wrappings.
 */
import {
  parseErpDate,
  parseErpDateNear,
  parseIsoDate,
  type PlainDate,
  roundDecimal,
  sundayOf,
} from "../dates.ts";

/** A week log as listed (no tasks). */
export interface WeekSummary {
  id: number;
  /** ISO Monday. */
  monday: string;
  isCompleted: boolean;
  /** Total logged, in minutes, when the ERP said it. */
  totalMinutes?: number;
}

/** One day's time on a task: a ProjectTaskDayDetail. */
export interface DayEntry {
  /** Absent on a day not yet saved. */
  id?: number;
  date: string;
  /** Whole minutes (hours × 60 + minutes). */
  minutes: number;
  label: number | null;
}

/** A task of a week project, with its days. */
export interface Task {
  id?: number;
  description: string;
  days: DayEntry[];
}

/** A PersonWeekProject: the person's project for one team in one week. */
export interface WeekProject {
  /** The week-project id — never a team id. */
  id: number;
  /** The team's complete name. */
  team: string;
  /** The team's short name. */
  subteam: string;
  tasks: Task[];
}

/** A week log in full. */
export interface WeekLog {
  id: number;
  monday: string;
  sunday: string;
  isCompleted: boolean;
  modifiedAt?: string;
  projects: WeekProject[];
  /** The body as fetched, so a save sends back every field the ERP gave. */
  raw: Record<string, unknown>;
}

/** A team the person can log on (`active_project_list`). */
export interface Team {
  /** The team id (`nsubteam_id`). */
  id: number;
  team: string;
  subteam: string;
  isActive: boolean;
}

/** A label for entries. */
export interface Label {
  id: number;
  name: string;
}

/** Who owns a token. */
export interface Person {
  id?: number;
  email?: string;
  name?: string;
}

/** The ERP answered something this code cannot read. */
export class ShapeError extends Error {
  /** `what` names the answer ("the week log"); `detail` says what in it could not be read. */
  constructor(what: string, detail?: string) {
    super(
      `ERP answered ${what} in a shape this server does not understand${
        detail ? `: ${detail}` : ""
      }`,
    );
    this.name = "ShapeError";
  }
}

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return !!value && typeof value === "object" && !Array.isArray(value);
}

function num(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return undefined;
}

function str(value: unknown): string {
  return typeof value === "string" ? value : value == null ? "" : String(value);
}

const LIST_KEYS = ["results", "data", "items", "logs", "month_logs", "person_week_logs"];

/** Finds the list inside an answer: a bare list, or one under a known key; flattens `months_log`. */
function listOf(body: unknown): unknown[] | undefined {
  let list: unknown[] | undefined;
  if (Array.isArray(body)) list = body;
  else if (isObj(body)) {
    for (const key of LIST_KEYS) {
      if (Array.isArray(body[key])) {
        list = body[key] as unknown[];
        break;
      }
      if (isObj(body[key])) return listOf(body[key]);
    }
  }
  if (!list) return undefined;
  return list.flatMap((item) =>
    isObj(item) && Array.isArray(item.months_log) ? item.months_log as unknown[] : [item]
  );
}

/** Reads the Monday of a summary or detail, from `week_starting`, else from `week_ending`. */
function mondayOfItem(item: Obj, yearAsked: number): PlainDate | undefined {
  const year = num(item.year) ?? yearAsked;
  // A display date without a weekday carries no year: the one that makes it a Monday wins.
  for (const y of [year, year - 1, year + 1]) {
    const start = parseErpDate(item.week_starting, y);
    if (start?.dayOfWeek === 1) return start;
  }
  const start = parseErpDate(item.week_starting, year);
  if (start) return start;
  const end = parseErpDate(item.week_ending, year);
  return end?.subtract({ days: 6 });
}

function minutesOf(item: Obj): number | undefined {
  const hours = num(item.hours);
  const minutes = num(item.minutes);
  if (hours !== undefined || minutes !== undefined) {
    return roundDecimal(decimalText(item.hours) ?? 0, 60) +
      roundDecimal(decimalText(item.minutes) ?? 0, 1);
  }
  const decimal = decimalText(item.decimal_hours);
  return decimal === undefined ? undefined : roundDecimal(decimal, 60);
}

/** A number as the ERP wrote it (DRF Decimals come as strings), for exact rounding. */
function decimalText(value: unknown): string | number | undefined {
  if (num(value) === undefined) return undefined;
  return typeof value === "string" ? value.trim() : value as number;
}

/** An ERP value for a message: JSON, at most 40 characters. */
function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** The body itself, or the JSON a string body holds (some ERPs encode the list twice). */
function unwrapJsonString(body: unknown, what: string): unknown {
  if (typeof body !== "string") return body;
  try {
    return JSON.parse(body);
  } catch {
    throw new ShapeError(what, "a string that is not JSON");
  }
}

/** Parses `person/list/` or `month-list/`, in any of their shapes. */
export function parseWeekSummaries(body: unknown, yearAsked: number): WeekSummary[] {
  const list = listOf(unwrapJsonString(body, "the week list"));
  if (!list) throw new ShapeError("the week list");
  const out: WeekSummary[] = [];
  const seen = new Set<number>();
  for (const item of list) {
    if (!isObj(item)) continue;
    const id = num(item.id);
    const monday = mondayOfItem(item, yearAsked);
    if (id === undefined || !monday || seen.has(id)) continue;
    seen.add(id);
    const total = isObj(item.total_logged_time)
      ? minutesOf(item.total_logged_time)
      : minutesOf(item);
    out.push({
      id,
      monday: monday.toString(),
      isCompleted: item.is_completed === true,
      totalMinutes: total,
    });
  }
  return out;
}

function labelIdOf(value: unknown): number | null {
  if (isObj(value)) return num(value.id) ?? null;
  return num(value) ?? null;
}

/**
 * Parses a week log detail (`person/get/<id>/`, or a save answer) of the week starting `asked`
 * (the Monday the server asked for). Its dates are read relative to that Monday, never to today;
 * a detail whose dates or `year` contradict it, or a day outside it, is a ShapeError.
 */
export function parseWeekLog(body: unknown, asked: string | PlainDate): WeekLog {
  if (!isObj(body)) throw new ShapeError("the week log");
  const monday = typeof asked === "string" ? parseIsoDate(asked) : asked;
  if (!monday || monday.dayOfWeek !== 1) throw new Error(`not a Monday: ${asked}`);
  const sunday = sundayOf(monday);
  const id = num(body.id);
  if (id === undefined) throw new ShapeError("the week log", "no id");
  const what = `the week log ${id}`;
  const given = [
    { field: "week_starting", value: body.week_starting, want: monday },
    { field: "week_ending", value: body.week_ending, want: sunday },
  ].filter((g) => g.value !== undefined && g.value !== null);
  if (given.length === 0) throw new ShapeError(what, "no week_starting or week_ending");
  for (const g of given) {
    const date = parseErpDateNear(g.value, g.want);
    if (!date && !parseErpDate(g.value, g.want.year)) {
      throw new ShapeError(what, `${g.field} ${quote(g.value)} is not a date`);
    }
    if (!date?.equals(g.want)) {
      throw new ShapeError(
        what,
        `${g.field} ${quote(g.value)} is not in the week of ${monday} asked for`,
      );
    }
  }
  const year = num(body.year);
  if (year !== undefined && year !== monday.year && year !== sunday.year) {
    throw new ShapeError(what, `year ${year} is not the year of the week of ${monday} asked for`);
  }
  const inWeek = (d: PlainDate) =>
    Temporal.PlainDate.compare(d, monday) >= 0 && Temporal.PlainDate.compare(d, sunday) <= 0;
  const projects = (Array.isArray(body.projects) ? body.projects : []).filter(isObj).map(
    (p): WeekProject => ({
      id: num(p.id) ?? 0,
      team: str(p.team ?? p.team_name ?? p.name),
      subteam: str(p.subteam ?? p.subteam_name),
      tasks: (Array.isArray(p.tasks) ? p.tasks : []).filter(isObj).map((t): Task => ({
        id: num(t.id),
        description: str(t.description),
        days: (Array.isArray(t.days) ? t.days : []).filter(isObj).map((d): DayEntry => {
          const date = parseErpDateNear(d.date, monday);
          // Never drop a day: a save sends whole tasks back, so a dropped day would be deleted.
          if (!date || !inWeek(date)) {
            throw new ShapeError(
              what,
              `a day dated ${quote(d.date)} is not in the week of ${monday}`,
            );
          }
          return {
            id: num(d.id),
            date: date.toString(),
            minutes: minutesOf(d) ?? 0,
            label: labelIdOf(d.label ?? d.label_id),
          };
        }),
      })),
    }),
  );
  return {
    id,
    monday: monday.toString(),
    sunday: sunday.toString(),
    isCompleted: body.is_completed === true,
    modifiedAt: typeof body.modified_at === "string" ? body.modified_at : undefined,
    projects,
    raw: body,
  };
}

/** The body a save sends: the week as fetched, with its projects' tasks replaced by `week`'s. */
export function weekLogToSaveBody(week: WeekLog): Obj {
  const rawProjects = new Map<number, Obj>();
  for (const p of Array.isArray(week.raw.projects) ? week.raw.projects : []) {
    if (isObj(p) && num(p.id) !== undefined) rawProjects.set(num(p.id)!, p);
  }
  return {
    ...week.raw,
    id: week.id,
    modified_at: week.modifiedAt,
    projects: week.projects.map((p) => ({
      ...rawProjects.get(p.id),
      id: p.id,
      tasks: p.tasks.map((t) => ({
        ...(t.id !== undefined ? { id: t.id } : {}),
        description: t.description,
        days: t.days.map((d) => ({
          ...(d.id !== undefined ? { id: d.id } : {}),
          date: d.date,
          hours: Math.floor(d.minutes / 60),
          minutes: d.minutes % 60,
          label: d.label,
        })),
      })),
    })),
  };
}

/** Parses `active_project_list/`. */
export function parseTeams(body: unknown): Team[] {
  const list = listOf(body);
  if (!list) throw new ShapeError("the project list");
  return list.filter(isObj).flatMap((t) => {
    const id = num(t.id ?? t.nsubteam_id);
    if (id === undefined) return [];
    return [{
      id,
      team: str(t.team ?? t.name ?? t.subteam),
      subteam: str(t.subteam ?? t.name ?? t.team),
      isActive: t.is_active !== false,
    }];
  });
}

/** Parses `log_labels/`. */
export function parseLabels(body: unknown): Label[] {
  const list = listOf(body);
  if (!list) throw new ShapeError("the label list");
  return list.filter(isObj).flatMap((l) => {
    const id = num(l.id);
    return id === undefined ? [] : [{ id, name: str(l.name ?? l.label) }];
  });
}

/** Parses `core/person/`; every field is optional. */
export function parsePerson(body: unknown): Person {
  if (!isObj(body)) return {};
  const nested = isObj(body.user) ? body.user : {};
  const email = body.email ?? nested.email;
  const first = str(body.first_name ?? nested.first_name);
  const last = str(body.last_name ?? nested.last_name);
  const name = body.name ?? body.full_name ??
    (first || last ? `${first} ${last}`.trim() : undefined);
  return {
    id: num(body.id),
    // No email is undefined, never "" or a placeholder: callers tell "none" from an email.
    email: typeof email === "string" && /^[^\s@]+@[^\s@]+$/.test(email.trim())
      ? email.trim()
      : undefined,
    name: typeof name === "string" ? name : undefined,
  };
}
