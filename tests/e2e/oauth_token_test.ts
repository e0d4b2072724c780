/**
 * The OAuth endpoints over real HTTP without a browser: metadata, the 401 challenge, the token
 * endpoint's refusals (each with its RFC 6749 / RFC 8707 error), PKCE, single-use codes,
 * rotating refresh tokens, registration refusals, CSRF, rate limits, key rotation, the ERP
 * re-check and the allowlist. The sign-in pages are driven by form posts as a browser sends them.
 */
import assert from "node:assert/strict";
import { silentLogger } from "../../src/log.ts";
import { Sealer } from "../../src/oauth/seal.ts";
import { serveHttp } from "../../src/transports/http.ts";
import { configFor } from "./hosted_helpers.ts";
import {
  formFlow,
  hiddenFields,
  listWith,
  newSecret,
  type OAuthCtx,
  oauthHosted,
  pkce,
  REDIRECT,
  registerClient,
  tokenRequest,
} from "./oauth_helpers.ts";

/** A registered client, a code for alice (or `token`), and what redeems it. */
async function codeFor(ctx: OAuthCtx, opts: { token?: string; access?: "read" | "write" } = {}) {
  const cid = await registerClient(ctx.url);
  const { verifier, challenge } = await pkce();
  const back = await formFlow(
    ctx.url,
    {
      client_id: cid,
      redirect_uri: REDIRECT,
      response_type: "code",
      code_challenge: challenge,
      code_challenge_method: "S256",
      state: "st-1",
      resource: `${ctx.url}/mcp`,
    },
    opts.token ?? ctx.sb.erp.fixtures.users.alice.token,
    opts.access,
  );
  const code = back.searchParams.get("code")!;
  const redeem = {
    grant_type: "authorization_code",
    code,
    client_id: cid,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
  };
  return { cid, back, code, verifier, challenge, redeem };
}

/** Signs alice in; her tokens and client. */
async function tokensFor(ctx: OAuthCtx) {
  const c = await codeFor(ctx);
  const t = await tokenRequest(ctx.url, c.redeem);
  assert.equal(t.status, 200, JSON.stringify(t.body));
  return { ...c, tokens: t.body };
}

Deno.test("oauth: a request without credentials gets the RFC 9728 challenge; the metadata leads to the authorization server", async () => {
  await oauthHosted(async ({ url }) => {
    const r = await listWith(`${url}/mcp`);
    assert.equal(r.status, 401);
    const meta = `${url}/.well-known/oauth-protected-resource/mcp`;
    assert.match(r.challenge ?? "", new RegExp(`^Bearer resource_metadata="${meta}"`));
    const prm = await (await fetch(meta)).json();
    assert.equal(prm.resource, `${url}/mcp`);
    assert.deepEqual(prm.authorization_servers, [url]);
    const root = await (await fetch(`${url}/.well-known/oauth-protected-resource`)).json();
    assert.equal(root.resource, url);
    const as = await (await fetch(`${url}/.well-known/oauth-authorization-server`)).json();
    assert.equal(as.issuer, url);
    assert.deepEqual(as.code_challenge_methods_supported, ["S256"]);
    assert.equal(as.authorization_response_iss_parameter_supported, true);
    assert.equal(as.client_id_metadata_document_supported, true);
    assert.equal(as.token_endpoint, `${url}/token`);
    // A browser app on an allowed origin can read the challenge (CORS exposes it).
    const fromApp = await fetch(`${url}/mcp`, {
      method: "POST",
      headers: { origin: url, "content-type": "application/json" },
      body: "{}",
    });
    await fromApp.body?.cancel();
    assert.equal(fromApp.status, 401);
    assert.match(fromApp.headers.get("access-control-expose-headers") ?? "", /WWW-Authenticate/);
    const sse = await fetch(`${url}/sse`);
    await sse.body?.cancel();
    assert.equal(sse.status, 401);
    assert.match(
      sse.headers.get("www-authenticate") ?? "",
      new RegExp(`resource_metadata="${url}/.well-known/oauth-protected-resource"`),
    );
  });
});

