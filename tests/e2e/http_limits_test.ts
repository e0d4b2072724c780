/**
 * Hosted mode holds its limits over real HTTP: identity per session id, strict Authorization,
 * the session caps however slowly bodies arrive, header/body/idle deadlines on raw TCP sockets,
 * the legacy batch cap, malformed or missing Host, no-store, JSON for JSON-only clients, a
 * header-token /sse outside the anonymous cap, empty batches and /healthz methods.
 */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/sse"
import { SSEClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/sse.js";
import { connect, data, hosted, INIT, raw } from "./hosted_helpers.ts";

/** Waits up to 20 s for `ok()` (polling a counter, never a fixed sleep). */
async function until(ok: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 20_000;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A raw TCP connection to the server. */
async function open(port: number, text = ""): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  if (text) await conn.write(new TextEncoder().encode(text));
  return conn;
}

/**
 * Reads until the server closes the connection; `closed: false` when it is still open after
 * `maxMs` (far longer than any deadline the tests set: only a missing deadline reaches it).
 */
async function readToClose(
  conn: Deno.TcpConn,
  maxMs = 20_000,
): Promise<{ closed: boolean; text: string }> {
  let text = "";
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    conn.close();
  }, maxMs);
  const buf = new Uint8Array(8192);
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
  } catch {
    // reset by the server, or closed by the timer
  } finally {
    clearTimeout(timer);
  }
  if (!timedOut) {
    try {
      conn.close();
    } catch { /* already closed */ }
  }
  return { closed: !timedOut, text };
}

const JSON_HEADERS = {
  "Content-Type": "application/json",
  Accept: "application/json, text/event-stream",
};

function rpc(id: number, method: string, params: Record<string, unknown> = {}) {
  return { jsonrpc: "2.0", id, method, params };
}

/** Opens a legacy SSE stream with `headers`; returns its /messages URL and the open response. */
async function openSse(base: string, headers: Record<string, string> = {}) {
  const res = await fetch(new URL("/sse", base), {
    headers: { Accept: "text/event-stream", ...headers },
  });
  assert.equal(res.status, 200);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  while (!/data: (\S+)\n/.test(buffer)) buffer += (await reader.read()).value ?? "";
  const endpoint = new URL(/data: (\S+)\n/.exec(buffer)![1], base).toString();
  return { endpoint, reader };
}

Deno.test("http limits: a session id with another person's token is refused (403), on /mcp and /messages", async () => {
  await hosted(async ({ sb, http }) => {
    const { alice, bob } = sb.erp.fixtures.users;
    const client = await connect(http.url);
    await client.callTool({ name: "authenticate_with_token", arguments: { token: alice.token } });
    const transport = client.transport as { sessionId?: string };
    const sid = transport.sessionId!;
    const whoami = (auth?: string) =>
      fetch(new URL("/mcp", http.url), {
        method: "POST",
        headers: {
          ...JSON_HEADERS,
          "Mcp-Session-Id": sid,
          "MCP-Protocol-Version": "2025-06-18",
          ...(auth ? { Authorization: auth } : {}),
        },
        body: JSON.stringify(rpc(7, "tools/call", { name: "whoami", arguments: {} })),
      });
    const asBob = await whoami(`Token ${bob.token}`);
    assert.equal(asBob.status, 403);
    const refusal = await asBob.json();
    assert.match(refusal.error.message, /not signed in with the token this request carries/);
    assert.doesNotMatch(JSON.stringify(refusal), new RegExp(alice.email));
    const asAlice = await whoami(`Token ${alice.token}`);
    assert.equal(asAlice.status, 200);
    assert.match(await asAlice.text(), /alice@example\.com/);
    const none = await whoami();
    assert.equal(none.status, 200, "the session id alone still works");
    await none.body?.cancel();

    // An anonymous session does not take on whatever token comes with its id.
    const anonymous = await connect(http.url);
    const anonId = (anonymous.transport as { sessionId?: string }).sessionId!;
    const borrowed = await fetch(new URL("/mcp", http.url), {
      method: "POST",
      headers: {
        ...JSON_HEADERS,
        "Mcp-Session-Id": anonId,
        "MCP-Protocol-Version": "2025-06-18",
        Authorization: `Bearer ${bob.token}`,
      },
      body: JSON.stringify(rpc(8, "tools/call", { name: "whoami", arguments: {} })),
    });
    assert.equal(borrowed.status, 403);
    await borrowed.body?.cancel();

    // Legacy SSE: the stream was opened with alice's token; bob's token on its POSTs is refused.
    const sse = await openSse(http.url, { Authorization: `Token ${alice.token}` });
    const before = sb.erp.calls.length;
    const post = (auth: string) =>
      fetch(sse.endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: auth },
        body: JSON.stringify(rpc(1, "tools/call", { name: "whoami", arguments: {} })),
      });
    const bobPost = await post(`Token ${bob.token}`);
    assert.equal(bobPost.status, 403);
    assert.match(await bobPost.text(), /not signed in with the token/);
    assert.equal(sb.erp.calls.length, before, "nothing reached the ERP");
    const alicePost = await post(`Token ${alice.token}`);
    assert.equal(alicePost.status, 202);
    await alicePost.body?.cancel();
    await sse.reader.cancel();
    await client.close();
    await anonymous.close();
  });
});

