/**
 * Row 6 (hosted mode): `main.ts --http` spawned with its narrow flags (hosted_child.ts), N SDK
 * Clients over StreamableHTTPClientTransport, each making M sequential calls of a cached read, all
 * clients at once. Two modes, each with a fresh server process:
 * - sessions: each client opens an MCP session and signs in once with authenticate_with_token;
 * - stateless header: each request carries `Authorization: Token …` and no Mcp-Session-Id, so the
 *   server builds a server per request and answers in JSON;
 * - 2026-07-28: the v2 client pinned to that revision with the same header (stateless by the
 *   protocol: a server per request, the person from the header).
 * Sign-in and one warm-up call per client are not timed. Everything is bounded: start-up 20 s,
 * connecting 30 s, the timed phase 60 s (then aborted, with the reason in the row).
 */
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp"
import { StreamableHTTPClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp.js";
import {
  Client as Client2026,
  StreamableHTTPClientTransport as Http2026,
} from "@modelcontextprotocol/client";
import { type ServedSandbox, serveSandbox } from "../../src/sandbox/erp.ts";
import { quantile, residentMb, round } from "../lib.ts";
import { type HostedChild, spawnHosted } from "./hosted_child.ts";
import { TODAY } from "./tool_calls.ts";

/** Row 6's figures, or why they are missing. */
export interface HostedRow {
  mode: "sessions" | "stateless header" | "2026-07-28";
  clients: number;
  callsPerClient: number;
  /** The tool every call makes. */
  tool?: string;
  /** Completed calls per second over the concurrent phase. */
  throughputPerS?: number;
  p50Ms?: number;
  p99Ms?: number;
  /** The concurrent phase's wall time, seconds. */
  phaseS?: number;
  /** ERP requests the server made per timed call. */
  erpRequestsPerCall?: number;
  /** The server's VmRSS in MB after start (before any client). */
  rssAfterStartMb?: number;
  /** The server's VmRSS in MB after the phase (clients still connected). */
  rssMb?: number;
  /** The server's peak VmRSS (VmHWM) in MB after the phase. */
  peakRssMb?: number;
  /** The server's exit code after SIGTERM. */
  exitCode?: number;
  skipped?: string;
}

/** How many clients and calls (50 × 100 in a full run). */
export interface HostedSettings {
  clients: number;
  callsPerClient: number;
  /** The modes to run (default all three). */
  modes?: HostedRow["mode"][];
  /** The timed phase's bound (default 60 s): past it the phase is aborted and the row says so. */
  phaseLimitMs?: number;
}

const TOOL = "get_log_labels";
const SETUP_LIMIT_MS = 30_000;
const PHASE_LIMIT_MS = 60_000;
const settle = () => new Promise((r) => setTimeout(r, 200));

/** Rejects with `what` when `p` takes longer than `ms`. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A connected client of either SDK line: one timed call of TOOL, and closing. */
interface Conn {
  call(options: { signal: AbortSignal; timeout: number }): Promise<Record<string, unknown>>;
  close(): Promise<void>;
  /** The 2025 client's transport (sessions are ended with DELETE). */
  transport?: StreamableHTTPClientTransport;
}

/** One client, signed in as `token`'s owner: by a session sign-in, or by the header. */
async function openClient(url: string, mode: HostedRow["mode"], token: string): Promise<Conn> {
  if (mode === "2026-07-28") {
    const client = new Client2026({ name: "bench-hosted", version: "1" }, {
      versionNegotiation: { mode: { pin: "2026-07-28" } },
    });
    await client.connect(
      new Http2026(new URL("/mcp", url), {
        requestInit: { headers: { Authorization: `Token ${token}` } },
      }),
    );
    const warm = await client.callTool({ name: TOOL, arguments: {} });
    if (warm.isError) throw new Error(`warm-up ${TOOL} failed: ${JSON.stringify(warm.content)}`);
    return {
      call: (options) => client.callTool({ name: TOOL, arguments: {} }, options),
      close: () => client.close(),
    };
  }
  const headers: Record<string, string> = mode === "stateless header"
    ? { Authorization: `Token ${token}` }
    : {};
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", url), {
    requestInit: { headers },
  });
  const client = new Client({ name: "bench-hosted", version: "1" });
  await client.connect(transport);
  if (mode === "sessions") {
    const r = await client.callTool({ name: "authenticate_with_token", arguments: { token } });
    if (r.isError) throw new Error("authenticate_with_token failed");
  }
  const warm = await client.callTool({ name: TOOL, arguments: {} });
  if (warm.isError) throw new Error(`warm-up ${TOOL} failed: ${JSON.stringify(warm.content)}`);
  return {
    call: (options) => client.callTool({ name: TOOL, arguments: {} }, undefined, options),
    close: () => client.close(),
    transport,
  };
}

