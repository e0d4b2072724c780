/** Unit tests of src/log.ts: nothing shaped like a token reaches a log line. */
import assert from "node:assert/strict";
import { createLogger, redact } from "../../src/log.ts";

const KEY = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b";
const GOOGLE = "ya29.a0AfB_byC-1234567890abcdefXYZ";

for (
  const c of [
    {
      name: "Token header",
      text: `Authorization: Token ${KEY}`,
      want: "Authorization: Token [redacted]",
    },
    {
      name: "lower-case token",
      text: `sent token ${KEY} to erp`,
      want: "sent token [redacted] to erp",
    },
    {
      name: "Bearer",
      text: `Authorization: Bearer ${GOOGLE}`,
      want: "Authorization: Bearer [redacted]",
    },
    { name: "BEARER", text: `BEARER ${KEY}`, want: "BEARER [redacted]" },
    {
      name: "token= in a query",
      text: `GET /cb?token=${KEY}&state=abc`,
      want: "GET /cb?token=[redacted]&state=abc",
    },
    { name: "token: in a header-like line", text: `token: ${KEY}`, want: "token: [redacted]" },
    {
      name: "JSON token field",
      text: `{"token": "${KEY}", "email": "j@x.y"}`,
      want: `{"token": "[redacted]", "email": "j@x.y"}`,
    },
    {
      name: "JSON token without spaces",
      text: `{"token":"${KEY}"}`,
      want: `{"token":"[redacted]"}`,
    },
    {
      name: "access_token= in a fragment",
      text: `redirect #access_token=${GOOGLE}&state=xyz`,
      want: "redirect #access_token=[redacted]&state=xyz",
    },
    {
      name: "short access_token",
      text: "access_token=abc&x=1",
      want: "access_token=[redacted]&x=1",
    },
    // The second pass writes the name in lower case: harmless, the value is what matters.
    { name: "ACCESS_TOKEN", text: `ACCESS_TOKEN=${GOOGLE}`, want: "access_token=[redacted]" },
    {
      name: "several in one line",
      text: `Token ${KEY} then Bearer ${GOOGLE} then access_token=${GOOGLE}`,
      want: "Token [redacted] then Bearer [redacted] then access_token=[redacted]",
    },
    {
      name: "no secret",
      text: "saved week 382332 for jane@example.com",
      want: "saved week 382332 for jane@example.com",
    },
    { name: "a short word after token", text: "token refused", want: "token refused" },
  ]
) {
  Deno.test(`redact: ${c.name}`, () => {
    const out = redact(c.text);
    assert.equal(out, c.want);
    assert.ok(!out.includes(KEY) && !out.includes(GOOGLE));
  });
}

Deno.test("createLogger: every line is redacted, errors included", () => {
  const lines: string[] = [];
  const log = createLogger((line) => lines.push(line));
  log.info(`signed in with Token ${KEY}`);
  log.warn(`callback #access_token=${GOOGLE}`);
  log.error("ERP call failed", new Error(`header was Bearer ${KEY}`));
  log.error("plain", `token=${KEY}`);
  assert.equal(lines.length, 4);
  for (const line of lines) {
    assert.ok(!line.includes(KEY) && !line.includes(GOOGLE), line);
    assert.ok(line.includes("[redacted]"), line);
  }
  assert.match(lines[0], /^\d{4}-\d{2}-\d{2}T\S+ info signed in with Token \[redacted\]$/);
  assert.match(lines[2], / error ERP call failed: Error: header was Bearer \[redacted\]$/);
});

Deno.test("createLogger: without debug an error shows no stack", () => {
  const lines: string[] = [];
  createLogger((line) => lines.push(line)).error("failed", new TypeError("bad"));
  assert.match(lines[0], / error failed: TypeError: bad$/);
  assert.ok(!lines[0].includes("    at "));
});
