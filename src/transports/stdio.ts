/**
 * The stdio transport: one session for the one client on the other end of the pipe, in either
 * protocol era (a 2025 client's initialize, or a 2026-07-28 client's per-request envelope).
 *
 * Lines are checked before the SDK reads them, so nothing a client sends goes unanswered: a
 * line that is not JSON gets a -32700 parse error, a message that is not JSON-RPC a -32600, a
 * JSON-RPC batch (allowed by the 2025-03-26 revision) is served message by message, and a line
 * over `MAX_LINE_BYTES` is refused (-32600) and skipped, where the SDK would close the connection
 * without a word. Each refusal is also logged.
 */
import process from "node:process";
import { Transform, type TransformCallback } from "node:stream";
import type { McpServer } from "@modelcontextprotocol/server";
import { serveStdio as serveEras, StdioServerTransport } from "@modelcontextprotocol/server/stdio";
import { decodeChunks } from "../capped.ts";
import type { Logger } from "../log.ts";

/** The longest line (one JSON-RPC message or batch) read, in bytes: 4 MiB. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

type Refuse = (code: number, message: string, id?: string | number | null) => void;

/** What one complete line becomes: lines to hand to the SDK, or a refusal already sent. */
function checkLine(line: string, refuse: Refuse): string[] {
  if (line.trim() === "") return [];
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    refuse(-32700, `Parse error: the line is not JSON (${(error as Error).message})`);
    return [];
  }
  const messages = Array.isArray(value) ? value : [value];
  if (messages.length === 0) {
    refuse(-32600, "Invalid Request: an empty batch");
    return [];
  }
  const out: string[] = [];
  for (const m of messages) {
    const rpc = typeof m === "object" && m !== null && !Array.isArray(m)
      ? m as Record<string, unknown>
      : undefined;
    const id = typeof rpc?.id === "string" || typeof rpc?.id === "number" ? rpc.id : null;
    const shaped = rpc?.jsonrpc === "2.0" &&
      (typeof rpc.method === "string" || "result" in rpc || "error" in rpc);
    if (!shaped) {
      refuse(-32600, 'Invalid Request: expected a JSON-RPC 2.0 message ("jsonrpc": "2.0")', id);
      continue;
    }
    out.push(JSON.stringify(m));
  }
  return out;
}

/**
 * A stream between stdin and the SDK's reader that passes on only well-formed JSON-RPC messages,
 * one per line, and answers the rest itself through `refuse`.
 */
export class LineGuard extends Transform {
  #pending: Uint8Array[] = [];
  #size = 0;
  #skipping = false;
  readonly #refuse: Refuse;

  constructor(refuse: Refuse) {
    super();
    this.#refuse = refuse;
  }

  override _transform(chunk: Uint8Array, _enc: BufferEncoding, done: TransformCallback): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      this.#add(chunk.subarray(start, nl));
      this.#endLine();
      start = nl + 1;
    }
    this.#add(chunk.subarray(start));
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.#size || this.#skipping) this.#endLine();
    done();
  }

  #add(part: Uint8Array): void {
    if (this.#skipping || part.length === 0) return;
    if (this.#size + part.length > MAX_LINE_BYTES) {
      // Too long: drop what was kept and the rest of the line, and say so once it ends.
      this.#pending = [];
      this.#size = 0;
      this.#skipping = true;
      return;
    }
    this.#pending.push(part);
    this.#size += part.length;
  }

  #endLine(): void {
    if (this.#skipping) {
      this.#skipping = false;
      this.#refuse(
        -32600,
        `Invalid Request: a message over ${MAX_LINE_BYTES / 1024 / 1024} MiB was skipped`,
      );
      return;
    }
    const text = decodeChunks(this.#pending, this.#size);
    this.#pending = [];
    this.#size = 0;
    for (const line of checkLine(text, this.#refuse)) {
      this.push(`${line}\n`);
    }
  }
}

/**
 * Serves the server that `build` returns over stdin/stdout (the SDK calls it once, when the
 * client's first message fixes the era); resolves when the client closes stdin. Transport
 * errors and refused lines go to `log`.
 */
export async function serveStdio(build: () => McpServer, log?: Logger): Promise<void> {
  const refuse: Refuse = (code, message, id = null) => {
    log?.warn(`stdio: answered ${code} to a message it could not serve: ${message}`);
    process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", id, error: { code, message } })}\n`);
  };
  const guard = new LineGuard(refuse);
  process.stdin.pipe(guard);
  let resolve!: () => void;
  const closed = new Promise<void>((r) => {
    resolve = r;
    // Also when stdin ends before the first message (no server was built).
    guard.once("end", r);
    guard.once("close", r);
  });
  const handle = serveEras(() => {
    const server = build();
    const previous = server.server.onclose;
    server.server.onclose = () => {
      previous?.();
      resolve();
    };
    return server;
  }, {
    // The guard already bounds a line; the SDK's own limit stays above it.
    transport: new StdioServerTransport(
      guard,
      process.stdout,
      { maxBufferSize: MAX_LINE_BYTES * 2 },
    ),
    onerror: (error) => log?.warn(`stdio: ${error.message}`),
  });
  await closed;
  await handle.close().catch(() => {});
}
