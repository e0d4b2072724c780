/**
 * A 2026-07-28 client over hosted HTTP keeps no session: the person comes from each request's
 * Authorization header. Everything that tells it how to sign in — the instructions from
 * server/discover, a tool's "not signed in", whoami — must say to send that header, never to call
 * the sign-in tools that then refuse (a model following the old advice went round in a loop).
 */
import assert from "node:assert/strict";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { hosted } from "./hosted_helpers.ts";

Deno.test("2026-07-28 over HTTP without a token: instructions, tools and whoami say to send the header", async () => {
  await hosted(async ({ http }) => {
    const client = new Client({ name: "header-only-test", version: "1" }, {
      versionNegotiation: { mode: { pin: "2026-07-28" } },
    });
    await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", http.url)));
    try {
      const found = await client.discover();
      assert.match(found.instructions ?? "", /Authorization: Token <ERP token>/);
      assert.doesNotMatch(found.instructions ?? "", /Sign in first \(authenticate_with_token\)/);

      const read = await client.callTool({ name: "get_day_logs", arguments: { date: "today" } });
      const readText = (read.content as { text: string }[])[0].text;
      assert.equal(read.isError, true, readText);
      assert.match(readText, /Not signed in to the ERP/);
      assert.match(readText, /"Authorization: Token <ERP token>"/);
      assert.doesNotMatch(readText, /Call authenticate_with_token/);

      const who = await client.callTool({ name: "whoami", arguments: {} });
      const whoText = (who.content as { text: string }[])[0].text;
      assert.match(whoText, /"Authorization: Token <ERP token>"/);
      assert.doesNotMatch(whoText, /Sign in with authenticate_with_token/);
    } finally {
      await client.close();
    }
  });
});
