/**
 * Serves the sandbox ERP for the demo and manual tries:
 * `deno run --allow-net=127.0.0.1 src/sandbox/main.ts [--port N] [--latency MS] [--today YYYY-MM-DD]`.
 */
import { serveSandbox } from "./erp.ts";

interface Args {
  port: number;
  latencyMs: number;
  today?: Temporal.PlainDate;
}

/** Parses the flags; a string is the error message. */
function parseArgs(args: string[]): Args | string {
  const out: Args = { port: 8000, latencyMs: 0 };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (!["--port", "--latency", "--today"].includes(flag)) {
      return `Unknown flag "${flag}" (expected --port N, --latency MS, --today YYYY-MM-DD)`;
    }
    const value = inline ?? args[++i];
    if (value === undefined) return `Missing value for "${flag}"`;
    if (flag === "--port" || flag === "--latency") {
      if (!/^\d+$/.test(value)) {
        return `Invalid value for "${flag}": "${value}" is not a whole number`;
      }
      if (flag === "--port") out.port = Number(value);
      else out.latencyMs = Number(value);
    } else {
      try {
        out.today = Temporal.PlainDate.from(value, { overflow: "reject" });
      } catch {
        return `Invalid value for "--today": "${value}" is not a date (expected YYYY-MM-DD)`;
      }
    }
  }
  if (out.port > 65535) return `Invalid value for "--port": "${out.port}" is over 65535`;
  return out;
}

if (import.meta.main) {
  const args = parseArgs(Deno.args);
  if (typeof args === "string") {
    console.error(args);
    Deno.exit(2);
  }
  let sandbox;
  try {
    sandbox = await serveSandbox({ port: args.port, latencyMs: args.latencyMs, today: args.today });
  } catch (error) {
    if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    console.error(
      `Cannot listen on 127.0.0.1:${args.port}: port ${args.port} is in use — pass --port N`,
    );
    Deno.exit(2);
  }
  const { erp, origin, apiBase } = sandbox;
  const { alice, bob, stranger } = erp.fixtures.users;
  console.error(`Sandbox ERP (today ${erp.fixtures.today}) listening.
  ERP_API_BASE_URL=${apiBase}
  web page:      ${origin}/
  fake Google:   ${origin}/oauth/google/authorize
  ${alice.email}: token ${alice.token}, password ${alice.password}, Google ${alice.googleAccessToken}
  ${bob.email}: token ${bob.token}, password ${bob.password}, Google ${bob.googleAccessToken}
  ${stranger.email} (not an ERP user): Google ${stranger.googleAccessToken}`);
}
