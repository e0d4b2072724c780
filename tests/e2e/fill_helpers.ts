/** What the fill tests read from the sandbox's stored records. */
import type { Harness } from "../helpers.ts";

/** Minutes stored per date in alice's week of `monday` (ISO), all projects, Monday to Sunday. */
export function storedTotals(h: Harness, monday: string): Map<string, number> {
  const out = new Map<string, number>();
  const week = h.erp.weekLog("alice@example.com", monday);
  for (let i = 0; i < 7; i++) {
    out.set(Temporal.PlainDate.from(monday).add({ days: i }).toString(), 0);
  }
  for (const p of week?.projects ?? []) {
    for (const t of p.tasks) {
      for (const d of t.days) out.set(d.date, (out.get(d.date) ?? 0) + d.hours * 60 + d.minutes);
    }
  }
  return out;
}
