/** Unit tests of src/logs/resolve.ts: project and label names to ids, never a silent guess. */
import assert from "node:assert/strict";
import type { Label, Team } from "../../src/erp/types.ts";
import { UserError } from "../../src/errors.ts";
import { DEFAULT_LABEL, resolveLabel, resolveTeam } from "../../src/logs/resolve.ts";

const TEAMS: Team[] = [
  { id: 41, team: "Client X / Backend", subteam: "Backend", isActive: true },
  { id: 42, team: "Client Y / Backend", subteam: "Backend", isActive: true },
  { id: 43, team: "Client X / Frontend", subteam: "Frontend", isActive: true },
  { id: 44, team: "Internal", subteam: "Internal", isActive: true },
  { id: 45, team: "Internal Tools", subteam: "Tools", isActive: true },
  { id: 46, team: "Acme / Mobile App", subteam: "Mobile App", isActive: true },
];

const LABELS: Label[] = [
  { id: 66, name: "General" },
  { id: 34, name: "Coding" },
  { id: 35, name: "Code Review" },
  { id: 37, name: "Meeting" },
  { id: 39, name: "Testing" },
  { id: 40, name: "Debugging" },
  { id: 42, name: "Documentation" },
  { id: 44, name: "R&D" },
  { id: 60, name: "Deployment" },
];

/** Expects a UserError; returns its message and hint together, for matching. */
function userError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof UserError, `expected a UserError, got ${error}`);
    return `${error.message}\n${error.hint ?? ""}`;
  }
  assert.fail("expected a UserError");
}

for (
  const c of [
    { name: "exact full name", args: { project_name: "Client X / Backend" }, want: 41 },
    {
      name: "exact full name, any case and spaces",
      args: { project_name: "  client y /  BACKEND " },
      want: 42,
    },
    // "Internal" is also a substring of "Internal Tools": the exact match wins.
    { name: "exact match wins over a substring", args: { project_name: "internal" }, want: 44 },
    { name: "exact short name", args: { project_name: "frontend" }, want: 43 },
    { name: "exact short name with a space", args: { project_name: "Mobile App" }, want: 46 },
    { name: "unique substring of a full name", args: { project_name: "Tools" }, want: 45 },
    { name: "unique substring, any case", args: { project_name: "acme" }, want: 46 },
    {
      name: "unique substring of a full name across a slash",
      args: { project_name: "y / back" },
      want: 42,
    },
    { name: "project_id", args: { project_id: 43 }, want: 43 },
    {
      name: "project_id with a matching name",
      args: { project_id: 41, project_name: "Backend" },
      want: 41,
    },
  ]
) {
  Deno.test(`resolveTeam: ${c.name}`, () => {
    assert.equal(resolveTeam(TEAMS, c.args).id, c.want);
  });
}

Deno.test('resolveTeam: "Backend" is ambiguous and lists both with their ids', () => {
  const text = userError(() => resolveTeam(TEAMS, { project_name: "Backend" }));
  assert.match(text, /^Ambiguous project "Backend": it matches /);
  assert.ok(text.includes('"Client X / Backend" (id 41)'), text);
  assert.ok(text.includes('"Client Y / Backend" (id 42)'), text);
  assert.ok(!text.includes("Frontend"), text);
});

Deno.test("resolveTeam: a substring of several is ambiguous and lists them", () => {
  const text = userError(() => resolveTeam(TEAMS, { project_name: "Client X" }));
  assert.match(text, /^Ambiguous project "Client X"/);
  assert.ok(text.includes('"Client X / Backend" (id 41)'), text);
  assert.ok(text.includes('"Client X / Frontend" (id 43)'), text);
  assert.ok(!text.includes("(id 42)"), text);
});

Deno.test("resolveTeam: an unknown name lists the candidates", () => {
  const text = userError(() => resolveTeam(TEAMS, { project_name: "Payroll" }));
  assert.match(text, /^Unknown project "Payroll"/);
  for (const t of TEAMS) assert.ok(text.includes(`"${t.team}" (id ${t.id})`), text);
});

Deno.test("resolveTeam: an unknown project_id lists the candidates", () => {
  const text = userError(() => resolveTeam(TEAMS, { project_id: 5501 }));
  assert.match(text, /^Unknown project id 5501/);
  assert.ok(text.includes('"Internal" (id 44)'), text);
});

