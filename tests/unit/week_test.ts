/** Unit tests of src/erp/week.ts: pure edits of a week log and the lookups they rely on. */
import assert from "node:assert/strict";
import type { Team, WeekLog } from "../../src/erp/types.ts";
import {
  changeEntry,
  cloneWeek,
  dayTotal,
  entriesOf,
  findEntry,
  findTask,
  findWeekProject,
  putEntry,
  removeEntry,
} from "../../src/erp/week.ts";
import { UserError } from "../../src/errors.ts";

const MON = "2026-01-05";
const TUE = "2026-01-06";

/**
 * The week of Monday 2026-01-05: Client X / Backend has "Feature work" (8 h Monday, 2 h
 * Tuesday) and "Review" (1 h Tuesday); Client Y / Backend is empty; Internal has a 15 min standup
 * on Monday. Two projects share the short name "Backend".
 */
function week(): WeekLog {
  return {
    id: 382332,
    monday: MON,
    sunday: "2026-01-11",
    isCompleted: false,
    modifiedAt: "2026-01-06T09:12:44.120Z",
    raw: { id: 382332 },
    projects: [
      {
        id: 5501,
        team: "Client X / Backend",
        subteam: "Backend",
        tasks: [
          {
            id: 9001,
            description: "Feature work",
            days: [
              { id: 70001, date: MON, minutes: 480, label: 34 },
              { id: 70002, date: TUE, minutes: 120, label: 34 },
            ],
          },
          {
            id: 9002,
            description: "Review",
            days: [{ id: 70003, date: TUE, minutes: 60, label: 35 }],
          },
        ],
      },
      { id: 5502, team: "Client Y / Backend", subteam: "Backend", tasks: [] },
      {
        id: 5503,
        team: "Internal",
        subteam: "Internal",
        tasks: [
          {
            id: 9003,
            description: "Standup",
            days: [{ id: 70004, date: MON, minutes: 15, label: 37 }],
          },
        ],
      },
    ],
  };
}

const team = (id: number, full: string, short: string): Team => ({
  id,
  team: full,
  subteam: short,
  isActive: true,
});

/** Asserts `fn` throws a UserError whose message matches, and leaves `w` as it was. */
function refuses(w: WeekLog, fn: () => unknown, message: RegExp): void {
  const before = structuredClone(w);
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof UserError, `expected a UserError, got ${error}`);
    assert.match(error.message, message);
    return true;
  });
  assert.deepEqual(w, before, "the week changed although the edit was refused");
}

// --- lookups --------------------------------------------------------------------------------

Deno.test("dayTotal sums every project and task of that day", () => {
  const w = week();
  assert.equal(dayTotal(w, MON), 495);
  assert.equal(dayTotal(w, TUE), 180);
  assert.equal(dayTotal(w, "2026-01-07"), 0);
});

Deno.test("entriesOf, findEntry and findTask", () => {
  const w = week();
  assert.deepEqual(entriesOf(w).map((e) => e.day.id), [70001, 70002, 70003, 70004]);
  const ref = findEntry(w, 70003);
  assert.equal(ref?.project.id, 5501);
  assert.equal(ref?.task.description, "Review");
  assert.equal(findEntry(w, 1), undefined);
  assert.equal(findTask(w.projects[0], "  feature WORK ")?.id, 9001);
  assert.equal(findTask(w.projects[0], "Feature"), undefined);
});

Deno.test("cloneWeek is deep: editing the copy leaves the original", () => {
  const w = week();
  const copy = cloneWeek(w);
  copy.projects[0].tasks[0].days[0].minutes = 1;
  copy.projects[0].tasks.push({ description: "x", days: [] });
  assert.deepEqual(w, week());
});

for (
  const c of [
    { name: "by full name", team: team(42, "Client Y / Backend", "Backend"), want: 5502 },
    { name: "full name, any case", team: team(41, "client x / BACKEND", "Backend"), want: 5501 },
    {
      // Its short name "Backend" is on two other week projects: never borrow one of them.
      name: "a third team sharing the short name is not in the week",
      team: team(49, "Client Z / Backend", "Backend"),
      want: undefined,
    },
    { name: "unknown team", team: team(50, "Nope", "Nope"), want: undefined },
  ]
) {
  Deno.test(`findWeekProject: ${c.name}`, () => {
    assert.equal(findWeekProject(week(), c.team)?.id, c.want);
  });
}

Deno.test("findWeekProject: a week project without a full name matches a unique short name", () => {
  const w = week();
  w.projects.push({ id: 6001, team: "", subteam: "Mobile", tasks: [] });
  assert.equal(findWeekProject(w, team(60, "Client Z / Mobile", "Mobile"))?.id, 6001);
  w.projects.push({ id: 6002, team: "", subteam: "Mobile", tasks: [] });
  assert.equal(findWeekProject(w, team(60, "Client Z / Mobile", "Mobile")), undefined);
});

