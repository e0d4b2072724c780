/**
 * The token endpoint (OAuth 2.1 §3.2, RFC 6749 §5): the authorization code grant with PKCE, and
 * rotating refresh tokens. Each mismatch gets its own OAuth error (RFC 6749 §5.2, RFC 8707 §2).
 * The ERP token and the allowlist are checked again before anything is issued.
 */
import { Session } from "../auth/session.ts";
import { UserError } from "../errors.ts";
import { sameSecret } from "../secret.ts";
import { ClientError, ClientResolver } from "./clients.ts";
import {
  clientKey,
  type CodeClaims,
  type GrantClaims,
  type OAuthContext,
  randomId,
  readOAuthBody,
  s256,
  SCOPES,
  TTL,
} from "./grants.ts";
import { SealError } from "./seal.ts";

/** An OAuth error answer (RFC 6749 §5.2). */
export function oauthError(
  status: number,
  error: string,
  description: string,
  headers: Record<string, string> = {},
): Response {
  return Response.json({ error, error_description: description }, {
    status,
    headers: { "Cache-Control": "no-store", Pragma: "no-cache", ...headers },
  });
}

/** A PKCE code verifier: 43 to 128 unreserved characters (RFC 7636 §4.1). */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** POST /token. `address` is the caller's (rate limits). */
export async function token(ctx: OAuthContext, req: Request, address: string): Promise<Response> {
  if (!(req.headers.get("content-type") ?? "").startsWith("application/x-www-form-urlencoded")) {
    return oauthError(400, "invalid_request", "The body must be application/x-www-form-urlencoded");
  }
  const read = await readOAuthBody(ctx, req);
  if (!read.ok) {
    return oauthError(read.status, "invalid_request", read.message, { Connection: "close" });
  }
  const p = new URLSearchParams(read.text);
  for (const [k] of p) {
    if (p.getAll(k).length > 1) {
      return oauthError(400, "invalid_request", `The parameter "${k}" is repeated`);
    }
  }
  const cid = p.get("client_id") ?? "";
  // Per address, then per (address, client) once the client is known: never per client alone,
  // or anyone naming a shared client id (a metadata document URL) locks out all its users.
  const tooMany = (wait: number) =>
    oauthError(429, "temporarily_unavailable", `Too many token requests: retry in ${wait} s`, {
      "Retry-After": String(wait),
    });
  const wait = ctx.limits.token.hit(`addr:${address}`);
  if (wait !== undefined) return tooMany(wait);
  if (req.headers.get("authorization")) {
    return oauthError(
      401,
      "invalid_client",
      'This server has public clients only (token_endpoint_auth_method "none"): send client_id in the body, no Authorization header',
    );
  }
  const grant = p.get("grant_type");
  if (!grant) return oauthError(400, "invalid_request", "grant_type is missing");
  if (grant !== "authorization_code" && grant !== "refresh_token") {
    return oauthError(
      400,
      "unsupported_grant_type",
      `grant_type "${
        grant.slice(0, 50)
      }" is not supported: use authorization_code or refresh_token`,
    );
  }
  if (!cid) return oauthError(401, "invalid_client", "client_id is missing");
  if (!ClientResolver.isUrl(cid)) {
    try {
      await ctx.clients.resolve(cid);
    } catch (error) {
      if (error instanceof ClientError) return oauthError(401, "invalid_client", error.message);
      throw error;
    }
  }
  const key = await clientKey(cid);
  const waitPair = ctx.limits.token.hit(`pair:${address} ${key}`);
  if (waitPair !== undefined) return tooMany(waitPair);
  return grant === "authorization_code" ? await byCode(ctx, p, key) : await byRefresh(ctx, p, key);
}

/** The resource parameter, when given, must be the grant's audience (RFC 8707 §2.2). */
function wrongResource(p: URLSearchParams, aud: string): Response | undefined {
  const r = p.get("resource");
  if (r !== null && r.replace(/\/+$/, "") !== aud) {
    return oauthError(
      400,
      "invalid_target",
      `This grant is for the resource ${aud}, not "${r.slice(0, 200)}"`,
    );
  }
  return undefined;
}

