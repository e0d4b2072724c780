/**
 * Tool inputs as real clients send them, checked by the server itself (not the SDK) so that a bad
 * value comes back as an `isError` result in plain words, and the JSON Schema clients see stays
 * inside what every major model provider accepts.
 *
 * Leniency, the same for every tool: a numeric string where a number is expected (`"2026"`), a
 * duration as people write it where hours are (`"1:30"`, `"90m"`, `"1h30"`, `"2,5"`),
 * `"true"` / `"false"` (any case, nothing else) where a boolean is, a choice in any case, and
 * `null`, `""` or `"null"` for an optional parameter means "not given". Anything else is refused with the parameter, its bounds and the
 * value sent.
 */
import { z } from "zod";
import { UserError } from "../errors.ts";

type Shape = z.ZodRawShape;
type Json = Record<string, unknown>;
// deno-lint-ignore no-explicit-any
type AnySchema = any;

/** Keywords an advertised input schema may use: the subset Gemini, OpenAI and Anthropic accept. */
export const PORTABLE_KEYWORDS: ReadonlySet<string> = new Set([
  "type",
  "description",
  "properties",
  "required",
  "items",
  "enum",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
]);

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;
const BOOLEAN = /^(true|false)$/i;
const WRAPPERS = new Set(["optional", "default", "nullable", "readonly", "prefault", "catch"]);

function defOf(schema: AnySchema): { type: string; [k: string]: AnySchema } {
  return schema?._zod?.def ?? { type: "unknown" };
}

/** The schema under optional/default/nullable wrappers; `nullable` says if null is a value. */
function unwrap(schema: AnySchema): { base: AnySchema; nullable: boolean } {
  let s = schema;
  let nullable = false;
  for (let i = 0; i < 10 && WRAPPERS.has(defOf(s).type); i++) {
    if (defOf(s).type === "nullable") nullable = true;
    s = defOf(s).innerType;
  }
  if (defOf(s).type === "pipe") return { base: defOf(s).in, nullable };
  return { base: s, nullable };
}

/** A field whose number is a duration in hours (its metadata says `unit: "hours"`). */
function isHours(base: AnySchema): boolean {
  return (z.globalRegistry.get(base) as { unit?: unknown } | undefined)?.unit === "hours";
}

const CLOCK = /^(\d{1,2}):([0-5]\d)$/;
const UNITS =
  /^(?:(\d+(?:[.,]\d+)?)\s*(?:h|hr|hrs|hour|hours))?\s*(?:(\d+)\s*(?:m|min|mins|minute|minutes)?)?$/i;

/**
 * A duration as people write it, in decimal hours: `"1:30"` (h:mm), `"90m"` / `"90 min"`,
 * `"1h30"` / `"1 h 30 min"`, `"8 h"`, `"2,5"` (a decimal comma). Undefined when `text` is none
 * of those; a plain number is left to the numeric check.
 */
export function durationHours(text: string): number | undefined {
  const t = text.trim();
  const clock = CLOCK.exec(t);
  if (clock) return Number(clock[1]) + Number(clock[2]) / 60;
  if (/^\d+,\d+$/.test(t)) return Number(t.replace(",", "."));
  const m = UNITS.exec(t);
  if (!m || (m[1] === undefined && m[2] === undefined) || !/[a-z]/i.test(t)) return undefined;
  const hours = m[1] === undefined ? 0 : Number(m[1].replace(",", "."));
  // "1h30": the number after the hours is minutes; a lone number with a unit is minutes too.
  return hours + (m[2] === undefined ? 0 : Number(m[2]) / 60);
}

