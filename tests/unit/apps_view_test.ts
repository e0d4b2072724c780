/** The week grid view's build and its cell parsing. */
import assert from "node:assert/strict";
import { generatedModule, generatedPath, VIEWS } from "../../src/apps/build.ts";
import { hm, parseCell } from "../../src/apps/week_grid/cells.ts";
import { WEEK_GRID_HTML } from "../../src/apps/week_grid/view.generated.ts";

Deno.test("the committed view.generated.ts is what `deno task apps` builds now (run it after editing the view)", async () => {
  for (const view of VIEWS) {
    assert.equal(
      await Deno.readTextFile(generatedPath(view)),
      await generatedModule(view),
      `${view.dir}/view.generated.ts is stale: run \`deno task apps\``,
    );
  }
});

Deno.test("the view is one self-contained document: no external script, style, frame or image", () => {
  // Every tag's src/href attribute, wherever it is (the inline script holds no markup of its own).
  const markup = WEEK_GRID_HTML.replace(/<script type="module">[\s\S]*<\/script>/, "<script>");
  assert.doesNotMatch(markup, /\s(src|href)\s*=/i);
  assert.doesNotMatch(markup, /<link\b/i);
  assert.match(WEEK_GRID_HTML, /<script type="module">.{1000,}<\/script>/s);
  assert.match(WEEK_GRID_HTML, /<style>[\s\S]{500,}<\/style>/);
  // The inline script cannot end early.
  const script = /<script type="module">([\s\S]*)<\/script>/.exec(WEEK_GRID_HTML)![1];
  assert.doesNotMatch(script, /<\/script/i);
});

Deno.test("parseCell: what the write tools read as hours, or empty; refusals in their words", () => {
  const ok: [string, number][] = [
    ["", 0],
    ["8:00", 480],
    ["0:45", 45],
    ["7.25", 435],
    ["7,5", 450],
    ["24", 1440],
    [" 1:05 ", 65],
    ["90m", 90],
    ["1h15", 75],
  ];
  for (const [text, minutes] of ok) assert.deepEqual(parseCell(text), { minutes }, text);
  const bad: [string, RegExp][] = [
    ["25", /^hours must be at most 24 \(and more than 0\); you sent 25$/],
    ["24:01", /^hours must be at most 24 \(and more than 0\); you sent "24:01"$/],
    ["-1", /^hours must be more than 0 \(and at most 24\); you sent -1$/],
    [
      "abc",
      /^hours must be a number, more than 0 and at most 24 \(e\.g\. 1\.5, "1:30" or "90m"\); you sent "abc"$/,
    ],
    ["24:30", /^hours must be at most 24 \(and more than 0\); you sent "24:30"$/],
    ["0.001", /less than one minute/],
  ];
  for (const [text, message] of bad) {
    const r = parseCell(text);
    assert.ok("error" in r, text);
    assert.match(r.error, message);
  }
  assert.equal(hm(0), "0:00");
  assert.equal(hm(65), "1:05");
  assert.equal(hm(1440), "24:00");
});
