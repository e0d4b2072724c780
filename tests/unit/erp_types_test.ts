/** Unit tests of src/erp/types.ts: tolerant parsing of every ERP answer shape, and the save body. */
import assert from "node:assert/strict";
import {
  parseLabels,
  parsePerson,
  parseTeams,
  parseWeekLog,
  parseWeekSummaries,
  ShapeError,
  type WeekLog,
  weekLogToSaveBody,
  type WeekSummary,
} from "../../src/erp/types.ts";

/** A typed table of test cases. */
const table = <T>(rows: T[]): T[] => rows;

/** The week log detail of erp-api.md §4, fresh on every call. */
function example(): Record<string, unknown> {
  return {
    id: 382332,
    person_id: 17,
    person_name: "Jane Doe",
    week_starting: "Mon, Jan 05",
    week_ending: "Sun, Jan 11",
    year: 2026,
    is_completed: false,
    modified_at: "2026-01-06T09:12:44.120Z",
    total_logged_time: { hours: 8, minutes: 0 },
    projects: [{
      id: 5501,
      team: "Client X / Backend",
      subteam: "Backend",
      tasks: [{
        id: 9001,
        description: "Feature work",
        days: [{
          id: 70001,
          date: "2026-01-05",
          hours: 8,
          minutes: 0,
          decimal_hours: "8.00",
          label: 34,
        }],
      }],
    }],
  };
}

// --- week summaries -------------------------------------------------------------------------

const ids = (list: WeekSummary[]) => list.map((s) => [s.id, s.monday]);

const DEC_WEEK_DISPLAY = {
  id: 900,
  week_starting: "Mon, Dec 29",
  week_ending: "Sun, Jan 04",
  is_completed: false,
  hours: 16,
  minutes: 30,
};

for (
  const c of table<{ name: string; body: unknown; year: number; want: [number, string][] }>([
    {
      name: "flat list with ISO dates",
      year: 2026,
      body: [
        { id: 991, week_starting: "2026-01-05", week_ending: "2026-01-11", is_completed: true },
        { id: 992, week_starting: "2026-01-12", week_ending: "2026-01-18" },
      ],
      want: [[991, "2026-01-05"], [992, "2026-01-12"]],
    },
    {
      name: "person_week_logs envelope with display dates and year",
      year: 2026,
      body: {
        person_week_logs: [
          {
            month: 1,
            months_log: [
              { id: 991, week_starting: "Mon, Jan 05", week_ending: "Sun, Jan 11", year: 2026 },
              { id: 992, week_starting: "Mon, Jan 12", week_ending: "Sun, Jan 18", year: 2026 },
            ],
          },
          {
            month: 2,
            months_log: [
              { id: 996, week_starting: "Mon, Feb 02", week_ending: "Sun, Feb 08", year: 2026 },
            ],
          },
        ],
      },
      want: [[991, "2026-01-05"], [992, "2026-01-12"], [996, "2026-02-02"]],
    },
    {
      name: "envelope without year: the year asked for",
      year: 2027,
      body: { person_week_logs: [{ months_log: [{ id: 5, week_starting: "Mon, Jan 04" }] }] },
      want: [[5, "2027-01-04"]],
    },
    {
      name: "year-boundary week listed under 2025 with year 2025",
      year: 2025,
      body: { person_week_logs: [{ months_log: [{ ...DEC_WEEK_DISPLAY, year: 2025 }] }] },
      want: [[900, "2025-12-29"]],
    },
    {
      name: "year-boundary week listed under 2026 with year 2026",
      year: 2026,
      body: { person_week_logs: [{ months_log: [{ ...DEC_WEEK_DISPLAY, year: 2026 }] }] },
      want: [[900, "2025-12-29"]],
    },
    {
      name: "year-boundary week listed under 2026 without a year field",
      year: 2026,
      body: { person_week_logs: [{ months_log: [DEC_WEEK_DISPLAY] }] },
      want: [[900, "2025-12-29"]],
    },
    {
      name: "only week_ending given",
      year: 2026,
      body: [{ id: 900, week_ending: "Sun, Jan 04", year: 2026 }],
      want: [[900, "2025-12-29"]],
    },
    {
      name: "duplicates across months dropped",
      year: 2026,
      body: {
        person_week_logs: [
          { months_log: [{ ...DEC_WEEK_DISPLAY, year: 2025 }] },
          {
            months_log: [{ ...DEC_WEEK_DISPLAY, year: 2026 }, {
              id: 901,
              week_starting: "Mon, Jan 05",
            }],
          },
        ],
      },
      want: [[900, "2025-12-29"], [901, "2026-01-05"]],
    },
    {
      name: "items without id or date skipped",
      year: 2026,
      body: [
        { week_starting: "2026-01-05" },
        { id: 7, week_starting: "someday" },
        "junk",
        null,
        { id: "8", week_starting: "2026-01-12" },
      ],
      want: [[8, "2026-01-12"]],
    },
    { name: "empty flat list", year: 2026, body: [], want: [] },
    { name: "empty envelope", year: 2026, body: { person_week_logs: [] }, want: [] },
  ])
) {
  Deno.test(`parseWeekSummaries: ${c.name}`, () => {
    assert.deepEqual(ids(parseWeekSummaries(c.body, c.year)), c.want);
  });
}

