/** The grid's rows are the ERP edit's tasks: a cell typed in a row is the entry a save sets. */
import assert from "node:assert/strict";
import { gridOf } from "../../src/apps/grid.ts";
import { loadConfig } from "../../src/config.ts";
import type { WeekLog } from "../../src/erp/types.ts";

const config = loadConfig([], {
  getEnv: (n) =>
    ({ ERP_API_BASE_URL: "https://erp.example.com/api/v1/", MCP_AUTHORIZED_USERS: "a@b.c" })[n],
  readFile: () => undefined,
  defaultAllowlistPath: "authorized_users.json",
  defaultTimeZone: "UTC",
});

Deno.test('gridOf: tasks the ERP edit takes as one ("Dev", "dev ") are one row', () => {
  const week: WeekLog = {
    id: 1,
    monday: "2026-06-01",
    sunday: "2026-06-07",
    isCompleted: false,
    raw: {},
    projects: [{
      id: 500,
      team: "Client X / Frontend",
      subteam: "Frontend",
      tasks: [
        {
          id: 1,
          description: "Dev",
          days: [{ id: 11, date: "2026-06-01", minutes: 120, label: 34 }],
        },
        {
          id: 2,
          description: "dev ",
          days: [{ id: 12, date: "2026-06-02", minutes: 180, label: 34 }],
        },
      ],
    }],
  };
  const grid = gridOf(Temporal.PlainDate.from("2026-06-01"), week, {
    teams: [{ id: 42, team: "Client X / Frontend", subteam: "Frontend", isActive: true }],
    labels: [{ id: 34, name: "Coding" }],
  }, config);
  assert.equal(grid.rows.length, 1);
  assert.deepEqual(grid.rows[0].cells.slice(0, 2).map((c) => [c.entry_id, c.minutes]), [
    [11, 120],
    [12, 180],
  ]);
});