Deno.test("http limits: an oversized or malformed Authorization header is a 400 with a reason, never a 500 or a session", async () => {
  await hosted(async ({ http }) => {
    const port = Number(new URL(http.url).port);
    const head = (auth: string) =>
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
      `Accept: application/json, text/event-stream\r\nAuthorization: ${auth}`;
    const cases: [string, RegExp][] = [
      [`Token ${"a".repeat(600)}`, /longer than 512 characters/],
      ["Token abc def", /Authorization header must be/],
      ["Basic YWxpY2U6cHc=", /Authorization header must be/],
      ["Token caf\u00e9", /Authorization header must be/],
      ["Token", /Authorization header must be/],
    ];
    for (const [auth, reason] of cases) {
      const conn = await open(port);
      const bytes = new Uint8Array([
        ...`${head(auth)}\r\nContent-Length: ${INIT.length}\r\n` +
          `Connection: close\r\n\r\n${INIT}`,
      ].map((c) => c.charCodeAt(0)));
      await conn.write(bytes);
      const { text } = await readToClose(conn);
      assert.match(text, /^HTTP\/1.1 400/, auth.slice(0, 30));
      assert.match(text, reason, auth.slice(0, 30));
      assert.match(text, /x-content-type-options: nosniff/i);
    }
    // A control character never reaches the app: the parser refuses it, with the same headers.
    const ctl = await raw(port, `${head("Token ab\u0001cd")}`, INIT);
    assert.match(ctl, /^HTTP\/1.1 400/);
    assert.match(ctl, /x-content-type-options: nosniff/i);
    assert.match(ctl, /cache-control: no-store/i);
    assert.equal(http.app.sessionCount, 0, "no session was opened");
  });
});

Deno.test("http limits: the session cap holds however slowly initialize bodies arrive (503, then 408 frees the slots)", async () => {
  await hosted(async ({ http }) => {
    const port = Number(new URL(http.url).port);
    const slow = await Promise.all(
      [0, 1, 2].map(() =>
        open(
          port,
          `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n` +
            `Accept: application/json, text/event-stream\r\nContent-Length: ${INIT.length}\r\n\r\n` +
            INIT.slice(0, 10),
        )
      ),
    );
    try {
      await until(() => http.app.openingCount === 3, "three slow initializes hold their slots");
    } catch (error) {
      for (const conn of slow) conn.close();
      throw error;
    }
    const fourth = await fetch(new URL("/mcp", http.url), {
      method: "POST",
      headers: JSON_HEADERS,
      body: INIT,
    });
    assert.equal(fourth.status, 503);
    assert.equal(fourth.headers.get("cache-control"), "no-store");
    assert.match((await fourth.json()).error.message, /Too many sessions \(3 at most\)/);
    for (const conn of slow) {
      const { closed, text } = await readToClose(conn);
      assert.ok(closed, "the server closes a connection whose body is too slow");
      assert.match(text, /^HTTP\/1.1 408/);
      assert.match(text, /Request body too slow/);
    }
    assert.equal(http.app.openingCount, 0);
    assert.equal(http.app.sessionCount, 0);
    const client = await connect(http.url);
    assert.equal(http.app.sessionCount, 1, "the slots are free again");
    await client.close();
  }, {
    MCP_MAX_SESSIONS: "3",
    MCP_MAX_ANONYMOUS_SESSIONS: "3",
    MCP_HTTP_BODY_TIMEOUT_SECONDS: "0.5",
  });
});