Deno.test("resolveTeam: project_id and a name that does not match it", () => {
  const text = userError(() => resolveTeam(TEAMS, { project_id: 41, project_name: "Frontend" }));
  assert.match(
    text,
    /^Project id 41 is "Client X \/ Backend", which does not match project_name "Frontend"/,
  );
});

for (const args of [{}, { project_name: "" }, { project_name: "   " }]) {
  Deno.test(`resolveTeam: no project (${JSON.stringify(args)})`, () => {
    assert.match(userError(() => resolveTeam(TEAMS, args)), /^No project given/);
  });
}

Deno.test("resolveTeam: no active projects at all", () => {
  assert.match(
    userError(() => resolveTeam([], { project_name: "Backend" })),
    /^Unknown project "Backend"/,
  );
});

for (
  const c of [
    { name: "nothing given: General", args: {}, want: 66 },
    { name: "a blank name: General", args: { label_name: "  " }, want: 66 },
    { name: "exact name", args: { label_name: "Coding" }, want: 34 },
    { name: "any case", args: { label_name: "code review" }, want: 35 },
    { name: "exact wins over substring", args: { label_name: "Testing" }, want: 39 },
    { name: "unique substring", args: { label_name: "review" }, want: 35 },
    { name: "label_id", args: { label_id: 60 }, want: 60 },
    {
      name: "label_id with a name that agrees",
      args: { label_id: 37, label_name: "meeting" },
      want: 37,
    },
  ]
) {
  Deno.test(`resolveLabel: ${c.name}`, () => {
    assert.equal(resolveLabel(LABELS, c.args).id, c.want);
  });
}

Deno.test("resolveLabel: label_id and a name that does not match it", () => {
  const text = userError(() => resolveLabel(LABELS, { label_id: 37, label_name: "Coding" }));
  assert.match(text, /^Label id 37 is "Meeting", which does not match label_name "Coding"/);
});

Deno.test("resolveLabel: the default is named General", () => {
  assert.equal(DEFAULT_LABEL, "General");
});

for (const name of ["Lunch", "Coding stuff", "Generalized"]) {
  Deno.test(`resolveLabel: unknown "${name}" is an error, never General`, () => {
    const text = userError(() => resolveLabel(LABELS, { label_name: name }));
    assert.match(text, new RegExp(`^Unknown label "${name}"`));
    assert.ok(text.includes('"General" (id 66)'), text); // listed as a choice, not chosen
  });
}

Deno.test("resolveLabel: an unknown label_id is an error", () => {
  assert.match(userError(() => resolveLabel(LABELS, { label_id: 999 })), /^Unknown label id 999/);
});

Deno.test('resolveLabel: "Cod" is ambiguous between Coding and Code Review', () => {
  const text = userError(() => resolveLabel(LABELS, { label_name: "Cod" }));
  assert.match(text, /^Ambiguous label "Cod": it matches "Coding", "Code Review"/);
});

Deno.test("resolveLabel: no General among the labels and none named is an error", () => {
  const text = userError(() => resolveLabel([{ id: 1, name: "Coding" }], {}));
  assert.match(text, /^Unknown label "General"/);
});

Deno.test("resolveTeam: spaces around a separator do not matter", () => {
  assert.equal(resolveTeam(TEAMS, { project_name: "Client X/Backend" }).id, 41);
  assert.equal(resolveTeam(TEAMS, { project_name: "client x  /  frontend" }).id, 43);
  assert.equal(resolveTeam(TEAMS, { project_name: "Acme/Mobile" }).id, 46);
});

Deno.test("resolveTeam and resolveLabel: a part matches from the start of a word only", () => {
  assert.equal(resolveTeam(TEAMS, { project_name: "Mobile" }).id, 46);
  assert.match(userError(() => resolveTeam(TEAMS, { project_name: "obile" })), /Unknown project/);
  assert.equal(resolveLabel(LABELS, { label_name: "Deploy" }).id, 60);
  assert.match(
    userError(() => resolveLabel(LABELS, { label_name: "ploy" })),
    /Unknown label "ploy"/,
  );
});
