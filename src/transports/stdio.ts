/**
 * The stdio transport: one session for the one client on the other end of the pipe, in either
 * protocol era (a 2025 client's initialize, or a 2026-07-28 client's per-request envelope).
 */
import process from "node:process";
import type { McpServer } from "@modelcontextprotocol/server";
import { serveStdio as serveEras } from "@modelcontextprotocol/server/stdio";

/**
 * Serves the server that `build` returns over stdin/stdout (the SDK calls it once, when the
 * client's first message fixes the era); resolves when the client closes stdin.
 */
export async function serveStdio(build: () => McpServer): Promise<void> {
  let resolve!: () => void;
  const closed = new Promise<void>((r) => {
    resolve = r;
    // Also when stdin ends before the first message (no server was built).
    process.stdin.once("end", r);
    process.stdin.once("close", r);
  });
  const handle = serveEras(() => {
    const server = build();
    const previous = server.server.onclose;
    server.server.onclose = () => {
      previous?.();
      resolve();
    };
    return server;
  });
  await closed;
  await handle.close().catch(() => {});
}
