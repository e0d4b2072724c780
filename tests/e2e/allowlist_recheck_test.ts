/**
 * The allowlist is checked on every tool call, not only at sign-in: a person taken off the list
 * (here: the live list the session reads from) loses access on the next call, and the session
 * forgets the token. Through a real MCP client over Streamable HTTP and the sandbox ERP.
 */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp"
import { StreamableHTTPClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp.js";
import { type Config, loadConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/log.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { serveHttp } from "../../src/transports/http.ts";
import { TODAY } from "../helpers.ts";

Deno.test("allowlist: a person removed from the list is refused on the next tool call", async () => {
  const sb = await serveSandbox({ today: TODAY });
  const { alice } = sb.erp.fixtures.users;
  const frozen = loadConfig([], {
    getEnv: (n) =>
      ({ ERP_API_BASE_URL: sb.apiBase, MCP_AUTHORIZED_USERS: alice.email, MCP_TIMEZONE: "UTC" })[
        n
      ],
    readFile: () => undefined,
    defaultAllowlistPath: "x",
    defaultTimeZone: "UTC",
  });
  // The list the server consults, which this test can change while the session lives.
  const allowed = [alice.email];
  const config: Config = { ...frozen, authorizedEmails: allowed };
  const http = await serveHttp({ config, log: silentLogger, hostname: "127.0.0.1", port: 0 });
  const client = new Client({ name: "allowlist-recheck-test", version: "1" });
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", http.url)));
    await client.listTools();
    const signIn = await client.callTool({
      name: "authenticate_with_token",
      arguments: { token: alice.token },
    });
    assert.equal(signIn.isError, undefined, JSON.stringify(signIn.content));
    const week = { name: "get_week_logs", arguments: { week_starting: TODAY.toString() } };
    assert.equal((await client.callTool(week)).isError, undefined, "allowed: the read works");

    allowed.length = 0; // alice is taken off the list
    const before = sb.erp.calls.length;
    const refused = await client.callTool(week);
    assert.equal(refused.isError, true);
    assert.match(JSON.stringify(refused.content), /alice@example\.com/);
    assert.equal(sb.erp.calls.length, before, "nothing was asked of the ERP for her");
    const who = await client.callTool({ name: "whoami", arguments: {} });
    assert.equal((who.structuredContent as { signed_in: boolean }).signed_in, false);
  } finally {
    await client.close();
    await http.close();
    await sb.close();
  }
});
