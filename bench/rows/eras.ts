/**
 * Rows 7–8 (both protocol eras): start-up to the first answered `server/discover` (2026-07-28)
 * beside start-up to the `initialize` answer (2025-11-25), and the per-call overhead of a cached
 * read in each era over stdio (main.ts spawned with its narrow flags, the client over bench's
 * ChildTransport, so the v2 client probes in place: one process) and over stateless HTTP
 * (`main.ts --http`; 2025: the SDK 1.32.2 client sending `Authorization: Token …` on every
 * request, no session; 2026: the v2 client pinned to 2026-07-28 with the same header). Hosted
 * throughput per era is row 6 (rows/hosted.ts), which has a 2026-07-28 mode.
 */
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client as Client2025 } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp"
import { StreamableHTTPClientTransport as Http2025 } from "npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp.js";
import {
  Client as Client2026,
  StreamableHTTPClientTransport as Http2026,
} from "@modelcontextprotocol/client";
import { permissionFlags } from "../../src/permissions.ts";
import type { ServedSandbox } from "../../src/sandbox/erp.ts";
import {
  childEnv,
  ChildTransport,
  msToFirstAnswer,
  quantile,
  round,
  spawnDeno,
  type Stats,
  stats,
  stopChild,
  tailOf,
} from "../lib.ts";
import { spawnHosted } from "./hosted_child.ts";

/** A protocol revision as the rows name it. */
export type EraName = "2025-11-25" | "2026-07-28";

/** Row 7: spawn → first answer, per era. */
export interface EraStartupRow {
  era: EraName;
  /** The first request: `initialize` or `server/discover`. */
  request: string;
  ms?: Stats;
  skipped?: string;
}

/** Row 8: sequential cached reads, per era and transport. */
export interface EraCallRow {
  era: EraName;
  transport: "stdio" | "stateless HTTP";
  tool: string;
  calls: number;
  ms?: { median: number; p99: number; min: number; max: number };
  skipped?: string;
}

const TOOL = "get_log_labels";
const CLIENT_INFO = { name: "bench", version: "1" };

/** The first request of each era, as a client writes it on stdio. */
const FIRST: Record<EraName, { method: string; line: string }> = {
  "2025-11-25": {
    method: "initialize",
    line: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: CLIENT_INFO },
    }) + "\n",
  },
  "2026-07-28": {
    method: "server/discover",
    line: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "server/discover",
      params: {
        _meta: {
          "io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
          "io.modelcontextprotocol/clientCapabilities": {},
        },
      },
    }) + "\n",
  },
};

/** Row 7: both eras' first answers, `samples` each, round-robin after one warm start each. */
export async function eraStartupRows(apiBase: string, samples: number): Promise<EraStartupRow[]> {
  const args = ["run", ...permissionFlags({ erpBaseUrl: apiBase }), "main.ts"];
  const env = childEnv({
    ERP_API_BASE_URL: apiBase,
    MCP_AUTHORIZED_USERS: "alice@example.com",
    MCP_TIMEZONE: "UTC",
  });
  const eras = Object.keys(FIRST) as EraName[];
  const rows = new Map<EraName, EraStartupRow & { samples: number[] }>(
    eras.map((era) => [era, { era, request: FIRST[era].method, samples: [] }]),
  );
  for (const era of eras) {
    await msToFirstAnswer(args, env, FIRST[era].line).catch((e) => {
      rows.get(era)!.skipped = `not measured: ${(e as Error).message}`;
    });
  }
  for (let i = 0; i < samples; i++) {
    for (const era of eras) {
      const row = rows.get(era)!;
      if (!row.skipped) row.samples.push(await msToFirstAnswer(args, env, FIRST[era].line));
    }
  }
  return [...rows.values()].map(({ samples: s, ...row }) =>
    row.skipped ? row : { ...row, ms: stats(s) }
  );
}

/** A connected client of either SDK line: one call, and closing. */
interface Caller {
  call(): Promise<void>;
  close(): Promise<void>;
}

function callerOf(client: Client2025 | Client2026, close: () => Promise<void>): Caller {
  return {
    async call() {
      const r = await client.callTool({ name: TOOL, arguments: {} });
      if (r.isError) throw new Error(`${TOOL} failed: ${JSON.stringify(r.content)}`);
    },
    close,
  };
}

/** `calls` sequential calls after one warm-up; the timing row. */
async function timeCalls(caller: Caller, calls: number) {
  await caller.call();
  const ms: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await caller.call();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return {
    median: round(quantile(ms, 0.5), 3),
    p99: round(quantile(ms, 0.99), 3),
    min: round(ms[0], 3),
    max: round(ms.at(-1)!, 3),
  };
}

/** main.ts over stdio, signed in as alice, with a client of `era`. */
async function stdioCaller(sb: ServedSandbox, era: EraName): Promise<Caller> {
  const { alice } = sb.erp.fixtures.users;
  const child = spawnDeno(
    ["run", ...permissionFlags({ erpBaseUrl: sb.apiBase }), "main.ts"],
    childEnv({
      ERP_API_BASE_URL: sb.apiBase,
      ERP_API_TOKEN: alice.token,
      MCP_AUTHORIZED_USERS: alice.email,
      MCP_TIMEZONE: "UTC",
    }),
  );
  const stderr = tailOf(child.stderr);
  const transport = new ChildTransport(child);
  const client = era === "2025-11-25"
    ? new Client2025(CLIENT_INFO)
    : new Client2026(CLIENT_INFO, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
  try {
    await client.connect(transport as never);
  } catch (error) {
    await stopChild(child);
    throw new Error(`main.ts did not start: ${String(error)} ${stderr()}`);
  }
  return callerOf(client, async () => {
    await client.close();
    await stopChild(child);
  });
}

/** A client of `era` on a running `main.ts --http`, sending alice's token on every request. */
async function httpCaller(url: string, token: string, era: EraName): Promise<Caller> {
  const init = { requestInit: { headers: { Authorization: `Token ${token}` } } };
  const mcp = new URL("/mcp", url);
  if (era === "2025-11-25") {
    const client = new Client2025(CLIENT_INFO);
    await client.connect(new Http2025(mcp, init));
    return callerOf(client, () => client.close());
  }
  const client = new Client2026(CLIENT_INFO, {
    versionNegotiation: { mode: { pin: "2026-07-28" } },
  });
  await client.connect(new Http2026(mcp, init));
  return callerOf(client, () => client.close());
}

/** Row 8: per-call overhead in each era over stdio and stateless HTTP. */
export async function eraCallRows(sb: ServedSandbox, calls: number): Promise<EraCallRow[]> {
  const eras: EraName[] = ["2025-11-25", "2026-07-28"];
  const rows: EraCallRow[] = [];
  const measure = async (
    era: EraName,
    transport: EraCallRow["transport"],
    open: () => Promise<Caller>,
  ) => {
    const row: EraCallRow = { era, transport, tool: TOOL, calls };
    try {
      const caller = await open();
      try {
        row.ms = await timeCalls(caller, calls);
      } finally {
        await caller.close().catch(() => {});
      }
    } catch (error) {
      row.skipped = `not measured: ${String((error as Error).message).slice(0, 300)}`;
    }
    rows.push(row);
  };
  for (const era of eras) await measure(era, "stdio", () => stdioCaller(sb, era));
  const { alice } = sb.erp.fixtures.users;
  const hosted = await spawnHosted(sb, alice.email);
  try {
    for (const era of eras) {
      await measure(era, "stateless HTTP", () => httpCaller(hosted.url, alice.token, era));
    }
  } finally {
    await hosted.stop();
  }
  return rows;
}