// --- putEntry -------------------------------------------------------------------------------

Deno.test("putEntry: a new description on a day creates a task without id", () => {
  const w = week();
  const action = putEntry(w, {
    projectId: 5502,
    date: TUE,
    description: "  API design ",
    minutes: 90,
    label: 34,
  });
  assert.equal(action, "created");
  assert.deepEqual(w.projects[1].tasks, [
    { description: "API design", days: [{ date: TUE, minutes: 90, label: 34 }] },
  ]);
});

Deno.test("putEntry: the same description on another day adds a day to that task", () => {
  const w = week();
  const action = putEntry(w, {
    projectId: 5501,
    date: "2026-01-07",
    description: "Feature work",
    minutes: 480,
    label: 34,
  });
  assert.equal(action, "created");
  assert.equal(w.projects[0].tasks.length, 2);
  assert.deepEqual(w.projects[0].tasks[0].days.map((d) => d.date), [MON, TUE, "2026-01-07"]);
});

Deno.test("putEntry: the same description in another case updates the same day", () => {
  const w = week();
  const action = putEntry(w, {
    projectId: 5501,
    date: MON,
    description: "FEATURE work ",
    minutes: 240,
    label: 35,
  });
  assert.equal(action, "updated");
  assert.equal(w.projects[0].tasks.length, 2);
  assert.deepEqual(w.projects[0].tasks[0].days[0], {
    id: 70001,
    date: MON,
    minutes: 240,
    label: 35,
  });
  assert.equal(w.projects[0].tasks[0].description, "Feature work");
});

Deno.test("putEntry: only the label differs → updated", () => {
  const w = week();
  const action = putEntry(w, {
    projectId: 5501,
    date: MON,
    description: "Feature work",
    minutes: 480,
    label: 40,
  });
  assert.equal(action, "updated");
  assert.equal(w.projects[0].tasks[0].days[0].label, 40);
});

Deno.test("putEntry: same time and label → unchanged, week untouched", () => {
  const w = week();
  const action = putEntry(w, {
    projectId: 5501,
    date: MON,
    description: "feature work",
    minutes: 480,
    label: 34,
  });
  assert.equal(action, "unchanged");
  assert.deepEqual(w, week());
});

Deno.test("putEntry: a day may reach exactly 24 h across projects", () => {
  const w = week();
  // Monday holds 8 h + 15 min; 15 h 45 min more makes 24 h.
  const action = putEntry(w, {
    projectId: 5502,
    date: MON,
    description: "Ops",
    minutes: 945,
    label: 34,
  });
  assert.equal(action, "created");
  assert.equal(dayTotal(w, MON), 1440);
});

Deno.test("putEntry: over 24 h across projects is refused, the week unchanged", () => {
  const w = week();
  refuses(
    w,
    () => putEntry(w, { projectId: 5502, date: MON, description: "Ops", minutes: 946, label: 34 }),
    /^Cannot log that on "2026-01-05": the day would hold 24 h 1 min, over 24 h/,
  );
});

Deno.test("putEntry: updating an entry counts its new time, not both", () => {
  const w = week();
  // Replacing 8 h by 23 h 45 min: 23 h 45 min + 15 min = 24 h.
  assert.equal(
    putEntry(w, {
      projectId: 5501,
      date: MON,
      description: "Feature work",
      minutes: 1425,
      label: 34,
    }),
    "updated",
  );
  refuses(
    w,
    () =>
      putEntry(w, {
        projectId: 5501,
        date: MON,
        description: "Feature work",
        minutes: 1426,
        label: 34,
      }),
    /over 24 h/,
  );
});

for (const date of ["2026-01-04", "2026-01-12", "2025-01-05"]) {
  Deno.test(`putEntry: ${date} is outside the week and throws`, () => {
    const w = week();
    assert.throws(
      () =>
        putEntry(w, { projectId: 5501, date, description: "Feature work", minutes: 60, label: 34 }),
      new RegExp(`${date} is outside the week of ${MON}`),
    );
    assert.deepEqual(w, week());
  });
}

Deno.test("putEntry: a week project not in the week throws", () => {
  const w = week();
  assert.throws(
    () => putEntry(w, { projectId: 41, date: MON, description: "x", minutes: 60, label: 34 }),
    /week project 41 is not in week 2026-01-05/,
  );
});

// --- changeEntry ----------------------------------------------------------------------------

Deno.test("changeEntry: hours", () => {
  const w = week();
  const ref = changeEntry(w, 70001, { minutes: 300 });
  assert.equal(ref.day.minutes, 300);
  assert.equal(w.projects[0].tasks[0].days[0].minutes, 300);
  assert.equal(w.projects[0].tasks[0].days[0].label, 34);
});

