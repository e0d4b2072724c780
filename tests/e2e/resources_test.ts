/** Resources, the week template, prompts and completions, listed and read through a real client. */
import assert from "node:assert/strict";
import { withHarness } from "../helpers.ts";

const NOW = () => Temporal.Instant.from("2026-11-25T12:00:00Z");
const WEEK_TEMPLATE = "project-logs://week/{week_starting}";

function json(r: { contents: unknown[] }) {
  const [c] = r.contents as { text: string; mimeType: string }[];
  assert.equal(c.mimeType, "application/json");
  return JSON.parse(c.text);
}

Deno.test("resources: labels, active projects and recent weeks are listed; the week template too", async () => {
  await withHarness({ now: NOW }, async (h) => {
    const { resources } = await h.client.listResources();
    const uris = resources.map((r) => r.uri);
    assert.ok(uris.includes("project-logs://labels"));
    assert.ok(uris.includes("project-logs://projects"));
    assert.ok(uris.includes("project-logs://week/2026-11-23"), uris.join(", "));
    assert.ok(uris.includes("project-logs://week/2026-10-26"));
    const { resourceTemplates } = await h.client.listResourceTemplates();
    assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate), [WEEK_TEMPLATE]);
  });
});

Deno.test("resources: labels and active projects read from the ERP", async () => {
  await withHarness({ now: NOW }, async (h) => {
    const labels = json(await h.client.readResource({ uri: "project-logs://labels" }));
    assert.equal(labels.length, 9);
    assert.deepEqual(labels.find((l: { id: number }) => l.id === 34), { id: 34, name: "Coding" });
    const projects = json(await h.client.readResource({ uri: "project-logs://projects" }));
    assert.deepEqual(projects[0], {
      team_id: 41,
      project: "Client X / Backend",
      short_name: "Backend",
    });
    assert.equal(projects.length, 5);
  });
});

Deno.test("resources: a week by date, by word, and a week without a log", async () => {
  await withHarness({ now: NOW }, async (h) => {
    const draft = json(await h.client.readResource({ uri: "project-logs://week/2026-10-28" }));
    assert.equal(draft.week_starting, "2026-10-26");
    assert.equal(draft.entries.length, 4);
    assert.equal(draft.total.hours, 32);
    assert.equal(draft.is_completed, false);
    const last = json(await h.client.readResource({ uri: "project-logs://week/last-week" }));
    assert.equal(last.week_starting, "2026-11-16");
    const none = json(await h.client.readResource({ uri: "project-logs://week/2026-11-09" }));
    assert.equal(none.week_log_id, null);
    assert.deepEqual(none.entries, []);
    await assert.rejects(
      h.client.readResource({ uri: "project-logs://week/2026-02-30" }),
      /week_starting "2026-02-30": not a date/,
    );
  });
});

Deno.test("resources: reading while signed out is refused with a reason", async () => {
  await withHarness({ now: NOW, signIn: false }, async (h) => {
    await assert.rejects(h.client.readResource({ uri: "project-logs://labels" }), /sign/i);
  });
});

Deno.test("completions: the week template's variable, and project and label names in prompts", async () => {
  await withHarness({ now: NOW }, async (h) => {
    const week = await h.client.complete({
      ref: { type: "ref/resource", uri: WEEK_TEMPLATE },
      argument: { name: "week_starting", value: "2026-11" },
    });
    assert.deepEqual(week.completion.values.slice(0, 4), [
      "2026-11-30",
      "2026-11-23",
      "2026-11-16",
      "2026-11-09",
    ]);
    const words = await h.client.complete({
      ref: { type: "ref/resource", uri: WEEK_TEMPLATE },
      argument: { name: "week_starting", value: "la" },
    });
    assert.deepEqual(words.completion.values, ["last-week"]);
    const project = await h.client.complete({
      ref: { type: "ref/prompt", name: "log_today" },
      argument: { name: "project", value: "front" },
    });
    assert.deepEqual(project.completion.values, ["Client X / Frontend"]);
    const backend = await h.client.complete({
      ref: { type: "ref/prompt", name: "fill_my_week" },
      argument: { name: "project", value: "backend" },
    });
    assert.deepEqual(backend.completion.values, ["Client X / Backend", "Client Y / Backend"]);
    const label = await h.client.complete({
      ref: { type: "ref/prompt", name: "log_today" },
      argument: { name: "label", value: "co" },
    });
    assert.deepEqual(label.completion.values, ["Coding", "Code Review"]);
    const month = await h.client.complete({
      ref: { type: "ref/prompt", name: "review_my_month" },
      argument: { name: "month", value: "2026-1" },
    });
    assert.deepEqual(month.completion.values, ["2026-11", "2026-10"]);
  });
});

Deno.test("completions: signed out, names complete to nothing rather than failing", async () => {
  await withHarness({ now: NOW, signIn: false }, async (h) => {
    const r = await h.client.complete({
      ref: { type: "ref/prompt", name: "log_today" },
      argument: { name: "project", value: "" },
    });
    assert.deepEqual(r.completion.values, []);
  });
});