const MONTH_ITEMS = [
  { id: 900, week_starting: "Mon, Dec 29", week_ending: "Sun, Jan 04", year: 2026 },
  { id: 901, week_starting: "2026-01-05", week_ending: "2026-01-11", year: 2026 },
];
for (const key of ["results", "data", "items", "logs", "month_logs"]) {
  Deno.test(`parseWeekSummaries: month-list wrapped under "${key}"`, () => {
    assert.deepEqual(ids(parseWeekSummaries({ [key]: MONTH_ITEMS, count: 2 }, 2026)), [
      [900, "2025-12-29"],
      [901, "2026-01-05"],
    ]);
  });
}

Deno.test("parseWeekSummaries: a wrapper inside a wrapper", () => {
  const body = { data: { results: MONTH_ITEMS } };
  assert.deepEqual(ids(parseWeekSummaries(body, 2026)), [[900, "2025-12-29"], [901, "2026-01-05"]]);
});

Deno.test("parseWeekSummaries: completion and totals", () => {
  const [a, b, c, d] = parseWeekSummaries([
    { id: 1, week_starting: "2026-01-05", is_completed: true, hours: 40, minutes: 30 },
    { id: 2, week_starting: "2026-01-12", total_logged_time: { hours: 8, minutes: 12 } },
    { id: 3, week_starting: "2026-01-19", decimal_hours: "8.20" },
    { id: 4, week_starting: "2026-01-26", is_completed: "true" },
  ], 2026);
  assert.deepEqual(a, { id: 1, monday: "2026-01-05", isCompleted: true, totalMinutes: 2430 });
  assert.equal(b.totalMinutes, 492);
  assert.equal(c.totalMinutes, 492);
  assert.equal(d.isCompleted, false); // only a real `true` completes a week
  assert.equal(d.totalMinutes, undefined);
});

// --- week log detail ------------------------------------------------------------------------

Deno.test("parseWeekLog: the erp-api.md §4 example", () => {
  const week = parseWeekLog(example(), "2026-01-05");
  assert.equal(week.id, 382332);
  assert.equal(week.monday, "2026-01-05");
  assert.equal(week.sunday, "2026-01-11");
  assert.equal(week.isCompleted, false);
  assert.equal(week.modifiedAt, "2026-01-06T09:12:44.120Z");
  assert.deepEqual(week.projects, [{
    id: 5501,
    team: "Client X / Backend",
    subteam: "Backend",
    tasks: [{
      id: 9001,
      description: "Feature work",
      days: [{ id: 70001, date: "2026-01-05", minutes: 480, label: 34 }],
    }],
  }]);
  assert.equal(week.raw.person_name, "Jane Doe");
});

function withDay(day: Record<string, unknown>, top: Record<string, unknown> = {}) {
  const body = example();
  Object.assign(body, top);
  // deno-lint-ignore no-explicit-any
  (body as any).projects[0].tasks[0].days = [{ id: 70001, date: "2026-01-05", ...day }];
  return parseWeekLog(body, "2026-01-05").projects[0].tasks[0].days[0];
}

