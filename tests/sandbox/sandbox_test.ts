/**
 * The sandbox ERP over real HTTP on 127.0.0.1: seed, auth, reads, writes, faults and the
 * sandbox-only pages. Run with `deno test --allow-net=127.0.0.1 tests/sandbox/`.
 */
import {
  type SandboxOptions,
  type ServedSandbox,
  serveSandbox,
  type WeekLogRecord,
} from "../../src/sandbox/erp.ts";
import { escapeHtml } from "../../src/sandbox/pages.ts";

// ---- tiny assertions (no dependencies) ----

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    Object.hasOwn(b, k) &&
    deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
  );
}

function assertEquals(actual: unknown, expected: unknown, message = "values differ"): void {
  if (!deepEqual(actual, expected)) {
    throw new Error(
      `${message}\n  actual:   ${JSON.stringify(actual)}\n  expected: ${JSON.stringify(expected)}`,
    );
  }
}

function assert(condition: unknown, message = "assertion failed"): asserts condition {
  if (!condition) throw new Error(message);
}

// ---- HTTP helpers ----

// deno-lint-ignore no-explicit-any
type Json = any;

interface Reply {
  status: number;
  body: Json;
  text: string;
  headers: Headers;
  ms: number;
}

const ALICE = "sandbox-token-alice";
const BOB = "sandbox-token-bob";
const TODAY = Temporal.PlainDate.from("2026-11-25");
const JANUARY = Temporal.PlainDate.from("2026-01-14");

interface CallOptions {
  /** The token key; null sends no Authorization header. Default alice's. */
  token?: string | null;
  /** A whole Authorization header, instead of `Token <token>`. */
  auth?: string;
  body?: unknown;
  /** A raw body, sent as is. */
  raw?: string;
}

async function call(
  s: ServedSandbox,
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<Reply> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const token = opts.token === undefined ? ALICE : opts.token;
  if (opts.auth !== undefined) headers.Authorization = opts.auth;
  else if (token !== null) headers.Authorization = `Token ${token}`;
  let body: string | undefined = opts.raw;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["Content-Type"] = "application/json";
  }
  const started = performance.now();
  const response = await fetch(new URL(path, s.apiBase), { method, headers, body });
  const text = await response.text();
  const ms = performance.now() - started;
  let parsed: Json = undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed, text, headers: response.headers, ms };
}

async function get(s: ServedSandbox, path: string, token: string | null = ALICE) {
  return await call(s, "GET", path, { token });
}

/** Serves a sandbox for one test and always closes it. */
async function withSandbox(
  opts: SandboxOptions,
  fn: (s: ServedSandbox) => void | Promise<void>,
): Promise<void> {
  const s = await serveSandbox(opts);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

function weekOf(s: ServedSandbox, monday: string, email = "alice@example.com"): WeekLogRecord {
  const week = s.erp.weekLog(email, monday);
  assert(week, `no week log for ${email} on ${monday}`);
  return week;
}

async function detail(s: ServedSandbox, id: number, token = ALICE): Promise<Json> {
  const reply = await get(s, `project-logs/person/get/${id}/`, token);
  assertEquals(reply.status, 200, `get ${id}`);
  return reply.body;
}

const savePath = (id: number) => `project-logs/person/person-week-log/save/${id}/`;
const completePath = (id: number) => `project-logs/person/person-week-log/complete/${id}/`;
const SLACK = "project-logs/person/person-week-log-from-slack/";

function minutesOf(week: WeekLogRecord): number {
  return week.projects.flatMap((p) => p.tasks.flatMap((t) => t.days))
    .reduce((sum, d) => sum + d.hours * 60 + d.minutes, 0);
}

function allIds(weeks: WeekLogRecord[]): number[] {
  return weeks.flatMap((w) => [
    w.id,
    ...w.projects.flatMap((p) => [
      p.id,
      ...p.tasks.flatMap((t) => [t.id, ...t.days.map((d) => d.id)]),
    ]),
  ]);
}

function addDays(iso: string, days: number): string {
  return Temporal.PlainDate.from(iso).add({ days }).toString();
}

// ---- seed and fixtures ----

Deno.test("fixtures for today 2026-11-25", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const f = s.erp.fixtures;
    assertEquals(f.today, "2026-11-25");
    assertEquals(f.users.alice, {
      id: 17,
      name: "Alice Example",
      email: "alice@example.com",
      token: "sandbox-token-alice",
      password: "alice-password",
      googleAccessToken: "google-access-alice",
    });
    assertEquals(f.users.bob, {
      id: 18,
      name: "Bob Other",
      email: "bob@other.test",
      token: "sandbox-token-bob",
      password: "bob-password",
      googleAccessToken: "google-access-bob",
    });
    assertEquals(f.users.stranger, {
      email: "stranger@example.com",
      googleAccessToken: "google-access-stranger",
    });
    assertEquals(f.teams.map((t) => [t.id, t.team, t.subteam]), [
      [41, "Client X / Backend", "Backend"],
      [42, "Client X / Frontend", "Frontend"],
      [43, "Client Y / Backend", "Backend"],
      [44, "Internal / Research", "Research"],
      [45, "Mobile App", "Mobile"],
    ]);
    assertEquals(f.labels.map((l) => l.id), [66, 34, 35, 37, 39, 40, 42, 44, 60]);
    assertEquals(f.weeks, {
      current: "2026-11-23",
      draft: "2026-10-26",
      completed: "2026-11-02",
      withoutLog: "2026-11-09",
      missingProject: "2026-11-16",
      missingProjectTeamId: 45,
      yearBoundary: "2025-12-29",
      afterBoundary: "2026-01-05",
    });
    assertEquals((await get(s, "project-logs/log_labels/")).body, f.labels);
  });
});

Deno.test("fixtures for a January today skip the two fixed weeks", async () => {
  await withSandbox({ today: JANUARY }, async (s) => {
    const w = s.erp.fixtures.weeks;
    assertEquals(w, {
      current: "2026-01-12",
      draft: "2025-12-01",
      completed: "2025-12-08",
      withoutLog: "2025-12-15",
      missingProject: "2025-12-22",
      missingProjectTeamId: 45,
      yearBoundary: "2025-12-29",
      afterBoundary: "2026-01-05",
    });
    assertEquals(s.erp.weekLog("alice@example.com", w.withoutLog), undefined);
    const dec = await get(s, "project-logs/person/month-list/?year=2025&month=12");
    assert(!dec.body.some((x: Json) => x.week_starting === "Mon, Dec 15"), "no log Dec 15");
    assert(weekOf(s, w.completed).isCompleted, "completed week");
    assertEquals(
      weekOf(s, w.missingProject).projects.map((p) => p.team).includes("Mobile App"),
      false,
    );
  });
});

