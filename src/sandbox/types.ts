/** The sandbox ERP's public types: options, recorded calls, faults, stored records, fixtures. */

/** How the sandbox answers; every field can also be changed at run time on the instance. */
export interface SandboxOptions {
  /** The sandbox's today, which the seed data is built around; default the machine's today. */
  today?: Temporal.PlainDate;
  /** Milliseconds added before every `/api/v1/` answer; default 0. */
  latencyMs?: number;
  /** The `person/list/` shape: DRF-style envelope grouped by month, or a flat list. */
  listShape?: "envelope" | "flat";
  /** `week_starting`/`week_ending` as `"Mon, Jan 05"` (display) or ISO, everywhere. */
  dateStyle?: "display" | "iso";
  /** The key wrapping `month-list/`, or null for a plain list (default). */
  monthListKey?: MonthListKey;
  /** `decimal_hours` as a DRF Decimal string `"8.00"` (default) or a number. */
  decimalAsString?: boolean;
  /** Variant: week logs and summaries without their `year` field (display dates alone). */
  omitYear?: boolean;
  /** Variant: `person/list/` and `month-list/` answer a JSON string holding the body. */
  listAsJsonString?: boolean;
  /** Variant: what `save/<id>/` answers on success (default the week log). */
  saveAnswer?: SaveAnswer;
  /** Variant: `core/person/` answers without `email`. */
  personWithoutEmail?: boolean;
  /** Variant: the Slack endpoint accepts every well-formed request and records it. */
  slackAccepts?: boolean;
  /** Variant: every `project-logs/` GET answers a (streamed) JSON body of this many bytes. */
  hugeBodyBytes?: number;
  /** Variant: every 400 answer echoes the request's Authorization header in its message. */
  echoAuthorization?: boolean;
}

/** A save's success answer: the week log, `{"saved": true}`, `{"status": "ok"}` or an empty 204. */
export type SaveAnswer = "week" | "saved" | "status" | "empty";

/** A Slack request the sandbox accepted (with `slackAccepts`), as it was sent. */
export interface SlackReceived {
  /** The token owner's email. */
  user: string;
  /** The request body as sent. */
  body: unknown;
}

/** One entry of a week log that a test adds with `addWeekLog`. */
export interface WeekEntrySeed {
  /** ISO date inside the week. */
  date: string;
  teamId: number;
  description: string;
  hours: number;
  minutes: number;
  label: number;
}

/** The keys under which `month-list/` may wrap its list; null is a plain list. */
export type MonthListKey = null | "results" | "data" | "items" | "logs" | "month_logs";

/** One `/api/v1/` request as the sandbox saw and answered it. */
export interface RecordedCall {
  method: string;
  /** Relative to `/api/v1/`, e.g. `project-logs/person/list/`. */
  path: string;
  /** The query string without `?`. */
  query: string;
  status: number;
  /** The parsed JSON request body, when there was one. */
  body?: unknown;
  /** True when the client abandoned the request before it was answered (status 499). */
  aborted?: boolean;
}

/**
 * A canned misbehaviour for the next matching request(s). With only `delayMs` the request is
 * delayed, then handled normally; with `status` or `body` it gets this answer instead. The
 * default status is 500, the default body `{"detail":"Injected fault."}`, and the default
 * content type `text/html; charset=utf-8` when the body starts with `<`, else JSON.
 */
export interface Fault {
  /** Matches this HTTP method only (case-insensitive). */
  method?: string;
  /** Matches when the request's path plus query contains this text. */
  pathIncludes?: string;
  /** How many requests it applies to; default 1. */
  times?: number;
  status?: number;
  body?: string;
  contentType?: string;
  /** A delay before answering, as a slow ERP would. */
  delayMs?: number;
}

/** A ProjectTaskDayDetail as stored: ISO date, integer hours and minutes, label id. */
export interface DayRecord {
  id: number;
  date: string;
  hours: number;
  minutes: number;
  label: number | null;
}

/** A ProjectTask as stored. */
export interface TaskRecord {
  id: number;
  description: string;
  days: DayRecord[];
}

/** A PersonWeekProject as stored: the person's project for one team in one week. */
export interface ProjectRecord {
  /** The week-project id, never a team id. */
  id: number;
  /** The team's complete name. */
  team: string;
  /** The team's short name. */
  subteam: string;
  tasks: TaskRecord[];
}

/** A PersonWeekLog as stored, with ISO dates. */
export interface WeekLogRecord {
  id: number;
  personId: number;
  /** ISO Monday. */
  monday: string;
  /** ISO Sunday. */
  sunday: string;
  isCompleted: boolean;
  /** ISO instant with milliseconds, e.g. `2026-01-06T09:12:44.120Z`. */
  modifiedAt: string;
  projects: ProjectRecord[];
}

/** A team (`nsubteam`): what `active_project_list` lists, by team id. */
export interface SandboxTeam {
  id: number;
  team: string;
  subteam: string;
}

/** A label for entries. */
export interface SandboxLabel {
  id: number;
  name: string;
}

/** An ERP user of the sandbox, with every credential that signs them in. */
export interface SandboxUser {
  id: number;
  name: string;
  email: string;
  /** The DRF token key (no `Token ` prefix). */
  token: string;
  /** The password of the sandbox web page. */
  password: string;
  /** The fake Google access token that `core/google-login/` accepts for this user. */
  googleAccessToken: string;
}

/** What tests need to know about the seed without recomputing it (ISO dates). */
export interface SandboxFixtures {
  today: string;
  users: {
    alice: SandboxUser;
    bob: SandboxUser;
    /** A Google account that is not an ERP user. */
    stranger: { email: string; googleAccessToken: string };
  };
  teams: SandboxTeam[];
  labels: SandboxLabel[];
  /** Alice's interesting weeks, as ISO Mondays. */
  weeks: {
    /** The week containing today. */
    current: string;
    /** A past draft: Monday to Thursday 8 h each on team 41, Friday empty. */
    draft: string;
    /** A completed week, 5 × 8 h. */
    completed: string;
    /** A week with no week log at all. */
    withoutLog: string;
    /** A week whose log lacks the project of `missingProjectTeamId`. */
    missingProject: string;
    missingProjectTeamId: number;
    /** Always `2025-12-29` (ends Sunday 2026-01-04). */
    yearBoundary: string;
    /** Always `2026-01-05`. */
    afterBoundary: string;
  };
}
