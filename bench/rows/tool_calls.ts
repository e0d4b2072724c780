/**
 * Rows 1 and 2: ERP requests and wall time per tool call, ours through a real MCP client (in
 * memory) and the original's request pattern replayed over HTTP, against the same sandbox ERP at
 * 0 ms and 50 ms latency.
 *
 * Every measured call gets a fresh sandbox (seed state, so writes never meet their own earlier
 * runs) and a fresh MCP session that is signed in (token checked, as the original was after
 * authenticate_with_token) but otherwise cold: no teams, labels or week ids cached. These are
 * first-call figures. Beside them, "warm": the same but the session has already listed the
 * projects and labels (get_active_projects, get_log_labels before the clock starts), as a
 * conversation usually has; week ids are still unknown.
 */
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/inMemory"
import { InMemoryTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/inMemory.js";
import { Session } from "../../src/auth/session.ts";
import { loadConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/log.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { buildServer } from "../../src/server.ts";
import { type Stats, stats } from "../lib.ts";
import { OriginalPattern } from "../original_pattern.ts";

/** The sandbox's fixed today: alice's clean weeks are 2026-09-28 … 2026-10-19. */
export const TODAY = Temporal.PlainDate.from("2026-11-25");

const FILL = {
  project_id: 42, // Client X / Frontend, on every seeded week
  description: "Bench fill",
  hours_per_day: 8,
  label_id: 34,
  skip_weekends: true,
  // The original's behaviour (write every day, whatever it holds), so both sides do the same work.
  mode: "every_day",
  include_future: true,
};

/** One tool call, in our arguments and as the original's replay. */
interface Scenario {
  id: string;
  tool: string;
  args: Record<string, unknown>;
  original: (p: OriginalPattern) => Promise<unknown>;
  note?: string;
}

/** The calls of row 1 (and, replayed, row 2). */
export const SCENARIOS: Scenario[] = [
  {
    id: "get_week_logs",
    tool: "get_week_logs",
    args: { week_starting: "2026-10-12" },
    original: (p) => p.weekLogs("2026-10-12"),
  },
  {
    id: "get_day_logs",
    tool: "get_day_logs",
    args: { date: "2026-10-14" },
    original: (p) => p.dayLogs("2026-10-14"),
  },
  {
    id: "get_month_logs",
    tool: "get_month_logs",
    args: { year: 2026, month: 10 },
    original: (p) => p.monthLogs(2026, 10),
    note: "ours returns every entry of 5 weeks; the original returned the month-list summaries",
  },
  {
    id: "get_logs_for_date_range (3 months)",
    tool: "get_logs_for_date_range",
    args: { start_date: "2026-09-01", end_date: "2026-11-30" },
    original: (p) => p.rangeLogs("2026-09-01", "2026-11-30"),
    note: "ours returns every entry of 10 weeks; the original returned 3 month-lists of summaries",
  },
  {
    id: "create_or_update_log",
    tool: "create_or_update_log",
    args: {
      date: "2026-10-16",
      project_name: "Client X / Frontend",
      description: "Bench entry",
      hours: 1.5,
      label_id: 34,
    },
    original: (p) =>
      p.createOrUpdate({
        date: "2026-10-16",
        project_name: "Client X / Frontend",
        description: "Bench entry",
        hours: 1.5,
        label_id: 34,
      }),
  },
  fill("fill_logs_for_days (1 week)", "2026-10-05", "2026-10-11"),
  fill("fill_logs_for_days (4 weeks)", "2026-09-28", "2026-10-25"),
  {
    ...fill("fill_logs_for_days (62 days)", "2026-09-28", "2026-11-28"),
    note: "the range holds a completed week and a week without a log: 10 days fail on both sides",
  },
  {
    id: "complete_week_log",
    tool: "complete_week_log",
    args: { week_starting: "2026-10-26" },
    original: (p) => p.complete("2026-10-26"),
  },
];

function fill(id: string, start: string, end: string): Scenario {
  const args = { start_date: start, end_date: end, ...FILL };
  return { id, tool: "fill_logs_for_days", args, original: (p) => p.fill(args) };
}

/** One side's figures for a scenario at one latency. */
export interface Side {
  requests: Stats;
  wallMs: Stats;
  /** What the call reported (ours: isError and counts; the original: failed requests). */
  outcome: string;
}

/** A scenario at one latency, both sides and the ratios (original ÷ ours). */
export interface CallRow {
  scenario: string;
  latencyMs: number;
  /** Cold session (signed in, nothing cached). */
  ours: Side;
  /** Projects and labels already cached in the session. */
  oursWarm: Side;
  original: Side;
  /** Original ÷ ours (cold); `requestsWarm` against the warm session. */
  ratio: { requests: number; wall: number; requestsWarm: number; wallWarm: number };
  note?: string;
}

/** A fresh sandbox, a signed-in cold session and an in-memory MCP client. */
async function ours(latencyMs: number) {
  const sb = await serveSandbox({ today: TODAY, latencyMs });
  const { alice } = sb.erp.fixtures.users;
  const env: Record<string, string> = {
    ERP_API_BASE_URL: sb.apiBase,
    ERP_API_TOKEN: alice.token,
    MCP_AUTHORIZED_USERS: alice.email,
    MCP_TIMEZONE: "UTC",
    MCP_NO_CONFIRM: "true",
  };
  const config = loadConfig([], {
    getEnv: (n) => env[n],
    readFile: () => undefined,
    defaultAllowlistPath: "authorized_users.json",
    defaultTimeZone: "UTC",
  });
  const session = new Session({ config });
  session.presetToken(alice.token, "environment");
  await session.require(); // signed in before the clock starts, like the original
  const server = buildServer({ config, session, log: silentLogger });
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "bench", version: "1" });
  await Promise.all([server.connect(b), client.connect(a)]);
  return {
    sb,
    client,
    async close() {
      await client.close();
      await server.close();
      await sb.close();
    },
  };
}

