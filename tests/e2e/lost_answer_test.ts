/**
 * A save whose answer is lost: a real HTTP proxy sits between the server and the sandbox ERP and
 * answers a save with a 502 — either after forwarding it (the ERP saved) or without (the ERP never
 * saw it). Every write tool re-reads the week and must report the one right outcome, checked
 * against the sandbox's stored records; when the re-read fails too, the outcome is "unknown",
 * never "Done".
 */
import assert from "node:assert/strict";
import type { WeekLogRecord } from "../../src/sandbox/erp.ts";
import { type Harness, harness, type HarnessOptions, type Result } from "../helpers.ts";

const NOW = () => Temporal.Instant.from("2026-11-25T12:00:00Z");
const ALICE = "alice@example.com";
const BAD_GATEWAY = "<html>bad gateway</html>";

/** What the proxy does to the next save (PATCH save/ or POST from-slack). */
type Loss = "after-saving" | "before-saving";

/** A proxy in front of the sandbox ERP that can lose the answer of the next save. */
interface LossyProxy {
  apiBase: string;
  /** Loses the answer to the next save; with `rereadFails`, the week reads after it fail too. */
  loseNextSave(loss: Loss, rereadFails?: boolean): void;
  /** Saves the ERP accepted (200) through the proxy, whether or not their answer got back. */
  readonly forwardedSaves: number;
  close(): Promise<void>;
}

function serveLossyProxy(upstreamOrigin: () => string): LossyProxy {
  let next: { loss: Loss; rereadFails: boolean } | undefined;
  let failingReads = 0;
  let forwardedSaves = 0;
  const forward = async (req: Request, url: URL): Promise<Response> => {
    const headers = new Headers();
    for (const k of ["authorization", "content-type", "accept"]) {
      const v = req.headers.get(k);
      if (v !== null) headers.set(k, v);
    }
    const body = req.method === "GET" ? undefined : await req.arrayBuffer();
    const res = await fetch(upstreamOrigin() + url.pathname + url.search, {
      method: req.method,
      headers,
      body,
      redirect: "manual",
    });
    return new Response(await res.arrayBuffer(), {
      status: res.status,
      headers: { "content-type": res.headers.get("content-type") ?? "application/json" },
    });
  };
  const gateway = (status: number) =>
    new Response(BAD_GATEWAY, { status, headers: { "content-type": "text/html" } });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const isSave = (req.method === "PATCH" && url.pathname.includes("/save/")) ||
      (req.method === "POST" && url.pathname.includes("from-slack"));
    if (isSave) {
      const lose = next;
      next = undefined;
      if (!lose) {
        forwardedSaves++;
        return await forward(req, url);
      }
      if (lose.loss === "after-saving") {
        // Counted only when the ERP accepted it: a test expecting a save checks this count.
        if ((await forward(req, url)).status === 200) forwardedSaves++;
      } else {
        await req.arrayBuffer();
      }
      if (lose.rereadFails) failingReads = 10;
      return gateway(502);
    }
    if (req.method === "GET" && url.pathname.includes("/get/") && failingReads > 0) {
      failingReads--;
      return gateway(503);
    }
    return await forward(req, url);
  });
  return {
    apiBase: `http://127.0.0.1:${server.addr.port}/api/v1/`,
    loseNextSave(loss, rereadFails = false) {
      next = { loss, rereadFails };
    },
    get forwardedSaves() {
      return forwardedSaves;
    },
    close: () => server.shutdown(),
  };
}

/** A harness whose server reaches the sandbox through a lossy proxy; always closes both. */
async function withProxy(
  opts: HarnessOptions,
  fn: (h: Harness, proxy: LossyProxy) => Promise<void>,
): Promise<void> {
  let upstream = "";
  const proxy = serveLossyProxy(() => upstream);
  try {
    const h = await harness({ ...opts, env: { ...opts.env, ERP_API_BASE_URL: proxy.apiBase } });
    upstream = h.origin;
    try {
      await fn(h, proxy);
    } finally {
      await h.close();
    }
  } finally {
    await proxy.close();
  }
}

type Flat = { description: string; date: string; minutes: number };

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

const addDays = (iso: string, n: number) =>
  Temporal.PlainDate.from(iso).add({ days: n }).toString();

const entryIdOn = (h: Harness, monday: string, date: string): number =>
  h.erp.weekLog(ALICE, monday)!.projects.flatMap((p) => p.tasks).flatMap((t) => t.days)
    .find((d) => d.date === date)!.id;