Deno.test("oauth: header-token mode (a raw ERP token) keeps working beside OAuth", async () => {
  await oauthHosted(async ({ sb, url }) => {
    const r = await listWith(`${url}/mcp`, sb.erp.fixtures.users.alice.token);
    assert.equal(r.status, 200, r.body);
    const bad = await listWith(`${url}/mcp`, "not-a-real-erp-token");
    assert.equal(bad.status, 401, "a raw token the ERP refuses gets the challenge");
    assert.match(bad.challenge ?? "", /error="invalid_token"/);
  });
});

Deno.test("oauth: the token endpoint refuses each mismatch with its OAuth error", async (t) => {
  await oauthHosted(async (ctx) => {
    const { url } = ctx;
    const c = await codeFor(ctx);
    assert.equal(c.back.searchParams.get("state"), "st-1", "state round-trips");
    assert.equal(c.back.searchParams.get("iss"), url, "RFC 9207 iss");
    const other = await registerClient(url);
    const cases: [string, Record<string, string>, number, string][] = [
      ["no grant_type", { ...c.redeem, grant_type: "" }, 400, "invalid_request"],
      ["password grant", { ...c.redeem, grant_type: "password" }, 400, "unsupported_grant_type"],
      ["no client_id", { ...c.redeem, client_id: "" }, 401, "invalid_client"],
      ["unknown client_id", { ...c.redeem, client_id: "abc" }, 401, "invalid_client"],
      ["another client", { ...c.redeem, client_id: other }, 400, "invalid_grant"],
      ["no code", { ...c.redeem, code: "" }, 400, "invalid_request"],
      ["altered code", { ...c.redeem, code: c.code.slice(0, -3) + "AAA" }, 400, "invalid_grant"],
      [
        "other redirect_uri",
        { ...c.redeem, redirect_uri: "http://127.0.0.1:9/other" },
        400,
        "invalid_grant",
      ],
      ["no redirect_uri", { ...c.redeem, redirect_uri: "" }, 400, "invalid_request"],
      ["no code_verifier", { ...c.redeem, code_verifier: "" }, 400, "invalid_request"],
      [
        "wrong code_verifier",
        { ...c.redeem, code_verifier: (await pkce()).verifier },
        400,
        "invalid_grant",
      ],
      [
        "the challenge as verifier (plain)",
        { ...c.redeem, code_verifier: c.challenge },
        400,
        "invalid_grant",
      ],
      [
        "another resource",
        { ...c.redeem, resource: "https://other.example/mcp" },
        400,
        "invalid_target",
      ],
    ];
    for (const [name, fields, status, error] of cases) {
      await t.step(name, async () => {
        const got = await tokenRequest(
          url,
          Object.fromEntries(
            Object.entries(fields).filter(([, v]) => v !== ""),
          ),
        );
        assert.equal(got.status, status, JSON.stringify(got.body));
        assert.equal(got.body.error, error, JSON.stringify(got.body));
        assert.equal(got.body.access_token, undefined);
      });
    }
    await t.step("the right request succeeds once; the code is then used up", async () => {
      const ok = await tokenRequest(url, c.redeem);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.token_type, "Bearer");
      assert.equal(ok.body.scope, "logs:read logs:write");
      // Behind the round-robin entry point the replay may reach the other instance, whose
      // used-set is its own (README): it is sent to the same instance, as sticky routing would.
      const again = await tokenRequest(ctx.servers[0].url, c.redeem);
      const again2 = await tokenRequest(ctx.servers[1].url, c.redeem);
      assert.ok(
        [again, again2].some((r) => r.status === 400 && r.body.error === "invalid_grant"),
        "a replayed code is refused by the instance that redeemed it",
      );
    });
    await t.step("a code expires after a minute", async () => {
      const late = await codeFor(ctx);
      ctx.advance(61_000);
      const got = await tokenRequest(url, late.redeem);
      assert.equal(got.status, 400);
      assert.equal(got.body.error, "invalid_grant");
      assert.match(got.body.error_description, /expired/);
    });
  });
});

