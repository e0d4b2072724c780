/**
 * The sandbox ERP's writes (save, complete, from-slack): validated in full first, then applied
 * all at once, so a rejected request changes nothing.
 */
import { mondayOf, parseInstantNs, parseIsoDate } from "./dates.ts";
import type { IdCounters } from "./seed.ts";
import type { DayRecord, SandboxTeam, TaskRecord, WeekLogRecord } from "./types.ts";

/** A decided HTTP answer with a JSON body. */
export interface Answer {
  status: number;
  body: unknown;
}

/** What the writes need to know besides the week logs. */
export interface WriteContext {
  labelIds: ReadonlySet<number>;
  teams: readonly SandboxTeam[];
  ids: IdCounters;
  /** Sets a week's `modified_at` to now, strictly later than before. */
  touch(week: WeekLogRecord): void;
}

const COMPLETED_DETAIL = "Week log is already completed.";

/** The answer for a completed week. */
export const COMPLETED: Answer = { status: 400, body: { detail: COMPLETED_DETAIL } };

const MAX_DAY_MINUTES = 24 * 60;

type Obj = Record<string, unknown>;

/** A DRF field map that keeps each message once. */
class FieldErrors {
  readonly map: Record<string, string[]> = {};
  add(field: string, message: string): void {
    const list = this.map[field] ??= [];
    if (!list.includes(message)) list.push(message);
  }
  get empty(): boolean {
    return Object.keys(this.map).length === 0;
  }
}

function isObj(value: unknown): value is Obj {
  return !!value && typeof value === "object" && !Array.isArray(value);
}

/** The Python name of a JSON value's type, as DRF messages say it. */
function pyType(value: unknown): string {
  if (value === null) return "NoneType";
  if (Array.isArray(value)) return "list";
  if (typeof value === "string") return "str";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  return "dict";
}

/** The DRF answer to a body that is not a JSON object. */
export function notADict(body: unknown): Answer {
  return {
    status: 400,
    body: {
      non_field_errors: [`Invalid data. Expected a dictionary, but got ${pyType(body)}.`],
    },
  };
}

/** Reads an integer as DRF's IntegerField does (a JSON integer or a string of digits). */
function intOf(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  if (typeof value === "string" && /^\s*-?\d{1,15}\s*$/.test(value)) return Number(value);
  return undefined;
}

/** Checks an integer field in a range; undefined after adding an error. */
function boundedInt(
  errors: FieldErrors,
  field: string,
  value: unknown,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return errors.add(field, "This field is required."), undefined;
  if (value === null) return errors.add(field, "This field may not be null."), undefined;
  const n = intOf(value);
  if (n === undefined) return errors.add(field, "A valid integer is required."), undefined;
  if (n < min) {
    return errors.add(field, `Ensure this value is greater than or equal to ${min}.`), undefined;
  }
  if (n > max) {
    return errors.add(field, `Ensure this value is less than or equal to ${max}.`), undefined;
  }
  return n;
}

/** Checks a description: a non-blank string of at most 255 characters, trimmed. */
function descriptionOf(errors: FieldErrors, value: unknown): string | undefined {
  if (value === undefined) return errors.add("description", "This field is required."), undefined;
  if (typeof value !== "string") {
    return errors.add("description", "Not a valid string."), undefined;
  }
  const text = value.trim();
  if (text === "") return errors.add("description", "This field may not be blank."), undefined;
  if (text.length > 255) {
    errors.add("description", "Ensure this field has no more than 255 characters.");
    return undefined;
  }
  return text;
}

/** Checks a label reference: null, or the id of a known label. */
function labelOf(
  errors: FieldErrors,
  field: string,
  value: unknown,
  labelIds: ReadonlySet<number>,
  nullable: boolean,
): number | null | undefined {
  if (value === undefined || value === null) {
    if (nullable) return null;
    errors.add(field, value === null ? "This field may not be null." : "This field is required.");
    return undefined;
  }
  const id = typeof value === "number" ? value : intOf(value);
  if (id === undefined || (typeof value !== "number" && typeof value !== "string")) {
    errors.add(field, `Incorrect type. Expected pk value, received ${pyType(value)}.`);
    return undefined;
  }
  if (!labelIds.has(id)) {
    errors.add(field, `Invalid pk "${value}" - object does not exist.`);
    return undefined;
  }
  return id;
}

