/** buildServer: one McpServer for one session, with the selected tools registered. */
import { createHash } from "node:crypto";
import {
  acceptedContent,
  type CallToolResult,
  CLIENT_CAPABILITIES_META_KEY,
  createRequestStateCodec,
  inputRequired,
  type InputRequiredResult,
  INVALID_PARAMS,
  type JSONRPCRequest,
  LOG_LEVEL_META_KEY,
  McpServer,
  type RequestStateCodec,
  type ServerContext,
  type Tool,
} from "@modelcontextprotocol/server";
import { rendersApps } from "./apps/capability.ts";
import { isAppOnly } from "./apps/meta.ts";
import type { ErpStreams } from "./auth/erp_stream.ts";
import { type Session, TOKEN_SOURCES } from "./auth/session.ts";
import type { Config } from "./config.ts";
import { today } from "./dates.ts";
import { UserError } from "./errors.ts";
import type { Logger } from "./log.ts";
import { registerPrompts } from "./prompts.ts";
import { registerResources } from "./resources.ts";
import {
  AskFirst,
  bindingOf,
  CONFIRM_FORM,
  CONFIRM_TTL_MS,
  type Confirmer,
  type ConfirmTokens,
  createConfirmer,
} from "./tools/confirm.ts";
import { inputOf, runTool, type ToolContext, type ToolDef } from "./tools/define_tool.ts";
import { allTools, selectTools } from "./tools/mod.ts";
import denoJson from "../deno.json" with { type: "json" };

/** The server's name and version, as clients see them. */
export const SERVER_INFO = {
  name: "project-logs-mcp",
  title: "Project logs (ERP)",
  version: denoJson.version,
};

/**
 * Cache hints on the 2026-07-28 lists (SEP-2549 `ttlMs`/`cacheScope`; 2025 answers carry none).
 * The tools and prompts depend on who asks — a read-only grant gets only the read ones, a client
 * that renders MCP Apps also the grid's — so they are private to the client, and short enough
 * (five minutes) that a grant widened by a new consent shows soon. The templates are the same for
 * everyone: an hour, shareable. resources/list names the recent weeks, which move on Mondays:
 * five minutes, private. server/discover is left at the SDK's "immediately stale" (its
 * instructions carry the time they were written). Resource reads: src/resources.ts.
 */
export const LIST_CACHE_HINTS = {
  "tools/list": { ttlMs: 300_000, cacheScope: "private" },
  "prompts/list": { ttlMs: 300_000, cacheScope: "private" },
  "resources/templates/list": { ttlMs: 3_600_000, cacheScope: "public" },
  "resources/list": { ttlMs: 300_000, cacheScope: "private" },
} as const;

/** What buildServer needs: the config, this connection's session, a logger. */
export interface ServerDeps {
  config: Config;
  session: Session;
  log: Logger;
  /** Hosted mode: the streamed ERP sign-ins of the HTTP app. */
  erpStreams?: ErpStreams;
  /** Tools to register instead of the configured selection (tests). */
  tools?: readonly ToolDef[];
  /**
   * Confirmation tokens shared across servers: stateless HTTP builds a server per request, so a
   * token must outlive it (tokens stay bound to the signed-in person). Default: this server's own.
   */
  confirmTokens?: ConfirmTokens;
  /** Stateless HTTP: the client's ERP token, from which confirmation tokens are signed. */
  confirmSecret?: string;
  /**
   * 2026-07-28 HTTP: a server per request and no session, the person only from the request's
   * Authorization header, so the sign-in tools cannot keep anything and say so.
   */
  perRequest?: boolean;
  /**
   * Servers built per request for one client that keeps its session elsewhere (tests' 2026-07-28
   * HTTP): the secret the confirmation forms' state is signed with, shared by those servers.
   * Default: `confirmSecret`, else this server's own random key.
   */
  askSecret?: string;
}

/**
 * The instructions sent at initialize: what the server is for, and the date when they were
 * written. A session can outlive midnight, so they say that tools resolve dates at call time.
 */
