/** main.ts spawned over stdio with the narrow permission flags, driven by the SDK's client. */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
import {
  getDefaultEnvironment,
  StdioClientTransport,
} from "npm:@modelcontextprotocol/sdk@1.32.2/client/stdio.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import { LoggingMessageNotificationSchema } from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
import { permissionFlags } from "../../src/permissions.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { scaledTimeout, TODAY } from "../helpers.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** The environment a spawned deno needs here: its cache and the CA setting (see deno-notes). */
function denoEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {
    ...getDefaultEnvironment(),
    DENO_TLS_CA_STORE: "system",
    NO_COLOR: "1",
  };
  for (const k of ["DENO_DIR", "NODE_EXTRA_CA_CERTS"]) {
    const v = Deno.env.get(k);
    if (v) env[k] = v;
  }
  return { ...env, ...extra };
}

Deno.test("stdio: the spawned server with narrow permissions serves every kind of tool", async () => {
  const sb = await serveSandbox({ today: TODAY });
  const { alice } = sb.erp.fixtures.users;
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", ...permissionFlags({ erpBaseUrl: sb.apiBase }), MAIN],
    env: denoEnv({
      ERP_API_BASE_URL: sb.apiBase,
      ERP_API_TOKEN: alice.token,
      MCP_AUTHORIZED_USERS: alice.email,
      MCP_TIMEZONE: "Europe/Paris",
    }),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Uint8Array) => stderr += new TextDecoder().decode(chunk));
  const client = new Client({ name: "stdio-test", version: "1" });
  try {
    await client.connect(transport);
    assert.match(client.getInstructions() ?? "", /Europe\/Paris/);
    const { tools } = await client.listTools();
    assert.ok(tools.length >= 16);
    const who = await client.callTool({ name: "whoami", arguments: {} });
    assert.equal((who.structuredContent as { email: string }).email, alice.email);
    const add = await client.callTool({
      name: "create_or_update_log",
      arguments: { date: TODAY.toString(), project_id: 41, description: "stdio", hours: 1.25 },
    });
    assert.equal(add.isError, undefined, JSON.stringify(add.content));
    const day = await client.callTool({
      name: "get_day_logs",
      arguments: { date: TODAY.toString() },
    });
    assert.equal(
      (day.structuredContent as { total_logged_time: { minutes: number } }).total_logged_time
        .minutes,
      15,
    );
    // As Claude Desktop's serializer sends them: numbers as strings, null for "not given".
    const month = await client.callTool({
      name: "get_month_logs",
      arguments: { year: "2026", month: "11", email: null },
    });
    assert.equal(month.isError, undefined, JSON.stringify(month.content));
    assert.equal((month.content as unknown[]).length, 1, "the data once, plus structuredContent");
    const bad = await client.callTool({
      name: "create_or_update_log",
      arguments: { date: TODAY.toString(), project_id: "41", description: "stdio", hours: "25" },
    });
    assert.equal(bad.isError, true);
    assert.match(
      JSON.stringify(bad.content),
      /hours must be at most 24 \(and more than 0\); you sent 25/,
    );
  } finally {
    await client.close();
    await sb.close();
  }
});

