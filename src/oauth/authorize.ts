/**
 * The authorization endpoint (OAuth 2.1 §4.1, RFC 7636 PKCE S256 required, RFC 8707 resource,
 * RFC 9207 `iss`): checks the request, signs the person in with their ERP token (checked with
 * the ERP, then the allowlist), asks for consent, and redirects back with a sealed, one-minute,
 * single-use code. The request travels between the pages sealed, so no instance keeps it.
 */
import { findBrowser } from "../auth/browsers.ts";
import { isLoopbackHost } from "../config.ts";
import { Session, TOKEN_SOURCES } from "../auth/session.ts";
import { UserError } from "../errors.ts";
import { ClientError, ClientResolver, type OAuthClient, redirectMatches } from "./clients.ts";
import {
  canWrite,
  clientKey,
  type CodeClaims,
  type ConsentClaims,
  grantedScopes,
  type OAuthContext,
  type PendingClaims,
  randomId,
  readOAuthBody,
  SCOPE_READ,
  TTL,
} from "./grants.ts";
import {
  consentPage,
  cookieOf,
  csrfCookie,
  csrfCookieName,
  errorPage,
  signInPage,
} from "./pages.ts";
import { b64url } from "./seal.ts";

/** A PKCE code challenge: base64url of a SHA-256 digest (RFC 7636 §4.2), 43 characters. */
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

function secure(ctx: OAuthContext): boolean {
  return ctx.issuer.startsWith("https:");
}

/** The redirect back to the client with `params`, `state` and `iss` (RFC 9207). */
function back(
  ctx: OAuthContext,
  redirectUri: string,
  state: string | undefined,
  params: Record<string, string>,
): Response {
  const to = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) to.searchParams.set(k, v);
  if (state !== undefined) to.searchParams.set("state", state);
  to.searchParams.set("iss", ctx.issuer);
  return new Response(null, {
    status: 303,
    headers: { Location: to.toString(), "Cache-Control": "no-store" },
  });
}

/** The host a redirect URI goes back to, for the pages (a scheme for private-use URIs). */
export function hostOf(uri: string): string {
  const u = new URL(uri);
  return u.host || u.protocol;
}

/** The CSP form-action source that lets a form's redirect reach `uri`. */
function formTarget(uri: string): string {
  const u = new URL(uri);
  return u.protocol === "http:" || u.protocol === "https:" ? u.origin : u.protocol;
}

/** The CSRF cookie of the request, or a new one (with its Set-Cookie header). */
function csrfOf(ctx: OAuthContext, req: Request): { value: string; set?: string } {
  const name = csrfCookieName(secure(ctx));
  const have = cookieOf(req, name);
  if (have && /^[A-Za-z0-9_-]{43}$/.test(have)) return { value: have };
  const value = b64url(crypto.getRandomValues(new Uint8Array(32)));
  return { value, set: csrfCookie(name, value, secure(ctx)) };
}

/**
 * GET /authorize: checks the request, then the sign-in page. A client id that is a metadata
 * document URL makes this server fetch it: that counts on the caller's (`address`) token limit.
 */