Deno.test("seed: alice's weeks from the previous month to now, with their roles", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const w = s.erp.fixtures.weeks;
    const list = await call(s, "GET", "project-logs/person/list/?year=2026");
    const mondays = list.body.person_week_logs.flatMap((g: Json) => g.months_log)
      .map((x: Json) => x.week_starting);
    assertEquals(mondays, [
      "Mon, Jan 05",
      "Mon, Sep 28",
      "Mon, Oct 05",
      "Mon, Oct 12",
      "Mon, Oct 19",
      "Mon, Oct 26",
      "Mon, Nov 02",
      "Mon, Nov 16",
      "Mon, Nov 23",
    ]);
    const completed = weekOf(s, w.completed);
    assertEquals([completed.isCompleted, minutesOf(completed)], [true, 40 * 60]);
    const draft = weekOf(s, w.draft);
    assertEquals(draft.isCompleted, false);
    const draftDays = draft.projects.flatMap((p) =>
      p.tasks.flatMap((t) => t.days.map((d) => [p.team, t.description, d.date, d.hours, d.label]))
    );
    assertEquals(
      draftDays,
      [0, 1, 2, 3].map((i) => [
        "Client X / Backend",
        "Feature work",
        addDays(w.draft, i),
        8,
        34,
      ]),
    );
    const current = weekOf(s, w.current);
    assertEquals(
      current.projects.flatMap((p) => p.tasks.flatMap((t) => t.days.map((d) => d.date))),
      ["2026-11-23", "2026-11-24"],
    );
    for (const monday of ["2026-09-28", "2026-10-05", "2026-10-12", "2026-10-19", w.current]) {
      assertEquals(weekOf(s, monday).projects.map((p) => p.team), [
        "Client X / Backend",
        "Client X / Frontend",
        "Client Y / Backend",
        "Internal / Research",
        "Mobile App",
      ], monday);
    }
    assertEquals(weekOf(s, w.missingProject).projects.length, 4);
    const mixed = weekOf(s, "2026-10-19");
    assert(mixed.projects.filter((p) => p.tasks.length > 0).length >= 2, "a mixed week");
    const all = [
      ...["2025-12-29", "2026-01-05", "2026-09-28", "2026-10-05", "2026-10-12", "2026-10-19"],
      ...[w.draft, w.completed, w.missingProject, w.current],
    ].map((m) => weekOf(s, m));
    all.push(weekOf(s, "2026-11-16", "bob@other.test"), weekOf(s, w.current, "bob@other.test"));
    const ids = allIds(all);
    assertEquals(new Set(ids).size, ids.length, "ids are unique across users");
  });
});

Deno.test("seed: the year-boundary weeks keep their fixed content", async () => {
  for (const today of [TODAY, JANUARY]) {
    await withSandbox({ today }, (s) => {
      const days = (monday: string) =>
        weekOf(s, monday).projects.flatMap((p) =>
          p.tasks.flatMap((t) =>
            t.days.map((d) => [p.team, t.description, d.date, d.hours, d.minutes, d.label])
          )
        );
      assertEquals(days("2025-12-29"), [
        ["Client X / Backend", "Feature work", "2025-12-29", 8, 0, 34],
        ["Client X / Backend", "Feature work", "2025-12-30", 8, 0, 34],
        ["Client X / Backend", "Feature work", "2026-01-02", 8, 0, 34],
      ]);
      assertEquals(days("2026-01-05"), [[
        "Client X / Frontend",
        "UI work",
        "2026-01-05",
        8,
        0,
        34,
      ]]);
      assertEquals(weekOf(s, "2025-12-29").sunday, "2026-01-04");
    });
  }
});

Deno.test("seed is deterministic for a given today", async () => {
  await withSandbox({ today: TODAY }, async (a) => {
    await withSandbox({ today: TODAY }, (b) => {
      for (const monday of ["2026-10-19", "2026-11-23", "2025-12-29"]) {
        assertEquals(a.erp.weekLog("alice@example.com", monday), weekOf(b, monday));
      }
    });
  });
});

// ---- auth ----

Deno.test("auth: DRF token rules", async (t) => {
  await withSandbox({ today: TODAY }, async (s) => {
    s.erp.revokeToken(BOB);
    const notProvided = { detail: "Authentication credentials were not provided." };
    const rows: [string, CallOptions, number, Json][] = [
      ["missing header", { token: null }, 401, notProvided],
      ["unknown token", { token: "nope" }, 401, { detail: "Invalid token." }],
      ["revoked token", { token: BOB }, 401, { detail: "Invalid token." }],
      ["Bearer scheme refused", { auth: `Bearer ${ALICE}` }, 401, notProvided],
      ["bare key refused", { auth: ALICE }, 401, notProvided],
      ["keyword without key", { auth: "Token" }, 401, {
        detail: "Invalid token header. No credentials provided.",
      }],
      ["Token scheme", { auth: `Token ${ALICE}` }, 200, {
        id: 17,
        email: "alice@example.com",
        name: "Alice Example",
      }],
      ["keyword is case-insensitive", { auth: `token ${ALICE}` }, 200, {
        id: 17,
        email: "alice@example.com",
        name: "Alice Example",
      }],
    ];
    for (const [name, opts, status, body] of rows) {
      await t.step(name, async () => {
        const reply = await call(s, "GET", "core/person/", opts);
        assertEquals([reply.status, reply.body], [status, body]);
        assertEquals(reply.headers.get("content-type"), "application/json");
        if (status === 401) assertEquals(reply.headers.get("www-authenticate"), "Token");
      });
    }
    await t.step("every route but google-login needs the token", async () => {
      for (
        const path of [
          "project-logs/person/list/?year=2026",
          "project-logs/person/get/380000/",
          "project-logs/person/month-list/?year=2026&month=1",
          "project-logs/person/active_project_list/",
          "project-logs/log_labels/",
        ]
      ) {
        assertEquals((await get(s, path, null)).status, 401, path);
      }
      for (const path of [savePath(380000), completePath(380000)]) {
        assertEquals((await call(s, "PATCH", path, { token: null, body: {} })).status, 401);
      }
      assertEquals((await call(s, "POST", SLACK, { token: null, body: {} })).status, 401);
    });
  });
});

Deno.test("core/person answers the token's owner", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    assertEquals((await get(s, "core/person/", BOB)).body, {
      id: 18,
      email: "bob@other.test",
      name: "Bob Other",
    });
  });
});

Deno.test("revokeToken: the old token fails, a new sign-in issues a new token", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    s.erp.revokeToken(ALICE);
    assertEquals((await get(s, "core/person/")).status, 401);
    const login = await call(s, "POST", "core/google-login/", {
      token: null,
      body: { platform: "google", access_token: "google-access-alice" },
    });
    assertEquals(login.status, 200);
    assert(login.body.token !== ALICE, "a new token");
    assertEquals((await get(s, "core/person/", login.body.token)).body.id, 17);
  });
});

// ---- google-login ----

Deno.test("core/google-login", async (t) => {
  await withSandbox({ today: TODAY }, async (s) => {
    const rows: [string, unknown, number, Json][] = [
      ["alice", { platform: "google", access_token: "google-access-alice" }, 200, {
        token: ALICE,
        email: "alice@example.com",
        name: "Alice Example",
      }],
      ["bob", { platform: "google", access_token: "google-access-bob" }, 200, {
        token: BOB,
        email: "bob@other.test",
        name: "Bob Other",
      }],
      ["unknown Google token", { platform: "google", access_token: "forged" }, 401, {
        detail: "Invalid Google token.",
      }],
      ["not an ERP user", { platform: "google", access_token: "google-access-stranger" }, 404, {
        detail: "User not registered.",
      }],
      ["missing access_token", { platform: "google" }, 400, {
        access_token: ["This field is required."],
      }],
      ["missing both", {}, 400, {
        platform: ["This field is required."],
        access_token: ["This field is required."],
      }],
      ["wrong platform", { platform: "github", access_token: "google-access-alice" }, 400, {
        platform: ['"github" is not a valid choice.'],
      }],
    ];
    for (const [name, body, status, expected] of rows) {
      await t.step(name, async () => {
        const reply = await call(s, "POST", "core/google-login/", { token: null, body });
        assertEquals([reply.status, reply.body], [status, expected]);
      });
    }
    await t.step("GET is not allowed", async () => {
      const reply = await call(s, "GET", "core/google-login/", { token: null });
      assertEquals([reply.status, reply.body], [405, { detail: 'Method "GET" not allowed.' }]);
    });
  });
});

// ---- reads ----

