/**
 * Both protocol eras from one server: a 2026-07-28 client (`@modelcontextprotocol/client` 2.4.0
 * with version negotiation) over stdio (spawned through `deno task start`) and over hosted HTTP,
 * next to the 2025-era SDK 1.32.2 client most hosts embed. Each reads (whoami), discovers the
 * server (server/discover), and submits a week only after asking: a confirmation token for a
 * client without elicitation, an `input_required` yes/no form for one with it (the client asks
 * the person and calls again with the answer). The sandbox's stored week says whether the write
 * happened.
 */
import assert from "node:assert/strict";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { denoEnv, ROOT, TODAY } from "../helpers.ts";
import { connect as connect2025, hosted } from "./hosted_helpers.ts";

type Sandbox = Awaited<ReturnType<typeof serveSandbox>>;

/** server/discover's answer names the 2026 revision, advertises tools and gives instructions. */
async function checkDiscover(client: Client): Promise<void> {
  const discovered = await client.discover();
  assert.ok(
    discovered.supportedVersions.includes("2026-07-28"),
    String(discovered.supportedVersions),
  );
  assert.ok(discovered.capabilities.tools, "tools are advertised");
  assert.match(discovered.instructions ?? "", /weekly project time logs/);
  assert.equal(client.getServerVersion()?.name, "project-logs-mcp");
}

const MODERN = { mode: { pin: "2026-07-28" } } as const;

/** Calls a tool; its text and structured content. */
async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const r = await client.callTool({ name, arguments: args });
  const text = (r.content as { type: string; text?: string }[])
    .map((c) => c.text ?? "").join("\n");
  // deno-lint-ignore no-explicit-any
  return { isError: r.isError === true, text, data: r.structuredContent as any };
}

/** Submits `monday` for alice through `client`: first a preview, then the token. */
async function submitAfterAsking(client: Client, sb: Sandbox, monday: string): Promise<void> {
  const completed = () => sb.erp.weekLog("alice@example.com", monday)!.isCompleted;
  assert.equal(completed(), false, "the fixture's draft week starts not submitted");
  const ask = await call(client, "complete_week_log", { week_starting: monday });
  assert.equal(ask.isError, false, ask.text);
  assert.equal(ask.data.status, "needs_confirmation", ask.text);
  assert.equal(completed(), false, "asking wrote nothing");
  const done = await call(client, "complete_week_log", {
    week_starting: monday,
    confirmation_token: ask.data.confirmation_token,
  });
  assert.equal(done.isError, false, done.text);
  assert.equal(done.data.status, "submitted", done.text);
  assert.equal(completed(), true, "the ERP holds the week as submitted");
}

/** A 2026-07-28 client whose person answers every form with `confirm` (counting the forms). */
function answering(confirm: boolean) {
  const forms: string[] = [];
  const client = new Client({ name: "eras-test", version: "1" }, {
    versionNegotiation: MODERN,
    capabilities: { elicitation: { form: {} } },
  });
  client.setRequestHandler("elicitation/create", (req) => {
    forms.push((req.params as { message: string }).message);
    return { action: "accept", content: { confirm } };
  });
  return { client, forms };
}

/** Submits `monday` through a client that answers forms: yes submits, no leaves it. */
async function submitByForm(
  make: (yes: boolean) => { client: Client; forms: string[] },
  connect: (client: Client) => Promise<void>,
  sb: Sandbox,
): Promise<void> {
  const { draft } = sb.erp.fixtures.weeks;
  const completed = () => sb.erp.weekLog("alice@example.com", draft)!.isCompleted;
  for (const yes of [false, true]) {
    const { client, forms } = make(yes);
    try {
      await connect(client);
      assert.equal(client.getProtocolEra(), "modern");
      const r = await call(client, "complete_week_log", { week_starting: draft });
      assert.equal(forms.length, 1, `one form per call: ${forms.join(" | ")}`);
      assert.match(forms[0], new RegExp(draft));
      assert.equal(completed(), yes, r.text);
      if (yes) assert.equal(r.data.status, "submitted", r.text);
      else assert.notEqual(r.data?.status, "submitted", r.text);
    } finally {
      await client.close();
    }
  }
}

