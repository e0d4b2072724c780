/**
 * One client cannot make the server flood the ERP: however many reads one call (or one batch of
 * calls) needs, a session has at most MAX_PARALLEL_ERP_REQUESTS requests in flight, measured at
 * the sandbox ERP over real HTTP.
 */
import assert from "node:assert/strict";
import { MAX_PARALLEL_ERP_REQUESTS } from "../../src/auth/session.ts";
import { withHarness } from "../helpers.ts";

Deno.test("a year of reads and a burst of parallel calls keep ≤ 8 ERP requests in flight", async () => {
  await withHarness({}, async (h) => {
    let inFlight = 0;
    let most = 0;
    h.erp.onRequest = async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      // Each request stays open a moment, so parallel ones overlap for sure.
      await new Promise((r) => setTimeout(r, 15));
      inFlight--;
    };
    const calls = [
      h.call("get_logs_for_date_range", { start_date: "2025-11-24", end_date: "2026-11-24" }),
      ...["2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26", "2026-11-02"].map((w) =>
        h.call("get_week_logs", { week_starting: w })
      ),
    ];
    const results = await Promise.all(calls);
    for (const r of results) assert.equal(r.isError, false, r.text);
    assert.equal(MAX_PARALLEL_ERP_REQUESTS, 8);
    assert.ok(most <= 8, `at most 8 ERP requests in flight, saw ${most}`);
    assert.ok(most > 1, `reads still run in parallel, saw ${most}`);
  });
});
