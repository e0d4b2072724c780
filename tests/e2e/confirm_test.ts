/**
 * Asking before irreversible or large writes, through a real MCP client: elicitation accepted and
 * declined, a client without elicitation gets a token, wrong and expired tokens are refused.
 */
import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/types"
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { type ConfirmTokens, createConfirmer } from "../../src/tools/confirm.ts";
import { type Harness, withHarness } from "../helpers.ts";

const NOON = Temporal.Instant.from("2026-11-25T12:00:00Z");

function stored(h: Harness, monday: string) {
  // deno-lint-ignore no-explicit-any
  return h.erp.weekLog("alice@example.com", monday) as any;
}

const saves = (h: Harness) => h.erp.calls.filter((c) => /save\/|complete\//.test(c.path)).length;

/** Answers every elicitation with `answer`, recording the messages shown. */
function answerWith(h: Harness, answer: { action: string; content?: Record<string, unknown> }) {
  const shown: string[] = [];
  h.client.setRequestHandler(ElicitRequestSchema, (req) => {
    shown.push(String((req.params as { message?: string }).message));
    return answer as never;
  });
  return shown;
}

Deno.test("confirm: a client without elicitation gets a preview and a token; the token submits", async () => {
  await withHarness({ now: () => NOON }, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    const before = saves(h);
    const first = await h.call("complete_week_log", { week_starting: draft });
    assert.equal(first.isError, false, first.text);
    assert.equal(first.data.status, "needs_confirmation");
    assert.match(first.data.confirmation_token, /^[A-Za-z0-9_-]{12,}$/);
    assert.equal(first.data.expires_at, "2026-11-25T12:05:00.000Z");
    assert.equal(first.data.total.hours, 32);
    assert.deepEqual(
      first.data.preview.missing_days.map((d: { date: string }) => d.date),
      ["2026-10-30"],
    );
    assert.equal(first.data.preview.days.length, 7);
    assert.match(first.text, /short: 2026-10-30/);
    assert.equal(stored(h, draft).isCompleted, false);
    assert.equal(saves(h), before, "nothing written before the person agrees");

    const token = first.data.confirmation_token;
    const r = await h.call("complete_week_log", {
      week_starting: draft,
      confirmation_token: token,
    });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.status, "submitted");
    assert.equal(stored(h, draft).isCompleted, true);
  });
});

Deno.test("confirm: elicitation accepted submits at once, showing the preview", async () => {
  await withHarness({ now: () => NOON, clientCapabilities: { elicitation: {} } }, async (h) => {
    const shown = answerWith(h, { action: "accept", content: { confirm: true } });
    const { draft } = h.erp.fixtures.weeks;
    const r = await h.call("complete_week_log", { week_starting: draft });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.status, "submitted");
    assert.equal(r.data.confirmation_token, undefined);
    assert.equal(stored(h, draft).isCompleted, true);
    assert.equal(shown.length, 1);
    assert.match(shown[0], /Submit the week\?/);
    assert.match(shown[0], /32 h; short: 2026-10-30/);
  });
});

for (
  const answer of [
    { action: "decline" },
    { action: "cancel" },
    { action: "accept", content: { confirm: false } },
  ]
) {
  Deno.test(`confirm: elicitation ${JSON.stringify(answer)} changes nothing`, async () => {
    await withHarness({ now: () => NOON, clientCapabilities: { elicitation: {} } }, async (h) => {
      answerWith(h, answer);
      const { draft } = h.erp.fixtures.weeks;
      const before = saves(h);
      const r = await h.call("complete_week_log", { week_starting: draft });
      assert.equal(r.isError, false, r.text);
      assert.equal(r.data.status, "declined");
      assert.match(r.text, /declined: the week of 2026-10-26 was not submitted/);
      assert.equal(stored(h, draft).isCompleted, false);
      assert.equal(saves(h), before);
    });
  });
}

Deno.test("confirm: delete_log declined through elicitation keeps the entry", async () => {
  await withHarness({ now: () => NOON, clientCapabilities: { elicitation: {} } }, async (h) => {
    const shown = answerWith(h, { action: "decline" });
    const a = await h.call("create_or_update_log", {
      date: "today",
      project_id: 42,
      description: "Keep me",
      hours: 1,
    });
    const r = await h.call("delete_log", { entry_id: a.data.entry.entry_id, date: "today" });
    assert.equal(r.data.status, "declined");
    assert.match(shown[0], /Delete this entry\?.*\n.*Keep me/);
    const again = await h.call("get_day_logs", { date: "today" });
    assert.match(again.text, /Keep me/);
  });
});

