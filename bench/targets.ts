/** The targets, judged on one run's figures, with the reason when one is missed. */
import type { StartupRow } from "./rows/startup.ts";
import type { MemoryRow, ProtocolRow } from "./rows/stdio_server.ts";
import type { CallRow } from "./rows/tool_calls.ts";

/** One target: what it asks, what was measured, met or not (null: not measured), and why not. */
export interface Target {
  target: string;
  figure: string;
  met: boolean | null;
  why?: string;
}

/** The rows the targets read. */
export interface Measured {
  toolCalls: CallRow[];
  startup: StartupRow[];
  memory: MemoryRow[];
  protocol: ProtocolRow;
}

/** Judges the four targets of issue 6. */
export function evaluateTargets(m: Measured): Target[] {
  return [fillTarget(m), monthTarget(m), startupTarget(m), memoryTarget(m)];
}

function fillTarget(m: Measured): Target {
  const target =
    "fill_logs_for_days over 4 weeks at 50 ms: ≥6× fewer ERP requests and ≥8× less wall time than the original";
  const r = m.toolCalls.find((c) =>
    c.scenario === "fill_logs_for_days (4 weeks)" && c.latencyMs === 50
  );
  if (!r) return { target, figure: "not measured", met: null };
  const figure =
    `${r.ratio.requests}× fewer requests (${r.original.requests.median} vs ${r.ours.requests.median}; warm session ${r.ratio.requestsWarm}×, ${r.oursWarm.requests.median}), ${r.ratio.wall}× less wall time (${r.original.wallMs.median} vs ${r.ours.wallMs.median} ms)`;
  const met = r.ratio.requests >= 6 && r.ratio.wall >= 8;
  if (met) return { target, figure, met };
  const why: string[] = [];
  if (r.ratio.requests < 6) {
    const weeks = 4;
    const fixed = r.ours.requests.median - 2 * weeks;
    why.push(
      `requests: a cold session pays ${fixed} fixed requests (active_project_list, log_labels, the year's list) on top of one read and one save per week (${
        2 * weeks
      }), against the original's 3 per weekday (20 weekdays, skip_weekends=true). ` +
        `With projects and labels already cached in the session — the usual case once a conversation has listed them — it is ${r.oursWarm.requests.median} requests, ${r.ratio.requestsWarm}×` +
        (r.ratio.requestsWarm >= 6 ? " (met)" : "") +
        `; filling every day (skip_weekends=false, the original's default) would cost the original 84 requests and us the same ${r.ours.requests.median}.`,
    );
  }
  if (r.ratio.wall < 8) {
    why.push("wall time: the weeks are read and saved concurrently, but fewer than 8× faster here");
  }
  return { target, figure, met, why: why.join(" ") };
}

function monthTarget(m: Measured): Target {
  const target =
    "get_month_logs with every entry at 50 ms: under 3× the latency of one request (≤2 round trips deep)";
  const r = m.toolCalls.find((c) => c.scenario === "get_month_logs" && c.latencyMs === 50);
  if (!r) return { target, figure: "not measured", met: null };
  // One request's latency, measured in the same run: the original's get_month_logs is one request.
  const one = r.original.wallMs.median;
  const ratio = Math.round((r.ours.wallMs.median / one) * 100) / 100;
  const figure =
    `${r.ours.wallMs.median} ms = ${ratio}× one request (${one} ms), ${r.ours.requests.median} requests`;
  const met = ratio < 3;
  return met ? { target, figure, met } : {
    target,
    figure,
    met,
    why:
      "the weeks are read after the month-list, at most 6 at a time; a month of more than 6 weeks, or a slow machine, adds round trips",
  };
}

function startupTarget(m: Measured): Target {
  const target = "start-up at most 1.3× the minimal SDK server (floor)";
  const main = m.startup.find((s) => s.variant === "deno run main.ts");
  const bundle = m.startup.find((s) => s.variant === "bundle");
  const floor = m.startup.find((s) => s.variant.startsWith("floor"));
  if (!main?.ms || !floor?.ms) return { target, figure: "not measured", met: null };
  const b = bundle?.ms
    ? `; bundle ${bundle.ms.median} ms = ${bundle.vsFloor}×`
    : `; bundle: ${bundle?.skipped ?? "not measured"}`;
  const figure =
    `deno run main.ts ${main.ms.median} ms = ${main.vsFloor}× the floor (${floor.ms.median} ms)${b}`;
  const met = (main.vsFloor ?? Infinity) <= 1.3;
  if (met) return { target, figure, met };
  const minRatio = Math.round((main.ms.min / floor.ms.min) * 100) / 100;
  return {
    target,
    figure,
    met,
    why:
      `main.ts loads more modules than the floor at start (the CLI, config, every tool and its schemas, the ERP layer, sign-in code; the HTTP stack is loaded only for --http); fastest start against fastest floor: ${minRatio}× (the medians move with other load on the machine: the floor ranged ${floor.ms.min}–${floor.ms.max} ms)`,
  };
}

function memoryTarget(m: Measured): Target {
  const target = "resident memory after 1,000 tool calls within 10% of after start";
  const d = m.memory.find((r) => r.variant === "default");
  const capped = m.memory.find((r) => r.variant !== "default");
  if (!d?.growth || !d.afterStart || !d.afterCalls) {
    return { target, figure: d?.skipped ?? "not measured", met: null };
  }
  const path = (r: MemoryRow) =>
    `${r.afterStart!.rss} → ${
      r.afterCalls!.rss
    } MB after ${r.calls} calls (×${r.growth}) → ${r.afterTriple?.rss} MB after ${3 * r.calls}`;
  const c = capped?.growth ? `; with ${capped.variant}: ${path(capped)}` : "";
  const figure = `${path(d)}${c}`;
  const met = d.growth <= 1.1;
  if (met) return { target, figure, met };
  const flat = capped?.afterCalls && capped.afterTriple &&
    capped.afterTriple.rss <= capped.afterCalls.rss * 1.05;
  return {
    target,
    figure,
    met,
    why: flat
      ? `V8 sizes its heap lazily: with default flags garbage piles up between major collections, so RSS keeps rising with the calls. With the old space capped (${
        capped!.variant
      }) RSS levels off after the first 1,000 calls (${capped!.afterCalls!.rss} → ${
        capped!.afterTriple!.rss
      } MB over the next ${
        2 * capped!.calls
      }), so the server does not retain memory per call; what remains above the start figure is JIT code, the larger young generation and fetch/stdio buffers of a warmed-up process. The cap trades memory for GC time (the capped run is slower), so it is not set by default.`
      : "RSS still rises between 1,000 and 3,000 calls with a capped heap: look for memory the server keeps per call",
  };
}
