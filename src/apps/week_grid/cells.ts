/** What a grid cell shows and what its typed text means; pure, so unit tests import it. */

/** `h:mm` of minutes, as the tools write it. */
export function hm(minutes: number): string {
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
}

/**
 * What a cell's text means, in minutes: `h:mm`, whole or decimal hours (`1.5`, `1,5`), or empty
 * (0). Refusals use the write tools' own messages (tools/write_shared.ts `minutesOf`).
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
    return { error: `Cannot log hours "${t}": not a time (expected h:mm or decimal hours)` };
  }
  const minutes = Math.round(hours * 60);
  if (minutes > 24 * 60) return { error: `Cannot log hours ${round2(hours)}: more than 24 hours` };
  if (minutes < 0 || (minutes === 0 && hours !== 0)) {
    return { error: `Cannot log hours ${round2(hours)}: less than one minute` };
  }
  return { minutes };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
