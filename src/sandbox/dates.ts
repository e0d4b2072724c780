/** Date and time helpers of the sandbox ERP (kept apart from the server's own). */

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** The Monday of the week containing `date`. */
export function mondayOf(date: Temporal.PlainDate): Temporal.PlainDate {
  return date.subtract({ days: date.dayOfWeek - 1 });
}

/** The display form the ERP uses, without the year: `"Mon, Jan 05"`. */
export function displayDate(date: Temporal.PlainDate): string {
  const day = String(date.day).padStart(2, "0");
  return `${WEEKDAYS[date.dayOfWeek - 1]}, ${MONTHS[date.month - 1]} ${day}`;
}

/** The English name of a month, 1-based: `"November"`. */
export function monthName(month: number): string {
  return MONTH_NAMES[month - 1];
}

/** Parses a strict ISO `YYYY-MM-DD` date, or undefined. */
export function parseIsoDate(value: unknown): Temporal.PlainDate | undefined {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  try {
    return Temporal.PlainDate.from(value, { overflow: "reject" });
  } catch {
    return undefined;
  }
}

/** Formats epoch milliseconds as an ISO instant with milliseconds (`...T09:12:44.120Z`). */
export function instantString(epochMs: number): string {
  return Temporal.Instant.fromEpochMilliseconds(epochMs).toString({ fractionalSecondDigits: 3 });
}

/** Parses an ISO instant (any offset) to epoch nanoseconds, or undefined. */
export function parseInstantNs(value: unknown): bigint | undefined {
  if (typeof value !== "string") return undefined;
  try {
    return Temporal.Instant.from(value).epochNanoseconds;
  } catch {
    return undefined;
  }
}

/** Resolves after `ms`, or early (without error) when `signal` aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