Deno.test("confirm: a wrong token is refused; a token only serves the call it was made for", async () => {
  await withHarness({ now: () => NOON }, async (h) => {
    const a = await h.call("create_or_update_log", {
      date: "today",
      project_id: 42,
      description: "Entry A",
      hours: 1,
    });
    const b = await h.call("create_or_update_log", {
      date: "today",
      project_id: 42,
      description: "Entry B",
      hours: 1,
    });
    const idA = a.data.entry.entry_id;
    const idB = b.data.entry.entry_id;
    const ask = await h.call("delete_log", { entry_id: idA, date: "today" });
    assert.equal(ask.data.status, "needs_confirmation");
    assert.match(ask.text, /Would delete: .*Entry A/);
    const token = ask.data.confirmation_token;

    for (
      const [tool, args] of [
        ["delete_log", { entry_id: idA, date: "today", confirmation_token: "not-a-real-token" }],
        ["delete_log", { entry_id: idB, date: "today", confirmation_token: token }],
        ["complete_week_log", { week_starting: "this week", confirmation_token: token }],
      ] as const
    ) {
      const r = await h.call(tool, args);
      assert.equal(r.isError, true, `${tool} ${JSON.stringify(args)}`);
      assert.match(r.text, /Refused: the confirmation_token does not match this call/);
      assert.ok(!r.text.includes(token), "the token is never echoed");
    }
    const ok = await h.call("delete_log", {
      entry_id: idA,
      date: "today",
      confirmation_token: token,
    });
    assert.equal(ok.isError, false, ok.text);
    assert.equal(ok.data.status, "deleted");
    const reused = await h.call("delete_log", {
      entry_id: idB,
      date: "today",
      confirmation_token: token,
    });
    assert.equal(reused.isError, true, "a token is used once");
  });
});

Deno.test("confirm: a token is bound to its session", async () => {
  let token = "";
  await withHarness({ now: () => NOON }, async (h) => {
    const r = await h.call("complete_week_log", { week_starting: h.erp.fixtures.weeks.draft });
    token = r.data.confirmation_token;
  });
  await withHarness({ now: () => NOON }, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    const r = await h.call("complete_week_log", {
      week_starting: draft,
      confirmation_token: token,
    });
    assert.equal(r.isError, true);
    assert.match(r.text, /does not match/);
    assert.equal(stored(h, draft).isCompleted, false);
  });
});

Deno.test("confirm: an expired token is refused", async () => {
  let now = NOON;
  await withHarness({ now: () => now }, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    const first = await h.call("complete_week_log", { week_starting: draft });
    now = NOON.add({ minutes: 5, seconds: 1 });
    const r = await h.call("complete_week_log", {
      week_starting: draft,
      confirmation_token: first.data.confirmation_token,
    });
    assert.equal(r.isError, true);
    assert.match(r.text, /Refused: the confirmation_token expired \(tokens last 5 minutes\)/);
    assert.equal(stored(h, draft).isCompleted, false);
  });
});

Deno.test("confirm: fills of more than 5 days ask; 5 days or fewer, or save_draft, do not", async () => {
  await withHarness({ now: () => NOON }, async (h) => {
    const base = { project_id: 42, description: "Sprint", hours_per_day: 1 };
    const small = await h.call("fill_logs_for_days", {
      ...base,
      start_date: "2026-10-26",
      end_date: "2026-10-30",
    });
    assert.equal(small.data.status, "done", small.text);
    assert.equal(small.data.written, 5);

    const args = { ...base, start_date: "2026-11-16", end_date: "2026-11-22" };
    const before = saves(h);
    const big = await h.call("fill_logs_for_days", args);
    assert.equal(big.isError, false, big.text);
    assert.equal(big.data.status, "needs_confirmation");
    assert.equal(big.data.planned, 7);
    assert.equal(big.data.written, 0);
    assert.equal(saves(h), before);
    const done = await h.call("fill_logs_for_days", {
      ...args,
      confirmation_token: big.data.confirmation_token,
    });
    assert.equal(done.data.status, "done", done.text);
    assert.equal(done.data.written, 7);

    const draft = await h.call("complete_week_log", {
      week_starting: "this week",
      save_draft: true,
    });
    assert.equal(draft.data.status, "kept_draft", draft.text);
  });
});

Deno.test("confirm: MCP_NO_CONFIRM turns it off", async () => {
  await withHarness({ now: () => NOON, env: { MCP_NO_CONFIRM: "true" } }, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    const r = await h.call("complete_week_log", { week_starting: draft });
    assert.equal(r.data.status, "submitted", r.text);
    assert.equal(stored(h, draft).isCompleted, true);
    assert.doesNotMatch(h.client.getInstructions() ?? "", /needs_confirmation/);
  });
});

Deno.test("confirm: a shared token store (stateless HTTP) still binds tokens to the person", async () => {
  const tokens: ConfirmTokens = new Map();
  const make = () =>
    createConfirmer({
      enabled: true,
      tokens,
      now: () => NOON.epochMilliseconds,
      canElicit: () => false,
      elicit: () => Promise.reject(new Error("no elicitation")),
    });
  const req = { tool: "delete_log", args: { entry_id: 1 }, who: "alice@example.com", message: "" };
  const first = await make().ask(req);
  assert.equal(first.status, "needs_confirmation");
  const token = first.status === "needs_confirmation" ? first.token : "";
  await assert.rejects(
    make().ask({ ...req, who: "bob@other.test", args: { ...req.args, confirmation_token: token } }),
    /does not match/,
  );
  const ok = await make().ask({ ...req, args: { confirmation_token: token, entry_id: 1 } });
  assert.deepEqual(ok, { status: "confirmed", via: "token" });
});
