/**
 * A tool is one declared value: name, texts, schemas, annotations and a handler that returns
 * typed data. `runTool` turns what the handler returns or throws into the MCP result: expected
 * failures become `isError` results that say what to do; only programming faults are logged.
 */
import { z } from "zod";
import type { ErpStreams } from "../auth/erp_stream.ts";
import type { Session } from "../auth/session.ts";
import type { Config } from "../config.ts";
import { relativeSpan, today } from "../dates.ts";
import { ErpError } from "../erp/errors.ts";
import { ShapeError } from "../erp/types.ts";
import { UserError } from "../errors.ts";
import { loadTextKeys } from "../text.ts";
import type { Logger } from "../log.ts";
import { AskFirst, type Confirmer } from "./confirm.ts";
import { parseInput, type ToolInput, toolInput } from "./input.ts";

/** Annotations, declared honestly on every tool. */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/** What a handler may use besides its arguments. */
export interface ToolContext {
  readonly config: Config;
  readonly session: Session;
  readonly log: Logger;
  /** Hosted mode: where streamed ERP sign-ins run (absent over stdio). */
  readonly erpStreams?: ErpStreams;
  /** Aborted when the client cancels the call. */
  readonly signal: AbortSignal;
  /** Reports progress when the client asked for it; a no-op otherwise. */
  progress(done: number, total: number, message?: string): Promise<void>;
  /** A log message to the client (`notifications/message`); reaches it even after it cancelled. */
  notify?(level: "info" | "notice" | "warning", data: unknown): Promise<void>;
  /** Asks the person before an irreversible or large write (elicitation, else a token). */
  readonly confirm: Confirmer;
}

/** What a handler returns: a short readable text and data matching the output schema. */
export interface ToolOutput<Data> {
  text: string;
  data: Data;
  /** Set when part of the work failed: the data still says exactly what was done. */
  isError?: boolean;
}

/** One tool, declared as a value. */
export interface ToolDef<
  In extends z.ZodRawShape = z.ZodRawShape,
  Out extends z.ZodRawShape = z.ZodRawShape,
> {
  name: string;
  title: string;
  description: string;
  input: In;
  output: Out;
  annotations: ToolAnnotations;
  /**
   * The tool's `_meta` in tools/list, e.g. MCP Apps' `{ ui: { resourceUri, visibility } }`
   * (ext-apps specification 2026-01-26); absent for most tools.
   */
  meta?: Record<string, unknown>;
  /** The input's checker and advertised schema, built once by defineTool. */
  readonly checked?: ToolInput;
  handler(
    args: z.infer<z.ZodObject<In>>,
    ctx: ToolContext,
  ): Promise<ToolOutput<z.infer<z.ZodObject<Out>>>>;
}

/** Declares a tool, keeping its types tied together and building its input checker once. */
export function defineTool<In extends z.ZodRawShape, Out extends z.ZodRawShape>(
  def: ToolDef<In, Out>,
): ToolDef<In, Out> {
  return Object.freeze({ ...def, checked: def.checked ?? toolInput(def.input, def.output) });
}

/** A tool's input checker and advertised schema (built now for a def made without defineTool). */
export function inputOf(def: ToolDef): ToolInput {
  return def.checked ?? toolInput(def.input, def.output);
}

