/**
 * The command line: `--help`, `--version`, `doctor`, `tools`, `call`, and with no command the
 * MCP server. main.ts hands in the process (arguments, environment, output) and exits with the
 * code returned here.
 */
import { parseArgs } from "node:util";
import { findBrowser, noBrowserMessage } from "../auth/browsers.ts";
import {
  type Config,
  ConfigError,
  type ConfigSources,
  FLAG_OPTIONS,
  loadConfig,
} from "../config.ts";
import { createLogger } from "../log.ts";
import { SERVER_INFO } from "../server.ts";
import type { CommandResult } from "./call.ts";
import { helpText } from "./help.ts";
import { probePort } from "./probes.ts";
import { serve } from "./serve.ts";

/** What the command line gets from the process. */
export interface CliIo {
  args: string[];
  sources: ConfigSources;
  /** One line to stdout (never used while serving MCP over stdio). */
  stdout(line: string): void;
  /** One line to stderr. */
  stderr(line: string): void;
}

const COMMANDS = ["doctor", "tools", "call"];

/** Runs the command line; resolves with the exit code (0 ok, 1 a failed check or call, 2 usage). */
export async function runCli(io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: io.args,
      options: { ...FLAG_OPTIONS, json: { type: "boolean" }, yes: { type: "boolean", short: "y" } },
      allowPositionals: true,
      strict: false,
    });
  } catch (error) {
    return usage(io, error instanceof Error ? error.message : String(error));
  }
  if (parsed.values.help) return print(io, { out: [helpText()], err: [], code: 0 });
  if (parsed.values.version) return print(io, { out: [SERVER_INFO.version], err: [], code: 0 });
  const [command, ...rest] = parsed.positionals;
  if (command !== undefined && !COMMANDS.includes(command)) {
    return usage(io, `Unknown command "${command}": expected doctor, tools or call (see --help)`);
  }
  const maxRest = command === "call" ? 2 : 0;
  if (rest.length > maxRest) return usage(io, `Unexpected argument "${rest[maxRest]}"`);
  const callOnly = ["--json", "--yes", "-y"];
  const args = command === "call" ? io.args.filter((a) => !callOnly.includes(a)) : io.args;
  // `tools` and `doctor` work with nothing configured: the tool list needs no ERP, and the doctor
  // is how a person finds what is missing.
  const erpMissing = !!ERP_OPTIONAL[command ?? ""] &&
    !hasValue(args, "--erp-url") && !io.sources.getEnv("ERP_API_BASE_URL")?.trim();
  const sources = erpMissing
    ? {
      ...io.sources,
      getEnv: (name: string) =>
        name === "ERP_API_BASE_URL" ? ERP_PLACEHOLDER : io.sources.getEnv(name),
    }
    : io.sources;

  let config: Config | { error: string };
  try {
    config = loadConfig(args, sources);
  } catch (error) {
    if (!isConfigProblem(error)) throw error;
    const message = error instanceof ConfigError ? error.message : notPermitted(error.message);
    if (command !== "doctor") return usage(io, message);
    config = { error: message };
  }
  const log = createLogger(io.stderr);
  // The subcommands load their modules when used, so the plain MCP server starts lighter.
  if (command === "doctor") {
    const { formatCheck, runDoctor } = await import("./doctor.ts");
    const checks = await runDoctor({
      config,
      erpMissing,
      fetch: globalThis.fetch,
      findBrowser: (c) => findBrowser(c.browserPath),
      probePort,
    });
    const failed = checks.filter((c) => c.ok === false).length;
    const summary = failed ? `${failed} problem${failed > 1 ? "s" : ""} to fix.` : "All is well.";
    return print(io, { out: [...checks.map(formatCheck), summary], err: [], code: failed ? 1 : 0 });
  }
  if ("error" in config) return usage(io, config.error);
  if (command === "tools") {
    const { listToolLines } = await import("./call.ts");
    return print(io, await listToolLines({ config, log }));
  }
  if (command === "call") {
    const { callTool } = await import("./call.ts");
    return print(
      io,
      await callTool({ config, log }, rest[0], rest[1], {
        json: !!parsed.values.json,
        yes: !!parsed.values.yes,
      }),
    );
  }
  // A browser named but not there (or not permitted) is a set-up mistake: say so now, not at the
  // first sign-in.
  if (config.browserPath) {
    const found = findBrowser(config.browserPath);
    if (!found.path) {
      return usage(
        io,
        `${noBrowserMessage(found, config.browserPath)}: point MCP_BROWSER_PATH at a Chrome, ` +
          "Edge or Chromium executable, or unset it to use an installed one",
      );
    }
  }
  return await serve({ config, log, http: parsed.values.http === true, stderr: io.stderr });
}

/** Commands that run without an ERP URL (a placeholder stands in; nothing contacts it). */
const ERP_OPTIONAL: Record<string, boolean> = { tools: true, doctor: true };
const ERP_PLACEHOLDER = "https://erp.invalid/api/v1/";

/** True when `--flag value` or `--flag=value` is among `args`. */
function hasValue(args: readonly string[], flag: string): boolean {
  return args.some((a, i) => (a === flag && !!args[i + 1]?.trim()) || a.startsWith(`${flag}=`));
}

function isConfigProblem(error: unknown): error is Error {
  return error instanceof ConfigError || error instanceof Deno.errors.NotCapable ||
    error instanceof Deno.errors.PermissionDenied;
}

/** Deno's "run again with --allow-…" advice cannot be followed by a compiled executable. */
function notPermitted(message: string): string {
  return `${message.replace(/, run again with .*$/s, "")}: not permitted to this server ` +
    `(the flags it runs with or was built with; see the README, "Install as one executable")`;
}

function usage(io: CliIo, message: string): number {
  io.stderr(`project-logs-mcp: ${message}`);
  return 2;
}

function print(io: CliIo, r: CommandResult): number {
  for (const line of r.out) io.stdout(line);
  for (const line of r.err) io.stderr(`project-logs-mcp: ${line}`);
  return r.code;
}
