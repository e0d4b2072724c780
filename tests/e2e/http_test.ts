/** Hosted mode over real HTTP: Streamable HTTP and legacy SSE, one identity per client, checks. */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/sse"
import { SSEClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/sse.js";
import { silentLogger } from "../../src/log.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { serveHttp } from "../../src/transports/http.ts";
import { TODAY } from "../helpers.ts";
import { configFor, connect, data, hosted, INIT, raw } from "./hosted_helpers.ts";

Deno.test("http: every tool is reachable over Streamable HTTP after signing in", async () => {
  await hosted(async ({ sb, http }) => {
    const client = await connect(http.url);
    const { tools } = await client.listTools();
    assert.ok(tools.length >= 16);
    const who = await client.callTool({ name: "whoami", arguments: {} });
    assert.equal(data(who).signed_in, false);
    await client.callTool({
      name: "authenticate_with_token",
      arguments: { token: `Token ${sb.erp.fixtures.users.alice.token}` },
    });
    const week = await client.callTool({
      name: "get_week_logs",
      arguments: { week_starting: "2026-11-23" },
    });
    assert.equal(week.isError, undefined);
    assert.equal(data(week).week_starting, "2026-11-23");
    await client.close();
  });
});

Deno.test("http: two sessions with different tokens never see each other", async () => {
  await hosted(async ({ sb, http }) => {
    const { alice, bob } = sb.erp.fixtures.users;
    const a = await connect(http.url);
    const b = await connect(http.url);
    await a.callTool({ name: "authenticate_with_token", arguments: { token: alice.token } });
    await b.callTool({ name: "authenticate_with_token", arguments: { token: bob.token } });
    assert.equal(data(await a.callTool({ name: "whoami", arguments: {} })).email, alice.email);
    assert.equal(data(await b.callTool({ name: "whoami", arguments: {} })).email, bob.email);
    const projects = await b.callTool({ name: "get_active_projects", arguments: {} });
    assert.deepEqual(data(projects).projects.map((p: { id: number }) => p.id).sort(), [42, 45]);
    await a.close();
    await b.close();
  });
});

Deno.test("http: header mode keeps no state; two instances behind one entry point serve it", async () => {
  await hosted(async ({ sb, http }) => {
    const second = await serveHttp({
      config: configFor(sb),
      log: silentLogger,
      hostname: "127.0.0.1",
      port: 0,
    });
    const backends = [http.url, second.url];
    let turn = 0;
    const lb = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
      const target = new URL(new URL(req.url).pathname, backends[turn++ % 2]);
      const headers = new Headers(req.headers);
      headers.set("host", target.host);
      return fetch(target, { method: req.method, headers, body: req.body });
    });
    try {
      const url = `http://127.0.0.1:${lb.addr.port}`;
      const alice = await connect(url, {
        Authorization: `Token ${sb.erp.fixtures.users.alice.token}`,
      });
      const bob = await connect(url, {
        Authorization: `Bearer ${sb.erp.fixtures.users.bob.token}`,
      });
      for (let i = 0; i < 3; i++) {
        assert.equal(
          data(await alice.callTool({ name: "whoami", arguments: {} })).email,
          "alice@example.com",
        );
        assert.equal(
          data(await bob.callTool({ name: "whoami", arguments: {} })).email,
          "bob@other.test",
        );
      }
      // A confirmation token from one instance is honoured by the other: signed, not stored.
      const args = { week_starting: sb.erp.fixtures.weeks.draft };
      const ask = data(await alice.callTool({ name: "complete_week_log", arguments: args }));
      assert.equal(ask.status, "needs_confirmation");
      const forged = await alice.callTool({
        name: "complete_week_log",
        arguments: {
          ...args,
          confirmation_token: ask.confirmation_token.replace(
            /.$/,
            (c: string) => c === "x" ? "y" : "x",
          ),
        },
      });
      assert.equal(forged.isError, true);
      const asBob = await bob.callTool({
        name: "complete_week_log",
        arguments: { ...args, confirmation_token: ask.confirmation_token },
      });
      assert.equal(asBob.isError, true, "a token never serves another person");
      const done = await alice.callTool({
        name: "complete_week_log",
        arguments: { ...args, confirmation_token: ask.confirmation_token },
      });
      assert.equal(done.isError, undefined, JSON.stringify(done.content));
      assert.equal(data(done).is_completed, true);
      assert.equal(http.app.sessionCount + second.app.sessionCount, 0, "no session kept");
      assert.ok(turn >= 8, "both instances answered");
      await alice.close();
      await bob.close();
    } finally {
      await lb.shutdown();
      await second.close();
    }
  });
});

