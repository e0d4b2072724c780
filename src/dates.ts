/** Calendar helpers built on Temporal: weeks run Monday to Sunday, dates are ISO `YYYY-MM-DD`. */

/** A calendar date without time or zone. */
export type PlainDate = Temporal.PlainDate;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Parses a strict ISO date, or returns undefined when it is not a real calendar date. */
export function parseIsoDate(text: string): PlainDate | undefined {
  const trimmed = text.trim();
  if (!ISO_DATE.test(trimmed)) return undefined;
  try {
    return Temporal.PlainDate.from(trimmed, { overflow: "reject" });
  } catch {
    return undefined;
  }
}

/** The Monday of the week holding `date`. */
export function mondayOf(date: PlainDate): PlainDate {
  return date.subtract({ days: date.dayOfWeek - 1 });
}

/** The Sunday ending the week that starts on `monday`. */
export function sundayOf(monday: PlainDate): PlainDate {
  return monday.add({ days: 6 });
}

/** Every date from `start` to `end`, both included. */
export function datesBetween(start: PlainDate, end: PlainDate): PlainDate[] {
  const out: PlainDate[] = [];
  for (let d = start; Temporal.PlainDate.compare(d, end) <= 0; d = d.add({ days: 1 })) out.push(d);
  return out;
}

/** The Mondays of every week that overlaps `start`..`end`. */
export function mondaysBetween(start: PlainDate, end: PlainDate): PlainDate[] {
  const out: PlainDate[] = [];
  for (let m = mondayOf(start); Temporal.PlainDate.compare(m, end) <= 0; m = m.add({ weeks: 1 })) {
    out.push(m);
  }
  return out;
}

/** Number of days from `start` to `end`, both included. */
export function daysInclusive(start: PlainDate, end: PlainDate): number {
  return start.until(end, { largestUnit: "days" }).days + 1;
}

/** True on Saturday and Sunday. */
export function isWeekend(date: PlainDate): boolean {
  return date.dayOfWeek >= 6;
}

/** Where "now" is: an IANA zone and, in tests, a fixed clock. */
export interface Clock {
  readonly timeZone: string;
  readonly now?: () => Temporal.Instant;
}

/** Today's date in the IANA time zone `zone`, or in a clock's zone at its "now". */
export function today(zone: string | Clock): PlainDate {
  if (typeof zone === "string") return Temporal.Now.plainDateISO(zone);
  const instant = zone.now?.() ?? Temporal.Now.instant();
  return instant.toZonedDateTimeISO(zone.timeZone).toPlainDate();
}

/** The days a relative date word covers: one day, a week (Monday to Sunday) or a month. */
export interface DateSpan {
  kind: "day" | "week" | "month";
  start: PlainDate;
  end: PlainDate;
}

/** The relative date words every date parameter accepts. */
export const RELATIVE_WORDS = [
  "today",
  "yesterday",
  "tomorrow",
  "this week",
  "last week",
  "next week",
  "this month",
  "last month",
  "next month",
] as const;

/** Resolves a relative word ("yesterday", "last week", "this month") in `clock`'s zone. */
export function relativeSpan(text: string, clock: string | Clock): DateSpan | undefined {
  const word = text.trim().toLowerCase().replace(/[\s_-]+/g, " ");
  if (!(RELATIVE_WORDS as readonly string[]).includes(word)) return undefined;
  const now = today(clock);
  const day = (d: PlainDate): DateSpan => ({ kind: "day", start: d, end: d });
  const shift = word.startsWith("last") ? -1 : word.startsWith("next") ? 1 : 0;
  if (word === "today") return day(now);
  if (word === "yesterday") return day(now.subtract({ days: 1 }));
  if (word === "tomorrow") return day(now.add({ days: 1 }));
  if (word.endsWith("week")) {
    const monday = mondayOf(now).add({ weeks: shift });
    return { kind: "week", start: monday, end: sundayOf(monday) };
  }
  const first = now.with({ day: 1 }).add({ months: shift });
  return { kind: "month", start: first, end: first.with({ day: first.daysInMonth }) };
}

