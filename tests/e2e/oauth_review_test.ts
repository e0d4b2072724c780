/**
 * The OAuth security review's findings (each test fails on the code before its fix): body caps,
 * rate-limit keys, single-use marks after the ERP check, bearer challenges, redirect matching,
 * the Google state, the metadata document fetch, error redirects, the consent wording, DCR
 * checks, header values and the audience per route. Real HTTP against serveHttp and the sandbox.
 */
import assert from "node:assert/strict";
import { silentLogger } from "../../src/log.ts";
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

/**
 * POSTs a chunked body of up to `total` bytes to `url` over a raw socket, writing 64 KiB chunks
 * until the answer's head arrives (or the server closes). Returns the status and how many body
 * bytes were written by then: far fewer than `total` means the server answered without reading.
 */
async function chunkedPost(
  url: string,
  type: string,
  total: number,
): Promise<{ status: number; written: number }> {
  const u = new URL(url);
  const conn = await Deno.connect({ hostname: u.hostname, port: Number(u.port) });
  const enc = new TextEncoder();
  let head = "";
  const answered = (async () => {
    const buf = new Uint8Array(4096);
    const dec = new TextDecoder();
    try {
      while (!head.includes("\r\n")) {
        const n = await conn.read(buf);
        if (n === null) break;
        head += dec.decode(buf.subarray(0, n));
      }
    } catch { /* reset after the answer: what was read counts */ }
  })();
  let written = 0;
  const writeAll = async (bytes: Uint8Array) => {
    for (let at = 0; at < bytes.byteLength;) at += await conn.write(bytes.subarray(at));
  };
  const writing = (async () => {
    try {
      await writeAll(enc.encode(
        `POST ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: ${type}\r\n` +
          "Transfer-Encoding: chunked\r\n\r\n",
      ));
      const chunk = enc.encode(`10000\r\n${"a".repeat(0x10000)}\r\n`);
      while (written < total && !head.includes("\r\n")) {
        await writeAll(chunk);
        written += 0x10000;
      }
      if (written >= total) await writeAll(enc.encode("0\r\n\r\n"));
    } catch { /* the server closed the connection after answering, or we did */ }
  })();
  await answered;
  const sent = written;
  conn.close(); // ends a write the server no longer reads
  await writing;
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
  return { status, written: sent };
}

