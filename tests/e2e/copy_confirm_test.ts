/**
 * copy_week asks before every copy that writes, with a preview of what it would write, and keeps
 * its plans and results bounded on dense weeks; through a real MCP client against the sandbox.
 */
import assert from "node:assert/strict";
import { RESULT_BUDGET_CHARS } from "../../src/logs/present.ts";
import { type Harness, withHarness } from "../helpers.ts";

const NOW = () => Temporal.Instant.from("2026-11-25T12:00:00Z");

/** `date minutes label` of each stored day of the task `description` (sandbox), sorted. */
function daysOf(h: Harness, monday: string, description: string): string[] {
  const week = h.erp.weekLog("alice@example.com", monday)!;
  return week.projects.flatMap((p) => p.tasks)
    .filter((t) => t.description === description)
    .flatMap((t) => t.days.map((d) => `${d.date} ${d.hours * 60 + d.minutes} ${d.label}`))
    .sort();
}

function saves(h: Harness): number {
  return h.erp.calls.filter((c) => c.path.includes("save/")).length;
}

Deno.test("copy_week of a Mon–Fri week asks first with a preview of what it writes; the token copies", async () => {
  await withHarness({ now: NOW }, async (h) => {
    const source = "2027-01-04";
    const target = "2027-01-11";
    // Five weekdays of one task in the source; an empty target week log.
    const days = [0, 1, 2, 3, 4].map((i) =>
      Temporal.PlainDate.from(source).add({ days: i }).toString()
    );
    h.erp.addWeekLog(
      "alice@example.com",
      source,
      days.map((date) => ({
        date,
        teamId: 42,
        description: "Sprint work",
        hours: 7,
        minutes: 30,
        label: 34,
      })),
    );
    h.erp.addWeekLog("alice@example.com", target);
    const args = { from_week: source, to_week: target };
    const n = saves(h);
    const ask = await h.call("copy_week", args);
    assert.equal(ask.isError, false, ask.text);
    assert.equal(ask.data.status, "needs_confirmation", ask.text);
    assert.equal(saves(h), n, "nothing saved before the person agrees");
    assert.deepEqual(daysOf(h, target, "Sprint work"), []);
    assert.match(ask.text, /5 entries to copy on 5 days, 0 skipped, 0 would fail/);
    // The preview names each entry it would write.
    for (const from of days) {
      const to = Temporal.PlainDate.from(from).add({ days: 7 }).toString();
      assert.match(
        ask.text,
        new RegExp(`- ${to} ← ${from} · .* · Sprint work · 7 h 30 min.*: planned`),
      );
    }
    assert.match(ask.text, new RegExp(`confirmation_token "${ask.data.confirmation_token}"`));

    const done = await h.call("copy_week", {
      ...args,
      confirmation_token: ask.data.confirmation_token,
    });
    assert.equal(done.isError, false, done.text);
    assert.equal(done.data.status, "done");
    assert.equal(done.data.written, 5);
    assert.deepEqual(
      daysOf(h, target, "Sprint work"),
      days.map((d) => `${Temporal.PlainDate.from(d).add({ days: 7 })} 450 34`),
    );
  });
});

Deno.test("copy_week of one entry asks too; MCP_NO_CONFIRM copies at once", async () => {
  await withHarness({ now: NOW }, async (h) => {
    const { draft, current } = h.erp.fixtures.weeks;
    // The draft holds Feature work Mon–Thu; the current week already holds Mon and Tue.
    const ask = await h.call("copy_week", { from_week: draft, to_week: current });
    assert.equal(ask.data.status, "needs_confirmation", ask.text);
    assert.match(ask.text, /2 entries to copy on 2 days, 2 skipped, 0 would fail/);
  });
  await withHarness({ now: NOW, env: { MCP_NO_CONFIRM: "true" } }, async (h) => {
    const { draft, current } = h.erp.fixtures.weeks;
    const r = await h.call("copy_week", { from_week: draft, to_week: current });
    assert.equal(r.data.status, "done", r.text);
    assert.equal(daysOf(h, current, "Feature work").length, 4);
  });
});

Deno.test("copy_week on a dense week: plan, preview and result stay under the budget, totals complete", async () => {
  await withHarness({ now: NOW }, async (h) => {
    const source = "2027-02-01";
    const target = "2027-02-08";
    const count = 160;
    // 160 entries of 6 min on one Monday, each with a long description of its own.
    h.erp.addWeekLog(
      "alice@example.com",
      source,
      Array.from({ length: count }, (_, i) => ({
        date: source,
        teamId: 42,
        description: `Task ${String(i).padStart(3, "0")} ${"long description ".repeat(14)}`.trim(),
        hours: 0,
        minutes: 6,
        label: 34,
      })),
    );
    h.erp.addWeekLog("alice@example.com", target);
    const stored = h.erp.weekLog("alice@example.com", source)!;
    const entries = stored.projects.flatMap((p) => p.tasks.flatMap((t) => t.days)).length;
    assert.equal(entries, count);

    const check = (r: { text: string; data: Record<string, unknown> }, what: string) => {
      const size = r.text.length + JSON.stringify(r.data).length;
      assert.ok(size <= RESULT_BUDGET_CHARS, `${what}: ${size} characters`);
      const shown = (r.data.days as unknown[]).length;
      assert.ok(shown > 0 && shown < count, `${what}: ${shown} entries listed`);
      assert.equal(r.data.omitted, count - shown, what);
      assert.match(r.text, new RegExp(`and ${count - shown} more entries`), what);
    };
    const plan = await h.call("copy_week", { from_week: source, to_week: target, dry_run: true });
    assert.equal(plan.isError, false, plan.text);
    assert.equal(plan.data.planned, count, "the counts cover every entry");
    check(plan, "dry run");

    const ask = await h.call("copy_week", { from_week: source, to_week: target });
    assert.equal(ask.data.status, "needs_confirmation");
    assert.equal(ask.data.planned, count);
    check(ask, "preview");
    assert.match(ask.text, /confirmation_token "/, "the token survives the cut");

    const done = await h.call("copy_week", {
      from_week: source,
      to_week: target,
      confirmation_token: ask.data.confirmation_token,
    });
    assert.equal(done.data.status, "done", done.text.slice(0, 300));
    assert.equal(done.data.written, count);
    check(done, "result");
    const copied = h.erp.weekLog("alice@example.com", target)!;
    assert.equal(copied.projects.flatMap((p) => p.tasks.flatMap((t) => t.days)).length, count);
  });
});