Deno.test("oauth: refresh tokens rotate, keep the client and scope, and cannot widen it", async () => {
  await oauthHosted(async (ctx) => {
    const { url } = ctx;
    const a = await tokensFor(ctx);
    const refresh = (extra: Record<string, string> = {}, at = url) =>
      tokenRequest(at, {
        grant_type: "refresh_token",
        refresh_token: a.tokens.refresh_token,
        client_id: a.cid,
        ...extra,
      });
    const other = await registerClient(url);
    const wrongClient = await refresh({ client_id: other });
    assert.equal(wrongClient.body.error, "invalid_grant");
    const narrowed = await refresh({ scope: "logs:read" }, ctx.servers[0].url);
    assert.equal(narrowed.status, 200, JSON.stringify(narrowed.body));
    assert.equal(narrowed.body.scope, "logs:read");
    assert.notEqual(narrowed.body.refresh_token, a.tokens.refresh_token, "a new refresh token");
    const replay = await refresh({}, ctx.servers[0].url);
    assert.equal(replay.body.error, "invalid_grant", "the old one is spent on that instance");
    const wider = await tokenRequest(url, {
      grant_type: "refresh_token",
      refresh_token: narrowed.body.refresh_token,
      client_id: a.cid,
      scope: "logs:read logs:write",
    });
    assert.equal(wider.body.error, "invalid_scope");
    const r = await listWith(`${url}/mcp`, narrowed.body.access_token);
    assert.equal(r.status, 200, r.body);
  });
});