Deno.test("oauth review 1: a large chunked body to each OAuth POST endpoint is refused with 413 without being read", async () => {
  await oauthHosted(async ({ servers }) => {
    const total = 256 * 1024 * 1024;
    for (
      const [path, type] of [
        ["/token", "application/x-www-form-urlencoded"],
        ["/register", "application/json"],
        ["/authorize/login", "application/x-www-form-urlencoded"],
        ["/authorize/consent", "application/x-www-form-urlencoded"],
        ["/authorize/google/complete", "application/x-www-form-urlencoded"],
      ]
    ) {
      const got = await chunkedPost(`${servers[0].url}${path}`, type, total);
      assert.equal(got.status, 413, path);
      // The answer came while most of the body was still unsent: the server stopped reading.
      assert.ok(got.written < total / 4, `${path}: ${got.written} of ${total} bytes were sent`);
    }
    // A declared Content-Length over the cap is refused before any OAuth route reads it.
    const declared = await fetch(`${servers[0].url}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "a".repeat(2 * 1024 * 1024),
    });
    await declared.body?.cancel();
    assert.equal(declared.status, 413);
  }, { instances: 1 });
});

/** The authorize page's hidden fields and CSRF cookie for `client_id`, as a browser gets them. */
async function signInPage(url: string, cid: string, extra: Record<string, string> = {}) {
  const { challenge } = await pkce();
  const q = new URLSearchParams({
    client_id: cid,
    redirect_uri: REDIRECT,
    response_type: "code",
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...extra,
  });
  const res = await fetch(`${url}/authorize?${q}`);
  const html = await res.text();
  assert.equal(res.status, 200, html);
  return {
    fields: hiddenFields(html),
    cookie: (res.headers.get("set-cookie") ?? "").split(";")[0],
  };
}

/** POSTs a sign-in form from `address` (X-Forwarded-For behind a trusted proxy). */
async function postForm(
  url: string,
  path: string,
  cookie: string,
  fields: Record<string, string>,
  address = "10.9.9.9",
): Promise<{ status: number; html: string; location: string | null }> {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie,
      origin: url,
      "x-forwarded-for": address,
    },
    body: new URLSearchParams(fields),
  });
  return { status: res.status, html: await res.text(), location: res.headers.get("location") };
}

Deno.test("oauth review 2: requests naming a client from many addresses do not lock that client's other users out", async () => {
  await oauthHosted(async ({ url }) => {
    const cid = await registerClient(url);
    // Token requests: 70 addresses, one bogus code each, for the victim's client id.
    for (let i = 0; i < 70; i++) {
      const r = await fetch(`${url}/token`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-forwarded-for": `10.1.0.${i}`,
        },
        body: new URLSearchParams({
          grant_type: "authorization_code",
          code: "bogus",
          client_id: cid,
          redirect_uri: REDIRECT,
          code_verifier: "v".repeat(43),
        }),
      });
      await r.body?.cancel();
    }
    const victim = await tokenRequest(url, {
      grant_type: "authorization_code",
      code: "bogus",
      client_id: cid,
      redirect_uri: REDIRECT,
      code_verifier: "v".repeat(43),
    }, { "x-forwarded-for": "10.2.0.1" });
    assert.equal(victim.status, 400, JSON.stringify(victim.body));
    assert.equal(victim.body.error, "invalid_grant");
    // Sign-in attempts: 12 addresses, a wrong ERP token each, on the same client.
    const page = await signInPage(url, cid);
    for (let i = 0; i < 12; i++) {
      const r = await postForm(url, "/authorize/login", page.cookie, {
        ...page.fields,
        token: "wrong-token",
      }, `10.3.0.${i}`);
      assert.equal(r.status, 403, r.html);
    }
    const mine = await signInPage(url, cid);
    const r = await postForm(url, "/authorize/login", mine.cookie, {
      ...mine.fields,
      token: "wrong-token",
    }, "10.4.0.1");
    assert.equal(r.status, 403, "the victim's own attempt is answered, not rate-limited");
    // One address is still limited on its own.
    let last = 0;
    for (let i = 0; i < 11; i++) {
      last = (await postForm(url, "/authorize/login", mine.cookie, {
        ...mine.fields,
        token: "wrong-token",
      }, "10.5.0.1")).status;
    }
    assert.equal(last, 429);
  }, { instances: 1, env: { MCP_TRUST_PROXY: "true" } });
});

/** A registered client and a code for alice; what redeems it. */
async function codeFor(ctx: OAuthCtx, extra: Record<string, string> = {}) {
  const cid = await registerClient(ctx.url);
  const { verifier, challenge } = await pkce();
  const back = await formFlow(ctx.url, {
    client_id: cid,
    redirect_uri: REDIRECT,
    response_type: "code",
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...extra,
  }, ctx.sb.erp.fixtures.users.alice.token);
  return {
    cid,
    redeem: {
      grant_type: "authorization_code",
      code: back.searchParams.get("code")!,
      client_id: cid,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    },
  };
}

/** A fresh instance sharing the secret (its ERP token cache is empty, so it asks the ERP). */
async function freshInstance(ctx: OAuthCtx) {
  return await serveHttp({
    config: configFor(ctx.sb, { MCP_SSE_PUBLIC_URL: ctx.url, MCP_OAUTH_SECRET: ctx.secret }),
    log: silentLogger,
    hostname: "127.0.0.1",
    port: 0,
  });
}

Deno.test("oauth review 4: a code or refresh token refused for an ERP outage (503) still works on the retry", async () => {
  await oauthHosted(async (ctx) => {
    const down = () =>
      ctx.sb.erp.injectFault({ method: "GET", pathIncludes: "person", status: 503, times: 3 });
    const c = await codeFor(ctx);
    const fresh = await freshInstance(ctx);
    try {
      down();
      const blip = await tokenRequest(fresh.url, c.redeem);
      assert.equal(blip.status, 503, JSON.stringify(blip.body));
      const got = await tokenRequest(fresh.url, c.redeem);
      assert.equal(got.status, 200, JSON.stringify(got.body));
      assert.equal((await tokenRequest(fresh.url, c.redeem)).status, 400, "still single-use");
      const refresh = {
        grant_type: "refresh_token",
        refresh_token: got.body.refresh_token,
        client_id: c.cid,
      };
      const other = await freshInstance(ctx);
      try {
        down();
        assert.equal((await tokenRequest(other.url, refresh)).status, 503);
        const again = await tokenRequest(other.url, refresh);
        assert.equal(again.status, 200, JSON.stringify(again.body));
        const reused = await tokenRequest(other.url, refresh);
        assert.equal(reused.status, 400, "still single-use");
        assert.equal(reused.body.error, "invalid_grant");
      } finally {
        await other.close();
      }
    } finally {
      await fresh.close();
    }
  }, { instances: 1 });
});

Deno.test("oauth review 9: a bad raw bearer token gets 401 with the invalid_token challenge on /mcp and /sse", async () => {
  await oauthHosted(async ({ url, sb }) => {
    const bad = await listWith(`${url}/mcp`, "garbage-not-a-token");
    assert.equal(bad.status, 401, bad.body);
    assert.match(
      bad.challenge ?? "",
      new RegExp(
        `^Bearer resource_metadata="${url}/.well-known/oauth-protected-resource/mcp".*error="invalid_token"`,
      ),
    );
    const sse = await fetch(`${url}/sse`, {
      headers: { accept: "text/event-stream", authorization: "Bearer garbage-not-a-token" },
    });
    await sse.body?.cancel();
    assert.equal(sse.status, 401);
    assert.match(sse.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
    // A good raw ERP token is still header mode.
    const good = await listWith(`${url}/mcp`, sb.erp.fixtures.users.alice.token);
    assert.equal(good.status, 200, good.body);
  }, { instances: 1 });
});

Deno.test("oauth review 10: a loopback redirect URI with a fragment or userinfo does not match the registered one", async () => {
  await oauthHosted(async ({ url }) => {
    const cid = await registerClient(url, "http://127.0.0.1:5555/cb");
    const { challenge } = await pkce();
    const ask = async (ru: string) => {
      const q = new URLSearchParams({
        client_id: cid,
        redirect_uri: ru,
        response_type: "code",
        code_challenge: challenge,
        code_challenge_method: "S256",
      });
      const res = await fetch(`${url}/authorize?${q}`, { redirect: "manual" });
      await res.body?.cancel();
      return res.status;
    };
    assert.equal(await ask("http://127.0.0.1:6000/cb"), 200, "another port is fine (RFC 8252)");
    for (
      const ru of [
        "http://127.0.0.1:5555/cb#frag",
        "http://127.0.0.1:6000/cb#",
        "http://evil.com@127.0.0.1:5555/cb",
        "http://user:pw@127.0.0.1:5555/cb",
      ]
    ) {
      assert.equal(await ask(ru), 400, ru);
    }
  }, { instances: 1 });
});

Deno.test("oauth review 6: Google's answer is accepted once and its completion is rate-limited", async () => {
  await oauthHosted(async ({ url }) => {
    const cid = await registerClient(url);
    /** A Google state from a sign-in started at `address`, with that page's cookie. */
    const started = async (address: string) => {
      const page = await signInPage(url, cid);
      const res = await fetch(`${url}/authorize/google`, {
        method: "POST",
        redirect: "manual",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          cookie: page.cookie,
          origin: url,
          "x-forwarded-for": address,
        },
        body: new URLSearchParams(page.fields),
      });
      await res.body?.cancel();
      assert.equal(res.status, 303);
      const state = new URL(res.headers.get("location")!).searchParams.get("state")!;
      return { state, cookie: page.cookie };
    };
    const complete = (s: { state: string; cookie: string }, address: string) =>
      postForm(url, "/authorize/google/complete", s.cookie, {
        state: s.state,
        access_token: "not-a-google-token",
      }, address);
    const one = await started("10.6.0.1");
    const first = await complete(one, "10.6.0.1");
    assert.equal(first.status, 403, "the ERP refuses the Google token");
    const replay = await complete(one, "10.6.0.2");
    assert.equal(replay.status, 400, replay.html);
    assert.match(replay.html, /already used/);
    // Completions from one address: ten are answered, then 429.
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      statuses.push((await complete(await started(`10.7.0.${i}`), "10.8.0.1")).status);
    }
    assert.deepEqual(statuses, [...Array(10).fill(403), 429]);
  }, {
    instances: 1,
    env: (sb) => ({
      MCP_TRUST_PROXY: "true",
      MCP_GOOGLE_CLIENT_ID: "sandbox-google-client",
      MCP_GOOGLE_AUTH_URL: `${sb.origin}/oauth/google/authorize`,
    }),
  });
});

Deno.test("oauth review 7: metadata documents are read with a byte cap, failures are cached, the port must be allowed, and fetches are rate-limited", async () => {
  const hits: Record<string, number> = {};
  let pulled = 0;
  const total = 64 * 1024 * 1024;
  const docs = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    hits[path] = (hits[path] ?? 0) + 1;
    if (path !== "/big") return new Response("no", { status: 404 });
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    return new Response(
      new ReadableStream<Uint8Array>({
        pull(c) {
          if (pulled >= total) return c.close();
          pulled += chunk.byteLength;
          c.enqueue(chunk);
        },
      }, { highWaterMark: 0 }),
      { headers: { "content-type": "application/json" } },
    );
  });
  const origin = `http://127.0.0.1:${docs.addr.port}`;
  try {
    await oauthHosted(async ({ url }) => {
      const ask = async (cid: string, address = "10.10.0.1") => {
        const { challenge } = await pkce();
        const q = new URLSearchParams({
          client_id: cid,
          redirect_uri: REDIRECT,
          response_type: "code",
          code_challenge: challenge,
          code_challenge_method: "S256",
        });
        const res = await fetch(`${url}/authorize?${q}`, {
          headers: { "x-forwarded-for": address },
        });
        return { status: res.status, html: await res.text() };
      };
      const big = await ask(`${origin}/big`, "10.11.0.1");
      assert.equal(big.status, 400, big.html);
      assert.ok(pulled < total / 4, `${pulled} of ${total} bytes of the document were read`);
      assert.equal((await ask(`${origin}/missing`, "10.11.0.1")).status, 400);
      assert.equal((await ask(`${origin}/missing`, "10.11.0.1")).status, 400);
      assert.equal(hits["/missing"], 1, "a failed document is not fetched again at once");
      const port = await ask("https://claude.ai:8443/x", "10.11.0.1");
      assert.equal(port.status, 400);
      assert.match(port.html, /is not accepted by this server/);
      const statuses: number[] = [];
      for (let i = 0; i < 61; i++) statuses.push((await ask(`${origin}/missing`)).status);
      assert.deepEqual(statuses, [...Array(60).fill(400), 429]);
    }, { instances: 1, env: { MCP_TRUST_PROXY: "true" } });
  } finally {
    await docs.shutdown();
  }
});

Deno.test("oauth review 8: an error at /authorize is not redirected to a registered non-loopback URI", async () => {
  await oauthHosted(async ({ url }) => {
    const ask = async (cid: string, ru: string) => {
      const q = new URLSearchParams({ client_id: cid, redirect_uri: ru, response_type: "token" });
      const res = await fetch(`${url}/authorize?${q}`, { redirect: "manual" });
      return { status: res.status, location: res.headers.get("location"), html: await res.text() };
    };
    const evil = "https://evil.example/landing";
    const open = await ask(await registerClient(url, evil), evil);
    assert.equal(open.status, 400, `redirected to ${open.location}`);
    assert.equal(open.location, null);
    assert.match(open.html, /unsupported_response_type/);
    // A loopback redirect (the person's own machine) still gets the RFC 6749 §4.1.2.1 redirect.
    const local = await ask(await registerClient(url), REDIRECT);
    assert.equal(local.status, 303);
    assert.equal(
      new URL(local.location!).searchParams.get("error"),
      "unsupported_response_type",
    );
  }, { instances: 1 });
});

Deno.test("oauth review 11: the consent page words what the scope offers; unknown scopes get read only", async () => {
  await oauthHosted(async (ctx) => {
    const alice = ctx.sb.erp.fixtures.users.alice.token;
    const consentHtml = async (scope: string) => {
      const page = await signInPage(ctx.url, await registerClient(ctx.url), { scope });
      const r = await postForm(ctx.url, "/authorize/login", page.cookie, {
        ...page.fields,
        token: alice,
      });
      assert.equal(r.status, 200, r.html);
      return r.html;
    };
    const read = await consentHtml("logs:read");
    assert.doesNotMatch(read, /read and write/);
    assert.match(read, /wants to read your time logs/);
    const unknown = await consentHtml("openid profile");
    assert.doesNotMatch(unknown, /read and write/);
    assert.doesNotMatch(unknown, /value="write"/);
    const both = await consentHtml("logs:read logs:write");
    assert.match(both, /wants to read and write your time logs/);
    // The token an unknown-scope request gets, even when "write" is posted, reads only.
    const c = await codeFor(ctx, { scope: "openid profile" });
    const t = await tokenRequest(ctx.url, c.redeem);
    assert.equal(t.status, 200, JSON.stringify(t.body));
    assert.equal(t.body.scope, "logs:read");
  }, { instances: 1 });
});

Deno.test("oauth review 14: a refusal naming a non-Latin-1 email still answers 401 with an ASCII challenge", async () => {
  await oauthHosted(async ({ url, sb }) => {
    sb.erp.injectFault({
      method: "GET",
      pathIncludes: "core/person",
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({ id: 999, email: "zoë@例え.jp", name: "Zoë" }),
      times: 3,
    });
    const r = await listWith(`${url}/mcp`, "token-of-someone-unlisted");
    assert.equal(r.status, 401, r.body);
    const challenge = r.challenge ?? "";
    assert.match(challenge, /error="invalid_token", error_description="[^"]*not on the allowlist/);
    assert.match(challenge, /^[\x20-\x7e]*$/);
  }, { instances: 1 });
});

Deno.test("oauth review 13: registration refuses odd schemes, grants without authorization_code, and ids too long to use", async () => {
  await oauthHosted(async ({ url }) => {
    const reg = async (body: Record<string, unknown>) => {
      const res = await fetch(`${url}/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    for (const ru of ["view-source:https://a.example/cb", "chrome://settings/cb", "x:/cb"]) {
      const r = await reg({ redirect_uris: [ru] });
      assert.equal(r.status, 400, ru);
      assert.equal(r.body.error, "invalid_redirect_uri", ru);
    }
    assert.equal((await reg({ redirect_uris: ["com.example.app:/cb"] })).status, 201);
    for (const grants of [[], ["refresh_token"]]) {
      const r = await reg({ redirect_uris: [REDIRECT], grant_types: grants });
      assert.equal(r.status, 400, JSON.stringify(grants));
      assert.equal(r.body.error, "invalid_client_metadata");
    }
    const long = Array.from(
      { length: 10 },
      (_, i) => `https://app.example/${i}/${"p".repeat(1950)}`,
    );
    const big = await reg({ redirect_uris: long });
    assert.equal(big.status, 400, `a client id of ${String(big.body.client_id).length} characters`);
    assert.match(big.body.error_description, /too large/);
  }, { instances: 1 });
});

Deno.test("oauth review 12: a token for the root resource is refused on /mcp; the legacy routes take the root's and /mcp's", async () => {
  await oauthHosted(async (ctx) => {
    const rootCode = await codeFor(ctx, { resource: ctx.url });
    const root = await tokenRequest(ctx.url, rootCode.redeem);
    assert.equal(root.status, 200, JSON.stringify(root.body));
    const onMcp = await listWith(`${ctx.url}/mcp`, root.body.access_token);
    assert.equal(onMcp.status, 401, onMcp.body);
    assert.match(onMcp.challenge ?? "", /error="invalid_token".*another resource/);
    const mcpCode = await codeFor(ctx, { resource: `${ctx.url}/mcp` });
    const mcp = await tokenRequest(ctx.url, mcpCode.redeem);
    assert.equal((await listWith(`${ctx.url}/mcp`, mcp.body.access_token)).status, 200);
    // The legacy routes are the root resource: its token works there (and /mcp's, which SDK
    // clients reuse on /sse).
    for (const t of [root.body.access_token, mcp.body.access_token]) {
      const sse = await fetch(`${ctx.url}/sse`, {
        headers: { accept: "text/event-stream", authorization: `Bearer ${t}` },
      });
      await sse.body?.cancel();
      assert.equal(sse.status, 200);
    }
  }, { instances: 1 });
});

Deno.test("oauth review 3: a refresh token expires a week after it was issued (sliding), within the sign-in's 30 days", async () => {
  await oauthHosted(async (ctx) => {
    const c = await codeFor(ctx);
    const t = await tokenRequest(ctx.url, c.redeem);
    assert.equal(t.status, 200, JSON.stringify(t.body));
    const refresh = (token: string) =>
      tokenRequest(ctx.url, {
        grant_type: "refresh_token",
        refresh_token: token,
        client_id: c.cid,
      });
    ctx.advance(6 * 24 * 3600_000);
    const used = await refresh(t.body.refresh_token);
    assert.equal(used.status, 200, "used within the week: a new one");
    ctx.advance(8 * 24 * 3600_000);
    const idle = await refresh(used.body.refresh_token);
    assert.equal(idle.status, 400, "idle more than a week");
    assert.equal(idle.body.error, "invalid_grant");
  }, { instances: 1 });
});

Deno.test("oauth review (also noted): a sign-in started before a key rotation finishes after it", async () => {
  await oauthHosted(async (ctx) => {
    const page = await signInPage(ctx.url, await registerClient(ctx.url));
    const rotated = await serveHttp({
      config: configFor(ctx.sb, {
        MCP_SSE_PUBLIC_URL: ctx.url,
        MCP_OAUTH_SECRET: newSecret(),
        MCP_OAUTH_OLD_SECRETS: ctx.secret,
      }),
      log: silentLogger,
      hostname: "127.0.0.1",
      port: 0,
    });
    try {
      const res = await fetch(`${rotated.url}/authorize/login`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          cookie: page.cookie,
          origin: ctx.url,
        },
        body: new URLSearchParams({ ...page.fields, token: ctx.sb.erp.fixtures.users.alice.token }),
      });
      const html = await res.text();
      assert.equal(res.status, 200, html);
      assert.match(html, /Allow access\?/);
    } finally {
      await rotated.close();
    }
  }, { instances: 1 });
});

Deno.test("oauth review (also noted): a repeated /authorize parameter is refused; a consent form works once", async () => {
  await oauthHosted(async ({ url, sb }) => {
    const cid = await registerClient(url);
    const { challenge } = await pkce();
    const q = new URLSearchParams({
      client_id: cid,
      redirect_uri: REDIRECT,
      response_type: "code",
      code_challenge: challenge,
      code_challenge_method: "S256",
      scope: "logs:read",
    });
    q.append("scope", "logs:write");
    const repeated = await fetch(`${url}/authorize?${q}`, { redirect: "manual" });
    const html = await repeated.text();
    assert.equal(repeated.status, 400, html);
    assert.match(html, /&#34;scope&#34; is repeated/);
    const page = await signInPage(url, cid);
    const login = await postForm(url, "/authorize/login", page.cookie, {
      ...page.fields,
      token: sb.erp.fixtures.users.alice.token,
    });
    assert.equal(login.status, 200, login.html);
    const fields = { ...hiddenFields(login.html), access: "write", decision: "allow" };
    const first = await postForm(url, "/authorize/consent", page.cookie, fields);
    assert.equal(first.status, 303, first.html);
    assert.ok(new URL(first.location!).searchParams.get("code"));
    const replay = await postForm(url, "/authorize/consent", page.cookie, fields);
    assert.equal(replay.status, 400, "a replayed consent gets no code");
  }, { instances: 1 });
});

Deno.test("oauth tryout: an OAuth connection's sign-in tools change nothing and say so (no false 'Signed in as bob')", async () => {
  await oauthHosted(async (ctx) => {
    const c = await codeFor(ctx);
    const got = await tokenRequest(ctx.url, c.redeem);
    assert.equal(got.status, 200, JSON.stringify(got.body));
    const bearer = got.body.access_token as string;
    const { bob } = ctx.sb.erp.fixtures.users;
    // A 2025-era client: every request carries the access token (stateless on /mcp).
    const call = async (name: string, args: Record<string, unknown> = {}) => {
      const res = await fetch(`${ctx.url}/mcp`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          authorization: `Bearer ${bearer}`,
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: { name, arguments: args },
        }),
      });
      const body = await res.json();
      return (body.result?.content?.[0]?.text ?? JSON.stringify(body)) as string;
    };
    const before = ctx.sb.erp.calls.length;
    for (
      const [tool, args] of [
        ["authenticate_with_token", { token: bob.token }],
        ["authenticate_with_google", { access_token: bob.googleAccessToken }],
        ["authenticate_via_erp_browser", {}],
        ["sign_out", {}],
      ] as const
    ) {
      const text = await call(tool, args);
      assert.match(text, /signed in through the app's OAuth sign-in/, `${tool}: ${text}`);
      assert.doesNotMatch(text, /bob@other\.test/);
    }
    // Bob's Google token was never sent to the ERP's exchange on alice's connection.
    assert.deepEqual(
      ctx.sb.erp.calls.slice(before).filter((x) => x.path.includes("google-login")),
      [],
    );
    assert.match(await call("whoami"), /alice@example\.com/);
  });
});