Deno.test("person/list: both shapes and both date styles", async (t) => {
  await withSandbox({ today: TODAY }, async (s) => {
    const nov23 = weekOf(s, "2026-11-23");
    const rows: ["envelope" | "flat", "display" | "iso", string, string][] = [
      ["envelope", "display", "Mon, Nov 23", "Sun, Nov 29"],
      ["envelope", "iso", "2026-11-23", "2026-11-29"],
      ["flat", "display", "Mon, Nov 23", "Sun, Nov 29"],
      ["flat", "iso", "2026-11-23", "2026-11-29"],
    ];
    for (const [shape, style, starting, ending] of rows) {
      await t.step(`${shape} ${style}`, async () => {
        s.erp.listShape = shape;
        s.erp.dateStyle = style;
        const reply = await get(s, "project-logs/person/list/?year=2026");
        assertEquals(reply.status, 200);
        let items: Json[];
        if (shape === "envelope") {
          const groups = reply.body.person_week_logs;
          assertEquals(groups.map((g: Json) => g.month), [
            "January",
            "September",
            "October",
            "November",
          ]);
          assertEquals(groups.map((g: Json) => g.months_log.length), [1, 1, 4, 3]);
          items = groups.flatMap((g: Json) => g.months_log);
        } else {
          assert(Array.isArray(reply.body), "a flat list");
          items = reply.body;
        }
        assertEquals(items.length, 9);
        assertEquals(items.at(-1), {
          id: nov23.id,
          week_starting: starting,
          week_ending: ending,
          year: 2026,
          is_completed: false,
          hours: 16,
          minutes: 0,
        });
        for (const item of items) {
          assert(item.minutes >= 0 && item.minutes < 60, "minutes < 60");
          assertEquals(Object.keys(item), [
            "id",
            "week_starting",
            "week_ending",
            "year",
            "is_completed",
            "hours",
            "minutes",
          ]);
        }
        const mixed = items.find((i) => i.id === weekOf(s, "2026-10-19").id);
        const total = minutesOf(weekOf(s, "2026-10-19"));
        assertEquals([mixed.hours, mixed.minutes], [Math.floor(total / 60), total % 60]);
      });
    }
  });
});

Deno.test("person/list: a week crossing New Year is listed under its Monday's year", async () => {
  await withSandbox({ today: TODAY, listShape: "flat" }, async (s) => {
    const y2025 = (await get(s, "project-logs/person/list/?year=2025")).body;
    assertEquals(y2025.map((x: Json) => [x.week_starting, x.week_ending, x.year, x.hours]), [
      ["Mon, Dec 29", "Sun, Jan 04", 2025, 24],
    ]);
    const y2026 = (await get(s, "project-logs/person/list/?year=2026")).body;
    assert(!y2026.some((x: Json) => x.week_starting === "Mon, Dec 29"), "not in 2026");
    assertEquals((await get(s, "project-logs/person/list/?year=2024")).body, []);
  });
});

Deno.test("person/list: a missing or invalid year answers 400", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    for (const query of ["", "?year=", "?year=abc", "?year=20.5"]) {
      const reply = await get(s, `project-logs/person/list/${query}`);
      assertEquals([reply.status, reply.body], [400, { year: ["A valid integer is required."] }]);
    }
  });
});

Deno.test("person/get: the detail, per dateStyle and decimalAsString", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const week = weekOf(s, "2026-01-05");
    const reply = await get(s, `project-logs/person/get/${week.id}/`);
    assertEquals(reply.headers.get("content-type"), "application/json");
    const project = (team: string) => week.projects.find((p) => p.team === team)!;
    const uiWork = project("Client X / Frontend").tasks[0];
    assertEquals(reply.body, {
      id: week.id,
      person_id: 17,
      person_name: "Alice Example",
      week_starting: "Mon, Jan 05",
      week_ending: "Sun, Jan 11",
      year: 2026,
      is_completed: false,
      modified_at: week.modifiedAt,
      total_logged_time: { hours: 8, minutes: 0 },
      projects: week.projects.map((p) => ({
        id: p.id,
        team: p.team,
        subteam: p.subteam,
        tasks: p.team === "Client X / Frontend"
          ? [{
            id: uiWork.id,
            description: "UI work",
            days: [{
              id: uiWork.days[0].id,
              date: "2026-01-05",
              hours: 8,
              minutes: 0,
              decimal_hours: "8.00",
              label: 34,
            }],
          }]
          : [],
      })),
    });
    assert(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(reply.body.modified_at), "ISO instant");

    s.erp.dateStyle = "iso";
    s.erp.decimalAsString = false;
    const iso = await detail(s, weekOf(s, "2025-12-29").id);
    assertEquals([iso.week_starting, iso.week_ending, iso.year], [
      "2025-12-29",
      "2026-01-04",
      2025,
    ]);
    assertEquals(iso.projects[0].tasks[0].days[0].decimal_hours, 8);
    assertEquals(iso.total_logged_time, { hours: 24, minutes: 0 });
  });
});

Deno.test("person/get: decimal hours of a half hour", async () => {
  for (const [asString, expected] of [[true, "3.50"], [false, 3.5]] as const) {
    await withSandbox({ today: TODAY, decimalAsString: asString }, async (s) => {
      const body = await detail(s, weekOf(s, "2026-10-19").id);
      const days = body.projects.flatMap((p: Json) => p.tasks.flatMap((t: Json) => t.days));
      const halfHour = days.find((d: Json) => d.hours === 3 && d.minutes === 30);
      assert(halfHour, "a 3 h 30 day in the mixed week");
      assertEquals(halfHour.decimal_hours, expected);
    });
  }
});

Deno.test("person/get: 404 for another person's week and for an unknown id", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const bobs = weekOf(s, "2026-11-23", "bob@other.test");
    const notFound = { status: 404, body: { detail: "Not found." } };
    for (const id of [bobs.id, 1]) {
      const reply = await get(s, `project-logs/person/get/${id}/`);
      assertEquals({ status: reply.status, body: reply.body }, notFound);
    }
    assertEquals((await get(s, `project-logs/person/get/${bobs.id}/`, BOB)).status, 200);
    const bobList = await get(s, "project-logs/person/list/?year=2026", BOB);
    assertEquals(bobList.body.person_week_logs[0].months_log.length, 2);
  });
});

Deno.test("month-list: weeks overlapping the month, across the year boundary", async () => {
  await withSandbox({ today: JANUARY }, async (s) => {
    const jan = await get(s, "project-logs/person/month-list/?year=2026&month=1");
    assertEquals(jan.status, 200);
    assertEquals(jan.body.map((x: Json) => [x.week_starting, x.week_ending, x.year]), [
      ["Mon, Dec 29", "Sun, Jan 04", 2025],
      ["Mon, Jan 05", "Sun, Jan 11", 2026],
      ["Mon, Jan 12", "Sun, Jan 18", 2026],
    ]);
    const dec = await get(s, "project-logs/person/month-list/?year=2025&month=12");
    assertEquals(dec.body.map((x: Json) => x.week_starting), [
      "Mon, Dec 01",
      "Mon, Dec 08",
      "Mon, Dec 22",
      "Mon, Dec 29",
    ]);
    assertEquals(dec.body[1].is_completed, true);
    assertEquals(dec.body[3], {
      id: weekOf(s, "2025-12-29").id,
      week_starting: "Mon, Dec 29",
      week_ending: "Sun, Jan 04",
      year: 2025,
      is_completed: false,
      hours: 24,
      minutes: 0,
    });
    s.erp.dateStyle = "iso";
    const iso = await get(s, "project-logs/person/month-list/?year=2026&month=1");
    assertEquals(iso.body[0].week_ending, "2026-01-04");
  });
});

Deno.test("month-list: a month ending mid-week includes the week that starts in it", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const oct = await get(s, "project-logs/person/month-list/?year=2026&month=10");
    assertEquals(oct.body.map((x: Json) => x.week_starting), [
      "Mon, Sep 28",
      "Mon, Oct 05",
      "Mon, Oct 12",
      "Mon, Oct 19",
      "Mon, Oct 26",
    ]);
  });
});

Deno.test("month-list: wrapped under each monthListKey", async (t) => {
  await withSandbox({ today: JANUARY }, async (s) => {
    const plain = (await get(s, "project-logs/person/month-list/?year=2026&month=1")).body;
    for (const key of ["results", "data", "items", "logs", "month_logs"] as const) {
      await t.step(key, async () => {
        s.erp.monthListKey = key;
        const reply = await get(s, "project-logs/person/month-list/?year=2026&month=1");
        assertEquals(reply.body, { [key]: plain });
      });
    }
  });
  await withSandbox({ today: JANUARY, monthListKey: "data" }, async (s) => {
    const reply = await get(s, "project-logs/person/month-list/?year=2026&month=1");
    assertEquals(Object.keys(reply.body), ["data"]);
  });
});