function listOrError(errors: FieldErrors, field: string, value: unknown): unknown[] | undefined {
  if (value === undefined) return errors.add(field, "This field is required."), undefined;
  if (!Array.isArray(value)) {
    errors.add(field, `Expected a list of items but got type "${pyType(value)}".`);
    return undefined;
  }
  return value;
}

/** The dates of a week whose total is over 24 hours, as a non-field error answer. */
function overfullDays(weeks: WeekLogRecord[]): Answer | undefined {
  const byDate = new Map<string, number>();
  for (const week of weeks) {
    for (const p of week.projects) {
      for (const t of p.tasks) {
        for (const d of t.days) {
          byDate.set(d.date, (byDate.get(d.date) ?? 0) + d.hours * 60 + d.minutes);
        }
      }
    }
  }
  const over = [...byDate].filter(([, m]) => m > MAX_DAY_MINUTES).map(([d]) => d).sort();
  if (over.length === 0) return undefined;
  return {
    status: 400,
    body: { non_field_errors: over.map((d) => `Total time on ${d} exceeds 24 hours.`) },
  };
}

/** A task as sent, validated; ids absent for new ones. */
interface TaskDraft {
  id?: number;
  description: string;
  days: { id?: number; date: string; hours: number; minutes: number; label: number | null }[];
}

/**
 * `PATCH save/<id>/` on a week the caller already found and owns: checks, in order, completed,
 * `modified_at`, unknown projects and field errors, then replaces the sent projects' tasks.
 */
export function saveWeek(week: WeekLogRecord, body: unknown, ctx: WriteContext): Answer | null {
  if (week.isCompleted) return COMPLETED;
  if (!isObj(body)) return notADict(body);

  const sentAt = parseInstantNs(body.modified_at);
  const storedAt = parseInstantNs(week.modifiedAt)!;
  if (sentAt === undefined || sentAt < storedAt) {
    return {
      status: 409,
      body: { detail: "This week log was modified by someone else. Reload and try again." },
    };
  }

  const errors = new FieldErrors();
  const projects = body.projects === undefined
    ? []
    : listOrError(errors, "projects", body.projects);
  if (!projects) return { status: 400, body: errors.map };

  // Unknown projects come before any field error.
  for (const p of projects) {
    const id = isObj(p) ? intOf(p.id) : undefined;
    if (id !== undefined && !week.projects.some((wp) => wp.id === id)) {
      return { status: 400, body: { detail: `Unknown project ${id} for this week.` } };
    }
  }

  const drafts = new Map<number, TaskDraft[]>();
  const seenTaskIds = new Set<number>();
  const seenDayIds = new Set<number>();
  for (const p of projects) {
    if (!isObj(p)) {
      errors.add("projects", `Invalid data. Expected a dictionary, but got ${pyType(p)}.`);
      continue;
    }
    const projectId = intOf(p.id);
    if (projectId === undefined) {
      errors.add(
        "id",
        p.id === undefined ? "This field is required." : "A valid integer is required.",
      );
      continue;
    }
    if (drafts.has(projectId)) {
      errors.add("projects", `Project ${projectId} appears more than once.`);
      continue;
    }
    const stored = week.projects.find((wp) => wp.id === projectId)!;
    const storedDayIds = new Set(stored.tasks.flatMap((t) => t.days.map((d) => d.id)));
    const tasks = listOrError(errors, "tasks", p.tasks) ?? [];
    const out: TaskDraft[] = [];
    for (const t of tasks) {
      if (!isObj(t)) {
        errors.add("tasks", `Invalid data. Expected a dictionary, but got ${pyType(t)}.`);
        continue;
      }
      const taskId = existingId(
        errors,
        t.id,
        seenTaskIds,
        (id) => stored.tasks.some((x) => x.id === id),
      );
      const description = descriptionOf(errors, t.description);
      const days = listOrError(errors, "days", t.days) ?? [];
      const draft: TaskDraft = {
        id: taskId ?? undefined,
        description: description ?? "",
        days: [],
      };
      for (const d of days) {
        if (!isObj(d)) {
          errors.add("days", `Invalid data. Expected a dictionary, but got ${pyType(d)}.`);
          continue;
        }
        const dayId = existingId(errors, d.id, seenDayIds, (id) => storedDayIds.has(id));
        const date = dateInWeek(errors, d.date, week);
        const hours = boundedInt(errors, "hours", d.hours, 0, 24);
        const minutes = boundedInt(errors, "minutes", d.minutes, 0, 59);
        const label = labelOf(errors, "label", d.label, ctx.labelIds, true);
        if (date && hours !== undefined && minutes !== undefined && label !== undefined) {
          draft.days.push({ id: dayId ?? undefined, date, hours, minutes, label });
        }
      }
      out.push(draft);
    }
    drafts.set(projectId, out);
  }
  if (!errors.empty) return { status: 400, body: errors.map };

  const next = structuredClone(week);
  const ids = { ...ctx.ids };
  for (const project of next.projects) {
    const sent = drafts.get(project.id);
    if (!sent) continue;
    project.tasks = sent.map((t): TaskRecord => ({
      id: t.id ?? ids.task++,
      description: t.description,
      days: t.days.map((d): DayRecord => ({ ...d, id: d.id ?? ids.day++ })),
    }));
  }
  const over = overfullDays([next]);
  if (over) return over;

  Object.assign(ctx.ids, ids);
  week.projects = next.projects;
  ctx.touch(week);
  return null;
}