/** A write tool whose save answer gets lost; what it changes, from the seed. */
interface Case {
  tool: string;
  /** The week written (ISO Monday). */
  monday: (h: Harness) => string;
  args: (h: Harness, monday: string) => Record<string, unknown>;
  /** The stored entries after the tool's edit is saved, from the entries before. */
  edited: (before: Flat[], monday: string) => Flat[];
  /** The result when the re-read shows the edit stored (the ERP saved; the answer was lost). */
  saysStored: (r: Result) => void;
  /** The result when the re-read shows the edit not stored (the ERP never got the save). */
  saysNotStored: (r: Result) => void;
  /** The result when the re-read fails too. */
  saysUnknown: (r: Result) => void;
}

const entryCase = (
  tool: string,
  args: Case["args"],
  edited: Case["edited"],
  stored: RegExp,
  notStored: RegExp,
): Case => ({
  tool,
  monday: (h) => h.erp.fixtures.weeks.draft,
  args,
  edited,
  saysStored: (r) => {
    assert.equal(r.isError, true, r.text);
    assert.match(r.text, /did not confirm the save/);
    assert.match(r.text, stored);
    assert.doesNotMatch(r.text, notStored);
  },
  saysNotStored: (r) => {
    assert.equal(r.isError, true, r.text);
    assert.match(r.text, /did not confirm the save/);
    assert.match(r.text, notStored);
    assert.doesNotMatch(r.text, stored);
  },
  saysUnknown: (r) => {
    assert.equal(r.isError, true, r.text);
    assert.match(r.text, /did not confirm the save.*what is stored is unknown/);
    assert.doesNotMatch(r.text, stored);
    assert.doesNotMatch(r.text, notStored);
  },
});

/** A bulk tool: every planned day is reported per day. */
const bulkCase = (
  tool: string,
  monday: Case["monday"],
  args: Case["args"],
  edited: Case["edited"],
  days: number,
): Case => {
  const perDay = (r: Result, status: string, reason: RegExp) => {
    const written = r.data.days.filter((d: { status: string }) => d.status !== "skipped");
    assert.equal(written.length, days, r.text);
    for (const d of written) {
      assert.equal(d.status, status, r.text);
      assert.match(d.reason ?? "", reason);
    }
    assert.doesNotMatch(r.text, /<html>/);
  };
  return {
    tool,
    monday,
    args,
    edited,
    saysStored: (r) => {
      assert.equal(r.isError, false, r.text);
      assert.equal(r.data.written, days);
      perDay(r, "written", /confirmed by re-reading after a lost answer/);
    },
    saysNotStored: (r) => {
      assert.equal(r.isError, true, r.text);
      assert.equal(r.data.written, 0);
      assert.equal(r.data.failed, days);
      perDay(r, "failed", /the save was not confirmed and the (day|entry) is not stored/);
    },
    saysUnknown: (r) => {
      assert.equal(r.isError, true, r.text);
      assert.match(r.text, /^Not confirmed/);
      assert.equal(r.data.written, 0);
      assert.equal(r.data.unknown, days);
      perDay(r, "unknown", /what is stored is unknown/);
    },
  };
};

