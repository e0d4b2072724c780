/**
 * `deno task compile`: the baked-in permission flags (always checked), and a real compile of the
 * host's executable when a denort is available (`DENORT_BIN`; dl.deno.land is unreachable here).
 */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
import {
  getDefaultEnvironment,
  StdioClientTransport,
} from "npm:@modelcontextprotocol/sdk@1.32.2/client/stdio.js";
import {
  bakedArgs,
  compileArgs,
  compileFlags,
  mergeFlags,
  TARGETS,
} from "../../src/cli/compile.ts";
import { ENV_VARS } from "../../src/config.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import denoJson from "../../deno.json" with { type: "json" };
import { TODAY } from "../helpers.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("compile: a company build may reach its ERP host and the callback port, nothing else", () => {
  const flags = compileFlags(
    { erpBaseUrl: "https://erp.acme.test/api/v1/", oauthPort: 9000 },
    "x86_64-unknown-linux-gnu",
  );
  const net = flags.find((f) => f.startsWith("--allow-net="))?.split("=")[1].split(",");
  assert.deepEqual(
    net?.filter((h) => !["erp.acme.test", "127.0.0.1:9000", "127.0.0.1"].includes(h)),
    [],
    flags.join(" "),
  );
  assert.ok(net.includes("erp.acme.test") && net.includes("127.0.0.1:9000"));
  const run = flags.find((f) => f.startsWith("--allow-run="));
  assert.ok(run?.includes("/usr/bin/chromium"), "it may run the usual browsers for the sign-in");
  const env = flags.find((f) => f.startsWith("--allow-env="))?.split("=")[1].split(",") ?? [];
  for (const name of ENV_VARS) assert.ok(env.includes(name), `it may read ${name}`);
  assert.ok(flags.includes("--no-prompt"));
  for (const f of flags) assert.doesNotMatch(f, /^(-A|--allow-all)$|^--allow-ffi/);
  assert.equal(flags.filter((f) => f.startsWith("--allow-net")).length, 1);
});

Deno.test("compile: a generic build may reach any host (the ERP is not known), never -A", () => {
  const flags = compileFlags({}, "x86_64-pc-windows-msvc");
  assert.ok(flags.includes("--allow-net"), flags.join(" "));
  assert.ok(flags.some((f) => f.startsWith("--allow-run=") && f.includes("msedge.exe")));
  assert.ok(!flags.some((f) => f === "-A" || f === "--allow-all"));
  assert.ok(!flags.some((f) => f.startsWith("--allow-read=authorized_users.json")));
});

Deno.test("compile: an allowlist file named at build time may be read", () => {
  const flags = compileFlags({
    erpBaseUrl: "https://erp.acme.test/",
    allowlistFile: "/etc/a.json",
  });
  assert.ok(flags.some((f) => f.startsWith("--allow-read=") && f.includes("/etc/a.json")));
});

Deno.test("compile: one command per target, into out/, with nothing extra included", () => {
  assert.equal(TARGETS.length, 5);
  for (const t of TARGETS) {
    const args = compileArgs(t, { erpBaseUrl: "https://erp.acme.test/" });
    assert.deepEqual(args.slice(0, 5), ["compile", "--target", t, "--output", args[4]]);
    assert.match(args[4], t.includes("windows") ? /^out\/.*\.exe$/ : /^out\/[^.]+$/);
    // The entry, then the one argument baked in: the fixed temp root (src/cli/lifetime.ts).
    assert.deepEqual(args.slice(-2), ["main.ts", ...bakedArgs({}, t)]);
    assert.ok(!args.includes("--include"));
  }
});

Deno.test("compile: repeated permission flags merge, and a bare one wins", () => {
  assert.deepEqual(
    mergeFlags([
      "--allow-net=a",
      "--no-prompt",
      "--allow-net=b,a",
      "--allow-read",
      "--allow-read=x",
    ]),
    ["--allow-net=a,b", "--no-prompt", "--allow-read"],
  );
});

const denort = Deno.env.get("DENORT_BIN");
Deno.test({
  name: denort
    ? "compile: the host executable prints its version and answers MCP over stdio"
    : "compile: the host executable (needs denort (DENORT_BIN), unavailable offline)",
  ignore: !denort,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "compile_test_" });
    const sb = await serveSandbox({ today: TODAY });
    const exe = `${dir}/project-logs-mcp${Deno.build.os === "windows" ? ".exe" : ""}`;
    try {
      const args = compileArgs(Deno.build.target, { erpBaseUrl: sb.apiBase });
      args[4] = exe;
      const built = await new Deno.Command(Deno.execPath(), { args, cwd: ROOT, stdin: "null" })
        .output();
      assert.equal(built.code, 0, new TextDecoder().decode(built.stderr));
      const version = await new Deno.Command(exe, { args: ["--version"] }).output();
      assert.equal(new TextDecoder().decode(version.stdout).trim(), denoJson.version);
      const { alice } = sb.erp.fixtures.users;
      const client = new Client({ name: "compile-test", version: "1" });
      await client.connect(
        new StdioClientTransport({
          command: exe,
          env: {
            ...getDefaultEnvironment(),
            ERP_API_BASE_URL: sb.apiBase,
            ERP_API_TOKEN: alice.token,
            MCP_AUTHORIZED_USERS: alice.email,
          },
        }),
      );
      const who = await client.callTool({ name: "whoami", arguments: {} });
      assert.equal((who.structuredContent as { email: string }).email, alice.email);
      await client.close();
    } finally {
      await sb.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("compile: a browser path with a comma stops the build with one line, exit code 2", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "--cwd", ROOT, "compile", "--dry-run", "x86_64-unknown-linux-gnu"],
    env: { MCP_BROWSER_PATH: "/opt/chrome,/bin/sh", NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 2, err);
  assert.match(
    err,
    /^Cannot use "\/opt\/chrome,\/bin\/sh" from MCP_BROWSER_PATH .*a comma cannot be granted/m,
  );
  assert.doesNotMatch(err, /^\s+at /m);
  assert.doesNotMatch(err, /^deno compile/m, "no command was built");
});
