/** What a grid cell shows and what its typed text means; pure, so unit tests import it. */
import { durationHours } from "../../tools/input.ts";

/** `h:mm` of minutes, as the tools write it. */
export function hm(minutes: number): string {
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
}

/**
 * What a cell's text means, in minutes: whatever the write tools read as hours (`7.5`, `7:30`,
 * `450m`, `7h30`, `7,5`), or empty (0: no entry). A refusal is in the write tools' own words for
 * a bad `hours` value.
 */
export function parseCell(text: string): { minutes: number } | { error: string } {
  const t = text.trim();
  if (t === "") return { minutes: 0 };
  // The forms the write tools read (tools/input.ts): 1.5, "1:30", "90m", "1h15", "2,5".
  const hours = /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : durationHours(t);
  if (hours === undefined) {
    return {
      error: `hours must be a number, more than 0 and at most 24 (e.g. 1.5, "1:30" or "90m"); ` +
        `you sent ${JSON.stringify(t)}`,
    };
  }
  // The bounds and words of the write tools' `hours` (tools/schemas.ts hoursArg, tools/input.ts),
  // quoting what was typed when it was not a plain number ("24:01", not 24.0166…).
  const sent = /^-?\d+(\.\d+)?$/.test(t) ? String(hours) : JSON.stringify(t);
  if (hours > 24) return { error: `hours must be at most 24 (and more than 0); you sent ${sent}` };
  if (hours < 0) return { error: `hours must be more than 0 (and at most 24); you sent ${sent}` };
  const minutes = Math.round(hours * 60);
  if (minutes === 0 && hours !== 0) {
    return { error: `less than one minute (use more than 0.0083 hours); you sent ${sent}` };
  }
  return { minutes };
}