for (
  const c of table<
    { name: string; day: Record<string, unknown>; minutes: number; label?: number | null }
  >(
    [
      { name: "hours and minutes", day: { hours: 8, minutes: 12, label: 34 }, minutes: 492 },
      {
        name: "hours and minutes win over decimal_hours",
        day: { hours: 1, minutes: 0, decimal_hours: "9.00" },
        minutes: 60,
      },
      { name: "hours and minutes as strings", day: { hours: "8", minutes: "12" }, minutes: 492 },
      { name: "decimal_hours as string only", day: { decimal_hours: "8.20" }, minutes: 492 },
      { name: "decimal_hours as number only", day: { decimal_hours: 8.2 }, minutes: 492 },
      { name: "decimal_hours 7.99", day: { decimal_hours: "7.99" }, minutes: 479 },
      { name: "minutes only", day: { minutes: 45 }, minutes: 45 },
      { name: "no time at all", day: {}, minutes: 0 },
      {
        name: "label as object",
        day: { hours: 1, label: { id: 35, name: "Code Review" } },
        minutes: 60,
        label: 35,
      },
      { name: "label as numeric string", day: { hours: 1, label: "37" }, minutes: 60, label: 37 },
      {
        name: "label_id instead of label",
        day: { hours: 1, label_id: 39 },
        minutes: 60,
        label: 39,
      },
      { name: "label null", day: { hours: 1, label: null }, minutes: 60, label: null },
      { name: "label missing", day: { hours: 1 }, minutes: 60, label: null },
    ],
  )
) {
  Deno.test(`parseWeekLog day: ${c.name}`, () => {
    const day = withDay(c.day);
    assert.equal(day.minutes, c.minutes);
    if ("label" in c) assert.equal(day.label, c.label);
  });
}

Deno.test("parseWeekLog: ISO week dates and no year", () => {
  const week = parseWeekLog(
    { ...example(), week_starting: "2026-01-05", year: undefined },
    "2026-01-05",
  );
  assert.equal(week.monday, "2026-01-05");
  assert.equal(week.sunday, "2026-01-11");
});

Deno.test("parseWeekLog: a week across New Year, days in display form", () => {
  const body = {
    id: 1,
    week_starting: "Mon, Dec 29",
    week_ending: "Sun, Jan 04",
    year: 2025,
    modified_at: "2026-01-02T00:00:00Z",
    projects: [{
      id: 2,
      team: "T",
      subteam: "T",
      tasks: [{
        id: 3,
        description: "x",
        days: [
          { id: 4, date: "Wed, Dec 31", hours: 1, minutes: 0 },
          { id: 5, date: "Fri, Jan 02", hours: 2, minutes: 0 },
          { id: 6, date: "2026-01-04", hours: 3, minutes: 0 },
        ],
      }],
    }],
  };
  for (const year of [2025, 2026]) {
    const week = parseWeekLog({ ...body, year }, "2025-12-29");
    assert.equal(week.monday, "2025-12-29");
    assert.equal(week.sunday, "2026-01-04");
    assert.deepEqual(
      week.projects[0].tasks[0].days.map((d) => [d.id, d.date]),
      [[4, "2025-12-31"], [5, "2026-01-02"], [6, "2026-01-04"]],
    );
  }
});

Deno.test("parseWeekLog: missing lists and alternative name fields", () => {
  const week = parseWeekLog({
    id: 1,
    week_starting: "2026-01-05",
    projects: [
      { id: 10, team_name: "Client X / Backend", subteam_name: "Backend" },
      { id: 11, name: "Internal", tasks: [{ description: "Standup" }] },
      "junk",
    ],
  }, "2026-01-05");
  assert.equal(week.modifiedAt, undefined);
  assert.deepEqual(week.projects, [
    { id: 10, team: "Client X / Backend", subteam: "Backend", tasks: [] },
    {
      id: 11,
      team: "Internal",
      subteam: "",
      tasks: [{ id: undefined, description: "Standup", days: [] }],
    },
  ]);
});

// --- save body ------------------------------------------------------------------------------