/** The MCP result of a tool call. */
export interface CallResult {
  [key: string]: unknown;
  content: { type: "text"; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** An `isError` result with what failed and what to do next. */
export function errorResult(message: string, hint?: string): CallResult {
  return {
    // One period between the two, whether or not the message (often the ERP's) ends with one.
    content: [{ type: "text", text: hint ? `${message.replace(/\.+$/, "")}. ${hint}` : message }],
    isError: true,
  };
}

/**
 * Checks the raw arguments, runs the handler and maps its outcome to the MCP result: the data
 * once as readable text in `content` and once as `structuredContent` (checked against the output
 * schema). Bad input is an `isError` result in plain words, like every other fixable failure.
 */
export function runTool(
  def: ToolDef,
  raw: unknown,
  ctx: ToolContext,
): Promise<CallResult | AskFirst["answer"]> {
  // The session counts its calls in flight, so a connection that ends can let them finish.
  return ctx.session.track(runToolNow(def, raw, ctx));
}

async function runToolNow(
  def: ToolDef,
  raw: unknown,
  ctx: ToolContext,
): Promise<CallResult | AskFirst["answer"]> {
  try {
    const args = parseInput(def.name, inputOf(def), raw);
    await loadTextKeys(); // names and descriptions are matched by look-alike keys
    const out = await def.handler(args as never, ctx);
    const checked = out.isError ? undefined : inputOf(def).output.safeParse(out.data);
    if (checked && !checked.success) {
      throw new Error(`${def.name} returned data outside its output schema: ${checked.error}`);
    }
    const resolved = resolvedLine(args, ctx.config);
    return {
      content: [{ type: "text", text: resolved ? `${out.text}\n${resolved}` : out.text }],
      structuredContent: (checked?.data ?? out.data) as Record<string, unknown>,
      ...(out.isError ? { isError: true } : {}),
    };
  } catch (error) {
    if (error instanceof AskFirst) return error.answer;
    if (error instanceof UserError) return errorResult(error.message, error.hint);
    if (error instanceof ErpError) return erpErrorResult(error, ctx);
    if (error instanceof ShapeError) {
      return errorResult(
        error.message,
        "The ERP's API may have changed; report this to whoever runs this server.",
      );
    }
    if (ctx.signal.aborted) return errorResult("Cancelled by the client");
    ctx.log.error(`tool ${def.name} failed`, error);
    return errorResult(
      `Internal error in ${def.name}`,
      "This is a bug in the server, not in your request; details are in the server's log.",
    );
  }
}

/**
 * The line naming the dates that relative words in the arguments resolved to at call time, e.g.
 * `Dates as of Wednesday 2026-11-25 (UTC): "last week" = 2026-11-16 to 2026-11-22`; empty when
 * no argument was a relative word. Sessions outlive midnight, so each answer says its own today.
 */
export function resolvedLine(args: Record<string, unknown>, config: Config): string {
  const parts: string[] = [];
  for (const value of Object.values(args)) {
    if (typeof value !== "string") continue;
    const span = relativeSpan(value, config);
    if (!span) continue;
    const dates = span.start.equals(span.end) ? `${span.start}` : `${span.start} to ${span.end}`;
    const part = `"${value.trim()}" = ${dates}`;
    if (!parts.includes(part)) parts.push(part);
  }
  if (!parts.length) return "";
  const now = today(config);
  const weekday = now.toLocaleString("en-US", { weekday: "long" });
  return `Dates as of ${weekday} ${now} (${config.timeZone}): ${parts.join(", ")}.`;
}

/** ERP routes that exist whatever the data (erp-api.md §1–7): a 404 there is a wrong base URL. */
const FIXED_ROUTES =
  /\b(GET|POST) (core\/person\/|project-logs\/(person\/list|person\/month-list|person\/active_project_list|log_labels)\/)/;

/** What the model is told for each kind of ERP failure. */
function erpErrorResult(error: ErpError, ctx: ToolContext): CallResult {
  switch (error.kind) {
    case "unauthorized": {
      const from = ctx.session.tokenRejected();
      return errorResult(
        `The ERP refused this session's token${
          from ? ` (from ${from})` : ""
        } (401): it expired or was revoked, so the session is now signed out`,
        "Sign in again with authenticate_with_token (a fresh token from the ERP web app) or another sign-in tool.",
      );
    }
    case "forbidden":
      return errorResult(
        error.message,
        "Your ERP account may not have access to this; ask your ERP administrator.",
      );
    case "rate_limited":
      return errorResult(
        error.message,
        "The ERP is limiting requests; wait a minute before trying again.",
      );
    case "timeout":
    case "unavailable":
      return errorResult(
        error.message,
        "The ERP is down or slow; try again in a few minutes. If this keeps happening, check ERP_API_BASE_URL.",
      );
    case "not_found":
      // These addresses exist on every ERP: a 404 there means the server is pointed elsewhere.
      if (FIXED_ROUTES.test(error.message)) {
        return errorResult(
          error.message,
          "That address always exists on the ERP, so ERP_API_BASE_URL probably points at the wrong place (it usually ends in /api/v1/); `doctor` checks it.",
        );
      }
      return errorResult(
        error.message,
        "It may have been deleted; re-read the week to see what is there now.",
      );
    case "conflict":
      return errorResult(error.message, "Someone else changed this; re-read it and try again.");
    case "validation":
      return errorResult(
        error.erpMessage ? `The ERP refused the change: ${error.erpMessage}` : error.message,
        "Fix the values it names and try again.",
      );
  }
}
