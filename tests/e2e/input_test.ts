/**
 * Inputs as real clients send them, through a real MCP client: numeric strings, "true"/"false",
 * null for an omitted optional; bad values as isError results in plain words; the advertised
 * schemas inside what model providers accept; descriptions and dates cleaned or refused before
 * any ERP request.
 */
import assert from "node:assert/strict";
import { type Harness, withHarness } from "../helpers.ts";

const NO_CONFIRM = { MCP_NO_CONFIRM: "true" };
const ALICE = "alice@example.com";

// deno-lint-ignore no-explicit-any
type Week = any;

function stored(h: Harness, monday: string): Week {
  return h.erp.weekLog(ALICE, monday) as Week;
}

/** Every stored entry of a week, as [date, description, minutes]. */
function entriesOf(week: Week): [string, string, number][] {
  return week.projects.flatMap((p: Week) =>
    p.tasks.flatMap((t: Week) =>
      t.days.map((d: Week) => [d.date, t.description, d.hours * 60 + d.minutes])
    )
  );
}

function writes(h: Harness): number {
  return h.erp.calls.filter((c) => c.method !== "GET").length;
}

Deno.test('get_month_logs {"year":"2026","month":"11"}: numeric strings are read as numbers', async () => {
  await withHarness({}, async (h) => {
    const r = await h.call("get_month_logs", { year: "2026", month: "11" });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.year, 2026);
    assert.equal(r.data.month, 11);
  });
});

Deno.test('form-filling clients: "" for an optional field, padded numbers, a choice in capitals', async () => {
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    const week = await h.call("get_week_logs", { week_starting: "2026-11-23", email: "" });
    assert.equal(week.isError, false, week.text);
    const month = await h.call("get_month_logs", { year: " 2026 ", month: "11 " });
    assert.equal(month.isError, false, month.text);
    assert.equal(month.data.month, 11);
    const before = writes(h);
    const plan = await h.call("fill_logs_for_days", {
      start_date: "2026-11-23",
      end_date: "2026-11-24",
      project_id: "41",
      description: "Planning",
      label_name: "",
      mode: "EVERY_DAY",
      dry_run: "TRUE",
    });
    assert.equal(plan.isError, false, plan.text);
    assert.equal(plan.data.status, "planned", plan.text);
    assert.equal(plan.data.mode, "every_day", plan.text);
    assert.equal(writes(h), before, "a dry run writes nothing");
    // A required parameter left empty is still refused, and a word that is no choice too.
    const empty = await h.call("get_month_logs", { year: "", month: 1 });
    assert.equal(empty.isError, true);
    const wrong = await h.call("fill_logs_for_days", {
      start_date: "2026-11-23",
      end_date: "2026-11-24",
      project_id: 41,
      description: "x",
      mode: "sometimes",
      dry_run: true,
    });
    assert.equal(wrong.isError, true, wrong.text);
    assert.match(wrong.text, /mode/);
  });
});

Deno.test('get_week_logs {"email":null}: null is "not given"', async () => {
  await withHarness({}, async (h) => {
    const r = await h.call("get_week_logs", { week_starting: "2026-11-23", email: null });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.week_starting, "2026-11-23");
  });
});

Deno.test('fill_logs_for_days {"dry_run":"true"}: plans and writes nothing', async () => {
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    const before = writes(h);
    const r = await h.call("fill_logs_for_days", {
      start_date: "2026-11-23",
      end_date: "2026-11-24",
      project_id: "41",
      description: "Planning",
      hours_per_day: "2.5",
      dry_run: "TRUE",
      skip_weekends: "false",
    });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.status, "planned", r.text);
    assert.equal(writes(h), before, "a dry run sends no write to the ERP");
  });
});

