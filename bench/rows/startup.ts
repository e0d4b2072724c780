/**
 * Row 3: start-up, from spawn to the initialize answer on stdout, for `deno run main.ts` with the
 * narrow flags of src/permissions.ts, for the bundle (`deno bundle --platform deno`) run the same
 * way, and for the floor (bench/floor_server.ts, one tool). The three are measured round-robin in
 * the same run, after one unmeasured start each (module cache and transpile cache warm).
 */
import denoJson from "../../deno.json" with { type: "json" };
import { permissionFlags } from "../../src/permissions.ts";
import { childEnv, msToFirstAnswer, ROOT, round, type Stats, stats } from "../lib.ts";

const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "bench", version: "1" },
  },
}) + "\n";

/** One start-up variant's figures, or why it was not measured. */
export interface StartupRow {
  variant: string;
  command: string;
  ms?: Stats;
  /** Median ÷ the floor's median. */
  vsFloor?: number;
  skipped?: string;
  note?: string;
}

/** Spawns `deno <args>`, sends initialize, and returns the ms until its answer. */
function startOnce(args: string[], env: Record<string, string>): Promise<number> {
  return msToFirstAnswer(args, env, INITIALIZE);
}

/** `deno task bundle`'s own command line, writing to `path` instead of out/server.js. */
function bundleArgs(path: string): string[] {
  const args = denoJson.tasks.bundle.split(" ").slice(1);
  args[args.indexOf("-o") + 1] = path;
  return args;
}

/** Bundles main.ts into `dir` as `deno task bundle` does; the bundle's path, or the error text. */
async function bundle(dir: string): Promise<{ path: string; sizeKb: number; ms: number } | string> {
  const path = `${dir}/server.js`;
  const t0 = performance.now();
  const out = await new Deno.Command("deno", {
    args: bundleArgs(path),
    cwd: ROOT,
    env: childEnv(),
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ms = performance.now() - t0;
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" ");
    return `deno bundle failed (exit ${out.code}): ${err}`;
  }
  return { path, sizeKb: Math.round(Deno.statSync(path).size / 1024), ms: round(ms, 0) };
}

/** Measures the three start-ups `samples` times each, round-robin. */
export async function startupRows(erpApiBase: string, samples: number): Promise<StartupRow[]> {
  const flags = permissionFlags({ erpBaseUrl: erpApiBase });
  const env = childEnv({
    ERP_API_BASE_URL: erpApiBase,
    MCP_AUTHORIZED_USERS: "alice@example.com",
    MCP_TIMEZONE: "UTC",
  });
  const dir = await Deno.makeTempDir({ prefix: "bench-bundle-" });
  try {
    const built = await bundle(dir);
    const variants: (StartupRow & { args?: string[] })[] = [
      {
        variant: "deno run main.ts",
        command: `deno run ${flags.join(" ")} main.ts`,
        args: ["run", ...flags, "main.ts"],
      },
      typeof built === "string"
        ? { variant: "bundle", command: "deno task bundle", skipped: built }
        : {
          variant: "bundle",
          command: `deno run ${flags.join(" ")} server.js`,
          args: ["run", ...flags, built.path],
          note: `deno task bundle: ${built.sizeKb} KB, built in ${built.ms} ms`,
        },
      {
        variant: "floor (one-tool SDK server)",
        command: "deno run --no-prompt bench/floor_server.ts",
        args: ["run", "--no-prompt", "bench/floor_server.ts"],
      },
    ];
    for (const v of variants.filter((v) => v.args)) {
      try {
        await startOnce(v.args!, env); // warm caches; a server that cannot start is reported
      } catch (error) {
        v.skipped = `not measured: ${(error as Error).message}`;
        delete v.args;
      }
    }
    const live = variants.filter((v) => v.args);
    const samplesOf = new Map<string, number[]>(live.map((v) => [v.variant, []]));
    for (let i = 0; i < samples; i++) {
      for (const v of live) samplesOf.get(v.variant)!.push(await startOnce(v.args!, env));
    }
    const floorSamples = samplesOf.get(variants.at(-1)!.variant);
    const floor = floorSamples ? stats(floorSamples).median : NaN;
    return variants.map(({ args: _, ...v }) => {
      if (!samplesOf.has(v.variant)) return v;
      const ms = stats(samplesOf.get(v.variant)!);
      return { ...v, ms, ...(floorSamples ? { vsFloor: round(ms.median / floor) } : {}) };
    });
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