/** One value, coerced where a client's serializer is known to differ from the schema's type. */
function coerce(schema: AnySchema, value: unknown): unknown {
  const { base } = unwrap(schema);
  const def = defOf(base);
  switch (def.type) {
    case "number":
    case "int":
      if (typeof value !== "string") return value;
      if (NUMERIC.test(value.trim()) && Number.isFinite(Number(value.trim()))) {
        return Number(value.trim());
      }
      return isHours(base) ? durationHours(value) ?? value : value;
    case "boolean":
      // Exactly "true" or "false", any case: nothing looser is a boolean.
      return typeof value === "string" && BOOLEAN.test(value)
        ? value.toLowerCase() === "true"
        : value;
    case "enum": {
      // A choice in another case ("EVERY_DAY") is the choice; an unknown word stays refused.
      if (typeof value !== "string") return value;
      const options = Object.values(def.entries ?? {}) as unknown[];
      const hit = options.find((o) =>
        typeof o === "string" && o.toLowerCase() === value.trim().toLowerCase()
      );
      return hit ?? value;
    }
    case "array":
      return Array.isArray(value) ? value.map((v) => coerce(def.element, v)) : value;
    case "object":
      return isPlainObject(value) ? lenientObject(def.shape, value) : value;
    default:
      return value;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function lenientObject(shape: Shape, args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    const field = shape[key];
    if (!field) {
      out[key] = value;
      continue;
    }
    const { nullable } = unwrap(field);
    if (value === null && !nullable) continue; // null for an optional parameter: not given
    // "" for an optional parameter: not given either (some clients fill every field of a form),
    // nor is the text "null" (the MCP Inspector's CLI sends `--tool-arg email=null` so).
    if ((value === "" || value === "null") && (field as AnySchema).safeParse(undefined).success) {
      continue;
    }
    out[key] = coerce(field, value);
  }
  return out;
}

/** A value as quoted in a message: JSON, invisible and control characters escaped, shortened. */
export function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  text = text.replace(
    // deno-lint-ignore no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function pathName(path: readonly PropertyKey[]): string {
  return path.map((p, i) =>
    typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`
  ).join("");
}

/** The lower and upper bounds of a property, in words, from its JSON Schema. */
function boundsOf(js: Json | undefined): { lo?: string; hi?: string } {
  if (!js) return {};
  const MAX = Number.MAX_SAFE_INTEGER;
  if (js.type === "string") {
    const min = js.minLength as number | undefined;
    const max = js.maxLength as number | undefined;
    return {
      lo: min === 1 ? "not empty" : min ? `at least ${min} characters long` : undefined,
      hi: max !== undefined ? `at most ${max} characters long` : undefined,
    };
  }
  return {
    lo: typeof js.exclusiveMinimum === "number"
      ? `more than ${js.exclusiveMinimum}`
      : typeof js.minimum === "number" && js.minimum > -MAX
      ? `at least ${js.minimum}`
      : undefined,
    hi: typeof js.exclusiveMaximum === "number"
      ? `less than ${js.exclusiveMaximum}`
      : typeof js.maximum === "number" && js.maximum < MAX
      ? `at most ${js.maximum}`
      : undefined,
  };
}

/** The broken bound first, the other in brackets: "at most 24 (and more than 0)". */
function boundsText(first?: string, other?: string): string {
  return first ? (other ? `${first} (and ${other})` : first) : other ?? "";
}

const KIND: Record<string, string> = {
  number: "a number",
  int: "a whole number",
  integer: "a whole number",
  boolean: "true or false",
  string: "text",
  array: "a list",
  object: "an object",
};

/** The JSON Schema of the value at `path` (object properties, array items), if there is one. */
function schemaAt(node: Json, path: readonly PropertyKey[]): Json | undefined {
  let at: Json | undefined = node;
  for (const key of path) {
    const next: unknown = typeof key === "number"
      ? at?.items
      : (at?.properties as Record<string, unknown> | undefined)?.[String(key)];
    if (!isPlainObject(next)) return undefined;
    at = next;
  }
  return path.length ? at : undefined;
}

/** One zod issue in plain words, naming the parameter, its bounds and the value sent. */
function issueText(issue: z.core.$ZodIssue, props: Record<string, Json>): string {
  const p = pathName(issue.path) || "the arguments";
  const js = schemaAt({ properties: props }, issue.path);
  const input = (issue as { input?: unknown }).input;
  const sent = input === undefined ? "" : `; you sent ${shown(input)}`;
  if (input === undefined && issue.code === "invalid_type") return `${p} is required`;
  const { lo, hi } = boundsOf(js);
  switch (issue.code) {
    case "invalid_type": {
      const kind = KIND[issue.expected] ?? issue.expected;
      const intish = js?.type === "integer" ? "a whole number" : kind;
      const bounds = js?.type === "string" ? "" : [lo, hi].filter(Boolean).join(" and ");
      const forms = js?.unit === "hours" ? ' (e.g. 1.5, "1:30" or "90m")' : "";
      return `${p} must be ${bounds ? `${intish}, ${bounds}` : intish}${forms}${sent}`;
    }
    case "too_small":
    case "too_big": {
      const small = issue.code === "too_small";
      if (issue.origin === "string") {
        const length = typeof input === "string" ? `; you sent ${input.length} characters` : sent;
        if (small && Number(issue.minimum) <= 1) {
          return `${p} must not be empty (nor only invisible or control characters)${sent}`;
        }
        return `${p} must be ${boundsText(small ? lo : hi, small ? hi : lo)}${length}`;
      }
      if ((small ? lo : hi) === undefined && typeof input === "number") {
        // The implicit bound of a whole number (JavaScript's safe integers), not the schema's own.
        const range =
          (small ? ["at least -9007199254740991", hi] : [lo, "at most 9007199254740991"])
            .filter(Boolean).join(" and ");
        return `${p} is too ${small ? "small" : "large"}: it must be a whole number ${
          js?.type === "integer" ? range : "in range"
        }${sent}`;
      }
      const text = small ? boundsText(lo, hi) : boundsText(hi, lo);
      return text ? `${p} must be ${text}${sent}` : `${p} is too ${small ? "small" : "big"}${sent}`;
    }
    case "invalid_value":
      return `${p} must be one of ${issue.values.map((v) => shown(v)).join(", ")}${sent}`;
    case "custom":
      return `${
        issue.message.startsWith(p)
          ? issue.message
          : /^must /.test(issue.message)
          ? `${p} ${issue.message}`
          : `${p}: ${issue.message}`
      }${sent}`;
    default:
      return `${p}: ${issue.message}${sent}`;
  }
}

/** A tool's schemas, built once: the input checker, the advertised schemas, the output checker. */
export interface ToolInput {
  readonly schema: z.ZodObject;
  /** Checks the structured data of a successful result. */
  readonly output: z.ZodObject;
  /** The output's JSON Schema, as advertised. */
  readonly outputJson: Json;
  /** The full JSON Schema (with exclusive bounds), for messages. */
  readonly jsonSchema: Json;
  /** The advertised JSON Schema, in the portable subset. */
  readonly advertised: Json;
}

/** Builds a tool's checkers and advertised schemas once. */
export function toolInput(shape: Shape, outShape: Shape): ToolInput {
  const schema = z.object(shape);
  const output = z.object(outShape);
  const jsonSchema = z.toJSONSchema(schema, { io: "input", target: "draft-7" }) as Json;
  return {
    schema,
    output,
    outputJson: z.toJSONSchema(output, { io: "output", target: "draft-7" }) as Json,
    jsonSchema,
    advertised: portableSchema(jsonSchema),
  };
}

/**
 * Checks raw arguments: lenient on client serializer quirks, strict on everything else.
 * Throws a UserError that names every wrong parameter, its bounds and the value sent.
 */
export function parseInput(tool: string, input: ToolInput, raw: unknown): Record<string, unknown> {
  if (raw !== undefined && raw !== null && !isPlainObject(raw)) {
    throw new UserError(
      `Cannot run ${tool}: the arguments must be an object; you sent ${shown(raw)}`,
      "Pass the parameters as named fields.",
    );
  }
  const shape = input.schema.shape as Shape;
  const args = lenientObject(shape, (raw ?? {}) as Record<string, unknown>);
  const r = input.schema.safeParse(args, { reportInput: true });
  if (r.success) return r.data as Record<string, unknown>;
  const props = (input.jsonSchema.properties ?? {}) as Record<string, Json>;
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const issue of r.error.issues) {
    const key = pathName(issue.path);
    if (seen.has(key)) continue;
    seen.add(key);
    parts.push(issueText(issue, props));
  }
  throw new UserError(
    `Cannot run ${tool}: ${parts.join("; ")}`,
    "Correct the value and call the tool again; its input schema gives every parameter's type and bounds.",
  );
}

/**
 * A JSON Schema reduced to the portable subset: exclusive bounds become inclusive ones (a whole
 * number's `> 0` is `>= 1`; a decimal's `> 0` is advertised as `>= 0`, its description saying
 * "more than", and the server still refuses 0), a default moves into the description, a nullable
 * union keeps its non-null branch, and any other keyword is dropped.
 */
export function portableSchema(node: Json): Json {
  const anyOf = (node.anyOf ?? node.oneOf) as Json[] | undefined;
  if (anyOf) {
    const branches = anyOf.filter((b) => b.type !== "null");
    if (branches.length === 1) {
      return portableSchema({ ...branches[0], description: node.description });
    }
  }
  const out: Json = {};
  let type = node.type;
  if (Array.isArray(type)) type = type.find((t) => t !== "null") ?? "string";
  if (type !== undefined) out.type = type;
  let description = node.description as string | undefined;
  if (node.default !== undefined && !/default/i.test(description ?? "")) {
    description = `${description ? `${description} ` : ""}(default ${
      JSON.stringify(node.default)
    })`;
  }
  if (description) out.description = description;
  const MAX = Number.MAX_SAFE_INTEGER;
  for (const [key, value] of Object.entries(node)) {
    if (key === "type" || key === "description") continue;
    if (key === "properties") {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, Json>).map(([k, v]) => [k, portableSchema(v)]),
      );
    } else if (key === "items" && value && typeof value === "object" && !Array.isArray(value)) {
      out.items = portableSchema(value as Json);
    } else if (key === "exclusiveMinimum" && typeof value === "number") {
      out.minimum = type === "integer" ? Math.floor(value) + 1 : value;
    } else if (key === "exclusiveMaximum" && typeof value === "number") {
      out.maximum = type === "integer" ? Math.ceil(value) - 1 : value;
    } else if (key === "maximum" && value === MAX) continue;
    else if (key === "minimum" && value === -MAX) continue;
    else if (key === "enum" && Array.isArray(value)) out.enum = value.filter((v) => v !== null);
    else if (PORTABLE_KEYWORDS.has(key)) out[key] = value;
  }
  if (out.type === "object" && !out.properties) out.properties = {};
  return out;
}
