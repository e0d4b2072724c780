/** The write tools through a real MCP client, checked against what the sandbox ERP stored. */
import assert from "node:assert/strict";
import type { RecordedCall } from "../../src/sandbox/erp.ts";
import { type Harness, needsSession, withHarness } from "../helpers.ts";

const TODAY = "2026-11-25";
/** Confirmation has its own tests (confirm_test.ts); these are about the writes. */
const NO_CONFIRM = { MCP_NO_CONFIRM: "true" };

function stored(h: { erp: { weekLog(email: string, monday: string): unknown } }, monday: string) {
  // deno-lint-ignore no-explicit-any
  return h.erp.weekLog("alice@example.com", monday) as any;
}

/** Resolves with the first call the sandbox records (answered or abandoned) matching `pred`. */
function recorded(h: Harness, pred: (c: RecordedCall) => boolean): Promise<RecordedCall> {
  const found = h.erp.calls.find(pred);
  if (found) return Promise.resolve(found);
  const { promise, resolve } = Promise.withResolvers<RecordedCall>();
  const calls = h.erp.calls;
  const push = calls.push.bind(calls);
  calls.push = (...items: RecordedCall[]) => {
    const n = push(...items);
    const hit = items.find(pred);
    if (hit) resolve(hit);
    return n;
  };
  return promise;
}

/** `[minutes, label id]` of each stored day on `date` of the task `description` (sandbox). */
function storedLabels(h: Harness, date: string, description: string): [number, number | null][] {
  const monday = Temporal.PlainDate.from(date);
  const week = h.erp.weekLog(
    "alice@example.com",
    monday.subtract({ days: monday.dayOfWeek - 1 }).toString(),
  );
  return (week?.projects ?? []).flatMap((p) =>
    p.tasks.filter((t) => t.description === description).flatMap((t) =>
      t.days.filter((d) => d.date === date).map((d): [number, number | null] => [
        d.hours * 60 + d.minutes,
        d.label,
      ])
    )
  );
}

function dayMinutes(
  week: { projects: { tasks: { days: { date: string; hours: number; minutes: number }[] }[] }[] },
  date: string,
) {
  return week.projects.flatMap((p) => p.tasks.flatMap((t) => t.days))
    .filter((d) => d.date === date).reduce((s, d) => s + d.hours * 60 + d.minutes, 0);
}

Deno.test("create_or_update_log: 8.2 h is stored as 8 h 12 min", async () => {
  await withHarness({}, async (h) => {
    const r = await h.call("create_or_update_log", {
      date: TODAY,
      project_name: "client x / backend",
      description: "Code review",
      hours: 8.2,
      label_name: "code review",
    });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.status, "created");
    assert.equal(r.data.path, "save");
    assert.deepEqual([r.data.entry.hours, r.data.entry.minutes], [8, 12]);
    assert.equal(r.data.entry.label, "Code Review");
    assert.equal(dayMinutes(stored(h, "2026-11-23"), TODAY), 492);
    assert.deepEqual(storedLabels(h, TODAY, "Code review"), [[492, 35]], "stored: Code Review");
  });
});

Deno.test("create_or_update_log: the same description on the same day updates that entry", {
  ignore: needsSession("counts requests with the session's week-id cache"),
}, async () => {
  await withHarness({}, async (h) => {
    const args = { date: TODAY, project_id: 42, description: "UI work", hours: 2 };
    const a = await h.call("create_or_update_log", args);
    const b = await h.call("create_or_update_log", { ...args, description: "ui work ", hours: 3 });
    assert.equal(b.isError, false, b.text);
    assert.equal(b.data.status, "updated");
    assert.equal(b.data.entry.entry_id, a.data.entry.entry_id);
    assert.equal(dayMinutes(stored(h, "2026-11-23"), TODAY), 180);
    let same!: Awaited<ReturnType<typeof h.call>>;
    const n = await h.countCalls(async () =>
      same = await h.call("create_or_update_log", { ...args, hours: 3 })
    );
    assert.equal(same.data.status, "unchanged");
    assert.equal(n, 1, "an unchanged entry reads the week and saves nothing");
  });
});

