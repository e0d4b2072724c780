/** The zod shapes shared by tool inputs and outputs, each field described with its bounds. */
import { z } from "zod";
import { cleanText } from "../text.ts";

export { cleanText };

/** The years a date may name: what the ERP's week logs can hold, with room on both sides. */
export const MIN_YEAR = 1900;
/** The last year a date may name. */
export const MAX_YEAR = 2999;

const ISO_LIKE = /^\s*([+-]?\d+)-\d{1,2}-\d{1,2}\s*$/;

/** True unless `value` is an ISO-like date whose year is outside MIN_YEAR..MAX_YEAR. */
export function yearInRange(value: string): boolean {
  const m = ISO_LIKE.exec(value);
  if (!m) return true;
  const year = Number(m[1]);
  return year >= MIN_YEAR && year <= MAX_YEAR && !/^[+-]/.test(m[1]) && m[1].length === 4;
}

/** What a date parameter names, and so which relative words it takes (see tools/args.ts). */
export type DateKind = "day" | "week" | "range_start" | "range_end";

const DATE_WORDS: Record<DateKind, string> = {
  day: "today, yesterday or tomorrow",
  week: "today, yesterday, tomorrow (their week), this week, last week or next week",
  range_start:
    "today, yesterday, tomorrow, or this/last/next week or month (a week or month gives its first day)",
  range_end:
    "today, yesterday, tomorrow, or this/last/next week or month (a week or month gives its last day)",
};

/**
 * A date parameter; relative words resolve in the server's time zone, at call time. `kind` makes
 * the description name exactly the words the tool takes; without it, the words of every kind.
 */
export const dateArg = (what: string, kind?: DateKind) =>
  z.string().max(40).refine(yearInRange, {
    message: `must be a date from ${MIN_YEAR}-01-01 to ${MAX_YEAR}-12-31`,
    abort: true,
  }).describe(
    kind
      ? `${what}: YYYY-MM-DD (years ${MIN_YEAR}-${MAX_YEAR}) or ${DATE_WORDS[kind]}`
      : `${what}: YYYY-MM-DD (years ${MIN_YEAR}-${MAX_YEAR}) or today, yesterday, tomorrow; for weeks and ranges also this week, last week, next week, this month, last month (a range start takes the first day, an end the last)`,
  );

/** The email parameter the original tools had: kept, but only the signed-in person's. */
export const emailArg = z.string().max(254).optional().describe(
  "Optional, kept for compatibility: if given it must be the signed-in person's email (nobody acts for someone else)",
);

/** Time three ways. */
export const timeSchema = z.object({
  hours: z.number().int().describe("whole hours"),
  minutes: z.number().int().describe("minutes past the whole hours, 0-59"),
  decimal_hours: z.number().describe("the same time in decimal hours, 2 places"),
});

/** One entry. */
export const entrySchema = z.object({
  entry_id: z.number().int().nullable().describe("the entry's id (for update_log / delete_log)"),
  task_id: z.number().int().nullable(),
  date: z.string().describe("YYYY-MM-DD"),
  team_id: z.number().int().nullable().describe("the project's team id (project_id in writes)"),
  project: z.string().describe("the project (team) name"),
  week_project_id: z.number().int().describe("the week's project id (not a team id)"),
  description: z.string(),
  hours: z.number().int(),
  minutes: z.number().int(),
  decimal_hours: z.number(),
  label_id: z.number().int().nullable(),
  label: z.string().nullable(),
});

/** A week's identity and state. */
export const weekSchema = z.object({
  week_log_id: z.number().int(),
  week_starting: z.string().describe("the Monday, YYYY-MM-DD"),
  week_ending: z.string().describe("the Sunday, YYYY-MM-DD"),
  is_completed: z.boolean().describe("true once the week is submitted; it can no longer change"),
  total: timeSchema,
});

/** Per-day totals. */
export const dayTotalSchema = z.object({ date: z.string(), total: timeSchema });

/** Per-project totals. */
export const projectTotalSchema = z.object({
  team_id: z.number().int().nullable(),
  project: z.string(),
  week_project_ids: z.array(z.number().int()),
  total: timeSchema,
});

