/**
 * What the entry writes say about what they did, through a real MCP client, checked against the
 * sandbox's stored records: a replaced time names what it was, a label id and a name that disagree
 * are refused, update_log stays on the entry's own day and saves nothing when nothing changes.
 */
import assert from "node:assert/strict";
import { type Harness, withHarness } from "../helpers.ts";

const TODAY = "2026-11-25";
const MONDAY = "2026-11-23";
const NO_CONFIRM = { MCP_NO_CONFIRM: "true" };

/** `[minutes, label id]` of each stored day of the task `description` on `date` (sandbox). */
function storedDays(h: Harness, monday: string, date: string, description: string) {
  const week = h.erp.weekLog("alice@example.com", monday);
  return (week?.projects ?? []).flatMap((p) =>
    p.tasks.filter((t) => t.description.toLowerCase() === description.toLowerCase())
      .flatMap((t) =>
        t.days.filter((d) => d.date === date).map((d) => [d.hours * 60 + d.minutes, d.label])
      )
  );
}

function saves(h: Harness): number {
  return h.erp.calls.filter((c) => c.path.includes("save/")).length;
}

Deno.test("create_or_update_log: replacing an entry's time says what it was, in text and data", async () => {
  await withHarness({}, async (h) => {
    const args = { date: TODAY, project_id: 42, description: "Planning", hours: 2 };
    const first = await h.call("create_or_update_log", args);
    assert.equal(first.data.status, "created", first.text);
    assert.equal(first.data.previous, null);
    assert.deepEqual(storedDays(h, MONDAY, TODAY, "Planning"), [[120, 66]]);

    // The same project and description in another case: the same entry, its time SET to 1 h.
    const r = await h.call("create_or_update_log", { ...args, description: "PLANNING", hours: 1 });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.status, "updated");
    assert.deepEqual(storedDays(h, MONDAY, TODAY, "Planning"), [[60, 66]], "set, not added");
    assert.match(r.text, /was 2 h → now 1 h/);
    assert.deepEqual(
      [r.data.previous.hours, r.data.previous.minutes, r.data.previous.decimal_hours],
      [2, 0, 2],
    );

    // The description tells the model it sets, not adds.
    const tools = await h.client.listTools();
    const d = tools.tools.find((t) => t.name === "create_or_update_log")!.description!;
    assert.match(d, /SETS that entry's hours/);
    assert.match(d, /any letter case/);
  });
});

for (
  const c of [
    {
      tool: "create_or_update_log",
      args: { date: TODAY, project_id: 42, description: "Mixed", hours: 1 },
    },
    {
      tool: "fill_logs_for_days",
      args: { start_date: TODAY, end_date: TODAY, project_id: 42, description: "Mixed" },
    },
    { tool: "update_log", args: { hours: 3 } },
  ]
) {
  Deno.test(`${c.tool}: a label_id and a label_name that disagree are refused, nothing saved`, async () => {
    await withHarness({ env: NO_CONFIRM }, async (h) => {
      let args: Record<string, unknown> = c.args;
      if (c.tool === "update_log") {
        const made = await h.call("create_or_update_log", {
          date: TODAY,
          project_id: 42,
          description: "Mixed",
          hours: 1,
        });
        args = { ...args, entry_id: made.data.entry.entry_id, date: TODAY };
      }
      const before = JSON.stringify(h.erp.weekLog("alice@example.com", MONDAY));
      const n = saves(h);
      const r = await h.call(c.tool, { ...args, label_id: 35, label_name: "Meeting" });
      assert.equal(r.isError, true, r.text);
      assert.match(
        r.text,
        /Label id 35 is "Code Review", which does not match label_name "Meeting"/,
      );
      assert.equal(saves(h), n, "no save");
      assert.equal(JSON.stringify(h.erp.weekLog("alice@example.com", MONDAY)), before);
      // Agreeing id and name still work.
      const ok = await h.call(c.tool, { ...args, label_id: 35, label_name: "code review" });
      assert.equal(ok.isError, false, ok.text);
      assert.deepEqual(storedDays(h, MONDAY, TODAY, "Mixed").map(([, l]) => l), [35]);
      assert.doesNotMatch(ok.text, /\b1 days\b/, "one day is 1 day");
      if (c.tool === "fill_logs_for_days") assert.match(ok.text, /: 1 day written/);
    });
  });
}

