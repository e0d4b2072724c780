/**
 * `deno task bench [--quick] [--eras-only]`: measures the rows of issue 6 (and rows 7–8, both
 * protocol eras) against the sandbox ERP, prints a Markdown table and writes bench/results.json.
 * No figure is asserted anywhere; targets are reported as met or missed, with the reason when
 * missed. `--eras-only` runs just the era rows and hosted mode's 2026-07-28 row and prints them
 * (results.json is left as it is: it holds full runs only).
 */
import { serveSandbox } from "../src/sandbox/erp.ts";
import { machine } from "./lib.ts";
import { eraCallRows, eraStartupRows } from "./rows/eras.ts";
import { hostedRows } from "./rows/hosted.ts";
import { type StartupRow, startupRows } from "./rows/startup.ts";
import { type MemoryRow, memoryRow, type ProtocolRow, protocolRow } from "./rows/stdio_server.ts";
import { TODAY, toolCallRows } from "./rows/tool_calls.ts";
import { evaluateTargets } from "./targets.ts";
import { renderEras, renderTables, type Results } from "./table.ts";

const quick = Deno.args.includes("--quick");
const settings = quick
  ? {
    runsAt0ms: 3,
    runsAt50ms: 2,
    startupSamples: 5,
    memoryCalls: 1000,
    protocolCalls: 200,
    hostedClients: 10,
    hostedCallsPerClient: 20,
  }
  : {
    runsAt0ms: 7,
    runsAt50ms: 5,
    startupSamples: 20,
    memoryCalls: 1000,
    protocolCalls: 1000,
    hostedClients: 50,
    hostedCallsPerClient: 100,
  };
const CAPPED_HEAP = "--max-old-space-size=64";
const t0 = performance.now();
const say = (line: string) => console.error(`bench: ${line}`);

say(`${quick ? "quick" : "full"} run, ${JSON.stringify(settings)}`);

if (Deno.args.includes("--eras-only")) {
  const sb = await serveSandbox({ today: TODAY });
  try {
    say("start-up per era");
    const startup = await eraStartupRows(sb.apiBase, settings.startupSamples);
    say("per-call overhead per era");
    const calls = await eraCallRows(sb, settings.protocolCalls);
    say("hosted mode, 2026-07-28");
    const hosted = await hostedRows({
      clients: settings.hostedClients,
      callsPerClient: settings.hostedCallsPerClient,
      modes: ["stateless header", "2026-07-28"],
    }, say);
    console.log(renderEras({ startup, calls }, hosted));
  } finally {
    await sb.close();
  }
  Deno.exit(0);
}
const toolCalls = await toolCallRows([
  { latencyMs: 0, runs: settings.runsAt0ms },
  { latencyMs: 50, runs: settings.runsAt50ms },
], say);

const sb = await serveSandbox({ today: TODAY });
let startup: StartupRow[], memory: MemoryRow[], protocol: ProtocolRow;
let eras: Results["eras"];
try {
  say("start-up");
  startup = await startupRows(sb.apiBase, settings.startupSamples);
  say("memory");
  memory = [];
  for (const flags of [undefined, CAPPED_HEAP]) {
    memory.push(
      await memoryRow(sb, settings.memoryCalls, flags).catch((e) => ({
        variant: flags ?? "default",
        calls: settings.memoryCalls,
        mix: [],
        skipped: `not measured: ${e.message}`,
      })),
    );
  }
  say("start-up and per-call overhead per protocol era");
  eras = {
    startup: await eraStartupRows(sb.apiBase, settings.startupSamples),
    calls: await eraCallRows(sb, settings.protocolCalls),
  };
  say("protocol overhead");
  protocol = await protocolRow(sb, settings.protocolCalls).catch((e) => ({
    tool: "get_log_labels",
    calls: settings.protocolCalls,
    skipped: `not measured: ${e.message}`,
  }));
} finally {
  await sb.close();
}
const hosted = await hostedRows(
  { clients: settings.hostedClients, callsPerClient: settings.hostedCallsPerClient },
  say,
);

const partial = { toolCalls, startup, memory, protocol };
const results: Results = {
  date: new Date().toISOString(),
  mode: quick ? "quick" : "full",
  machine: await machine(),
  settings: { ...settings, sandboxToday: TODAY.toString(), cappedHeapVariant: CAPPED_HEAP },
  ...partial,
  hosted,
  eras: eras!,
  targets: evaluateTargets(partial),
  durationS: Math.round((performance.now() - t0) / 1000),
};

const out = new URL("./results.json", import.meta.url);
await Deno.writeTextFile(out, JSON.stringify(results, null, 2) + "\n");
console.log(renderTables(results));
say(`done in ${results.durationS} s; wrote bench/results.json`);
