/**
 * A real concurrent writer: between the tool's read of a week and its save, another client saves
 * a new entry into the same week over the ERP's HTTP API (so the tool's save gets a 409). Every
 * write tool must re-read and re-apply its edit onto the fresh week, so the other writer's entry
 * survives; when the week changes again on every try (CONFLICT_RETRIES + 1 409s), nothing of the tool's edit is written and
 * the result says so. Checked against the sandbox's stored records.
 */
import assert from "node:assert/strict";
import type { WeekLogRecord } from "../../src/sandbox/erp.ts";
import { CONFLICT_RETRIES } from "../../src/logs/timesheet.ts";
import { type Harness, TODAY, withHarness } from "../helpers.ts";

const NO_CONFIRM = { MCP_NO_CONFIRM: "true" };
const ALICE = "alice@example.com";

/** One entry as stored: the task's description, the date and the minutes (flat, for asserts). */
interface Flat {
  description: string;
  date: string;
  minutes: number;
}

function flat(week: WeekLogRecord | undefined): Flat[] {
  assert.ok(week, "the week is stored");
  return week.projects.flatMap((p) =>
    p.tasks.flatMap((t) =>
      t.days.map((d) => ({
        description: t.description,
        date: d.date,
        minutes: d.hours * 60 + d.minutes,
      }))
    )
  );
}

function addDays(iso: string, days: number): string {
  return Temporal.PlainDate.from(iso).add({ days }).toString();
}

/**
 * Saves one new entry into alice's week `monday` as another client would (the ERP web app): a
 * GET of the week and a PATCH of it with one task more, over real HTTP with alice's token.
 */
async function saveAsOtherClient(h: Harness, monday: string, entry: Flat): Promise<void> {
  const id = h.erp.weekLog(ALICE, monday)!.id;
  const headers = {
    Authorization: `Token ${h.erp.fixtures.users.alice.token}`,
    "Content-Type": "application/json",
  };
  const got = await fetch(`${h.apiBase}project-logs/person/get/${id}/`, { headers });
  assert.equal(got.status, 200);
  const week = await got.json();
  week.projects[0].tasks.push({
    description: entry.description,
    days: [{
      date: entry.date,
      hours: Math.floor(entry.minutes / 60),
      minutes: entry.minutes % 60,
      label: null,
    }],
  });
  const saved = await fetch(`${h.apiBase}project-logs/person/person-week-log/save/${id}/`, {
    method: "PATCH",
    headers,
    body: JSON.stringify(week),
  });
  assert.equal(saved.status, 200, await saved.text());
}

/**
 * Before each of the tool's next `times` saves reaches the ERP, another client saves one of
 * `entries` into the week (so each of those saves meets a 409).
 */
function otherWriterBeforeSaves(h: Harness, monday: string, entries: Flat[]): void {
  let inside = false;
  let next = 0;
  h.erp.onRequest = async ({ method, path }) => {
    if (inside || method !== "PATCH" || !path.includes("save/") || next >= entries.length) return;
    inside = true;
    try {
      await saveAsOtherClient(h, monday, entries[next++]);
    } finally {
      inside = false;
    }
  };
}

/** A write tool's case: the week, the call, and the entries its edit must leave stored. */
interface Case {
  tool: string;
  monday: (h: Harness) => string;
  args: (h: Harness, monday: string) => Record<string, unknown>;
  /** What the tool's edit does to the stored week, computed from the seed (not the result). */
  expect: (before: Flat[], monday: string) => Flat[];
  /** The result says nothing was written (a 409 on every try). */
  nothingWritten: (r: { isError: boolean; text: string; data: Record<string, unknown> }) => void;
}

const sortFlat = (list: Flat[]) =>
  [...list].sort((a, b) =>
    `${a.date}|${a.description}|${a.minutes}`.localeCompare(
      `${b.date}|${b.description}|${b.minutes}`,
    )
  );

