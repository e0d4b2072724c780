/**
 * Rows 4 and 5: main.ts spawned with its narrow flags, driven by the SDK's Client over stdio
 * (bench's ChildTransport: a clean environment and the child's pid for /proc).
 */
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
import { permissionFlags } from "../../src/permissions.ts";
import type { ServedSandbox } from "../../src/sandbox/erp.ts";
import {
  childEnv,
  ChildTransport,
  quantile,
  residentMb,
  round,
  spawnDeno,
  stopChild,
  tailOf,
} from "../lib.ts";

/** Row 4's figures. */
export interface MemoryRow {
  /** `default` or the V8 flags the server ran with. */
  variant: string;
  calls: number;
  /** MB resident after the initialize answer. */
  afterStart?: { rss: number; peak: number };
  /** MB resident after `calls` tool calls. */
  afterCalls?: { rss: number; peak: number };
  /** MB resident after 3 × `calls`: flat from afterCalls means bounded, rising means retained. */
  afterTriple?: { rss: number; peak: number };
  /** afterCalls.rss ÷ afterStart.rss. */
  growth?: number;
  mix: string[];
  skipped?: string;
}

/** Row 5's figures. */
export interface ProtocolRow {
  tool: string;
  calls: number;
  ms?: { median: number; p99: number; min: number; max: number };
  skipped?: string;
}

/** main.ts over stdio, signed in as alice, and an SDK client connected to it. */
async function spawnServer(sb: ServedSandbox, v8Flags?: string) {
  const { alice } = sb.erp.fixtures.users;
  const v8 = v8Flags ? [`--v8-flags=${v8Flags}`] : [];
  const child = spawnDeno(
    ["run", ...v8, ...permissionFlags({ erpBaseUrl: sb.apiBase }), "main.ts"],
    childEnv({
      ERP_API_BASE_URL: sb.apiBase,
      ERP_API_TOKEN: alice.token,
      MCP_AUTHORIZED_USERS: alice.email,
      MCP_TIMEZONE: "UTC",
    }),
  );
  const stderr = tailOf(child.stderr);
  const transport = new ChildTransport(child);
  const client = new Client({ name: "bench", version: "1" });
  try {
    await client.connect(transport);
  } catch (error) {
    await stopChild(child);
    throw new Error(`main.ts did not start: ${String(error)} ${stderr()}`);
  }
  return {
    pid: transport.pid,
    client,
    async call(name: string, args: Record<string, unknown> = {}) {
      const r = await client.callTool({ name, arguments: args });
      if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content)}`);
    },
    async close() {
      await client.close();
      await stopChild(child);
    },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 200));

/** The calls of row 4, in rotation: every read tool, each on its own week or month. */
const MIX: [string, Record<string, unknown>][] = [
  ["get_log_labels", {}],
  ["get_active_projects", {}],
  ["get_week_logs", { week_starting: "2026-10-12" }],
  ["get_day_logs", { date: "2026-10-14" }],
  ["get_month_logs", { year: 2026, month: 10 }],
  ["get_logs_for_date_range", { start_date: "2026-10-01", end_date: "2026-10-31" }],
  ["check_person_week_project_exists", { date: "2026-10-14", project_id: 42 }],
];

/**
 * Row 4: resident memory after start and after `calls` tool calls of the read mix, with V8's
 * default heap sizing, or with `v8Flags` (e.g. a capped old space, which shows whether growth is
 * retained memory or garbage V8 has not yet collected).
 */
export async function memoryRow(
  sb: ServedSandbox,
  calls: number,
  v8Flags?: string,
): Promise<MemoryRow> {
  const mix = MIX.map(([n]) => n);
  const variant = v8Flags ?? "default";
  if (Deno.build.os !== "linux") {
    return { variant, calls, mix, skipped: "not measured: needs Linux /proc" };
  }
  const s = await spawnServer(sb, v8Flags);
  try {
    await settle();
    const afterStart = await residentMb(s.pid);
    for (let i = 0; i < calls; i++) await s.call(...MIX[i % MIX.length]);
    await settle();
    const afterCalls = await residentMb(s.pid);
    for (let i = calls; i < 3 * calls; i++) await s.call(...MIX[i % MIX.length]);
    await settle();
    const afterTriple = await residentMb(s.pid);
    if (!afterStart || !afterCalls) {
      return { variant, calls, mix, skipped: "not measured: /proc unreadable" };
    }
    const growth = round(afterCalls.rss / afterStart.rss);
    return { variant, calls, mix, afterStart, afterCalls, afterTriple, growth };
  } finally {
    await s.close();
  }
}

/** Row 5: `calls` sequential calls of a cached read over stdio; median and p99 in ms. */
export async function protocolRow(sb: ServedSandbox, calls: number): Promise<ProtocolRow> {
  const tool = "get_log_labels";
  const s = await spawnServer(sb);
  try {
    for (let i = 0; i < 50; i++) await s.call(tool); // warm-up: labels cached, code compiled
    const ms: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      await s.call(tool);
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    return {
      tool,
      calls,
      ms: {
        median: round(quantile(ms, 0.5), 3),
        p99: round(quantile(ms, 0.99), 3),
        min: round(ms[0], 3),
        max: round(ms.at(-1)!, 3),
      },
    };
  } finally {
    await s.close();
  }
}
