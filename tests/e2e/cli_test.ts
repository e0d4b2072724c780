/**
 * The command line, spawned as `deno run main.ts` with the flags a compiled executable bakes in
 * (src/cli/compile.ts): --help, --version, tools, call and doctor against the sandbox ERP.
 */
import assert from "node:assert/strict";
import { bakedArgs, compileFlags, mergeFlags } from "../../src/cli/compile.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import denoJson from "../../deno.json" with { type: "json" };
import { TODAY } from "../helpers.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
/** Stands in for a browser: the doctor only checks that the file exists. */
const BROWSER = Deno.execPath();

interface Run {
  code: number;
  out: string;
  err: string;
}

/** A free loopback port (listen on 0, close). */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = l.addr as Deno.NetAddr;
  l.close();
  return port;
}

/** Runs main.ts with the baked-in flags of a build for `erpBaseUrl`, and only `env`. */
async function run(args: string[], env: Record<string, string>): Promise<Run> {
  const url = env.ERP_API_BASE_URL ?? "https://erp.example.com/api/v1/";
  const flags = mergeFlags([
    ...compileFlags({
      erpBaseUrl: URL.canParse(url) ? url : undefined, // an invalid URL: a generic build
      oauthPort: Number(env.MCP_OAUTH_PORT ?? 8765),
      allowlistFile: env.MCP_AUTHORIZED_USERS_FILE,
    }),
    `--allow-read=${BROWSER}`,
  ]);
  const base: Record<string, string> = { DENO_TLS_CA_STORE: "system", NO_COLOR: "1" };
  for (const k of ["DENO_DIR", "HOME", "PATH", "NODE_EXTRA_CA_CERTS"]) {
    const v = Deno.env.get(k);
    if (v) base[k] = v;
  }
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, MAIN, ...bakedArgs({}), ...args],
    env: { ...base, MCP_TIMEZONE: "UTC", ...env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, out: text(out.stdout), err: text(out.stderr) };
}

/** Runs `fn` with the sandbox up and the environment of a signed-in alice. */
async function withSandbox(
  fn: (env: Record<string, string>, sb: Awaited<ReturnType<typeof serveSandbox>>) => Promise<void>,
): Promise<void> {
  const sb = await serveSandbox({ today: TODAY });
  const { alice } = sb.erp.fixtures.users;
  try {
    await fn({
      ERP_API_BASE_URL: sb.apiBase,
      ERP_API_TOKEN: alice.token,
      MCP_AUTHORIZED_USERS: alice.email,
      MCP_GOOGLE_CLIENT_ID: "client-id.apps.googleusercontent.com",
      MCP_OAUTH_PORT: String(freePort()),
      MCP_BROWSER_PATH: BROWSER,
    }, sb);
  } finally {
    await sb.close();
  }
}

Deno.test("cli: --help lists the commands and every setting; --version prints deno.json's", async () => {
  const help = await run(["--help"], {});
  assert.equal(help.code, 0, help.err);
  for (const s of ["doctor", "tools", "call <tool>", "ERP_API_BASE_URL", "MCP_OAUTH_PORT"]) {
    assert.ok(help.out.includes(s), `--help mentions ${s}`);
  }
  // Every setting line keeps its flag, its variable and its words apart (two spaces at least).
  for (const line of help.out.split("\n").filter((l) => /^\s+--\S+\s+[A-Z_]+\s/.test(l))) {
    assert.match(line, /^\s+--[a-z-]+ {2,}[A-Z][A-Z_]+ {2,}\S/, line);
  }
  const version = await run(["--version"], {});
  assert.equal(version.code, 0, version.err);
  assert.equal(version.out.trim(), denoJson.version);
});

Deno.test("cli: an unknown command stops with one line and exit code 2", async () => {
  const r = await run(["frobnicate"], {});
  assert.equal(r.code, 2);
  assert.match(r.err, /Unknown command "frobnicate"/);
  assert.equal(r.out, "");
});

Deno.test("cli: tools prints one line per tool", async () => {
  const r = await run(["tools"], {
    ERP_API_BASE_URL: "https://erp.example.com/api/v1/",
    MCP_AUTHORIZED_USERS: "@example.com",
  });
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split("\n");
  assert.ok(lines.length >= 16, r.out);
  assert.ok(lines.every((l) => /^[a-z_]+ +(read|write|session) +\S/.test(l)), r.out);
  assert.ok(lines.some((l) => l.startsWith("get_log_labels ")));
});