/** The authorization code grant; `cid` is the caller's clientKey. */
async function byCode(ctx: OAuthContext, p: URLSearchParams, cid: string): Promise<Response> {
  const raw = p.get("code");
  if (!raw) return oauthError(400, "invalid_request", "code is missing");
  const verifier = p.get("code_verifier");
  if (!verifier) {
    return oauthError(400, "invalid_request", "code_verifier is missing (PKCE is required)");
  }
  const ru = p.get("redirect_uri");
  if (!ru) return oauthError(400, "invalid_request", "redirect_uri is missing");
  let code: CodeClaims & { exp?: number };
  try {
    code = await ctx.sealer.open<CodeClaims>("code", raw);
  } catch (error) {
    return oauthError(
      400,
      "invalid_grant",
      `The authorization code is ${
        error instanceof SealError && error.message === "expired" ? "expired" : "not valid"
      }: start the sign-in again`,
    );
  }
  if (!sameSecret(code.cid, cid)) {
    return oauthError(400, "invalid_grant", "The authorization code was issued to another client");
  }
  if (code.ru !== ru) {
    return oauthError(
      400,
      "invalid_grant",
      "redirect_uri differs from the authorization request's",
    );
  }
  if (!VERIFIER.test(verifier) || !sameSecret(await s256(verifier), code.cc)) {
    return oauthError(400, "invalid_grant", "code_verifier does not match the code_challenge");
  }
  const other = wrongResource(p, code.aud);
  if (other) return other;
  if (!code.jti || ctx.used.has(`code:${code.jti}`)) {
    return oauthError(400, "invalid_grant", "The authorization code was already used");
  }
  return await issue(ctx, code, code.scope, {
    id: `code:${code.jti}`,
    exp: code.exp ?? 0,
    message: "The authorization code was already used",
  });
}

/** The refresh token grant (rotating); `cid` is the caller's clientKey. */
async function byRefresh(ctx: OAuthContext, p: URLSearchParams, cid: string): Promise<Response> {
  const raw = p.get("refresh_token");
  if (!raw) return oauthError(400, "invalid_request", "refresh_token is missing");
  let grant: GrantClaims & { exp?: number };
  try {
    grant = await ctx.sealer.open<GrantClaims>("refresh", raw);
  } catch {
    return oauthError(
      400,
      "invalid_grant",
      "The refresh token is expired or not valid: sign in again",
    );
  }
  if (!sameSecret(grant.cid, cid)) {
    return oauthError(400, "invalid_grant", "The refresh token was issued to another client");
  }
  const other = wrongResource(p, grant.aud);
  if (other) return other;
  let scope = grant.scope;
  const asked = p.get("scope");
  if (asked !== null && asked.trim() !== "") {
    const have = grant.scope.split(" ");
    const want = asked.split(" ").filter(Boolean);
    if (want.some((s) => !have.includes(s))) {
      return oauthError(400, "invalid_scope", `The refresh token grants "${grant.scope}" at most`);
    }
    scope = SCOPES.filter((s) => want.includes(s)).join(" ");
  }
  if (!grant.jti || ctx.used.has(`refresh:${grant.jti}`)) {
    return oauthError(400, "invalid_grant", "The refresh token was already used: sign in again");
  }
  return await issue(ctx, grant, scope, {
    id: `refresh:${grant.jti}`,
    exp: grant.exp ?? 0,
    message: "The refresh token was already used: sign in again",
  });
}

/**
 * Checks the ERP token and the allowlist again, then marks the single-use grant `once` used
 * (only now: an ERP that did not answer leaves the code or refresh token usable for a retry) and
 * answers a new access and refresh token.
 */
async function issue(
  ctx: OAuthContext,
  g: GrantClaims,
  scope: string,
  once: { id: string; exp: number; message: string },
): Promise<Response> {
  const session = new Session({ config: ctx.config, fetch: ctx.fetch, tokenCache: ctx.tokenCache });
  try {
    await session.verify(g.erp, undefined, "oauth");
  } catch (error) {
    if (error instanceof UserError) {
      ctx.log.info(`oauth: no tokens for ${g.email}: ${error.message}`);
      return oauthError(400, "invalid_grant", `${error.message}: sign in again`);
    }
    return oauthError(503, "temporarily_unavailable", "The ERP did not answer: try again later", {
      "Retry-After": "30",
    });
  }
  if (!ctx.used.use(once.id, once.exp)) return oauthError(400, "invalid_grant", once.message);
  const now = Math.floor(ctx.sealer.now() / 1000);
  const base: GrantClaims = {
    erp: g.erp,
    email: g.email,
    cid: g.cid,
    aud: g.aud,
    scope,
    until: g.until,
  };
  const access = await ctx.sealer.seal("access", { ...base }, TTL.access);
  const refreshTtl = Math.min(g.until - now, TTL.refreshIdle);
  const body: Record<string, unknown> = {
    access_token: access,
    token_type: "Bearer",
    expires_in: TTL.access,
    scope,
  };
  if (refreshTtl > 60) {
    body.refresh_token = await ctx.sealer.seal("refresh", { ...base, jti: randomId() }, refreshTtl);
  }
  return Response.json(body, {
    status: 200,
    headers: { "Cache-Control": "no-store", Pragma: "no-cache" },
  });
}