/** Describes an MCP result briefly: error flag and the fill counts when present. */
function describe(r: Record<string, unknown>): string {
  const d = r.structuredContent as Record<string, unknown> | undefined;
  const counts = d && "written" in d
    ? ` written ${d.written}, skipped ${d.skipped}, failed ${d.failed}`
    : "";
  return `${r.isError ? "isError" : "ok"}${counts}`;
}

async function runOurs(s: Scenario, latencyMs: number, warm: boolean) {
  const h = await ours(latencyMs);
  try {
    if (warm) {
      await h.client.callTool({ name: "get_active_projects", arguments: {} });
      await h.client.callTool({ name: "get_log_labels", arguments: {} });
    }
    const before = h.sb.erp.calls.length;
    const t0 = performance.now();
    const r = await h.client.callTool({ name: s.tool, arguments: s.args });
    const ms = performance.now() - t0;
    return { requests: h.sb.erp.calls.length - before, ms, outcome: describe(r) };
  } finally {
    await h.close();
  }
}

async function runOriginal(s: Scenario, latencyMs: number) {
  const sb = await serveSandbox({ today: TODAY, latencyMs });
  try {
    const { alice } = sb.erp.fixtures.users;
    const p = new OriginalPattern(sb.apiBase, alice.token, alice.email, sb.erp.fixtures.teams);
    const t0 = performance.now();
    const r = await p.measure(s.original);
    const ms = performance.now() - t0;
    return {
      requests: r.requests,
      ms,
      outcome: r.failed ? `${r.failed} requests failed` : "ok",
    };
  } finally {
    await sb.close();
  }
}

async function repeat(
  runs: number,
  once: (latencyMs: number) => Promise<{ requests: number; ms: number; outcome: string }>,
  latencyMs: number,
): Promise<Side> {
  await once(0); // warm-up (JIT), not counted; at 0 ms so it costs no sleeping
  const req: number[] = [];
  const ms: number[] = [];
  const outcomes = new Set<string>();
  for (let i = 0; i < runs; i++) {
    const r = await once(latencyMs);
    req.push(r.requests);
    ms.push(r.ms);
    outcomes.add(r.outcome);
  }
  return { requests: stats(req), wallMs: stats(ms), outcome: [...outcomes].join(" / ") };
}

/** Measures every scenario at each latency, `runs[latency]` times per side. */
export async function toolCallRows(
  latencies: { latencyMs: number; runs: number }[],
  progress: (line: string) => void,
): Promise<CallRow[]> {
  const rows: CallRow[] = [];
  for (const { latencyMs, runs } of latencies) {
    for (const s of SCENARIOS) {
      const o = await repeat(runs, (l) => runOurs(s, l, false), latencyMs);
      const w = await repeat(runs, (l) => runOurs(s, l, true), latencyMs);
      const orig = await repeat(runs, (l) => runOriginal(s, l), latencyMs);
      const ratio = (a: number, b: number) => Math.round((a / b) * 10) / 10;
      const row: CallRow = {
        scenario: s.id,
        latencyMs,
        ours: o,
        oursWarm: w,
        original: orig,
        ratio: {
          requests: ratio(orig.requests.median, o.requests.median),
          wall: ratio(orig.wallMs.median, o.wallMs.median),
          requestsWarm: ratio(orig.requests.median, w.requests.median),
          wallWarm: ratio(orig.wallMs.median, w.wallMs.median),
        },
        ...(s.note ? { note: s.note } : {}),
      };
      rows.push(row);
      progress(
        `${s.id} @${latencyMs} ms: ours ${o.requests.median} req ${o.wallMs.median} ms (warm ${w.requests.median} req), original ${orig.requests.median} req ${orig.wallMs.median} ms`,
      );
    }
  }
  return rows;
}
