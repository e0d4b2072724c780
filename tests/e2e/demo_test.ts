/**
 * `deno task demo`, spawned as a person would run it: it starts (its own sandbox ERP, signed in
 * as alice), serves MCP over stdio to a real client, and exits cleanly (code 0, nothing left
 * running) once the client closes stdin.
 */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/shared/transport"
import type { Transport } from "npm:@modelcontextprotocol/sdk@1.32.2/shared/transport.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import type { JSONRPCMessage } from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
import { denoEnv, ROOT, scaledTimeout } from "../helpers.ts";

/** A client transport over a spawned process's stdin/stdout that leaves its exit to the test. */
class ChildTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #child: Deno.ChildProcess;

  constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#writer = child.stdin.getWriter();
  }

  start(): Promise<void> {
    void (async () => {
      let buffer = "";
      for await (const chunk of this.#child.stdout.pipeThrough(new TextDecoderStream())) {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line) this.onmessage?.(JSON.parse(line));
        }
      }
      this.onclose?.();
    })().catch((e) => this.onerror?.(e));
    return Promise.resolve();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(JSON.stringify(message) + "\n"));
  }

  /** Closes stdin: the server must see the end of input and exit. */
  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
  }
}

/** The child's status once it exits, or undefined if it has not within `ms`. */
async function exitWithin(
  child: Deno.ChildProcess,
  ms: number,
): Promise<Deno.CommandStatus | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) =>
    timer = setTimeout(() => resolve(undefined), ms)
  );
  try {
    return await Promise.race([child.status, late]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("demo: deno task demo starts, serves every kind of call, and exits cleanly on end of input", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "demo"],
    cwd: ROOT,
    env: denoEnv({ MCP_TIMEZONE: "UTC" }),
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const client = new Client({ name: "demo-test", version: "1" });
  try {
    await client.connect(new ChildTransport(child));
    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === "fill_logs_for_days"));
    const who = await client.callTool({ name: "whoami", arguments: {} });
    assert.equal((who.structuredContent as { email: string }).email, "alice@example.com");
    // A read and a write against the demo's own sandbox ERP.
    const today = Temporal.Now.plainDateISO("UTC").toString();
    const add = await client.callTool({
      name: "create_or_update_log",
      arguments: { date: today, project_id: 42, description: "Demo", hours: 0.5 },
    });
    assert.equal(add.isError, undefined, JSON.stringify(add.content));
    const day = await client.callTool({ name: "get_day_logs", arguments: { date: today } });
    const entries =
      (day.structuredContent as { projects: { entries: { description: string }[] }[] })
        .projects.flatMap((p) => p.entries);
    assert.ok(entries.some((e) => e.description === "Demo"), JSON.stringify(day.content));

    await client.close(); // closes stdin
    const status = await exitWithin(child, scaledTimeout(20_000));
    assert.ok(status, "the demo did not exit after its stdin closed");
    const log = await stderr;
    assert.equal(status.code, 0, log);
    assert.match(log, /project-logs-mcp demo: sandbox ERP at http:\/\/127\.0\.0\.1:\d+\/api\/v1\//);
    assert.match(log, /signed in as alice@example\.com/);
  } finally {
    // On a failure: end its input (the way it is meant to stop), then force it if it hangs.
    await client.close().catch(() => {});
    if (!(await exitWithin(child, scaledTimeout(20_000)))) child.kill("SIGKILL");
  }
});