Deno.test("month-list: invalid parameters answer a field map", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const rows: [string, Json][] = [
      ["?year=2026&month=13", { month: ["Ensure this value is less than or equal to 12."] }],
      ["?year=2026&month=0", { month: ["Ensure this value is greater than or equal to 1."] }],
      ["?year=2026", { month: ["A valid integer is required."] }],
      ["", {
        year: ["A valid integer is required."],
        month: ["A valid integer is required."],
      }],
    ];
    for (const [query, body] of rows) {
      const reply = await get(s, `project-logs/person/month-list/${query}`);
      assertEquals([reply.status, reply.body], [400, body], query);
    }
  });
});

Deno.test("active_project_list and log_labels", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const alice = await get(s, "project-logs/person/active_project_list/");
    assertEquals(alice.body, s.erp.fixtures.teams.map((t) => ({ ...t, is_active: true })));
    const bob = await get(s, "project-logs/person/active_project_list/", BOB);
    assertEquals(bob.body.map((t: Json) => t.id), [42, 45]);
    const labels = await get(s, "project-logs/log_labels/");
    assertEquals(labels.body, [
      { id: 66, name: "General" },
      { id: 34, name: "Coding" },
      { id: 35, name: "Code Review" },
      { id: 37, name: "Meeting" },
      { id: 39, name: "Testing" },
      { id: 40, name: "Debugging" },
      { id: 42, name: "Documentation" },
      { id: 44, name: "R&D" },
      { id: 60, name: "Deployment" },
    ]);
  });
});

// ---- save ----

Deno.test("save: tasks of each sent project are replaced; others untouched", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const before = weekOf(s, "2026-10-19");
    const fetched = await detail(s, before.id);
    const backend = fetched.projects.find((p: Json) => p.team === "Client X / Backend");
    const feature = backend.tasks[0];
    assert(feature.days.length >= 2, "feature work has days");
    const [kept, edited] = feature.days;
    const body = {
      ...fetched,
      projects: [{
        ...backend,
        tasks: [
          {
            id: feature.id,
            description: "Feature work (renamed)",
            days: [{ ...kept }, { ...edited, hours: 4, minutes: 15, label: 40 }, {
              date: "2026-10-25",
              hours: 1,
              minutes: 0,
              label: 42,
            }],
          },
          {
            description: "Pairing",
            days: [{ date: "2026-10-24", hours: 2, minutes: 30, label: 37 }],
          },
          { description: "Planning", days: [] },
        ],
      }],
    };
    const reply = await call(s, "PATCH", savePath(before.id), { body });
    assertEquals(reply.status, 200, JSON.stringify(reply.body));
    assert(reply.body.modified_at > fetched.modified_at, "modified_at moved on");

    const after = weekOf(s, "2026-10-19");
    assertEquals(reply.body, await detail(s, before.id));
    const newBackend = after.projects.find((p) => p.team === "Client X / Backend")!;
    assertEquals(newBackend.tasks.map((t) => t.description), [
      "Feature work (renamed)",
      "Pairing",
      "Planning",
    ]);
    const [featureAfter, pairing, planning] = newBackend.tasks;
    assertEquals(featureAfter.id, feature.id);
    assertEquals(featureAfter.days.map((d) => [d.id, d.hours, d.minutes, d.label]), [
      [kept.id, kept.hours, kept.minutes, kept.label],
      [edited.id, 4, 15, 40],
      [featureAfter.days[2].id, 1, 0, 42],
    ]);
    assertEquals(planning.days, []);
    // Left-out days are gone.
    const oldDayIds = feature.days.slice(2).map((d: Json) => d.id);
    assert(!allIds([after]).some((id) => oldDayIds.includes(id)), "left-out days deleted");
    // New ids are fresh: unused by anyone before.
    const previous = new Set(allIds([
      before,
      ...["2026-10-05", "2026-11-16", "2026-11-23"].map((m) => weekOf(s, m)),
      weekOf(s, "2026-11-23", "bob@other.test"),
    ]));
    for (const id of [featureAfter.days[2].id, pairing.id, pairing.days[0].id, planning.id]) {
      assert(!previous.has(id), `id ${id} is fresh`);
    }
    assertEquals(new Set(allIds([after])).size, allIds([after]).length);
    // Projects not sent are untouched.
    assertEquals(
      after.projects.filter((p) => p.team !== "Client X / Backend"),
      before.projects.filter((p) => p.team !== "Client X / Backend"),
    );
  });
});

Deno.test("save: a body in either date style is accepted", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const id = weekOf(s, s.erp.fixtures.weeks.draft).id;
    for (const style of ["display", "iso"] as const) {
      s.erp.dateStyle = style;
      const fetched = await detail(s, id);
      const reply = await call(s, "PATCH", savePath(id), { body: fetched });
      assertEquals(reply.status, 200, style);
      assertEquals(reply.body.projects, fetched.projects);
    }
  });
});

Deno.test("save: 409 after another writer, and for a missing modified_at", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const id = weekOf(s, s.erp.fixtures.weeks.draft).id;
    const fetched = await detail(s, id);
    s.erp.bumpModifiedAt(id);
    const conflict = {
      detail: "This week log was modified by someone else. Reload and try again.",
    };
    const stale = await call(s, "PATCH", savePath(id), { body: fetched });
    assertEquals([stale.status, stale.body], [409, conflict]);
    const { modified_at: _, ...withoutStamp } = await detail(s, id);
    const missing = await call(s, "PATCH", savePath(id), { body: withoutStamp });
    assertEquals([missing.status, missing.body], [409, conflict]);
    const fresh = await detail(s, id);
    assertEquals((await call(s, "PATCH", savePath(id), { body: fresh })).status, 200);
  });
});

Deno.test("save: modified_at compares as an instant, whatever its offset", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const id = weekOf(s, s.erp.fixtures.weeks.draft).id;
    const fetched = await detail(s, id);
    const shifted = Temporal.Instant.from(fetched.modified_at)
      .toZonedDateTimeISO("+02:00").toString({ timeZoneName: "never" });
    const reply = await call(s, "PATCH", savePath(id), {
      body: { ...fetched, modified_at: shifted },
    });
    assertEquals(reply.status, 200);
  });
});

Deno.test("save and bump: modified_at is strictly later every time", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const monday = s.erp.fixtures.weeks.draft;
    const id = weekOf(s, monday).id;
    const stamps = [weekOf(s, monday).modifiedAt];
    for (let i = 0; i < 5; i++) {
      s.erp.bumpModifiedAt(id);
      stamps.push(weekOf(s, monday).modifiedAt);
    }
    let body = await detail(s, id);
    for (let i = 0; i < 3; i++) {
      body = (await call(s, "PATCH", savePath(id), { body })).body;
      stamps.push(body.modified_at);
    }
    for (let i = 1; i < stamps.length; i++) {
      assert(
        Temporal.Instant.compare(stamps[i], stamps[i - 1]) > 0,
        `${stamps[i]} after ${stamps[i - 1]}`,
      );
    }
  });
});

Deno.test("save: a completed week answers 400 before any conflict", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const id = weekOf(s, s.erp.fixtures.weeks.completed).id;
    const fetched = await detail(s, id);
    s.erp.bumpModifiedAt(id);
    const reply = await call(s, "PATCH", savePath(id), { body: fetched });
    assertEquals([reply.status, reply.body], [400, {
      detail: "Week log is already completed.",
    }]);
  });
});

