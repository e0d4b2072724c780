/**
 * A save whose answer is lost (502 from a proxy after the ERP may have saved) and whose re-read
 * fails too: every write tool says exactly that, per day, and never "Done".
 */
import assert from "node:assert/strict";
import { type Harness, withHarness } from "../helpers.ts";

const NOW = () => Temporal.Instant.from("2026-11-25T12:00:00Z");

/** The next save's answer is lost, and every re-read of a week fails after it. */
function loseTheSave(h: Harness, reread: "fails" | "works") {
  h.erp.injectFault({
    method: "PATCH",
    pathIncludes: "save/",
    status: 502,
    body: "<html>bad gateway</html>",
  });
  if (reread === "works") return;
  h.erp.onRequest = ({ method, path }) => {
    if (method === "PATCH" && path.includes("save/")) {
      h.erp.injectFault({ method: "GET", pathIncludes: "/get/", status: 503, times: 5 });
    }
  };
}

Deno.test("fill_logs_for_days: a lost save answer with a failed re-read marks the days unknown", async () => {
  await withHarness({ now: NOW, env: { MCP_NO_CONFIRM: "true" } }, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    loseTheSave(h, "fails");
    const r = await h.call("fill_logs_for_days", {
      start_date: draft,
      end_date: Temporal.PlainDate.from(draft).add({ days: 4 }).toString(),
      project_id: 42,
      description: "Sprint work",
      hours_per_day: 1,
    });
    assert.equal(r.isError, true);
    assert.match(r.text, /^Not confirmed/);
    assert.equal(r.data.unknown, 5);
    assert.equal(r.data.written, 0);
    assert.ok(r.data.days.every((d: { status: string }) => d.status === "unknown"));
    assert.doesNotMatch(r.text, /<html>/);
  });
});

Deno.test("fill_logs_for_days: a lost save answer with a working re-read reports what is stored", async () => {
  await withHarness({ now: NOW, env: { MCP_NO_CONFIRM: "true" } }, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    loseTheSave(h, "works"); // the sandbox never saved: the fault answered instead
    const r = await h.call("fill_logs_for_days", {
      start_date: draft,
      end_date: Temporal.PlainDate.from(draft).add({ days: 1 }).toString(),
      project_id: 42,
      description: "Sprint work",
      hours_per_day: 1,
    });
    assert.equal(r.isError, true);
    assert.equal(r.data.failed, 2);
    assert.match(r.data.days[0].reason, /not confirmed and the day is not stored/);
  });
});

Deno.test("copy_week: a lost save answer with a failed re-read is never reported as done", async () => {
  await withHarness({ now: NOW, env: { MCP_NO_CONFIRM: "true" } }, async (h) => {
    const { draft, current } = h.erp.fixtures.weeks;
    loseTheSave(h, "fails");
    const r = await h.call("copy_week", { from_week: draft, to_week: current });
    assert.equal(r.isError, true);
    assert.match(r.text, /^Not confirmed/);
    assert.ok(r.data.unknown > 0);
    assert.equal(r.data.written, 0);
  });
});

Deno.test("create_or_update_log: a lost save answer with a failed re-read says it is unknown", async () => {
  await withHarness({ now: NOW }, async (h) => {
    loseTheSave(h, "fails");
    const r = await h.call("create_or_update_log", {
      date: h.erp.fixtures.weeks.draft,
      project_id: 42,
      description: "Sprint work",
      hours: 1,
    });
    assert.equal(r.isError, true);
    assert.match(r.text, /did not confirm the save.*what is stored is unknown/);
  });
});

Deno.test("fill_logs_for_days: a lost answer from the Slack endpoint marks the days unknown", async () => {
  await withHarness({ now: NOW, env: { MCP_NO_CONFIRM: "true" } }, async (h) => {
    const { withoutLog } = h.erp.fixtures.weeks;
    h.erp.injectFault({
      method: "POST",
      pathIncludes: "from-slack",
      status: 502,
      body: "<html>x</html>",
    });
    const r = await h.call("fill_logs_for_days", {
      start_date: withoutLog,
      end_date: withoutLog,
      project_id: 42,
      description: "Sprint work",
      hours_per_day: 1,
    });
    assert.equal(r.isError, true);
    assert.equal(r.data.unknown, 1);
    assert.equal(r.data.days[0].status, "unknown");
    assert.match(r.data.days[0].reason, /may or may not be stored/);
  });
});

Deno.test("fill_logs_for_days: after a lost answer, a label-only change not stored is not reported written", async () => {
  await withHarness({ now: NOW, env: { MCP_NO_CONFIRM: "true" } }, async (h) => {
    const { draft } = h.erp.fixtures.weeks; // Monday: "Feature work" 8 h, Coding
    loseTheSave(h, "works");
    const r = await h.call("fill_logs_for_days", {
      start_date: draft,
      end_date: draft,
      project_id: 41,
      description: "Feature work",
      hours_per_day: 8,
      label_name: "Meeting",
    });
    assert.equal(r.isError, true, r.text);
    assert.equal(r.data.days[0].status, "failed");
    assert.equal(r.data.written, 0);
  });
});