Deno.test("weekLogToSaveBody: unchanged week round-trips and keeps unknown raw fields", () => {
  const raw = example();
  raw.custom_flag = "keep me";
  // deno-lint-ignore no-explicit-any
  (raw as any).projects[0].erp_only = { nested: true };
  const week = parseWeekLog(raw, "2026-01-05");
  const body = weekLogToSaveBody(week);
  assert.equal(body.custom_flag, "keep me");
  assert.equal(body.person_name, "Jane Doe");
  assert.equal(body.id, 382332);
  assert.equal(body.modified_at, "2026-01-06T09:12:44.120Z");
  // deno-lint-ignore no-explicit-any
  const project = (body.projects as any[])[0];
  assert.deepEqual(project.erp_only, { nested: true });
  assert.equal(project.team, "Client X / Backend");
  assert.deepEqual(project.tasks, [{
    id: 9001,
    description: "Feature work",
    days: [{ id: 70001, date: "2026-01-05", hours: 8, minutes: 0, label: 34 }],
  }]);
  // Through JSON, as the client sends it, and parsed back: the same week.
  const again = parseWeekLog(JSON.parse(JSON.stringify(body)), "2026-01-05");
  assert.deepEqual(again.projects, week.projects);
  assert.equal(again.monday, week.monday);
  // The week it was built from is untouched.
  assert.deepEqual(week.raw, raw);
});

Deno.test("weekLogToSaveBody: new tasks and days go without id, minutes become hours+minutes", () => {
  const week: WeekLog = parseWeekLog(example(), "2026-01-05");
  week.projects[0].tasks[0].days.push({ date: "2026-01-06", minutes: 492, label: 35 });
  week.projects[0].tasks.push({
    description: "Code review",
    days: [{ date: "2026-01-07", minutes: 59, label: null }],
  });
  const body = weekLogToSaveBody(week);
  // deno-lint-ignore no-explicit-any
  const tasks = (body.projects as any[])[0].tasks;
  assert.deepEqual(tasks[0].days[1], { date: "2026-01-06", hours: 8, minutes: 12, label: 35 });
  assert.equal("id" in tasks[0].days[1], false);
  assert.deepEqual(tasks[1], {
    description: "Code review",
    days: [{ date: "2026-01-07", hours: 0, minutes: 59, label: null }],
  });
  assert.equal("id" in tasks[1], false);
});

Deno.test("weekLogToSaveBody: a removed task or day is left out of the body", () => {
  const week = parseWeekLog(example(), "2026-01-05");
  week.projects[0].tasks = [];
  const body = weekLogToSaveBody(week);
  // deno-lint-ignore no-explicit-any
  assert.deepEqual((body.projects as any[])[0].tasks, []);
});

// --- teams, labels, person ------------------------------------------------------------------

for (
  const c of table<{ name: string; body: unknown; want: unknown }>([
    {
      name: "flat list",
      body: [
        { id: 41, team: "Client X / Backend", subteam: "Backend", is_active: true },
        { id: 42, team: "Client Y / Backend", subteam: "Backend", is_active: false },
      ],
      want: [
        { id: 41, team: "Client X / Backend", subteam: "Backend", isActive: true },
        { id: 42, team: "Client Y / Backend", subteam: "Backend", isActive: false },
      ],
    },
    {
      name: "wrapped under results, nsubteam_id and name only",
      body: { results: [{ nsubteam_id: "43", name: "Internal" }] },
      want: [{ id: 43, team: "Internal", subteam: "Internal", isActive: true }],
    },
    {
      name: "subteam only",
      body: { data: [{ id: 44, subteam: "Mobile" }] },
      want: [{ id: 44, team: "Mobile", subteam: "Mobile", isActive: true }],
    },
    {
      name: "items without id skipped",
      body: [{ team: "No id" }, null, { id: 45, team: "Ok", subteam: "Ok" }],
      want: [{ id: 45, team: "Ok", subteam: "Ok", isActive: true }],
    },
  ])
) {
  Deno.test(`parseTeams: ${c.name}`, () => {
    assert.deepEqual(parseTeams(c.body), c.want);
  });
}

for (
  const c of table<{ name: string; body: unknown; want: unknown }>([
    {
      name: "flat list",
      body: [{ id: 66, name: "General" }, { id: 34, name: "Coding" }],
      want: [{ id: 66, name: "General" }, { id: 34, name: "Coding" }],
    },
    {
      name: "wrapped under items, `label` as name, id as string",
      body: { items: [{ id: "35", label: "Code Review" }] },
      want: [{ id: 35, name: "Code Review" }],
    },
    {
      name: "items without id skipped",
      body: [{ name: "No id" }, { id: 37, name: "Meeting" }],
      want: [{ id: 37, name: "Meeting" }],
    },
  ])
) {
  Deno.test(`parseLabels: ${c.name}`, () => {
    assert.deepEqual(parseLabels(c.body), c.want);
  });
}