export function instructions(config: Config, perRequest = false): string {
  const now = today(config);
  const weekday = now.toLocaleString("en-US", { weekday: "long" });
  const at = (config.now?.() ?? Temporal.Now.instant()).toZonedDateTimeISO(config.timeZone)
    .toPlainTime().toString({ smallestUnit: "minute" });
  return [
    `Reads and writes the signed-in person's weekly project time logs in the company ERP.`,
    `These instructions were written on ${weekday} ${now} at ${at} (time zone ${config.timeZone}). A session can outlive that day: tools resolve today, yesterday, this week and the like when they are called, and each answer names the dates it used. Weeks run Monday to Sunday and are named by their Monday.`,
    perRequest
      ? `The person is whoever the ERP token in this request's Authorization header belongs to; there is no session to sign in to, so the sign-in tools do not apply. If a tool says "Not signed in", the MCP client's configuration must send "Authorization: Token <ERP token>".`
      : `Sign in first (authenticate_with_token) unless whoami says the session is signed in.`,
    `Time is hours + minutes; decimal hours are rounded to the minute. Use get_active_projects and get_log_labels for exact names and ids.`,
    `Dates also take today, yesterday, tomorrow, this week, last week, this month, last month.`,
    config.readOnly
      ? ""
      : `Before submitting a week (complete_week_log) or large fills, show the person what will happen and ask.`,
    config.confirmWrites && !config.readOnly
      ? `Submitting, deleting and every fill that writes ask the person first: through the client's own question when it can ask one, otherwise a result with status needs_confirmation carries a confirmation_token; pass it back only after the person agrees.`
      : "",
    config.readOnly ? "This server is read-only: it cannot change the ERP." : "",
  ].filter(Boolean).join("\n");
}

/** Builds an MCP server bound to one session. */
export function buildServer(deps: ServerDeps): McpServer {
  const asked = createRequestStateCodec<AskedState>({
    key: askKey(deps.askSecret ?? deps.confirmSecret),
    ttlSeconds: CONFIRM_TTL_MS / 1000,
  });
  const server = new McpServer(SERVER_INFO, {
    capabilities: { tools: {}, logging: {} },
    instructions: instructions(deps.config, deps.perRequest),
    requestState: { verify: asked.verify },
    cacheHints: LIST_CACHE_HINTS,
  });
  const base = confirmerFor(server, deps.config, deps.confirmTokens, deps.confirmSecret);
  registerTools(server, deps.tools ?? selectTools(deps.config), deps.perRequest ?? false, (
    extra,
    def,
  ) => {
    const token = extra.mcpReq._meta?.progressToken;
    return {
      config: deps.config,
      session: deps.session,
      log: deps.log,
      erpStreams: deps.erpStreams,
      signal: extra.mcpReq.signal,
      confirm: askingFirst(base, asked, extra, deps.config.confirmWrites),
      progress: async (done, total, message) => {
        if (token === undefined) return;
        await extra.mcpReq.notify({
          method: "notifications/progress",
          params: {
            progressToken: token,
            progress: done,
            total,
            ...(message ? { message } : {}),
          },
        }).catch(() => {});
      },
      // Not tied to the request: the SDK drops a cancelled request's own notifications. A
      // 2026-07-28 request names the lowest level it wants in its envelope (none named: none).
      notify: async (level, data) => {
        if (!wantsLog(extra, level)) return;
        await server.server.sendLoggingMessage({ level, logger: def.name, data }, extra.sessionId)
          .catch(() => {});
      },
    };
  });
  lenientToolCalls(server);
  registerResources(server, deps);
  registerPrompts(server, deps);
  return server;
}

/**
 * tools/call as clients send it: `arguments: null` means no arguments (validated like `{}`), and
 * arguments that are not an object are invalid params in plain words, not a schema dump. The SDK
 * checks a request against its schema before any handler runs, so this looks at the request on
 * its way in, through Protocol's `_onrequest` (SDK 2.4.0; tests/e2e/input_test.ts guards it).
 */
