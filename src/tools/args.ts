/** Reading date arguments the way a person means them, with messages that name the value. */
import {
  type Clock,
  mondayOf,
  parseIsoDate,
  type PlainDate,
  relativeSpan,
  today,
} from "../dates.ts";
import { UserError } from "../errors.ts";
import { MAX_YEAR, MIN_YEAR } from "./schemas.ts";

/** Where "today" is: a zone name (the real clock) or a clock (the config, with tests' "now"). */
export type When = string | Clock;

/** The words a single-day parameter takes. */
export const DAY_WORDS = ["today", "yesterday", "tomorrow"] as const;
/** The words a week parameter takes: a day word (its week) or a week word. */
export const WEEK_WORDS = [...DAY_WORDS, "this week", "last week", "next week"] as const;
/** The words a range end takes: every relative word (a week or month gives its first or last day). */
export const RANGE_WORDS = [...WEEK_WORDS, "this month", "last month", "next month"] as const;

/** `a, b or c`. */
function either(words: readonly string[]): string {
  return words.length < 2
    ? words.join("")
    : `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}`;
}

/** Why a YYYY-MM-DD that names no day is none, e.g. `2026 is not a leap year`; else undefined. */
function missingDay(value: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12) return `there is no month ${month}`;
  const days = Temporal.PlainYearMonth.from({ year, month }).daysInMonth;
  if (day >= 1 && day <= days) return undefined;
  if (month === 2 && day === 29) return `${year} is not a leap year`;
  const name = Temporal.PlainDate.from({ year, month, day: 1 })
    .toLocaleString("en-US", { month: "long" });
  return `${name} ${year} has ${days} days`;
}

function notADate(value: string, param: string, when: When, words: readonly string[]): UserError {
  const why = missingDay(value);
  return new UserError(
    `Cannot read ${param} "${value}": not a date${
      why ? `: ${why}` : ""
    } (expected YYYY-MM-DD, e.g. ${today(when)}, or ${either(words)})`,
  );
}

/** A date and time as clients send it (`2026-11-29T10:00:00`, with `Z` or an offset): its date. */
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** An ISO date, refused unless its year is one the ERP can hold (MIN_YEAR..MAX_YEAR). */
function isoArg(
  value: string,
  param: string,
  when: When,
  words: readonly string[] = DAY_WORDS,
): PlainDate {
  // A date and time means its date as written (the day the person named, not converted).
  const date = parseIsoDate(DATE_TIME.exec(value.trim())?.[1] ?? value);
  if (!date) throw notADate(value, param, when, words);
  if (date.year < MIN_YEAR || date.year > MAX_YEAR) {
    throw new UserError(
      `Cannot read ${param} "${value}": the year ${date.year} is outside ${MIN_YEAR}-${MAX_YEAR}`,
      "Check the year; dates must fall between 1900-01-01 and 2999-12-31.",
    );
  }
  return date;
}

/** A date argument: ISO, or today / yesterday / tomorrow in the configured zone. */
export function dateArg(value: string, param: string, when: When): PlainDate {
  const span = relativeSpan(value, when);
  if (span?.kind === "day") return span.start;
  if (span) {
    throw new UserError(
      `Cannot read ${param} "${value}": it names a whole ${span.kind} (${span.start} to ${span.end}), not one day`,
      `Give one day: YYYY-MM-DD, ${either(DAY_WORDS)}.`,
    );
  }
  return isoArg(value, param, when);
}

/** A week argument: any date of the week, or this week / last week / next week; gives its Monday. */
export function weekArg(value: string, param: string, when: When): PlainDate {
  const span = relativeSpan(value, when);
  if (span?.kind === "month") {
    throw new UserError(
      `Cannot read ${param} "${value}": it names a month (${span.start} to ${span.end}), not a week`,
      `Give a week: any date in it (YYYY-MM-DD), or ${either(WEEK_WORDS)}.`,
    );
  }
  if (span) return mondayOf(span.start);
  return mondayOf(isoArg(value, param, when, WEEK_WORDS));
}

/** One end of a range: a week or month word gives its first day (start) or last day (end). */
export function boundArg(
  value: string,
  param: string,
  when: When,
  side: "start" | "end",
): PlainDate {
  const span = relativeSpan(value, when);
  if (span) return side === "start" ? span.start : span.end;
  return isoArg(value, param, when, RANGE_WORDS);
}

/** A start and end date, checked for order and length. */
export function rangeArgs(
  start: string,
  end: string,
  when: When,
  maxDays: number,
): { start: PlainDate; end: PlainDate } {
  const s = boundArg(start, "start_date", when, "start");
  const e = boundArg(end, "end_date", when, "end");
  if (Temporal.PlainDate.compare(s, e) > 0) {
    throw new UserError(
      `Cannot use the range ${s} to ${e}: end_date is before start_date`,
      "Swap the two dates.",
    );
  }
  const days = s.until(e).days + 1;
  if (days > maxDays) {
    throw new UserError(
      `Cannot use the range ${s} to ${e}: ${days} days, more than the ${maxDays} allowed`,
      "Split it into shorter ranges.",
    );
  }
  return { start: s, end: e };
}