for (
  const c of table<{ name: string; body: unknown; want: unknown }>([
    {
      name: "id, email, name",
      body: { id: 17, email: "jane@example.com", name: "Jane Doe" },
      want: { id: 17, email: "jane@example.com", name: "Jane Doe" },
    },
    {
      name: "nested user with first and last name",
      body: { id: 17, user: { email: "jane@example.com", first_name: "Jane", last_name: "Doe" } },
      want: { id: 17, email: "jane@example.com", name: "Jane Doe" },
    },
    {
      name: "full_name",
      body: { full_name: "Jane Doe", email: "jane@example.com" },
      want: { id: undefined, email: "jane@example.com", name: "Jane Doe" },
    },
    {
      name: "an email without @ is not an email",
      body: { id: 17, email: "jane" },
      want: { id: 17, email: undefined, name: undefined },
    },
    {
      name: "no email field: none, distinct from any email",
      body: { id: 17, name: "Jane Doe" },
      want: { id: 17, email: undefined, name: "Jane Doe" },
    },
    {
      name: "an empty email is none",
      body: { id: 17, email: "" },
      want: { id: 17, email: undefined, name: undefined },
    },
    {
      name: "a null email is none",
      body: { id: 17, email: null },
      want: { id: 17, email: undefined, name: undefined },
    },
    {
      name: "an email with spaces inside is not an email",
      body: { id: 17, email: "jane doe@example.com" },
      want: { id: 17, email: undefined, name: undefined },
    },
    {
      name: "an email with outer spaces is trimmed",
      body: { id: 17, email: " jane@example.com " },
      want: { id: 17, email: "jane@example.com", name: undefined },
    },
    { name: "empty object", body: {}, want: { id: undefined, email: undefined, name: undefined } },
    { name: "a list", body: [1, 2], want: {} },
    { name: "null", body: null, want: {} },
    { name: "a string", body: "ok", want: {} },
  ])
) {
  Deno.test(`parsePerson: ${c.name}`, () => {
    assert.deepEqual(parsePerson(c.body), c.want);
  });
}

// --- nonsense -------------------------------------------------------------------------------

for (
  const c of table<{ name: string; parse: () => unknown; what: string }>([
    {
      name: "summaries of a string",
      parse: () => parseWeekSummaries("oops", 2026),
      what: "week list",
    },
    { name: "summaries of null", parse: () => parseWeekSummaries(null, 2026), what: "week list" },
    {
      name: "summaries of {}",
      parse: () => parseWeekSummaries({ foo: [1] }, 2026),
      what: "week list",
    },
    {
      name: "week log of a list",
      parse: () => parseWeekLog([example()], "2026-01-05"),
      what: "week log",
    },
    { name: "week log of null", parse: () => parseWeekLog(null, "2026-01-05"), what: "week log" },
    {
      name: "week log without id",
      parse: () => parseWeekLog({ week_starting: "2026-01-05" }, "2026-01-05"),
      what: "week log",
    },
    {
      name: "week log without a date",
      parse: () => parseWeekLog({ id: 1 }, "2026-01-05"),
      what: "week log",
    },
    {
      name: "week log with a bad date",
      parse: () => parseWeekLog({ id: 1, week_starting: "2026-02-30" }, "2026-01-05"),
      what: "week log",
    },
    { name: "teams of a number", parse: () => parseTeams(42), what: "project list" },
    { name: "teams of {detail}", parse: () => parseTeams({ detail: "x" }), what: "project list" },
    { name: "labels of a string", parse: () => parseLabels("General"), what: "label list" },
  ])
) {
  Deno.test(`ShapeError: ${c.name}`, () => {
    assert.throws(c.parse, (error: unknown) => {
      assert.ok(error instanceof ShapeError);
      assert.equal(error.name, "ShapeError");
      assert.match(error.message, new RegExp(`^ERP answered the ${c.what}( \\d+)? in a shape`));
      return true;
    });
  });
}

