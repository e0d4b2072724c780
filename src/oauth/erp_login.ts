/**
 * "Sign in with the ERP's web login" on the authorize page: the streamed ERP browser of hosted
 * mode (src/auth/erp_stream.ts), bound to this authorization request. Starting it needs the
 * sign-in page's form (same origin, CSRF token bound to the cookie); the stream carries an HMAC
 * of the sealed pending request and the person's CSRF cookie, and its outcome goes only to a form
 * that presents both (another browser, or another authorization request, gets nothing). The ERP
 * token the stream captured never leaves the server until it is sealed into the consent form.
 *
 * The stream lives on the instance that started it: this one method needs sticky sessions
 * behind several instances (README); the other methods stay stateless.
 */
import { Session } from "../auth/session.ts";
import { UserError } from "../errors.ts";
import { boundViewerPage } from "../transports/erp_stream_routes.ts";
import { consentFor, form, signInFor } from "./authorize.ts";
import type { OAuthContext, PendingClaims } from "./grants.ts";
import { errorPage } from "./pages.ts";

/** The form field naming the stream on the closing form. */
const STREAM_FIELD = "stream";

/** `text` ending with one full stop. */
function sentence(text: string): string {
  return `${text.replace(/\.+$/, "")}.`;
}

/** The binding of a stream to one authorization request (`sealed`) in one browser (`cookie`). */
async function bindingOf(ctx: OAuthContext, cookie: string, sealed: string): Promise<string> {
  return await ctx.sealer.mac("erp-login", cookie, sealed);
}

/** The form's sealed pending request, opened; or the error page when it expired. */
async function pendingOf(
  ctx: OAuthContext,
  sealed: string,
): Promise<PendingClaims | Response> {
  try {
    return await ctx.sealer.open<PendingClaims & { kind: string }>("pending", sealed);
  } catch {
    return errorPage(
      400,
      "This sign-in took too long and has expired.",
      "Go back to the app and connect again.",
    );
  }
}

/**
 * POST /authorize/erp: from the sign-in page (CSRF-checked, rate-limited as every sign-in) to a
 * live view of the ERP's own web login, started for this request under the streamed sign-in's
 * caps (MCP_MAX_ERP_BROWSERS, MCP_MAX_ERP_BROWSERS_PER_CLIENT counted by the caller's address).
 */
export async function startErpLogin(
  ctx: OAuthContext,
  req: Request,
  address: string,
): Promise<Response> {
  const streams = ctx.erpStreams;
  if (!streams) {
    return errorPage(
      404,
      "The ERP's web login is not offered on this server.",
      "Go back and sign in another way.",
    );
  }
  const got = await form(ctx, req, "login", "pending");
  if ("res" in got) return got.res;
  const sealed = got.fields.get("pending")!;
  const pending = await pendingOf(ctx, sealed);
  if (pending instanceof Response) return pending;
  const fields = { pending: sealed, csrf: got.fields.get("csrf")! };
  const wait = ctx.limits.login.hit(`addr:${address}`, `pair:${address} ${pending.cid}`);
  if (wait !== undefined) {
    return signInFor(ctx, pending, fields, {
      status: 429,
      error: `Too many sign-in attempts: wait ${wait} seconds, then try again.`,
    });
  }
  const session = new Session({ config: ctx.config, fetch: ctx.fetch, tokenCache: ctx.tokenCache });
  streams.bindClient(session, address);
  let started;
  try {
    started = await streams.startBound(session, await bindingOf(ctx, got.cookie, sealed));
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return signInFor(ctx, pending, fields, {
      status: 503,
      error: `${sentence(error.message)} Sign in another way below.`,
    });
  }
  return boundViewerPage(started.stream, started.key, ctx.issuer, {
    action: "/authorize/erp/done",
    fields: { ...fields, [STREAM_FIELD]: started.stream.id },
  });
}

/**
 * POST /authorize/erp/done: the live view's closing form. The stream's outcome, for this request
 * in this browser only; signed in with an email the ERP itself named (fail closed otherwise) and
 * on the allowlist → the consent page; else the sign-in page saying why.
 */
export async function finishErpLogin(ctx: OAuthContext, req: Request): Promise<Response> {
  const got = await form(ctx, req, "login", "pending");
  if ("res" in got) return got.res;
  const sealed = got.fields.get("pending")!;
  const pending = await pendingOf(ctx, sealed);
  if (pending instanceof Response) return pending;
  const again = (status: number, error: string) =>
    signInFor(ctx, pending, { pending: sealed, csrf: got.fields.get("csrf")! }, { status, error });
  const id = got.fields.get(STREAM_FIELD) ?? "";
  const claimed = ctx.erpStreams?.claim(id, await bindingOf(ctx, got.cookie, sealed)) ??
    "unknown";
  if (claimed === "other") {
    return errorPage(
      403,
      "This ERP sign-in was started for another sign-in request or in another browser.",
      "Nothing was issued. Go back to the app and connect again.",
    );
  }
  if (claimed === "unknown") {
    return again(
      410,
      "This ERP sign-in is not known here: it was already used, ended long ago, or ran on another instance of this server (the ERP web login needs sticky sessions). Sign in again.",
    );
  }
  if (claimed === "running") {
    return again(409, "The ERP sign-in has not finished yet. Sign in again.");
  }
  const { outcome, session } = claimed;
  const creds = session.credentials;
  if (outcome.status !== "signed_in" || !creds) {
    return again(403, `${sentence(outcome.message)} Try again or sign in another way.`);
  }
  if (!creds.emailVerified) {
    return again(
      403,
      "Sign-in refused: the ERP accepted the sign-in but did not say whose it is, so it cannot be checked against the allowlist. Sign in another way.",
    );
  }
  return await consentFor(ctx, pending, creds, got.cookie);
}