Deno.test("oauth: PKCE S256 is required and bad redirect URIs are refused at registration and authorize", async () => {
  await oauthHosted(async ({ url }) => {
    const cid = await registerClient(url);
    const { challenge } = await pkce();
    const base = {
      client_id: cid,
      redirect_uri: REDIRECT,
      response_type: "code",
      state: "s",
    };
    const go = (p: Record<string, string>) =>
      fetch(`${url}/authorize?${new URLSearchParams(p)}`, { redirect: "manual" });
    for (
      const [p, error] of [
        [{ ...base }, "invalid_request"],
        [{ ...base, code_challenge: challenge, code_challenge_method: "plain" }, "invalid_request"],
        [{ ...base, code_challenge: challenge }, "invalid_request"],
        [{
          ...base,
          code_challenge: challenge,
          code_challenge_method: "S256",
          resource: "https://other.example/mcp",
        }, "invalid_target"],
        [{
          ...base,
          response_type: "token",
          code_challenge: challenge,
          code_challenge_method: "S256",
        }, "unsupported_response_type"],
      ] as const
    ) {
      const res = await go(p);
      await res.body?.cancel();
      assert.equal(res.status, 303, JSON.stringify(p));
      const to = new URL(res.headers.get("location")!);
      assert.equal(to.origin + to.pathname, REDIRECT);
      assert.equal(to.searchParams.get("error"), error, JSON.stringify(p));
      assert.equal(to.searchParams.get("state"), "s");
      assert.equal(to.searchParams.get("iss"), url);
    }
    const good = { ...base, code_challenge: challenge, code_challenge_method: "S256" };
    const unregistered = await go({ ...good, redirect_uri: "https://evil.example/cb" });
    assert.equal(unregistered.status, 400, "never redirected to an unregistered URI");
    assert.equal(unregistered.headers.get("location"), null);
    assert.match(await unregistered.text(), /did not register/);
    const otherPort = await go({ ...good, redirect_uri: "http://127.0.0.1:4321/oauth/callback" });
    assert.equal(otherPort.status, 200, "loopback redirect on another port (RFC 8252 §7.3)");
    assert.equal(otherPort.headers.get("x-frame-options"), "DENY");
    assert.match(otherPort.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
    assert.match(otherPort.headers.get("cache-control") ?? "", /no-store/);
    await otherPort.body?.cancel();
    const otherPath = await go({ ...good, redirect_uri: "http://127.0.0.1:9/elsewhere" });
    assert.equal(otherPath.status, 400);
    await otherPath.body?.cancel();
    for (
      const bad of [
        "javascript:alert(1)",
        "http://evil.example/cb",
        "https://ok.example/cb#frag",
        "data:text/html,x",
        "not a uri",
      ]
    ) {
      const res = await fetch(`${url}/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ redirect_uris: [bad] }),
      });
      const body = await res.json();
      assert.equal(res.status, 400, bad);
      assert.equal(body.error, "invalid_redirect_uri", bad);
    }
  });
});

Deno.test("oauth: the sign-in forms need their CSRF token and cookie, and sign-in attempts are rate-limited", async () => {
  await oauthHosted(async ({ url, sb }) => {
    const cid = await registerClient(url);
    const { challenge } = await pkce();
    const q = new URLSearchParams({
      client_id: cid,
      redirect_uri: REDIRECT,
      response_type: "code",
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    const first = await fetch(`${url}/authorize?${q}`);
    const fields = hiddenFields(await first.text());
    const cookie = (first.headers.get("set-cookie") ?? "").split(";")[0];
    assert.match(first.headers.get("set-cookie") ?? "", /HttpOnly; SameSite=Strict/);
    const post = (headers: Record<string, string>, body: Record<string, string>) =>
      fetch(`${url}/authorize/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams(body),
      });
    const token = sb.erp.fixtures.users.alice.token;
    for (
      const [name, headers, body] of [
        ["no cookie", {}, { ...fields, token }],
        ["another cookie", { cookie: "oauth-csrf=" + "A".repeat(43) }, { ...fields, token }],
        ["no form token", { cookie }, { pending: fields.pending, token }],
        ["another site", { cookie, origin: "https://evil.example" }, { ...fields, token }],
      ] as const
    ) {
      const res = await post(headers, body);
      const html = await res.text();
      assert.equal(res.status, 403, name);
      assert.doesNotMatch(html, /Allow access/, name);
    }
    // The same address and client: ten attempts per instance are answered, then 429 until the
    // window ends (the entry point alternates between the two instances, which count apart).
    const statuses: number[] = [];
    for (let i = 0; i < 24; i++) {
      const res = await post({ cookie, origin: url }, { ...fields, token: "wrong-token-" + i });
      await res.body?.cancel();
      statuses.push(res.status);
    }
    assert.deepEqual(statuses.slice(0, 16), Array(16).fill(403), String(statuses));
    assert.deepEqual(statuses.slice(22), [429, 429], String(statuses));
  });
});

Deno.test("oauth: a person not on the allowlist gets no code", async () => {
  await oauthHosted(async (ctx) => {
    const refused = await codeFor(ctx, { token: ctx.sb.erp.fixtures.users.bob.token }).then(
      () => "",
      (e: Error) => e.message,
    );
    assert.match(refused, /sign-in answered 403: .*bob@other\.test/s);
    // The person reads about the token they pasted, in whole sentences.
    assert.match(refused, /The token came from the token you pasted\./);
    assert.doesNotMatch(refused, /[a-z]\.\.(\s|<)/, "no doubled full stop");
  }, { env: { MCP_AUTHORIZED_USERS: "alice@example.com" } });
});

Deno.test("oauth: tampered, expired, other-audience and foreign tokens get 401 invalid_token; every instance accepts a good one", async () => {
  await oauthHosted(async (ctx) => {
    const { url, servers } = ctx;
    const { tokens } = await tokensFor(ctx);
    for (const s of servers) {
      const r = await listWith(`${s.url}/mcp`, tokens.access_token);
      assert.equal(r.status, 200, r.body);
    }
    const parts = tokens.access_token.split(".");
    parts[3] = parts[3].slice(0, 5) + (parts[3][5] === "x" ? "y" : "x") + parts[3].slice(6);
    const refused = async (bearer: string, why: RegExp) => {
      const r = await listWith(`${url}/mcp`, bearer);
      assert.equal(r.status, 401, r.body);
      assert.match(r.challenge ?? "", /error="invalid_token"/);
      assert.match(r.challenge ?? "", why);
    };
    await refused(parts.join("."), /altered/);
    const ours = await Sealer.create(ctx.secret, [], url);
    const claims = {
      erp: ctx.sb.erp.fixtures.users.alice.token,
      email: "alice@example.com",
      cid: "x",
      scope: "logs:read logs:write",
      until: 0,
    };
    await refused(
      await ours.seal("access", { ...claims, aud: "https://other.example/mcp" }, 600),
      /another resource/,
    );
    await refused(
      await ours.seal("refresh", { ...claims, aud: `${url}/mcp` }, 600),
      /not an access token/,
    );
    const foreign = await Sealer.create(newSecret(), [], url);
    await refused(await foreign.seal("access", { ...claims, aud: `${url}/mcp` }, 600), /key/);
    ctx.advance(11 * 60_000);
    await refused(tokens.access_token, /expired/);
  });
});

Deno.test("oauth: after a key rotation the old secret still opens tokens; a revoked ERP token ends access", async () => {
  await oauthHosted(async (ctx) => {
    const { tokens } = await tokensFor(ctx);
    const start = (env: Record<string, string>) =>
      serveHttp({
        config: configFor(ctx.sb, { MCP_SSE_PUBLIC_URL: ctx.url, ...env }),
        log: silentLogger,
        hostname: "127.0.0.1",
        port: 0,
      });
    const rotated = await start({
      MCP_OAUTH_SECRET: newSecret(),
      MCP_OAUTH_OLD_SECRETS: ctx.secret,
    });
    const other = await start({ MCP_OAUTH_SECRET: newSecret() });
    try {
      const r = await listWith(`${rotated.url}/mcp`, tokens.access_token);
      assert.equal(r.status, 200, r.body);
      assert.equal((await listWith(`${other.url}/mcp`, tokens.access_token)).status, 401);
      ctx.sb.erp.revokeToken(ctx.sb.erp.fixtures.users.alice.token);
      // This instance never checked the ERP token (its one-minute cache is empty): it asks now.
      const fresh = await start({ MCP_OAUTH_SECRET: ctx.secret });
      try {
        const gone = await listWith(`${fresh.url}/mcp`, tokens.access_token);
        assert.equal(gone.status, 401, gone.body);
        assert.match(gone.challenge ?? "", /error="invalid_token"/);
      } finally {
        await fresh.close();
      }
    } finally {
      await rotated.close();
      await other.close();
    }
  });
});

Deno.test("oauth: Google's answer is refused in another browser (its state is bound to the CSRF cookie)", async () => {
  await oauthHosted(async ({ url, sb }) => {
    const cid = await registerClient(url);
    const { challenge } = await pkce();
    const q = new URLSearchParams({
      client_id: cid,
      redirect_uri: REDIRECT,
      response_type: "code",
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    const first = await fetch(`${url}/authorize?${q}`);
    const html = await first.text();
    assert.match(html, /Sign in with Google/);
    assert.match(
      first.headers.get("content-security-policy") ?? "",
      new RegExp(`form-action 'self' ${sb.origin}`),
    );
    const cookie = (first.headers.get("set-cookie") ?? "").split(";")[0];
    const post = (path: string, headers: Record<string, string>, body: Record<string, string>) =>
      fetch(`${url}${path}`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: url, ...headers },
        body: new URLSearchParams(body),
      });
    const toGoogle = await post("/authorize/google", { cookie }, hiddenFields(html));
    await toGoogle.body?.cancel();
    assert.equal(toGoogle.status, 303);
    const google = new URL(toGoogle.headers.get("location")!);
    assert.equal(google.origin, sb.origin);
    assert.equal(google.searchParams.get("redirect_uri"), `${url}/authorize/google/callback`);
    assert.equal(google.searchParams.get("response_type"), "token");
    const state = google.searchParams.get("state")!;
    const answer = { state, access_token: sb.erp.fixtures.users.alice.token };
    const elsewhere = await post("/authorize/google/complete", {
      cookie: "oauth-csrf=" + "B".repeat(43),
    }, answer);
    assert.equal(elsewhere.status, 403);
    assert.match(await elsewhere.text(), /another browser/);
    const forged = await post("/authorize/google/complete", { cookie }, { ...answer, state: "x" });
    assert.equal(forged.status, 400);
    await forged.body?.cancel();
    const callback = await fetch(`${url}/authorize/google/callback`);
    assert.match(callback.headers.get("content-security-policy") ?? "", /script-src 'nonce-/);
    await callback.body?.cancel();
  }, {
    env: (sb) => ({
      MCP_GOOGLE_CLIENT_ID: "sandbox-google-client",
      MCP_GOOGLE_AUTH_URL: `${sb.origin}/oauth/google/authorize`,
    }),
  });
});

Deno.test("oauth: denying on the consent page sends the app access_denied and no code", async () => {
  await oauthHosted(async ({ url, sb }) => {
    const cid = await registerClient(url);
    const { challenge } = await pkce();
    const back = await formFlow(
      url,
      {
        client_id: cid,
        redirect_uri: REDIRECT,
        response_type: "code",
        code_challenge: challenge,
        code_challenge_method: "S256",
        state: "deny-state",
      },
      sb.erp.fixtures.users.alice.token,
      "write",
      "deny",
    );
    assert.equal(back.searchParams.get("error"), "access_denied");
    assert.equal(back.searchParams.get("state"), "deny-state");
    assert.equal(back.searchParams.get("code"), null);
    assert.equal(back.searchParams.get("iss"), url);
  });
});