Deno.test('hours as people write them ("1:30", "90m", "1h15", "2,5") are stored as those minutes', async () => {
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    const cases: [string, number][] = [["1:30", 90], ["90m", 90], ["1h15", 75], ["2,5", 150]];
    for (const [hours, minutes] of cases) {
      const description = `Duration ${hours}`;
      const r = await h.call("create_or_update_log", {
        date: "2026-11-24",
        project_id: 41,
        description,
        hours,
      });
      assert.equal(r.isError, false, r.text);
      const got = entriesOf(stored(h, "2026-11-23")).filter((e) => e[1] === description);
      assert.deepEqual(got, [["2026-11-24", description, minutes]], hours);
    }
    const bad = await h.call("create_or_update_log", {
      date: "2026-11-24",
      project_id: 41,
      description: "Half",
      hours: "½",
    });
    assert.equal(bad.isError, true);
    assert.match(
      bad.text,
      /hours must be a number, .*\(e\.g\. 1\.5, "1:30" or "90m"\); you sent "½"/,
    );
  });
});

for (
  const c of [
    {
      tool: "get_month_logs",
      args: { year: "20x6", month: 11 },
      re:
        /^Cannot run get_month_logs: year must be a whole number, at least \d+ and at most \d+; you sent "20x6"/,
    },
    {
      tool: "get_month_logs",
      args: { year: 2026, month: "13" },
      re: /month must be at most 12 \(and at least 1\); you sent 13/,
    },
    {
      tool: "get_month_logs",
      args: { year: "", month: 1 },
      re: /year must be a whole number.*you sent ""/,
    },
    { tool: "get_month_logs", args: { month: 1 }, re: /year is required/ },
    { tool: "get_month_logs", args: { year: null, month: 1 }, re: /year is required/ },
    {
      tool: "fill_logs_for_days",
      args: {
        start_date: "2026-11-23",
        end_date: "2026-11-23",
        project_id: 41,
        description: "x",
        dry_run: "yes",
      },
      re: /dry_run must be true or false; you sent "yes"/,
    },
    {
      tool: "create_or_update_log",
      args: { date: "2026-11-25", project_id: 41, description: "x", hours: "25" },
      re: /hours must be at most 24 \(and more than 0\); you sent 25/,
    },
    {
      tool: "create_or_update_log",
      args: { date: "2026-11-25", project_id: 41, description: "x", hours: 0 },
      re: /hours must be more than 0 \(and at most 24\); you sent 0/,
    },
    {
      tool: "get_timesheet_summary",
      args: { start_date: "2026-11-01", end_date: "2026-11-30", group_by: "client" },
      re: /group_by must be one of "project", "label", "day", "week"; you sent "client"/,
    },
  ]
) {
  Deno.test(`${c.tool} ${JSON.stringify(c.args).slice(0, 50)}: an isError result in plain words`, async () => {
    await withHarness({}, async (h) => {
      const n = await h.countCalls(async () => {
        const r = await h.call(c.tool, c.args);
        assert.equal(r.isError, true, r.text);
        assert.match(r.text, c.re);
        assert.doesNotMatch(r.text, /Input validation error|-32602|invalid_type|"path"/);
      });
      assert.equal(n, 0, "refused before any ERP request");
    });
  });
}

/** Keywords some major provider refuses in function parameters (Gemini, OpenAI, Anthropic). */
const REFUSED = [
  "$ref",
  "$defs",
  "definitions",
  "$schema",
  "$id",
  "anyOf",
  "oneOf",
  "allOf",
  "not",
  "if",
  "then",
  "else",
  "const",
  "patternProperties",
  "additionalProperties",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "format",
  "default",
  "examples",
  "propertyNames",
  "dependentRequired",
];
const ALLOWED = new Set([
  "type",
  "description",
  "properties",
  "required",
  "items",
  "enum",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
]);

