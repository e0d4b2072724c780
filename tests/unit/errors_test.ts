/** Unit tests of src/erp/errors.ts: DRF error bodies to one sentence, HTTP statuses to kinds. */
import assert from "node:assert/strict";
import { ErpError, type ErpErrorKind, erpMessageOf, kindOfStatus } from "../../src/erp/errors.ts";

for (
  const c of [
    { name: "detail", body: { detail: "Not found." }, want: "Not found." },
    {
      name: "error and detail: the detail",
      body: {
        error: "UNAUTHORIZED_PROJECT_ACCESS",
        detail: "Request unsuccessful. You are not part of the project(s)",
      },
      want: "Request unsuccessful. You are not part of the project(s)",
    },
    { name: "error alone", body: { error: "Something failed" }, want: "Something failed" },
    { name: "message", body: { message: "Try later" }, want: "Try later" },
    {
      name: "field map",
      body: { description: ["Ensure this field has no more than 255 characters."] },
      want: "description: Ensure this field has no more than 255 characters.",
    },
    {
      name: "field map with several fields and messages",
      body: { hours: ["Must be positive.", "Too big."], date: ["Outside the week."] },
      want: "hours: Must be positive.; Too big.; date: Outside the week.",
    },
    {
      name: "non_field_errors without a prefix",
      body: { non_field_errors: ["A day cannot hold more than 24 hours."] },
      want: "A day cannot hold more than 24 hours.",
    },
    {
      name: "nested lists of objects",
      body: { projects: [{ tasks: [{ days: [{ label: ["Unknown label 999."] }] }] }] },
      want: "projects: tasks: days: label: Unknown label 999.",
    },
    {
      name: "nested lists with empty items",
      body: { days: [{}, { hours: ["Negative time."] }, {}] },
      want: "days: hours: Negative time.",
    },
    { name: "list of strings", body: ["First.", "Second."], want: "First.; Second." },
    { name: "a string body", body: "  Plain text  ", want: "Plain text" },
    { name: "an empty string", body: "   ", want: undefined },
    { name: "empty object", body: {}, want: undefined },
    { name: "empty list", body: [], want: undefined },
    { name: "null", body: null, want: undefined },
    { name: "a number", body: 42, want: undefined },
  ]
) {
  Deno.test(`erpMessageOf: ${c.name}`, () => {
    assert.equal(erpMessageOf(c.body), c.want);
  });
}

for (
  const [status, kind] of [
    [400, "validation"],
    [422, "validation"],
    [401, "unauthorized"],
    [403, "forbidden"],
    [404, "not_found"],
    [409, "conflict"],
    [429, "rate_limited"],
    [500, "unavailable"],
    [502, "unavailable"],
    [503, "unavailable"],
    [504, "unavailable"],
  ] as [number, ErpErrorKind][]
) {
  Deno.test(`kindOfStatus(${status}) is ${kind}`, () => {
    assert.equal(kindOfStatus(status), kind);
  });
}

Deno.test("ErpError keeps kind, status, the ERP's message and code", () => {
  const e = new ErpError("validation", "ERP answered 400", 400, "Bad", "CODE");
  assert.ok(e instanceof Error);
  assert.equal(e.name, "ErpError");
  assert.equal(e.message, "ERP answered 400");
  assert.equal(e.kind, "validation");
  assert.equal(e.status, 400);
  assert.equal(e.erpMessage, "Bad");
  assert.equal(e.erpCode, "CODE");
  assert.equal(new ErpError("timeout", "t").status, 0);
});

for (
  const c of [
    { kind: "timeout", status: 0, unknown: true },
    { kind: "unavailable", status: 0, unknown: true }, // connection broke: maybe it arrived
    { kind: "unavailable", status: 502, unknown: true },
    { kind: "unavailable", status: 503, unknown: false }, // 503: the ERP did not take it
    { kind: "validation", status: 400, unknown: false },
    { kind: "conflict", status: 409, unknown: false },
    { kind: "unauthorized", status: 401, unknown: false },
  ] as { kind: ErpErrorKind; status: number; unknown: boolean }[]
) {
  Deno.test(`ErpError.outcomeUnknown: ${c.kind} ${c.status} → ${c.unknown}`, () => {
    assert.equal(new ErpError(c.kind, "m", c.status).outcomeUnknown, c.unknown);
  });
}
