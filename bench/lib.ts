/** Shared bench helpers: statistics, the machine, spawned servers and a stdio client transport. */
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/shared/transport"
import type { Transport } from "npm:@modelcontextprotocol/sdk@1.32.2/shared/transport.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import type { JSONRPCMessage } from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";

/** The project root (cwd of every spawned server, so relative permission paths resolve). */
export const ROOT = decodeURIComponent(new URL("../", import.meta.url).pathname);

/** Median, min and max of some samples, in the samples' unit. */
export interface Stats {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** The value at quantile `q` (0..1) of sorted samples, nearest rank. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** Median, min and max; figures rounded to 0.01. */
export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { median: round(mid), min: round(s[0]), max: round(s.at(-1)!), n: s.length };
}

/** Rounds to two decimals. */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * A Linux /proc file's text, read through `cat`: Deno refuses /proc reads without --allow-all,
 * and `--allow-run=cat` is the narrower grant. Undefined when unreadable (not Linux).
 */
export async function readProc(path: string): Promise<string | undefined> {
  if (Deno.build.os !== "linux") return undefined;
  try {
    const out = await new Deno.Command("cat", { args: [path], stdout: "piped", stderr: "null" })
      .output();
    return out.success ? new TextDecoder().decode(out.stdout) : undefined;
  } catch {
    return undefined;
  }
}

/** The machine the figures come from. */
export async function machine(): Promise<Record<string, unknown>> {
  const cpuinfo = await readProc("/proc/cpuinfo") ?? "";
  const cpu = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown";
  return {
    os: Deno.build.os,
    arch: Deno.build.arch,
    target: Deno.build.target,
    cpu,
    cores: navigator.hardwareConcurrency,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
  };
}

/** Resident and peak resident size of a process in MB (Linux `/proc/<pid>/status`). */
export async function residentMb(
  pid: number,
): Promise<{ rss: number; peak: number } | undefined> {
  const status = await readProc(`/proc/${pid}/status`);
  if (!status) return undefined;
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s*(\\d+) kB`, "m").exec(status)?.[1]);
  return { rss: round(kb("VmRSS") / 1024, 1), peak: round(kb("VmHWM") / 1024, 1) };
}

/**
 * The environment of a spawned deno: its cache and CA setting (see deno-notes), nothing else of
 * ours, plus `extra`. `MCP_NO_CONFIRM=true` lets long fills run without a confirmation round.
 */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    DENO_TLS_CA_STORE: "system",
    NO_COLOR: "1",
    RUST_BACKTRACE: "0",
    MCP_NO_CONFIRM: "true",
  };
  for (const k of ["PATH", "HOME", "DENO_DIR", "NODE_EXTRA_CA_CERTS"]) {
    const v = Deno.env.get(k);
    if (v) env[k] = v;
  }
  return { ...env, ...extra };
}

/** Spawns `deno <args>` from the project root with piped stdio and a clean environment. */
export function spawnDeno(args: string[], env: Record<string, string>): Deno.ChildProcess {
  return new Deno.Command("deno", {
    args,
    cwd: ROOT,
    env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Reads a child's stderr in the background, keeping the last few KB for error messages. */
export function tailOf(stream: ReadableStream<Uint8Array>): () => string {
  let tail = "";
  (async () => {
    const dec = new TextDecoder();
    for await (const chunk of stream) tail = (tail + dec.decode(chunk)).slice(-4000);
  })().catch(() => {});
  return () => tail;
}

/** Ends a spawned server: stdin closed (it exits on EOF), killed after `graceMs`. */
export async function stopChild(child: Deno.ChildProcess, graceMs = 2000): Promise<void> {
  try {
    await child.stdin.close();
  } catch {
    // already closed
  }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // gone
    }
  }, graceMs);
  await child.status;
  clearTimeout(timer);
}

/** An SDK client transport over a spawned child's stdin/stdout (newline-delimited JSON-RPC). */
export class ChildTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #enc = new TextEncoder();

  constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#writer = child.stdin.getWriter();
  }

  /** The child's process id. */
  get pid(): number {
    return this.#child.pid;
  }

  start(): Promise<void> {
    (async () => {
      const dec = new TextDecoder();
      let buf = "";
      for await (const chunk of this.#child.stdout) {
        buf += dec.decode(chunk, { stream: true });
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) this.onmessage?.(JSON.parse(line));
        }
      }
      this.onclose?.();
    })().catch((e) => this.onerror?.(e));
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.#writer.write(this.#enc.encode(JSON.stringify(message) + "\n"));
  }

  async close(): Promise<void> {
    try {
      await this.#writer.close();
    } catch {
      // already closed
    }
  }
}

/**
 * Spawns `deno <args>`, writes `line` (one JSON-RPC message asking with id 1), and returns the ms
 * until the answer to id 1 arrives; throws when it is an error or never comes.
 */
export async function msToFirstAnswer(args: string[], env: Record<string, string>, line: string) {
  const t0 = performance.now();
  const child = spawnDeno(args, env);
  const stderr = tailOf(child.stderr);
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(line));
  const reader = child.stdout.getReader();
  const dec = new TextDecoder();
  let out = "";
  let ms: number | undefined;
  try {
    while (ms === undefined) {
      const { value, done } = await reader.read();
      if (done) break;
      out += dec.decode(value, { stream: true });
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        const answer = JSON.parse(out.slice(0, nl));
        if (answer.id !== 1 || !answer.result) {
          throw new Error(`unexpected answer: ${out.slice(0, 200)}`);
        }
        ms = performance.now() - t0;
      }
    }
  } finally {
    reader.releaseLock();
    await writer.close().catch(() => {});
    child.stdout.cancel().catch(() => {});
    await stopChild(child);
  }
  if (ms === undefined) throw new Error(`no answer: ${stderr().trim().slice(0, 240)}`);
  return ms;
}
