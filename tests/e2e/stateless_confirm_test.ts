/**
 * Confirmation tokens in hosted header mode (stateless: a client sends its ERP token on every
 * request, so no server remembers anything between calls). The token is signed, not stored: it
 * must still expire after 5 minutes by the server's clock, stay bound to the tool, the arguments
 * and the person, and refuse a forged expiry. Checked against the sandbox's stored records.
 */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp"
import { StreamableHTTPClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp.js";
import { loadConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/log.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { serveHttp } from "../../src/transports/http.ts";
import { TODAY } from "../helpers.ts";

const NOON = Temporal.Instant.from("2026-11-25T12:00:00Z");
const TTL = { minutes: 5 };

type Sandbox = Awaited<ReturnType<typeof serveSandbox>>;
type Call = (
  name: string,
  args: Record<string, unknown>,
  // deno-lint-ignore no-explicit-any
) => Promise<{ isError: boolean; text: string; data: any }>;

/** A hosted server with a movable clock; `as(user)` is a stateless client sending that token. */
async function hosted(
  fn: (ctx: {
    sb: Sandbox;
    as: (user: "alice" | "bob") => Promise<Call>;
    setNow: (t: Temporal.Instant) => void;
  }) => Promise<void>,
): Promise<void> {
  const sb = await serveSandbox({ today: TODAY });
  let now = NOON;
  const vars: Record<string, string> = {
    ERP_API_BASE_URL: sb.apiBase,
    MCP_AUTHORIZED_USERS: "alice@example.com,bob@other.test",
    MCP_TIMEZONE: "UTC",
  };
  const config = loadConfig([], {
    getEnv: (n) => vars[n],
    readFile: () => undefined,
    defaultAllowlistPath: "x",
    defaultTimeZone: "UTC",
    now: () => now,
  });
  const http = await serveHttp({ config, log: silentLogger, hostname: "127.0.0.1", port: 0 });
  const clients: Client[] = [];
  try {
    await fn({
      sb,
      setNow: (t) => now = t,
      as: async (user) => {
        const client = new Client({ name: "stateless-confirm-test", version: "1" });
        clients.push(client);
        await client.connect(
          new StreamableHTTPClientTransport(new URL("/mcp", http.url), {
            requestInit: {
              headers: { Authorization: `Token ${sb.erp.fixtures.users[user].token}` },
            },
          }),
        );
        await client.listTools(); // the SDK then checks results against the output schemas
        return async (name, args) => {
          const r = await client.callTool({ name, arguments: args });
          const text = (r.content as { text: string }[])[0]?.text ?? "";
          return { isError: r.isError === true, text, data: r.structuredContent };
        };
      },
    });
  } finally {
    for (const c of clients) await c.close();
    await http.close();
    await sb.close();
  }
}

const isCompleted = (sb: Sandbox, monday: string) =>
  sb.erp.weekLog("alice@example.com", monday)!.isCompleted;

Deno.test("stateless confirm: a token refused once 5 minutes have passed, accepted just before", async () => {
  await hosted(async ({ sb, as, setNow }) => {
    const call = await as("alice");
    const { draft } = sb.erp.fixtures.weeks;
    const ask = await call("complete_week_log", { week_starting: draft });
    assert.equal(ask.data.status, "needs_confirmation", ask.text);
    const token = ask.data.confirmation_token as string;
    assert.equal(ask.data.expires_at, NOON.add(TTL).toString({ smallestUnit: "millisecond" }));

    // Exactly 5 minutes later: expired (by the server's clock), and nothing submitted.
    setNow(NOON.add(TTL));
    const late = await call("complete_week_log", {
      week_starting: draft,
      confirmation_token: token,
    });
    assert.equal(late.isError, true, late.text);
    assert.match(late.text, /Refused: the confirmation_token expired \(tokens last 5 minutes\)/);
    assert.equal(isCompleted(sb, draft), false);

    // One millisecond before: the same token goes through (so the refusal was about time).
    setNow(NOON.add(TTL).subtract({ milliseconds: 1 }));
    const ok = await call("complete_week_log", { week_starting: draft, confirmation_token: token });
    assert.equal(ok.isError, false, ok.text);
    assert.equal(ok.data.status, "submitted", ok.text);
    assert.equal(isCompleted(sb, draft), true);
  });
});

Deno.test("stateless confirm: a token with a forged later expiry is refused", async () => {
  await hosted(async ({ sb, as, setNow }) => {
    const call = await as("alice");
    const { draft } = sb.erp.fixtures.weeks;
    const ask = await call("complete_week_log", { week_starting: draft });
    const token = ask.data.confirmation_token as string;
    const [, mac] = token.split(".");
    const later = NOON.add({ hours: 1 }).epochMilliseconds.toString(36);
    setNow(NOON.add({ minutes: 30 }));
    const r = await call("complete_week_log", {
      week_starting: draft,
      confirmation_token: `${later}.${mac}`,
    });
    assert.equal(r.isError, true, r.text);
    assert.match(r.text, /Refused: the confirmation_token does not match this call/);
    assert.equal(isCompleted(sb, draft), false);
  });
});

Deno.test("stateless confirm: a token is bound to the tool, the arguments and the person", async () => {
  await hosted(async ({ sb, as }) => {
    const alice = await as("alice");
    const { draft, current } = sb.erp.fixtures.weeks;
    // Both alice and bob have a week log for the current week: the same call, another person.
    const ask = await alice("complete_week_log", { week_starting: current });
    const token = ask.data.confirmation_token as string;
    const entry = sb.erp.weekLog("alice@example.com", draft)!.projects[0].tasks[0].days[0];

    const refusals: [string, Call, string, Record<string, unknown>][] = [
      ["other arguments", alice, "complete_week_log", { week_starting: draft }],
      ["other tool", alice, "delete_log", { entry_id: entry.id, date: entry.date }],
      ["other person", await as("bob"), "complete_week_log", { week_starting: current }],
    ];
    for (const [why, call, tool, args] of refusals) {
      const r = await call(tool, { ...args, confirmation_token: token });
      assert.equal(r.isError, true, `${why}: ${r.text}`);
      assert.match(r.text, /does not match this call/, why);
      assert.ok(!r.text.includes(token), "the token is never echoed");
    }
    // Nothing changed in the ERP.
    assert.equal(isCompleted(sb, draft), false);
    assert.equal(isCompleted(sb, current), false);
    assert.equal(sb.erp.weekLog("bob@other.test", current)!.isCompleted, false);
    const still = sb.erp.weekLog("alice@example.com", draft)!.projects[0].tasks[0].days[0];
    assert.deepEqual(still, entry);
  });
});
