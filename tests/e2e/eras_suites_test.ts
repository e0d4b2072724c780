/**
 * The harness in the 2026-07-28 era (what `HARNESS_ERA=2026` runs every suite through), the
 * pinned `tools/list` order in both eras, and the 2026-07-28 cache hints as a real v2 client
 * uses them: lists and the projects/labels resources are served from its cache, week data
 * never is.
 */
import assert from "node:assert/strict";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { createMcpHandler } from "@modelcontextprotocol/server";
import { Session } from "../../src/auth/session.ts";
import { loadConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/log.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { buildServer } from "../../src/server.ts";
import { type Era, type HarnessOptions, TODAY, withHarness } from "../helpers.ts";

/**
 * The order clients see, pinned: sign-in first, then reads, then writes (what a model reads top
 * down). Changing it is a visible change to every host that shows the list.
 */
const TOOL_ORDER = [
  "authenticate_with_token",
  "authenticate_with_google",
  "whoami",
  "sign_out",
  "authenticate_via_browser",
  "authenticate_via_erp_browser",
  "get_week_logs",
  "get_day_logs",
  "get_logs_for_date_range",
  "get_month_logs",
  "get_active_projects",
  "get_log_labels",
  "check_person_week_project_exists",
  "get_missing_days",
  "get_timesheet_summary",
  "create_or_update_log",
  "update_log",
  "delete_log",
  "complete_week_log",
  "fill_logs_for_days",
  "copy_week",
];

for (const transport of ["http", "hosted", "stdio"] as const) {
  Deno.test(`eras: the harness's 2026-07-28 client over ${transport} negotiates the revision and reads as alice`, async () => {
    await withHarness({ era: "2026", transport }, async (h) => {
      assert.equal(h.era, "2026");
      const modern = h.client as unknown as Client;
      assert.equal(modern.getProtocolEra(), "modern");
      assert.equal(modern.getNegotiatedProtocolVersion(), "2026-07-28");
      const who = await h.call("whoami");
      assert.equal(who.isError, false, who.text);
      assert.equal(who.data.email, h.erp.fixtures.users.alice.email);
      if (transport === "http") assert.ok(h.session, "in-process: the harness's own session");
      else assert.throws(() => h.session, /no session object/);
    });
  });
}

Deno.test("eras: the harness's 2026 client answers input_required forms through the suites' v1-style elicitation handler", async () => {
  const { ElicitRequestSchema } = await import("npm:@modelcontextprotocol/sdk@1.32.2/types.js");
  await withHarness({ era: "2026", clientCapabilities: { elicitation: {} } }, async (h) => {
    const shown: string[] = [];
    h.client.setRequestHandler(ElicitRequestSchema, (req) => {
      shown.push(String((req.params as { message?: string }).message));
      return { action: "accept", content: { confirm: true } } as never;
    });
    const { draft } = h.erp.fixtures.weeks;
    const r = await h.call("complete_week_log", { week_starting: draft });
    assert.equal(r.data.status, "submitted", r.text);
    assert.equal(shown.length, 1);
    assert.equal(h.erp.weekLog("alice@example.com", draft)!.isCompleted, true);
  });
});

const ORDER_CASES: [Era, HarnessOptions["transport"]][] = [
  ["2025", "http"],
  ["2026", "http"],
  ["2025", "stdio"],
  ["2026", "stdio"],
];
for (const [era, transport] of ORDER_CASES) {
  Deno.test(`eras: tools/list order is the pinned one and the same on every listing (${era}, ${transport})`, async () => {
    await withHarness({ era, transport }, async (h) => {
      // A 2026 client would answer the second listing from its cache: ask the server each time.
      const names = async () =>
        (await h.client.listTools(undefined, { cacheMode: "refresh" } as never)).tools
          .map((t) => t.name);
      assert.deepEqual(await names(), TOOL_ORDER);
      assert.deepEqual(await names(), TOOL_ORDER, "the second listing is the same");
    });
  });
}

/**
 * A real 2026-07-28 client against one server factory behind real HTTP on 127.0.0.1, counting
 * the requests that reach the server by their `Mcp-Method` header.
 */
async function countingServer() {
  const sb = await serveSandbox({ today: TODAY });
  const { alice } = sb.erp.fixtures.users;
  const env: Record<string, string> = {
    ERP_API_BASE_URL: sb.apiBase,
    MCP_AUTHORIZED_USERS: alice.email,
    ERP_API_TOKEN: alice.token,
  };
  const config = loadConfig([], {
    getEnv: (n) => env[n],
    readFile: () => undefined,
    defaultAllowlistPath: "authorized_users.json",
    defaultTimeZone: "UTC",
  });
  const session = new Session({ config });
  session.presetToken(alice.token, "environment");
  const handler = createMcpHandler(
    () => buildServer({ config, session, log: silentLogger, askSecret: "test" }),
    { legacy: "reject" },
  );
  const reached: string[] = [];
  const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    reached.push(req.headers.get("mcp-method") ?? "?");
    return handler.fetch(req);
  });
  const client = new Client({ name: "cache-test", version: "1" }, {
    versionNegotiation: { mode: { pin: "2026-07-28" } },
  });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${http.addr.port}/mcp`)),
  );
  return {
    client,
    /** How many requests of `method` reached the server during `fn`. */
    async reaching(method: string, fn: () => Promise<unknown>): Promise<number> {
      const before = reached.filter((m) => m === method).length;
      await fn();
      return reached.filter((m) => m === method).length - before;
    },
    async close() {
      await client.close();
      await handler.close();
      await http.shutdown();
      await sb.close();
    },
  };
}

Deno.test("eras: 2026-07-28 cache hints: lists and projects/labels are served from the client's cache, week data never", async () => {
  const s = await countingServer();
  try {
    const tools = await s.client.listTools();
    assert.equal(tools.ttlMs, 3_600_000);
    assert.equal(tools.cacheScope, "public");
    assert.equal(
      await s.reaching("tools/list", () => s.client.listTools()),
      0,
      "tools/list cached",
    );
    const prompts = await s.client.listPrompts();
    assert.equal(prompts.ttlMs, 3_600_000);
    assert.equal(await s.reaching("prompts/list", () => s.client.listPrompts()), 0);
    const resources = await s.client.listResources();
    assert.equal(resources.ttlMs, 300_000, "the week list moves on Mondays: five minutes");
    assert.equal(await s.reaching("resources/list", () => s.client.listResources()), 0);
    const templates = await s.client.listResourceTemplates();
    assert.equal(templates.ttlMs, 3_600_000);
    for (const uri of ["project-logs://projects", "project-logs://labels"]) {
      const first = await s.client.readResource({ uri });
      assert.equal(first.ttlMs, 300_000, uri);
      assert.equal(first.cacheScope, "private", `${uri}: the person's own, never shared`);
      assert.equal(await s.reaching("resources/read", () => s.client.readResource({ uri })), 0);
    }
    const week = "project-logs://week/last-week";
    const first = await s.client.readResource({ uri: week });
    assert.equal(first.ttlMs, 0, "week data is immediately stale");
    assert.equal(
      await s.reaching("resources/read", async () => {
        await s.client.readResource({ uri: week });
        await s.client.readResource({ uri: week });
      }),
      2,
      "every week read reaches the server",
    );
  } finally {
    await s.close();
  }
});

Deno.test("eras: a 2025 client gets no cache fields on lists or resource reads", async () => {
  await withHarness({ era: "2025" }, async (h) => {
    const tools = await h.client.listTools() as Record<string, unknown>;
    assert.equal(tools.ttlMs, undefined);
    const projects = await h.client.readResource({ uri: "project-logs://projects" });
    assert.equal((projects as Record<string, unknown>).ttlMs, undefined);
    const week = await h.client.readResource({ uri: "project-logs://week/last-week" });
    assert.equal((week as Record<string, unknown>).cacheScope, undefined);
  });
});