function walk(node: unknown, where: string, found: string[]): void {
  if (!node || typeof node !== "object") return;
  const n = node as Record<string, unknown>;
  for (const [k, v] of Object.entries(n)) {
    if (!ALLOWED.has(k) || REFUSED.includes(k)) found.push(`${where}: ${k}`);
    if (k === "type" && typeof v !== "string") found.push(`${where}: type ${JSON.stringify(v)}`);
    if (k === "enum" && (v as unknown[]).some((x) => typeof x !== "string")) {
      found.push(`${where}: non-string enum`);
    }
    if (k === "properties") {
      for (const [p, s] of Object.entries(v as Record<string, unknown>)) {
        walk(s, `${where}.${p}`, found);
      }
    } else if (k === "items") walk(v, `${where}[]`, found);
  }
}

Deno.test("tools/list: every input schema stays inside what every major model provider accepts", async () => {
  await withHarness({}, async (h) => {
    const { tools } = await h.client.listTools();
    assert.ok(tools.length > 15);
    const found: string[] = [];
    for (const t of tools) {
      assert.equal(t.inputSchema.type, "object", t.name);
      walk(t.inputSchema, t.name, found);
    }
    assert.deepEqual(found, []);
  });
});

Deno.test("tools/list: a decimal's exclusive bound is kept in words, an integer's becomes >= 1", async () => {
  await withHarness({}, async (h) => {
    const { tools } = await h.client.listTools();
    const create = tools.find((t) => t.name === "create_or_update_log")!;
    // deno-lint-ignore no-explicit-any
    const props = create.inputSchema.properties as any;
    assert.equal(props.project_id.minimum, 1);
    assert.match(props.hours.description, /more than 0/);
    const summary = tools.find((t) => t.name === "get_timesheet_summary")!;
    // deno-lint-ignore no-explicit-any
    assert.match((summary.inputSchema.properties as any).group_by.description, /default/);
  });
});

Deno.test("descriptions: invisible-only is refused; control characters and ANSI are cleaned on create, fill and update", async () => {
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    const monday = "2026-11-23";
    const base = { project_id: 41, hours: 1 };
    for (const bad of ["\u200b\u200d\u2060", " \u202e\ufeff ", "\u0000\u001b[2J"]) {
      const n = await h.countCalls(async () => {
        const r = await h.call("create_or_update_log", {
          date: "2026-11-27",
          description: bad,
          ...base,
        });
        assert.equal(r.isError, true, r.text);
        assert.match(r.text, /description must not be empty/);
        assert.doesNotMatch(
          r.text,
          // deno-lint-ignore no-control-regex
          /[\u0000\u001b\u200b\u202e]/,
          "no raw control character echoed",
        );
      });
      assert.equal(n, 0);
    }
    const created = await h.call("create_or_update_log", {
      date: "2026-11-27",
      description: "Fix\u0000 login\u001b[31m bug\u001b[0m\u202e\n",
      ...base,
    });
    assert.equal(created.isError, false, created.text);
    const friday = entriesOf(stored(h, monday)).filter(([d]) => d === "2026-11-27");
    assert.deepEqual(friday.map(([, desc]) => desc), ["Fix login bug"]);

    // A zero-width joiner (and NFD) must not make a look-alike second entry: it updates the first.
    const again = await h.call("create_or_update_log", {
      date: "2026-11-27",
      description: "Fix lo\u200dgin bug",
      project_id: 41,
      hours: 2,
    });
    assert.equal(again.isError, false, again.text);
    const after = entriesOf(stored(h, monday)).filter(([d]) => d === "2026-11-27");
    assert.deepEqual(after, [["2026-11-27", "Fix login bug", 120]]);

    const fill = await h.call("fill_logs_for_days", {
      start_date: "2026-11-28",
      end_date: "2026-11-28",
      project_id: 41,
      description: "Cafe\u0301\tplanning\u200b",
      hours_per_day: 1,
      skip_weekends: false,
    });
    assert.equal(fill.isError, false, fill.text);
    const sat = entriesOf(stored(h, monday)).filter(([d]) => d === "2026-11-28");
    assert.deepEqual(sat.map(([, desc]) => desc), ["Caf\u00e9 planning"]);

    const entryId = created.data.entry.entry_id;
    const upd = await h.call("update_log", {
      entry_id: entryId,
      date: "2026-11-27",
      description: "\u001b]0;title\u0007Release\u00a0\u00a0notes",
    });
    assert.equal(upd.isError, false, upd.text);
    const fri = entriesOf(stored(h, monday)).filter(([d]) => d === "2026-11-27");
    assert.deepEqual(fri.map(([, desc]) => desc), ["Release notes"]);
    const bad = await h.call("update_log", {
      entry_id: entryId,
      date: "2026-11-27",
      description: "\u200b",
    });
    assert.equal(bad.isError, true, bad.text);
  });
});