Deno.test("http limits: anonymous sessions cannot hold the cap: pings do not extend them, and room is kept for signed-in ones", async () => {
  let now = Date.now();
  await hosted(
    async ({ sb, http, config }) => {
      const a = await connect(http.url);
      const b = await connect(http.url);
      // Two of four slots may be anonymous: a third anonymous session is refused.
      const third = await fetch(new URL("/mcp", http.url), {
        method: "POST",
        headers: JSON_HEADERS,
        body: INIT,
      });
      assert.equal(third.status, 503);
      assert.match(
        (await third.json()).error.message,
        /Too many sessions not signed in \(2 at most\)/,
      );
      // Once one signs in, another anonymous session fits.
      await b.callTool({
        name: "authenticate_with_token",
        arguments: { token: sb.erp.fixtures.users.alice.token },
      });
      const c = await connect(http.url);
      assert.equal(http.app.sessionCount, 3);

      // Pinging every 90 s does not keep an anonymous session past its 2 minutes.
      now += 90_000;
      await a.ping();
      await c.ping();
      now += 60_000;
      await a.ping();
      http.app.sweepNow(config.sessionIdleMs);
      await until(() => http.app.sessionCount === 1, "the anonymous sessions expire");
      assert.equal(data(await b.callTool({ name: "whoami", arguments: {} })).signed_in, true);
      await assert.rejects(a.ping());
      for (const client of [a, b, c]) await client.close().catch(() => {});
    },
    { MCP_MAX_SESSIONS: "4" },
    () => now,
  );
});

Deno.test("http limits: partial headers, a slow body and an idle connection are closed (raw TCP)", async () => {
  await hosted(async ({ http }) => {
    const port = Number(new URL(http.url).port);
    const host = `Host: 127.0.0.1:${port}`;
    // Headers never finished.
    const partial = await open(port, `POST /mcp HTTP/1.1\r\n${host}\r\n`);
    // Nothing sent at all.
    const silent = await open(port);
    // 10 of 1000 body bytes, to a route that reads bodies and to one that does not.
    const slowMcp = await open(
      port,
      `POST /mcp HTTP/1.1\r\n${host}\r\nContent-Type: application/json\r\n` +
        `Accept: application/json\r\nContent-Length: 1000\r\n\r\n0123456789`,
    );
    const slowHealth = await open(
      port,
      `POST /healthz HTTP/1.1\r\n${host}\r\nContent-Length: 1000\r\n\r\n0123456789`,
    );
    // A kept-alive connection after its answer.
    const idle = await open(port, `GET /healthz HTTP/1.1\r\n${host}\r\n\r\n`);
    for (const [name, conn] of [["partial headers", partial], ["silent", silent]] as const) {
      const { closed, text } = await readToClose(conn);
      assert.ok(closed, `${name}: closed by the server`);
      assert.equal(text, "", `${name}: no answer`);
    }
    const mcp = await readToClose(slowMcp);
    assert.ok(mcp.closed, "slow body on /mcp: closed");
    assert.match(mcp.text, /^HTTP\/1.1 408/);
    const health = await readToClose(slowHealth);
    assert.ok(health.closed, "slow body on /healthz: closed");
    const kept = await readToClose(idle);
    assert.ok(kept.closed, "idle kept-alive connection: closed");
    assert.match(kept.text, /^HTTP\/1.1 200[\s\S]*\r\n\r\nok$/);
  }, {
    MCP_HTTP_HEADERS_TIMEOUT_SECONDS: "0.5",
    MCP_HTTP_BODY_TIMEOUT_SECONDS: "0.5",
    MCP_HTTP_IDLE_TIMEOUT_SECONDS: "0.5",
  });
});