export async function authorize(
  ctx: OAuthContext,
  req: Request,
  url: URL,
  address: string,
): Promise<Response> {
  const q = url.searchParams;
  for (const k of new Set(q.keys())) {
    if (q.getAll(k).length > 1) {
      // OAuth 2.1 §3.1: request parameters MUST NOT be included more than once.
      return errorPage(
        400,
        `This app's sign-in request cannot be used: the parameter "${
          k.slice(0, 50)
        }" is repeated (invalid_request).`,
        "Go back to the app and connect again; if it keeps happening, tell the app's makers.",
      );
    }
  }
  const cid = q.get("client_id") ?? "";
  if (ClientResolver.isUrl(cid)) {
    const wait = ctx.limits.token.hit(`document:${address}`);
    if (wait !== undefined) {
      return errorPage(
        429,
        `Too many sign-in requests from this address: wait ${wait} seconds.`,
        "Then go back to the app and connect again.",
      );
    }
  }
  let client: OAuthClient;
  try {
    client = await ctx.clients.resolve(cid);
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    return errorPage(
      400,
      `This app's sign-in request cannot be used: ${error.message}.`,
      "Go back to the app and connect again; if it keeps happening, tell whoever runs this server.",
    );
  }
  const ru = q.get("redirect_uri") ?? "";
  if (!ru || !redirectMatches(client.redirectUris, ru)) {
    return errorPage(
      400,
      `This app's sign-in request names a return address it did not register ("${
        ru.slice(0, 200)
      }").`,
      "Nothing was sent anywhere. Go back to the app and connect again.",
    );
  }
  const state = q.get("state") ?? undefined;
  // Before the person has done anything, an error goes back only to a metadata document's
  // redirect URI (an allowed host) or to loopback; anyone can register any other by DCR, which
  // would make this an open redirector (RFC 9700 §4.11.2): those get the error page.
  const ruUrl = new URL(ru);
  const trusted = ClientResolver.isUrl(cid) ||
    (ruUrl.protocol === "http:" && isLoopbackHost(ruUrl.hostname));
  const fail = (error: string, description: string) =>
    trusted ? back(ctx, ru, state, { error, error_description: description }) : errorPage(
      400,
      `This app's sign-in request cannot be used: ${description} (${error}).`,
      "Go back to the app and connect again; if it keeps happening, tell the app's makers.",
    );
  if (q.get("response_type") !== "code") {
    return fail("unsupported_response_type", 'Only response_type "code" is supported');
  }
  const cc = q.get("code_challenge") ?? "";
  if (!cc) return fail("invalid_request", "PKCE is required: send code_challenge (S256)");
  if (q.get("code_challenge_method") !== "S256") {
    return fail("invalid_request", 'code_challenge_method must be "S256"');
  }
  if (!CHALLENGE.test(cc)) {
    return fail("invalid_request", "code_challenge is not a base64url SHA-256 digest");
  }
  const resource = (q.get("resource") ?? ctx.resources[0]).replace(/\/+$/, "");
  if (!ctx.resources.includes(resource)) {
    return fail("invalid_target", `This server issues tokens for ${ctx.resources[0]} only`);
  }
  const pending: PendingClaims = {
    cid,
    ru,
    ...(state !== undefined ? { st: state } : {}),
    cc,
    aud: resource,
    scope: grantedScopes(q.get("scope")),
    ...(client.name ? { cn: client.name } : {}),
  };
  const sealed = await ctx.sealer.seal("pending", { ...pending }, TTL.pending);
  const csrf = csrfOf(ctx, req);
  return signInFor(
    ctx,
    pending,
    { pending: sealed, csrf: await ctx.sealer.mac("login", csrf.value, sealed) },
    { headers: csrf.set ? { "Set-Cookie": csrf.set } : {} },
  );
}

/** A form POST's fields, after the same-origin, size and CSRF checks; else the error page. */
export async function form(
  ctx: OAuthContext,
  req: Request,
  purpose: string,
  blobField: string,
): Promise<{ fields: URLSearchParams; cookie: string } | { res: Response }> {
  const origin = req.headers.get("origin");
  if (origin !== null && origin !== ctx.issuer) {
    return {
      res: errorPage(403, "This form was sent from another site.", "Start again in the app."),
    };
  }
  if (!(req.headers.get("content-type") ?? "").startsWith("application/x-www-form-urlencoded")) {
    return { res: errorPage(415, "This page expects a form.", "Start again in the app.") };
  }
  const read = await readOAuthBody(ctx, req);
  if (!read.ok) {
    const res = errorPage(read.status, `${read.message}.`, "Start again in the app.");
    res.headers.set("Connection", "close");
    return { res };
  }
  const fields = new URLSearchParams(read.text);
  const cookie = cookieOf(req, csrfCookieName(secure(ctx)));
  const blob = fields.get(blobField) ?? "";
  const token = fields.get("csrf") ?? "";
  if (
    !cookie || !blob || !token || !(await ctx.sealer.macMatches(token, purpose, cookie, blob))
  ) {
    return {
      res: errorPage(
        403,
        "This form's security check failed (it was not sent from this page in this browser, or cookies are off).",
        "Go back to the app and connect again, with cookies allowed for this site.",
      ),
    };
  }
  return { fields, cookie };
}

/** POST /authorize/login: the pasted ERP token, checked with the ERP and the allowlist. */
export async function login(ctx: OAuthContext, req: Request, address: string): Promise<Response> {
  const got = await form(ctx, req, "login", "pending");
  if ("res" in got) return got.res;
  const sealed = got.fields.get("pending")!;
  let pending: PendingClaims;
  try {
    pending = await ctx.sealer.open<PendingClaims & { kind: string }>("pending", sealed);
  } catch {
    return errorPage(
      400,
      "This sign-in took too long and has expired.",
      "Go back to the app and connect again.",
    );
  }
  const again = (status: number, error: string) =>
    signInFor(ctx, pending, { pending: sealed, csrf: got.fields.get("csrf")! }, { status, error });
  const wait = ctx.limits.login.hit(`addr:${address}`, `pair:${address} ${pending.cid}`);
  if (wait !== undefined) {
    return again(429, `Too many sign-in attempts: wait ${wait} seconds, then try again.`);
  }
  const token = (got.fields.get("token") ?? "").trim();
  if (!token) return again(400, "Paste your ERP token first.");
  const session = new Session({ config: ctx.config, fetch: ctx.fetch, tokenCache: ctx.tokenCache });
  let creds;
  try {
    creds = await session.verify(token, undefined, "oauth", req.signal);
  } catch (error) {
    if (error instanceof UserError) {
      ctx.log.info(`oauth: a pasted ERP token was refused: ${error.message}`);
      return again(403, pastedRefusal(error));
    }
    return again(502, "The ERP did not answer: try again in a minute.");
  }
  return await consentFor(ctx, pending, creds, got.cookie);
}

