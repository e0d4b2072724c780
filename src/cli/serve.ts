/** Serving MCP: over stdio (what AI clients run), or hosted over HTTP with `--http`. */
import { Session } from "../auth/session.ts";
import { type Config, isLoopbackHost } from "../config.ts";
import type { Logger } from "../log.ts";
import { buildServer } from "../server.ts";
import type { McpServer } from "@modelcontextprotocol/server";
import { serveStdio } from "../transports/stdio.ts";
import { boundedWait, untilEnding } from "./lifetime.ts";

/** How to serve, chosen by flags. */
export interface ServeOptions {
  config: Config;
  log: Logger;
  /** Hosted mode: Streamable HTTP, legacy SSE and /healthz instead of stdio. */
  http?: boolean;
  /** One line to stderr (start-up messages). */
  stderr?: (line: string) => void;
}

/**
 * Serves MCP until the client goes away (stdio) or the process is told to end (a signal, the
 * launcher gone; see src/cli/lifetime.ts). Either way a pending browser sign-in is cancelled and
 * its browser closed and profile removed before this returns (waiting a few seconds at most).
 */
export async function serve(opts: ServeOptions): Promise<number> {
  if (opts.http) return await serveHosted(opts);
  const session = new Session({ config: opts.config });
  if (opts.config.token) session.presetToken(opts.config.token, "environment");
  const ending = untilEnding();
  // The SDK builds the server on the client's first message (it fixes the protocol era).
  let server: McpServer | undefined;
  await Promise.race([
    serveStdio(
      () => (server = buildServer({ config: opts.config, session, log: opts.log })),
      opts.log,
    ),
    ending.ended,
  ]);
  const attempt = session.signInAttempt;
  attempt?.cancel();
  // Calls still running were cancelled with the connection: a save already sent finishes and
  // its outcome is logged before the process ends (bounded).
  await boundedWait(Promise.all([attempt?.done, server?.close(), session.idle()]));
  ending.dispose();
  return 0;
}

async function serveHosted(opts: ServeOptions): Promise<number> {
  const { config } = opts;
  const say = opts.stderr ?? ((line: string) => opts.log.info(line));
  if (!isLoopbackHost(config.sseHost) && !config.ssePublicUrl && !config.allowedHosts.length) {
    say(
      `project-logs-mcp: Cannot serve on "${config.sseHost}" without knowing the public host name: ` +
        "set MCP_SSE_PUBLIC_URL (or --public-url), or MCP_ALLOWED_HOSTS, so Host checks accept it",
    );
    return 2;
  }
  if (config.token) {
    say("project-logs-mcp: ERP_API_TOKEN is ignored in hosted mode: each client signs in itself");
  }
  // The HTTP stack loads only in hosted mode, so stdio start-up stays as light as it can.
  const { serveHttp } = await import("../transports/http.ts");
  let server;
  try {
    server = await serveHttp({
      config,
      log: opts.log,
      hostname: config.sseHost,
      port: config.port,
    });
  } catch (error) {
    if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    say(
      `project-logs-mcp: Cannot listen on ${config.sseHost}:${config.port}: port ${config.port} ` +
        "is in use — pass --port N or set PORT",
    );
    return 2;
  }
  say(
    `project-logs-mcp: serving MCP at ${server.url}/mcp (legacy SSE at ${server.url}/sse)` +
      (config.ssePublicUrl ? `, public URL ${config.ssePublicUrl}/mcp` : ""),
  );
  // Told to end (`docker stop` sends SIGTERM): streamed sign-in browsers close, profiles go.
  const ending = untilEnding();
  await ending.ended;
  await boundedWait(server.close());
  ending.dispose();
  return 0;
}