Deno.test("save: an unknown project answers 400, before field errors", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const id = weekOf(s, s.erp.fixtures.weeks.draft).id;
    const fetched = await detail(s, id);
    const bad = { id: 999, tasks: [{ description: "", days: [] }] };
    const reply = await call(s, "PATCH", savePath(id), {
      body: { ...fetched, projects: [...fetched.projects, bad] },
    });
    assertEquals([reply.status, reply.body], [400, {
      detail: "Unknown project 999 for this week.",
    }]);
    // Another week's project is unknown too.
    const other = weekOf(s, s.erp.fixtures.weeks.current).projects[0].id;
    const reply2 = await call(s, "PATCH", savePath(id), {
      body: { ...fetched, projects: [{ id: other, tasks: [] }] },
    });
    assertEquals(reply2.body, { detail: `Unknown project ${other} for this week.` });
  });
});

Deno.test("save: field errors answer a field map and change nothing", async (t) => {
  await withSandbox({ today: TODAY }, async (s) => {
    const monday = s.erp.fixtures.weeks.draft; // 2026-10-26
    const id = weekOf(s, monday).id;
    const fetched = await detail(s, id);
    const p41 = fetched.projects.find((p: Json) => p.team === "Client X / Backend");
    const p42 = fetched.projects.find((p: Json) => p.team === "Client X / Frontend");
    const day = (over: Json) => ({ date: monday, hours: 1, minutes: 0, label: 34, ...over });
    const withTask = (task: Json, extra: Json[] = []) => ({
      ...fetched,
      projects: [{ ...p41, tasks: [...p41.tasks, task] }, ...extra],
    });
    const rows: [string, Json, Json][] = [
      [
        "date outside the week",
        withTask({ description: "X", days: [day({ date: "2026-11-02" })] }),
        { days: ["2026-11-02 is outside this week."] },
      ],
      [
        "date before the week",
        withTask({ description: "X", days: [day({ date: "2026-10-25" })] }),
        { days: ["2026-10-25 is outside this week."] },
      ],
      [
        "malformed date",
        withTask({ description: "X", days: [day({ date: "26/10/2026" })] }),
        { date: ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."] },
      ],
      [
        "negative hours",
        withTask({ description: "X", days: [day({ hours: -1 })] }),
        { hours: ["Ensure this value is greater than or equal to 0."] },
      ],
      [
        "hours over 24",
        withTask({ description: "X", days: [day({ hours: 25 })] }),
        { hours: ["Ensure this value is less than or equal to 24."] },
      ],
      [
        "fractional hours",
        withTask({ description: "X", days: [day({ hours: 1.5 })] }),
        { hours: ["A valid integer is required."] },
      ],
      [
        "minutes 60",
        withTask({ description: "X", days: [day({ minutes: 60 })] }),
        { minutes: ["Ensure this value is less than or equal to 59."] },
      ],
      [
        "negative minutes",
        withTask({ description: "X", days: [day({ minutes: -5 })] }),
        { minutes: ["Ensure this value is greater than or equal to 0."] },
      ],
      [
        "description over 255 characters",
        withTask({ description: "x".repeat(256), days: [day({})] }),
        { description: ["Ensure this field has no more than 255 characters."] },
      ],
      [
        "blank description",
        withTask({ description: "  ", days: [day({})] }),
        { description: ["This field may not be blank."] },
      ],
      [
        "unknown label",
        withTask({ description: "X", days: [day({ label: 999 })] }),
        { label: ['Invalid pk "999" - object does not exist.'] },
      ],
      [
        "a foreign day id",
        withTask({ description: "X", days: [day({ id: 1 })] }),
        { id: ['Invalid pk "1" - object does not exist.'] },
      ],
      [
        "over 24 h in a day across projects",
        withTask({ description: "Overtime", days: [day({ hours: 10 })] }, [{
          ...p42,
          tasks: [{ description: "More", days: [day({ hours: 6, minutes: 1 })] }],
        }]),
        { non_field_errors: [`Total time on ${monday} exceeds 24 hours.`] },
      ],
      [
        "several errors at once",
        withTask({ description: "x".repeat(300), days: [day({ hours: -2, minutes: 75 })] }),
        {
          description: ["Ensure this field has no more than 255 characters."],
          hours: ["Ensure this value is greater than or equal to 0."],
          minutes: ["Ensure this value is less than or equal to 59."],
        },
      ],
    ];
    for (const [name, body, expected] of rows) {
      await t.step(name, async () => {
        const before = weekOf(s, monday);
        const reply = await call(s, "PATCH", savePath(id), { body });
        assertEquals([reply.status, reply.body], [400, expected]);
        assertEquals(weekOf(s, monday), before, "nothing changed");
      });
    }
    await t.step("exactly 24 h in a day is fine", async () => {
      const body = withTask({ description: "Long day", days: [day({ hours: 16 })] });
      const reply = await call(s, "PATCH", savePath(id), { body });
      assertEquals(reply.status, 200, JSON.stringify(reply.body));
      assertEquals(reply.body.total_logged_time, { hours: 48, minutes: 0 });
    });
  });
});

Deno.test("save is atomic: one bad day in one project, no project changes", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const monday = "2026-10-19";
    const before = weekOf(s, monday);
    const fetched = await detail(s, before.id);
    const [first, second] = fetched.projects.filter((p: Json) => p.tasks.length > 0);
    const body = {
      ...fetched,
      projects: [
        { ...first, tasks: [] }, // valid: would clear the project
        {
          ...second,
          tasks: [{ description: "Bad", days: [{ date: monday, hours: 1, minutes: 0, label: 1 }] }],
        },
      ],
    };
    const reply = await call(s, "PATCH", savePath(before.id), { body });
    assertEquals(reply.status, 400);
    assertEquals(weekOf(s, monday), before);
  });
});

Deno.test("save: 404, 405 and malformed bodies", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const bobs = weekOf(s, "2026-11-23", "bob@other.test");
    const foreign = await call(s, "PATCH", savePath(bobs.id), {
      body: { modified_at: bobs.modifiedAt, projects: [] },
    });
    assertEquals([foreign.status, foreign.body], [404, { detail: "Not found." }]);
    const id = weekOf(s, s.erp.fixtures.weeks.draft).id;
    const wrong = await call(s, "GET", savePath(id));
    assertEquals([wrong.status, wrong.body], [405, { detail: 'Method "GET" not allowed.' }]);
    const post = await call(s, "POST", savePath(id), { body: {} });
    assertEquals([post.status, post.body], [405, { detail: 'Method "POST" not allowed.' }]);
    const junk = await call(s, "PATCH", savePath(id), { raw: "{not json" });
    assertEquals([junk.status, junk.body], [400, { detail: "JSON parse error." }]);
  });
});

// ---- complete ----

Deno.test("complete: draft stays, then completes, then refuses", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const monday = s.erp.fixtures.weeks.draft;
    const id = weekOf(s, monday).id;
    const draft = await call(s, "PATCH", completePath(id), { body: { save_draft: true } });
    assertEquals([draft.status, draft.body.is_completed, draft.body.id], [200, false, id]);
    const missing = await call(s, "PATCH", completePath(id), { body: {} });
    assertEquals([missing.status, missing.body], [400, {
      save_draft: ["This field is required."],
    }]);
    const invalid = await call(s, "PATCH", completePath(id), { body: { save_draft: "maybe" } });
    assertEquals([invalid.status, invalid.body], [400, {
      save_draft: ["Must be a valid boolean."],
    }]);
    const done = await call(s, "PATCH", completePath(id), { body: { save_draft: false } });
    assertEquals([done.status, done.body.is_completed], [200, true]);
    assert(weekOf(s, monday).isCompleted, "stored as completed");
    const again = await call(s, "PATCH", completePath(id), { body: { save_draft: false } });
    assertEquals([again.status, again.body], [400, { detail: "Week log is already completed." }]);
    const save = await call(s, "PATCH", savePath(id), { body: await detail(s, id) });
    assertEquals([save.status, save.body], [400, { detail: "Week log is already completed." }]);
    const bobs = weekOf(s, "2026-11-23", "bob@other.test").id;
    const foreign = await call(s, "PATCH", completePath(bobs), { body: { save_draft: false } });
    assertEquals(foreign.status, 404);
  });
});

// ---- from Slack ----

