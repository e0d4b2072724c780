/**
 * Asking the person before an irreversible or large write. A client that declares elicitation
 * gets a yes/no form (given up on after `MCP_CONFIRM_WAIT_SECONDS`, then a token); any other client
 * gets a preview and a short-lived confirmation token, bound to this session, the signed-in person,
 * the tool, the exact arguments and what the preview showed (resolved dates, the plan, the entry),
 * that the real call must echo back. `--no-confirm` / `MCP_NO_CONFIRM` turns the whole thing off.
 */
import { z } from "zod";
import { UserError } from "../errors.ts";
import { sameSecret } from "../secret.ts";

/** How long a confirmation token stays valid. */
export const CONFIRM_TTL_MS = 5 * 60 * 1000;

/** The most tokens kept at once. */
const MAX_TOKENS = 1000;

/**
 * How long a yes/no form waits for the person before the answer falls back to a token: well
 * below the 60 s after which SDK clients give up on a request, so the fallback still arrives.
 */
export const ELICIT_WAIT_MS = 45_000;

/** The optional argument that carries a confirmation token back. */
export const confirmationTokenArg = z.string().max(100).optional().describe(
  "Only after a call answered needs_confirmation: the confirmation_token it returned, once the person said yes (valid 5 minutes, only for the same arguments and while what the preview showed still holds)",
);

/** The output fields a confirmable tool adds. */
export const confirmationOutput = {
  confirmation_token: z.string().optional().describe(
    "set with status needs_confirmation: pass it back as confirmation_token, with the same arguments, after the person agrees",
  ),
  expires_at: z.string().optional().describe("when the confirmation_token expires (ISO instant)"),
};

/** What a tool asks the person. */
export interface ConfirmAsk {
  /** The tool's name. */
  tool: string;
  /** The call's arguments as given; `confirmation_token` is left out of the binding. */
  args: Record<string, unknown>;
  /** The signed-in person, so one person's token never serves another. */
  who: string;
  /** The question and the preview, in words. */
  message: string;
  /**
   * What the preview showed, resolved (dates, the entry with its id and content, the plan): part
   * of the binding, so a token never confirms anything but what the person saw.
   */
  shown?: unknown;
  /** Kept with a session token and handed back on confirmation (what the preview read). */
  memo?: unknown;
}

/** The answer: go ahead, the person said no, or the model must ask and call again. */
export type ConfirmOutcome =
  | { status: "confirmed"; via: "elicitation" | "token" | "off"; memo?: unknown }
  | { status: "declined" }
  | {
    status: "needs_confirmation";
    token: string;
    expiresAt: string;
    /** session: kept by this session only; signed: checked by any request with the same ERP token. */
    scope: "session" | "signed";
  };

/** What a tool uses to ask; one per session. */
export interface Confirmer {
  ask(req: ConfirmAsk, signal?: AbortSignal): Promise<ConfirmOutcome>;
  /**
   * What the preview that minted `token` kept for `who` (undefined when none, expired, or signed
   * tokens): the confirmed call may start from it, since `ask` still checks the token's binding.
   */
  recall(token: string | undefined, who: string): unknown;
}

/**
 * Thrown by `Confirmer.ask` when the person must answer before the call can go on, on a
 * 2026-07-28 connection: `answer` is the `input_required` result the call returns instead; the
 * client asks the person and calls again with the answer and the state it was given.
 */
export class AskFirst extends Error {
  constructor(readonly answer: Record<string, unknown>) {
    super("The person must answer first");
  }
}

/** The elicitation answers a form can give. */
export type ElicitAction = "accept" | "decline" | "cancel";

/** Issued confirmation tokens: one map per session, or one shared by stateless HTTP requests. */
export type ConfirmTokens = Map<
  string,
  {
    /** The whole binding: the call (tool, person, arguments), then what the preview showed. */
    binding: string;
    expires: number;
    who?: string;
    memo?: unknown;
    /** Set once the token confirmed a call; kept until it would have expired, to say so. */
    used?: boolean;
  }
>;

