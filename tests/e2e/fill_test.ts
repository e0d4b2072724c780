/** fill_logs_for_days: one read and one save per week, per-day outcomes, idempotent. */
import assert from "node:assert/strict";
import { withHarness } from "../helpers.ts";

Deno.test("fill_logs_for_days over four weeks costs at most 2 requests per week plus 3", async () => {
  await withHarness({ env: { MCP_NO_CONFIRM: "true" } }, async (h) => {
    const { completed } = h.erp.fixtures.weeks;
    const start = Temporal.PlainDate.from(completed).subtract({ weeks: 1 }); // 4 weeks with logs or not
    const end = start.add({ days: 27 });
    let r!: Awaited<ReturnType<typeof h.call>>;
    const n = await h.countCalls(async () =>
      r = await h.call("fill_logs_for_days", {
        start_date: start.toString(),
        end_date: end.toString(),
        project_name: "Client X / Frontend",
        description: "Sprint work",
        hours_per_day: 1,
        skip_weekends: true,
      })
    );
    assert.ok(n <= 2 * 4 + 3, `${n} requests`);
    assert.equal(r.data.days.length, 20);
    assert.ok(r.data.written > 0, r.text);
  });
});

Deno.test("fill_logs_for_days: per-day outcomes, partial failure flagged, rerun skips", async () => {
  await withHarness({}, async (h) => {
    const { completed, withoutLog } = h.erp.fixtures.weeks;
    const args = {
      start_date: completed,
      end_date: Temporal.PlainDate.from(withoutLog).add({ days: 4 }).toString(),
      project_id: 42,
      description: "Sprint work",
      hours_per_day: 1,
      skip_weekends: true,
    };
    const r = await h.call("fill_logs_for_days", args);
    assert.equal(r.isError, true, "some days failed");
    const by = (status: string) =>
      r.data.days.filter((d: { status: string }) => d.status === status);
    assert.equal(by("failed").length, 10, r.text); // completed week + week without a log
    assert.ok(by("failed").every((d: { reason: string }) => d.reason.length > 0));
    assert.equal(r.data.written, 0);

    const ok = {
      ...args,
      start_date: h.erp.fixtures.weeks.draft,
      end_date: Temporal.PlainDate.from(h.erp.fixtures.weeks.draft).add({ days: 6 }).toString(),
    };
    const first = await h.call("fill_logs_for_days", ok);
    assert.equal(first.isError, false, first.text);
    assert.equal(first.data.written, 5);
    const second = await h.call("fill_logs_for_days", ok);
    assert.equal(second.data.skipped, 5);
    assert.equal(second.data.written, 0);
  });
});

Deno.test("fill_logs_for_days: dry_run writes nothing; over 62 days is refused", async () => {
  await withHarness({}, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    const saves = () => h.erp.calls.filter((c) => c.method !== "GET").length;
    const before = saves();
    const r = await h.call("fill_logs_for_days", {
      start_date: draft,
      end_date: Temporal.PlainDate.from(draft).add({ days: 6 }).toString(),
      project_id: 41,
      description: "Plan",
      dry_run: true,
    });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.planned, 7, r.text);
    assert.equal(saves(), before);
    const long = await h.call("fill_logs_for_days", {
      start_date: "2026-01-01",
      end_date: "2026-03-31",
      project_id: 41,
      description: "x",
    });
    assert.equal(long.isError, true);
    assert.match(long.text, /more than the 62 allowed/);
  });
});

Deno.test("fill_logs_for_days: days that would pass 24 h fail alone", async () => {
  await withHarness({}, async (h) => {
    const { draft } = h.erp.fixtures.weeks; // Mon-Thu hold 8 h, Friday is empty
    const r = await h.call("fill_logs_for_days", {
      start_date: draft,
      end_date: Temporal.PlainDate.from(draft).add({ days: 4 }).toString(),
      project_id: 42,
      description: "Long",
      hours_per_day: 20,
    });
    assert.equal(r.isError, true);
    assert.equal(r.data.failed, 4);
    assert.equal(r.data.written, 1);
    assert.equal(r.data.days[4].status, "written");
  });
});

Deno.test("fill_logs_for_days sends progress when asked", async () => {
  await withHarness({}, async (h) => {
    const seen: number[] = [];
    const { draft } = h.erp.fixtures.weeks;
    await h.client.callTool(
      {
        name: "fill_logs_for_days",
        arguments: {
          start_date: draft,
          end_date: Temporal.PlainDate.from(draft).add({ days: 13 }).toString(),
          project_id: 41,
          description: "P",
          hours_per_day: 1,
          dry_run: true,
        },
      },
      undefined,
      { onprogress: (p) => seen.push(p.progress) },
    );
    assert.deepEqual(seen, [1, 2]);
  });
});

Deno.test("fill_logs_for_days: an unknown label_id is refused by the ERP, reported per day, nothing written", async () => {
  await withHarness({}, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    const before = JSON.stringify(h.erp.weekLog("alice@example.com", draft));
    const r = await h.call("fill_logs_for_days", {
      start_date: Temporal.PlainDate.from(draft).add({ days: 4 }).toString(),
      end_date: Temporal.PlainDate.from(draft).add({ days: 4 }).toString(),
      project_id: 42,
      description: "Labelled",
      hours_per_day: 1,
      label_id: 999,
    });
    assert.equal(r.isError, true);
    assert.equal(r.data.failed, 1);
    assert.match(r.data.days[0].reason, /label.*999/i);
    assert.equal(JSON.stringify(h.erp.weekLog("alice@example.com", draft)), before);
  });
});