/** Reads an optional id that must name an existing object, once per request; null when new. */
function existingId(
  errors: FieldErrors,
  value: unknown,
  seen: Set<number>,
  exists: (id: number) => boolean,
): number | null | undefined {
  if (value === undefined || value === null) return null;
  const id = intOf(value);
  if (id === undefined) return errors.add("id", "A valid integer is required."), undefined;
  if (!exists(id)) {
    errors.add("id", `Invalid pk "${id}" - object does not exist.`);
    return undefined;
  }
  if (seen.has(id)) {
    errors.add("id", `Id ${id} appears more than once.`);
    return undefined;
  }
  seen.add(id);
  return id;
}

function dateInWeek(errors: FieldErrors, value: unknown, week: WeekLogRecord): string | undefined {
  if (value === undefined || value === null) {
    return errors.add("date", "This field is required."), undefined;
  }
  const date = parseIsoDate(value);
  if (!date) {
    errors.add("date", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.");
    return undefined;
  }
  const iso = date.toString();
  if (iso < week.monday || iso > week.sunday) {
    errors.add("days", `${iso} is outside this week.`);
    return undefined;
  }
  return iso;
}

/** `PATCH complete/<id>/` on a week the caller already found and owns. */
export function completeWeek(week: WeekLogRecord, body: unknown, ctx: WriteContext): Answer | null {
  if (week.isCompleted) return COMPLETED;
  if (!isObj(body)) return notADict(body);
  const value = body.save_draft;
  let saveDraft: boolean;
  if (value === undefined) {
    return { status: 400, body: { save_draft: ["This field is required."] } };
  } else if (value === true || value === "true" || value === "True") {
    saveDraft = true;
  } else if (value === false || value === "false" || value === "False") {
    saveDraft = false;
  } else {
    return { status: 400, body: { save_draft: ["Must be a valid boolean."] } };
  }
  if (!saveDraft) {
    week.isCompleted = true;
    ctx.touch(week);
  }
  return null;
}

/** A Slack log, validated. */
interface SlackDraft {
  date: Temporal.PlainDate;
  hours: number;
  minutes: number;
  description: string;
  teamId: number;
  label: number;
}

/**
 * `POST person-week-log-from-slack/` for the token's owner: adds each log as a day of the task
 * with the same description in the week project of that team, or fails as a whole.
 */
export function addFromSlack(
  person: { email: string },
  weeks: WeekLogRecord[],
  body: unknown,
  ctx: WriteContext,
): Answer {
  if (!isObj(body)) return notADict(body);
  const errors = new FieldErrors();
  if (body.email === undefined || body.email === null) {
    errors.add("email", "This field is required.");
  } else if (typeof body.email !== "string") errors.add("email", "Enter a valid email address.");
  const logs = listOrError(errors, "logs", body.logs);
  if (logs && logs.length === 0) errors.add("logs", "This list may not be empty.");
  if (!errors.empty) return { status: 400, body: errors.map };
  if ((body.email as string).trim().toLowerCase() !== person.email.toLowerCase()) {
    return {
      status: 400,
      body: { error: "INVALID_EMAIL", detail: "Email does not match the authenticated user." },
    };
  }

  const drafts: SlackDraft[] = [];
  for (const log of logs!) {
    if (!isObj(log)) {
      errors.add("logs", `Invalid data. Expected a dictionary, but got ${pyType(log)}.`);
      continue;
    }
    let date: Temporal.PlainDate | undefined;
    if (log.date === undefined || log.date === null) errors.add("date", "This field is required.");
    else {
      date = parseIsoDate(log.date);
      if (!date) {
        errors.add("date", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.");
      }
    }
    const time = timeSpentOf(errors, log.time_spent);
    const description = descriptionOf(errors, log.description);
    const teamId = boundedInt(errors, "subteam", log.subteam, 0, Number.MAX_SAFE_INTEGER);
    const label = labelOf(errors, "label_id", log.label_id, ctx.labelIds, false);
    if (date && time && description !== undefined && teamId !== undefined && label != null) {
      drafts.push({ date, ...time, description, teamId, label });
    }
  }
  if (!errors.empty) return { status: 400, body: errors.map };

  const targets = drafts.map((d) => {
    const team = ctx.teams.find((t) => t.id === d.teamId);
    const monday = mondayOf(d.date).toString();
    const week = weeks.find((w) => w.monday === monday);
    const project = team && week?.projects.find((p) => p.team === team.team);
    return project ? { week: week!, projectId: project.id } : undefined;
  });
  if (targets.some((t) => !t)) {
    return {
      status: 400,
      body: {
        error: "UNAUTHORIZED_PROJECT_ACCESS",
        detail: "Request unsuccessful. You are not part of the project(s)",
      },
    };
  }
  if (targets.some((t) => t!.week.isCompleted)) {
    return { status: 400, body: { error: "WEEK_COMPLETED", detail: COMPLETED_DETAIL } };
  }

  const touched = new Map<number, WeekLogRecord>();
  const ids = { ...ctx.ids };
  drafts.forEach((d, i) => {
    const original = targets[i]!.week;
    let next = touched.get(original.id);
    if (!next) touched.set(original.id, next = structuredClone(original));
    const project = next.projects.find((p) => p.id === targets[i]!.projectId)!;
    let task = project.tasks.find((t) => t.description === d.description);
    if (!task) {
      task = { id: ids.task++, description: d.description, days: [] };
      project.tasks.push(task);
    }
    task.days.push({
      id: ids.day++,
      date: d.date.toString(),
      hours: d.hours,
      minutes: d.minutes,
      label: d.label,
    });
  });
  for (const next of touched.values()) {
    const over = overfullDays([next]);
    if (over) return over;
  }

  Object.assign(ctx.ids, ids);
  for (const next of touched.values()) {
    const week = weeks.find((w) => w.id === next.id)!;
    week.projects = next.projects;
    ctx.touch(week);
  }
  return { status: 201, body: { detail: "Logs created successfully.", created: drafts.length } };
}

function timeSpentOf(
  errors: FieldErrors,
  value: unknown,
): { hours: number; minutes: number } | undefined {
  if (value === undefined || value === null) {
    return errors.add("time_spent", "This field is required."), undefined;
  }
  const match = typeof value === "string" ? /^(\d{1,2}):(\d{2})$/.exec(value.trim()) : null;
  if (!match || Number(match[2]) > 59) {
    return errors.add("time_spent", "Invalid time format. Use HH:MM."), undefined;
  }
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (hours * 60 + minutes === 0) {
    return errors.add("time_spent", "Time spent must be more than 00:00."), undefined;
  }
  if (hours * 60 + minutes > MAX_DAY_MINUTES) {
    return errors.add("time_spent", "Time spent cannot exceed 24:00."), undefined;
  }
  return { hours, minutes };
}