for (
  const c of [
    { tool: "get_day_logs", args: { date: "0000-01-01" } },
    { tool: "get_week_logs", args: { week_starting: "10000-01-01" } },
    { tool: "get_logs_for_date_range", args: { start_date: "1899-12-31", end_date: "1900-01-02" } },
    {
      tool: "create_or_update_log",
      args: { date: "0000-01-03", project_id: 41, description: "x", hours: 1 },
    },
    {
      tool: "fill_logs_for_days",
      args: {
        start_date: "3000-01-01",
        end_date: "3000-01-02",
        project_id: 41,
        description: "x",
        dry_run: true,
      },
    },
    { tool: "update_log", args: { entry_id: 1, date: "+002026-11-25", hours: 1 } },
  ]
) {
  Deno.test(`${c.tool} ${JSON.stringify(c.args).slice(0, 40)}: a year the ERP cannot hold is refused before any request`, async () => {
    await withHarness({ env: NO_CONFIRM }, async (h) => {
      const n = await h.countCalls(async () => {
        const r = await h.call(c.tool, c.args);
        assert.equal(r.isError, true, r.text);
        assert.match(r.text, /must be a date from 1900-01-01 to 2999-12-31; you sent/);
      });
      assert.equal(n, 0);
    });
  });
}

Deno.test("look-alike descriptions (Cyrillic е, full-width Ｒ) update the existing entry instead of adding a visually identical one", async () => {
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    const monday = "2026-11-23";
    const day = "2026-11-26";
    const onDay = () => entriesOf(stored(h, monday)).filter(([d]) => d === day);
    const before = onDay().length;
    const first = await h.call("create_or_update_log", {
      date: day,
      project_id: 42,
      description: "Review",
      hours: 1,
    });
    assert.equal(first.isError, false, first.text);
    // "R\u0435view": Cyrillic е; "\uff32eview": full-width Ｒ; "R\u0435vi\u0435w": two Cyrillic е.
    for (const [i, lookalike] of ["R\u0435view", "\uff32eview", "R\u0435vi\u0435w"].entries()) {
      const r = await h.call("create_or_update_log", {
        date: day,
        project_id: 42,
        description: lookalike,
        hours: 2 + i,
      });
      assert.equal(r.isError, false, r.text);
      assert.equal(onDay().length, before + 1, `${JSON.stringify(lookalike)} added no entry`);
      const reviews = onDay().filter(([, desc]) => desc.toLowerCase().includes("view"));
      assert.deepEqual(reviews, [[day, "Review", (2 + i) * 60]], "the existing entry, updated");
    }
    // A full-width description is stored in plain letters (NFKC).
    const wide = await h.call("create_or_update_log", {
      date: day,
      project_id: 42,
      description: "\uff34\uff45\uff53\uff54 plan",
      hours: 1,
    });
    assert.equal(wide.isError, false, wide.text);
    assert.ok(onDay().some(([, desc]) => desc === "Test plan"), JSON.stringify(onDay()));
    // Different words stay different entries (ASCII is never folded: "modem" is not "modern").
    for (const description of ["Modem setup", "Modern setup"]) {
      const r = await h.call("create_or_update_log", {
        date: day,
        project_id: 42,
        description,
        hours: 1,
      });
      assert.equal(r.isError, false, r.text);
    }
    const setups = onDay().filter(([, desc]) => desc.endsWith("setup")).map(([, d]) => d).sort();
    assert.deepEqual(setups, ["Modem setup", "Modern setup"]);
  });
});

