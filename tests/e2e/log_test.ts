/**
 * The server's log: hosted mode is the most verbose one there is (a line per HTTP request, start-up
 * and sign-in lines, errors), so main.ts runs `--http` with the narrow flags, clients sign in every
 * way a token can arrive (header, tool argument, environment, a wrong token), and the log read
 * back must have content — and never one of those tokens.
 */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp"
import { StreamableHTTPClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp.js";
import { permissionFlags } from "../../src/permissions.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { freePort } from "./browser_helpers.ts";
import { denoEnv, scaledTimeout, TODAY } from "../helpers.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const WRONG_TOKEN = "wrong-token-0123456789abcdef";

type Sandbox = Awaited<ReturnType<typeof serveSandbox>>;

/** Runs main.ts --http against `sb`, lets `fn` drive it, stops it with SIGTERM; its whole log. */
async function hostedLog(sb: Sandbox, fn: (url: string) => Promise<void>): Promise<string> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      ...permissionFlags({ erpBaseUrl: sb.apiBase, listen: `127.0.0.1:${port}` }),
      MAIN,
      "--http",
    ],
    env: denoEnv({
      ERP_API_BASE_URL: sb.apiBase,
      // Ignored in hosted mode, and said so in the log: the token itself must not be.
      ERP_API_TOKEN: sb.erp.fixtures.users.alice.token,
      MCP_AUTHORIZED_USERS: sb.erp.fixtures.users.alice.email,
      MCP_SSE_HOST: "127.0.0.1",
      PORT: String(port),
    }),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new Response(child.stdout).text();
  const lines = child.stderr.pipeThrough(new TextDecoderStream());
  let log = "";
  const reader = lines.getReader();
  const url = `http://127.0.0.1:${port}`;
  try {
    // Waits for the start-up line (an event), with a load-scaled limit.
    const started = (async () => {
      while (!/serving MCP at/.test(log)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the server exited before serving:\n${log}`);
        log += value;
      }
    })();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      started,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no start-up line:\n${log}`)),
          scaledTimeout(30_000),
        );
      }),
    ]).finally(() => clearTimeout(timer));
    await fn(url);
  } finally {
    child.kill("SIGTERM");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      log += value;
    }
    await child.status;
    await stdout;
  }
  return log;
}

async function connect(url: string, headers?: Record<string, string>): Promise<Client> {
  const client = new Client({ name: "log-test", version: "1" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL("/mcp", url), { requestInit: { headers } }),
  );
  await client.listTools();
  return client;
}

Deno.test("log: the most verbose log (hosted mode) has content and never a token", async () => {
  const sb = await serveSandbox({ today: TODAY });
  const { alice } = sb.erp.fixtures.users;
  try {
    const log = await hostedLog(sb, async (url) => {
      // A token in the header (stateless).
      const stateless = await connect(url, { Authorization: `Token ${alice.token}` });
      const week = await stateless.callTool({
        name: "get_week_logs",
        arguments: { week_starting: TODAY.toString() },
      });
      assert.equal(week.isError, undefined, JSON.stringify(week.content));
      await stateless.close();

      // A token as a tool argument (a session), then a wrong one.
      const session = await connect(url);
      const ok = await session.callTool({
        name: "authenticate_with_token",
        arguments: { token: `Token ${alice.token}` },
      });
      assert.equal(ok.isError, undefined, JSON.stringify(ok.content));
      const wrong = await session.callTool({
        name: "authenticate_with_token",
        arguments: { token: WRONG_TOKEN },
      });
      assert.equal(wrong.isError, true);
      await session.close();

      // A wrong token in the header, on a request the server refuses.
      const refused = await fetch(`${url}/mcp`, {
        method: "POST",
        headers: { Authorization: `Bearer ${WRONG_TOKEN}`, "Content-Type": "application/json" },
        body: "{not json",
      });
      await refused.body?.cancel();
      assert.ok(refused.status >= 400);
    });
    // Content: the start-up lines and one line per request.
    assert.match(log, /serving MCP at http:\/\/127\.0\.0\.1:\d+\/mcp/);
    assert.match(log, /ERP_API_TOKEN is ignored in hosted mode/);
    const requests = log.split("\n").filter((l) => /\binfo POST \/mcp \d{3} \d+ ms/.test(l));
    assert.ok(requests.length >= 6, `a line per request:\n${log}`);
    // And no token, whichever way it came.
    for (const token of [alice.token, alice.googleAccessToken, WRONG_TOKEN]) {
      assert.ok(!log.includes(token), `the log holds a token:\n${log}`);
    }
  } finally {
    await sb.close();
  }
});

// A client with its token in the URL path: the log names the known route and elides the rest.
Deno.test("log: a token put in the request path by a misconfigured client is not logged", async () => {
  const sb = await serveSandbox({ today: TODAY });
  const { alice } = sb.erp.fixtures.users;
  try {
    const log = await hostedLog(sb, async (url) => {
      const res = await fetch(`${url}/mcp/${alice.token}`, { method: "POST", body: "{}" });
      await res.body?.cancel();
      assert.equal(res.status, 404);
    });
    assert.match(log, /POST \/mcp\/\S* 404/, "the request is logged");
    assert.ok(!log.includes(alice.token), `the log holds a token:\n${log}`);
  } finally {
    await sb.close();
  }
});