Deno.test("changeEntry: hours over 24 h are refused, the week unchanged", () => {
  const w = week();
  refuses(w, () => changeEntry(w, 70001, { minutes: 1426 }), /the day would hold 24 h 1 min/);
  // Whole hours say no "0 min" (the day also holds a 15-minute entry).
  refuses(
    w,
    () => changeEntry(w, 70001, { minutes: 26 * 60 - 15 }),
    /the day would hold 26 h, over/,
  );
  assert.equal(changeEntry(w, 70001, { minutes: 1425 }).day.minutes, 1425);
});

Deno.test("changeEntry: label only", () => {
  const w = week();
  const ref = changeEntry(w, 70002, { label: 42 });
  assert.equal(ref.day.label, 42);
  assert.equal(ref.day.minutes, 120);
});

Deno.test("changeEntry: the same description in another case moves nothing", () => {
  const w = week();
  const ref = changeEntry(w, 70001, { description: "FEATURE WORK" });
  assert.equal(ref.task.id, 9001);
  assert.deepEqual(w, week());
});

Deno.test("changeEntry: a new description moves the day to a new task", () => {
  const w = week();
  const ref = changeEntry(w, 70001, { description: " Bug fixing " });
  assert.equal(ref.task.description, "Bug fixing");
  assert.equal(ref.task.id, undefined);
  assert.equal(ref.day.id, 70001);
  const [feature, review, bug] = w.projects[0].tasks;
  assert.deepEqual(feature.days.map((d) => d.id), [70002]);
  assert.equal(review.id, 9002);
  assert.deepEqual(bug, {
    description: "Bug fixing",
    days: [{ id: 70001, date: MON, minutes: 480, label: 34 }],
  });
});

Deno.test("changeEntry: moving the last day of a task to an existing task removes the empty one", () => {
  const w = week();
  // "Review" has only Tuesday; "Feature work" has Monday and Tuesday, so move Review's day away
  // after freeing Tuesday on Feature work.
  w.projects[0].tasks[0].days = w.projects[0].tasks[0].days.filter((d) => d.date !== TUE);
  const ref = changeEntry(w, 70003, { description: "feature work", minutes: 90, label: 40 });
  assert.equal(ref.task.id, 9001);
  assert.deepEqual(w.projects[0].tasks.map((t) => t.id), [9001]);
  assert.deepEqual(w.projects[0].tasks[0].days, [
    { id: 70001, date: MON, minutes: 480, label: 34 },
    { id: 70003, date: TUE, minutes: 90, label: 40 },
  ]);
});

Deno.test("changeEntry: moving to a task that already has that day is refused", () => {
  const w = week();
  refuses(
    w,
    () => changeEntry(w, 70003, { description: "Feature work" }),
    /^Cannot rename entry 70003: "Feature work" already has time on 2026-01-06/,
  );
});

Deno.test("changeEntry: a refused move changes nothing, even with new hours and label", () => {
  const w = week();
  refuses(
    w,
    () => changeEntry(w, 70003, { description: "Feature work", minutes: 30, label: 40 }),
    /already has time on 2026-01-06/,
  );
});

Deno.test("changeEntry: an unknown entry id is a UserError", () => {
  const w = week();
  refuses(
    w,
    () => changeEntry(w, 123, { minutes: 60 }),
    /^Cannot find entry 123 in the week of 2026-01-05/,
  );
});

// --- removeEntry ----------------------------------------------------------------------------

Deno.test("removeEntry: removing the only day deletes the task", () => {
  const w = week();
  removeEntry(w, findEntry(w, 70004)!);
  assert.deepEqual(w.projects[2].tasks, []);
  assert.equal(dayTotal(w, MON), 480);
});

Deno.test("removeEntry: removing one of two days keeps the task", () => {
  const w = week();
  removeEntry(w, findEntry(w, 70001)!);
  assert.deepEqual(w.projects[0].tasks[0].days.map((d) => d.id), [70002]);
  assert.equal(w.projects[0].tasks.length, 2);
});

Deno.test("removeEntry: a ref found on a copy works on that copy only", () => {
  const w = week();
  const copy = cloneWeek(w);
  removeEntry(copy, findEntry(copy, 70003)!);
  assert.deepEqual(copy.projects[0].tasks.map((t) => t.id), [9001]);
  assert.deepEqual(w, week());
  // A ref into another week object is not in this one.
  assert.throws(() => removeEntry(w, findEntry(copy, 70001)!), /entry is not in this week/);
});

Deno.test("findWeekProject: two week projects with the same full name are ambiguous, never the first", () => {
  const week = {
    id: 1,
    monday: "2026-01-05",
    sunday: "2026-01-11",
    isCompleted: false,
    projects: [
      { id: 5501, team: "Backend", subteam: "Backend", tasks: [] },
      { id: 5502, team: "Backend", subteam: "Backend", tasks: [] },
    ],
    raw: {},
  };
  assert.throws(
    () => findWeekProject(week, { id: 41, team: "Backend", subteam: "Backend", isActive: true }),
    /Ambiguous project "Backend".*5501.*5502/,
  );
});