/** What a confirmer needs from the server around it. */
export interface ConfirmerDeps {
  enabled: boolean;
  /** Where tokens live; a fresh map (this session only) when absent. */
  tokens?: ConfirmTokens;
  /**
   * Stateless mode (a client that sends its ERP token on every request): tokens are signed with
   * a key derived from that ERP token instead of stored, so any instance behind a load balancer
   * checks them. They still expire and stay bound to the tool, the person and the arguments.
   */
  secret?: string;
  /** Milliseconds since the epoch. */
  now: () => number;
  ttlMs?: number;
  /** How long a yes/no form waits before falling back to a token (default ELICIT_WAIT_MS). */
  elicitWaitMs?: number;
  /** True when the connected client declared the elicitation capability. */
  canElicit: () => boolean;
  /** Shows the yes/no form; resolves to the person's action and whether they ticked yes. */
  elicit: (
    message: string,
    signal?: AbortSignal,
  ) => Promise<{ action: ElicitAction; yes: boolean }>;
}

/** The JSON Schema of the yes/no form. */
export const CONFIRM_FORM = {
  type: "object" as const,
  properties: {
    confirm: {
      type: "boolean" as const,
      title: "Go ahead",
      description: "Tick to confirm; leave unticked or decline to cancel",
      default: false,
    },
  },
  required: ["confirm"],
};

/** A JSON text of `value` with keys sorted and undefined left out, so equal arguments hash equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The binding in two parts, so a refusal can say which part failed: `call` (the tool, the person,
 * the arguments) and `full` (the call and what the preview showed).
 */
export async function bindingOf(req: ConfirmAsk): Promise<{ call: string; full: string }> {
  const { confirmation_token: _, ...args } = req.args;
  const call = await sha256Hex(`${req.tool}\n${req.who.toLowerCase()}\n${canonicalJson(args)}`);
  const shown = await sha256Hex(canonicalJson(req.shown ?? null));
  return { call, full: `${call}.${shown}` };
}

async function mac(secret: string, binding: string, expires: number): Promise<string> {
  const raw = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`confirm\n${secret}`));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const sig = await crypto.subtle.sign(
    "HMAC",
    key,
    new TextEncoder().encode(`${binding}\n${expires}`),
  );
  const b64 = btoa(String.fromCharCode(...new Uint8Array(sig).subarray(0, 18)));
  return b64.replaceAll("+", "-").replaceAll("/", "_");
}

/** A signed token: its expiry, a MAC of the call, and a MAC of the call with what was shown. */
async function sign(
  secret: string,
  binding: { call: string; full: string },
  expires: number,
): Promise<string> {
  return `${expires.toString(36)}.${await mac(secret, binding.call, expires)}.${await mac(
    secret,
    binding.full,
    expires,
  )}`;
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_");
}

/** A session's confirmer: elicitation when the client has it, tokens otherwise. */
export function createConfirmer(deps: ConfirmerDeps): Confirmer {
  const ttl = deps.ttlMs ?? CONFIRM_TTL_MS;
  const tokens: ConfirmTokens = deps.tokens ?? new Map();
  // An expired or used token is kept one more lifetime, so its refusal can say why.
  const sweep = (now: number) => {
    for (const [t, v] of tokens) if (v.expires + ttl <= now) tokens.delete(t);
  };
  const wait = deps.elicitWaitMs ?? ELICIT_WAIT_MS;
  return {
    recall(token, who) {
      if (!token || deps.secret !== undefined) return undefined;
      const entry = tokens.get(token);
      if (!entry || entry.used || entry.expires <= deps.now()) return undefined;
      return entry.who === who.toLowerCase() ? entry.memo : undefined;
    },
    async ask(req, signal) {
      if (!deps.enabled) return { status: "confirmed", via: "off" };
      const binding = await bindingOf(req);
      const now = deps.now();
      // A token pasted back with spaces or a line break around it is still that token.
      const raw = req.args.confirmation_token;
      const given = typeof raw === "string" ? raw.trim() : raw;
      if (typeof given === "string" && given !== "" && deps.secret !== undefined) {
        const parts = given.split(".");
        const expires = parseInt(parts[0], 36);
        const expected = Number.isFinite(expires) && parts.length === 3
          ? await sign(deps.secret, binding, expires)
          : "";
        const [, callMac] = expected.split(".");
        if (!expected || !sameSecret(parts[1], callMac)) throw mismatch(req.tool);
        if (expires <= now) throw expired(ttl);
        // Nothing is kept between stateless requests: a token already used and a week changed
        // since look the same here (what the preview showed no longer holds).
        if (!sameSecret(given, expected)) throw changed(true);
        return { status: "confirmed", via: "token" };
      }
      if (typeof given === "string" && given !== "") {
        const entry = tokens.get(given);
        if (!entry) throw unknownToken();
        const [call] = entry.binding.split(".");
        if (call !== binding.call) throw mismatch(req.tool);
        if (entry.used) throw used();
        if (entry.expires <= now) throw expired(ttl);
        if (entry.binding !== binding.full) throw changed(false);
        const memo = entry.memo;
        entry.used = true;
        entry.memo = undefined;
        return memo === undefined
          ? { status: "confirmed", via: "token" }
          : { status: "confirmed", via: "token", memo };
      }
      if (deps.canElicit()) {
        // The form is given up on well before the client's own request timeout, so the token
        // answer below still reaches a client whose person never answered.
        const gaveUp = new AbortController();
        const timer = setTimeout(
          () => gaveUp.abort(new Error(`nobody answered within ${wait / 1000} s`)),
          wait,
        );
        try {
          const answer = await deps.elicit(
            req.message,
            signal ? AbortSignal.any([signal, gaveUp.signal]) : gaveUp.signal,
          );
          return answer.action === "accept" && answer.yes
            ? { status: "confirmed", via: "elicitation" }
            : { status: "declined" };
        } catch {
          if (signal?.aborted) throw new UserError("Cancelled by the client");
          // A client that declared elicitation but failed to answer: fall back to a token.
        } finally {
          clearTimeout(timer);
        }
      }
      if (deps.secret !== undefined) {
        const expires = now + ttl;
        return {
          status: "needs_confirmation",
          token: await sign(deps.secret, binding, expires),
          expiresAt: new Date(expires).toISOString(),
          scope: "signed",
        };
      }
      sweep(now);
      // Bounded: the oldest tokens go first when a session (or a shared store) piles them up.
      for (const t of tokens.keys()) {
        if (tokens.size < MAX_TOKENS) break;
        tokens.delete(t);
      }
      const token = randomToken();
      const expires = now + ttl;
      tokens.set(token, {
        binding: binding.full,
        expires,
        who: req.who.toLowerCase(),
        memo: req.memo,
      });
      return {
        status: "needs_confirmation",
        token,
        expiresAt: new Date(expires).toISOString(),
        scope: "session",
      };
    },
  };
}