/** Project by id or name. */
export const projectArgs = {
  project_id: z.number().int().min(1).optional().describe(
    "The project's team id, from get_active_projects (give this or project_name)",
  ),
  project_name: z.string().min(1).max(200).optional().describe(
    'The project\'s name; exact (any case) or a unique part of it, e.g. "Client X / Backend"',
  ),
};

/** Label by id or name. */
export const labelArgs = {
  label_id: z.number().int().min(1).optional().describe("Label id, from get_log_labels"),
  label_name: z.string().min(1).max(100).optional().describe(
    'Label name, e.g. "Coding", "Code Review", "Meeting"; default "General" when neither is given',
  ),
};

/** Label by id or name, for changing an entry: neither keeps the entry's label as it is. */
export const labelUpdateArgs = {
  label_id: z.number().int().min(1).optional().describe(
    "New label id, from get_log_labels; leave out (with label_name) to keep the entry's label",
  ),
  label_name: z.string().min(1).max(100).optional().describe(
    'New label name, e.g. "Coding", "Meeting"; when neither this nor label_id is given the entry keeps its label',
  ),
};

/**
 * Hours of one entry. `unit: "hours"` lets the input check also read a duration as people write
 * it ("1:30", "90m", "1h30", "2,5"; src/tools/input.ts `durationHours`).
 */
export const hoursArg = z.number().gt(0, "hours must be more than 0").max(
  24,
  "hours must be at most 24",
)
  .meta({
    description:
      "Hours, decimal allowed (2, 0.5, 8.25); more than 0, at most 24; rounded to the minute",
    unit: "hours",
  });

/** A task description, cleaned by cleanText before its length is checked. */
export const descriptionArg = z.string().overwrite(cleanText).min(
  1,
  "description must not be empty",
).max(
  255,
  "description must be at most 255 characters",
).describe(
  "What the time was spent on (1-255 characters, one line; invisible and control characters are removed); the same text on the same day updates that entry",
);

/** Reads: change nothing, talk to the ERP. */
export const READ_ANNOTATIONS = { readOnlyHint: true, openWorldHint: true } as const;

/** Writes that can be repeated with the same result (same entry, same hours). */
export const WRITE_IDEMPOTENT = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: true,
  openWorldHint: true,
} as const;

/** Writes that do something new each time (delete, submit). */
export const WRITE_ONCE = { ...WRITE_IDEMPOTENT, idempotentHint: false } as const;

/** What became of one day (or entry) of a bulk write. */
export const writeStatusSchema = z.enum(["written", "planned", "skipped", "failed", "unknown"])
  .describe(
    "written; planned (dry run or awaiting confirmation); skipped (already there); failed (see reason); unknown: the ERP did not confirm the save and the week could not be re-read",
  );

/** The counts of a bulk write's outcomes, by status. */
export const writeCounts = {
  written: z.number().int(),
  planned: z.number().int(),
  skipped: z.number().int(),
  failed: z.number().int(),
  unknown: z.number().int().describe(
    "saves the ERP did not confirm that could not be re-read: check before trying again",
  ),
};

/** The most items one page of a read may list. */
export const MAX_PAGE = 500;

/** Paging of a read's long list: totals always cover everything; the list is one page. */
export const pageArgs = (what: string) => ({
  offset: z.number().int().min(0).max(100_000).optional().describe(
    `How many ${what} to skip: pass the previous answer's page.next_offset to get the next page (default 0)`,
  ),
  limit: z.number().int().min(1).max(MAX_PAGE).optional().describe(
    `The most ${what} to list (default 100, at most ${MAX_PAGE}); a page is also cut short to keep the answer under about 40,000 characters`,
  ),
});

/** Where a page sits in the whole list. */
export const pageSchema = z.object({
  offset: z.number().int(),
  returned: z.number().int(),
  total: z.number().int().describe("how many there are in all"),
  next_offset: z.number().int().nullable().describe(
    "pass as offset to get the next page; null when this page is the last",
  ),
}).describe("which part of the list this answer holds; totals always cover the whole list");
