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
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import {
  denoEnv,
  type Era,
  type HarnessOptions,
  InPlaceStdioClientTransport,
  ROOT,
  TODAY,
  withHarness,
} from "../helpers.ts";

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
    // Private: the list depends on the grant (read-only) and on the client (MCP Apps).
    assert.equal(tools.ttlMs, 300_000);
    assert.equal(tools.cacheScope, "private");
    assert.equal(
      await s.reaching("tools/list", () => s.client.listTools()),
      0,
      "tools/list cached",
    );
    const prompts = await s.client.listPrompts();
    assert.equal(prompts.ttlMs, 300_000);
    assert.equal(prompts.cacheScope, "private");
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

for (const era of ["2025", "2026"] as const) {
  Deno.test(`eras: over stdio a cancelled fill finishes the save in flight and a log message tells the ${era} client`, async () => {
    await withHarness({ era, transport: "stdio", env: { MCP_NO_CONFIRM: "true" } }, async (h) => {
      const start = Temporal.PlainDate.from(h.erp.fixtures.weeks.draft).subtract({ days: 21 });
      const messages: { level: string; data: { message: string } }[] = [];
      const told = Promise.withResolvers<void>();
      const { LoggingMessageNotificationSchema } = await import(
        "npm:@modelcontextprotocol/sdk@1.32.2/types.js"
      );
      h.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
        messages.push(n.params as never);
        told.resolve();
      });
      await h.call("whoami");
      h.erp.latencyMs = 150;
      const controller = new AbortController();
      h.erp.onRequest = ({ method }) => {
        if (method === "PATCH" && !controller.signal.aborted) controller.abort();
      };
      await assert.rejects(h.client.callTool(
        {
          name: "fill_logs_for_days",
          arguments: {
            start_date: start.toString(),
            end_date: start.add({ days: 27 }).toString(),
            project_id: 42,
            description: "Sprint work",
          },
        },
        undefined,
        { signal: controller.signal },
      ));
      let guard: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        told.promise,
        new Promise((_, reject) => {
          guard = setTimeout(() => reject(new Error("no log message within the wait")), 20_000);
        }),
      ]).finally(() => clearTimeout(guard));
      h.erp.latencyMs = 0;
      assert.equal(messages[0].level, "warning");
      assert.match(messages[0].data.message, /^Cancelled by the client/);
      const saves = h.erp.calls.filter((c) => c.method !== "GET");
      assert.equal(saves.length, 1, "only the save already sent was made");
    });
  });
}

Deno.test("eras: a 2026-07-28 request's envelope logLevel decides which log messages it gets (stdio)", async () => {
  await withHarness(
    { era: "2026", transport: "stdio", env: { MCP_NO_CONFIRM: "true" } },
    async (h) => {
      const { LOG_LEVEL_META_KEY } = await import("@modelcontextprotocol/client");
      const { LoggingMessageNotificationSchema } = await import(
        "npm:@modelcontextprotocol/sdk@1.32.2/types.js"
      );
      const start = Temporal.PlainDate.from(h.erp.fixtures.weeks.draft).subtract({ days: 21 });
      const messages: string[] = [];
      const told = Promise.withResolvers<void>();
      h.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
        const message = (n.params.data as { message: string }).message;
        messages.push(message);
        if (message.includes(`Sprint work from ${second}`)) told.resolve();
      });
      const second = start.add({ days: 14 });
      await h.call("whoami");
      h.erp.latencyMs = 150;
      // Two fills, each cancelled while its first save is on its way; only the second asks for
      // warnings. The first one's save finishes (and its message would be sent) before the second
      // starts, and the pipe keeps order, so its message would arrive first.
      const cancelledFill = async (from: Temporal.PlainDate, level: string) => {
        const controller = new AbortController();
        const saved = Promise.withResolvers<void>();
        const saves = () => h.erp.calls.filter((c) => c.method === "PATCH" && c.status === 200);
        const already = saves().length;
        h.erp.onRequest = ({ method }) => {
          if (method === "PATCH" && !controller.signal.aborted) controller.abort();
        };
        await assert.rejects(h.client.callTool(
          {
            name: "fill_logs_for_days",
            arguments: {
              start_date: from.toString(),
              end_date: from.add({ days: 13 }).toString(),
              project_id: 42,
              description: `Sprint work from ${from}`,
            },
            _meta: { [LOG_LEVEL_META_KEY]: level },
          },
          undefined,
          { signal: controller.signal },
        ));
        const done = () => saves().length > already;
        if (!done()) {
          const poll = setInterval(() => done() && saved.resolve(), 10);
          await saved.promise.finally(() => clearInterval(poll));
        }
      };
      await cancelledFill(start, "error");
      const before = h.erp.calls.length;
      await cancelledFill(second, "warning");
      assert.ok(h.erp.calls.length > before);
      await told.promise;
      assert.ok(
        !messages.some((m) => m.includes(`Sprint work from ${start}`)),
        `the fill that asked for errors only got no warning: ${messages.join(" | ")}`,
      );
      h.erp.latencyMs = 0;
    },
  );
});

/**
 * Spawns `deno task <task>` for a 2026-07-28 client through `transport`, counting the processes
 * started (a shell line appends to a file, then becomes the launcher), and reads as alice.
 */
async function countStarts(
  task: "start" | "demo",
  make: (params: ConstructorParameters<typeof StdioClientTransport>[0]) => StdioClientTransport,
): Promise<number> {
  const sb = await serveSandbox({ today: TODAY });
  const count = await Deno.makeTempFile({ prefix: "eras-starts-" });
  const { alice } = sb.erp.fixtures.users;
  const client = new Client({ name: "starts", version: "1" }, {
    versionNegotiation: { mode: { pin: "2026-07-28" } },
  });
  try {
    const stdio = make({
      command: "sh",
      args: [
        "-c",
        `echo start >> "$STARTS_FILE" && exec "$0" task --quiet ${task}`,
        Deno.execPath(),
      ],
      cwd: ROOT,
      env: denoEnv({
        STARTS_FILE: count,
        ERP_API_BASE_URL: sb.apiBase,
        ERP_API_TOKEN: alice.token,
        MCP_AUTHORIZED_USERS: alice.email,
        MCP_TIMEZONE: "UTC",
      }),
      stderr: "pipe",
    });
    stdio.stderr?.on("data", () => {});
    await client.connect(stdio);
    assert.equal(client.getProtocolEra(), "modern");
    const who = await client.callTool({ name: "whoami", arguments: {} });
    assert.equal((who.structuredContent as { email: string }).email, alice.email);
    return (await Deno.readTextFile(count)).split("\n").filter(Boolean).length;
  } finally {
    await client.close();
    await sb.close();
    await Deno.remove(count);
  }
}

Deno.test("eras: one process (and one demo sandbox) serves a 2026-07-28 stdio client that probes in place; the SDK's own transport probes in a second one", async () => {
  // The SDK 2.4.0 client's stdio negotiation spawns a disposable sibling from the base transport
  // class: two starts. If an upgrade stops doing so, this says so (and the harness's subclass
  // is no longer needed).
  assert.equal(await countStarts("start", (p) => new StdioClientTransport(p)), 2);
  assert.equal(await countStarts("start", (p) => new InPlaceStdioClientTransport(p)), 1);
  assert.equal(await countStarts("demo", (p) => new InPlaceStdioClientTransport(p)), 1);
});
