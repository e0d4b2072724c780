/**
 * Asking before irreversible or large writes, through a real MCP client: elicitation accepted and
 * declined, a client without elicitation gets a token, wrong and expired tokens are refused.
 */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/types"
import { ElicitRequestSchema } from "npm:@modelcontextprotocol/sdk@1.32.2/types.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/shared/protocol"
import { DEFAULT_REQUEST_TIMEOUT_MSEC } from "npm:@modelcontextprotocol/sdk@1.32.2/shared/protocol.js";
import { loadConfig } from "../../src/config.ts";
import { type ConfirmTokens, createConfirmer, ELICIT_WAIT_MS } from "../../src/tools/confirm.ts";
import { type Harness, needsSession, only2025, withHarness } from "../helpers.ts";

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

Deno.test("confirm: a client without elicitation gets a preview and a token; the token submits", {
  ignore: needsSession("confirmation tokens bound to a session"),
}, async () => {
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

Deno.test("confirm: a wrong token is refused; a token only serves the call it was made for", {
  ignore: needsSession("confirmation tokens bound to a session"),
}, async () => {
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
      const [tool, args, re] of [
        [
          "delete_log",
          { entry_id: idA, date: "today", confirmation_token: "not-a-real-token" },
          /Refused: the confirmation_token is not one this session issued/,
        ],
        [
          "delete_log",
          { entry_id: idB, date: "today", confirmation_token: token },
          /Refused: the confirmation_token does not match this call/,
        ],
        [
          "complete_week_log",
          { week_starting: "this week", confirmation_token: token },
          /Refused: the confirmation_token does not match this call/,
        ],
      ] as const
    ) {
      const r = await h.call(tool, args);
      assert.equal(r.isError, true, `${tool} ${JSON.stringify(args)}`);
      assert.match(r.text, re);
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

Deno.test("confirm: a token is bound to its session", {
  ignore: needsSession("confirmation tokens bound to a session"),
}, async () => {
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
    assert.match(r.text, /is not one this session issued/);
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

Deno.test("confirm: every fill that writes asks, even one day; the token in the text finishes it", {
  ignore: needsSession("confirmation tokens bound to a session"),
}, async () => {
  await withHarness({ now: () => NOON }, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    const friday = Temporal.PlainDate.from(draft).add({ days: 4 }).toString(); // empty in the seed
    const args = {
      project_id: 42,
      description: "Sprint",
      hours_per_day: 1,
      start_date: friday,
      end_date: friday,
    };
    const before = saves(h);
    const week = JSON.stringify(stored(h, draft));
    const one = await h.call("fill_logs_for_days", args);
    assert.equal(one.isError, false, one.text);
    assert.equal(one.data.status, "needs_confirmation", one.text);
    assert.equal(saves(h), before, "nothing written before the person agrees");
    assert.equal(JSON.stringify(stored(h, draft)), week);
    // A client that shows only the text can still finish: the token and the one-shot advice.
    const fromText = /confirmation_token "([A-Za-z0-9_.-]+)"/.exec(one.text)?.[1];
    assert.equal(fromText, one.data.confirmation_token);
    assert.match(one.text, /--yes/);
    assert.match(one.text, /MCP_NO_CONFIRM/);
    const done = await h.call("fill_logs_for_days", { ...args, confirmation_token: fromText });
    assert.equal(done.data.status, "done", done.text);
    const day = stored(h, draft).projects.flatMap((p: { tasks: { description: string }[] }) =>
      p.tasks
    ).find((t: { description: string }) => t.description === "Sprint");
    assert.deepEqual(day?.days.map((d: { date: string; hours: number }) => [d.date, d.hours]), [
      [friday, 1],
    ]);

    // Nothing left to write: no question.
    const again = await h.call("fill_logs_for_days", args);
    assert.equal(again.data.status, "done", again.text);
    assert.equal(again.data.written, 0);

    const draftKept = await h.call("complete_week_log", {
      week_starting: "this week",
      save_draft: true,
    });
    assert.equal(draftKept.data.status, "kept_draft", draftKept.text);
  });
});

Deno.test('confirm: a token minted for "last week" on Sunday 23:58 does not act on Monday 00:01', async () => {
  let now = Temporal.Instant.from("2026-11-29T23:58:00Z"); // Sunday
  await withHarness({ now: () => now }, async (h) => {
    const sunday = { week_starting: "last week" };
    const ask = await h.call("complete_week_log", sunday);
    assert.equal(ask.data.status, "needs_confirmation", ask.text);
    assert.equal(ask.data.week_starting, "2026-11-16");
    const fillArgs = {
      start_date: "last week",
      end_date: "last week",
      project_id: 42,
      description: "Late fill",
    };
    const fillAsk = await h.call("fill_logs_for_days", fillArgs);
    assert.equal(fillAsk.data.status, "needs_confirmation", fillAsk.text);
    const before = saves(h);

    now = Temporal.Instant.from("2026-11-30T00:01:00Z"); // Monday: "last week" is another week
    const r = await h.call("complete_week_log", {
      ...sunday,
      confirmation_token: ask.data.confirmation_token,
    });
    assert.equal(r.isError, true, r.text);
    assert.match(
      r.text,
      /the week changed since the preview \(its entries, or the week a word like "last week" means now\)/,
    );
    const f = await h.call("fill_logs_for_days", {
      ...fillArgs,
      confirmation_token: fillAsk.data.confirmation_token,
    });
    assert.equal(f.isError, true, f.text);
    assert.match(f.text, /the week changed since the preview/);
    assert.equal(saves(h), before, "nothing sent");
    assert.equal(stored(h, "2026-11-16").isCompleted, false);
    assert.equal(stored(h, "2026-11-23").isCompleted, false);
  });
});

Deno.test(
  "confirm: a delete token is bound to the entry's content; the preview says it is not done",
  { ignore: needsSession("confirmation tokens bound to a session") },
  async () => {
    await withHarness({ now: () => NOON }, async (h) => {
      const date = Temporal.PlainDate.from(h.erp.fixtures.weeks.draft).add({ days: 4 }).toString();
      const a = await h.call("create_or_update_log", {
        date,
        project_id: 42,
        description: "Bound",
        hours: 2,
      });
      const ask = await h.call("delete_log", { date, project_id: 42, description: "Bound" });
      assert.equal(ask.data.status, "needs_confirmation");
      assert.equal(ask.data.deleted, undefined, "nothing reads as deleted");
      assert.equal(ask.data.would_delete.entry_id, a.data.entry.entry_id);
      assert.match(ask.text, /^Not deleted yet\. Would delete: /);
      assert.equal(ask.data.day_total.hours, 2);
      assert.equal(ask.data.day_total_after.hours, 0);
      // The entry changes before the person's yes arrives: the token no longer fits.
      await h.call("create_or_update_log", {
        date,
        project_id: 42,
        description: "Bound",
        hours: 5,
      });
      const r = await h.call("delete_log", {
        date,
        project_id: 42,
        description: "Bound",
        confirmation_token: ask.data.confirmation_token,
      });
      assert.equal(r.isError, true, r.text);
      assert.match(r.text, /Refused: the week changed since the preview/);
      assert.doesNotMatch(r.text, /does not match|already used/);
      const day = await h.call("get_day_logs", { date });
      assert.match(day.text, /Bound/);
    });
  },
);

Deno.test("confirm: a client that declared elicitation but never answers gets the token in time", {
  ignore: only2025(
    "2026-07-28 has no server-side wait: input_required returns at once and the client asks the person for as long as it likes",
  ),
}, async () => {
  await withHarness({
    now: () => NOON,
    clientCapabilities: { elicitation: {} },
    env: { MCP_CONFIRM_WAIT_SECONDS: "0.2" },
  }, async (h) => {
    let asked = 0;
    h.client.setRequestHandler(ElicitRequestSchema, (_req, extra) => {
      asked++;
      // The person never answers; the form ends only when the server gives up on it.
      return new Promise((resolve) =>
        extra.signal.addEventListener("abort", () => resolve({ action: "cancel" }))
      );
    });
    const { draft } = h.erp.fixtures.weeks;
    const r = await h.call("complete_week_log", { week_starting: draft });
    assert.equal(asked, 1);
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.status, "needs_confirmation");
    assert.match(r.text, new RegExp(`confirmation_token "${r.data.confirmation_token}"`));
    assert.equal(stored(h, draft).isCompleted, false);
  });
});

Deno.test("confirm: the default form wait ends before the SDK client's request timeout", () => {
  const config = loadConfig([], {
    getEnv: (n) =>
      ({ ERP_API_BASE_URL: "http://127.0.0.1:1/api/v1/" } as Record<string, string>)[n],
    readFile: () => undefined,
    defaultAllowlistPath: "x",
    defaultTimeZone: "UTC",
  });
  assert.ok(
    config.confirmWaitMs < DEFAULT_REQUEST_TIMEOUT_MSEC - 10_000,
    `${config.confirmWaitMs}`,
  );
  assert.equal(config.confirmWaitMs, ELICIT_WAIT_MS);
});

Deno.test("confirm: complete_week_log on a completed week is nothing to do, not an error", async () => {
  await withHarness({ now: () => NOON }, async (h) => {
    const { completed } = h.erp.fixtures.weeks;
    const before = saves(h);
    const r = await h.call("complete_week_log", { week_starting: completed });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.status, "already_completed");
    assert.equal(r.data.is_completed, true);
    assert.match(r.text, /^Nothing to do/);
    assert.equal(saves(h), before);
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
