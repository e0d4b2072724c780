import { withHarness } from "../tests/helpers.ts";
Deno.test("measure", async () => {
  await withHarness({ env: { MCP_NO_CONFIRM: "true" } }, async (h) => {
    for (let i = 0; i < 8; i++) {
      await h.call("fill_logs_for_days", { start_date: "2026-09-28", end_date: "2026-11-28", project_id: 41 + (i % 4),
        description: `Task ${i}: ${"a long and detailed description of the work done ".repeat(2)}`.slice(0, 120), hours_per_day: 0.5 });
    }
    const year = { start_date: "2025-11-26", end_date: "2026-11-25" };
    for (const [t, a] of [
      ["get_logs_for_date_range", year], ["get_missing_days", year],
      ["get_timesheet_summary", { ...year, group_by: "day" }], ["get_month_logs", { year: 2026, month: 10 }],
      ["get_week_logs", { week_starting: "2026-11-16" }],
    ] as const) {
      const r = await h.client.callTool({ name: t, arguments: a });
      const size = (r.content as any[]).reduce((s, c) => s + c.text.length, 0) + JSON.stringify(r.structuredContent ?? {}).length;
      console.log(t, size, (r.structuredContent as any)?.page?.total ?? "");
    }
  });
});
