/** Reading date arguments the way a person means them, with messages that name the value. */
import { mondayOf, parseIsoDate, type PlainDate, today } from "../dates.ts";
import { UserError } from "../errors.ts";

const WORDS: Record<string, number> = { today: 0, yesterday: -1, tomorrow: 1 };

/** A date argument: ISO, or today / yesterday / tomorrow in the configured zone. */
export function dateArg(value: string, param: string, zone: string): PlainDate {
  const text = value.trim().toLowerCase();
  if (text in WORDS) return today(zone).add({ days: WORDS[text] });
  const date = parseIsoDate(text);
  if (!date) {
    throw new UserError(
      `Cannot read ${param} "${value}": not a date (expected YYYY-MM-DD, e.g. ${today(zone)})`,
    );
  }
  return date;
}

/** A week argument: any date of the week, or this week / last week / next week; gives its Monday. */
export function weekArg(value: string, param: string, zone: string): PlainDate {
  const text = value.trim().toLowerCase();
  const offsets: Record<string, number> = { "this week": 0, "last week": -1, "next week": 1 };
  if (text in offsets) return mondayOf(today(zone)).add({ weeks: offsets[text] });
  return mondayOf(dateArg(value, param, zone));
}

/** A start and end date, checked for order and length. */
export function rangeArgs(
  start: string,
  end: string,
  zone: string,
  maxDays: number,
): { start: PlainDate; end: PlainDate } {
  const s = dateArg(start, "start_date", zone);
  const e = dateArg(end, "end_date", zone);
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