Deno.test("project and label names with invisible characters or look-alike letters still match", async () => {
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    const check = await h.call("check_person_week_project_exists", {
      date: "2026-11-23",
      project_name: "Mobile App\u200b",
    });
    assert.equal(check.isError, false, check.text);
    assert.equal(check.data.team_id, 45);
    const r = await h.call("create_or_update_log", {
      date: "2026-11-24",
      project_name: "\u200bClient X / Fr\u043entend\u2060", // Cyrillic о
      label_name: "C\u043ede Review\u200d", // Cyrillic о
      description: "Pairing",
      hours: 1,
    });
    assert.equal(r.isError, false, r.text);
    const week = stored(h, "2026-11-23");
    const project = week.projects.find((p: Week) => p.team === "Client X / Frontend");
    const task = project.tasks.find((t: Week) => t.description === "Pairing");
    assert.ok(task, "written to Client X / Frontend");
    assert.equal(task.days.find((d: Week) => d.date === "2026-11-24").label, 35, "Code Review");
    // An unknown name is named without its invisible characters.
    const bad = await h.call("check_person_week_project_exists", {
      date: "2026-11-23",
      project_name: "Nope\u200b",
    });
    assert.equal(bad.isError, true);
    assert.match(bad.text, /Unknown project "Nope":/);
  });
});

Deno.test("number bounds in words: 1e20 for an id is too large, not 'must be more than 0'", async () => {
  await withHarness({}, async (h) => {
    const r = await h.call("delete_log", { entry_id: 1e20, date: "2026-11-23" });
    assert.equal(r.isError, true);
    assert.match(
      r.text,
      /entry_id is too large: it must be a whole number .*at most 9007199254740991; you sent 100000000000000000000/,
    );
    assert.doesNotMatch(r.text, /must be (more than 0|at least 1);/);
    const u = await h.call("update_log", { entry_id: 1e20, hours: 1 });
    assert.match(u.text, /entry_id is too large/);
  });
});

Deno.test("date words in errors are exactly the ones each parameter takes", async () => {
  await withHarness({}, async (h) => {
    const day = await h.call("get_day_logs", { date: "someday" });
    assert.equal(day.isError, true);
    assert.match(
      day.text,
      /date "someday": not a date \(expected YYYY-MM-DD, e\.g\. [\d-]+, or today, yesterday or tomorrow\)/,
    );
    assert.doesNotMatch(day.text, /week|month/, "a day parameter offers no range words");
    // The words it offers are ones it takes; the range words it refuses.
    for (const word of ["today", "yesterday", "tomorrow"]) {
      assert.equal((await h.call("get_day_logs", { date: word })).isError, false, word);
    }
    assert.equal((await h.call("get_day_logs", { date: "this week" })).isError, true);

    const week = await h.call("get_week_logs", { week_starting: "someday" });
    assert.match(week.text, /or today, yesterday, tomorrow, this week, last week or next week\)/);
    assert.doesNotMatch(week.text, /month/);
    for (const word of ["today", "next week", "last week"]) {
      assert.equal((await h.call("get_week_logs", { week_starting: word })).isError, false, word);
    }
    const range = await h.call("get_logs_for_date_range", {
      start_date: "someday",
      end_date: "today",
    });
    assert.match(range.text, /this month, last month or next month\)/);
    assert.equal(
      (await h.call("get_logs_for_date_range", {
        start_date: "next month",
        end_date: "next month",
      }))
        .isError,
      false,
    );
    // The advertised descriptions say the same.
    const { tools } = await h.client.listTools();
    const prop = (tool: string, p: string) =>
      // deno-lint-ignore no-explicit-any
      (tools.find((t) => t.name === tool)!.inputSchema.properties as any)[p].description as string;
    assert.match(prop("get_day_logs", "date"), /or today, yesterday or tomorrow$/);
    assert.doesNotMatch(prop("get_day_logs", "date"), /week|month/);
    assert.match(prop("get_week_logs", "week_starting"), /next week$/);
    assert.match(prop("get_logs_for_date_range", "end_date"), /month gives its last day/);
  });
});