for (
  const c of [
    { args: { hours: 0 }, re: /hours must be more than 0/ },
    { args: { hours: -2 }, re: /hours must be more than 0/ },
    { args: { hours: 25 }, re: /hours must be at most 24/ },
    { args: { date: "2026-02-30" }, re: /date "2026-02-30": not a date/ },
    {
      args: { project_id: undefined, project_name: "Backend" },
      re: /Ambiguous project "Backend".*Client X \/ Backend.*Client Y \/ Backend/,
    },
    { args: { project_id: undefined, project_name: "Nope Inc" }, re: /Unknown project "Nope Inc"/ },
    { args: { project_id: 999 }, re: /Unknown project id 999/ },
    { args: { label_name: "Gardening" }, re: /Unknown label "Gardening"/ },
    { args: { description: "x".repeat(256) }, re: /at most 255 characters/ },
  ]
) {
  Deno.test(`create_or_update_log refuses ${JSON.stringify(c.args).slice(0, 60)}`, async () => {
    await withHarness({}, async (h) => {
      const before = JSON.stringify(stored(h, "2026-11-23"));
      const r = await h.call("create_or_update_log", {
        date: TODAY,
        project_id: 41,
        description: "Work",
        hours: 2,
        ...c.args,
      });
      assert.equal(r.isError, true, r.text);
      assert.match(r.text, c.re);
      assert.equal(JSON.stringify(stored(h, "2026-11-23")), before, "nothing written");
    });
  });
}

Deno.test("create_or_update_log: a day over 24 h across projects is refused before any save", async () => {
  await withHarness({}, async (h) => {
    await h.call("create_or_update_log", {
      date: TODAY,
      project_id: 41,
      description: "A",
      hours: 20,
    });
    const saves = h.erp.calls.filter((c) => c.path.includes("save/")).length;
    const r = await h.call("create_or_update_log", {
      date: TODAY,
      project_id: 42,
      description: "B",
      hours: 5,
    });
    assert.equal(r.isError, true);
    assert.match(r.text, /over 24 h/);
    assert.equal(h.erp.calls.filter((c) => c.path.includes("save/")).length, saves);
  });
});

Deno.test("create_or_update_log: a completed week is refused with what to do", async () => {
  await withHarness({}, async (h) => {
    const r = await h.call("create_or_update_log", {
      date: h.erp.fixtures.weeks.completed,
      project_id: 41,
      description: "Late",
      hours: 1,
    });
    assert.equal(r.isError, true);
    assert.match(r.text, /already completed/);
  });
});

Deno.test("create_or_update_log: a team missing from the week says so", async () => {
  await withHarness({}, async (h) => {
    const { missingProject, missingProjectTeamId } = h.erp.fixtures.weeks;
    const r = await h.call("create_or_update_log", {
      date: missingProject,
      project_id: missingProjectTeamId,
      description: "App",
      hours: 1,
    });
    assert.equal(r.isError, true);
    assert.match(r.text, /has no project for this team/);
  });
});

Deno.test("create_or_update_log: a week with no log goes through the Slack endpoint with the real email, and its refusal is passed on", async () => {
  await withHarness({}, async (h) => {
    const r = await h.call("create_or_update_log", {
      date: h.erp.fixtures.weeks.withoutLog,
      project_id: 41,
      description: "Work",
      hours: 2,
    });
    assert.equal(r.isError, true);
    assert.match(r.text, /no week log/);
    assert.match(r.text, /You are not part of the project/);
    const slack = h.erp.calls.find((c) => c.path.includes("from-slack"));
    assert.ok(slack);
    // deno-lint-ignore no-explicit-any
    const body = slack.body as any;
    assert.equal(body.email, "alice@example.com");
    assert.deepEqual(body.logs[0], {
      date: h.erp.fixtures.weeks.withoutLog,
      time_spent: "02:00",
      description: "Work",
      subteam: 41,
      label_id: 66,
    });
  });
});