/**
 * A refusal of a pasted token as the person on the sign-in page reads it: the token is the one
 * they pasted, and no server file path is shown (the operator's log has it).
 */
function pastedRefusal(error: UserError): string {
  const text = `${error.message.replace(/\.$/, "")}.${error.hint ? ` ${error.hint}` : ""}`;
  return text.replaceAll(TOKEN_SOURCES.oauth, "the token you pasted")
    .replace(/ \((?:the file )?"?(?:\/|[A-Za-z]:\\)[^)]*\)/g, "");
}

/**
 * The sign-in page for a pending request: the token form, the Google button when the server
 * has a Google client id, and the ERP web login's when the streamed sign-in has a browser.
 * `fields`: the sealed request and its CSRF token.
 */
export function signInFor(
  ctx: OAuthContext,
  pending: PendingClaims,
  fields: Record<string, string>,
  opts: { status?: number; error?: string; headers?: Record<string, string> } = {},
): Response {
  const google = ctx.config.googleClientId !== undefined;
  return signInPage({
    ...opts,
    clientName: pending.cn ?? "An app",
    redirectHost: hostOf(pending.ru),
    fields,
    google,
    erpLogin: ctx.erpStreams !== undefined &&
      findBrowser(ctx.config.browserPath).path !== undefined,
    formTargets: google ? [new URL(ctx.config.googleAuthUrl).origin] : [],
  });
}

/** The consent page for a person the ERP and the allowlist accepted (`cookie`: the CSRF one). */
export async function consentFor(
  ctx: OAuthContext,
  pending: PendingClaims,
  creds: { token: string; email: string },
  cookie: string,
): Promise<Response> {
  const consent: ConsentClaims = {
    ...stripJwt(pending),
    erp: creds.token,
    email: creds.email,
    jti: randomId(),
  };
  const sealedConsent = await ctx.sealer.seal("consent", { ...consent }, TTL.pending);
  return consentPage({
    clientName: pending.cn ?? "An app",
    redirectHost: hostOf(pending.ru),
    email: creds.email,
    writeOffered: canWrite(pending.scope),
    fields: {
      consent: sealedConsent,
      csrf: await ctx.sealer.mac("consent", cookie, sealedConsent),
    },
    formTargets: [formTarget(pending.ru)],
  });
}

/** The claims of a pending request without the JWT's own (kind, iss, iat, exp). */
function stripJwt<T extends object>(claims: T): T {
  const { kind: _k, iss: _i, iat: _a, exp: _e, ...rest } = claims as Record<string, unknown>;
  return rest as T;
}

/** POST /authorize/consent: allow (read and write, or read only) or deny; then back to the app. */
export async function consent(ctx: OAuthContext, req: Request): Promise<Response> {
  const got = await form(ctx, req, "consent", "consent");
  if ("res" in got) return got.res;
  let c: ConsentClaims & { exp?: number };
  try {
    c = await ctx.sealer.open<ConsentClaims & { kind: string }>(
      "consent",
      got.fields.get("consent")!,
    );
  } catch {
    return errorPage(
      400,
      "This sign-in took too long and has expired.",
      "Go back to the app and connect again.",
    );
  }
  if (!c.jti || !ctx.used.use(`consent:${c.jti}`, c.exp ?? 0)) {
    return errorPage(
      400,
      "This consent was already given or refused.",
      "Go back to the app and connect again.",
    );
  }
  if (got.fields.get("decision") !== "allow") {
    ctx.log.info(`oauth: ${c.email} did not allow access to ${hostOf(c.ru)}`);
    return back(ctx, c.ru, c.st, {
      error: "access_denied",
      error_description: "The person did not allow access",
    });
  }
  const scope = got.fields.get("access") === "write" && canWrite(c.scope) ? c.scope : SCOPE_READ;
  ctx.log.info(
    `oauth: ${c.email} allowed ${hostOf(c.ru)} to ${canWrite(scope) ? "read and write" : "read"}`,
  );
  const now = Math.floor(ctx.sealer.now() / 1000);
  const code: CodeClaims = {
    erp: c.erp,
    email: c.email,
    cid: await clientKey(c.cid),
    aud: c.aud,
    scope,
    until: now + TTL.refresh,
    jti: randomId(),
    ru: c.ru,
    cc: c.cc,
  };
  return back(ctx, c.ru, c.st, { code: await ctx.sealer.seal("code", { ...code }, TTL.code) });
}
