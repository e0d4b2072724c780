/**
 * "Sign in with Google" on the authorize page. The server is the Google OAuth client
 * (MCP_GOOGLE_CLIENT_ID, redirect URI `<public URL>/authorize/google/callback`) and, as the
 * loopback sign-in of src/auth/google.ts, asks for an access token (the ERP exchanges a Google
 * access token, not a code): Google answers in the URL fragment, which only a script on the
 * callback page can read; it posts it back at once and clears it from the address bar. The
 * `state` is sealed, single use and bound to the page's CSRF cookie, so an answer from another
 * browser or another sign-in, or a replayed one, is refused.
 */
import { GOOGLE_SCOPES } from "../auth/google.ts";
import { Session } from "../auth/session.ts";
import { ErpError } from "../erp/errors.ts";
import { UserError } from "../errors.ts";
import { consentFor, form, signInFor } from "./authorize.ts";
import { type OAuthContext, type PendingClaims, randomId, readOAuthBody, TTL } from "./grants.ts";
import { cookieOf, csrfCookieName, errorPage, page } from "./pages.ts";

/** The sealed state Google round-trips: the pending request and the cookie it belongs to. */
interface GoogleState {
  p: string;
  c: string;
  /** A unique id: the state is single use (per instance). */
  jti?: string;
}

function callbackUrl(ctx: OAuthContext): string {
  return `${ctx.issuer}/authorize/google/callback`;
}

/** POST /authorize/google: from the sign-in page to Google. */
export async function startGoogle(
  ctx: OAuthContext,
  req: Request,
  address: string,
): Promise<Response> {
  const clientId = ctx.config.googleClientId;
  if (!clientId) {
    return errorPage(
      404,
      "Google sign-in is not set up on this server.",
      "Paste your ERP token instead.",
    );
  }
  const got = await form(ctx, req, "login", "pending");
  if ("res" in got) return got.res;
  const sealed = got.fields.get("pending")!;
  let pending: PendingClaims;
  try {
    pending = await ctx.sealer.open<PendingClaims>("pending", sealed);
  } catch {
    return errorPage(
      400,
      "This sign-in took too long and has expired.",
      "Go back to the app and connect again.",
    );
  }
  const wait = ctx.limits.login.hit(`addr:${address}`, `pair:${address} ${pending.cid}`);
  if (wait !== undefined) {
    return signInFor(ctx, pending, { pending: sealed, csrf: got.fields.get("csrf")! }, {
      status: 429,
      error: `Too many sign-in attempts: wait ${wait} seconds, then try again.`,
    });
  }
  const state: GoogleState = {
    p: sealed,
    c: await ctx.sealer.mac("google", got.cookie),
    jti: randomId(),
  };
  const to = new URL(ctx.config.googleAuthUrl);
  to.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: callbackUrl(ctx),
    response_type: "token",
    scope: GOOGLE_SCOPES,
    state: await ctx.sealer.seal("google", { ...state }, TTL.pending),
    prompt: "select_account",
  }).toString();
  return new Response(null, { status: 303, headers: { Location: to.toString() } });
}

/** Reads Google's fragment, clears it from the address bar, and posts it back as a form. */
const CALLBACK_SCRIPT = `const p = new URLSearchParams(location.hash.slice(1));
history.replaceState(null, "", location.pathname);
const f = document.createElement("form");
f.method = "post";
f.action = "/authorize/google/complete";
for (const k of ["state", "access_token", "error"]) {
  const i = document.createElement("input");
  i.type = "hidden";
  i.name = k;
  i.value = p.get(k) || "";
  f.append(i);
}
document.body.append(f);
f.submit();`;

/** GET /authorize/google/callback: the page that hands Google's answer to the server. */
export function googleCallback(): Response {
  return page(
    200,
    "Signing in…",
    "<p>Finishing the sign-in with the ERP…</p><noscript><p>This step needs JavaScript: it reads Google's answer from the address bar.</p></noscript>",
    { script: CALLBACK_SCRIPT },
  );
}

/**
 * POST /authorize/google/complete: the ERP exchanges the Google token; then consent. Rate-limited
 * as every sign-in (`address`: the caller's); each Google state is accepted once.
 */
export async function completeGoogle(
  ctx: OAuthContext,
  req: Request,
  address: string,
): Promise<Response> {
  const origin = req.headers.get("origin");
  if (origin !== null && origin !== ctx.issuer) {
    return errorPage(403, "This form was sent from another site.", "Start again in the app.");
  }
  const read = await readOAuthBody(ctx, req);
  if (!read.ok) {
    const res = errorPage(read.status, `${read.message}.`, "Start again in the app.");
    res.headers.set("Connection", "close");
    return res;
  }
  const fields = new URLSearchParams(read.text);
  const cookie = cookieOf(req, csrfCookieName(ctx.issuer.startsWith("https:")));
  let state: GoogleState & { exp?: number };
  let pending: PendingClaims;
  try {
    state = await ctx.sealer.open<GoogleState>("google", fields.get("state") ?? "");
    pending = await ctx.sealer.open<PendingClaims>("pending", state.p);
  } catch {
    return errorPage(
      400,
      "Google's answer does not belong to a sign-in in progress, or it expired.",
      "Go back to the app and connect again.",
    );
  }
  if (!cookie || !(await ctx.sealer.macMatches(state.c, "google", cookie))) {
    return errorPage(
      403,
      "Google's answer came back to another browser than the one that started the sign-in.",
      "Go back to the app and connect again, in one browser, with cookies allowed for this site.",
    );
  }
  const again = async (status: number, error: string) =>
    signInFor(ctx, pending, {
      pending: state.p,
      csrf: await ctx.sealer.mac("login", cookie, state.p),
    }, { status, error });
  const wait = ctx.limits.login.hit(`addr:${address}`, `pair:${address} ${pending.cid}`);
  if (wait !== undefined) {
    return await again(429, `Too many sign-in attempts: wait ${wait} seconds, then try again.`);
  }
  if (!state.jti || !ctx.used.use(`google:${state.jti}`, state.exp ?? 0)) {
    return errorPage(
      400,
      "This answer from Google was already used.",
      "Go back to the app and connect again.",
    );
  }
  const googleError = fields.get("error");
  if (googleError) {
    return await again(403, `Google did not sign you in: "${googleError.slice(0, 80)}".`);
  }
  const googleToken = (fields.get("access_token") ?? "").trim();
  if (!googleToken || googleToken.length > 4096) {
    return await again(400, "Google's answer carries no access token.");
  }
  const session = new Session({ config: ctx.config, fetch: ctx.fetch, tokenCache: ctx.tokenCache });
  let creds;
  try {
    const got = await session.anonymousClient(req.signal).googleLogin(googleToken);
    creds = got.email
      ? session.accept({
        token: got.token,
        email: got.email,
        name: got.name,
        method: "oauth",
        emailVerified: true,
      })
      : await session.verify(got.token, undefined, "oauth", req.signal);
  } catch (error) {
    if (error instanceof UserError) return await again(403, `${error.message}.`);
    if (
      error instanceof ErpError &&
      ["validation", "unauthorized", "forbidden", "not_found"].includes(error.kind)
    ) {
      return await again(
        403,
        `The ERP refused the Google sign-in (${error.status}): ${
          error.erpMessage ?? "that Google account is not registered in the ERP"
        }.`,
      );
    }
    return await again(502, "The ERP did not answer: try again in a minute.");
  }
  return await consentFor(ctx, pending, creds, cookie);
}
