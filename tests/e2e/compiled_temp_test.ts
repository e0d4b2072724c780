/**
 * A compiled executable may write one fixed directory (its permissions are fixed at build time,
 * before the user's temp folder is known): it makes a private directory inside at start, the
 * browser's profile goes there, and it is gone at exit. main.ts runs here with exactly the flags
 * and the baked argument of a build (`compileFlags`, `bakedArgs`), as `deno compile` would bake
 * them (the executable itself needs denort, which cannot be downloaded here).
 */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
import { StdioClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/stdio.js";
import { bakedArgs, compileFlags } from "../../src/cli/compile.ts";
import { privateTempDir } from "../../src/cli/lifetime.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { denoEnv, scaledTimeout, TODAY } from "../helpers.ts";
import { browserTest, CHROMIUM } from "./browser_helpers.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** This process's user id, without asking Deno for --allow-sys=uid. */
const ME = Number(
  new TextDecoder().decode(
    new Deno.Command("id", { args: ["-u"], stdout: "piped" }).outputSync().stdout,
  ),
);

function entries(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

Deno.test(
  browserTest("compiled: the browser profile goes in a private directory inside the fixed root"),
  async () => {
    // Long, as macOS's per-user temp folder is: Chromium's singleton socket goes below TMPDIR,
    // and a socket path holds at most 107 bytes on Linux (104 on macOS).
    const dir = await Deno.makeTempDir({ prefix: "compiled_temp_like_var_folders_zz_" });
    const root = `${dir}/project-logs-mcp`;
    const sb = await serveSandbox({ today: TODAY });
    const build = { erpBaseUrl: sb.apiBase, browserPath: CHROMIUM, tempRoot: root };
    const flags = compileFlags(build, Deno.build.target);
    // Nothing of the shared temp folder beyond the fixed root.
    const write = flags.find((f) => f.startsWith("--allow-write="));
    assert.equal(write, `--allow-write=${root}`);
    const transport = new StdioClientTransport({
      command: Deno.execPath(),
      args: ["run", ...flags, MAIN, ...bakedArgs(build)],
      // TMPDIR points elsewhere, as on a real machine: the executable must not rely on it.
      env: denoEnv({
        TMPDIR: "/tmp",
        ERP_API_BASE_URL: sb.apiBase,
        MCP_AUTHORIZED_USERS: sb.erp.fixtures.users.alice.email,
        MCP_BROWSER_PATH: CHROMIUM!,
        MCP_BROWSER_HEADLESS: "true",
        MCP_SIGNIN_TIMEOUT_SECONDS: "3",
      }),
      stderr: "pipe",
    });
    let stderr = "";
    transport.stderr?.on("data", (c: Uint8Array) => stderr += new TextDecoder().decode(c));
    const client = new Client({ name: "compiled-temp-test", version: "1" });
    try {
      await client.connect(transport);
      const made = entries(root);
      assert.equal(made.length, 1, `one private directory at start: ${made}`);
      assert.match(made[0], /^run-/);
      assert.equal(Deno.statSync(`${root}/${made[0]}`).mode! & 0o777, 0o700);
      const r = await client.callTool(
        { name: "authenticate_via_erp_browser", arguments: {} },
        undefined,
        { timeout: scaledTimeout(60_000) },
      );
      const text = (r.content as { text: string }[])[0].text;
      // This message comes only once the browser opened the ERP page on a profile it could make.
      assert.match(text, /No sign-in in the browser within 3 seconds/, `${text}\n${stderr}`);
    } finally {
      await client.close();
      await sb.close();
    }
    assert.deepEqual(entries(root), [], `the private directory is removed at exit\n${stderr}`);
    await Deno.remove(dir, { recursive: true });
  },
);

Deno.test("compiled: a fixed temp root is made private when missing, one run dir per start", () => {
  const dir = Deno.makeTempDirSync({ prefix: "temp_root_" });
  try {
    const root = `${dir}/root`;
    const a = privateTempDir(root, ME);
    const b = privateTempDir(root, ME);
    assert.notEqual(a, b);
    assert.equal(Deno.statSync(root).mode! & 0o777, 0o700);
    assert.equal(Deno.statSync(a).mode! & 0o777, 0o700);
    assert.deepEqual(entries(root).length, 2);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test({
  name: "compiled: a temp root others may open, a link, or another user's is refused",
  ignore: Deno.build.os === "windows",
  fn() {
    const dir = Deno.makeTempDirSync({ prefix: "temp_root_" });
    try {
      const open = `${dir}/open`;
      Deno.mkdirSync(open);
      Deno.chmodSync(open, 0o777);
      assert.throws(() => privateTempDir(open, ME), /other users may open it \(mode 777\)/);
      assert.deepEqual(entries(open), [], "nothing made inside");

      const target = `${dir}/target`;
      Deno.mkdirSync(target, { mode: 0o700 });
      // Deno.symlinkSync needs unscoped read and write: the system's ln makes the link.
      new Deno.Command("ln", { args: ["-s", target, `${dir}/link`] }).outputSync();
      assert.throws(() => privateTempDir(`${dir}/link`, ME), /not a plain directory/);
      assert.deepEqual(entries(target), []);

      if (ME === 0) {
        const theirs = `${dir}/theirs`;
        Deno.mkdirSync(theirs, { mode: 0o700 });
        Deno.chownSync(theirs, 65534, 65534);
        assert.throws(() => privateTempDir(theirs, ME), /belongs to another user \(uid 65534\)/);
      }
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