Deno.test("update_log and delete_log: a date other than the entry's own day is refused, nothing saved", async () => {
  await withHarness({}, async (h) => {
    const made = await h.call("create_or_update_log", {
      date: "2026-11-24",
      project_id: 42,
      description: "Moved?",
      hours: 2,
    });
    const id = made.data.entry.entry_id;
    const n = saves(h);
    const r = await h.call("update_log", { entry_id: id, date: TODAY, hours: 3 });
    assert.equal(r.isError, true, r.text);
    assert.match(r.text, new RegExp(`entry ${id} is on 2026-11-24, not ${TODAY}`));
    assert.match(r.text, /create_or_update_log/);
    const d = await h.call("delete_log", { entry_id: id, date: TODAY });
    assert.equal(d.isError, true, d.text);
    assert.match(d.text, new RegExp(`entry ${id} is on 2026-11-24, not ${TODAY}`));
    // A day in another week, once this session has read the entry: refused by name too.
    await h.call("get_day_logs", { date: "2026-11-24" });
    const far = await h.call("update_log", { entry_id: id, date: "2026-11-17", hours: 3 });
    assert.equal(far.isError, true, far.text);
    assert.match(far.text, /it is in the week of 2026-11-23, not the week of 2026-11-16/);
    assert.equal(saves(h), n, "no save");
    assert.deepEqual(storedDays(h, MONDAY, "2026-11-24", "Moved?"), [[120, 66]]);
    assert.deepEqual(storedDays(h, MONDAY, TODAY, "Moved?"), []);
    // Its own day works.
    const ok = await h.call("update_log", { entry_id: id, date: "2026-11-24", hours: 3 });
    assert.equal(ok.isError, false, ok.text);
    assert.deepEqual(storedDays(h, MONDAY, "2026-11-24", "Moved?"), [[180, 66]]);
  });
});

Deno.test("update_log: the entry's own values are unchanged, no save; a change names the previous", async () => {
  await withHarness({}, async (h) => {
    const made = await h.call("create_or_update_log", {
      date: TODAY,
      project_id: 42,
      description: "Same",
      hours: 2,
      label_name: "Meeting",
    });
    const id = made.data.entry.entry_id;
    let r!: Awaited<ReturnType<typeof h.call>>;
    const before = saves(h);
    const calls = await h.countCalls(async () => {
      r = await h.call("update_log", {
        entry_id: id,
        date: TODAY,
        hours: 2,
        label_id: 37,
        description: "same",
      });
    });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.status, "unchanged");
    assert.match(r.text, /^Unchanged: /);
    assert.doesNotMatch(r.text, /Changed/);
    assert.equal(saves(h), before, "no save");
    assert.ok(calls <= 3, `reads only (${calls} requests)`);
    assert.deepEqual(storedDays(h, MONDAY, TODAY, "Same"), [[120, 37]]);

    const c = await h.call("update_log", { entry_id: id, date: TODAY, hours: 1.5 });
    assert.equal(c.data.status, "changed", c.text);
    assert.deepEqual([c.data.previous.hours, c.data.entry.hours, c.data.entry.minutes], [2, 1, 30]);
    assert.deepEqual(storedDays(h, MONDAY, TODAY, "Same"), [[90, 37]]);
  });
});

Deno.test("complete_week_log save_draft on a week with no log: nothing to save as a draft", async () => {
  await withHarness({}, async (h) => {
    const { withoutLog } = h.erp.fixtures.weeks;
    const r = await h.call("complete_week_log", { week_starting: withoutLog, save_draft: true });
    assert.equal(r.isError, true, r.text);
    assert.match(
      r.text,
      new RegExp(`^Nothing to save as a draft: there is no week log for the week of ${withoutLog}`),
    );
    assert.doesNotMatch(r.text, /Cannot submit/);
    assert.equal(h.erp.weekLog("alice@example.com", withoutLog), undefined);
  });
});