Deno.test("from-slack: adds days to the matching task, or a new task", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const monday = s.erp.fixtures.weeks.draft;
    const before = weekOf(s, monday);
    const friday = addDays(monday, 4);
    const reply = await call(s, "POST", SLACK, {
      body: {
        email: "alice@example.com",
        logs: [
          {
            date: friday,
            time_spent: "06:30",
            description: "Feature work",
            subteam: 41,
            label_id: 34,
          },
          { date: friday, time_spent: "01:30", description: "Spike", subteam: 44, label_id: 44 },
        ],
      },
    });
    assertEquals([reply.status, reply.body], [201, {
      detail: "Logs created successfully.",
      created: 2,
    }]);
    const after = weekOf(s, monday);
    const feature = after.projects.find((p) => p.team === "Client X / Backend")!.tasks;
    assertEquals(feature.length, 1);
    assertEquals(feature[0].days.length, 5);
    assertEquals(feature[0].days.at(-1)!.date, friday);
    assertEquals([feature[0].days.at(-1)!.hours, feature[0].days.at(-1)!.minutes], [6, 30]);
    const research = after.projects.find((p) => p.team === "Internal / Research")!.tasks;
    assertEquals(research.map((t) => [t.description, t.days.map((d) => [d.date, d.hours])]), [
      ["Spike", [[friday, 1]]],
    ]);
    assertEquals(minutesOf(after), minutesOf(before) + 8 * 60);
    assert(after.modifiedAt > before.modifiedAt, "modified_at moved on");
  });
});

Deno.test("from-slack: refusals are whole-request and change nothing", async (t) => {
  await withSandbox({ today: TODAY }, async (s) => {
    const w = s.erp.fixtures.weeks;
    const ok = {
      date: w.draft,
      time_spent: "01:00",
      description: "Feature work",
      subteam: 41,
      label_id: 34,
    };
    const unauthorized = {
      error: "UNAUTHORIZED_PROJECT_ACCESS",
      detail: "Request unsuccessful. You are not part of the project(s)",
    };
    const rows: [string, string, Json, Json][] = [
      ["a week without a log", ALICE, {
        email: "alice@example.com",
        logs: [ok, { ...ok, date: addDays(w.withoutLog, 2) }],
      }, unauthorized],
      ["a week whose log lacks the project", ALICE, {
        email: "alice@example.com",
        logs: [ok, { ...ok, date: w.missingProject, subteam: w.missingProjectTeamId }],
      }, unauthorized],
      ["an unknown team id", ALICE, {
        email: "alice@example.com",
        logs: [{ ...ok, subteam: 5500 }],
      }, unauthorized],
      ["a team bob is not on", BOB, {
        email: "bob@other.test",
        logs: [{ ...ok, date: w.current, subteam: 41 }],
      }, unauthorized],
      ["another person's email", ALICE, {
        email: "bob@other.test",
        logs: [ok],
      }, { error: "INVALID_EMAIL", detail: "Email does not match the authenticated user." }],
      ["a completed week", ALICE, {
        email: "alice@example.com",
        logs: [ok, { ...ok, date: w.completed }],
      }, { error: "WEEK_COMPLETED", detail: "Week log is already completed." }],
      ["a malformed time", ALICE, {
        email: "alice@example.com",
        logs: [ok, { ...ok, time_spent: "8h" }],
      }, { time_spent: ["Invalid time format. Use HH:MM."] }],
      ["minutes over 59", ALICE, {
        email: "alice@example.com",
        logs: [{ ...ok, time_spent: "01:60" }],
      }, { time_spent: ["Invalid time format. Use HH:MM."] }],
      ["an unknown label", ALICE, {
        email: "alice@example.com",
        logs: [{ ...ok, label_id: 999 }],
      }, { label_id: ['Invalid pk "999" - object does not exist.'] }],
      ["no logs", ALICE, { email: "alice@example.com", logs: [] }, {
        logs: ["This list may not be empty."],
      }],
      ["over 24 h in a day", ALICE, {
        email: "alice@example.com",
        logs: [{ ...ok, time_spent: "17:00" }],
      }, { non_field_errors: [`Total time on ${w.draft} exceeds 24 hours.`] }],
    ];
    for (const [name, token, body, expected] of rows) {
      await t.step(name, async () => {
        const before = [w.draft, w.missingProject, w.completed, w.current].map((m) => weekOf(s, m));
        const reply = await call(s, "POST", SLACK, { token, body });
        assertEquals([reply.status, reply.body], [400, expected]);
        const after = [w.draft, w.missingProject, w.completed, w.current].map((m) => weekOf(s, m));
        assertEquals(after, before, "nothing changed");
        assertEquals(s.erp.weekLog("alice@example.com", w.withoutLog), undefined);
      });
    }
  });
});

Deno.test("from-slack: the email matches case-insensitively", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const reply = await call(s, "POST", SLACK, {
      body: {
        email: "Alice@Example.com",
        logs: [{
          date: s.erp.fixtures.weeks.current,
          time_spent: "00:45",
          description: "Standup",
          subteam: 45,
          label_id: 37,
        }],
      },
    });
    assertEquals([reply.status, reply.body.created], [201, 1]);
  });
});

// ---- routing ----

Deno.test("routing: unknown route 404, wrong method 405, JSON everywhere", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    for (const path of ["nope/", "core/person", "project-logs/person/get/abc/"]) {
      const reply = await get(s, path);
      assertEquals([reply.status, reply.body], [404, { detail: "Not found." }], path);
      assertEquals(reply.headers.get("content-type"), "application/json");
    }
    const wrong = await call(s, "DELETE", "core/person/");
    assertEquals([wrong.status, wrong.body], [405, { detail: 'Method "DELETE" not allowed.' }]);
    const slackJunk = await call(s, "POST", SLACK, { raw: "email=alice" });
    assertEquals([slackJunk.status, slackJunk.body], [400, { detail: "JSON parse error." }]);
  });
});

// ---- faults, latency, recording ----

Deno.test("faults: a canned status and HTML body, then normal answers", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    s.erp.injectFault({
      pathIncludes: "person/list",
      status: 502,
      body: "<html><body>Bad gateway</body></html>",
    });
    const faulted = await get(s, "project-logs/person/list/?year=2026");
    assertEquals(faulted.status, 502);
    assertEquals(faulted.text, "<html><body>Bad gateway</body></html>");
    assertEquals(faulted.headers.get("content-type"), "text/html; charset=utf-8");
    assertEquals((await get(s, "project-logs/person/list/?year=2026")).status, 200);
    assertEquals(s.erp.calls.map((c) => c.status), [502, 200]);

    s.erp.injectFault({ status: 503, contentType: "text/plain", body: "down" });
    const plain = await get(s, "core/person/");
    assertEquals([plain.status, plain.text, plain.headers.get("content-type")], [
      503,
      "down",
      "text/plain",
    ]);
    s.erp.injectFault({ status: 500 });
    const json = await get(s, "core/person/");
    assertEquals([json.status, json.body], [500, { detail: "Injected fault." }]);
  });
});

Deno.test("faults: times, method and path filters", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    s.erp.injectFault({ method: "PATCH", pathIncludes: "/save/", status: 500, times: 2 });
    assertEquals((await get(s, "core/person/")).status, 200);
    const id = weekOf(s, s.erp.fixtures.weeks.draft).id;
    const body = await detail(s, id);
    assertEquals((await call(s, "PATCH", savePath(id), { body })).status, 500);
    assertEquals((await call(s, "PATCH", savePath(id), { body })).status, 500);
    assertEquals((await call(s, "PATCH", savePath(id), { body })).status, 200);
    s.erp.injectFault({ pathIncludes: "year=2025", status: 504 });
    assertEquals((await get(s, "project-logs/person/list/?year=2026")).status, 200);
    assertEquals((await get(s, "project-logs/person/list/?year=2025")).status, 504);
    assertEquals((await get(s, "project-logs/person/list/?year=2025")).status, 200);
  });
});

