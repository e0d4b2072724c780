/** The input helpers on their own: leniency limits, cleaning, the portable schema subset. */
import assert from "node:assert/strict";
import { z } from "zod";
import { UserError } from "../../src/errors.ts";
import { parseInput, portableSchema, toolInput } from "../../src/tools/input.ts";
import { cleanText, descriptionArg, yearInRange } from "../../src/tools/schemas.ts";

const input = toolInput({
  n: z.number().int().min(1).max(12),
  x: z.number().gt(0).max(24).optional(),
  flag: z.boolean().default(false),
  note: z.string().nullable().optional(),
  list: z.array(z.number()).optional(),
}, {});

function refused(raw: unknown): string {
  try {
    parseInput("t", input, raw);
  } catch (error) {
    assert.ok(error instanceof UserError);
    return error.message;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
}

Deno.test("leniency: numeric strings, true/false in any case, null as not given; nested lists too", () => {
  assert.deepEqual(
    parseInput("t", input, { n: "7", x: "0.5", flag: "TRUE", list: ["1", 2] }),
    { n: 7, x: 0.5, flag: true, list: [1, 2] },
  );
  assert.deepEqual(parseInput("t", input, { n: 1, x: null, flag: "false" }), { n: 1, flag: false });
  assert.deepEqual(
    parseInput("t", input, { n: " 7 ", x: "" }),
    { n: 7, flag: false },
    "a padded number is the number; an empty optional is not given",
  );
  assert.deepEqual(parseInput("t", input, { n: 1, note: null }), {
    n: 1,
    flag: false,
    note: null,
  }, "null stays a value where the schema allows null");
});

Deno.test("anything else stays refused, in plain words naming the value", () => {
  for (const bad of ["7a", "7 7", "", "0x10", "Infinity", "1e400", "seven"]) {
    assert.match(
      refused({ n: bad }),
      /n must be a whole number, at least 1 and at most 12; you sent/,
    );
  }
  for (const bad of ["yes", "1", "True ", "on"]) {
    assert.match(refused({ n: 1, flag: bad }), /flag must be true or false; you sent/);
  }
  assert.match(refused({ n: 1, x: 0 }), /x must be more than 0 \(and at most 24\); you sent 0/);
  assert.match(refused({ n: 2.5 }), /n must be a whole number.*you sent 2\.5/);
  assert.match(refused({}), /n is required/);
  assert.match(refused(["n"]), /the arguments must be an object/);
  assert.match(
    refused({ n: "\u001b[31m" }),
    /you sent "\\u001b\[31m"/,
    "control characters escaped",
  );
});

Deno.test("cleanText: NFKC, no invisible, bidi, ANSI or control characters, one space", () => {
  const cases: [string, string][] = [
    ["Cafe\u0301", "Caf\u00e9"],
    ["Co\u200bde\u200d re\u2060view\ufeff", "Code review"],
    ["\u202eevil\u202c \u2066x\u2069", "evil x"],
    ["\u001b[1;31mred\u001b[0m", "red"],
    ["\u001b]0;title\u0007ok", "ok"],
    ["a\u0000b\tc\r\nd", "a b c d"],
    ["  many   spaces\u00a0\u00a0here ", "many spaces here"],
    ["soft\u00adhyphen", "softhyphen"],
    ["\u200b\u200c\u200d", ""],
  ];
  for (const [raw, want] of cases) assert.equal(cleanText(raw), want, JSON.stringify(raw));
  assert.equal(descriptionArg.safeParse("\u200b \u200d").success, false);
  assert.equal(descriptionArg.parse(" Review\u200d "), "Review");
});

Deno.test("yearInRange: 1900 to 2999, four digits, no sign", () => {
  for (const ok of ["1900-01-01", "2026-11-25", "2999-12-31", "today", "last week", "2026-02-30"]) {
    assert.ok(yearInRange(ok), ok);
  }
  for (const bad of ["0000-01-01", "1899-12-31", "3000-01-01", "10000-01-01", "+002026-01-01"]) {
    assert.ok(!yearInRange(bad), bad);
  }
});

Deno.test("portableSchema: exclusive bounds, defaults, nullable unions and other keywords", () => {
  const out = portableSchema({
    $schema: "http://json-schema.org/draft-07/schema#",
    type: "object",
    additionalProperties: false,
    properties: {
      id: { type: "integer", exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER },
      h: { type: "number", exclusiveMinimum: 0, maximum: 24, description: "more than 0" },
      by: { type: "string", enum: ["a", "b"], default: "a", description: "a or b" },
      maybe: { anyOf: [{ type: "string", format: "email" }, { type: "null" }], description: "m" },
      t: { type: ["string", "null"], pattern: "^x" },
    },
    required: ["id"],
  });
  assert.deepEqual(out, {
    type: "object",
    properties: {
      id: { type: "integer", minimum: 1 },
      h: { type: "number", minimum: 0, maximum: 24, description: "more than 0" },
      by: { type: "string", enum: ["a", "b"], description: 'a or b (default "a")' },
      maybe: { type: "string", description: "m" },
      t: { type: "string" },
    },
    required: ["id"],
  });
});
