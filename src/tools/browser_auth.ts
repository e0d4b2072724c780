/** Sign-in tools that use a browser: Google through a loopback page, and the ERP's own login. */
import { z } from "zod";
import { waitAtMost } from "../auth/attempt.ts";
import { signInWithErpBrowser } from "../auth/erp_browser.ts";
import { startGoogleSignIn } from "../auth/google.ts";
import { type SignInAttempt, TOKEN_SOURCES } from "../auth/session.ts";
import { UserError } from "../errors.ts";
import { defineTool, type ToolContext } from "./define_tool.ts";

/**
 * Refuses a sign-in tool on a session whose token comes from the request's Authorization header:
 * each request is signed in by its header, so a tool cannot change who it is (UserError).
 */
export function refuseInHeaderMode(ctx: ToolContext, tool: string): void {
  if (ctx.session.tokenSource === TOKEN_SOURCES.oauth) {
    // The app's OAuth sign-in names the person on every request: a tool cannot change it (and
    // must not check other people's ERP tokens for the caller).
    throw new UserError(
      `Cannot use ${tool} here: this connection is signed in through the app's OAuth sign-in, so ${tool} changes nothing`,
      "To act as someone else, disconnect this server in the app and connect it again, signing in as them; to sign out, disconnect it.",
    );
  }
  if (ctx.session.tokenSource !== TOKEN_SOURCES.header) return;
  throw new UserError(
    `Cannot use ${tool} here: this request is authenticated by its Authorization header, so ${tool} changes nothing`,
    "To act as someone else, change the Authorization header (the ERP token) in the MCP client's configuration; to sign out, remove the header.",
  );
}