Deno.test("faults: delayMs alone delays, then answers normally", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    s.erp.injectFault({ pathIncludes: "core/person/", delayMs: 150 });
    const slow = await get(s, "core/person/");
    assertEquals([slow.status, slow.body.id], [200, 17]);
    assert(slow.ms >= 140, `delayed (${slow.ms} ms)`);
    s.erp.injectFault({ delayMs: 100, status: 502, body: "<p>late</p>" });
    const lateFault = await get(s, "core/person/");
    assertEquals(lateFault.status, 502);
    assert(lateFault.ms >= 90, `delayed fault (${lateFault.ms} ms)`);
  });
});

Deno.test("latency: added before every /api/v1/ answer, changeable at run time", async () => {
  await withSandbox({ today: TODAY, latencyMs: 120 }, async (s) => {
    const slow = await get(s, "project-logs/log_labels/");
    assert(slow.ms >= 110, `latency applied (${slow.ms} ms)`);
    const unauthorized = await get(s, "core/person/", null);
    assert(unauthorized.ms >= 110, "even on errors");
    s.erp.latencyMs = 0;
    const fast = await get(s, "project-logs/log_labels/");
    assertEquals(fast.status, 200);
  });
});

Deno.test("close() ends pending delays and shuts down", async () => {
  const s = await serveSandbox({ today: TODAY });
  s.erp.injectFault({ delayMs: 30_000 });
  const started = performance.now();
  const pending = fetch(new URL("core/person/", s.apiBase), {
    headers: { Authorization: `Token ${ALICE}` },
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  await s.close();
  const response = await pending;
  await response.body?.cancel();
  assert(performance.now() - started < 5_000, "close did not wait for the delay");
  await s.close(); // idempotent
});

Deno.test("calls: every /api/v1/ request recorded; onRequest sees it first", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const seen: string[] = [];
    s.erp.onRequest = ({ method, path }) => {
      seen.push(`${method} ${path} (${s.erp.calls.length} recorded)`);
    };
    const id = weekOf(s, s.erp.fixtures.weeks.draft).id;
    await get(s, "project-logs/person/list/?year=2026");
    await get(s, "core/person/", null);
    await call(s, "PATCH", completePath(id), { body: { save_draft: true } });
    await call(s, "GET", "nope/");
    await fetch(`${s.origin}/healthz`).then((r) => r.text());
    assertEquals(s.erp.calls, [
      { method: "GET", path: "project-logs/person/list/", query: "year=2026", status: 200 },
      { method: "GET", path: "core/person/", query: "", status: 401 },
      {
        method: "PATCH",
        path: `project-logs/person/person-week-log/complete/${id}/`,
        query: "",
        status: 200,
        body: { save_draft: true },
      },
      { method: "GET", path: "nope/", query: "", status: 404 },
    ]);
    assertEquals(seen, [
      "GET project-logs/person/list/ (0 recorded)",
      "GET core/person/ (1 recorded)",
      `PATCH project-logs/person/person-week-log/complete/${id}/ (2 recorded)`,
      "GET nope/ (3 recorded)",
    ]);
    s.erp.resetCalls();
    assertEquals(s.erp.calls, []);
  });
});

// ---- sandbox-only routes ----

Deno.test("GET / serves the sign-in page; /sandbox/login signs in", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const page = await fetch(`${s.origin}/`);
    const html = await page.text();
    assertEquals(page.headers.get("content-type"), "text/html; charset=utf-8");
    for (
      const needle of [
        "<form",
        'id="email"',
        'id="password"',
        'id="sign-in"',
        "/sandbox/login",
        "localStorage.token",
        "localStorage.username",
        "Signed in as ",
      ]
    ) {
      assert(html.includes(needle), `page has ${needle}`);
    }
    const login = (body: unknown) =>
      fetch(`${s.origin}/sandbox/login`, { method: "POST", body: JSON.stringify(body) })
        .then(async (r) => [r.status, await r.json()]);
    assertEquals(await login({ email: "alice@example.com", password: "alice-password" }), [200, {
      token: ALICE,
      email: "alice@example.com",
    }]);
    assertEquals(await login({ email: "alice@example.com", password: "wrong" }), [401, {
      detail: "Invalid email or password.",
    }]);
    assertEquals(await fetch(`${s.origin}/healthz`).then(async (r) => [r.status, await r.text()]), [
      200,
      "ok",
    ]);
  });
});

Deno.test("fake Google: bad requests answer a 400 page", async (t) => {
  await withSandbox({ today: TODAY }, async (s) => {
    const rows: [string, string][] = [
      ["no client_id", "redirect_uri=http://127.0.0.1:8765/cb&response_type=token"],
      ["no redirect_uri", "client_id=c&response_type=token"],
      [
        "response_type code",
        "client_id=c&redirect_uri=http://127.0.0.1:8765/cb&response_type=code",
      ],
      ["no response_type", "client_id=c&redirect_uri=http://127.0.0.1:8765/cb"],
    ];
    for (const [name, query] of rows) {
      await t.step(name, async () => {
        const reply = await fetch(`${s.origin}/oauth/google/authorize?${query}`);
        assertEquals(reply.status, 400);
        assertEquals(reply.headers.get("content-type"), "text/html; charset=utf-8");
        await reply.body?.cancel();
      });
    }
  });
});

Deno.test("fake Google: chooser links redirect with the token and the state", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const state = "a b+c/=&é";
    const params = new URLSearchParams({
      client_id: "sandbox-client",
      redirect_uri: "http://127.0.0.1:8765/callback",
      response_type: "token",
      scope: "openid email",
      state,
    });
    const chooser = await fetch(`${s.origin}/oauth/google/authorize?${params}`);
    const html = await chooser.text();
    assertEquals(chooser.status, 200);
    const hrefs: Record<string, string> = {};
    for (const m of html.matchAll(/<a class="account" id="account-(\w+)" href="([^"]+)"/g)) {
      hrefs[m[1]] = m[2].replaceAll("&amp;", "&");
    }
    assertEquals(Object.keys(hrefs), ["alice", "bob", "stranger"]);
    for (
      const [key, token] of [
        ["alice", "google-access-alice"],
        ["bob", "google-access-bob"],
        ["stranger", "google-access-stranger"],
      ]
    ) {
      const redirect = await fetch(new URL(hrefs[key], s.origin), { redirect: "manual" });
      await redirect.body?.cancel();
      assertEquals(redirect.status, 302);
      const location = redirect.headers.get("location")!;
      assert(location.startsWith("http://127.0.0.1:8765/callback#"), location);
      const fragment = new URLSearchParams(location.split("#")[1]);
      assertEquals(Object.fromEntries(fragment), {
        access_token: token,
        token_type: "Bearer",
        expires_in: "3599",
        scope: "openid email",
        state,
      });
    }
  });
});

Deno.test("fake Google: a known login_hint redirects at once", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const params = new URLSearchParams({
      client_id: "c",
      redirect_uri: "http://127.0.0.1:8765/cb",
      response_type: "token",
      state: "s1",
      login_hint: "bob@other.test",
    });
    const reply = await fetch(`${s.origin}/oauth/google/authorize?${params}`, {
      redirect: "manual",
    });
    await reply.body?.cancel();
    assertEquals(reply.status, 302);
    const fragment = new URLSearchParams(reply.headers.get("location")!.split("#")[1]);
    assertEquals([fragment.get("access_token"), fragment.get("state")], [
      "google-access-bob",
      "s1",
    ]);
    params.set("login_hint", "nobody@example.com");
    const chooser = await fetch(`${s.origin}/oauth/google/authorize?${params}`);
    await chooser.body?.cancel();
    assertEquals(chooser.status, 200);
  });
});