Deno.test("http: the allowlist is checked on every call in header mode", async () => {
  await hosted(async ({ sb, http }) => {
    const bob = await connect(http.url, {
      Authorization: `Token ${sb.erp.fixtures.users.bob.token}`,
    });
    const r = await bob.callTool({ name: "get_log_labels", arguments: {} });
    assert.equal(r.isError, true);
    assert.match((r.content as { text: string }[])[0].text, /Sign-in refused for "bob@other.test"/);
    await bob.close();
  }, { MCP_AUTHORIZED_USERS: "alice@example.com" });
});

Deno.test("http: legacy SSE transport serves the tools", async () => {
  await hosted(async ({ sb, http }) => {
    const client = new Client({ name: "sse-test", version: "1" });
    await client.connect(new SSEClientTransport(new URL("/sse", http.url)));
    await client.callTool({
      name: "authenticate_with_token",
      arguments: { token: sb.erp.fixtures.users.alice.token },
    });
    const labels = await client.callTool({ name: "get_log_labels", arguments: {} });
    assert.equal(data(labels).labels.length, 9);
    await client.close();
  });
});

Deno.test("http: a wrong Host or Origin gets 403; security headers everywhere; no wildcard CORS", async () => {
  await hosted(async ({ http }) => {
    const port = Number(new URL(http.url).port);
    const post =
      "POST /mcp HTTP/1.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream";
    const badHost = await raw(port, `${post}\r\nHost: evil.example:${port}`, INIT);
    assert.match(badHost, /^HTTP\/1.1 403/);
    // A port mapping or a proxy changes the Host: the refusal names the setting that admits it.
    assert.match(badHost, /Host \\?"evil\.example:\d+\\?" is not allowed .*MCP_ALLOWED_HOSTS/);
    const badOrigin = await raw(
      port,
      `${post}\r\nHost: 127.0.0.1:${port}\r\nOrigin: https://evil.example`,
      INIT,
    );
    assert.match(badOrigin, /^HTTP\/1.1 403/);
    const ok = await raw(
      port,
      `${post}\r\nHost: localhost:${port}\r\nOrigin: http://localhost:${port}`,
      INIT,
    );
    assert.match(ok, /^HTTP\/1.1 200/);
    assert.match(ok, /x-content-type-options: nosniff/i);
    assert.match(ok, /access-control-allow-origin: http:\/\/localhost:/i);
    assert.doesNotMatch(ok, /access-control-allow-origin: \*/i);
    const health = await fetch(new URL("/healthz", http.url));
    assert.equal(await health.text(), "ok");
    assert.equal(health.headers.get("x-frame-options"), "DENY");
  });
});

Deno.test("http: an expired or unknown session gets 404; an oversized body 413", async () => {
  await hosted(async ({ http }) => {
    const client = await connect(http.url);
    assert.equal(http.app.sessionCount, 1);
    http.app.sweepNow(0);
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(http.app.sessionCount, 0);
    await assert.rejects(
      client.callTool({ name: "whoami", arguments: {} }),
      /404|Session not found/,
    );
    await client.close().catch(() => {});
    const big = await fetch(new URL("/mcp", http.url), {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
      },
      body: "x".repeat(2 * 1024 * 1024),
    });
    assert.equal(big.status, 413);
    await big.body?.cancel();
  });
});