Deno.test("prompts: listed with their arguments, and each a recipe naming the right tools and dates", async () => {
  await withHarness({ now: NOW }, async (h) => {
    const { prompts } = await h.client.listPrompts();
    assert.deepEqual(prompts.map((p) => p.name), ["log_today", "fill_my_week", "review_my_month"]);
    const fill = prompts.find((p) => p.name === "fill_my_week")!;
    assert.deepEqual(fill.arguments?.map((a) => [a.name, a.required ?? false]), [
      ["week", false],
      ["project", false],
      ["label", false],
      ["description", false],
    ]);

    const text = async (name: string, args: Record<string, string> = {}) => {
      const r = await h.client.getPrompt({ name, arguments: args });
      return (r.messages[0].content as { text: string }).text;
    };
    const today = await text("log_today", { project: "Mobile App", hours: "2" });
    assert.match(today, /Wednesday 2026-11-25 \(time zone UTC\)/);
    assert.match(today, /get_day_logs/);
    assert.match(today, /create_or_update_log/);
    assert.match(today, /Project: "Mobile App"/);
    assert.match(today, /Label: ask me/);

    const week = await text("fill_my_week", { week: "last week" });
    assert.match(week, /week of 2026-11-16 to 2026-11-22/);
    assert.match(week, /get_missing_days with start_date "2026-11-16", end_date "2026-11-22"/);
    assert.match(week, /dry_run true/);
    assert.match(week, /Never add a full day on top of time already there/);

    const month = await text("review_my_month", { month: "last month" });
    assert.match(month, /from 2026-10-01 to 2026-10-31/);
    assert.match(month, /get_timesheet_summary/);
    assert.match(month, /get_missing_days/);
    assert.match(await text("review_my_month"), /from 2026-11-01 to 2026-11-30/);
    assert.match(await text("review_my_month", { month: "2026-02" }), /to 2026-02-28/);
    await assert.rejects(
      h.client.getPrompt({ name: "review_my_month", arguments: { month: "soon" } }),
      /month "soon"/,
    );
  });
});

Deno.test("resources: a week in a year the ERP cannot hold is refused before any request", async () => {
  await withHarness({}, async (h) => {
    for (const uri of ["project-logs://week/0000-01-03", "project-logs://week/3000-01-06"]) {
      const n = await h.countCalls(() =>
        assert.rejects(() => h.client.readResource({ uri }), /is outside 1900-2999/)
      );
      assert.equal(n, 0, uri);
    }
  });
});

/** Every tool name a text mentions that the server does not list. */
function unlistedTools(text: string, listed: Set<string>): string[] {
  const words = text.match(/\b[a-z]+(?:_[a-z]+)+\b/g) ?? [];
  const toolish = /^(get|create|update|delete|fill|copy|complete|check|sign|authenticate|log)_/;
  return [...new Set(words)].filter((w) => toolish.test(w) && !listed.has(w));
}

Deno.test("read-only mode lists only prompts that need no write tool, and none of them suggests a write", async () => {
  await withHarness({ now: NOW, env: { MCP_READ_ONLY: "true" } }, async (h) => {
    const listed = new Set((await h.client.listTools()).tools.map((t) => t.name));
    assert.ok(!listed.has("create_or_update_log"), "read-only indeed");
    const { prompts } = await h.client.listPrompts();
    const names = prompts.map((p) => p.name).sort();
    assert.deepEqual(names, ["review_my_month"]);
    for (const name of names) {
      const r = await h.client.getPrompt({ name, arguments: {} });
      const text = (r.messages[0].content as { text: string }).text;
      assert.deepEqual(unlistedTools(text, listed), [], `${name}: ${text}`);
      assert.match(text, /read-only/);
    }
    const instructions = h.client.getInstructions() ?? "";
    assert.deepEqual(unlistedTools(instructions, listed), [], instructions);
  });
  // And with writes on, all three prompts, each naming only tools that are listed.
  await withHarness({ now: NOW }, async (h) => {
    const listed = new Set((await h.client.listTools()).tools.map((t) => t.name));
    const { prompts } = await h.client.listPrompts();
    assert.deepEqual(prompts.map((p) => p.name).sort(), [
      "fill_my_week",
      "log_today",
      "review_my_month",
    ]);
    for (const p of prompts) {
      const r = await h.client.getPrompt({ name: p.name, arguments: {} });
      const text = (r.messages[0].content as { text: string }).text;
      assert.deepEqual(unlistedTools(text, listed), [], `${p.name}: ${text}`);
    }
  });
});

// The 2026-07-28 spec (SEP-2164) answers a resource miss with -32602 in every era, and SDK v2 maps
// a thrown -32002 to it; the message still says "Resource not found" and what is served.
Deno.test("resources/read: an unknown or malformed URI is resource-not-found (-32602, message says so), a bad week value invalid params (-32602)", async () => {
  await withHarness({ now: NOW }, async (h) => {
    const cases: [string, number, RegExp][] = [
      ["project-logs://nothing", -32602, /Resource not found: "project-logs:\/\/nothing"/],
      ["not a uri at all", -32602, /Resource not found: "not a uri at all"/],
      ["project-logs://week/", -32602, /Resource not found/],
      ["https://example.com/x", -32602, /this server serves project-logs:\/\/labels/],
      ["project-logs://week/soon", -32602, /week_starting "soon": not a date/],
      ["project-logs://week/2026-02-30", -32602, /week_starting "2026-02-30": not a date/],
      ["project-logs://week/%E0%A4%A", -32602, /week_starting/],
    ];
    for (const [uri, code, message] of cases) {
      const error = await h.client.readResource({ uri }).then(
        () => assert.fail(`${uri} was read`),
        (e) => e as { code: number; message: string },
      );
      assert.equal(error.code, code, `${uri}: ${error.message}`);
      assert.match(error.message, message, uri);
      assert.doesNotMatch(error.message, /internal|ZodError|"code":/i, uri);
    }
    // The good ones still read.
    assert.equal(
      json(await h.client.readResource({ uri: "project-logs://week/last-week" })).week_starting,
      "2026-11-16",
    );
    assert.ok(json(await h.client.readResource({ uri: "project-logs://labels" })).length > 0);
  });
});