function expired(ttl: number): UserError {
  return new UserError(
    `Refused: the confirmation_token expired (tokens last ${Math.round(ttl / 60000)} minutes)`,
    "Call again without confirmation_token for a fresh preview, show it to the person, and use the new token only if they agree.",
  );
}

function mismatch(tool: string): UserError {
  return new UserError(
    `Refused: the confirmation_token does not match this call: it was issued for another call (it confirms only the ${tool} call of its preview, with exactly the same arguments, for the same person)`,
    "Call again without confirmation_token for a preview and a token for these arguments, and ask the person first.",
  );
}

function unknownToken(): UserError {
  return new UserError(
    "Refused: the confirmation_token is not one this session issued (tokens serve only the session that previewed, and are forgotten some minutes after they expire)",
    "Call again without confirmation_token for a fresh preview and token, and ask the person first.",
  );
}

function used(): UserError {
  return new UserError(
    "Refused: this confirmation_token was already used (each token confirms one call)",
    "Read the result of that call (or get_week_logs); for another write, call again without confirmation_token for a fresh preview.",
  );
}

/** What the preview showed no longer holds; a signed token cannot tell that from a reuse. */
function changed(orUsed: boolean): UserError {
  return new UserError(
    `Refused: the week changed since the preview (its entries, or the week a word like "last week" means now)${
      orUsed ? ", or this token was already used" : ""
    }, so the token no longer confirms what the person saw: preview again`,
    "Call again without confirmation_token for a fresh preview, show it to the person, and use the new token only if they agree.",
  );
}

/**
 * The sentences that end a preview when the model must ask: the token itself (clients that read
 * only the text need it), and how a client that starts a new server per call can finish.
 */
export function askLine(tool: string, answer?: ConfirmOutcome): string {
  const token = answer?.status === "needs_confirmation" ? answer : undefined;
  return [
    `Not done yet: show this to the person and ask. If they agree, call ${tool} again with the same arguments plus`,
    token
      ? `confirmation_token "${token.token}" (valid until ${token.expiresAt}).`
      : "confirmation_token (valid 5 minutes).",
    token?.scope === "signed"
      ? "The token is signed for this person and these arguments: any request with the same credentials can use it until it expires."
      : "The token works only in this session: a client that starts a new server for each call (a one-shot command line) cannot use it; there, run the call with the CLI's --yes flag after the person agrees, or run the server with MCP_NO_CONFIRM=true.",
  ].join(" ");
}
