/**
 * A token an HTTP header cannot carry (an example's "…", a look-alike letter) is refused where it
 * is given, through a real client, before any ERP request: it never reads as "the ERP is down".
 */
import assert from "node:assert/strict";
import { needsSession, withHarness } from "../helpers.ts";

for (
  const [name, token] of [
    ["an example's ellipsis", "Token 0123abcd\u2026"],
    ["a Cyrillic look-alike letter", "Token sandbox-t\u043eken-alice"],
  ]
) {
  Deno.test(`authenticate_with_token: ${name} is refused before any ERP request`, {
    ignore: needsSession("the sign-in tools"),
  }, async () => {
    await withHarness({ signIn: false }, async (h) => {
      const before = h.erp.calls.length;
      const r = await h.call("authenticate_with_token", { token });
      assert.equal(r.isError, true, r.text);
      assert.match(r.text, /^Cannot use that token: it holds a character an HTTP header cannot/);
      assert.doesNotMatch(r.text, /ERP is down|Cannot reach/);
      assert.equal(h.erp.calls.length, before, "no ERP request was made");
      const who = await h.call("whoami");
      assert.equal(who.data.signed_in, false, who.text);
    });
  });
}
