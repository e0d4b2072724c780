/** Sign-in tools: token, Google access token, who am I, sign out. */
import { z } from "zod";
import { ErpError } from "../erp/errors.ts";
import { type Credentials, HEADER_SIGN_IN, TOKEN_SOURCES } from "../auth/session.ts";
import { UserError } from "../errors.ts";
import { refuseInHeaderMode } from "./browser_auth.ts";
import { defineTool, type ToolContext } from "./define_tool.ts";

const identity = {
  signed_in: z.boolean(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  method: z.string().nullable().describe("how this session signed in"),
  token_source: z.string().nullable().describe(
    "where the session's ERP token came from, in words (never the token itself)",
  ),
  erp: z.string().describe("the ERP API this server talks to"),
};

/** The answer of a successful sign-in. */
function signedIn(creds: Credentials, ctx: ToolContext, said: string) {
  return {
    text: `${said} as ${creds.email}${creds.name ? ` (${creds.name})` : ""}.`,
    data: {
      signed_in: true,
      email: creds.email,
      name: creds.name ?? null,
      method: creds.method,
      token_source: TOKEN_SOURCES[creds.method],
      erp: ctx.config.erpBaseUrl,
    },
  };
}

/** authenticate_with_token */
export const authenticateWithToken = defineTool({
  name: "authenticate_with_token",
  title: "Sign in with an ERP token",
  description:
    'Sign this session in with the person\'s ERP token: the Authorization header value the ERP web app sends (DevTools → Network → any API request), as "Token abc…", "Bearer abc…" or just "abc…". The token is checked with the ERP and the email against the allowlist before it is kept; it is kept only for this session and never shown again.',
  input: {
    token: z.string().min(1).max(600).describe(
      'The ERP token, with or without its "Token " / "Bearer " prefix',
    ),
    email: z.string().max(254).optional().describe(
      "Your email; used only when the ERP does not say whose token it is and this server trusts typed emails (MCP_TRUST_TYPED_EMAIL); otherwise such a sign-in is refused",
    ),
  },
  output: identity,
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  async handler(args, ctx) {
    refuseInHeaderMode(ctx, "authenticate_with_token");
    const creds = await ctx.session.verify(args.token, args.email, "token", ctx.signal);
    return signedIn(creds, ctx, "Signed in");
  },
});

/** authenticate_with_google */
export const authenticateWithGoogle = defineTool({
  name: "authenticate_with_google",
  title: "Sign in with a Google access token",
  description:
    "Sign this session in with a Google OAuth access token (from a Google sign-in done elsewhere): the ERP exchanges it for an ERP token, and the email it returns must be on the allowlist.",
  input: {
    access_token: z.string().min(1).max(4096).describe("A Google OAuth access token"),
    email: z.string().max(254).optional().describe(
      "Your email; used only when the ERP returns none and this server trusts typed emails (MCP_TRUST_TYPED_EMAIL); otherwise such a sign-in is refused",
    ),
  },
  output: identity,
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  async handler(args, ctx) {
    refuseInHeaderMode(ctx, "authenticate_with_google");
    const stop = ctx.session.signal;
    let exchanged;
    try {
      exchanged = await ctx.session.anonymousClient(ctx.signal).googleLogin(
        args.access_token.trim(),
      );
    } catch (error) {
      if (
        error instanceof ErpError &&
        ["validation", "unauthorized", "forbidden", "not_found"].includes(error.kind)
      ) {
        throw new UserError(
          `The ERP refused the Google sign-in (${error.status}): ${
            error.erpMessage ?? "no reason given"
          }`,
          error.kind === "not_found" || error.kind === "forbidden"
            ? "That Google account is not registered in the ERP; sign in with your company account."
            : "The Google token may have expired; sign in to Google again and pass the new access token.",
        );
      }
      throw error;
    }
    // The ERP's own word on the email; a typed one only through verify (refused unless trusted).
    const creds = exchanged.email
      ? ctx.session.accept({
        token: exchanged.token,
        email: exchanged.email,
        name: exchanged.name,
        method: "google",
        emailVerified: true,
        stop,
      })
      : await ctx.session.verify(exchanged.token, args.email?.trim(), "google", ctx.signal);
    return signedIn(creds, ctx, "Signed in with Google");
  },
});

/** ERP failures that say nothing about the token: it was not checked, so it is kept. */
const UNREACHABLE: ReadonlySet<string> = new Set(["unavailable", "timeout", "rate_limited"]);

/** whoami */
export const whoami = defineTool({
  name: "whoami",
  title: "Who is signed in",
  description:
    "Say who this session is signed in as, how, and to which ERP — or that it is not signed in and how to sign in, or that the ERP could not be reached to check the token it holds (the token is kept).",
  input: {},
  output: {
    ...identity,
    since: z.string().nullable(),
    email_confirmed: z.boolean().nullable().describe(
      "true when the ERP itself named this email; false when it was typed at sign-in",
    ),
    trust_typed_email: z.boolean().describe(
      "this server lets an email typed at sign-in pass the allowlist when the ERP names nobody (MCP_TRUST_TYPED_EMAIL; weaker)",
    ),
    erp_unreachable: z.boolean().optional().describe(
      "true when the session holds a token the ERP could not be reached to check: it is kept, try again later (no new token needed)",
    ),
    browser_sign_in: z.object({
      method: z.string(),
      status: z.string().describe("pending, signed_in, refused, failed, expired or cancelled"),
      url: z.string().nullable(),
      expires_at: z.string(),
      message: z.string().nullable(),
    }).nullable().optional().describe("the latest browser sign-in of this session, if any"),
  },
  annotations: { readOnlyHint: true, openWorldHint: false },
  async handler(_args, ctx) {
    let creds = ctx.session.credentials;
    const attempt = ctx.session.signInAttempt;
    const browser_sign_in = attempt
      ? {
        method: attempt.method,
        status: attempt.outcome?.status ?? "pending",
        url: attempt.outcome ? null : attempt.url ?? null,
        expires_at: attempt.expiresAt,
        message: attempt.outcome?.message ?? null,
      }
      : null;
    let note = !attempt
      ? ""
      : attempt.outcome
      ? ` Last browser sign-in (${attempt.method}): ${attempt.outcome.status}: ${attempt.outcome.message}.`
      : ` A browser sign-in (${attempt.method}) is pending${
        attempt.url ? ` at ${attempt.url}` : ""
      } until ${attempt.expiresAt}.`;
    let unreachable: string | undefined;
    if (creds || ctx.session.hasPendingToken) {
      // The allowlist as it is now (a signed-in person may have been removed from the file).
      const from = ctx.session.tokenSource;
      try {
        creds = await ctx.session.require(ctx.signal);
      } catch (error) {
        if (!(error instanceof UserError || error instanceof ErpError)) throw error;
        creds = undefined;
        if (error instanceof ErpError && UNREACHABLE.has(error.kind)) {
          // The token was never judged: the ERP did not answer. It is kept for the next call.
          unreachable =
            `the ERP at ${ctx.config.erpBaseUrl} could not be reached to check the token from ${from} (${
              error.message.replace(/\.$/, "")
            }). The token is kept (this is not a sign-in problem); try again in a few minutes, and if this keeps happening, check that the ERP is up and ERP_API_BASE_URL is right.`;
        } else {
          note += ` The token from ${from} could not be used: ${error.message.replace(/\.$/, "")}.`;
        }
      }
    }
    const trust = ctx.config.trustTypedEmail;
    if (trust) {
      note +=
        " This server accepts an email typed at sign-in when the ERP does not say whose the token is (MCP_TRUST_TYPED_EMAIL): weaker, anyone with a valid ERP token may claim a listed email.";
    }
    const base = { erp: ctx.config.erpBaseUrl, trust_typed_email: trust };
    if (!creds) {
      return {
        text: unreachable
          ? `Cannot confirm the sign-in yet: ${unreachable}${note}`
          : `Not signed in (ERP ${ctx.config.erpBaseUrl}).${note} ${
            ctx.session.headerOnly
              ? HEADER_SIGN_IN
              : "Sign in with authenticate_with_token or authenticate_with_google."
          }`,
        data: {
          signed_in: false,
          email: null,
          name: null,
          method: null,
          token_source: null,
          since: null,
          email_confirmed: null,
          ...base,
          ...(unreachable ? { erp_unreachable: true } : {}),
          browser_sign_in,
        },
      };
    }
    return {
      text: `Signed in as ${creds.email}${
        creds.name ? ` (${creds.name})` : ""
      } by ${creds.method} (token from ${
        TOKEN_SOURCES[creds.method]
      }) since ${creds.since}, ERP ${ctx.config.erpBaseUrl}.${
        creds.emailVerified ? "" : " The email was typed at sign-in; the ERP did not confirm it."
      }${note}`,
      data: {
        signed_in: true,
        email: creds.email,
        name: creds.name ?? null,
        method: creds.method,
        token_source: TOKEN_SOURCES[creds.method],
        since: creds.since,
        email_confirmed: creds.emailVerified,
        ...base,
        browser_sign_in,
      },
    };
  },
});

/** sign_out */
export const signOut = defineTool({
  name: "sign_out",
  title: "Sign out",
  description:
    "Forget this session's ERP token and cached data, and stop its calls still running: their ERP reads are aborted and writes not yet sent are not sent (a write the ERP already received finishes and is reported by its call). A browser sign-in still pending is cancelled. Other sessions are not affected.",
  input: {},
  output: { signed_out: z.boolean(), email: z.string().nullable() },
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  handler(_args, ctx) {
    refuseInHeaderMode(ctx, "sign_out");
    const email = ctx.session.credentials?.email ?? null;
    const attempt = ctx.session.signInAttempt;
    if (attempt && !attempt.outcome) attempt.cancel();
    ctx.session.signOut();
    return Promise.resolve({
      text: email
        ? `Signed out ${email}; calls of this session still running were stopped.`
        : "Was not signed in.",
      data: { signed_out: true, email },
    });
  },
});

/** Every sign-in tool. */
export const authTools = [authenticateWithToken, authenticateWithGoogle, whoami, signOut];
