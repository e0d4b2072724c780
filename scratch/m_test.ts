import { withHarness } from "../tests/helpers.ts";
Deno.test("measure", async () => {
  await withHarness({}, async (h) => {
    for (const [t, a] of [
      ["get_logs_for_date_range", { start_date: "2025-11-26", end_date: "2026-11-25" }],
      ["get_missing_days", { start_date: "2025-11-26", end_date: "2026-11-25" }],
      ["get_timesheet_summary", { start_date: "2025-11-26", end_date: "2026-11-25", group_by: "day" }],
      ["get_timesheet_summary", { start_date: "2025-11-26", end_date: "2026-11-30" }],
      ["get_month_logs", { year: 2026, month: 8 }],
      ["get_week_logs", { week_starting: "2026-11-23" }],
    ] as const) {
      const r = await h.client.callTool({ name: t, arguments: a });
      const size = JSON.stringify(r.content).length + JSON.stringify(r.structuredContent ?? {}).length;
      console.log(t, JSON.stringify(a), size, (r.content as any)[0].text.slice(0, 300));
    }
  });
});