Deno.test("http: main.ts --http with the narrow flags serves /mcp and stops on SIGTERM", async () => {
  const sb = await serveSandbox({ today: TODAY });
  const { permissionFlags } = await import("../../src/permissions.ts");
  const main = new URL("../../main.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...permissionFlags({ erpBaseUrl: sb.apiBase, listen: "127.0.0.1" }),
      main,
      "--http",
    ],
    env: {
      ERP_API_BASE_URL: sb.apiBase,
      MCP_AUTHORIZED_USERS: "alice@example.com",
      PORT: "0",
      NO_COLOR: "1",
      DENO_TLS_CA_STORE: "system",
    },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  try {
    while (!/serving MCP at (\S+)\/mcp/.test(seen)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`server exited: ${seen}`);
      seen += value;
    }
    const url = /serving MCP at (\S+)\/mcp/.exec(seen)![1];
    const client = await connect(url, {
      Authorization: `Token ${sb.erp.fixtures.users.alice.token}`,
    });
    assert.equal(
      data(await client.callTool({ name: "whoami", arguments: {} })).email,
      "alice@example.com",
    );
    await client.close();
    child.kill("SIGTERM");
    assert.equal((await child.status).code, 0);
  } finally {
    await reader.cancel().catch(() => {});
    try {
      child.kill("SIGKILL");
    } catch {
      // already stopped
    }
    await child.status;
    await sb.close();
  }
});

Deno.test("http: header mode reuses the token's cached lists across requests, never another's", async () => {
  await hosted(async ({ sb, http }) => {
    const alice = await connect(http.url, {
      Authorization: `Token ${sb.erp.fixtures.users.alice.token}`,
    });
    const bob = await connect(http.url, {
      Authorization: `Token ${sb.erp.fixtures.users.bob.token}`,
    });
    await alice.callTool({ name: "get_active_projects", arguments: {} });
    const before = sb.erp.calls.length;
    const again = await alice.callTool({ name: "get_active_projects", arguments: {} });
    assert.equal(sb.erp.calls.length, before, "served from the token's cache");
    assert.equal(data(again).projects.length, 5);
    const bobs = await bob.callTool({ name: "get_active_projects", arguments: {} });
    assert.deepEqual(data(bobs).projects.map((p: { id: number }) => p.id).sort(), [42, 45]);
    await alice.close();
    await bob.close();
  });
});

Deno.test("http: a session nobody signed in to expires after 2 minutes idle; a signed-in one stays", async () => {
  let now = Date.now();
  await hosted(
    async ({ sb, http, config }) => {
      const anonymous = await connect(http.url);
      const signed = await connect(http.url);
      await signed.callTool({
        name: "authenticate_with_token",
        arguments: { token: sb.erp.fixtures.users.alice.token },
      });
      now += 3 * 60_000;
      http.app.sweepNow(config.sessionIdleMs);
      await new Promise((r) => setTimeout(r, 10));
      assert.equal(http.app.sessionCount, 1);
      assert.equal(data(await signed.callTool({ name: "whoami", arguments: {} })).signed_in, true);
      await assert.rejects(anonymous.callTool({ name: "whoami", arguments: {} }));
      await anonymous.close().catch(() => {});
      await signed.close();
    },
    {},
    () => now,
  );
});

Deno.test("http: a legacy SSE stream with a token the ERP refuses is refused (403) and holds no session", async () => {
  await hosted(async ({ http }) => {
    const res = await fetch(new URL("/sse", http.url), {
      headers: { Authorization: "Token garbage-garbage", Accept: "text/event-stream" },
    });
    assert.equal(res.status, 403);
    assert.match((await res.json()).error.message, /refused the token/);
    assert.equal(http.app.sessionCount, 0);
  });
});

Deno.test("http: an unknown MCP-Protocol-Version is refused by name, with the supported ones", async () => {
  await hosted(async ({ http }) => {
    const res = await fetch(new URL("/mcp", http.url), {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
        "MCP-Protocol-Version": "1999-01-01",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.match(body.error.message, /unsupported protocol version "1999-01-01"/);
    assert.match(body.error.message, /supported: 2026-07-28, 2025-11-25/);
  });
});

Deno.test("http: without OAuth, a long token shaped like an access token is a 400, never a 500", async () => {
  await hosted(async ({ http }) => {
    const sealed = Array(5).fill("a".repeat(120)).join(".");
    const res = await fetch(new URL("/mcp", http.url), {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
        Authorization: `Bearer ${sealed}`,
      },
      body: JSON.stringify(INIT),
    });
    assert.equal(res.status, 400, await res.clone().text());
    assert.match(await res.text(), /longer than 512 characters/);
  });
});
