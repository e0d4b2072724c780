/**
 * An ERP_API_BASE_URL that points at the wrong place (a site root without /api/v1/) answers 404 on
 * routes every ERP has: the model is told to check the URL, not that something was deleted.
 */
import assert from "node:assert/strict";
import { needsSession, withHarness } from "../helpers.ts";

Deno.test("a 404 on a route every ERP has points at ERP_API_BASE_URL, not at deleted data", {
  ignore: needsSession("the sign-in tools"),
}, async () => {
  // A real web server that knows none of the API's routes, as a site root does.
  const site = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => Response.json({ detail: "Not found." }, { status: 404 }),
  );
  try {
    const url = `http://127.0.0.1:${site.addr.port}/`;
    await withHarness({ signIn: false, env: { ERP_API_BASE_URL: url } }, async (h) => {
      const r = await h.call("authenticate_with_token", { token: "Token abc123" });
      assert.equal(r.isError, true, r.text);
      assert.match(r.text, /ERP_API_BASE_URL probably points at the wrong place/);
      assert.doesNotMatch(r.text, /deleted/);
      assert.doesNotMatch(r.text, /\.\./, "one period between message and hint");
    });
  } finally {
    await site.shutdown();
  }
});
