/**
 * Each refused confirmation token says why, through a real MCP client against the sandbox: the
 * arguments differ, the week changed since the preview, the token was already used, it expired.
 */
import assert from "node:assert/strict";
import { type Harness, needsSession, withHarness } from "../helpers.ts";

const NOON = Temporal.Instant.from("2026-11-25T12:00:00Z");
const saves = (h: Harness) => h.erp.calls.filter((c) => c.path.includes("save/")).length;
/** The stored minutes of the task `description` on `date` in the current week (sandbox). */
function minutesOn(h: Harness, date: string, description: string): number[] {
  const week = h.erp.weekLog("alice@example.com", "2026-11-23")!;
  return week.projects.flatMap((p) => p.tasks).filter((t) => t.description === description)
    .flatMap((t) => t.days.filter((d) => d.date === date).map((d) => d.hours * 60 + d.minutes));
}

Deno.test(
  "confirm refusals: other arguments, a week changed since the preview, a token already used",
  { ignore: needsSession("confirmation tokens bound to a session") },
  async () => {
    await withHarness({ now: () => NOON }, async (h) => {
      const fill = {
        start_date: "2026-11-25",
        end_date: "2026-11-25",
        project_id: 42,
        description: "Token work",
        hours_per_day: 2,
      };
      const ask = await h.call("fill_logs_for_days", fill);
      assert.equal(ask.data.status, "needs_confirmation", ask.text);
      // A session client is told the token is for this session.
      assert.match(ask.text, /works only in this session/);
      const token = ask.data.confirmation_token;

      // Other arguments: the token was issued for another call.
      const other = await h.call("fill_logs_for_days", {
        ...fill,
        hours_per_day: 3,
        confirmation_token: token,
      });
      assert.equal(other.isError, true, other.text);
      assert.match(other.text, /^Refused: the confirmation_token does not match this call/);

      // The same arguments, but the entry changed since the preview (its hours, by another call).
      const which = { date: "2026-11-24", project_id: 42, description: "Doomed" };
      await h.call("create_or_update_log", { ...which, hours: 1 });
      const del = await h.call("delete_log", which);
      assert.equal(del.data.status, "needs_confirmation", del.text);
      await h.call("create_or_update_log", { ...which, hours: 4 });
      const n = saves(h);
      const changed = await h.call("delete_log", {
        ...which,
        confirmation_token: del.data.confirmation_token,
      });
      assert.equal(changed.isError, true, changed.text);
      assert.match(changed.text, /^Refused: the week changed since the preview/);
      assert.match(changed.text, /preview again/);
      assert.doesNotMatch(changed.text, /does not match|already used|expired/);
      assert.equal(saves(h), n, "nothing saved");
      assert.deepEqual(minutesOn(h, "2026-11-24", "Doomed"), [240], "the entry is kept");

      // A token used once, whose save the ERP refused: the same call again says it was used.
      const again = await h.call("fill_logs_for_days", { ...fill, mode: "top_up" });
      assert.equal(again.data.status, "needs_confirmation", again.text);
      h.erp.injectFault({
        method: "PATCH",
        pathIncludes: "save/",
        status: 400,
        body: '{"detail":"No"}',
      });
      const first = await h.call("fill_logs_for_days", {
        ...fill,
        mode: "top_up",
        confirmation_token: again.data.confirmation_token,
      });
      assert.equal(first.isError, true, first.text);
      assert.equal(first.data.failed, 1, first.text);
      const reused = await h.call("fill_logs_for_days", {
        ...fill,
        mode: "top_up",
        confirmation_token: again.data.confirmation_token,
      });
      assert.equal(reused.isError, true, reused.text);
      assert.match(reused.text, /^Refused: this confirmation_token was already used/);
      assert.doesNotMatch(reused.text, /does not match/);
      assert.deepEqual(minutesOn(h, "2026-11-25", "Token work"), [], "still nothing stored");
    });
  },
);

Deno.test("confirm: a token pasted back with spaces or a line break around it still confirms", async () => {
  await withHarness({ now: () => NOON }, async (h) => {
    const fill = {
      start_date: "2026-11-25",
      end_date: "2026-11-25",
      project_id: 42,
      description: "Padded token",
      hours_per_day: 2,
    };
    const ask = await h.call("fill_logs_for_days", fill);
    assert.equal(ask.data.status, "needs_confirmation", ask.text);
    const done = await h.call("fill_logs_for_days", {
      ...fill,
      confirmation_token: ` ${ask.data.confirmation_token}\n`,
    });
    assert.equal(done.isError, false, done.text);
    assert.deepEqual(minutesOn(h, "2026-11-25", "Padded token"), [120]);
  });
});
