/**
 * The harness itself: over stdio through the real launcher (`deno task start`), over Streamable
 * HTTP in-process and through the hosted stack, the same calls give the same results, and a result that breaks its tool's
 * output schema is caught by the client (it listed the tools first).
 */
import assert from "node:assert/strict";
import { withHarness } from "../helpers.ts";

const CALLS: [string, Record<string, unknown>][] = [
  ["whoami", {}],
  ["get_week_logs", { week_starting: "2026-11-16" }],
  ["get_log_labels", {}],
  ["get_day_logs", { date: "2026-11-17" }],
];

Deno.test("harness: stdio through deno task start and the hosted stack answer as local HTTP does", async () => {
  const answers: Record<string, unknown[]> = {};
  for (const transport of ["http", "hosted", "stdio"] as const) {
    await withHarness({ transport }, async (h) => {
      const out: unknown[] = [];
      for (const [name, args] of CALLS) {
        const r = await h.call(name, args);
        assert.equal(r.isError, false, `${transport} ${name}: ${r.text}`);
        out.push(r.data);
      }
      answers[transport] = out;
    });
  }
  // whoami's "since" (when the token was accepted) and "erp" (each run's sandbox port) differ.
  const strip = (list: unknown[]) =>
    list.map((d) => {
      const { since: _s, erp: _e, ...rest } = d as Record<string, unknown>;
      return rest;
    });
  assert.deepEqual(strip(answers.stdio), strip(answers.http));
  assert.deepEqual(strip(answers.hosted), strip(answers.http));
});

Deno.test("harness: over stdio there is no session object to reach into", async () => {
  await withHarness({ transport: "stdio" }, (h) => {
    assert.throws(() => h.session, /no session object over stdio/);
    return Promise.resolve();
  });
});

Deno.test("harness: the client holds each tool's output schema and refuses a result that breaks it", async () => {
  await withHarness({}, async (h) => {
    const client = h.client as unknown as {
      getToolOutputValidator(name: string):
        | ((value: unknown) => { valid: boolean })
        | undefined;
    };
    // Before this test lists anything: the harness did, so the client already checks results.
    assert.ok(client.getToolOutputValidator("whoami"), "harness() listed the tools first");
    const { tools } = await h.client.listTools();
    const withSchema = tools.filter((t) => t.outputSchema);
    assert.ok(withSchema.length >= 16, "the tools declare output schemas");
    for (const t of withSchema) {
      const validate = client.getToolOutputValidator(t.name);
      assert.ok(validate, `${t.name}: the client checks its results`);
      // A result with none of its required fields would be refused by callTool.
      if ((t.outputSchema!.required ?? []).length > 0) {
        assert.equal(validate({}).valid, false, `${t.name}: an empty result is refused`);
      }
    }
  });
});