function lenientToolCalls(server: McpServer): void {
  const protocol = server.server as unknown as {
    _onrequest(request: JSONRPCRequest, extra?: unknown): void;
    transport?: { send(message: unknown, options?: { relatedRequestId?: unknown }): Promise<void> };
  };
  const onrequest = protocol._onrequest.bind(protocol);
  protocol._onrequest = (request, extra) => {
    const params = request.params as Record<string, unknown> | undefined;
    const args = params?.arguments;
    if (request.method !== "tools/call" || args === undefined) return onrequest(request, extra);
    if (args === null) {
      const { arguments: _, ...rest } = params!;
      return onrequest({ ...request, params: rest }, extra);
    }
    if (typeof args === "object" && !Array.isArray(args)) return onrequest(request, extra);
    const message =
      `Invalid tools/call: arguments must be an object of named parameters (or absent); got ${
        Array.isArray(args) ? "a list" : typeof args
      }`;
    protocol.transport?.send(
      { jsonrpc: "2.0", id: request.id, error: { code: INVALID_PARAMS, message } },
      { relatedRequestId: request.id },
    ).catch(() => {});
  };
}

type RequestExtra = ServerContext;

/**
 * Serves tools/list and tools/call from the tool values. The server checks arguments itself
 * (`runTool`), so a client's `"2026"` for a number is accepted and a bad value is an `isError`
 * result in plain words rather than the SDK's protocol error; tools/list advertises each input in
 * the portable JSON Schema subset.
 */
function registerTools(
  server: McpServer,
  defs: readonly ToolDef[],
  perRequest: boolean,
  contextFor: (extra: RequestExtra, def: ToolDef) => ToolContext,
): void {
  const byName = new Map(defs.map((d) => [d.name, d]));
  const list = defs.map((def) => ({
    name: def.name,
    title: def.title,
    description: def.description,
    inputSchema: inputOf(def).advertised as Tool["inputSchema"],
    outputSchema: inputOf(def).outputJson as Tool["outputSchema"],
    annotations: { title: def.title, ...def.annotations },
    ...(def.meta ? { _meta: def.meta } : {}),
  }));
  // MCP Apps: the app-only tools are listed only to a client that renders apps (src/apps/).
  const forModel = list.filter((_, i) => !isAppOnly(defs[i]));
  server.server.setRequestHandler("tools/list", (_request, extra) => ({
    tools: rendersApps(server.server.getClientCapabilities(), extra) ? list : forModel,
  }));
  server.server.setRequestHandler(
    "tools/call",
    ({ params }, extra) => {
      const found = byName.get(params.name);
      // An app-only tool is a tool of the app: a client that renders no MCP Apps (the model
      // calling it by name) is answered as if it did not exist, as tools/list did.
      const def = found && isAppOnly(found) &&
          !rendersApps(server.server.getClientCapabilities(), extra)
        ? undefined
        : found;
      if (!def) {
        // A write tool left out of a read-only server (MCP_READ_ONLY, or an OAuth grant to read
        // only) says why, so the person can widen the grant instead of guessing.
        const withheld = !found && allTools.some((t) => t.name === params.name);
        return {
          content: [{
            type: "text" as const,
            text: withheld
              ? `Cannot run ${params.name}: this connection may only read the time logs (the server is read-only, or the app was granted read access only). To write, connect again and allow "read and write" on the consent page (or ask whoever runs the server).`
              : `Unknown tool "${params.name}": it is not one of this server's tools`,
          }],
          isError: true,
        };
      }
      if (perRequest && SIGN_IN_TOOLS.has(def.name)) {
        const oauth = contextFor(extra, def).session.tokenSource === TOKEN_SOURCES.oauth;
        return {
          content: [{
            type: "text" as const,
            text: oauth
              ? `Cannot run ${def.name} on this connection: it is signed in through the app's OAuth sign-in, which names the person on every request. To act as someone else, disconnect this server in the app and connect it again as them.`
              : `Cannot run ${def.name} on this connection: a 2026-07-28 HTTP client keeps no session to sign in to. Send the ERP token as "Authorization: Token <ERP token>" on every request instead (configure it in the client's server headers).`,
          }],
          isError: true,
        };
      }
      // AskFirst's answer is the SDK's own inputRequired(...) value (askingFirst below).
      return runTool(def, params.arguments, contextFor(extra, def)) as Promise<
        CallToolResult | InputRequiredResult
      >;
    },
  );
}

/** The tools that sign a session in: nothing to keep on 2026-07-28 HTTP (`perRequest`). */
const SIGN_IN_TOOLS = new Set([
  "authenticate_with_token",
  "authenticate_with_google",
  "authenticate_via_browser",
  "authenticate_via_erp_browser",
]);

/** What a 2026-07-28 confirmation form carries across the round trip: the call it asked about. */
interface AskedState {
  binding: string;
}