Deno.test("cli: call prints what the model gets, and --json the whole result", async () => {
  await withSandbox(async (env, sb) => {
    const r = await run(["call", "get_log_labels", "{}"], env);
    assert.equal(r.code, 0, r.err);
    for (const label of sb.erp.fixtures.labels) assert.ok(r.out.includes(label.name), r.out);
    const j = await run(["call", "get_log_labels", "{}", "--json"], env);
    assert.equal(j.code, 0, j.err);
    const result = JSON.parse(j.out);
    assert.equal(result.isError, undefined);
    assert.equal(result.content[0].type, "text");
    assert.ok(result.structuredContent, j.out);
    assert.ok(!r.err.includes(env.ERP_API_TOKEN), "the token never reaches the output");
  });
});

Deno.test("cli: call with a bad tool, bad JSON or an error result says so", async () => {
  await withSandbox(async (env) => {
    const unknown = await run(["call", "no_such_tool", "{}"], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /Unknown tool "no_such_tool": run "project-logs-mcp tools"/);
    const badJson = await run(["call", "get_log_labels", "{nope"], env);
    assert.equal(badJson.code, 2);
    assert.match(badJson.err, /Invalid JSON arguments for "get_log_labels": /);
    const notObject = await run(["call", "get_log_labels", "[1]"], env);
    assert.equal(notObject.code, 2);
    assert.match(notObject.err, /expected a JSON object/);
    const isError = await run(["call", "get_week_logs", '{"week_starting":"2026-02-30"}'], env);
    assert.equal(isError.code, 1, isError.err);
    assert.match(isError.out, /2026-02-30/);
    assert.doesNotMatch(isError.out + isError.err, /\n\s+at /, "no stack trace");
  });
});

Deno.test("cli: doctor is all green against the sandbox with a good setup", async () => {
  await withSandbox(async (env) => {
    const r = await run(["doctor"], env);
    assert.equal(r.code, 0, r.out + r.err);
    const lines = r.out.trim().split("\n");
    assert.equal(lines.at(-1), "All is well.");
    assert.ok(lines.slice(0, -1).every((l) => l.startsWith("✔ ")), r.out);
    for (
      const re of [
        /✔ ERP URL ".*" is valid/,
        /✔ ERP "127\.0\.0\.1:\d+" is reachable/,
        /✔ ERP_API_TOKEN accepted: it belongs to "alice@example\.com"/,
        /✔ "alice@example\.com" is on the allowlist/,
        /✔ Allowlist loaded: 1 entry from MCP_AUTHORIZED_USERS \(the allowlist file is not read\)/,
        /✔ Browser for ERP sign-in/,
        /✔ Callback port 127\.0\.0\.1:\d+ is free/,
        /✔ Google client id is set/,
      ]
    ) assert.match(r.out, re);
    assert.ok(!r.out.includes(env.ERP_API_TOKEN), "the token is never printed");
  });
});

