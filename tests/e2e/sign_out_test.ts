/**
 * sign_out stops the session's calls still running: a read in flight is aborted at the ERP, a
 * write the ERP already received finishes and is reported. Through a real MCP client against
 * the sandbox over HTTP; the sandbox holds a request until the test lets it go.
 */
import assert from "node:assert/strict";
import type { Harness } from "../helpers.ts";
import { needsSession, withHarness } from "../helpers.ts";

/** Resolves when the sandbox receives a request whose method and path match. */
function arrival(h: Harness, method: string, pathPart: string): Promise<void> {
  return new Promise((resolve) => {
    h.erp.onRequest = (call) => {
      if (call.method === method && call.path.includes(pathPart)) resolve();
    };
  });
}

Deno.test("sign_out aborts a read still running; the call says it was stopped", {
  ignore: needsSession("sign_out (a session to sign out of)"),
}, async () => {
  await withHarness({}, async (h) => {
    await h.call("whoami");
    // Held far longer than the test may take: only an abort ends it early.
    h.erp.injectFault({ pathIncludes: "active_project_list", delayMs: 120_000 });
    const arrived = arrival(h, "GET", "active_project_list");
    const read = h.call("get_active_projects");
    await arrived;
    const out = await h.call("sign_out");
    assert.equal(out.data.email, "alice@example.com");
    const r = await read;
    assert.equal(r.isError, true, r.text);
    assert.match(r.text, /Stopped: this session signed out while the call was running/);
    const answered = h.erp.calls.filter((c) => c.path.includes("active_project_list"));
    assert.ok(answered.every((c) => c.status !== 200), "the held read was never answered");
    assert.equal((await h.call("whoami")).data.signed_in, false);
  });
});

Deno.test("sign_out lets a write the ERP already received finish, and its call reports it", {
  ignore: needsSession("sign_out (a session to sign out of)"),
}, async () => {
  await withHarness({}, async (h) => {
    const { draft } = h.erp.fixtures.weeks;
    const friday = Temporal.PlainDate.from(draft).add({ days: 4 }).toString();
    const before = h.erp.weekLog("alice@example.com", draft)!;
    const minutesOn = (w: typeof before, date: string) =>
      w.projects.flatMap((p) => p.tasks).flatMap((t) => t.days).filter((d) => d.date === date)
        .reduce((sum, d) => sum + d.hours * 60 + d.minutes, 0);
    assert.equal(minutesOn(before, friday), 0, "the seed's draft Friday is empty");
    h.erp.injectFault({ method: "PATCH", pathIncludes: "/save/", delayMs: 120_000 });
    const arrived = arrival(h, "PATCH", "/save/");
    const write = h.call("create_or_update_log", {
      date: friday,
      project_id: 41,
      description: "Sent before the sign-out",
      hours: 2,
    });
    await arrived;
    await h.call("sign_out");
    h.erp.abortDelays(); // the held PATCH is now handled normally
    const r = await write;
    assert.equal(r.isError, false, r.text);
    const after = h.erp.weekLog("alice@example.com", draft)!;
    assert.equal(minutesOn(after, friday), 120, "the write was stored");
    assert.equal((await h.call("whoami")).data.signed_in, false);
  });
});

Deno.test("sign_out cancels a preset token still being checked: the session stays signed out", {
  ignore: needsSession("sign_out (a session to sign out of)"),
}, async () => {
  await withHarness({}, async (h) => {
    h.erp.injectFault({ pathIncludes: "core/person/", delayMs: 120_000 });
    const arrived = arrival(h, "GET", "core/person/");
    const who = h.call("get_log_labels");
    await arrived;
    await h.call("sign_out");
    const r = await who;
    assert.equal(r.isError, true);
    assert.match(r.text, /signed out while the call was running/);
    assert.equal((await h.call("whoami")).data.signed_in, false);
    assert.equal(h.session.credentials, undefined);
  });
});
