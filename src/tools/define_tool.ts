/**
 * A tool is one declared value: name, texts, schemas, annotations and a handler that returns
 * typed data. `runTool` turns what the handler returns or throws into the MCP result: expected
 * failures become `isError` results that say what to do; only programming faults are logged.
 */
import { z } from "zod";
import type { ErpStreams } from "../auth/erp_stream.ts";
import type { Session } from "../auth/session.ts";
import type { Config } from "../config.ts";
import { ErpError } from "../erp/errors.ts";
import { ShapeError } from "../erp/types.ts";
import { UserError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Confirmer } from "./confirm.ts";

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
  handler(
    args: z.infer<z.ZodObject<In>>,
    ctx: ToolContext,
  ): Promise<ToolOutput<z.infer<z.ZodObject<Out>>>>;
}

/** Declares a tool; the identity function that keeps each tool's types tied together. */
export function defineTool<In extends z.ZodRawShape, Out extends z.ZodRawShape>(
  def: ToolDef<In, Out>,
): ToolDef<In, Out> {
  return def;
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
    content: [{ type: "text", text: hint ? `${message}. ${hint}` : message }],
    isError: true,
  };
}

/** Runs a handler and maps its outcome to the MCP result. */
export async function runTool(
  def: ToolDef,
  args: Record<string, unknown>,
  ctx: ToolContext,
): Promise<CallResult> {
  try {
    const out = await def.handler(args as never, ctx);
    return {
      content: [
        { type: "text", text: out.text },
        { type: "text", text: JSON.stringify(out.data) },
      ],
      structuredContent: out.data as Record<string, unknown>,
      ...(out.isError ? { isError: true } : {}),
    };
  } catch (error) {
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

/** What the model is told for each kind of ERP failure. */
function erpErrorResult(error: ErpError, ctx: ToolContext): CallResult {
  switch (error.kind) {
    case "unauthorized":
      ctx.session.tokenRejected();
      return errorResult(
        "The ERP refused this session's token (401): it expired or was revoked, so the session is now signed out",
        "Sign in again with authenticate_with_token (a fresh token from the ERP web app) or another sign-in tool.",
      );
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
