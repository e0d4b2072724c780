/** What a grid cell shows and what its typed text means; pure, so unit tests import it. */

/** `h:mm` of minutes, as the tools write it. */
export function hm(minutes: number): string {
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
}

/**
 * What a cell's text means, in minutes: `h:mm`, whole or decimal hours (`1.5`, `1,5`), or empty
 * (0: no entry). A refusal is the write tools' own words for a bad `hours` value.
 */
export function parseCell(text: string): { minutes: number } | { error: string } {
  const t = text.trim();
  if (t === "") return { minutes: 0 };
  let hours: number;
  const hmMatch = /^(-?\d{1,3}):([0-5]\d)$/.exec(t);
  if (hmMatch) {
    const sign = hmMatch[1].startsWith("-") ? -1 : 1;
    hours = sign * (Math.abs(Number(hmMatch[1])) + Number(hmMatch[2]) / 60);
  } else if (/^-?\d+([.,]\d+)?$/.test(t)) {
    hours = Number(t.replace(",", "."));
  } else {
    return {
      error: `hours must be a time (h:mm or decimal hours, e.g. 7:30 or 7.5); you sent ${t}`,
    };
  }
  // The bounds and words of the write tools' `hours` (tools/schemas.ts hoursArg, tools/input.ts).
  if (hours > 24) return { error: `hours must be at most 24 (and more than 0); you sent ${t}` };
  if (hours < 0) return { error: `hours must be more than 0 (and at most 24); you sent ${t}` };
  const minutes = Math.round(hours * 60);
  if (minutes === 0 && hours !== 0) {
    return { error: `hours must be at least one minute (0.0083 hours); you sent ${t}` };
  }
  return { minutes };
}