Deno.test("create_or_update_log: a save the ERP has not applied when the server gives up is reported NOT stored, and it is not", async () => {
  await withHarness({ env: { ERP_TIMEOUT_SECONDS: "0.3" } }, async (h) => {
    await h.call("get_week_logs", { week_starting: TODAY });
    const before = JSON.stringify(stored(h, "2026-11-23"));
    // The sandbox holds the save (before applying it) until the test lets it go, so the server's
    // timeout passes and its re-read sees the week as it was. (A delay fault would not do: Deno's
    // server does not see a client give up on a request with a body this size, so the sandbox
    // would save after the delay, as a real ERP may.)
    const held = Promise.withResolvers<void>();
    let saveArrived = false;
    h.erp.onRequest = (c) => {
      if (c.method !== "PATCH") return;
      saveArrived = true;
      return held.promise;
    };
    const saved = recorded(h, (c) => c.method === "PATCH" && c.path.includes("save/"));
    try {
      const r = await h.call("create_or_update_log", {
        date: TODAY,
        project_id: 41,
        description: "Slow",
        hours: 1,
      });
      assert.ok(saveArrived, "the save was sent");
      assert.equal(JSON.stringify(stored(h, "2026-11-23")), before, "nothing stored yet");
      assert.equal(r.isError, true, r.text);
      assert.match(r.text, /did not confirm the save/);
      assert.match(r.text, /After re-reading: the entry is NOT stored\./);
      assert.match(r.text, /Check with get_week_logs before trying again/);
    } finally {
      held.resolve();
      if (saveArrived) await saved; // the held save is answered before the sandbox closes
    }
  });
});

Deno.test("update_log and delete_log by entry id", async () => {
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    const a = await h.call("create_or_update_log", {
      date: TODAY,
      project_id: 41,
      description: "Draft",
      hours: 1,
    });
    const id = a.data.entry.entry_id;
    const u = await h.call("update_log", {
      entry_id: id,
      hours: 1.5,
      description: "Final",
      label_name: "Testing",
    });
    assert.equal(u.isError, false, u.text);
    assert.equal(u.data.entry.description, "Final");
    assert.equal(u.data.entry.label, "Testing");
    assert.equal(u.data.day_total.decimal_hours, 1.5);
    const newId = u.data.entry.entry_id;
    const d = await h.call("delete_log", { entry_id: newId, date: TODAY });
    assert.equal(d.isError, false, d.text);
    assert.equal(d.data.deleted.description, "Final");
    assert.equal(dayMinutes(stored(h, "2026-11-23"), TODAY), 0);
    const again = await h.call("delete_log", { entry_id: newId, date: TODAY });
    assert.equal(again.isError, true);
    assert.match(again.text, /Cannot find entry/);
  });
});

Deno.test("delete_log by date, project and description", async () => {
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    await h.call("create_or_update_log", {
      date: TODAY,
      project_id: 45,
      description: "App fix",
      hours: 2,
    });
    const r = await h.call("delete_log", {
      date: TODAY,
      project_name: "Mobile App",
      description: "app fix",
    });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.day_total.hours, 0);
    assert.equal(dayMinutes(stored(h, "2026-11-23"), TODAY), 0, "deleted in the stored week");
    const missing = await h.call("delete_log", { date: TODAY });
    assert.equal(missing.isError, true);
    assert.match(missing.text, /give entry_id, or date with project/);
  });
});

