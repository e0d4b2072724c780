/**
 * Hosted sign-in with OAuth 2.1, end to end: the SDK clients' own OAuth support (v2 client on
 * 2026-07-28, v1 client on 2025 Streamable HTTP and legacy SSE) against two hosted instances
 * behind one entry point and the sandbox ERP, the authorize page driven in headless Chromium.
 */
import assert from "node:assert/strict";
import {
  Client,
  discoverAuthorizationServerMetadata,
  exchangeAuthorization,
  startAuthorization,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from "@modelcontextprotocol/client";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client as Client1 } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp"
import { StreamableHTTPClientTransport as Http1 } from "npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/sse"
import { SSEClientTransport as Sse1 } from "npm:@modelcontextprotocol/sdk@1.32.2/client/sse.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/auth"
import { UnauthorizedError as Unauthorized1 } from "npm:@modelcontextprotocol/sdk@1.32.2/client/auth.js";
import { browserTest, withUserBrowser } from "./browser_helpers.ts";
import {
  callbackServer,
  consentIn,
  listWith,
  oauthHosted,
  pasteToken,
  TestProvider,
} from "./oauth_helpers.ts";

const MODERN = { mode: { pin: "2026-07-28" } } as const;

/** `token` with one character of its ciphertext changed. */
function tamper(token: string): string {
  const parts = token.split(".");
  const c = parts[3];
  parts[3] = (c[4] === "A" ? "B" : "A") + c.slice(1, 4) + c.slice(5);
  parts[3] = c.slice(0, 4) + (c[4] === "A" ? "B" : "A") + c.slice(5);
  return parts.join(".");
}

/** A tool's structured content, failing on an error result. */
// deno-lint-ignore no-explicit-any
async function call(client: { callTool: (p: any) => Promise<any> }, name: string, args = {}) {
  const r = await client.callTool({ name, arguments: args });
  assert.notEqual(r.isError, true, JSON.stringify(r.content));
  return r.structuredContent;
}

Deno.test(
  browserTest(
    "oauth: the v2 client (2026-07-28) meets the 401, registers, signs in by token in the browser, uses tools and refreshes",
  ),
  async () => {
    await oauthHosted(async ({ sb, url, entry }) => {
      const cb = callbackServer();
      const provider = new TestProvider(cb.redirect);
      const mcp = new URL("/mcp", url);
      const first = new Client({ name: "oauth-test", version: "1" }, {
        versionNegotiation: MODERN,
      });
      await assert.rejects(
        first.connect(new StreamableHTTPClientTransport(mcp, { authProvider: provider })),
        UnauthorizedError,
      );
      assert.ok(provider.authorizationUrl, "the client was sent to the authorize page");
      assert.equal(provider.authorizationUrl.origin, url, "the issuer is the public URL");
      assert.ok(provider.clientInfo?.client_id, "the client registered (DCR)");
      const transport = new StreamableHTTPClientTransport(mcp, { authProvider: provider });
      await withUserBrowser(async (page) => {
        const error = await pasteToken(
          page,
          provider.authorizationUrl!,
          sb.erp.fixtures.users.alice.token,
        );
        assert.equal(error, undefined);
        assert.match(await page.textContent("body") ?? "", /OAuth test client/);
        assert.match(await page.textContent("body") ?? "", /read and write your time logs/);
        const back = await consentIn(page, cb.redirect);
        assert.equal(back.searchParams.get("iss"), url, "RFC 9207 iss");
        assert.equal(
          back.searchParams.get("state"),
          provider.authorizationUrl!.searchParams.get("state"),
        );
        await transport.finishAuth(back.searchParams);
      });
      await cb.close();
      assert.ok(provider.stored?.access_token && provider.stored?.refresh_token);
      const client = new Client({ name: "oauth-test", version: "1" }, {
        versionNegotiation: MODERN,
      });
      await client.connect(new StreamableHTTPClientTransport(mcp, { authProvider: provider }));
      assert.equal((await call(client, "whoami")).email, "alice@example.com");
      const monday = "2026-11-23";
      const week = await call(client, "get_week_logs", { week_starting: monday });
      const stored = sb.erp.weekLog("alice@example.com", monday);
      assert.equal(week.week_starting, monday);
      assert.ok(stored, "the seed holds alice's week");
      assert.equal(
        JSON.stringify(week).includes(`"week_log_id":${stored.id}`),
        true,
        "the ERP's week log",
      );
      // A refused access token: the client refreshes by itself (no new sign-in) and carries on.
      const before = provider.stored;
      provider.stored = { ...before, access_token: tamper(before.access_token) };
      assert.equal((await call(client, "whoami")).email, "alice@example.com");
      assert.notEqual(
        provider.stored.refresh_token,
        before.refresh_token,
        "the refresh token rotated",
      );
      assert.notEqual(provider.stored.access_token, before.access_token);
      assert.equal(provider.authorizations, 1, "no second sign-in");
      assert.ok(entry.hits.every((n) => n > 0) && entry.hits.length === 2, "both instances served");
      await client.close();
    });
  },
);