/** authenticate_via_browser */
export const authenticateViaBrowser = defineTool({
  name: "authenticate_via_browser",
  title: "Sign in with Google in the browser",
  description:
    "Start a Google sign-in: returns a link (http://127.0.0.1:<port>/login) for the person to open in their browser. After they pick their Google account, the ERP exchanges the Google sign-in for an ERP token and the email must be on the allowlist. Pass wait_seconds to wait for the outcome; otherwise call whoami (or this tool again) to learn it. The link expires after 5 minutes.",
  input: {
    wait_seconds: z.number().int().min(0).max(120).optional().describe(
      "Seconds to wait for the person to finish signing in (0-120); default 0: answer at once",
    ),
  },
  output: {
    status: z.enum(["pending", "signed_in", "refused", "failed", "expired", "cancelled"]),
    url: z.string().nullable().describe("the page the person opens to sign in"),
    expires_at: z.string().describe("when the sign-in link stops working (ISO)"),
    email: z.string().nullable(),
    message: z.string(),
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  async handler(args, ctx) {
    const { config, session } = ctx;
    refuseInHeaderMode(ctx, "authenticate_via_browser");
    if (ctx.erpStreams) {
      // Hosted: the loopback page would open on the server, where the person's browser cannot go.
      throw new UserError(
        "Cannot use the Google loopback sign-in on a hosted server: its page listens on the server's own 127.0.0.1",
        "Use authenticate_via_erp_browser (a link to a streamed sign-in page), or authenticate_with_token.",
      );
    }
    if (!config.googleClientId) {
      throw new UserError(
        "Google sign-in is not configured: MCP_GOOGLE_CLIENT_ID is not set",
        `Create an OAuth client ID of type "Web application" in Google Cloud Console (APIs & Services → Credentials) with the authorized redirect URI http://127.0.0.1:${config.oauthPort}/callback, then set MCP_GOOGLE_CLIENT_ID (or --google-client-id) in this server's configuration in the MCP client and restart it. Meanwhile, use authenticate_via_erp_browser or authenticate_with_token.`,
      );
    }
    let attempt = session.signInAttempt;
    if (!(attempt?.method === "browser" && !attempt.outcome)) {
      if (attempt && !attempt.outcome) attempt.cancel();
      attempt = startGoogleSignIn({
        session,
        clientId: config.googleClientId,
        port: config.oauthPort,
        authorizeUrl: config.googleAuthUrl,
        timeoutMs: config.signInTimeoutMs,
      });
      session.signInAttempt = attempt;
    }
    if (args.wait_seconds) await waitAtMost(attempt.done, args.wait_seconds * 1000, ctx.signal);
    return describeAttempt(attempt);
  },
});

/** The tool answer for an attempt, pending or finished. */
function describeAttempt(attempt: SignInAttempt) {
  const outcome = attempt.outcome;
  const data = {
    status: outcome?.status ?? "pending" as const,
    url: attempt.url ?? null,
    expires_at: attempt.expiresAt,
    email: outcome?.email ?? null,
    message: outcome?.message ??
      `Waiting for the person to sign in at ${attempt.url} (until ${attempt.expiresAt})`,
  };
  if (!outcome) {
    return {
      text:
        `Ask the person to open ${attempt.url} in their browser and sign in with their Google account; the link works until ${attempt.expiresAt}. Then call whoami, or this tool with wait_seconds, to learn the outcome.`,
      data,
    };
  }
  if (outcome.status === "signed_in") return { text: `${outcome.message} with Google.`, data };
  return {
    text:
      `${outcome.message}. Call authenticate_via_browser again to start a new sign-in, or use authenticate_with_token.`,
    data,
    isError: true,
  };
}

/** authenticate_via_erp_browser */
export const authenticateViaErpBrowser = defineTool({
  name: "authenticate_via_erp_browser",
  title: "Sign in through the ERP web site",
  description:
    "Open the ERP's web site in the person's installed Chrome, Edge or Chromium (a fresh temporary profile), wait up to 5 minutes for them to sign in there, then check the token with the ERP and the email against the allowlist and close the browser. Answers who signed in. On a hosted server (MCP_SSE_PUBLIC_URL set) it answers at once with a link instead: a page showing a live view of a browser on the server, where the person signs in; the link works once, for 5 minutes. Then call whoami to learn the outcome. A hosted server without MCP_SSE_PUBLIC_URL refuses it (no browser opens on the server machine).",
  input: {},
  output: {
    signed_in: z.boolean(),
    email: z.string().nullable(),
    name: z.string().nullable(),
    method: z.string().nullable().describe("how this session signed in"),
    erp: z.string().describe("the ERP API this server talks to"),
    status: z.enum(["pending"]).optional().describe(
      "hosted mode: pending until the person signs in on the linked page",
    ),
    url: z.string().optional().describe("hosted mode: the page where the person signs in"),
    expires_at: z.string().optional().describe("hosted mode: when the link stops working (ISO)"),
  },
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  async handler(_args, ctx) {
    refuseInHeaderMode(ctx, "authenticate_via_erp_browser");
    if (ctx.erpStreams && !ctx.config.ssePublicUrl) {
      // Hosted: a local-window sign-in would open a browser on the server machine, for anyone.
      throw new UserError(
        "Cannot open the ERP sign-in in a browser on a hosted server: MCP_SSE_PUBLIC_URL is not set, so the streamed sign-in page has no public address",
        "Sign in with authenticate_with_token. The server's operator can enable the streamed sign-in by setting MCP_SSE_PUBLIC_URL to the server's public https address and restarting it.",
      );
    }
    if (ctx.erpStreams) {
      const { attempt, code } = await ctx.erpStreams.start(ctx.session);
      return {
        text:
          `Ask the person to open ${attempt.url} in their browser and type the code ${code} there: it shows the ERP's sign-in page, running on this server, and they sign in there. The link works once, until ${attempt.expiresAt}. Then call whoami to learn the outcome.`,
        data: {
          signed_in: false,
          email: null,
          name: null,
          method: null,
          erp: ctx.config.erpBaseUrl,
          status: "pending" as const,
          url: attempt.url!,
          expires_at: attempt.expiresAt,
        },
      };
    }
    const creds = await signInWithErpBrowser({
      session: ctx.session,
      webUrl: ctx.config.erpWebUrl,
      browserPath: ctx.config.browserPath,
      headless: ctx.config.browserHeadless,
      timeoutMs: ctx.config.signInTimeoutMs,
      signal: ctx.signal,
      progress: (done, total) => ctx.progress(done, total, "Waiting for sign-in in the browser"),
    });
    return {
      text: `Signed in through the ERP web site as ${creds.email}${
        creds.name ? ` (${creds.name})` : ""
      }.`,
      data: {
        signed_in: true,
        email: creds.email,
        name: creds.name ?? null,
        method: creds.method,
        erp: ctx.config.erpBaseUrl,
      },
    };
  },
});

/** Both browser sign-in tools. */
export const browserAuthTools = [authenticateViaBrowser, authenticateViaErpBrowser];