Deno.test("display dates without a weekday across New Year land in the right year", () => {
  const weeks = parseWeekSummaries(
    [{ id: 1, week_starting: "Dec 29", week_ending: "Jan 04", year: 2026 }],
    2026,
  );
  assert.equal(weeks[0].monday, "2025-12-29");
  const week = parseWeekLog({
    id: 1,
    week_starting: "Dec 29",
    week_ending: "Jan 04",
    year: 2025,
    projects: [{
      id: 5,
      team: "T",
      subteam: "T",
      tasks: [{ id: 9, description: "d", days: [{ id: 7, date: "Jan 02", hours: 8, minutes: 0 }] }],
    }],
  }, "2025-12-29");
  assert.equal(week.projects[0].tasks[0].days[0].date, "2026-01-02");
});

Deno.test("parseWeekLog refuses a day date it cannot read rather than dropping the day", () => {
  assert.throws(
    () =>
      parseWeekLog({
        id: 1,
        week_starting: "2026-01-05",
        projects: [{
          id: 5,
          team: "T",
          subteam: "T",
          tasks: [{ id: 9, description: "d", days: [{ id: 7, date: "04/01/2026", hours: 8 }] }],
        }],
      }, "2026-01-05"),
    /shape this server does not understand/,
  );
});

// --- JSON strings holding the list ----------------------------------------------------------

for (
  const c of table<{ name: string; body: unknown }>([
    { name: "a flat list", body: [{ id: 991, week_starting: "2026-01-05" }] },
    {
      name: "the envelope",
      body: { person_week_logs: [{ months_log: [{ id: 991, week_starting: "Mon, Jan 05" }] }] },
    },
    { name: "a month-list wrapper", body: { results: [{ id: 991, week_starting: "2026-01-05" }] } },
  ])
) {
  Deno.test(`parseWeekSummaries: ${c.name} sent as a JSON string`, () => {
    assert.deepEqual(ids(parseWeekSummaries(JSON.stringify(c.body), 2026)), [[991, "2026-01-05"]]);
  });
}

Deno.test("parseWeekSummaries: a string that is not JSON is a ShapeError saying so", () => {
  assert.throws(
    () => parseWeekSummaries("<html>", 2026),
    /ERP answered the week list in a shape this server does not understand: a string that is not JSON/,
  );
});

// --- week log details read relative to the Monday asked for ---------------------------------

/** A yearless week log detail, display dates everywhere, one day per date in `days`. */
function yearless(starting: string, ending: string, days: string[]): Record<string, unknown> {
  return {
    id: 7,
    week_starting: starting,
    week_ending: ending,
    modified_at: "2026-01-06T09:12:44.120Z",
    projects: [{
      id: 5,
      team: "T",
      subteam: "T",
      tasks: [{
        id: 9,
        description: "d",
        days: days.map((date, i) => ({ id: 70 + i, date, hours: 1, minutes: 0 })),
      }],
    }],
  };
}

for (
  const c of table<{ name: string; body: Record<string, unknown>; monday: string; days: string[] }>(
    [
      {
        name: "Christmas 2023, three years back",
        body: yearless("Mon, Dec 25", "Sun, Dec 31", ["Mon, Dec 25", "2023-12-31"]),
        monday: "2023-12-25",
        days: ["2023-12-25", "2023-12-31"],
      },
      {
        name: "Christmas 2028, the same display text",
        body: yearless("Mon, Dec 25", "Sun, Dec 31", ["Mon, Dec 25", "Dec 31"]),
        monday: "2028-12-25",
        days: ["2028-12-25", "2028-12-31"],
      },
      {
        name: "the New Year week of 2029-12-31",
        body: yearless("Mon, Dec 31", "Sun, Jan 06", ["Mon, Dec 31", "Tue, Jan 01", "Sun, Jan 06"]),
        monday: "2029-12-31",
        days: ["2029-12-31", "2030-01-01", "2030-01-06"],
      },
      {
        name: "the New Year week of 2026-12-28",
        body: yearless("Mon, Dec 28", "Sun, Jan 03", ["Thu, Dec 31", "Fri, Jan 01"]),
        monday: "2026-12-28",
        days: ["2026-12-31", "2027-01-01"],
      },
      {
        name: "the 2028 leap day",
        body: yearless("Mon, Feb 28", "Sun, Mar 05", ["Tue, Feb 29", "Mar 05"]),
        monday: "2028-02-28",
        days: ["2028-02-29", "2028-03-05"],
      },
      {
        name: "ten years back, ISO week dates",
        body: yearless("2016-11-21", "2016-11-27", ["2016-11-21"]),
        monday: "2016-11-21",
        days: ["2016-11-21"],
      },
      {
        name: "ten years ahead, week_ending only",
        body: { ...yearless("", "Sun, Nov 30", ["Mon, Nov 24"]), week_starting: undefined },
        monday: "2036-11-24",
        days: ["2036-11-24"],
      },
      {
        name: "a year equal to the Sunday's year",
        body: { ...yearless("Mon, Dec 31", "Sun, Jan 06", []), year: 2030 },
        monday: "2029-12-31",
        days: [],
      },
    ],
  )
) {
  Deno.test(`parseWeekLog relative to the Monday asked for: ${c.name}`, () => {
    const week = parseWeekLog(c.body, c.monday);
    assert.equal(week.monday, c.monday);
    assert.equal(week.sunday, Temporal.PlainDate.from(c.monday).add({ days: 6 }).toString());
    assert.deepEqual(week.projects[0].tasks[0].days.map((d) => d.date), c.days);
  });
}