/** Closes a client; a session is ended on the server too (DELETE). Never throws. */
async function closeClient(c: Conn, mode: HostedRow["mode"]): Promise<void> {
  if (mode === "sessions") await c.transport?.terminateSession().catch(() => {});
  await c.close().catch(() => {});
}

/** All clients at once, `calls` sequential calls each; latencies, or the reason it stopped. */
async function phase(conns: Conn[], calls: number, limitMs: number) {
  const stop = new AbortController();
  const timer = setTimeout(
    () => stop.abort(new Error(`phase aborted after ${limitMs / 1000} s`)),
    limitMs,
  );
  const ms: number[] = [];
  const t0 = performance.now();
  await Promise.allSettled(conns.map(async (conn) => {
    try {
      for (let i = 0; i < calls && !stop.signal.aborted; i++) {
        const s = performance.now();
        const r = await conn.call({ signal: stop.signal, timeout: limitMs });
        if (r.isError) throw new Error(`${TOOL} failed: ${JSON.stringify(r.content)}`);
        ms.push(performance.now() - s);
      }
    } catch (error) {
      if (!stop.signal.aborted) stop.abort(error);
    }
  }));
  clearTimeout(timer);
  const wallMs = performance.now() - t0;
  const reason = stop.signal.aborted
    ? String(stop.signal.reason?.message ?? stop.signal.reason)
    : "";
  return { ms: ms.sort((a, b) => a - b), wallMs, reason };
}

/** One mode against a fresh `main.ts --http`. */
async function measureHosted(
  sb: ServedSandbox,
  mode: HostedRow["mode"],
  s: HostedSettings,
): Promise<HostedRow> {
  const row: HostedRow = { mode, clients: s.clients, callsPerClient: s.callsPerClient, tool: TOOL };
  const { alice } = sb.erp.fixtures.users;
  const child: HostedChild = await spawnHosted(sb, alice.email);
  const conns: Conn[] = [];
  try {
    await settle();
    const start = await residentMb(child.pid);
    row.rssAfterStartMb = start?.rss;
    await within(
      Promise.all(
        Array.from({ length: s.clients }, async () => {
          conns.push(await openClient(child.url, mode, alice.token));
        }),
      ),
      SETUP_LIMIT_MS,
      `connecting ${s.clients} clients`,
    );
    const before = sb.erp.calls.length;
    const { ms, wallMs, reason } = await phase(
      conns,
      s.callsPerClient,
      s.phaseLimitMs ?? PHASE_LIMIT_MS,
    );
    const erpRequests = sb.erp.calls.length - before;
    await settle();
    const after = await residentMb(child.pid);
    row.rssMb = after?.rss;
    row.peakRssMb = after?.peak;
    if (reason) {
      row.skipped = `not measured: ${reason} (${ms.length} of ${
        s.clients * s.callsPerClient
      } calls done)`;
      return row;
    }
    row.throughputPerS = Math.round(ms.length / (wallMs / 1000));
    row.p50Ms = round(quantile(ms, 0.5));
    row.p99Ms = round(quantile(ms, 0.99));
    row.phaseS = round(wallMs / 1000);
    row.erpRequestsPerCall = round(erpRequests / ms.length);
    return row;
  } finally {
    await within(Promise.all(conns.map((c) => closeClient(c, mode))), 10_000, "closing clients")
      .catch(() => {});
    row.exitCode = await child.stop();
  }
}

/** Row 6: both hosted modes, each against its own server process; a skip says why. */
export async function hostedRows(
  s: HostedSettings,
  say: (line: string) => void = () => {},
): Promise<HostedRow[]> {
  const modes: HostedRow["mode"][] = s.modes ?? ["sessions", "stateless header", "2026-07-28"];
  const sb = await serveSandbox({ today: TODAY });
  const rows: HostedRow[] = [];
  try {
    for (const mode of modes) {
      say(`hosted mode (${mode}): ${s.clients} clients × ${s.callsPerClient} calls`);
      rows.push(
        await measureHosted(sb, mode, s).catch((e) => ({
          mode,
          clients: s.clients,
          callsPerClient: s.callsPerClient,
          skipped: `not measured: ${String(e?.message ?? e).slice(0, 300)}`,
        })),
      );
    }
  } finally {
    await sb.close();
  }
  return rows;
}
