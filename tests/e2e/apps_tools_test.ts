/**
 * The week grid's app-only tools, called like every tool through a real MCP client: the session,
 * the allowlist, confirmation before deleting, the week edit's checks, the read-only filter. What
 * is stored is read from the sandbox ERP's records.
 */
import assert from "node:assert/strict";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { withHarness } from "../helpers.ts";
import { hosted } from "./hosted_helpers.ts";

const UI = {
  extensions: { "io.modelcontextprotocol/ui": { mimeTypes: ["text/html;profile=mcp-app"] } },
};

Deno.test("week_grid_load: not signed in is refused like every tool", async () => {
  await withHarness({ signIn: false, clientCapabilities: UI }, async (h) => {
    const r = await h.call("week_grid_load", { week_starting: h.erp.fixtures.weeks.draft });
    assert.equal(r.isError, true);
    assert.match(r.text, /Not signed in/);
  });
});

Deno.test("week_grid_load: a person not on the allowlist gets nothing from the ERP", async () => {
  await withHarness({ signIn: "bob", clientCapabilities: UI }, async (h) => {
    const r = await h.call("week_grid_load", { week_starting: h.erp.fixtures.weeks.draft });
    assert.equal(r.isError, true);
    assert.doesNotMatch(r.text, /Feature work/);
    assert.equal(r.data, undefined);
  });
});

Deno.test("week_grid_load: the seeded draft week as a grid, totals from the sandbox's records", async () => {
  await withHarness({ clientCapabilities: UI }, async (h) => {
    const monday = h.erp.fixtures.weeks.draft;
    const r = await h.call("week_grid_load", { week_starting: monday });
    assert.equal(r.isError, false, r.text);
    const stored = h.erp.weekLog(h.erp.fixtures.users.alice.email, monday)!;
    const days = stored.projects.flatMap((p) => p.tasks.flatMap((t) => t.days));
    const total = days.reduce((s, d) => s + d.hours * 60 + d.minutes, 0);
    assert.equal(r.data.state, "draft");
    assert.equal(r.data.total_minutes, total);
    assert.equal(r.data.rows.length, 1);
    assert.equal(r.data.rows[0].label, "Coding");
    assert.deepEqual(
      r.data.days.map((d: { short: boolean }) => d.short),
      [false, false, false, false, true, false, false],
    );
  });
});

Deno.test("week_grid_load: a week with no log is an empty grid that says so", async () => {
  await withHarness({ clientCapabilities: UI }, async (h) => {
    const r = await h.call("week_grid_load", { week_starting: h.erp.fixtures.weeks.withoutLog });
    assert.equal(r.isError, false, r.text);
    assert.equal(r.data.state, "no_week_log");
    assert.equal(r.data.rows.length, 0);
    assert.match(r.text, /no week log/);
  });
});

Deno.test("week_grid_save: deleting asks first; nothing is deleted until the token comes back", async () => {
  await withHarness({ clientCapabilities: UI }, async (h) => {
    const monday = h.erp.fixtures.weeks.draft;
    const email = h.erp.fixtures.users.alice.email;
    const before = h.erp.weekLog(email, monday)!;
    const entry = before.projects.flatMap((p) => p.tasks.flatMap((t) => t.days))
      .find((d) => d.date === monday)!;
    const args = { week_starting: monday, delete_entry_ids: [entry.id] };
    const asked = await h.call("week_grid_save", args);
    assert.equal(asked.isError, false, asked.text);
    assert.equal(asked.data.status, "needs_confirmation");
    assert.match(asked.text, /confirmation_token/);
    assert.deepEqual(h.erp.weekLog(email, monday), before);
    const done = await h.call("week_grid_save", {
      ...args,
      confirmation_token: asked.data.confirmation_token,
    });
    assert.equal(done.data.status, "saved", done.text);
    const after = h.erp.weekLog(email, monday)!;
    const left = after.projects.flatMap((p) => p.tasks.flatMap((t) => t.days));
    assert.equal(left.some((d) => d.id === entry.id), false);
    assert.equal(left.length, 3);
  });
});