const reds: {
  name: string;
  env: (env: Record<string, string>, sb: Awaited<ReturnType<typeof serveSandbox>>) => Record<
    string,
    string
  >;
  re: RegExp;
}[] = [
  {
    name: "a bad token",
    env: (e) => ({ ...e, ERP_API_TOKEN: "not-a-real-token" }),
    re: /✘ ERP_API_TOKEN refused by the ERP \(401\) — copy a fresh token/,
  },
  {
    name: "an email not on the allowlist",
    env: (e, sb) => ({ ...e, ERP_API_TOKEN: sb.erp.fixtures.users.bob.token }),
    re: /✘ "bob@other\.test" is not on the allowlist \(MCP_AUTHORIZED_USERS\) — add it/,
  },
  {
    name: "an unreachable ERP",
    env: (e) => ({ ...e, ERP_API_BASE_URL: `http://127.0.0.1:${freePort()}/api/v1/` }),
    re: /✘ ERP "127\.0\.0\.1:\d+" is unreachable: .* — check ERP_API_BASE_URL/,
  },
  {
    name: "an empty allowlist file and no Google client id",
    env: (e) => {
      const file = Deno.makeTempFileSync({ suffix: ".json" });
      Deno.writeTextFileSync(file, '{"authorized_emails": []}');
      return {
        ...e,
        MCP_AUTHORIZED_USERS: "",
        MCP_AUTHORIZED_USERS_FILE: file,
        MCP_GOOGLE_CLIENT_ID: "",
      };
    },
    re: /✘ Allowlist empty or missing \(the file "\/[^\n]*\n[\s\S]*• Google sign-in is off/,
  },
  {
    name: "a wrong API path (a 404 on core/person/)",
    env: (e) => ({ ...e, ERP_API_BASE_URL: e.ERP_API_BASE_URL.replace("/api/v1/", "/api/v2/") }),
    re:
      /✘ ERP_API_TOKEN not checked: the ERP has no core\/person\/ under .*\/api\/v2\/ \(404\) — check ERP_API_BASE_URL: .*"\/api\/v1\/"/,
  },
  {
    name: "an invalid ERP URL",
    env: (e) => ({ ...e, ERP_API_BASE_URL: "erp.example.com/api" }),
    re: /✘ Configuration invalid: Invalid URL "erp\.example\.com\/api" in --erp-url/,
  },
];
for (const c of reds) {
  Deno.test(`cli: doctor is red, with what to fix, for ${c.name}`, async () => {
    await withSandbox(async (env, sb) => {
      const e = c.env(env, sb);
      const r = await run(["doctor"], e);
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(r.out, c.re);
      assert.match(r.out.trim().split("\n").at(-1)!, /^\d+ problems? to fix\.$/);
      assert.ok(!r.out.includes(e.ERP_API_TOKEN), "the token is never printed");
      if (e.MCP_AUTHORIZED_USERS_FILE) await Deno.remove(e.MCP_AUTHORIZED_USERS_FILE);
    });
  });
}

Deno.test("cli: doctor says when the callback port is taken", async () => {
  await withSandbox(async (env) => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: Number(env.MCP_OAUTH_PORT) });
    try {
      const r = await run(["doctor"], env);
      assert.equal(r.code, 1, r.out);
      assert.match(r.out, /✘ Callback port 127\.0\.0\.1:\d+ is in use — stop the program/);
    } finally {
      listener.close();
    }
  });
});

Deno.test("cli: doctor with a token-only set-up exits 0; Google sign-in off is a note", async () => {
  await withSandbox(async (env) => {
    const r = await run(["doctor"], { ...env, MCP_GOOGLE_CLIENT_ID: "" });
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(
      r.out,
      /^• Google sign-in is off: MCP_GOOGLE_CLIENT_ID is not set — .*"Web application"/m,
    );
    assert.doesNotMatch(r.out, /Callback port/, "the port matters only with Google sign-in on");
    assert.equal(r.out.trim().split("\n").at(-1), "All is well.");
  });
});

Deno.test("cli: doctor hints when the ERP URL has no API path", async () => {
  await withSandbox(async (env, sb) => {
    const r = await run(["doctor"], { ...env, ERP_API_BASE_URL: `${sb.origin}/` });
    assert.match(
      r.out,
      /^• ERP URL "http:\/\/127\.0\.0\.1:\d+\/" has no API path — .*\/api\/v1\//m,
    );
  });
});

Deno.test("cli: doctor and tools work with nothing configured", async () => {
  const file = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(file, '{"authorized_emails": []}');
  const doctor = await run(["doctor"], { ERP_API_BASE_URL: "", MCP_AUTHORIZED_USERS_FILE: file });
  assert.equal(doctor.code, 1, doctor.out + doctor.err);
  assert.match(doctor.out, /^✘ ERP URL not set — set ERP_API_BASE_URL/m);
  assert.match(doctor.out, /^✘ Allowlist empty or missing/m, "the other checks still run");
  const tools = await run(["tools"], { ERP_API_BASE_URL: "", MCP_AUTHORIZED_USERS_FILE: file });
  assert.equal(tools.code, 0, tools.err);
  assert.ok(tools.out.includes("get_log_labels "), tools.out);
  await Deno.remove(file);
});

Deno.test("cli: call --yes confirms a write that asks, in one process; without it, says why not", async () => {
  await withSandbox(async (env, sb) => {
    const { draft } = sb.erp.fixtures.weeks;
    const stored = () =>
      (sb.erp.weekLog("alice@example.com", draft) as { isCompleted: boolean }).isCompleted;
    const args = ["call", "complete_week_log", JSON.stringify({ week_starting: draft })];
    const asked = await run(args, env);
    assert.equal(asked.code, 1, asked.out + asked.err);
    assert.match(asked.err, /Not done: "complete_week_log" asks for confirmation.*--yes/);
    assert.equal(stored(), false, "nothing written without --yes");
    const yes = await run([...args, "--yes"], env);
    assert.equal(yes.code, 0, yes.out + yes.err);
    assert.match(yes.out, /Confirmed \(--yes\)\./);
    assert.equal(stored(), true, "the ERP holds the week as completed");
  });
});