for (
  const c of table<{ name: string; body: Record<string, unknown>; monday: string; why: RegExp }>([
    {
      name: "a Christmas detail when New Year 2029 was asked for",
      body: yearless("Mon, Dec 25", "Sun, Dec 31", []),
      monday: "2029-12-31",
      why: /week_starting "Mon, Dec 25" is not in the week of 2029-12-31 asked for/,
    },
    {
      name: "an ISO Monday of another year",
      body: yearless("2028-12-25", "2028-12-31", []),
      monday: "2023-12-25",
      why: /week_starting "2028-12-25" is not in the week of 2023-12-25/,
    },
    {
      name: "a week_ending that does not end the week",
      body: yearless("Mon, Dec 25", "Sun, Jan 07", []),
      monday: "2023-12-25",
      why: /week_ending "Sun, Jan 07" is not in the week/,
    },
    {
      name: "a year that is neither the Monday's nor the Sunday's",
      body: { ...yearless("Mon, Dec 25", "Sun, Dec 31", []), year: 2028 },
      monday: "2023-12-25",
      why: /year 2028 is not the year of the week of 2023-12-25/,
    },
    {
      name: "an ISO day of the same display week five years later",
      body: yearless("Mon, Dec 25", "Sun, Dec 31", ["2028-12-27"]),
      monday: "2023-12-25",
      why: /a day dated "2028-12-27" is not in the week of 2023-12-25/,
    },
    {
      name: "a display day outside the week",
      body: yearless("Mon, Dec 25", "Sun, Dec 31", ["Tue, Jan 02"]),
      monday: "2023-12-25",
      why: /a day dated "Tue, Jan 02" is not in the week of 2023-12-25/,
    },
    {
      name: "a weekday that does not fit the date",
      body: yearless("Mon, Dec 25", "Sun, Dec 31", ["Fri, Dec 27"]),
      monday: "2023-12-25",
      why: /a day dated "Fri, Dec 27" is not in the week/,
    },
    {
      name: "no week date at all",
      body: { ...yearless("", "", []), week_starting: undefined, week_ending: undefined },
      monday: "2023-12-25",
      why: /no week_starting or week_ending/,
    },
  ])
) {
  Deno.test(`parseWeekLog refuses ${c.name}`, () => {
    assert.throws(() => parseWeekLog(c.body, c.monday), (error: unknown) => {
      assert.ok(error instanceof ShapeError);
      assert.match(error.message, /^ERP answered the week log 7 in a shape this server/);
      assert.match(error.message, c.why);
      return true;
    });
  });
}

Deno.test("parseWeekLog: decimal_hours round by the one rule, on the digits the ERP wrote", () => {
  for (
    const [decimal, minutes] of [
      ["2.675", 161],
      ["1.025", 62],
      ["0.025", 2],
      ["8.20", 492],
      [2.675, 161],
    ] as const
  ) {
    const week = parseWeekLog(
      {
        ...yearless("2026-01-05", "2026-01-11", []),
        projects: [{
          id: 5,
          tasks: [{ description: "d", days: [{ date: "2026-01-05", decimal_hours: decimal }] }],
        }],
      },
      "2026-01-05",
    );
    assert.equal(week.projects[0].tasks[0].days[0].minutes, minutes, String(decimal));
  }
});
