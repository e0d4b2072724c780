/**
 * One rounding rule through a real MCP client: decimal hours become the nearest minute, a tie
 * going to the later minute, judged on the decimal as written (create, update, fill; the Slack
 * path is in variants_test.ts). Expected minutes are worked out by hand from the decimals.
 */
import assert from "node:assert/strict";
import { type Harness, TODAY, withHarness } from "../helpers.ts";

const NO_CONFIRM = { MCP_NO_CONFIRM: "true" };

/** Minutes stored for `description` on `date`, from the sandbox's records. */
function storedMinutes(h: Harness, date: string, description: string): number | undefined {
  const monday = Temporal.PlainDate.from(date);
  const week = h.erp.weekLog(
    "alice@example.com",
    monday.subtract({ days: monday.dayOfWeek - 1 }).toString(),
  );
  const day = week?.projects.flatMap((p) => p.tasks).find((t) => t.description === description)
    ?.days.find((d) => d.date === date);
  return day && day.hours * 60 + day.minutes;
}

for (
  const c of [
    { hours: 0.025, minutes: 2 }, // 1.5 min
    { hours: 1.025, minutes: 62 }, // 61.5 min (binary: 61.49999999999999)
    { hours: 2.675, minutes: 161 }, // 160.5 min
    { hours: 8.2, minutes: 492 }, // binary: 491.99999999999994
    { hours: 0.0084, minutes: 1 }, // 0.504 min
  ]
) {
  Deno.test(`create_or_update_log and update_log store ${c.hours} h as ${c.minutes} min`, async () => {
    await withHarness({ env: NO_CONFIRM }, async (h) => {
      const date = TODAY.toString();
      const created = await h.call("create_or_update_log", {
        date,
        project_id: 44,
        description: "Rounding",
        hours: c.hours,
      });
      assert.equal(created.isError, false, created.text);
      assert.equal(storedMinutes(h, date, "Rounding"), c.minutes);
      assert.equal(created.data.entry.hours * 60 + created.data.entry.minutes, c.minutes);

      const other = await h.call("create_or_update_log", {
        date,
        project_id: 44,
        description: "Rounding too",
        hours: 3,
      });
      const updated = await h.call("update_log", {
        entry_id: other.data.entry.entry_id,
        date,
        hours: c.hours,
      });
      assert.equal(updated.isError, false, updated.text);
      assert.equal(storedMinutes(h, date, "Rounding too"), c.minutes);
    });
  });
}

Deno.test("fill_logs_for_days stores 2.675 h a day as 2 h 41 min on every day", async () => {
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    const days = [4, 5, 6].map((i) => Temporal.PlainDate.from(draft).add({ days: i }).toString());
    const r = await h.call("fill_logs_for_days", {
      start_date: days[0],
      end_date: days[2],
      project_id: 42,
      description: "Tie",
      hours_per_day: 2.675,
      skip_weekends: false,
    });
    assert.equal(r.isError, false, r.text);
    assert.deepEqual(r.data.hours_per_day, { hours: 2, minutes: 41, decimal_hours: 2.68 });
    assert.deepEqual(days.map((d) => storedMinutes(h, d, "Tie")), [161, 161, 161]);
  });
});

Deno.test("less than half a minute is refused, as before", async () => {
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    const r = await h.call("create_or_update_log", {
      date: TODAY.toString(),
      project_id: 44,
      description: "Tiny",
      hours: 0.0083, // 0.498 min
    });
    assert.equal(r.isError, true);
    assert.match(r.text, /Cannot log hours 0\.0083: less than one minute/);
  });
});