Deno.test("oauth tryout: a registered client_name cannot carry bidi overrides onto the sign-in page", async () => {
  await oauthHosted(async ({ url }) => {
    const reg = await fetch(`${url}/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_name: "Claude\u202e",
        redirect_uris: [REDIRECT],
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "none",
      }),
    });
    assert.equal(reg.status, 201, await reg.clone().text());
    const { client_id, client_name } = await reg.json();
    assert.equal(client_name, "Claude");
    const { challenge } = await pkce();
    const page = await fetch(
      `${url}/authorize?${new URLSearchParams({
        client_id,
        redirect_uri: REDIRECT,
        response_type: "code",
        code_challenge: challenge,
        code_challenge_method: "S256",
      })}`,
    );
    const html = await page.text();
    assert.equal(page.status, 200, html);
    assert.doesNotMatch(html, /[\u202a-\u202e\u2066-\u2069]/);
  });
});

Deno.test("oauth tryout: the operator's log says who allowed which app, and who was refused, never a token", async () => {
  const lines: string[] = [];
  const log = {
    info: (m: string) => lines.push(m),
    warn: (m: string) => lines.push(m),
    error: (m: string) => lines.push(m),
  };
  await oauthHosted(async (ctx) => {
    const c = await codeFor(ctx);
    const got = await tokenRequest(ctx.url, c.redeem);
    assert.equal(got.status, 200);
    const { bob } = ctx.sb.erp.fixtures.users;
    // bob is not on this server's allowlist: his pasted token is refused, and logged.
    const cid = await registerClient(ctx.url);
    const { challenge } = await pkce();
    await formFlow(ctx.url, {
      client_id: cid,
      redirect_uri: REDIRECT,
      response_type: "code",
      code_challenge: challenge,
      code_challenge_method: "S256",
    }, bob.token).catch(() => {});
    const text = lines.join("\n");
    assert.match(text, /oauth: alice@example\.com allowed 127\.0\.0\.1:\d+ to read and write/);
    assert.match(text, /oauth: a pasted ERP token was refused: .*bob@other\.test/);
    for (
      const secret of [ctx.sb.erp.fixtures.users.alice.token, bob.token, got.body.access_token]
    ) {
      assert.ok(!text.includes(secret), "no token in the log");
    }
  }, { log, env: { MCP_AUTHORIZED_USERS: "alice@example.com" } });
});