Deno.test("week_grid_save: refusals name what failed and store nothing", async () => {
  await withHarness({ clientCapabilities: UI }, async (h) => {
    const monday = h.erp.fixtures.weeks.draft;
    const email = h.erp.fixtures.users.alice.email;
    const before = JSON.stringify(h.erp.weekLog(email, monday));
    const outside = Temporal.PlainDate.from(monday).add({ days: 7 }).toString();
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { date: outside, project_id: 41, description: "Feature work", hours: 1 },
        new RegExp(`^Cannot log on "${outside}": it is not in the week of ${monday}`),
      ],
      [
        { date: monday, project_id: 41, description: "Other", hours: 17 },
        new RegExp(`^Cannot log that on "${monday}": the day would hold 25 h, over 24 h`),
      ],
      [
        { date: monday, project_id: 41, description: "Other", hours: 0 },
        /set\[0\]\.hours must be more than 0 \(and at most 24\); you sent 0/,
      ],
      [
        { date: monday, project_name: "No such project", description: "Other", hours: 1 },
        /No such project/,
      ],
    ];
    for (const [set, message] of cases) {
      const r = await h.call("week_grid_save", { week_starting: monday, set: [set] });
      assert.equal(r.isError, true, JSON.stringify(set));
      assert.match(r.text, message);
    }
    assert.equal(JSON.stringify(h.erp.weekLog(email, monday)), before);
  });
});

Deno.test("week_grid_save: not registered on a read-only server; load still is", async () => {
  await withHarness({ clientCapabilities: UI, env: { MCP_READ_ONLY: "true" } }, async (h) => {
    const names = (await h.client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes("week_grid_load"));
    assert.equal(names.includes("week_grid_save"), false);
    // The grid learns it may only read, and shows itself so (no Save, no Submit).
    const load = await h.call("week_grid_load", { week_starting: "2026-11-23" });
    assert.equal(load.data.writable, false, load.text);
  });
});

Deno.test("the week grid view is served as text/html;profile=mcp-app", async () => {
  await withHarness({ clientCapabilities: UI }, async (h) => {
    const list = await h.client.listTools();
    const uri = (list.tools.find((t) => t.name === "get_week_logs")!._meta as {
      ui: { resourceUri: string };
    }).ui.resourceUri;
    const r = await h.client.readResource({ uri });
    const content = r.contents[0] as { mimeType: string; text: string };
    assert.equal(content.mimeType, "text/html;profile=mcp-app");
    assert.match(content.text, /^<!doctype html>/);
    const resources = (await h.client.listResources()).resources.map((x) => x.uri);
    assert.ok(resources.includes(uri));
  });
});

Deno.test("a 2026-07-28 client (stateless hosted HTTP) gets the app-only tools only when its requests declare MCP Apps", async () => {
  await hosted(async ({ sb, http }) => {
    const { alice } = sb.erp.fixtures.users;
    const modern = async (capabilities: Record<string, unknown>) => {
      const client = new Client({ name: "apps-eras-test", version: "1" }, {
        versionNegotiation: { mode: { pin: "2026-07-28" } },
        capabilities,
      });
      await client.connect(
        new StreamableHTTPClientTransport(new URL("/mcp", http.url), {
          requestInit: { headers: { Authorization: `Token ${alice.token}` } },
        }),
      );
      return client;
    };
    const apps = await modern(UI);
    const plain = await modern({});
    try {
      assert.equal(apps.getNegotiatedProtocolVersion(), "2026-07-28");
      const names = async (c: Client) => (await c.listTools()).tools.map((t) => t.name);
      const withApps = await names(apps);
      const without = await names(plain);
      assert.ok(withApps.includes("week_grid_save"), String(withApps));
      assert.equal(without.some((n) => n.startsWith("week_grid_")), false, String(without));
      const r = await apps.callTool({
        name: "week_grid_load",
        arguments: { week_starting: sb.erp.fixtures.weeks.draft },
      });
      assert.equal(r.isError, undefined, JSON.stringify(r.content));
      assert.equal((r.structuredContent as { state: string }).state, "draft");
    } finally {
      await apps.close();
      await plain.close();
    }
  });
});