// "auto": the negotiation most hosts will use; over stdio it probes in a sibling process first.
Deno.test("eras: a 2026-07-28 client (auto negotiation) over stdio (deno task start) reads, discovers and writes after asking", async () => {
  const sb = await serveSandbox({ today: TODAY });
  const alice = sb.erp.fixtures.users.alice;
  const client = new Client({ name: "eras-test", version: "1" }, {
    versionNegotiation: { mode: "auto" },
  });
  try {
    const stdio = new StdioClientTransport({
      command: Deno.execPath(),
      args: ["task", "--quiet", "start"],
      cwd: ROOT,
      env: denoEnv({
        ERP_API_BASE_URL: sb.apiBase,
        ERP_API_TOKEN: alice.token,
        MCP_AUTHORIZED_USERS: alice.email,
        MCP_TIMEZONE: "UTC",
      }),
      stderr: "pipe",
    });
    stdio.stderr?.on("data", () => {});
    await client.connect(stdio);
    assert.equal(client.getProtocolEra(), "modern");
    assert.equal(client.getNegotiatedProtocolVersion(), "2026-07-28");
    await checkDiscover(client);
    const who = await call(client, "whoami");
    assert.equal(who.isError, false, who.text);
    assert.equal(who.data.email, alice.email);
    // State lives as long as the connection: the same person on the next call.
    assert.equal((await call(client, "whoami")).data.email, alice.email);
    await submitAfterAsking(client, sb, sb.erp.fixtures.weeks.draft);
  } finally {
    await client.close();
    await sb.close();
  }
});

Deno.test("eras: one hosted /mcp serves a 2026-07-28 client statelessly (person from Authorization only; sign-in tools refuse) and a 2025 session", async () => {
  await hosted(async ({ sb, http }) => {
    const { alice } = sb.erp.fixtures.users;
    const modern = async (headers: Record<string, string>) => {
      const client = new Client({ name: "eras-test", version: "1" }, {
        versionNegotiation: MODERN,
      });
      await client.connect(
        new StreamableHTTPClientTransport(new URL("/mcp", http.url), { requestInit: { headers } }),
      );
      return client;
    };
    const withToken = await modern({ Authorization: `Token ${alice.token}` });
    const anonymous = await modern({});
    const legacy = await connect2025(http.url, { Authorization: `Token ${alice.token}` });
    try {
      assert.equal(withToken.getProtocolEra(), "modern");
      assert.equal(withToken.getNegotiatedProtocolVersion(), "2026-07-28");
      await checkDiscover(withToken);
      const who = await call(withToken, "whoami");
      assert.equal(who.isError, false, who.text);
      assert.equal(who.data.email, alice.email);
      // No session on this era: without the header, nobody is signed in.
      const nobody = await call(anonymous, "whoami");
      assert.notEqual(nobody.data?.email, alice.email, nobody.text);
      // Signing in cannot be kept there: the tool says to send the header, and nothing changes.
      const signIn = await call(anonymous, "authenticate_with_token", { token: alice.token });
      assert.equal(signIn.isError, true, signIn.text);
      assert.match(signIn.text, /keeps no session.*Authorization: Token/);
      assert.doesNotMatch(signIn.text, new RegExp(alice.token));
      assert.notEqual((await call(anonymous, "whoami")).data?.email, alice.email);
      // The 2025 client on the same endpoint still gets its session and the same answers.
      const who2025 = await legacy.callTool({ name: "whoami", arguments: {} });
      assert.equal((who2025.structuredContent as { email: string }).email, alice.email);
      await submitAfterAsking(withToken, sb, sb.erp.fixtures.weeks.draft);
    } finally {
      for (const c of [withToken, anonymous, legacy]) await c.close();
    }
  });
});

