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
  oauthHosted,
  pasteToken,
  TestProvider,
} from "./oauth_helpers.ts";

const MODERN = { mode: { pin: "2026-07-28" } } as const;

/** The tools that change the ERP (tests/golden/tools.json: readOnlyHint false, not sign-in). */
const WRITE_TOOLS = [
  "create_or_update_log",
  "update_log",
  "delete_log",
  "complete_week_log",
  "fill_logs_for_days",
  "copy_week",
];

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
      const all = (await client.listTools()).tools.map((t) => t.name);
      for (const w of WRITE_TOOLS) assert.ok(all.includes(w), `read and write: ${w} is there`);
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

Deno.test(
  browserTest(
    "oauth: the v1 client (2025) signs in read-only; Streamable HTTP and legacy SSE then list only the read tools",
  ),
  async () => {
    // One instance: a legacy SSE session lives on the instance that opened it.
    await oauthHosted(async ({ sb, url }) => {
      const cb = callbackServer();
      const provider = new TestProvider(cb.redirect, "Read-only app");
      const first = new Client1({ name: "oauth-v1", version: "1" });
      const transport = new Http1(new URL("/mcp", url), { authProvider: provider });
      await assert.rejects(first.connect(transport), Unauthorized1);
      await withUserBrowser(async (page) => {
        const error = await pasteToken(
          page,
          provider.authorizationUrl!,
          sb.erp.fixtures.users.alice.token,
        );
        assert.equal(error, undefined);
        assert.match(await page.textContent("body") ?? "", /Read-only app/);
        const back = await consentIn(page, cb.redirect, "read");
        await transport.finishAuth(back.searchParams.get("code")!);
      });
      await cb.close();
      assert.equal(provider.stored.scope, "logs:read");
      const client = new Client1({ name: "oauth-v1", version: "1" });
      await client.connect(new Http1(new URL("/mcp", url), { authProvider: provider }));
      const names = (await client.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes("get_week_logs"), String(names));
      for (const w of WRITE_TOOLS) assert.ok(!names.includes(w), `${w} is not registered`);
      const write = await client.callTool({
        name: "complete_week_log",
        arguments: { week_starting: "2026-11-23" },
      });
      assert.equal(write.isError, true, "a write tool is not there to call");
      assert.equal((await call(client, "whoami")).email, "alice@example.com");
      await client.close();
      const sse = new Client1({ name: "oauth-v1-sse", version: "1" });
      await sse.connect(new Sse1(new URL("/sse", url), { authProvider: provider }));
      assert.equal((await call(sse, "whoami")).email, "alice@example.com");
      const sseNames = (await sse.listTools()).tools.map((t) => t.name);
      assert.deepEqual(sseNames.sort(), [...names].sort());
      await sse.close();
    }, { instances: 1 });
  },
);