Deno.test("complete_week_log: submits; a second submit is nothing to do, not an error; save_draft keeps a draft", async () => {
  await withHarness({ env: NO_CONFIRM }, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    const keep = await h.call("complete_week_log", { week_starting: draft, save_draft: true });
    assert.equal(keep.data.is_completed, false);
    assert.equal(stored(h, draft).isCompleted, false);
    const r = await h.call("complete_week_log", { week_starting: draft });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.is_completed, true);
    assert.equal(stored(h, draft).isCompleted, true);
    const saves = h.erp.calls.filter((c) => c.method !== "GET").length;
    const again = await h.call("complete_week_log", { week_starting: draft });
    assert.equal(again.isError, false, again.text);
    assert.equal(again.data.status, "already_completed");
    assert.match(again.text, /^Nothing to do: .*already completed/);
    assert.equal(h.erp.calls.filter((c) => c.method !== "GET").length, saves, "nothing sent");
    assert.equal(stored(h, draft).isCompleted, true);
    const none = await h.call("complete_week_log", {
      week_starting: h.erp.fixtures.weeks.withoutLog,
    });
    assert.equal(none.isError, true);
    assert.match(none.text, /no week log/);
  });
});

Deno.test("create_or_update_log: a 404 on a listed week's detail is an error, never the Slack path", async () => {
  await withHarness({}, async (h) => {
    const day = h.erp.fixtures.weeks.draft;
    await h.call("get_week_logs", { week_starting: day });
    h.erp.injectFault({ method: "GET", pathIncludes: "/get/", status: 404, times: 2 });
    const r = await h.call("create_or_update_log", {
      date: day,
      project_id: 41,
      description: "Feature work",
      hours: 2,
      label_name: "Coding",
    });
    assert.equal(r.isError, true);
    assert.match(r.text, /404/);
    assert.equal(h.erp.calls.filter((c) => c.path.includes("from-slack")).length, 0);
    assert.equal(dayMinutes(stored(h, day), day), 480, "nothing written");
  });
});

Deno.test("create_or_update_log: leaving out the label keeps an existing entry's label", async () => {
  await withHarness({}, async (h) => {
    const day = h.erp.fixtures.weeks.draft; // "Feature work" 8 h, Coding
    const r = await h.call("create_or_update_log", {
      date: day,
      project_id: 41,
      description: "Feature work",
      hours: 6,
    });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.status, "updated");
    assert.equal(r.data.entry.label, "Coding");
    assert.deepEqual(storedLabels(h, day, "Feature work"), [[360, 34]], "stored: 6 h, Coding");
    const n = await h.call("create_or_update_log", {
      date: day,
      project_id: 41,
      description: "New thing",
      hours: 1,
    });
    assert.equal(n.data.entry.label, "General", "a new entry without a label gets General");
    assert.deepEqual(storedLabels(h, day, "New thing"), [[60, 66]], "stored: 1 h, General");
  });
});

Deno.test("update_log and delete_log by entry_id alone in a fresh session find the entry's week", async () => {
  // A one-shot client (the CLI's `call`, a new chat) has read nothing yet: no week is known.
  const now = () => Temporal.Instant.from(`${TODAY}T12:00:00Z`);
  await withHarness({ env: NO_CONFIRM, now }, async (h) => {
    const monday = h.erp.fixtures.weeks.draft;
    const day = stored(h, monday).projects[0].tasks[0].days[0];
    const u = await h.call("update_log", { entry_id: day.id, hours: 7 });
    assert.equal(u.isError, false, u.text);
    const after = stored(h, monday).projects[0].tasks[0].days
      .find((d: { id: number }) => d.id === day.id);
    assert.deepEqual([after.hours, after.minutes], [7, 0], "the ERP holds 7 h");
  });
  await withHarness({ env: NO_CONFIRM, now }, async (h) => {
    const monday = h.erp.fixtures.weeks.draft;
    const day = stored(h, monday).projects[0].tasks[0].days[0];
    const d = await h.call("delete_log", { entry_id: day.id });
    assert.equal(d.isError, false, d.text);
    const ids = stored(h, monday).projects.flatMap((p: { tasks: { days: { id: number }[] }[] }) =>
      p.tasks.flatMap((t) => t.days.map((x) => x.id))
    );
    assert.ok(!ids.includes(day.id), "the ERP no longer holds the entry");
  });
});