const CASES: Case[] = [
  entryCase(
    "create_or_update_log",
    (_h, monday) => ({
      date: addDays(monday, 4),
      project_id: 42,
      description: "Sprint work",
      hours: 1.5,
    }),
    (before, monday) => [...before, {
      description: "Sprint work",
      date: addDays(monday, 4),
      minutes: 90,
    }],
    /the entry IS stored \(1 h 30 min on /,
    /the entry is NOT stored/,
  ),
  entryCase(
    "update_log",
    (h, monday) => ({ entry_id: entryIdOn(h, monday, monday), date: monday, hours: 6 }),
    (before, monday) => before.map((e) => e.date === monday ? { ...e, minutes: 360 } : e),
    /the entry now reads: .* · 6 h/,
    /the entry now reads: .* · 8 h/,
  ),
  entryCase(
    "delete_log",
    (h, monday) => ({
      entry_id: entryIdOn(h, monday, addDays(monday, 3)),
      date: addDays(monday, 3),
    }),
    (before, monday) => before.filter((e) => e.date !== addDays(monday, 3)),
    /the entry is deleted/,
    /the entry is still there/,
  ),
  bulkCase(
    "fill_logs_for_days",
    (h) => h.erp.fixtures.weeks.draft,
    (_h, monday) => ({
      start_date: monday,
      end_date: addDays(monday, 4),
      project_id: 42,
      description: "Sprint work",
      hours_per_day: 1,
      mode: "every_day",
    }),
    (before, monday) => [
      ...before,
      ...[0, 1, 2, 3, 4].map((i) => ({
        description: "Sprint work",
        date: addDays(monday, i),
        minutes: 60,
      })),
    ],
    5,
  ),
  bulkCase(
    "copy_week",
    // The draft (Mon–Thu 8 h "Feature work") into the current week (Mon, Tue already there).
    (h) => h.erp.fixtures.weeks.current,
    (h, monday) => ({ from_week: h.erp.fixtures.weeks.draft, to_week: monday }),
    (before, monday) => [
      ...before,
      ...[2, 3].map((i) => ({
        description: "Feature work",
        date: addDays(monday, i),
        minutes: 480,
      })),
    ],
    2,
  ),
];

const sorted = (list: Flat[]) =>
  [...list].sort((a, b) =>
    `${a.date}|${a.description}|${a.minutes}`.localeCompare(
      `${b.date}|${b.description}|${b.minutes}`,
    )
  );

const OPTS: HarnessOptions = { now: NOW, env: { MCP_NO_CONFIRM: "true" } };

for (const c of CASES) {
  Deno.test(`${c.tool}: the ERP saved but the answer was lost: the re-read says stored, and it is`, async () => {
    await withProxy(OPTS, async (h, proxy) => {
      const monday = c.monday(h);
      const args = c.args(h, monday);
      const before = flat(h.erp.weekLog(ALICE, monday));
      proxy.loseNextSave("after-saving");
      const r = await h.call(c.tool, args);
      assert.equal(proxy.forwardedSaves, 1);
      assert.deepEqual(
        sorted(flat(h.erp.weekLog(ALICE, monday))),
        sorted(c.edited(before, monday)),
      );
      c.saysStored(r);
    });
  });

  Deno.test(`${c.tool}: the ERP never got the save: the re-read says not stored, and it is not`, async () => {
    await withProxy(OPTS, async (h, proxy) => {
      const monday = c.monday(h);
      const args = c.args(h, monday);
      const before = flat(h.erp.weekLog(ALICE, monday));
      proxy.loseNextSave("before-saving");
      const r = await h.call(c.tool, args);
      assert.equal(proxy.forwardedSaves, 0);
      assert.deepEqual(sorted(flat(h.erp.weekLog(ALICE, monday))), sorted(before));
      c.saysNotStored(r);
    });
  });

  Deno.test(`${c.tool}: a lost answer and a failed re-read is unknown, never done`, async () => {
    await withProxy(OPTS, async (h, proxy) => {
      const monday = c.monday(h);
      const args = c.args(h, monday);
      proxy.loseNextSave("after-saving", true);
      const r = await h.call(c.tool, args);
      c.saysUnknown(r);
    });
  });
}

Deno.test("fill_logs_for_days: a lost answer from the Slack endpoint marks the days unknown", async () => {
  await withProxy(OPTS, async (h, proxy) => {
    const { withoutLog } = h.erp.fixtures.weeks;
    // The Slack endpoint adds without a re-readable week: whether it saved, nobody can tell.
    proxy.loseNextSave("before-saving");
    const r = await h.call("fill_logs_for_days", {
      start_date: withoutLog,
      end_date: withoutLog,
      project_id: 42,
      description: "Sprint work",
      hours_per_day: 1,
      mode: "every_day",
    });
    assert.equal(r.isError, true);
    assert.equal(r.data.unknown, 1);
    assert.equal(r.data.days[0].status, "unknown");
    assert.match(r.data.days[0].reason, /may or may not be stored/);
    assert.doesNotMatch(r.text, /<html>/);
  });
});

Deno.test("fill_logs_for_days: after a lost answer, a label-only change not stored is not reported written", async () => {
  await withProxy(OPTS, async (h, proxy) => {
    const { draft } = h.erp.fixtures.weeks; // Monday: "Feature work" 8 h, Coding
    const labelBefore = h.erp.weekLog(ALICE, draft)!.projects.flatMap((p) => p.tasks)
      .flatMap((t) => t.days).find((d) => d.date === draft)!.label;
    proxy.loseNextSave("before-saving");
    const r = await h.call("fill_logs_for_days", {
      start_date: draft,
      end_date: draft,
      project_id: 41,
      description: "Feature work",
      hours_per_day: 8,
      mode: "every_day",
      label_name: "Meeting",
    });
    assert.equal(r.isError, true, r.text);
    assert.equal(r.data.days[0].status, "failed");
    assert.equal(r.data.written, 0);
    const labelAfter = h.erp.weekLog(ALICE, draft)!.projects.flatMap((p) => p.tasks)
      .flatMap((t) => t.days).find((d) => d.date === draft)!.label;
    assert.equal(labelAfter, labelBefore, "the label is unchanged in the ERP");
  });
});