const saysNothingSaved = (r: { isError: boolean; text: string }) => {
  assert.equal(r.isError, true, r.text);
  assert.match(r.text, /Nothing was saved in the week of .*: it changed again while saving/);
};

const draftOf = (h: Harness) => h.erp.fixtures.weeks.draft;

const CASES: Case[] = [
  {
    tool: "create_or_update_log",
    monday: draftOf,
    args: (_h, monday) => ({
      date: addDays(monday, 4),
      project_id: 42,
      description: "Tool entry",
      hours: 2,
    }),
    expect: (before, monday) => [
      ...before,
      { description: "Tool entry", date: addDays(monday, 4), minutes: 120 },
    ],
    nothingWritten: saysNothingSaved,
  },
  {
    tool: "update_log",
    monday: draftOf,
    args: (h, monday) => ({
      entry_id: h.erp.weekLog(ALICE, monday)!.projects.flatMap((p) => p.tasks)
        .flatMap((t) => t.days).find((d) => d.date === monday)!.id,
      date: monday,
      hours: 6,
    }),
    expect: (before, monday) =>
      before.map((e) =>
        e.date === monday && e.description === "Feature work" ? { ...e, minutes: 360 } : e
      ),
    nothingWritten: saysNothingSaved,
  },
  {
    tool: "delete_log",
    monday: draftOf,
    args: (h, monday) => ({
      entry_id: h.erp.weekLog(ALICE, monday)!.projects.flatMap((p) => p.tasks)
        .flatMap((t) => t.days).find((d) => d.date === addDays(monday, 3))!.id,
      date: addDays(monday, 3),
    }),
    expect: (before, monday) =>
      before.filter((e) => !(e.date === addDays(monday, 3) && e.description === "Feature work")),
    nothingWritten: saysNothingSaved,
  },
  {
    tool: "fill_logs_for_days",
    monday: draftOf,
    args: (_h, monday) => ({
      start_date: monday,
      end_date: addDays(monday, 4),
      project_id: 42,
      description: "Fill work",
      hours_per_day: 1,
      mode: "every_day",
    }),
    expect: (before, monday) => [
      ...before,
      ...[0, 1, 2, 3, 4].map((i) => ({
        description: "Fill work",
        date: addDays(monday, i),
        minutes: 60,
      })),
    ],
    nothingWritten: (r) => {
      assert.equal(r.isError, true, r.text);
      assert.equal(r.data.written, 0);
      assert.equal(r.data.failed, 5);
      for (const d of r.data.days as { status: string; reason: string }[]) {
        assert.equal(d.status, "failed");
        assert.match(d.reason, /Nothing was saved in the week of .*: it changed again/);
      }
    },
  },
  {
    tool: "copy_week",
    // From the draft (Mon–Thu 8 h "Feature work") into the current week (Mon, Tue already 8 h).
    monday: (h) => h.erp.fixtures.weeks.current,
    args: (h, monday) => ({ from_week: h.erp.fixtures.weeks.draft, to_week: monday }),
    expect: (before, monday) => {
      const out = [...before];
      for (const i of [0, 1, 2, 3]) {
        const date = addDays(monday, i);
        if (!out.some((e) => e.date === date && e.description === "Feature work")) {
          out.push({ description: "Feature work", date, minutes: 480 });
        }
      }
      return out;
    },
    nothingWritten: (r) => {
      assert.equal(r.isError, true, r.text);
      assert.equal(r.data.written, 0);
      const days = r.data.days as { status: string; reason?: string }[];
      const failed = days.filter((d) => d.status === "failed");
      assert.ok(failed.length > 0, r.text);
      for (const d of failed) assert.match(d.reason ?? "", /Nothing was saved in the week of/);
    },
  },
];