Deno.test("tools/call with arguments null is read as no arguments and validated like {}", async () => {
  await withHarness({}, async (h) => {
    // deno-lint-ignore no-explicit-any
    const call = (name: string, args: any) => h.client.callTool({ name, arguments: args });
    const who = await call("whoami", null);
    assert.notEqual(who.isError, true, JSON.stringify(who.content));
    assert.equal((who.structuredContent as { email: string }).email, ALICE);
    const day = await call("get_day_logs", null);
    assert.equal(day.isError, true, "a required parameter is still required");
    const text = (day.content as { text: string }[])[0].text;
    assert.match(text, /Cannot run get_day_logs: date is required/);
    // Arguments that are not an object: invalid params in words, not a schema dump.
    const error = await call("whoami", "x").then(
      () => assert.fail("accepted"),
      (e) => e as { code: number; message: string },
    );
    assert.equal(error.code, -32602);
    assert.match(error.message, /arguments must be an object/);
    assert.doesNotMatch(error.message, /"code":|invalid_type/);
  });
});

Deno.test("dates: a day that does not exist says why; a date and time means its date", async () => {
  await withHarness({}, async (h) => {
    const leap = await h.call("get_day_logs", { date: "2026-02-29" });
    assert.match(leap.text, /date "2026-02-29": not a date: 2026 is not a leap year/);
    const short = await h.call("get_day_logs", { date: "2026-11-31" });
    assert.match(short.text, /not a date: November 2026 has 30 days/);
    const timed = await h.call("get_day_logs", { date: "2026-11-24T10:00:00" });
    assert.equal(timed.isError, false, timed.text);
    assert.equal(timed.data.date, "2026-11-24");
    const zoned = await h.call("get_day_logs", { date: "2026-11-24T23:30:00Z" });
    assert.equal(zoned.data.date, "2026-11-24", "the date as written, not converted");
  });
});

Deno.test("get_month_logs takes the same years as every date (1900-2999)", async () => {
  await withHarness({}, async (h) => {
    const old = await h.call("get_month_logs", { year: 1999, month: 12 });
    assert.equal(old.isError, false, old.text);
    const far = await h.call("get_month_logs", { year: 3000, month: 1 });
    assert.match(far.text, /year must be at most 2999/);
  });
});

Deno.test('an optional parameter sent as the text "null" (the Inspector CLI) is not given', async () => {
  await withHarness({}, async (h) => {
    const r = await h.call("get_week_logs", { week_starting: "2026-11-23", email: "null" });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.week_starting, "2026-11-23");
  });
});

Deno.test("a nested value is refused with its own bounds (set[0].hours), like a top-level one", async () => {
  // week_grid_save is the MCP Apps grid's tool: the client declares the extension.
  const ui = {
    extensions: { "io.modelcontextprotocol/ui": { mimeTypes: ["text/html;profile=mcp-app"] } },
  };
  await withHarness({ clientCapabilities: ui }, async (h) => {
    const r = await h.call("week_grid_save", {
      week_starting: "2026-11-23",
      set: [{ date: "2026-11-24", project_id: 41, description: "x", hours: 0 }],
    });
    assert.equal(r.isError, true);
    assert.match(r.text, /set\[0\]\.hours must be more than 0 \(and at most 24\); you sent 0/);
    const big = await h.call("week_grid_save", {
      week_starting: "2026-11-23",
      set: [{ date: "2026-11-24", project_id: 41, description: "x", hours: "30" }],
    });
    assert.match(big.text, /set\[0\]\.hours must be at most 24 \(and more than 0\); you sent 30/);
  });
});
