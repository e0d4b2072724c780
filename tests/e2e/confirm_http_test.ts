/**
 * Stateless HTTP (the client sends its ERP token on every request): confirmation tokens are
 * signed, not stored, so they can be replayed; binding them to the entry shown keeps a replay
 * from deleting an entry re-created since. Real HTTP both ways, a real MCP client.
 */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp"
import { StreamableHTTPClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp.js";
import { loadConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/log.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { serveHttp } from "../../src/transports/http.ts";
import { TODAY } from "../helpers.ts";

Deno.test("confirm over stateless HTTP: a replayed delete token never deletes a re-created entry", async () => {
  const sb = await serveSandbox({ today: TODAY });
  const vars: Record<string, string> = {
    ERP_API_BASE_URL: sb.apiBase,
    MCP_AUTHORIZED_USERS: "alice@example.com",
    MCP_TIMEZONE: "UTC",
  };
  const config = loadConfig([], {
    getEnv: (n) => vars[n],
    readFile: () => undefined,
    defaultAllowlistPath: "x",
    defaultTimeZone: "UTC",
  });
  const http = await serveHttp({ config, log: silentLogger, hostname: "127.0.0.1", port: 0 });
  const client = new Client({ name: "replay-test", version: "1" });
  try {
    await client.connect(
      new StreamableHTTPClientTransport(new URL("/mcp", http.url), {
        requestInit: { headers: { Authorization: `Token ${sb.erp.fixtures.users.alice.token}` } },
      }),
    );
    // deno-lint-ignore no-explicit-any
    const call = async (name: string, args: Record<string, unknown>): Promise<any> => {
      const r = await client.callTool({ name, arguments: args });
      return { ...(r.structuredContent ?? {}), isError: r.isError === true, text: r.content };
    };
    const date = Temporal.PlainDate.from(sb.erp.fixtures.weeks.draft).add({ days: 4 }).toString();
    const monday = sb.erp.fixtures.weeks.draft;
    const entry = { date, project_id: 42, description: "Replay me", hours: 2 };
    const stored = () =>
      sb.erp.weekLog("alice@example.com", monday)!.projects.flatMap((p) => p.tasks)
        .find((t) => t.description === "Replay me")?.days ?? [];

    await call("create_or_update_log", entry);
    const which = { date, project_id: 42, description: "Replay me" };
    const ask = await call("delete_log", which);
    assert.equal(ask.status, "needs_confirmation");
    // A stateless (signed) token is not tied to one session, and the preview does not claim it.
    assert.doesNotMatch(JSON.stringify(ask.text), /works only in this session/);
    assert.match(JSON.stringify(ask.text), /any request with the same credentials can use it/);
    const token = ask.confirmation_token;
    const first = await call("delete_log", { ...which, confirmation_token: token });
    assert.equal(first.status, "deleted", JSON.stringify(first.text));
    assert.equal(stored().length, 0);

    // The same entry again (same day, project, description, hours): a new entry, a new id.
    await call("create_or_update_log", entry);
    assert.equal(stored().length, 1);
    const replay = await call("delete_log", { ...which, confirmation_token: token });
    assert.equal(replay.isError, true, "the replayed token is refused");
    assert.match(
      JSON.stringify(replay.text),
      /the week changed since the preview .*, or this token was already used/,
    );
    assert.equal(stored().length, 1, "the re-created entry is still stored");
  } finally {
    await client.close();
    await http.close();
    await sb.close();
  }
});
