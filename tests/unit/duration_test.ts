import assert from "node:assert/strict";
import { durationHours } from "../../src/tools/input.ts";

Deno.test("durationHours: durations as people write them, in decimal hours", () => {
  const cases: [string, number][] = [
    ["1:30", 1.5],
    ["0:45", 0.75],
    ["12:05", 12 + 5 / 60],
    ["90m", 1.5],
    ["90 min", 1.5],
    ["45 minutes", 0.75],
    ["1h30", 1.5],
    ["1h30m", 1.5],
    ["1 h 30 min", 1.5],
    ["8 h", 8],
    ["8h", 8],
    ["2 hours", 2],
    ["2.5h", 2.5],
    ["2,5", 2.5],
    ["2,5 h", 2.5],
    [" 1:15 ", 1.25],
  ];
  for (const [text, hours] of cases) assert.equal(durationHours(text), hours, text);
});

Deno.test("durationHours: anything else is not a duration (the check then refuses it)", () => {
  for (
    const text of [
      "",
      "30",
      "1:75",
      "1:5",
      "½",
      "h",
      "m",
      "one hour",
      "1h30x",
      "1,5,0",
      "-1:30",
      "1e2h",
    ]
  ) {
    assert.equal(durationHours(text), undefined, text);
  }
});
