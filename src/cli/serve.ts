/** Serving MCP: the stdio server AI clients run. Hosted mode (`--http`) plugs in beside it. */
import { Session } from "../auth/session.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import { buildServer } from "../server.ts";
import { serveStdio } from "../transports/stdio.ts";

/** How to serve, chosen by flags. */
export interface ServeOptions {
  config: Config;
  log: Logger;
}

/** Serves MCP until the client goes away; resolves with the exit code. */
export async function serve(opts: ServeOptions): Promise<number> {
  // Hosted mode (`--http`, src/transports/http.ts) is chosen here when its flag is set.
  const session = new Session({ config: opts.config });
  if (opts.config.token) session.presetToken(opts.config.token, "environment");
  await serveStdio(buildServer({ config: opts.config, session, log: opts.log }));
  return 0;
}
