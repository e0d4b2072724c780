/** Unit tests of src/auth/allowlist.ts: who may sign in, and what a refusal says. */
import assert from "node:assert/strict";
import { isAllowed, refusal } from "../../src/auth/allowlist.ts";

const LIST = ["jane@example.com", "@acme.test"];

for (
  const c of [
    { email: "jane@example.com", list: LIST, want: true },
    { email: "Jane@Example.COM", list: LIST, want: true },
    { email: "  jane@example.com  ", list: LIST, want: true },
    { email: "john@example.com", list: LIST, want: false },
    { email: "anyone@acme.test", list: LIST, want: true },
    { email: "Anyone@ACME.test", list: LIST, want: true },
    { email: "x@sub.acme.test", list: LIST, want: false }, // a domain entry is exact
    { email: "x@evilacme.test", list: LIST, want: false },
    { email: "x@acme.test.evil.com", list: LIST, want: false },
    { email: "jane@example.com.evil", list: LIST, want: false },
    { email: "@acme.test", list: LIST, want: false }, // no local part
    { email: "acme.test", list: LIST, want: false },
    { email: "", list: LIST, want: false },
    { email: "jane@example.com", list: [], want: false }, // fails closed
    { email: "", list: [""], want: false },
  ]
) {
  Deno.test(`isAllowed(${JSON.stringify(c.email)}, ${JSON.stringify(c.list)}) is ${c.want}`, () => {
    assert.equal(isAllowed(c.email, c.list), c.want);
  });
}

Deno.test("refusal: an empty list says where to add the email", () => {
  const text = refusal("jane@example.com", [], "/srv/mcp/authorized_users.json");
  assert.match(text, /^Sign-in refused for "jane@example\.com": the allowlist is empty/);
  assert.ok(text.includes("MCP_AUTHORIZED_USERS"), text);
  assert.ok(text.includes('"authorized_emails"'), text);
  assert.ok(text.includes("/srv/mcp/authorized_users.json"), text);
  assert.ok(text.includes("restart"), text);
});

Deno.test("refusal: a non-empty list names where it comes from", () => {
  for (const source of ["MCP_AUTHORIZED_USERS", "--authorized-users", "/etc/mcp/users.json"]) {
    const text = refusal("john@example.com", LIST, source);
    assert.match(text, /^Sign-in refused for "john@example\.com": not on the allowlist/);
    assert.ok(text.includes(`(${source})`), text);
    assert.ok(text.includes("add it"), text);
    // The refusal never discloses who else is allowed.
    assert.ok(!text.includes("jane@example.com") && !text.includes("@acme.test"), text);
  }
});