Deno.test("pages escape every text they show", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const params = new URLSearchParams({
      client_id: '<script>alert("x")</script>',
      redirect_uri: "http://127.0.0.1:8765/cb",
      response_type: "token",
    });
    const html = await fetch(`${s.origin}/oauth/google/authorize?${params}`).then((r) => r.text());
    assert(!html.includes("<script>alert"), "no raw script");
    assert(html.includes(escapeHtml('<script>alert("x")</script>')), "escaped");
    params.set("response_type", "<b>code</b>");
    const error = await fetch(`${s.origin}/oauth/google/authorize?${params}`).then((r) => r.text());
    assert(!error.includes("<b>code</b>") && error.includes("&lt;b&gt;code&lt;/b&gt;"), "escaped");
    assertEquals(escapeHtml(`a&b<c>"d'`), "a&amp;b&lt;c&gt;&quot;d&#39;");
  });
});

// ---- variants seen from other clients (each off by default) ----

Deno.test("variants are all off by default", async () => {
  await withSandbox({ today: TODAY }, (s) => {
    assertEquals(
      [
        s.erp.omitYear,
        s.erp.listAsJsonString,
        s.erp.saveAnswer,
        s.erp.personWithoutEmail,
        s.erp.slackAccepts,
        s.erp.hugeBodyBytes,
        s.erp.echoAuthorization,
      ],
      [false, false, "week", false, false, undefined, false],
    );
  });
});

Deno.test("omitYear: details and summaries carry no year; ISO day dates stay", async () => {
  await withSandbox({ today: TODAY, omitYear: true }, async (s) => {
    const monday = s.erp.fixtures.weeks.yearBoundary;
    const week = weekOf(s, monday);
    const body = await detail(s, week.id);
    assert(!("year" in body), "no year in the detail");
    assertEquals([body.week_starting, body.week_ending], ["Mon, Dec 29", "Sun, Jan 04"]);
    assertEquals(body.projects[0].tasks[0].days[0].date, "2025-12-29");
    const list = await get(s, "project-logs/person/list/?year=2025");
    const summary = list.body.person_week_logs.flatMap((g: Json) => g.months_log)
      .find((w: Json) => w.id === week.id);
    assert(summary && !("year" in summary), "no year in the summary");
    const month = await get(s, "project-logs/person/month-list/?year=2026&month=1");
    assert(month.body.every((w: Json) => !("year" in w)), "no year in month-list");
  });
});

Deno.test("listAsJsonString: list and month-list answer a JSON string of their usual body", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const plainList = (await get(s, "project-logs/person/list/?year=2026")).body;
    const plainMonth = (await get(s, "project-logs/person/month-list/?year=2026&month=11")).body;
    s.erp.listAsJsonString = true;
    const list = await get(s, "project-logs/person/list/?year=2026");
    const month = await get(s, "project-logs/person/month-list/?year=2026&month=11");
    assertEquals([typeof list.body, typeof month.body], ["string", "string"]);
    assertEquals(JSON.parse(list.body), plainList);
    assertEquals(JSON.parse(month.body), plainMonth);
    // Other answers are unchanged.
    assertEquals(typeof (await get(s, "project-logs/log_labels/")).body, "object");
  });
});

Deno.test("saveAnswer: the save happens, the answer is what the switch says", async (t) => {
  for (
    const [mode, status, body] of [
      ["saved", 200, { saved: true }],
      ["status", 200, { status: "ok" }],
      ["empty", 204, undefined],
    ] as const
  ) {
    await t.step(mode, async () => {
      await withSandbox({ today: TODAY, saveAnswer: mode }, async (s) => {
        const week = weekOf(s, s.erp.fixtures.weeks.draft);
        const sent = await detail(s, week.id);
        sent.projects[0].tasks[0].days[0].hours = 7;
        const reply = await call(s, "PATCH", savePath(week.id), { body: sent });
        assertEquals([reply.status, reply.body], [status, body]);
        if (mode === "empty") assertEquals(reply.text, "");
        assertEquals(weekOf(s, week.monday).projects[0].tasks[0].days[0].hours, 7);
        // A refused save still answers its error.
        const stale = await call(s, "PATCH", savePath(week.id), { body: sent });
        assertEquals(stale.status, 409);
      });
    });
  }
});

Deno.test("personWithoutEmail: core/person answers id and name only", async () => {
  await withSandbox({ today: TODAY, personWithoutEmail: true }, async (s) => {
    const reply = await get(s, "core/person/");
    assertEquals([reply.status, reply.body], [200, { id: 17, name: "Alice Example" }]);
  });
});

Deno.test("slackAccepts: a week without a log is accepted and recorded as sent", async () => {
  await withSandbox({ today: TODAY, slackAccepts: true }, async (s) => {
    const day = s.erp.fixtures.weeks.withoutLog;
    const body = {
      email: "alice@example.com",
      logs: [{ date: day, time_spent: "01:02", description: "Off", subteam: 41, label_id: 37 }],
    };
    const reply = await call(s, "POST", SLACK, { body });
    assertEquals([reply.status, reply.body], [201, {
      detail: "Logs created successfully.",
      created: 1,
    }]);
    assertEquals(s.erp.slackReceived, [{ user: "alice@example.com", body }]);
    assertEquals(s.erp.weekLog("alice@example.com", day), undefined, "no week log is created");
    // Field errors are still refused, and not recorded.
    const bad = await call(s, "POST", SLACK, {
      body: { ...body, logs: [{ ...body.logs[0], time_spent: "1h" }] },
    });
    assertEquals(bad.status, 400);
    assertEquals(s.erp.slackReceived.length, 1);
    // Off again: the same request is refused as before.
    s.erp.slackAccepts = false;
    const refused = await call(s, "POST", SLACK, { body });
    assertEquals(refused.body.error, "UNAUTHORIZED_PROJECT_ACCESS");
  });
});

Deno.test("hugeBodyBytes: project-logs GETs stream a valid JSON list of that size", async () => {
  await withSandbox({ today: TODAY, hugeBodyBytes: 300_000 }, async (s) => {
    const reply = await get(s, "project-logs/person/list/?year=2026");
    assertEquals(reply.status, 200);
    assert(Array.isArray(reply.body), "a JSON list");
    assert(
      reply.text.length > 298_000 && reply.text.length <= 300_000,
      `size ${reply.text.length}`,
    );
    assertEquals(reply.headers.get("content-length"), null);
    // core/ answers are untouched.
    assertEquals((await get(s, "core/person/")).body.id, 17);
  });
});

Deno.test("echoAuthorization: a 400 echoes the Authorization header, other answers do not", async () => {
  await withSandbox({ today: TODAY, echoAuthorization: true }, async (s) => {
    const week = weekOf(s, s.erp.fixtures.weeks.completed);
    const completed = await call(s, "PATCH", savePath(week.id), { body: await detail(s, week.id) });
    assertEquals(completed.status, 400);
    assertEquals(
      completed.body.detail,
      `Week log is already completed. (request headers: Authorization: Token ${ALICE})`,
    );
    const fields = await get(s, "project-logs/person/list/?year=x");
    assertEquals(fields.body, {
      year: ["A valid integer is required."],
      request: [`Authorization: Token ${ALICE}`],
    });
    assert(!(await get(s, "core/person/")).text.includes(ALICE), "a 200 does not echo");
  });
});

Deno.test("addWeekLog: a week far from today, with a project per team and its entries", async () => {
  await withSandbox({ today: TODAY }, async (s) => {
    const id = s.erp.addWeekLog("alice@example.com", "2036-11-24", [
      {
        date: "2036-11-30",
        teamId: 44,
        description: "Far",
        hours: 2,
        minutes: 15,
        label: 44,
      },
    ]);
    const week = weekOf(s, "2036-11-24");
    assertEquals([week.id, week.sunday, week.isCompleted], [id, "2036-11-30", false]);
    assertEquals(week.projects.length, 5);
    const body = await detail(s, id);
    assertEquals([body.week_starting, body.year], ["Mon, Nov 24", 2036]);
    const list = await get(s, "project-logs/person/list/?year=2036");
    assertEquals(list.body.person_week_logs[0].months_log[0].id, id);
    let refused = "";
    try {
      s.erp.addWeekLog("alice@example.com", "2036-11-24");
    } catch (error) {
      refused = String(error);
    }
    assert(refused.includes("already has one"), refused);
  });
});
