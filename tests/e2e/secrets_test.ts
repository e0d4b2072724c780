/**
 * No token ever reaches the model: the signed-in session's ERP token, a token passed to a sign-in
 * tool and a wrong token never appear in any tool result's text or structured content.
 */
import assert from "node:assert/strict";
import { needsSession, withHarness } from "../helpers.ts";

const WRONG = "wrong-token-0123456789abcdef";

Deno.test(
  "secrets: no tool result carries a token, whether it came from the environment, an argument or was wrong",
  { ignore: needsSession("the sign-in tools") },
  async () => {
    await withHarness({}, async (h) => {
      const { alice } = h.erp.fixtures.users;
      const results: unknown[] = [];
      const call = async (name: string, args: Record<string, unknown> = {}) => {
        const r = await h.client.callTool({ name, arguments: args });
        results.push([name, r.content, r.structuredContent]);
        return r;
      };
      const who = await call("whoami"); // signed in from ERP_API_TOKEN
      assert.equal((who.structuredContent as { signed_in: boolean }).signed_in, true);
      await call("get_week_logs", { week_starting: h.erp.fixtures.weeks.current });
      await call("sign_out");
      const signIn = await call("authenticate_with_token", { token: `Token ${alice.token}` });
      assert.equal(signIn.isError, undefined, JSON.stringify(signIn.content));
      await call("whoami");
      const wrong = await call("authenticate_with_token", { token: WRONG });
      assert.equal(wrong.isError, true);
      await call("whoami");
      const all = JSON.stringify(results);
      for (const token of [alice.token, WRONG]) {
        assert.ok(!all.includes(token), `a result holds a token: ${all}`);
      }
    });
  },
);
