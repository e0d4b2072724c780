/**
 * What real clients put on the pipe besides clean messages: a batch (2025-03-26 allowed them),
 * a line that is not JSON, a JSON value that is not JSON-RPC, and a line of 5 MiB. Every one gets
 * an answer and the server keeps serving (before, a batch or a bad line got nothing, and an
 * oversized line closed the connection without a word). Spawned through `deno task start`.
 */
import assert from "node:assert/strict";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { denoEnv, ROOT, scaledTimeout, TODAY } from "../helpers.ts";

type Sandbox = Awaited<ReturnType<typeof serveSandbox>>;

/** `deno task start` signed in as alice against `sb`, its pipes raw; stderr read to the end. */
function startServer(
  sb: Sandbox,
  env: Record<string, string> = {},
  stdout: "piped" | "null" = "piped",
) {
  const { alice } = sb.erp.fixtures.users;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "start"],
    cwd: ROOT,
    env: denoEnv({
      ERP_API_BASE_URL: sb.apiBase,
      ERP_API_TOKEN: alice.token,
      MCP_AUTHORIZED_USERS: alice.email,
      ...env,
    }),
    stdin: "piped",
    stdout,
    stderr: "piped",
  }).spawn();
  return { child, stderr: new Response(child.stderr).text() };
}

/** One line of the stdio transport: a message as JSON, or a raw string as it is. */
const line = (v: unknown) => `${typeof v === "string" ? v : JSON.stringify(v)}\n`;

Deno.test("stdio: batches, bad lines and oversized messages are answered; the server keeps serving", async () => {
  const sb = await serveSandbox({ today: TODAY });
  const { alice } = sb.erp.fixtures.users;
  const { child, stderr } = startServer(sb);
  try {
    const input = [
      line({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-03-26",
          capabilities: {},
          clientInfo: { name: "raw", version: "1" },
        },
      }),
      line({ jsonrpc: "2.0", method: "notifications/initialized" }),
      line([{ jsonrpc: "2.0", id: 2, method: "ping" }, {
        jsonrpc: "2.0",
        id: 3,
        method: "tools/call",
        params: { name: "whoami", arguments: {} },
      }]),
      line("garbage{"),
      line({ hello: "world", id: 4 }),
      line({
        jsonrpc: "2.0",
        id: 5,
        method: "tools/call",
        params: { name: "whoami", arguments: { pad: "x".repeat(5 * 1024 * 1024) } },
      }),
      line({ jsonrpc: "2.0", id: 6, method: "ping" }),
    ].join("");
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(input));
    // Read answers until id 6 (the last) is answered; then close stdin.
    const answers: Record<string, unknown>[] = [];
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    const deadline = setTimeout(() => reader.cancel(), scaledTimeout(60_000));
    while (!answers.some((a) => a.id === 6)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const l of lines) if (l.trim()) answers.push(JSON.parse(l));
    }
    clearTimeout(deadline);
    await writer.close();
    reader.releaseLock();
    const byId = (id: unknown) => answers.filter((a) => a.id === id);
    assert.equal(byId(2).length, 1, "the batch's ping is answered");
    const who = byId(3)[0] as { result: { structuredContent: { email: string } } };
    assert.equal(who.result.structuredContent.email, alice.email, "the batch's tool call too");
    const errors = answers.filter((a) => "error" in a) as {
      id: unknown;
      error: { code: number; message: string };
    }[];
    assert.ok(errors.some((e) => e.id === null && e.error.code === -32700), "garbage: -32700");
    assert.ok(
      errors.some((e) => e.id === 4 && e.error.code === -32600),
      "not JSON-RPC: -32600 with its id",
    );
    assert.ok(
      errors.some((e) => e.error.code === -32600 && /over 4 MiB was skipped/.test(e.error.message)),
      "the oversized line is refused",
    );
    assert.equal(byId(5).length, 0, "the oversized call was never run");
    assert.equal(byId(6).length, 1, "and the server still serves after it");
  } finally {
    await child.status;
    await sb.close();
    const err = await stderr;
    assert.match(err, /stdio: answered -32700/, "each refusal is logged");
  }
});

Deno.test("stdio: a client that goes away mid-fill: the save already sent finishes and the log says what was written", async () => {
  const sb = await serveSandbox({ today: TODAY });
  const { alice } = sb.erp.fixtures.users;
  const held = Promise.withResolvers<void>();
  const saveArrived = Promise.withResolvers<void>();
  sb.erp.onRequest = (c) => {
    if (c.method !== "PATCH") return;
    saveArrived.resolve();
    return held.promise;
  };
  const { child, stderr } = startServer(sb, { MCP_NO_CONFIRM: "true" }, "null");
  try {
    const { draft, current } = sb.erp.fixtures.weeks;
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(
      line({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-11-25",
          capabilities: {},
          clientInfo: { name: "raw", version: "1" },
        },
      }) + line({ jsonrpc: "2.0", method: "notifications/initialized" }) + line({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: {
          name: "fill_logs_for_days",
          arguments: {
            start_date: draft,
            end_date: Temporal.PlainDate.from(current).add({ days: 1 }).toString(),
            project_id: 42,
            description: "Gone client",
            hours_per_day: 1,
            mode: "every_day",
          },
        },
      }),
    ));
    await saveArrived.promise; // the first week's save is at the ERP
    await writer.close(); // the client goes away (stdin closed), as a closed chat window does
    held.resolve();
    const status = await child.status;
    assert.equal(status.success, true);
    const err = await stderr;
    const m = /fill_logs_for_days cancelled by the client: (\d+) days? written, (\d+) not started/
      .exec(err);
    assert.ok(m, `the log says what was written:\n${err}`);
    // What the log says is what the ERP holds: the first week's five days, nothing after.
    const stored = [draft, current].flatMap((monday) =>
      (sb.erp.weekLog(alice.email, monday)?.projects ?? []).flatMap((p) =>
        p.tasks.filter((t) => t.description === "Gone client").flatMap((t) => t.days)
      )
    );
    assert.equal(Number(m[1]), stored.length, err);
    assert.ok(stored.length > 0 && Number(m[2]) > 0, err);
  } finally {
    held.resolve();
    await child.status;
    await sb.close();
  }
});
