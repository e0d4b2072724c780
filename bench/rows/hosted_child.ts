/**
 * Row 6's server: `main.ts --http` spawned with its narrow flags on 127.0.0.1 (PORT=0), its URL
 * read from the start-up line on stderr, its pid for /proc, and a SIGTERM stop.
 */
import { permissionFlags } from "../../src/permissions.ts";
import type { ServedSandbox } from "../../src/sandbox/erp.ts";
import { childEnv, ROOT } from "../lib.ts";

/** A running `main.ts --http`. */
export interface HostedChild {
  pid: number;
  /** `http://127.0.0.1:<port>`; MCP is at `${url}/mcp`. */
  url: string;
  /** The last few KB of its stderr (one log line per request; tokens are redacted there). */
  stderr(): string;
  /** SIGTERM, SIGKILL after `graceMs`; the exit code. */
  stop(graceMs?: number): Promise<number>;
}

const SERVING = /serving MCP at (http:\/\/\S+)\/mcp/;

/** Spawns `main.ts --http` against the sandbox, allowing `allowedEmail`; waits for its URL. */
export async function spawnHosted(
  sb: ServedSandbox,
  allowedEmail: string,
  startTimeoutMs = 20_000,
): Promise<HostedChild> {
  const child = new Deno.Command("deno", {
    args: [
      "run",
      ...permissionFlags({ erpBaseUrl: sb.apiBase, listen: "127.0.0.1" }),
      "main.ts",
      "--http",
    ],
    cwd: ROOT,
    env: childEnv({
      ERP_API_BASE_URL: sb.apiBase,
      MCP_AUTHORIZED_USERS: allowedEmail,
      MCP_SSE_HOST: "127.0.0.1",
      MCP_TIMEZONE: "UTC",
      PORT: "0",
    }),
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();

  let tail = "";
  let found: string | undefined;
  const url = new Promise<string>((resolve, reject) => {
    (async () => {
      const dec = new TextDecoder();
      // Drained to the end: the server logs every request, and a full pipe would stall it.
      for await (const chunk of child.stderr) {
        tail = (tail + dec.decode(chunk, { stream: true })).slice(-4000);
        if (!found && (found = SERVING.exec(tail)?.[1])) resolve(found);
      }
      reject(new Error("main.ts --http exited before serving"));
    })().catch(reject);
  });
  url.catch(() => {}); // the stream also ends at stop(), long after the URL was read

  const stop = async (graceMs = 5000): Promise<number> => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch {
        // gone
      }
    }, graceMs);
    const { code } = await child.status;
    clearTimeout(timer);
    return code;
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const served = await Promise.race([
      url,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no "serving MCP at" line within ${startTimeoutMs / 1000} s`)),
          startTimeoutMs,
        );
      }),
    ]);
    if (new URL(served).hostname !== "127.0.0.1") {
      throw new Error(`main.ts --http serves on "${served}", not 127.0.0.1`);
    }
    return { pid: child.pid, url: served, stderr: () => tail, stop };
  } catch (error) {
    await stop(1000);
    throw new Error(`${(error as Error).message}: ${tail.slice(-400)}`);
  } finally {
    clearTimeout(timer);
  }
}
