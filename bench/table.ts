/** The Markdown tables `deno task bench` prints (and the README's Performance section shows). */
import type { EraCallRow, EraStartupRow } from "./rows/eras.ts";
import type { HostedRow } from "./rows/hosted.ts";
import type { StartupRow } from "./rows/startup.ts";
import type { MemoryRow, ProtocolRow } from "./rows/stdio_server.ts";
import type { CallRow } from "./rows/tool_calls.ts";
import type { Target } from "./targets.ts";
import type { Stats } from "./lib.ts";

/** Everything one run measured: the shape of bench/results.json. */
export interface Results {
  date: string;
  mode: "full" | "quick";
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  toolCalls: CallRow[];
  startup: StartupRow[];
  memory: MemoryRow[];
  protocol: ProtocolRow;
  hosted: HostedRow[];
  /** Rows 7–8: both protocol eras (absent in runs before them). */
  eras?: { startup: EraStartupRow[]; calls: EraCallRow[] };
  targets: Target[];
  durationS: number;
}

const span = (s: Stats, digits = 1) =>
  `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
const reqs = (s: Stats) => (s.min === s.max ? `${s.median}` : `${s.median} (${s.min}–${s.max})`);

/** Ours against the original, read the right way round: "6× fewer", "2× more", "same". */
function versus(original: number, ours: number, less: string, more: string): string {
  if (!(original > 0 && ours > 0)) return "–";
  const r = original / ours;
  const x = (n: number) => `${Math.round(n * 10) / 10}×`;
  if (Math.abs(r - 1) < 0.05) return "same";
  return r > 1 ? `${x(r)} ${less}` : `${x(1 / r)} ${more}`;
}

/** Renders the run as Markdown. */
export function renderTables(r: Results): string {
  const m = r.machine;
  const out: string[] = [
    `Measured ${
      r.date.slice(0, 10)
    } (${r.mode} run, ${r.durationS} s) on ${m.cpu}, ${m.cores} cores, ${m.target}, Deno ${m.deno}.`,
    "",
    "**Tool calls** (rows 1–2): ERP requests and wall time per call, median (min–max) ms over " +
    `${r.settings.runsAt0ms} runs at 0 ms and ${r.settings.runsAt50ms} at 50 ms sandbox latency. ` +
    "Ours: a fresh signed-in session per call (cold); warm: projects and labels already cached. " +
    "Original: its request pattern replayed on the same sandbox (bench/original_pattern.ts).",
    "",
    "| call | latency | ours req | ours ms | warm req | original req | original ms | requests, ours | time, ours |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const c of r.toolCalls) {
    out.push(
      `| ${c.scenario} | ${c.latencyMs} ms | ${reqs(c.ours.requests)} | ${span(c.ours.wallMs)} | ${
        reqs(c.oursWarm.requests)
      } | ${reqs(c.original.requests)} | ${span(c.original.wallMs)} | ${
        versus(c.original.requests.median, c.ours.requests.median, "fewer", "more")
      } | ${versus(c.original.wallMs.median, c.ours.wallMs.median, "faster", "slower")} |`,
    );
  }
  const notes = [
    ...new Set(r.toolCalls.filter((c) => c.note).map((c) => `${c.scenario}: ${c.note}`)),
  ];
  if (notes.length) out.push("", ...notes.map((n) => `- ${n}`));

  out.push(
    "",
    `**Start-up** (row 3): spawn → initialize answer, median (min–max) ms of ${r.settings.startupSamples}.`,
    "",
    "| server | ms | × floor |",
    "|---|--:|--:|",
  );
  for (const s of r.startup) {
    out.push(
      s.ms
        ? `| ${s.variant} | ${span(s.ms)} | ${s.vsFloor} |`
        : `| ${s.variant} | ${s.skipped} | |`,
    );
  }
  const bundleNote = r.startup.find((s) => s.note)?.note;
  if (bundleNote) out.push("", `- ${bundleNote}`);

  out.push(
    "",
    "**Memory** (row 4): resident size (VmRSS) of the spawned main.ts in MB, over a mix of every read tool.",
    "",
    "| V8 flags | after start | after calls | growth | after 3× the calls |",
    "|---|--:|--:|--:|--:|",
  );
  for (const x of r.memory) {
    const at = (mb: { rss: number } | undefined, n: number) => `${mb?.rss} (${n} calls)`;
    out.push(
      x.growth !== undefined
        ? `| ${x.variant} | ${x.afterStart!.rss} | ${at(x.afterCalls, x.calls)} | ×${x.growth} | ${
          at(x.afterTriple, 3 * x.calls)
        } |`
        : `| ${x.variant} | ${x.skipped} | | | |`,
    );
  }

  const p = r.protocol;
  out.push(
    "",
    "**Protocol overhead** (row 5): sequential calls of a cached read over stdio.",
    "",
    "| tool | calls | median ms | p99 ms |",
    "|---|--:|--:|--:|",
    p.ms
      ? `| ${p.tool} | ${p.calls} | ${p.ms.median} | ${p.ms.p99} |`
      : `| ${p.tool} | ${p.skipped} | | |`,
    "",
    "**Hosted mode** (row 6): `main.ts --http` spawned with its narrow flags; all clients at once " +
      "over Streamable HTTP, each making sequential calls of a cached read (sign-in and one warm-up " +
      "call per client not timed). Server resident size (VmRSS) in MB; peak in brackets.",
    "",
    "| mode | clients × calls | calls/s | p50 ms | p99 ms | ERP req/call | RSS after start | RSS after calls |",
    "|---|--:|--:|--:|--:|--:|--:|--:|",
  );
  for (const h of r.hosted) {
    const size = `${h.clients} × ${h.callsPerClient}`;
    out.push(
      h.skipped
        ? `| ${h.mode} | ${size} | ${h.skipped} | | | | ${h.rssAfterStartMb ?? ""} | ${
          h.rssMb ?? ""
        } |`
        : `| ${h.mode} | ${size} | ${h.throughputPerS} | ${h.p50Ms} | ${h.p99Ms} | ${h.erpRequestsPerCall} | ${h.rssAfterStartMb} | ${h.rssMb} (${h.peakRssMb}) |`,
    );
  }
  if (r.eras) out.push("", renderEras(r.eras));
  out.push(
    "",
    "**Targets**",
    "",
    "| target | measured | met |",
    "|---|---|---|",
  );
  for (const t of r.targets) {
    const met = t.met === null ? "not measured" : t.met ? "yes" : `**no** — ${t.why}`;
    out.push(`| ${t.target} | ${t.figure} | ${met} |`);
  }
  return out.join("\n");
}

/**
 * Rows 7–8 as Markdown, and the hosted rows given (row 6; `--eras-only` passes its stateless and
 * 2026-07-28 rows).
 */
export function renderEras(
  eras: NonNullable<Results["eras"]>,
  hosted: HostedRow[] = [],
): string {
  const out = [
    "**Start-up per protocol era** (row 7): `deno run main.ts` with its narrow flags, spawn → the " +
    "first answer on stdout.",
    "",
    "| era | first request | median ms (min–max) |",
    "|---|---|--:|",
    ...eras.startup.map((s) =>
      s.ms
        ? `| ${s.era} | ${s.request} | ${span(s.ms)} |`
        : `| ${s.era} | ${s.request} | ${s.skipped} |`
    ),
    "",
    "**Per-call overhead per protocol era** (row 8): sequential calls of a cached read; stateless " +
    "HTTP sends `Authorization: Token …` on every request, no session.",
    "",
    "| era | transport | tool | calls | median ms | p99 ms |",
    "|---|---|---|--:|--:|--:|",
    ...eras.calls.map((c) =>
      c.ms
        ? `| ${c.era} | ${c.transport} | ${c.tool} | ${c.calls} | ${c.ms.median} | ${c.ms.p99} |`
        : `| ${c.era} | ${c.transport} | ${c.tool} | ${c.skipped} | | |`
    ),
  ];
  if (hosted.length) {
    out.push(
      "",
      "| hosted mode | clients × calls | calls/s | p50 ms | p99 ms |",
      "|---|--:|--:|--:|--:|",
      ...hosted.map((h) =>
        h.skipped
          ? `| ${h.mode} | ${h.clients} × ${h.callsPerClient} | ${h.skipped} | | |`
          : `| ${h.mode} | ${h.clients} × ${h.callsPerClient} | ${h.throughputPerS} | ${h.p50Ms} | ${h.p99Ms} |`
      ),
    );
  }
  return out.join("\n");
}
