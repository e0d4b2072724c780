/** The tool surface is reviewed as a diff: the golden snapshot and the README table must be fresh. */
import assert from "node:assert/strict";
import { GOLDEN_PATH, goldenText, listTools, toolTable, withToolTable } from "../src/tools/docs.ts";

Deno.test("tools/list matches the golden snapshot (run `deno task docs` after a deliberate change)", async () => {
  const tools = await listTools();
  assert.equal(goldenText(tools), await Deno.readTextFile(GOLDEN_PATH));
});

Deno.test("the README's tool table is generated from the registry (run `deno task docs`)", async () => {
  const readme = await Deno.readTextFile("README.md");
  assert.equal(withToolTable(readme, toolTable(await listTools())), readme);
});

Deno.test("every tool has a title, a described and bounded input, an output schema and annotations", async () => {
  for (const t of await listTools()) {
    const name = String(t.name);
    assert.ok(t.title, `${name} title`);
    assert.ok(String(t.description).length > 40, `${name} description`);
    const input = t.inputSchema as { properties?: Record<string, { description?: string }> };
    for (const [p, s] of Object.entries(input.properties ?? {})) {
      assert.ok(s.description, `${name}.${p} has a description`);
    }
    assert.ok(t.outputSchema, `${name} output schema`);
    const ann = t.annotations as Record<string, unknown>;
    assert.equal(typeof ann.readOnlyHint, "boolean", `${name} readOnlyHint`);
    if (ann.readOnlyHint === false) {
      assert.equal(typeof ann.destructiveHint, "boolean", `${name} destructiveHint`);
      assert.equal(typeof ann.idempotentHint, "boolean", `${name} idempotentHint`);
    }
  }
});

Deno.test("update_log's label arguments say the label is kept when neither is given (no default General)", async () => {
  const tools = await listTools();
  const props = (name: string) =>
    (tools.find((t) => t.name === name)!.inputSchema as {
      properties: Record<string, { description: string }>;
    }).properties;
  const update = props("update_log");
  assert.match(update.label_name.description, /keeps its label/);
  assert.doesNotMatch(update.label_name.description, /default "General"/);
  assert.match(update.label_id.description, /keep the entry's label/);
  assert.match(props("create_or_update_log").label_name.description, /default "General"/);
});