Deno.test("week_grid_save: the model (a client without MCP Apps) cannot call the app's tools", async () => {
  await withHarness({}, async (h) => {
    const monday = h.erp.fixtures.weeks.draft;
    const before = JSON.stringify(h.erp.weekLog(h.erp.fixtures.users.alice.email, monday));
    const r = await h.call("week_grid_save", {
      week_starting: monday,
      set: [{ date: monday, project_id: 41, description: "Model wrote this", hours: 1 }],
    });
    assert.equal(r.isError, true);
    assert.match(r.text, /^Unknown tool "week_grid_save"/);
    const load = await h.call("week_grid_load", { week_starting: monday });
    assert.match(load.text, /^Unknown tool "week_grid_load"/);
    assert.equal(
      JSON.stringify(h.erp.weekLog(h.erp.fixtures.users.alice.email, monday)),
      before,
      "nothing was written",
    );
  });
});

Deno.test("week_grid_save: a cell under another label than that day's entry is refused, not overwritten", async () => {
  await withHarness({ clientCapabilities: UI, env: { MCP_NO_CONFIRM: "true" } }, async (h) => {
    const monday = h.erp.fixtures.weeks.draft; // Mon-Thu 8 h "Feature work" under Coding
    const email = h.erp.fixtures.users.alice.email;
    const before = JSON.stringify(h.erp.weekLog(email, monday));
    const r = await h.call("week_grid_save", {
      week_starting: monday,
      set: [{
        date: monday,
        project_id: 41,
        description: "feature WORK",
        hours: 1,
        label_name: "Meeting",
      }],
    });
    assert.equal(r.isError, true, r.text);
    assert.match(r.text, /already has 8 h of this task under "Coding"/);
    assert.equal(JSON.stringify(h.erp.weekLog(email, monday)), before, "the 8 h entry is kept");
    // No label given keeps the entry's own (a "no label" row must not relabel it General).
    const keep = await h.call("week_grid_save", {
      week_starting: monday,
      set: [{ date: monday, project_id: 41, description: "Feature work", hours: 7 }],
    });
    assert.equal(keep.isError, false, keep.text);
    const day = h.erp.weekLog(email, monday)!.projects.flatMap((p) => p.tasks)
      .find((t) => t.description === "Feature work")!.days.find((d) => d.date === monday)!;
    assert.deepEqual([day.hours, day.minutes, day.label], [7, 0, 34]);
  });
});

Deno.test("month_grid_load: the days of a week the ERP fails to return are 'unknown', not empty", async () => {
  await withHarness({ clientCapabilities: UI }, async (h) => {
    const monday = h.erp.fixtures.weeks.draft; // 2026-10-26: its Friday 30 is in October
    const id = h.erp.weekLog(h.erp.fixtures.users.alice.email, monday)!.id;
    // The week's detail answers 500 on every try (reads are retried).
    h.erp.injectFault({ pathIncludes: `person/get/${id}/`, status: 500, times: 10 });
    const r = await h.call("month_grid_load", { year: 2026, month: 10 });
    assert.equal(r.isError, false, r.text);
    const days = r.data.days as { date: string; status: string }[];
    const friday = days.find((d) => d.date === "2026-10-30")!;
    assert.equal(friday.status, "unknown", "a failed week's workday is not 'empty'");
    const week = (r.data.weeks as { week_starting: string; state: string }[])
      .find((w) => w.week_starting === monday)!;
    assert.equal(week.state, "failed");
  });
});
