/**
 * The allowlist is checked on every tool call, and the allowlist file is read again each time:
 * removing a person from it refuses their next call in a session already signed in, with no
 * restart. In process (token and Google sign-ins), and in a spawned main.ts with a real file
 * under the narrow permission flags `deno task start` grants.
 */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
import {
  getDefaultEnvironment,
  StdioClientTransport,
} from "npm:@modelcontextprotocol/sdk@1.32.2/client/stdio.js";
import { permissionFlags } from "../../src/permissions.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { type Harness, needsSession, type Result, TODAY, withHarness } from "../helpers.ts";

const FILE = "/srv/mcp/authorized_users.json";
const list = (...emails: string[]) => JSON.stringify({ authorized_emails: emails });

const SIGN_INS: { name: string; method: string; signIn: (h: Harness) => Promise<Result> }[] = [
  {
    name: "a token",
    method: "token",
    signIn: (h) => h.call("authenticate_with_token", { token: h.erp.fixtures.users.alice.token }),
  },
  {
    name: "Google",
    method: "google",
    signIn: (h) =>
      h.call("authenticate_with_google", {
        access_token: h.erp.fixtures.users.alice.googleAccessToken,
      }),
  },
];

for (const row of SIGN_INS) {
  Deno.test(`allowlist file: removing a person refuses their next call, no restart (${row.name})`, {
    ignore: needsSession("the sign-in tools"),
  }, async () => {
    const files: Record<string, string> = { [FILE]: list("alice@example.com") };
    await withHarness({
      signIn: false,
      allow: "",
      env: { MCP_AUTHORIZED_USERS_FILE: FILE },
      files,
    }, async (h) => {
      const signed = await row.signIn(h);
      assert.equal(signed.isError, false, signed.text);
      assert.equal(signed.data.method, row.method);
      assert.equal((await h.call("get_active_projects")).isError, false);

      files[FILE] = list("bob@other.test");
      const who = await h.call("whoami");
      assert.equal(who.data.signed_in, false, "whoami sees the list as it is now");
      assert.match(who.text, /could not be used: Sign-in refused for "alice@example\.com"/);
      assert.equal((await row.signIn(h)).isError, true, "and cannot sign in again");
      files[FILE] = list("alice@example.com");
      assert.equal((await row.signIn(h)).isError, false);
      files[FILE] = list("bob@other.test");
      let refused!: Result;
      const requests = await h.countCalls(async () => {
        refused = await h.call("get_active_projects");
      });
      assert.equal(refused.isError, true);
      assert.match(
        refused.text,
        /^Sign-in refused for "alice@example\.com": not on the allowlist \(\/srv\/mcp\/authorized_users\.json\)\. The token came from /,
      );
      assert.equal(requests, 0, "refused before any ERP request");
      assert.equal((await h.call("whoami")).data.signed_in, false, "the session is signed out");
      assert.equal((await row.signIn(h)).isError, true, "and cannot sign in again");

      // A half-written file allows nobody, and says which file to fix.
      files[FILE] = '{"authorized_emails": ["alice@example.com"';
      const broken = await row.signIn(h);
      assert.equal(broken.isError, true);
      assert.match(broken.text, /the allowlist file cannot be read, so nobody may use this server/);

      // Added back (as a domain): the next sign-in works, still without a restart.
      files[FILE] = list("@example.com");
      assert.equal((await row.signIn(h)).isError, false);
      assert.equal((await h.call("get_active_projects")).isError, false);
    });
  });
}

Deno.test("allowlist from MCP_AUTHORIZED_USERS is fixed at start (the file is not consulted)", async () => {
  const files: Record<string, string> = { [FILE]: list("bob@other.test") };
  await withHarness({
    allow: "alice@example.com",
    env: { MCP_AUTHORIZED_USERS_FILE: FILE },
    files,
  }, async (h) => {
    assert.equal((await h.call("get_active_projects")).isError, false);
    files[FILE] = list();
    assert.equal((await h.call("get_active_projects")).isError, false);
  });
});

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

Deno.test("stdio: a real allowlist file edited mid-session, under the narrow permission flags", async () => {
  const sb = await serveSandbox({ today: TODAY });
  const dir = await Deno.makeTempDir({ prefix: "allowlist-live-" });
  const file = `${dir}/authorized_users.json`;
  await Deno.writeTextFile(file, list("alice@example.com"));
  const { alice } = sb.erp.fixtures.users;
  const env: Record<string, string> = {
    ...getDefaultEnvironment(),
    DENO_TLS_CA_STORE: "system",
    NO_COLOR: "1",
    ERP_API_BASE_URL: sb.apiBase,
    MCP_AUTHORIZED_USERS_FILE: file,
    ERP_API_TOKEN: alice.token,
    MCP_TIMEZONE: "UTC",
  };
  for (const k of ["DENO_DIR", "NODE_EXTRA_CA_CERTS"]) {
    const v = Deno.env.get(k);
    if (v) env[k] = v;
  }
  const flags = permissionFlags({ erpBaseUrl: sb.apiBase, readFiles: [file] });
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", ...flags, MAIN],
    env,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (c: Uint8Array) => stderr += new TextDecoder().decode(c));
  const client = new Client({ name: "allowlist-live-test", version: "1" });
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const r = await client.callTool({ name, arguments: args });
    return { isError: r.isError === true, text: (r.content as { text: string }[])[0].text };
  };
  try {
    await client.connect(transport);
    const first = await call("get_log_labels");
    assert.equal(first.isError, false, first.text + stderr);

    await Deno.writeTextFile(file, list("bob@other.test"));
    const refused = await call("get_log_labels");
    assert.equal(refused.isError, true);
    assert.match(refused.text, /Sign-in refused for "alice@example\.com"/);
    assert.ok(refused.text.includes(file), refused.text);

    await Deno.writeTextFile(file, list("alice@example.com"));
    const back = await call("authenticate_with_token", { token: alice.token });
    assert.equal(back.isError, false, back.text);
    assert.equal((await call("get_log_labels")).isError, false);
    assert.ok(!stderr.includes(alice.token), "no token in the server's log");
  } finally {
    await client.close();
    await sb.close();
    await Deno.remove(dir, { recursive: true });
  }
});