Deno.test("http limits: an open event stream outlives the idle deadline (only idle connections close)", async () => {
  await hosted(async ({ sb, http }) => {
    const client = new Client({ name: "sse-test", version: "1" });
    await client.connect(new SSEClientTransport(new URL("/sse", http.url)));
    await client.callTool({
      name: "authenticate_with_token",
      arguments: { token: sb.erp.fixtures.users.alice.token },
    });
    // Three idle deadlines pass with the stream open and silent.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const labels = await client.callTool({ name: "get_log_labels", arguments: {} });
    assert.equal(data(labels).labels.length, 9);
    await client.close();
  }, { MCP_HTTP_IDLE_TIMEOUT_SECONDS: "0.5", MCP_HTTP_HEADERS_TIMEOUT_SECONDS: "0.5" });
});

Deno.test("http limits: /messages refuses a batch over 100 calls before any reaches the ERP", async () => {
  await hosted(async ({ sb, http }) => {
    const sse = await openSse(http.url, {
      Authorization: `Token ${sb.erp.fixtures.users.alice.token}`,
    });
    const before = sb.erp.calls.length;
    const batch = Array.from(
      { length: 101 },
      (_, i) => rpc(i + 1, "tools/call", { name: "get_week_logs", arguments: {} }),
    );
    const res = await fetch(sse.endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(batch),
    });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /a batch must not exceed 100 messages/);
    assert.equal(sb.erp.calls.length, before);
    await sse.reader.cancel();
  });
});

Deno.test("http limits: a malformed Host is a 400 with the security headers; /healthz checks Host; every answer is no-store", async () => {
  await hosted(async ({ http }) => {
    const port = Number(new URL(http.url).port);
    for (const host of [`127.0.0.1:${port}.`, `127.0.0.1:${port}:1`, "[::1", ""]) {
      const res = await raw(port, `GET /healthz HTTP/1.1\r\nHost: ${host}`);
      assert.match(res, /^HTTP\/1.1 40[03]/, host);
      assert.match(res, /x-content-type-options: nosniff/i, host);
      assert.match(res, /cache-control: no-store/i, host);
    }
    const evil = await raw(port, `GET /healthz HTTP/1.1\r\nHost: evil.example:${port}`);
    assert.match(evil, /^HTTP\/1.1 403/);
    const ok = await raw(port, `GET /healthz HTTP/1.1\r\nHost: localhost:${port}`);
    assert.match(ok, /^HTTP\/1.1 200/);
    // A session-mode result (an event stream) is no-store too.
    const init = await fetch(new URL("/mcp", http.url), {
      method: "POST",
      headers: JSON_HEADERS,
      body: INIT,
    });
    assert.equal(init.status, 200);
    assert.match(init.headers.get("content-type") ?? "", /text\/event-stream/);
    assert.equal(init.headers.get("cache-control"), "no-store");
    await init.body?.cancel();
  });
});

Deno.test("http limits: a client accepting JSON only, */* or nothing gets JSON, not 406", async () => {
  await hosted(async ({ sb, http }) => {
    for (const accept of ["application/json", "*/*", undefined]) {
      const headers: Record<string, string> = { "Content-Type": "application/json" };
      if (accept) headers.Accept = accept;
      const init = await fetch(new URL("/mcp", http.url), { method: "POST", headers, body: INIT });
      assert.equal(init.status, 200, `Accept: ${accept}`);
      assert.match(init.headers.get("content-type") ?? "", /application\/json/);
      assert.equal((await init.json()).result.serverInfo.name, "project-logs-mcp");
      const sid = init.headers.get("mcp-session-id")!;
      const list = await fetch(new URL("/mcp", http.url), {
        method: "POST",
        headers: { ...headers, "Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-06-18" },
        body: JSON.stringify(rpc(2, "tools/list")),
      });
      assert.equal(list.status, 200);
      assert.ok((await list.json()).result.tools.length >= 16);
    }
    const stateless = await fetch(new URL("/mcp", http.url), {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        Authorization: `Token ${sb.erp.fixtures.users.alice.token}`,
      },
      body: JSON.stringify(rpc(3, "tools/list")),
    });
    assert.equal(stateless.status, 200);
    assert.ok((await stateless.json()).result.tools.length >= 16);
    const html = await fetch(new URL("/mcp", http.url), {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/html" },
      body: INIT,
    });
    assert.equal(html.status, 406, "a client that takes neither still gets 406");
    await html.body?.cancel();
  }, { MCP_MAX_ANONYMOUS_SESSIONS: "10" });
});