Deno.test("stdio: the log (a fill the client cancels: what stdio mode logs) has content and never a token", async () => {
  // Stdio mode has no log level and logs only what someone must see: an internal error, or a
  // write the client cancelled half-way. So a fill's save is held in the sandbox while the client
  // cancels; the server finishes that save and logs the cancellation (stderr, and an MCP log
  // message). The token arrives twice: in the environment and as a tool argument.
  const sb = await serveSandbox({ today: TODAY });
  const { alice } = sb.erp.fixtures.users;
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", ...permissionFlags({ erpBaseUrl: sb.apiBase }), MAIN],
    env: denoEnv({
      ERP_API_BASE_URL: sb.apiBase,
      ERP_API_TOKEN: alice.token,
      MCP_AUTHORIZED_USERS: alice.email,
      MCP_NO_CONFIRM: "true",
    }),
    stderr: "pipe",
  });
  let stderr = "";
  const logged = Promise.withResolvers<void>();
  transport.stderr?.on("data", (chunk: Uint8Array) => {
    stderr += new TextDecoder().decode(chunk);
    if (/fill_logs_for_days cancelled by the client/.test(stderr)) logged.resolve();
  });
  const client = new Client({ name: "stdio-test", version: "1" }, { capabilities: {} });
  const messages: string[] = [];
  const notified = Promise.withResolvers<void>();
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    messages.push(JSON.stringify(n.params));
    notified.resolve();
  });
  const held = Promise.withResolvers<void>();
  const saveArrived = Promise.withResolvers<void>();
  sb.erp.onRequest = (c) => {
    if (c.method !== "PATCH") return;
    saveArrived.resolve();
    return held.promise;
  };
  try {
    await client.connect(transport);
    const signIn = await client.callTool({
      name: "authenticate_with_token",
      arguments: { token: alice.token },
    });
    assert.equal(signIn.isError, undefined, JSON.stringify(signIn.content));
    const controller = new AbortController();
    const fill = client.callTool(
      {
        name: "fill_logs_for_days",
        arguments: {
          start_date: TODAY.toString(),
          end_date: TODAY.toString(),
          project_id: 42,
          description: "Cancelled fill",
          hours_per_day: 1,
          include_future: true,
        },
      },
      undefined,
      { signal: controller.signal },
    );
    await saveArrived.promise;
    controller.abort();
    await assert.rejects(fill);
    // Messages are handled in order: once the ping is answered, the cancellation was seen.
    await client.ping();
    held.resolve();
    // A watchdog only turns a server that never logs into a failure instead of a hang.
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      watchdog = setTimeout(
        () => reject(new Error(`no cancellation logged; stderr so far:\n${stderr}`)),
        scaledTimeout(30_000),
      );
    });
    try {
      await Promise.race([Promise.all([logged.promise, notified.promise]), late]);
    } finally {
      clearTimeout(watchdog);
    }
    assert.ok(stderr.trim().length > 0, "the log has content");
    assert.ok(!stderr.includes(alice.token), `the token never reaches the log:\n${stderr}`);
    assert.match(stderr, /cancelled by the client: 1 day written/);
    const monday = TODAY.subtract({ days: TODAY.dayOfWeek - 1 }).toString();
    const week = sb.erp.weekLog(alice.email, monday);
    const days = week?.projects.flatMap((p) =>
      p.tasks.filter((t) =>
        t.description === "Cancelled fill"
      ).flatMap((t) => t.days)
    ) ?? [];
    assert.deepEqual(
      days.map((d) => [d.date, d.hours * 60 + d.minutes]),
      [[TODAY.toString(), 60]],
      "the held save was stored, as the log says",
    );
    assert.ok(messages.length > 0, "the client got the log message");
    for (const m of messages) {
      assert.ok(!m.includes(alice.token), `the token never reaches an MCP log message: ${m}`);
    }
  } finally {
    held.resolve();
    await client.close();
    await sb.close();
  }
});

const badConfigs: { env: Record<string, string>; re: RegExp }[] = [
  { env: { ERP_API_BASE_URL: "erp.example.com/api/v1/" }, re: /--erp-url \/ ERP_API_BASE_URL/ },
  {
    env: { ERP_API_BASE_URL: "http://erp.example.com/api/" },
    re: /Refusing plain HTTP in --erp-url \/ ERP_API_BASE_URL/,
  },
  {
    env: { ERP_API_BASE_URL: "https://erp.example.com/api/", MCP_TIMEZONE: "Mars/Olympus" },
    re: /--timezone \/ MCP_TIMEZONE/,
  },
  { env: {}, re: /Missing ERP URL: set ERP_API_BASE_URL/ },
];
for (const c of badConfigs) {
  Deno.test(`stdio: a bad configuration stops start-up with one line (${c.re.source.slice(0, 30)})`, async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", `--allow-env`, "--allow-read", MAIN],
      env: denoEnv(c.env),
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(out.stderr).trim();
    assert.equal(out.code, 2, err);
    assert.match(err, c.re);
    assert.equal(err.split("\n").length, 1, err);
    assert.equal(out.stdout.length, 0, "stdout belongs to MCP");
  });
}