Deno.test("eras: a 2026-07-28 client with elicitation confirms by input_required, over stdio and HTTP; no leaves the week", async () => {
  const sb = await serveSandbox({ today: TODAY });
  const alice = sb.erp.fixtures.users.alice;
  try {
    await submitByForm(answering, async (client) => {
      const stdio = new StdioClientTransport({
        command: Deno.execPath(),
        args: ["task", "--quiet", "start"],
        cwd: ROOT,
        env: denoEnv({
          ERP_API_BASE_URL: sb.apiBase,
          ERP_API_TOKEN: alice.token,
          MCP_AUTHORIZED_USERS: alice.email,
          MCP_TIMEZONE: "UTC",
        }),
        stderr: "pipe",
      });
      stdio.stderr?.on("data", () => {});
      await client.connect(stdio);
    }, sb);
  } finally {
    await sb.close();
  }
  await hosted(async ({ sb, http }) => {
    const { alice } = sb.erp.fixtures.users;
    await submitByForm(answering, async (client) => {
      await client.connect(
        new StreamableHTTPClientTransport(new URL("/mcp", http.url), {
          requestInit: { headers: { Authorization: `Token ${alice.token}` } },
        }),
      );
    }, sb);
  });
});

/** A raw 2026-07-28 tools/call on `url`/mcp with `token`; the JSON-RPC answer. */
async function rawCall(
  url: string,
  token: string,
  params: Record<string, unknown>,
  // deno-lint-ignore no-explicit-any
): Promise<any> {
  const res = await fetch(new URL("/mcp", url), {
    method: "POST",
    headers: {
      Accept: "application/json, text/event-stream",
      Authorization: `Token ${token}`,
      "Content-Type": "application/json",
      "Mcp-Method": "tools/call",
      "Mcp-Name": String(params.name),
      "MCP-Protocol-Version": "2026-07-28",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: {
        ...params,
        _meta: {
          "io.modelcontextprotocol/protocolVersion": "2026-07-28",
          "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
          "io.modelcontextprotocol/clientCapabilities": { elicitation: { form: {} } },
        },
      },
    }),
  });
  return await res.json();
}

Deno.test("eras: an input_required answer counts only with the state minted for that call, person and key", async () => {
  await hosted(async ({ sb, http }) => {
    const { alice, bob } = sb.erp.fixtures.users;
    const { draft, current } = sb.erp.fixtures.weeks;
    const completed = (monday: string) => sb.erp.weekLog(alice.email, monday)!.isCompleted;
    const yes = { confirm: { action: "accept", content: { confirm: true } } };
    const submit = (week: string, extra: Record<string, unknown> = {}, token = alice.token) =>
      rawCall(http.url, token, {
        name: "complete_week_log",
        arguments: { week_starting: week },
        ...extra,
      });

    // A yes without a state is not an answer: the person is asked.
    const forged = await submit(draft, { inputResponses: yes });
    assert.equal(forged.result?.resultType, "input_required", JSON.stringify(forged));
    const state = forged.result.requestState as string;
    assert.equal(completed(draft), false);

    // The state of the draft week's question does not confirm another week.
    const swapped = await submit(current, { inputResponses: yes, requestState: state });
    assert.equal(swapped.result?.isError, true, JSON.stringify(swapped));
    assert.match(
      swapped.result.content[0].text,
      /Refused: the person's answer was given for another call/,
    );
    assert.equal(completed(current), false);

    // A changed state, or alice's state under bob's token (another key), is refused outright.
    const tampered = `${state.slice(0, -2)}${state.endsWith("AA") ? "BB" : "AA"}`;
    for (
      const [label, r] of [
        ["tampered", await submit(draft, { inputResponses: yes, requestState: tampered })],
        ["bob", await submit(draft, { inputResponses: yes, requestState: state }, bob.token)],
      ] as const
    ) {
      assert.equal(r.error?.code, -32602, `${label}: ${JSON.stringify(r)}`);
    }
    assert.equal(completed(draft), false);

    // The right state with a yes goes through (so the refusals were about the state).
    const ok = await submit(draft, { inputResponses: yes, requestState: state });
    assert.equal(ok.result?.structuredContent?.status, "submitted", JSON.stringify(ok));
    assert.equal(completed(draft), true);
  });
});