/**
 * The key that signs the state of a confirmation form (at least 32 bytes): derived from the
 * client's ERP token when it sends one on every request (any instance can check it), else this
 * server's own random key.
 */
function askKey(secret: string | undefined): Uint8Array {
  if (secret === undefined) return crypto.getRandomValues(new Uint8Array(32));
  return createHash("sha256").update(`input-required\n${secret}`).digest();
}

/** RFC 5424 severities, lowest first: the MCP logging levels. */
const LOG_LEVELS = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
];

/**
 * Whether a log message at `level` may go to the client of this request: a 2025 connection gets
 * every level (its session-wide logging/setLevel is the SDK's); a 2026-07-28 request only those
 * at or above the `logLevel` its `_meta` envelope names, and nothing when it names none (MCP
 * 2026-07-28, per-request `io.modelcontextprotocol/logLevel`).
 */
function wantsLog(extra: ServerContext, level: string): boolean {
  const envelope = extra.mcpReq.envelope as Record<string, unknown> | undefined;
  if (envelope === undefined) return true;
  const wanted = LOG_LEVELS.indexOf(String(envelope[LOG_LEVEL_META_KEY]));
  return wanted >= 0 && LOG_LEVELS.indexOf(level) >= wanted;
}

/** True when the request is 2026-07-28 and its client declared elicitation. */
function modernElicitation(extra: ServerContext): boolean {
  const envelope = extra.mcpReq.envelope as Record<string, unknown> | undefined;
  const caps = envelope?.[CLIENT_CAPABILITIES_META_KEY] as { elicitation?: unknown } | undefined;
  return caps?.elicitation !== undefined && caps.elicitation !== null;
}

/**
 * The confirmer for one call. A 2026-07-28 client that declared elicitation has no channel for
 * the server to ask on, so the call answers `input_required` (a yes/no form and a signed state
 * bound to the tool, the person, the arguments and what the preview showed); the client asks
 * the person and calls again with the answer, which counts only with that state. Everything
 * else (2025 clients, tokens, confirmation off) is `base`.
 */
function askingFirst(
  base: Confirmer,
  asked: RequestStateCodec<AskedState>,
  extra: ServerContext,
  enabled: boolean,
): Confirmer {
  return {
    recall: (token, who) => base.recall(token, who),
    async ask(req, signal) {
      const given = req.args.confirmation_token;
      if (!enabled || !modernElicitation(extra) || (typeof given === "string" && given !== "")) {
        return await base.ask(req, signal);
      }
      const binding = (await bindingOf(req)).full;
      const state = extra.mcpReq.requestState<AskedState>();
      if (state !== undefined) {
        if (state.binding !== binding) {
          throw new UserError(
            `Refused: the person's answer was given for another call (it confirms only the ${req.tool} call it was asked for, with exactly the same arguments, for the same person, while what the preview showed still holds)`,
            "Call again without the answer for a fresh question, and ask the person first.",
          );
        }
        const answer = acceptedContent(extra.mcpReq.inputResponses, "confirm");
        return answer?.confirm === true
          ? { status: "confirmed", via: "elicitation" }
          : { status: "declined" };
      }
      throw new AskFirst(inputRequired({
        inputRequests: {
          confirm: inputRequired.elicit({
            mode: "form",
            message: req.message,
            requestedSchema: CONFIRM_FORM,
          }),
        },
        requestState: await asked.mint({ binding }, extra),
      }));
    },
  };
}

/** This session's confirmer: elicitation through the client when it declared it. */
function confirmerFor(
  server: McpServer,
  config: Config,
  tokens?: ConfirmTokens,
  secret?: string,
): Confirmer {
  return createConfirmer({
    enabled: config.confirmWrites,
    tokens,
    secret,
    now: () => (config.now?.() ?? Temporal.Now.instant()).epochMilliseconds,
    elicitWaitMs: config.confirmWaitMs,
    canElicit: () => server.server.getClientCapabilities()?.elicitation !== undefined,
    elicit: async (message, signal) => {
      const r = await server.server.elicitInput(
        { mode: "form", message, requestedSchema: CONFIRM_FORM },
        { signal },
      );
      return { action: r.action, yes: r.content?.confirm === true };
    },
  });
}
