/** copy_week through a real MCP client: day by day, skips what is there, one read each, one save. */
import assert from "node:assert/strict";
import { withHarness } from "../helpers.ts";

const NOW = () => Temporal.Instant.from("2026-11-25T12:00:00Z");

// deno-lint-ignore no-explicit-any
type Day = any;

function stored(h: { erp: { weekLog(email: string, monday: string): unknown } }, monday: string) {
  // deno-lint-ignore no-explicit-any
  return h.erp.weekLog("alice@example.com", monday) as any;
}

function daysOf(week: Day, description: string): string[] {
  return week.projects.flatMap((p: Day) => p.tasks)
    .filter((t: Day) => t.description === description)
    .flatMap((t: Day) => t.days.map((d: Day) => `${d.date} ${d.hours}:${d.minutes} ${d.label}`))
    .sort();
}

/** These tests are about what a copy writes; copy_confirm_test.ts is about asking first. */
const NO_CONFIRM = { MCP_NO_CONFIRM: "true" };

Deno.test("copy_week: dry run plans, the copy skips days already logged, a rerun adds nothing", async () => {
  await withHarness({ now: NOW, env: NO_CONFIRM }, async (h) => {
    const { draft, current } = h.erp.fixtures.weeks;
    const before = JSON.stringify(stored(h, current));
    const plan = await h.call("copy_week", {
      from_week: draft,
      to_week: "this week",
      dry_run: true,
    });
    assert.equal(plan.isError, false, plan.text);
    assert.equal(plan.data.status, "planned");
    assert.equal(plan.data.to_week, current);
    assert.deepEqual(
      plan.data.days.map((d: Day) => [d.from_date, d.date, d.status]),
      [
        ["2026-10-26", "2026-11-23", "skipped"],
        ["2026-10-27", "2026-11-24", "skipped"],
        ["2026-10-28", "2026-11-25", "planned"],
        ["2026-10-29", "2026-11-26", "planned"],
      ],
    );
    assert.equal(JSON.stringify(stored(h, current)), before, "a dry run writes nothing");

    const calls = h.erp.calls.length;
    const r = await h.call("copy_week", { from_week: draft, to_week: current });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.status, "done");
    assert.deepEqual([r.data.written, r.data.skipped, r.data.failed], [2, 2, 0]);
    const made = h.erp.calls.slice(calls);
    assert.equal(made.filter((c) => c.path.includes("/get/")).length, 2, "one read of each week");
    assert.equal(made.filter((c) => c.path.includes("save/")).length, 1, "one save");
    assert.deepEqual(daysOf(stored(h, current), "Feature work"), [
      "2026-11-23 8:0 34",
      "2026-11-24 8:0 34",
      "2026-11-25 8:0 34",
      "2026-11-26 8:0 34",
    ]);

    const saves = h.erp.calls.filter((c) => c.path.includes("save/")).length;
    const again = await h.call("copy_week", { from_week: draft, to_week: current });
    assert.equal(again.isError, false, again.text);
    assert.deepEqual([again.data.written, again.data.skipped], [0, 4]);
    assert.equal(h.erp.calls.filter((c) => c.path.includes("save/")).length, saves, "no save");
  });
});

Deno.test("copy_week: hours, minutes, labels and descriptions carry over; a missing project fails alone", async () => {
  await withHarness({ now: NOW, env: NO_CONFIRM }, async (h) => {
    const { draft, missingProject } = h.erp.fixtures.weeks;
    await h.call("create_or_update_log", {
      date: "2026-10-30",
      project_name: "Mobile App",
      description: "Release notes",
      hours: 1.25,
      label_name: "Documentation",
    });
    const r = await h.call("copy_week", { from_week: draft, to_week: missingProject });
    assert.equal(r.isError, true, "a failed day flags the result");
    assert.equal(r.data.status, "done");
    const failed = r.data.days.filter((d: Day) => d.status === "failed");
    assert.equal(failed.length, 1);
    assert.equal(failed[0].project, "Mobile App");
    assert.match(failed[0].reason, /no project for "Mobile App"/);
    assert.equal(r.data.written + r.data.skipped, 4, "the four Feature work days");
    assert.equal(daysOf(stored(h, missingProject), "Feature work").length >= 4, true);
  });

  await withHarness({ now: NOW, env: NO_CONFIRM }, async (h) => {
    const { draft, current } = h.erp.fixtures.weeks;
    await h.call("create_or_update_log", {
      date: "2026-10-30",
      project_name: "Mobile App",
      description: "Release notes",
      hours: 1.25,
      label_name: "Documentation",
    });
    const r = await h.call("copy_week", { from_week: draft, to_week: current });
    assert.equal(r.isError, false, r.text);
    assert.deepEqual(daysOf(stored(h, current), "Release notes"), ["2026-11-27 1:15 42"]);
  });
});

for (
  const c of [
    { args: { from_week: "this week", to_week: "today" }, re: /onto itself/ },
    {
      args: { from_week: "2026-11-09", to_week: "this week" },
      re: /Nothing to copy: there is no week log/,
    },
    {
      args: { from_week: "last week", to_week: "2026-11-09" },
      re: /no week log for the week of 2026-11-09/,
    },
    { args: { from_week: "last week", to_week: "2026-11-02" }, re: /already completed/ },
    { args: { from_week: "last month", to_week: "this week" }, re: /names a month/ },
    {
      args: { from_week: "2026-13-01", to_week: "this week" },
      re: /from_week "2026-13-01": not a date/,
    },
  ]
) {
  Deno.test(`copy_week refuses ${JSON.stringify(c.args)}`, async () => {
    await withHarness({ now: NOW }, async (h) => {
      const saves = h.erp.calls.filter((x) => x.path.includes("save/")).length;
      const r = await h.call("copy_week", c.args);
      assert.equal(r.isError, true, r.text);
      assert.match(r.text, c.re);
      assert.equal(h.erp.calls.filter((x) => x.path.includes("save/")).length, saves);
    });
  });
}

Deno.test("copy_week: two identical copies in flight never both claim an entry", async () => {
  await withHarness({ now: NOW, env: { MCP_NO_CONFIRM: "true" } }, async (h) => {
    const { draft, current } = h.erp.fixtures.weeks;
    await h.call("whoami");
    h.erp.latencyMs = 100; // both copies read the target before either saves
    const args = { from_week: draft, to_week: current };
    const [a, b] = await Promise.all([h.call("copy_week", args), h.call("copy_week", args)]);
    h.erp.latencyMs = 0;
    assert.equal(a.isError || b.isError, false, `${a.text}\n${b.text}`);
    // The seed's draft has Feature work Mon-Thu; the target already holds Mon and Tue.
    const stored_ = daysOf(stored(h, current), "Feature work");
    assert.equal(stored_.length, 4, stored_.join(", "));
    assert.equal(
      a.data.written + b.data.written,
      2,
      `each entry claimed once:\n${a.text}\n${b.text}`,
    );
  });
});