Deno.test("http limits: a legacy /sse with a good header token opens when the anonymous slots are full; a bad one holds no slot", async () => {
  await hosted(async ({ sb, http }) => {
    const a = await connect(http.url); // the one anonymous slot
    const refused = await fetch(new URL("/mcp", http.url), {
      method: "POST",
      headers: JSON_HEADERS,
      body: INIT,
    });
    assert.equal(refused.status, 503, "the anonymous slots are full");
    await refused.body?.cancel();
    const sse = await openSse(http.url, {
      Authorization: `Token ${sb.erp.fixtures.users.alice.token}`,
    });
    assert.equal(http.app.sessionCount, 2);
    const bad = await fetch(new URL("/sse", http.url), {
      headers: { Accept: "text/event-stream", Authorization: "Token not-a-real-token-0000" },
    });
    assert.equal(bad.status, 403);
    assert.match((await bad.json()).error.message, /refused the token/);
    assert.equal(http.app.sessionCount, 2, "a refused token opened nothing");
    await sse.reader.cancel();
    await a.close();
  }, { MCP_MAX_SESSIONS: "4", MCP_MAX_ANONYMOUS_SESSIONS: "1" });
});

Deno.test("http limits: an HTTP/1.1 request without Host is the usual 400 with the security headers (raw)", async () => {
  await hosted(async ({ http }) => {
    const port = Number(new URL(http.url).port);
    const noHost = await raw(port, "GET /healthz HTTP/1.1");
    assert.match(noHost, /^HTTP\/1.1 400/);
    assert.match(noHost, /x-content-type-options: nosniff/i);
    assert.match(noHost, /cache-control: no-store/i);
    assert.match(noHost, /content-security-policy: default-src 'none'/i);
  });
});

Deno.test("http limits: /healthz answers GET and HEAD only; TRACE is a 405 (raw)", async () => {
  await hosted(async ({ http }) => {
    const port = Number(new URL(http.url).port);
    const host = `Host: 127.0.0.1:${port}`;

    const trace = await raw(port, `TRACE /healthz HTTP/1.1\r\n${host}`);
    assert.match(trace, /^HTTP\/1.1 405/);
    assert.match(trace, /allow: GET, HEAD/i);
    assert.match(await raw(port, `HEAD /healthz HTTP/1.1\r\n${host}`), /^HTTP\/1.1 200/);
  });
});

Deno.test("http limits: an empty JSON-RPC batch is one Invalid Request error (-32600), on every path (raw)", async () => {
  await hosted(async ({ sb, http }) => {
    const port = Number(new URL(http.url).port);
    const host = `Host: 127.0.0.1:${port}`;

    const json = "Content-Type: application/json\r\nAccept: application/json";
    const auth = `Authorization: Token ${sb.erp.fixtures.users.alice.token}`;
    const check = (res: string, where: string) => {
      assert.match(res, /^HTTP\/1.1 400/, where);
      const body = JSON.parse(res.slice(res.indexOf("\r\n\r\n") + 4));
      assert.equal(body.error.code, -32600, where);
      assert.equal(body.id, null, where);
    };
    check(
      await raw(port, `POST /mcp HTTP/1.1\r\n${host}\r\n${json}\r\n${auth}`, "[]"),
      "stateless",
    );
    check(await raw(port, `POST /mcp HTTP/1.1\r\n${host}\r\n${json}`, "[]"), "new session");
    const init = await fetch(new URL("/mcp", http.url), {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: INIT,
    });
    const sid = init.headers.get("mcp-session-id")!;
    await init.body?.cancel();
    check(
      await raw(
        port,
        `POST /mcp HTTP/1.1\r\n${host}\r\n${json}\r\nMcp-Session-Id: ${sid}\r\nMCP-Protocol-Version: 2025-06-18`,
        "[]",
      ),
      "session",
    );
    const sse = await openSse(http.url);
    const legacy = await fetch(sse.endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "[]",
    });
    assert.equal(legacy.status, 400);
    assert.match(await legacy.text(), /empty batch/);
    await sse.reader.cancel();
  }, { MCP_MAX_ANONYMOUS_SESSIONS: "10" });
});