Deno.test(
  browserTest(
    "oauth: a client named by its metadata document (CIMD) signs in; documents from other hosts or with bad redirect URIs are refused",
  ),
  async () => {
    await oauthHosted(async ({ sb, url }) => {
      const cb = callbackServer();
      const docs = new Map<string, Record<string, unknown>>();
      const docServer = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen() {} },
        (req) => {
          const doc = docs.get(new URL(req.url).pathname);
          return doc ? Response.json(doc) : new Response("no", { status: 404 });
        },
      );
      const base = `http://127.0.0.1:${docServer.addr.port}`;
      const docUrl = `${base}/client.json`;
      const doc = (path: string, extra: Record<string, unknown> = {}) => {
        docs.set(path, {
          client_id: `${base}${path}`,
          client_name: "Metadata app",
          redirect_uris: [cb.redirect],
          grant_types: ["authorization_code", "refresh_token"],
          response_types: ["code"],
          token_endpoint_auth_method: "none",
          ...extra,
        });
        return `${base}${path}`;
      };
      doc("/client.json");
      try {
        const metadata = await discoverAuthorizationServerMetadata(url);
        assert.ok(metadata?.client_id_metadata_document_supported);
        const resource = new URL(`${url}/mcp`);
        const clientInformation = { client_id: docUrl };
        const { authorizationUrl, codeVerifier } = await startAuthorization(url, {
          metadata,
          clientInformation,
          redirectUrl: cb.redirect,
          resource,
          scope: "logs:read logs:write",
          state: "cimd-state",
        });
        let back: URL | undefined;
        await withUserBrowser(async (page) => {
          const error = await pasteToken(page, authorizationUrl, sb.erp.fixtures.users.alice.token);
          assert.equal(error, undefined);
          assert.match(await page.textContent("body") ?? "", /Metadata app/);
          back = await consentIn(page, cb.redirect);
        });
        assert.equal(back!.searchParams.get("state"), "cimd-state");
        const tokens = await exchangeAuthorization(url, {
          metadata,
          clientInformation,
          authorizationCode: back!.searchParams.get("code")!,
          iss: back!.searchParams.get("iss")!,
          codeVerifier,
          redirectUri: cb.redirect,
          resource,
        });
        const provider = new TestProvider(cb.redirect);
        provider.clientInfo = clientInformation;
        provider.stored = tokens;
        const client = new Client({ name: "cimd", version: "1" }, { versionNegotiation: MODERN });
        await client.connect(
          new StreamableHTTPClientTransport(resource, { authProvider: provider }),
        );
        assert.equal((await call(client, "whoami")).email, "alice@example.com");
        assert.equal(provider.authorizations, 0, "no further sign-in");
        await client.close();
        const { challenge } = {
          challenge: new URL(authorizationUrl).searchParams.get("code_challenge")!,
        };
        const refusedFor = async (clientId: string, redirect = cb.redirect) => {
          const q = new URLSearchParams({
            client_id: clientId,
            redirect_uri: redirect,
            response_type: "code",
            code_challenge: challenge,
            code_challenge_method: "S256",
          });
          const res = await fetch(`${url}/authorize?${q}`, { redirect: "manual" });
          assert.equal(res.status, 400, clientId);
          assert.equal(res.headers.get("location"), null);
          return await res.text();
        };
        assert.match(
          await refusedFor(doc("/evil.json", { redirect_uris: ["http://evil.example/cb"] })),
          /plain http off loopback/,
        );
        assert.match(
          await refusedFor(doc("/script.json", { redirect_uris: ["javascript:alert(1)"] })),
          /never a redirect/,
        );
        docs.set("/other-id.json", { ...docs.get("/client.json")!, client_id: docUrl });
        assert.match(await refusedFor(`${base}/other-id.json`), /must name itself/);
        assert.match(
          await refusedFor(`http://localhost:${docServer.addr.port}/client.json`),
          /not accepted by this server/,
        );
        assert.match(
          await refusedFor("https://evil.example/client.json"),
          /MCP_OAUTH_CLIENT_METADATA_HOSTS/,
        );
        assert.match(
          await refusedFor(docUrl, "http://127.0.0.1:9/not-registered"),
          /did not register/,
        );
      } finally {
        await cb.close();
        await docServer.shutdown();
      }
    });
  },
);

Deno.test(
  browserTest(
    "oauth: signing in with Google on the authorize page (the sandbox's fake Google, the ERP's exchange); a Google account the ERP does not know gets nothing",
  ),
  async () => {
    await oauthHosted(async ({ url }) => {
      const cb = callbackServer();
      const provider = new TestProvider(cb.redirect, "Google app");
      const transport = new Http1(new URL("/mcp", url), { authProvider: provider });
      await assert.rejects(
        new Client1({ name: "oauth-google", version: "1" }).connect(transport),
        Unauthorized1,
      );
      await withUserBrowser(async (page) => {
        // A Google account with no ERP user: refused, and the sign-in page says so.
        await page.goto(provider.authorizationUrl!.toString());
        await Promise.all([page.waitForSelector("#account-stranger"), page.click("#google")]);
        await page.click("#account-stranger");
        await page.waitForSelector(".error");
        assert.match(await page.textContent(".error") ?? "", /ERP refused the Google sign-in/);
        assert.doesNotMatch(page.url(), /#|access_token/, "Google's token left the address bar");
        // Then alice, from the same page.
        await Promise.all([page.waitForSelector("#account-alice"), page.click("#google")]);
        await page.click("#account-alice");
        await page.waitForSelector('button[value="allow"]');
        assert.match(await page.textContent("body") ?? "", /alice@example\.com/);
        const back = await consentIn(page, cb.redirect);
        await transport.finishAuth(back.searchParams.get("code")!);
      });
      await cb.close();
      const client = new Client1({ name: "oauth-google", version: "1" });
      await client.connect(new Http1(new URL("/mcp", url), { authProvider: provider }));
      assert.equal((await call(client, "whoami")).email, "alice@example.com");
      await client.close();
    }, {
      env: (sb) => ({
        MCP_GOOGLE_CLIENT_ID: "sandbox-google-client",
        MCP_GOOGLE_AUTH_URL: `${sb.origin}/oauth/google/authorize`,
      }),
    });
  },
);
