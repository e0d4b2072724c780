/**
 * Closing the HTTP request cancels the tool call, on every path of /mcp: a stateless
 * header-token POST (JSON answer) and a session POST answered in JSON or as an event stream.
 * A long fill_logs_for_days is cut off while its first save is at the ERP; the save in flight
 * finishes and no later week is written. Checked against the sandbox's stored records.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config.ts";
import type { Logger } from "../../src/log.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { serveHttp } from "../../src/transports/http.ts";
import { TODAY } from "../helpers.ts";
import { INIT } from "./hosted_helpers.ts";

type Sandbox = Awaited<ReturnType<typeof serveSandbox>>;

const plus = (date: string, days: number) => Temporal.PlainDate.from(date).add({ days }).toString();

/** Minutes stored per date in alice's week of `monday`, from the sandbox's records. */
function stored(sb: Sandbox, monday: string): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < 7; i++) out.set(plus(monday, i), 0);
  for (const p of sb.erp.weekLog("alice@example.com", monday)?.projects ?? []) {
    for (const t of p.tasks) {
      for (const d of t.days) out.set(d.date, (out.get(d.date) ?? 0) + d.hours * 60 + d.minutes);
    }
  }
  return out;
}

/** Resolves when `ok()` holds (checked on every log line and every 20 ms), or after `ms`. */
function within(ok: () => boolean, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const end = Date.now() + ms;
    const tick = () => {
      if (ok()) resolve(true);
      else if (Date.now() > end) resolve(false);
      else setTimeout(tick, 20);
    };
    tick();
  });
}

type Mode = "stateless JSON" | "session JSON" | "session event stream";

async function cancelMidFill(mode: Mode): Promise<void> {
  const sb = await serveSandbox({ today: TODAY });
  const lines: string[] = [];
  const log: Logger = {
    info: (m) => lines.push(m),
    warn: (m) => lines.push(m),
    error: (m) => lines.push(m),
  };
  const vars: Record<string, string> = {
    ERP_API_BASE_URL: sb.apiBase,
    MCP_AUTHORIZED_USERS: "alice@example.com",
    MCP_TIMEZONE: "UTC",
    MCP_NO_CONFIRM: "true",
  };
  const config = loadConfig([], {
    getEnv: (n) => vars[n],
    readFile: () => undefined,
    defaultAllowlistPath: "x",
    defaultTimeZone: "UTC",
    now: () => Temporal.Instant.from(`${TODAY}T12:00:00Z`),
  });
  const http = await serveHttp({ config, log, hostname: "127.0.0.1", port: 0 });
  const url = new URL("/mcp", http.url);
  const token = sb.erp.fixtures.users.alice.token;
  try {
    const sse = mode === "session event stream";
    const headers: Record<string, string> = {
      "Content-Type": "application/json",
      Accept: sse ? "application/json, text/event-stream" : "application/json",
    };
    if (mode === "stateless JSON") headers.Authorization = `Token ${token}`;
    else {
      const init = await fetch(url, { method: "POST", headers, body: INIT });
      assert.equal(init.status, 200);
      headers["Mcp-Session-Id"] = init.headers.get("mcp-session-id")!;
      headers["MCP-Protocol-Version"] = "2025-06-18";
      await init.body?.cancel();
      const note = await fetch(url, {
        method: "POST",
        headers,
        body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
      });
      assert.equal(note.status, 202);
      await note.body?.cancel();
      const signIn = await fetch(url, {
        method: "POST",
        headers,
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 2,
          method: "tools/call",
          params: { name: "authenticate_with_token", arguments: { token } },
        }),
      });
      assert.match(await signIn.text(), /alice@example\.com/);
    }

    const start = plus(sb.erp.fixtures.weeks.draft, -21); // four seeded weeks, each with gaps
    const mondays = [0, 1, 2, 3].map((w) => plus(start, 7 * w));
    const before = mondays.map((m) => stored(sb, m));
    const empty = [...before[0]].filter(([d, min]) =>
      min === 0 && Temporal.PlainDate.from(d).dayOfWeek <= 5
    );
    assert.ok(empty.length > 0, "the first week has an empty weekday");

    sb.erp.latencyMs = 150;
    const client = new AbortController();
    const cancelled = () => lines.some((l) => /^cancelled 1 request\(s\)/.test(l));
    let writes = 0;
    sb.erp.onRequest = async ({ method }) => {
      if (method === "GET") return;
      writes++;
      if (writes > 1) return;
      // The client goes away while the first save is on its way to the ERP; the save is held
      // until the server has seen that (a 10 s guard: without the fix it never does).
      client.abort();
      await within(cancelled, 10_000);
    };
    const call = fetch(url, {
      method: "POST",
      headers,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 3,
        method: "tools/call",
        params: {
          name: "fill_logs_for_days",
          arguments: {
            start_date: start,
            end_date: plus(start, 27),
            project_id: 42,
            description: "Sprint work",
          },
        },
      }),
      signal: client.signal,
    }).then((res) => res.text());
    await assert.rejects(call);

    // The save in flight finishes; the fill stops before the next week (which, uncancelled,
    // starts as soon as that save is answered).
    const saved = await within(() => sb.erp.calls.some((c) => c.method !== "GET"), 20_000);
    assert.ok(saved, "the save in flight was answered");
    await within(() => writes > 1, 2_000);
    sb.erp.latencyMs = 0;

    const saves = sb.erp.calls.filter((c) => c.method !== "GET");
    assert.equal(saves.length, 1, `only the save already sent was made (${mode})`);
    assert.ok(!saves[0].aborted && saves[0].status === 200, "and it was finished, not abandoned");
    assert.equal(writes, 1, "no later save was sent");
    const after = stored(sb, mondays[0]);
    for (const [date] of empty) assert.equal(after.get(date), 8 * 60, `${date} written`);
    for (const w of [1, 2, 3]) {
      assert.deepEqual(stored(sb, mondays[w]), before[w], `week of ${mondays[w]} untouched`);
    }
    assert.ok(cancelled(), `the server saw the client go: ${lines.join(" | ")}`);
  } finally {
    await http.close();
    await sb.close();
  }
}

for (const mode of ["stateless JSON", "session JSON", "session event stream"] as const) {
  Deno.test(`http cancel: closing a ${mode} request stops a fill after the save in flight`, async () => {
    await cancelMidFill(mode);
  });
}
