/**
 * `tools` and `call`: the server's tools from a terminal, through a real MCP client connected in
 * memory to a server built exactly like the stdio one, so the output is what the model would get.
 */
import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { Session } from "../auth/session.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import { buildServer } from "../server.ts";

/** What `tools` and `call` need. */
export interface CallDeps {
  config: Config;
  log: Logger;
  fetch?: typeof fetch;
}

/** What a command prints and its exit code. */
export interface CommandResult {
  /** Lines for stdout. */
  out: string[];
  /** Lines for stderr. */
  err: string[];
  code: number;
}

async function withClient<T>(deps: CallDeps, fn: (client: Client) => Promise<T>): Promise<T> {
  const session = new Session({ config: deps.config, fetch: deps.fetch });
  if (deps.config.token) session.presetToken(deps.config.token, "environment");
  const server = buildServer({ config: deps.config, session, log: deps.log });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "project-logs-mcp-cli", version: "1" });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  try {
    return await fn(client);
  } finally {
    await client.close();
    await server.close();
  }
}

/** `tools`: one line per tool — name, kind, and the first sentence of its description. */
export async function listToolLines(deps: CallDeps): Promise<CommandResult> {
  const { tools } = await withClient(deps, (client) => client.listTools());
  const width = Math.max(...tools.map((t) => t.name.length)) + 2;
  const out = tools.map((t) => {
    const a = t.annotations;
    const kind = a?.readOnlyHint ? "read" : a?.destructiveHint ? "write" : "session";
    const first = (t.description ?? "").split(/(?<=[.!?])\s+(?=[A-Z])/)[0];
    return `${t.name.padEnd(width)}${kind.padEnd(9)}${first}`;
  });
  return { out, err: [], code: 0 };
}

/**
 * `call <tool> '<json>'`: runs one tool call and prints its text content (or, with `json`, the
 * whole MCP result). Exit code 1 when the result is an error or still needs confirmation, 2 when
 * the call cannot be made. Each `call` is its own process, so a confirmation token from one can
 * never be used by the next: with `yes`, the person at the terminal has agreed in advance and a
 * write that asks is confirmed within this one process (its preview is printed first).
 */
export async function callTool(
  deps: CallDeps,
  name: string | undefined,
  jsonArgs: string | undefined,
  opts: { json?: boolean; yes?: boolean } = {},
): Promise<CommandResult> {
  const fail = (line: string): CommandResult => ({ out: [], err: [line], code: 2 });
  if (!name) return fail(`Missing tool name: usage is call <tool> '<json arguments>'`);
  let args: unknown = {};
  if (jsonArgs !== undefined && jsonArgs.trim() !== "") {
    try {
      args = JSON.parse(jsonArgs);
    } catch (error) {
      return fail(
        `Invalid JSON arguments for "${name}": ${error instanceof Error ? error.message : error}`,
      );
    }
  }
  if (!args || typeof args !== "object" || Array.isArray(args)) {
    return fail(
      `Invalid arguments for "${name}": expected a JSON object such as '{"date": "2026-11-25"}'`,
    );
  }
  return await withClient(deps, async (client) => {
    const { tools } = await client.listTools();
    if (!tools.some((t) => t.name === name)) {
      return fail(`Unknown tool "${name}": run "project-logs-mcp tools" for the list`);
    }
    const given = args as Record<string, unknown>;
    const first = await client.callTool({ name, arguments: given });
    const token = confirmationToken(first.structuredContent);
    if (!token) {
      const out = opts.json ? [JSON.stringify(first, null, 2)] : contentLines(first.content);
      return { out, err: [], code: first.isError ? 1 : 0 };
    }
    if (!opts.yes) {
      return {
        out: opts.json ? [JSON.stringify(first, null, 2)] : contentLines(first.content),
        err: [
          `Not done: "${name}" asks for confirmation, and its token cannot be used by another ` +
          'run of "call" (each is a new process): run the same command again with --yes to ' +
          "confirm it in one go",
        ],
        code: 1,
      };
    }
    const done = await client.callTool({
      name,
      arguments: { ...given, confirmation_token: token },
    });
    const out = opts.json
      ? [JSON.stringify(done, null, 2)]
      : [...contentLines(first.content), "Confirmed (--yes).", ...contentLines(done.content)];
    return { out, err: [], code: done.isError ? 1 : 0 };
  });
}

/** The token of a `needs_confirmation` answer, if this is one. */
function confirmationToken(structured: unknown): string | undefined {
  const s = structured as { status?: unknown; confirmation_token?: unknown } | undefined;
  return s?.status === "needs_confirmation" && typeof s.confirmation_token === "string"
    ? s.confirmation_token
    : undefined;
}

function contentLines(content: unknown): string[] {
  const items = Array.isArray(content) ? content as { type: string; text?: string }[] : [];
  return items.map((c) => c.type === "text" ? c.text ?? "" : `[${c.type} content]`);
}