for (const c of CASES) {
  Deno.test(`${c.tool}: a 409 from a real concurrent writer re-applies the edit onto the fresh week; the other entry survives`, async () => {
    await withHarness({ env: NO_CONFIRM }, async (h) => {
      const monday = c.monday(h);
      const args = c.args(h, monday);
      const before = flat(h.erp.weekLog(ALICE, monday));
      const other: Flat = { description: "Other writer", date: addDays(monday, 1), minutes: 30 };
      otherWriterBeforeSaves(h, monday, [other]);
      const r = await h.call(c.tool, args);
      assert.equal(r.isError, false, r.text);
      if ("conflict_retried" in r.data) {
        assert.equal(r.data.conflict_retried, true, "the tool says it merged another edit");
      }
      assert.equal(h.erp.calls.filter((x) => x.status === 409).length, 1);
      assert.deepEqual(
        sortFlat(flat(h.erp.weekLog(ALICE, monday))),
        sortFlat([...c.expect(before, monday), other]),
        "stored: the seed, the tool's edit and the other writer's entry",
      );
    });
  });

  Deno.test(`${c.tool}: a 409 on every try writes nothing of the edit and says so; every other entry survives`, async () => {
    await withHarness({ env: NO_CONFIRM }, async (h) => {
      const monday = c.monday(h);
      const args = c.args(h, monday);
      const before = flat(h.erp.weekLog(ALICE, monday));
      // The first save and each of its CONFLICT_RETRIES re-applied saves meet another writer.
      const others: Flat[] = Array.from({ length: CONFLICT_RETRIES + 1 }, (_, i) => ({
        description: `Other writer ${i + 1}`,
        date: addDays(monday, i % 3),
        minutes: 15 + i,
      }));
      otherWriterBeforeSaves(h, monday, others);
      const r = await h.call(c.tool, args);
      c.nothingWritten(r);
      assert.equal(h.erp.calls.filter((x) => x.status === 409).length, CONFLICT_RETRIES + 1);
      assert.deepEqual(
        sortFlat(flat(h.erp.weekLog(ALICE, monday))),
        sortFlat([...before, ...others]),
        "stored: the seed and the other writers' entries, none of the tool's edit",
      );
    });
  });
}

Deno.test("concurrency: the other writer's save really lands between the tool's read and save", async () => {
  // Guards the test's own machinery: without the hook the tool's save would meet no 409.
  await withHarness({}, async (h) => {
    const monday = h.erp.fixtures.weeks.current;
    otherWriterBeforeSaves(h, monday, [{
      description: "Other",
      date: TODAY.toString(),
      minutes: 5,
    }]);
    await h.call("create_or_update_log", {
      date: TODAY.toString(),
      project_id: 42,
      description: "Mine",
      hours: 1,
    });
    const saves = h.erp.calls.filter((c) => c.method === "PATCH");
    assert.deepEqual(
      saves.map((c) => c.status),
      [200, 409, 200],
      "other, tool (stale), tool (fresh)",
    );
  });
});

Deno.test("concurrency: a client's parallel writes to one week all land, none blamed on someone else", async () => {
  // Assistants send several tool calls at once ("log 1 h on A and 1 h on B today").
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    const monday = h.erp.fixtures.weeks.draft;
    const before = flat(h.erp.weekLog(ALICE, monday));
    const mine: Flat[] = [0, 1, 2, 3, 4].map((i) => ({
      description: `Parallel ${i}`,
      date: addDays(monday, i),
      minutes: 30,
    }));
    const results = await Promise.all(mine.map((e) =>
      h.call("create_or_update_log", {
        date: e.date,
        project_id: 42,
        description: e.description,
        hours: 0.5,
      })
    ));
    for (const r of results) assert.equal(r.isError, false, r.text);
    assert.deepEqual(
      sortFlat(flat(h.erp.weekLog(ALICE, monday))),
      sortFlat([...before, ...mine]),
      "stored: the seed and every parallel entry",
    );
    // The session queues its own saves of one week: none of them met a 409.
    assert.equal(h.erp.calls.filter((x) => x.status === 409).length, 0);
  });
});
