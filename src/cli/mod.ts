/**
 * The command line: `--help`, `--version`, `doctor`, `tools`, `call`, and with no command the
 * MCP server. main.ts hands in the process (arguments, environment, output) and exits with the
 * code returned here.
 */
import { parseArgs } from "node:util";
import { findBrowser } from "../auth/browsers.ts";
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
      options: { ...FLAG_OPTIONS, json: { type: "boolean" } },
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
  const args = command === "call" ? io.args.filter((a) => a !== "--json") : io.args;

  let config: Config | { error: string };
  try {
    config = loadConfig(args, io.sources);
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
      fetch: globalThis.fetch,
      findBrowser: (c) => findBrowser(c.browserPath),
      probePort,
    });
    const failed = checks.filter((c) => !c.ok).length;
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
      await callTool({ config, log }, rest[0], rest[1], { json: !!parsed.values.json }),
    );
  }
  return await serve({ config, log, http: parsed.values.http === true, stderr: io.stderr });
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