/** True when `zone` names a time zone Temporal knows. */
export function isValidTimeZone(zone: string): boolean {
  try {
    Temporal.Now.plainDateISO(zone);
    return true;
  } catch {
    return false;
  }
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DISPLAY_DATE =
  /^(?:([A-Za-z]{3})[a-z]*,?\s+)?([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2})(?:,?\s+(\d{4}))?$/;

/**
 * Parses an ERP date: ISO, or the display form without a year (`"Mon, Dec 29"`).
 * A display date takes its year from `yearHint`, but when it names a weekday the year next to
 * the hint on which that weekday falls wins, so `"Sun, Jan 04"` ending a week that began
 * `"Mon, Dec 29"` lands in the following year whatever year the ERP attached.
 */
export function parseErpDate(text: unknown, yearHint: number): PlainDate | undefined {
  const parts = erpDateParts(text);
  if (!parts || parts instanceof Temporal.PlainDate) return parts;
  const { month, day, weekday } = parts;
  const years = parts.year !== undefined ? [parts.year] : [yearHint, yearHint + 1, yearHint - 1];
  let first: PlainDate | undefined;
  for (const year of years) {
    const date = dayOf(year, month, day);
    if (!date) continue;
    if (weekday === 0 || date.dayOfWeek === weekday) return date;
    first ??= date;
  }
  return first;
}

/**
 * Parses an ERP date as a day near `anchor` (the date the server expects it to be close to):
 * ISO as is; a display date without a year (`"Sun, Dec 31"`) in whichever of the anchor's year
 * and its two neighbours puts it nearest to the anchor, never in a year guessed from the clock.
 * A weekday or a year written in the text must agree with the date, else undefined.
 */
export function parseErpDateNear(text: unknown, anchor: PlainDate): PlainDate | undefined {
  const parts = erpDateParts(text);
  if (!parts || parts instanceof Temporal.PlainDate) return parts;
  const { month, day, weekday } = parts;
  if (parts.weekdayNamed && weekday === 0) return undefined;
  const years = parts.year !== undefined
    ? [parts.year]
    : [anchor.year - 1, anchor.year, anchor.year + 1];
  let best: PlainDate | undefined;
  let bestDistance = Infinity;
  for (const year of years) {
    const date = dayOf(year, month, day);
    if (!date) continue;
    const distance = Math.abs(anchor.until(date, { largestUnit: "days" }).days);
    if (distance < bestDistance) [best, bestDistance] = [date, distance];
  }
  if (best && weekday !== 0 && best.dayOfWeek !== weekday) return undefined;
  return best;
}

/**
 * What an ERP date says: an ISO date as it is, or the display form's month, day, weekday (1–7;
 * 0 when none or not a known name, `weekdayNamed` telling which) and year when written.
 */
function erpDateParts(
  text: unknown,
):
  | PlainDate
  | { month: number; day: number; weekday: number; weekdayNamed: boolean; year?: number }
  | undefined {
  if (typeof text !== "string") return undefined;
  const trimmed = text.trim();
  const iso = parseIsoDate(trimmed.slice(0, 10));
  if (iso) return iso;
  const m = DISPLAY_DATE.exec(trimmed);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[2].toLowerCase()) + 1;
  if (month === 0) return undefined;
  return {
    month,
    day: Number(m[3]),
    weekday: m[1] ? WEEKDAYS.indexOf(m[1].toLowerCase()) + 1 : 0,
    weekdayNamed: !!m[1],
    year: m[4] ? Number(m[4]) : undefined,
  };
}

/** The date, or undefined when it does not exist (a 30 February). */
function dayOf(year: number, month: number, day: number): PlainDate | undefined {
  try {
    return Temporal.PlainDate.from({ year, month, day }, { overflow: "reject" });
  } catch {
    return undefined;
  }
}

/** Minutes as `{hours, minutes, decimal_hours}`, minutes carried into hours. */
export function splitMinutes(
  total: number,
): { hours: number; minutes: number; decimal_hours: number } {
  return {
    hours: Math.floor(total / 60),
    minutes: total % 60,
    decimal_hours: Math.round((total / 60) * 100) / 100,
  };
}

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?(?:e([+-]?\d{1,4}))?$/i;

/**
 * `value × factor` rounded to the nearest integer, a tie going up (to the later minute), worked
 * out on the decimal digits as written (`String(n)` for a number: its shortest decimal form), so
 * 2.675 is a tie and never its binary neighbour 2.67499…. NaN for what is not a decimal number;
 * non-finite numbers give what `Math.round` gives.
 */
export function roundDecimal(value: number | string, factor: number): number {
  if (typeof value === "number" && !Number.isFinite(value)) return Math.round(value * factor);
  const text = String(value).trim();
  const m = DECIMAL.exec(text);
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) return NaN;
  const digits = BigInt(`${m[2]}${m[3] ?? ""}` || "0");
  // value = ±digits × 10^-scale
  const scale = (m[3] ?? "").length - Number(m[4] ?? 0);
  if (scale > 400 || scale < -400) return Math.round(Number(text) * factor);
  const sign = m[1] === "-" ? -1n : 1n;
  const numerator = sign * digits * BigInt(factor);
  let result: bigint;
  if (scale <= 0) result = numerator * 10n ** BigInt(-scale);
  else {
    // floor(n / d + 1/2) = floor((2n + d) / 2d), with a floor that also holds below zero.
    const d = 10n ** BigInt(scale);
    const top = 2n * numerator + d;
    const bottom = 2n * d;
    result = top / bottom;
    if (top % bottom !== 0n && top < 0n) result -= 1n;
  }
  const out = Number(result);
  return out === 0 ? 0 : out;
}

/**
 * Decimal hours as whole minutes: the nearest minute, a tie going to the later minute, computed on
 * the decimal as written (0.025 h → 2, 1.025 h → 62, 2.675 h → 161, 8.2 h → 492, never 491).
 * The one rule for every conversion of hours the person typed; NaN when `hours` is not a number.
 */
export function hoursToMinutes(hours: number | string): number {
  return roundDecimal(hours, 60);
}

/** Minutes as the ERP's `HH:MM`. */
export function minutesToHhMm(total: number): string {
  return `${String(Math.floor(total / 60)).padStart(2, "0")}:${
    String(total % 60).padStart(2, "0")
  }`;
}
