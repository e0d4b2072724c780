/** One error row per tool that other suites do not already fail: what the model is told. */
import assert from "node:assert/strict";
import { type Harness, needsSession, withHarness } from "../helpers.ts";

interface Row {
  tool: string;
  args: Record<string, unknown>;
  re: RegExp;
  /** Prepares the sandbox (a fault) before the call. */
  setup?: (h: Harness) => void;
}

const ROWS: Row[] = [
  { tool: "get_day_logs", args: { date: "2026-02-30" }, re: /date "2026-02-30": not a date/ },
  { tool: "get_day_logs", args: { date: "next tuesday" }, re: /not a date/ },
  { tool: "get_month_logs", args: { year: 2026, month: 13 }, re: /month/ },
  {
    tool: "get_active_projects",
    args: {},
    setup: (h) =>
      h.erp.injectFault({
        pathIncludes: "active_project_list",
        status: 503,
        body: "<html>down</html>",
        times: 3,
      }),
    re: /ERP answered 503 with a non-JSON body.*try again in a few minutes/,
  },
  {
    tool: "check_person_week_project_exists",
    args: { date: "2026-11-23", project_name: "Backend" },
    re: /Ambiguous project "Backend"/,
  },
  {
    tool: "update_log",
    args: { entry_id: 1, date: "2026-11-23" },
    re: /Nothing to change/,
  },
  {
    tool: "update_log",
    args: { entry_id: 999999, date: "2026-11-23", hours: 1 },
    re: /Cannot find entry 999999 in the week of 2026-11-23/,
  },
  {
    tool: "update_log",
    args: { entry_id: 999999, hours: 1 },
    re: /Cannot find entry 999999 in the last 8 weeks .*Pass its date/,
  },
  {
    tool: "get_week_logs",
    args: { week_starting: "2026-11-23" },
    setup: (h) =>
      h.erp.injectFault({ pathIncludes: "person/list/", status: 403, body: '{"detail":"Nope."}' }),
    re: /ERP answered 403.*Nope\./,
  },
  {
    tool: "create_or_update_log",
    args: { date: "2026-11-25", project_id: 41, description: "x", hours: 1 },
    setup: (h) =>
      h.erp.injectFault({
        method: "PATCH",
        pathIncludes: "save/",
        status: 400,
        body: '{"days":["Weird rule."]}',
      }),
    re: /The ERP refused the change: days: Weird rule\./,
  },
];

for (const row of ROWS) {
  Deno.test(`${row.tool} ${JSON.stringify(row.args).slice(0, 50)} → isError ${row.re.source.slice(0, 40)}`, async () => {
    await withHarness({}, async (h) => {
      await h.call("whoami");
      row.setup?.(h);
      const r = await h.call(row.tool, row.args);
      assert.equal(r.isError, true, r.text);
      assert.match(r.text, row.re);
      assert.doesNotMatch(r.text, /sandbox-token|<html>|at .*\.ts:\d+/, "no token, HTML or stack");
    });
  });
}

Deno.test("whoami reports an ERP that is down while checking ERP_API_TOKEN, and retries later", {
  ignore: needsSession("ERP_API_TOKEN as a session's sign-in (hosted 2026 names the header)"),
}, async () => {
  await withHarness({}, async (h) => {
    h.erp.injectFault({
      pathIncludes: "core/person/",
      status: 502,
      body: "<html>x</html>",
      times: 3,
    });
    const down = await h.call("whoami");
    assert.equal(down.data.signed_in, false);
    // Says the ERP is unreachable and the token kept, not "sign in again".
    assert.match(down.text, /could not be reached to check the token from ERP_API_TOKEN/);
    assert.match(down.text, /ERP answered 502/);
    assert.match(down.text, /The token is kept/);
    assert.doesNotMatch(down.text, /Not signed in|Sign in with|fresh token/);
    const later = await h.call("whoami");
    assert.equal(later.data.email, "alice@example.com", "the token is tried again, not dropped");
  });
});

Deno.test("an ERP that is down (connection refused) is a clear error naming the ERP", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  await withHarness(
    { env: { ERP_API_BASE_URL: `http://127.0.0.1:${port}/api/v1/` } },
    async (h) => {
      const r = await h.call("get_week_logs", { week_starting: "2026-11-23" });
      assert.equal(r.isError, true);
      assert.match(r.text, new RegExp(`Cannot reach the ERP at http://127.0.0.1:${port}`));
      assert.match(r.text, /try again in a few minutes/);
    },
  );
});

Deno.test(
  "whoami with the ERP unreachable (connection refused) keeps the token and does not send the person for a new one",
  { ignore: needsSession("ERP_API_TOKEN as a session's sign-in (hosted 2026 names the header)") },
  async () => {
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close();
    await withHarness(
      { env: { ERP_API_BASE_URL: `http://127.0.0.1:${port}/api/v1/` } },
      async (h) => {
        const who = await h.call("whoami");
        assert.equal(who.isError, false, who.text);
        assert.equal(who.data.signed_in, false);
        assert.match(
          who.text,
          /^Cannot confirm the sign-in yet: the ERP at http:\/\/127\.0\.0\.1:\d+/,
        );
        assert.match(who.text, /The token is kept/);
        assert.match(who.text, /try again in a few minutes/);
        assert.doesNotMatch(who.text, /Not signed in|Sign in with|authenticate_with_token/);
        assert.equal(who.data.erp_unreachable, true);
        assert.ok(h.session.hasPendingToken, "the token is still held");
      },
    );
  },
);

Deno.test("whoami with a token the ERP refuses (401) still says to sign in again", {
  ignore: needsSession("ERP_API_TOKEN as a session's sign-in (hosted 2026 names the header)"),
}, async () => {
  await withHarness({}, async (h) => {
    h.erp.injectFault({ pathIncludes: "core/person/", status: 401, body: "{}", times: 1 });
    const who = await h.call("whoami");
    assert.equal(who.data.signed_in, false);
    assert.match(who.text, /^Not signed in/);
    assert.match(who.text, /authenticate_with_token/);
    assert.equal(who.data.erp_unreachable, undefined);
    assert.doesNotMatch(who.text, /token is kept/);
  });
});
