/** Sign-in through the tools: validation, allowlist on every path, one identity per session. */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp"
import { StreamableHTTPClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp.js";
import { formatCheck, runDoctor } from "../../src/cli/doctor.ts";
import { loadConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/log.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { serveHttp } from "../../src/transports/http.ts";
import { type Harness, needsSession, type Result, TODAY, withHarness } from "../helpers.ts";

Deno.test("authenticate_with_token: Token, Bearer and bare keys; the ERP's email wins", {
  ignore: needsSession("the sign-in tools and a session's stored sign-in"),
}, async () => {
  for (
    const form of ["Token sandbox-token-alice", "Bearer sandbox-token-alice", "sandbox-token-alice"]
  ) {
    await withHarness({ signIn: false }, async (h) => {
      const r = await h.call("authenticate_with_token", {
        token: form,
        email: "someone@else.test",
      });
      assert.equal(r.isError, false, r.text);
      assert.equal(r.data.email, "alice@example.com");
      assert.doesNotMatch(r.text, /sandbox-token/);
      assert.match(r.text, /The email you gave, "someone@else\.test", was not used/);
      const w = await h.call("whoami");
      assert.equal(w.data.method, "token");
    });
  }
});

Deno.test("authenticate_with_token: a wrong token is refused and not kept", {
  ignore: needsSession("the sign-in tools and a session's stored sign-in"),
}, async () => {
  await withHarness({ signIn: false }, async (h) => {
    const r = await h.call("authenticate_with_token", { token: "Token nope-nope-nope" });
    assert.equal(r.isError, true);
    assert.match(r.text, /refused the token from the authenticate_with_token tool \(401\)/);
    assert.doesNotMatch(r.text, /nope-nope/);
    const w = await h.call("whoami");
    assert.equal(w.data.signed_in, false);
  });
});

Deno.test("authenticate_with_token: a person not on the allowlist is refused and nothing is kept", {
  ignore: needsSession("the sign-in tools and a session's stored sign-in"),
}, async () => {
  await withHarness({ signIn: false }, async (h) => {
    const r = await h.call("authenticate_with_token", { token: h.erp.fixtures.users.bob.token });
    assert.equal(r.isError, true);
    assert.match(r.text, /Sign-in refused for "bob@other.test"/);
    assert.equal((await h.call("whoami")).data.signed_in, false);
    const read = await h.call("get_log_labels");
    assert.equal(read.isError, true);
    assert.match(read.text, /Not signed in/);
  });
});

Deno.test(
  "allowlist: empty refuses everyone and says where to add the email; @domain allows a domain",
  { ignore: needsSession("the sign-in tools and a session's stored sign-in") },
  async () => {
    await withHarness({ signIn: false, allow: "" }, async (h) => {
      const r = await h.call("authenticate_with_token", {
        token: h.erp.fixtures.users.alice.token,
      });
      assert.equal(r.isError, true);
      assert.match(r.text, /allowlist is empty.*MCP_AUTHORIZED_USERS/);
    });
    await withHarness({ signIn: false, allow: "@other.test" }, async (h) => {
      const r = await h.call("authenticate_with_token", { token: h.erp.fixtures.users.bob.token });
      assert.equal(r.isError, false, r.text);
    });
  },
);

Deno.test("ERP_API_TOKEN signs the session in on first use; a refused one is reported by whoami", {
  ignore: needsSession("the sign-in tools and a session's stored sign-in"),
}, async () => {
  await withHarness({}, async (h) => {
    assert.equal(h.erp.calls.length, 0, "no request at start");
    const w = await h.call("whoami");
    assert.equal(w.data.email, "alice@example.com");
    assert.equal(w.data.method, "environment");
  });
  await withHarness({ signIn: "bob" }, async (h) => {
    const w = await h.call("whoami");
    assert.equal(w.data.signed_in, false);
    assert.match(
      w.text,
      /token from ERP_API_TOKEN in the server's configuration could not be used: Sign-in refused/,
    );
  });
});

Deno.test("an expired token signs the session out with what to do", async () => {
  await withHarness({}, async (h) => {
    await h.call("whoami");
    h.erp.revokeToken(h.erp.fixtures.users.alice.token);
    const r = await h.call("get_active_projects");
    assert.equal(r.isError, true);
    assert.match(r.text, /expired or was revoked/);
    assert.equal((await h.call("whoami")).data.signed_in, false);
  });
});

Deno.test(
  "authenticate_with_google: exchanged by the ERP, allowlist applied to the returned email",
  { ignore: needsSession("the sign-in tools and a session's stored sign-in") },
  async () => {
    await withHarness({ signIn: false }, async (h) => {
      const { alice, bob, stranger } = h.erp.fixtures.users;
      const ok = await h.call("authenticate_with_google", {
        access_token: alice.googleAccessToken,
      });
      assert.equal(ok.isError, false, ok.text);
      assert.equal(ok.data.method, "google");
      const google = h.erp.calls.find((c) => c.path === "core/google-login/");
      assert.deepEqual(google?.body, { platform: "google", access_token: alice.googleAccessToken });
      await h.call("sign_out");
      const refused = await h.call("authenticate_with_google", {
        access_token: bob.googleAccessToken,
      });
      assert.equal(refused.isError, true);
      assert.match(refused.text, /Sign-in refused/);
      const unknown = await h.call("authenticate_with_google", {
        access_token: stranger.googleAccessToken,
      });
      assert.equal(unknown.isError, true);
      assert.match(unknown.text, /not registered/);
      assert.equal((await h.call("whoami")).data.signed_in, false);
    });
  },
);

Deno.test("sign_out forgets the session", {
  ignore: needsSession("the sign-in tools and a session's stored sign-in"),
}, async () => {
  await withHarness({}, async (h) => {
    await h.call("whoami");
    const r = await h.call("sign_out");
    assert.equal(r.data.email, "alice@example.com");
    const read = await h.call("get_week_logs", { week_starting: "2026-11-23" });
    assert.equal(read.isError, true);
    assert.match(read.text, /Not signed in/);
  });
});

Deno.test("read-only mode registers only tools that never write", async () => {
  await withHarness({ env: { MCP_READ_ONLY: "true" } }, async (h) => {
    const { tools } = await h.client.listTools();
    const names = tools.map((t) => t.name);
    assert.ok(names.includes("get_week_logs"));
    for (
      const w of [
        "create_or_update_log",
        "delete_log",
        "fill_logs_for_days",
        "complete_week_log",
        "update_log",
      ]
    ) {
      assert.ok(!names.includes(w), w);
    }
    // Called anyway (a model that remembers it), a write tool says why it is not there.
    const r = await h.call("create_or_update_log", {
      date: "2026-11-24",
      project_id: 41,
      description: "x",
      hours: 1,
    });
    assert.equal(r.isError, true);
    assert.match(r.text, /^Cannot run create_or_update_log: this connection may only read/);
    assert.match(r.text, /allow "read and write"/);
    assert.equal(
      (await h.call("no_such_tool")).text.startsWith('Unknown tool "no_such_tool"'),
      true,
    );
  });
});

// An ERP whose core/person/ does not name the owner (erp-api.md leaves the body unknown), on a
// server that opted in to typed emails: the email typed at sign-in is marked unconfirmed, and
// never reaches the Slack endpoint, whichever sign-in.
const UNCONFIRMED_SIGN_INS: { name: string; signIn: (h: Harness) => Promise<Result> }[] = [
  {
    name: "a token",
    signIn: (h) =>
      h.call("authenticate_with_token", {
        token: h.erp.fixtures.users.alice.token,
        email: "alice@example.com",
      }),
  },
  {
    name: "Google, when the ERP's exchange names no email",
    signIn: (h) => {
      h.erp.injectFault({
        pathIncludes: "core/google-login/",
        status: 200,
        body: JSON.stringify({ token: h.erp.fixtures.users.alice.token }),
      });
      return h.call("authenticate_with_google", {
        access_token: "whatever",
        email: "alice@example.com",
      });
    },
  },
];

for (const row of UNCONFIRMED_SIGN_INS) {
  Deno.test(`a typed email the ERP did not confirm never reaches the Slack endpoint: ${row.name}`, {
    ignore: needsSession("the sign-in tools and a session's stored sign-in"),
  }, async () => {
    await withHarness({
      signIn: false,
      allow: "alice@example.com",
      env: { MCP_TRUST_TYPED_EMAIL: "1" },
    }, async (h) => {
      h.erp.injectFault({ pathIncludes: "core/person/", status: 200, body: '{"id": 17}' });
      const r = await row.signIn(h);
      assert.equal(r.isError, false, r.text);
      const who = await h.call("whoami");
      assert.match(who.text, /the ERP did not confirm it/);
      assert.match(who.text, /MCP_TRUST_TYPED_EMAIL/);
      assert.equal(who.data.email_confirmed, false);
      assert.equal(who.data.trust_typed_email, true);
      const w = await h.call("create_or_update_log", {
        date: h.erp.fixtures.weeks.withoutLog,
        project_id: 41,
        description: "x",
        hours: 1,
      });
      assert.equal(w.isError, true);
      assert.match(w.text, /did not confirm that this is your email/);
      assert.equal(h.erp.calls.filter((c) => c.path.includes("from-slack")).length, 0);
    });
  });
}

// The security review's case: bob (not on the allowlist) holds a valid token, the ERP does not say
// whose it is, and he types alice's address. By default that must not pass the allowlist.
const CLAIMED_SIGN_INS: { name: string; signIn: (h: Harness) => Promise<Result> }[] = [
  {
    name: "a token",
    signIn: (h) =>
      h.call("authenticate_with_token", {
        token: h.erp.fixtures.users.bob.token,
        email: "alice@example.com",
      }),
  },
  {
    name: "Google, when the ERP's exchange names no email",
    signIn: (h) => {
      h.erp.injectFault({
        pathIncludes: "core/google-login/",
        status: 200,
        body: JSON.stringify({ token: h.erp.fixtures.users.bob.token }),
      });
      return h.call("authenticate_with_google", {
        access_token: "whatever",
        email: "alice@example.com",
      });
    },
  },
];

for (const row of CLAIMED_SIGN_INS) {
  Deno.test(`a typed email does not pass the allowlist unless the server opts in: ${row.name}`, {
    ignore: needsSession("the sign-in tools and a session's stored sign-in"),
  }, async () => {
    await withHarness({ signIn: false, allow: "alice@example.com" }, async (h) => {
      h.erp.injectFault({ pathIncludes: "core/person/", status: 200, body: '{"id": 18}' });
      const r = await row.signIn(h);
      assert.equal(r.isError, true, r.text);
      assert.match(
        r.text,
        /^Sign-in refused for "alice@example\.com": the ERP accepted the token from .* but did not say whose it is/,
      );
      assert.match(r.text, /MCP_TRUST_TYPED_EMAIL=1 \(--trust-typed-email\)/);
      assert.doesNotMatch(r.text, new RegExp(h.erp.fixtures.users.bob.token));
      const who = await h.call("whoami");
      assert.equal(who.data.signed_in, false);
      assert.equal(who.data.trust_typed_email, false);
      const before = h.erp.calls.length;
      const read = await h.call("get_week_logs", { week_starting: h.erp.fixtures.weeks.draft });
      assert.match(read.text, /Not signed in/);
      const write = await h.call("create_or_update_log", {
        date: h.erp.fixtures.weeks.draft,
        project_id: 41,
        description: "claimed",
        hours: 1,
      });
      assert.match(write.text, /Not signed in/);
      assert.equal(h.erp.calls.length, before, "no ERP request after the refusal");
      // Nothing of bob's reached the session, and nothing was written anywhere.
      assert.equal(h.session.credentials, undefined);
      assert.equal(
        h.erp.calls.filter((c) =>
          c.method !== "GET" && c.status < 400 &&
          !c.path.startsWith("core/")
        ).length,
        0,
      );
    });
  });
}

Deno.test("without the opt-in, a token the ERP names nobody for is refused even with no email", {
  ignore: needsSession("the sign-in tools and a session's stored sign-in"),
}, async () => {
  await withHarness({ signIn: false }, async (h) => {
    h.erp.injectFault({ pathIncludes: "core/person/", status: 200, body: '{"id": 17}' });
    const r = await h.call("authenticate_with_token", { token: h.erp.fixtures.users.alice.token });
    assert.equal(r.isError, true);
    assert.match(
      r.text,
      /^Sign-in refused: the ERP accepted the token from the authenticate_with_token tool but/,
    );
    assert.match(r.text, /authenticate_via_browser/);
  });
});

/** Every text and structured field of a raw tool result, as one string. */
async function rawWhoami(h: Harness): Promise<string> {
  return JSON.stringify(await h.client.callTool({ name: "whoami", arguments: {} }));
}

Deno.test("whoami names where the token came from and never shows it", {
  ignore: needsSession("the sign-in tools and a session's stored sign-in"),
}, async () => {
  // ERP_API_TOKEN, checked on first use.
  await withHarness({}, async (h) => {
    const { alice } = h.erp.fixtures.users;
    const raw = await rawWhoami(h);
    assert.ok(raw.includes("ERP_API_TOKEN in the server's configuration"), raw);
    assert.equal(
      (await h.call("whoami")).data.token_source,
      "ERP_API_TOKEN in the server's configuration",
    );
    assert.ok(!raw.includes(alice.token), "no token in whoami");
  });
  // The sign-in tool, with the Token prefix.
  await withHarness({ signIn: false }, async (h) => {
    const { alice } = h.erp.fixtures.users;
    const r = await h.call("authenticate_with_token", { token: `Token ${alice.token}` });
    assert.equal(r.data.token_source, "the authenticate_with_token tool");
    const raw = await rawWhoami(h);
    assert.match(raw, /token from the authenticate_with_token tool/);
    assert.equal((await h.call("whoami")).data.email_confirmed, true);
    assert.ok(!raw.includes(alice.token), raw);
  });
  // Google: the ERP issues its own token in exchange; that one must not show either.
  await withHarness({ signIn: false }, async (h) => {
    const { alice } = h.erp.fixtures.users;
    await h.call("authenticate_with_google", { access_token: alice.googleAccessToken });
    const issued = h.session.credentials!.token;
    const raw = await rawWhoami(h);
    assert.match(raw, /token from a Google access token given to authenticate_with_google/);
    assert.ok(!raw.includes(issued) && !raw.includes(alice.googleAccessToken), raw);
  });
  // A preset token the allowlist refuses: whoami explains, still without the token.
  await withHarness({ signIn: "bob" }, async (h) => {
    const raw = await rawWhoami(h);
    assert.match(raw, /token from ERP_API_TOKEN in the server's configuration could not be used/);
    assert.ok(!raw.includes(h.erp.fixtures.users.bob.token), raw);
  });
});

Deno.test("errors name where the token came from: a revoked ERP_API_TOKEN, a wrong typed token", {
  ignore: needsSession("the sign-in tools and a session's stored sign-in"),
}, async () => {
  await withHarness({}, async (h) => {
    await h.call("whoami");
    h.erp.revokeToken(h.erp.fixtures.users.alice.token);
    const r = await h.call("get_active_projects");
    assert.equal(r.isError, true);
    assert.match(
      r.text,
      /refused this session's token \(from ERP_API_TOKEN in the server's configuration\) \(401\)/,
    );
    assert.ok(!r.text.includes(h.erp.fixtures.users.alice.token));
  });
  await withHarness({ signIn: false }, async (h) => {
    h.erp.revokeToken(h.erp.fixtures.users.alice.token);
    const r = await h.call("authenticate_with_token", { token: h.erp.fixtures.users.alice.token });
    assert.match(r.text, /refused the token from the authenticate_with_token tool \(401\)/);
  });
});

Deno.test("MCP_TRUST_TYPED_EMAIL is shown by whoami and doctor; off by default", async () => {
  for (const trust of [false, true]) {
    await withHarness({ env: trust ? { MCP_TRUST_TYPED_EMAIL: "true" } : {} }, async (h) => {
      const who = await h.call("whoami");
      assert.equal(who.data.trust_typed_email, trust);
      assert.equal(/MCP_TRUST_TYPED_EMAIL/.test(who.text), trust, who.text);
      const checks = await runDoctor({
        config: h.config,
        fetch,
        findBrowser: () => ({ path: "/usr/bin/true", searched: [] }),
        probePort: () => Promise.resolve("free"),
      });
      const line = checks.map(formatCheck).find((l) => l.includes("MCP_TRUST_TYPED_EMAIL"));
      assert.equal(!!line, trust, checks.map(formatCheck).join("\n"));
      if (line) assert.match(line, /weaker/);
    });
  }
});

Deno.test("hosted, header token: whoami says it came from the request's header, never shows it", async () => {
  const sb = await serveSandbox({ today: TODAY });
  const { alice } = sb.erp.fixtures.users;
  const vars: Record<string, string> = {
    ERP_API_BASE_URL: sb.apiBase,
    MCP_AUTHORIZED_USERS: alice.email,
    MCP_TIMEZONE: "UTC",
  };
  const config = loadConfig([], {
    getEnv: (n) => vars[n],
    readFile: () => undefined,
    defaultAllowlistPath: "authorized_users.json",
    defaultTimeZone: "UTC",
  });
  const http = await serveHttp({ config, log: silentLogger, hostname: "127.0.0.1", port: 0 });
  const client = new Client({ name: "whoami-header-test", version: "1" });
  try {
    await client.connect(
      new StreamableHTTPClientTransport(new URL("/mcp", http.url), {
        requestInit: { headers: { Authorization: `Token ${alice.token}` } },
      }),
    );
    const raw = await client.callTool({ name: "whoami", arguments: {} });
    const who = raw.structuredContent as Record<string, unknown>;
    assert.equal(who.email, alice.email);
    assert.equal(who.token_source, "the request's Authorization header");
    assert.match((raw.content as { text: string }[])[0].text, /token from the request's/);
    assert.ok(!JSON.stringify(raw).includes(alice.token), "no token in whoami");
  } finally {
    await client.close();
    await http.close();
    await sb.close();
  }
});
