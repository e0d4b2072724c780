/** Unit tests of src/auth/allowlist.ts: who may sign in, what a refusal says, the live file. */
import assert from "node:assert/strict";
import { checkAllowed, currentAllowlist, isAllowed, refusal } from "../../src/auth/allowlist.ts";

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

Deno.test("checkAllowed: a list from a file is read again on every check", () => {
  let text = '["jane@example.com"]';
  let reads = 0;
  const config = {
    authorizedEmails: ["jane@example.com"],
    allowlistSource: "/srv/mcp/authorized_users.json",
    reloadAllowlist: () => {
      reads++;
      return (JSON.parse(text) as string[]).map((e) => e.toLowerCase());
    },
  };
  assert.equal(checkAllowed("jane@example.com", config), undefined);
  text = '["john@example.com"]';
  const refused = checkAllowed("jane@example.com", config, "the authenticate_with_token tool");
  assert.match(refused ?? "", /^Sign-in refused for "jane@example\.com": not on the allowlist/);
  assert.ok(refused?.includes("The token came from the authenticate_with_token tool."), refused);
  assert.equal(reads, 2);
  text = "[]";
  assert.match(checkAllowed("jane@example.com", config) ?? "", /the file is read on every call/);
});

Deno.test("checkAllowed: a file that cannot be read allows nobody and says what to fix", () => {
  const config = {
    authorizedEmails: ["jane@example.com"],
    allowlistSource: "/srv/mcp/authorized_users.json",
    reloadAllowlist: (): string[] => {
      throw new Error("Malformed allowlist file: Unexpected end of JSON input");
    },
  };
  assert.deepEqual(currentAllowlist(config).entries, []);
  const text = checkAllowed("jane@example.com", config) ?? "";
  assert.match(text, /the allowlist file cannot be read, so nobody may use this server/);
  assert.ok(text.includes("Unexpected end of JSON input"), text);
  assert.ok(text.includes('"/srv/mcp/authorized_users.json"'), text);
});

Deno.test("checkAllowed: a list from a flag or variable is the one read at start", () => {
  const config = { authorizedEmails: ["@acme.test"], allowlistSource: "MCP_AUTHORIZED_USERS" };
  assert.equal(checkAllowed("x@acme.test", config), undefined);
  assert.match(checkAllowed("x@other.test", config) ?? "", /\(MCP_AUTHORIZED_USERS\)/);
});
