/**
 * The container runs the server as a non-root user so Chromium keeps its sandbox: here the server
 * (main.ts with the narrow flags, as `deno task start` runs it) runs as `nobody` through `setpriv`, opens
 * the ERP sign-in browser, and the browser's command line is read (`ps`) while it is open.
 * Needs root (to drop to `nobody`), setpriv and a Chromium; otherwise ignored with the reason.
 */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
import { StdioClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/stdio.js";
import { permissionFlags } from "../../src/permissions.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { ROOT, scaledTimeout, TODAY } from "../helpers.ts";
import { CHROMIUM } from "./browser_helpers.ts";

const NOBODY = 65534;
function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].find(exists);

function whyIgnored(): string | undefined {
  if (Deno.build.os !== "linux") return "Linux only (reads /proc)";
  if (!CHROMIUM) return "no Chromium, Chrome or Edge found";
  if (!SETPRIV) return "no setpriv to drop to a non-root user";
  if (!["/usr/bin/ps", "/bin/ps"].some(exists)) return "no ps to read the browser's command line";
  const id = new Deno.Command("id", { args: ["-u"], stdout: "piped" }).outputSync();
  if (new TextDecoder().decode(id.stdout).trim() !== "0") {
    return "needs root to start the server as nobody";
  }
  return undefined;
}

/**
 * Command lines of the browser processes `uid` runs (those given a profile), through `ps`: Deno
 * refuses reads of /proc without --allow-all.
 */
async function browserCommandLines(uid: number): Promise<string[]> {
  const out = await new Deno.Command("ps", {
    args: ["-u", String(uid), "-ww", "-o", "args="],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(out.stdout).split("\n")
    .filter((line) => line.includes("--user-data-dir="));
}

/** Runs a command; throws with its stderr when it fails. */
async function run(cmd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(`${cmd} failed: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout);
}

/**
 * Copies what `deno run --cached-only --frozen main.ts` needs into places another user can read:
 * main.ts, deno.json, deno.lock and src/ into `app`, and the npm packages deno.lock names (with
 * their registry metadata) from this process's npm cache into `denoDir`.
 */
async function copyServer(app: string, denoDir: string): Promise<void> {
  await Deno.mkdir(app);
  await run(
    "cp",
    "-r",
    `${ROOT}main.ts`,
    `${ROOT}deno.json`,
    `${ROOT}deno.lock`,
    `${ROOT}src`,
    app,
  );
  const info = JSON.parse(await run(Deno.execPath(), "info", "--json"));
  const registry = "registry.npmjs.org";
  const lock = JSON.parse(await Deno.readTextFile(`${ROOT}deno.lock`));
  for (const key of Object.keys(lock.npm ?? {})) {
    const [, name, version] = /^(@?[^@]+)@([^_]+)/.exec(key)!;
    const to = `${denoDir}/npm/${registry}/${name}`;
    await Deno.mkdir(to, { recursive: true });
    await run("cp", "-r", `${info.npmCache}/${registry}/${name}/${version}`, to);
    await run("cp", `${info.npmCache}/${registry}/${name}/registry.json`, to);
  }
}

const ignored = whyIgnored();
Deno.test({
  name: `non-root: the ERP sign-in browser keeps Chromium's sandbox` +
    (ignored ? ` (ignored: ${ignored})` : ""),
  ignore: ignored !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "nonroot_browser_" });
    const sb = await serveSandbox({ today: TODAY });
    try {
      await Deno.chmod(dir, 0o755);
      // What the non-root user owns: its home, the dedicated temp directory, a copy of the
      // server's source and of the locked npm packages (the test's own cache may be unreadable).
      for (const sub of ["home", "tmp"]) await Deno.mkdir(`${dir}/${sub}`);
      await copyServer(`${dir}/app`, `${dir}/deno_dir`);
      await run(
        "chown",
        "-R",
        `${NOBODY}:${NOBODY}`,
        `${dir}/home`,
        `${dir}/tmp`,
        `${dir}/deno_dir`,
      );
      const flags = permissionFlags({
        erpBaseUrl: sb.apiBase,
        browser: CHROMIUM,
        tempDir: `${dir}/tmp`,
      });
      const transport = new StdioClientTransport({
        command: SETPRIV!,
        args: [
          `--reuid=${NOBODY}`,
          `--regid=${NOBODY}`,
          "--clear-groups",
          Deno.execPath(),
          "run",
          "--cached-only",
          "--frozen",
          ...flags,
          `${dir}/app/main.ts`,
        ],
        env: {
          PATH: "/usr/bin:/bin",
          HOME: `${dir}/home`,
          DENO_DIR: `${dir}/deno_dir`,
          DENO_TLS_CA_STORE: "system",
          TMPDIR: `${dir}/tmp`,
          NO_COLOR: "1",
          ERP_API_BASE_URL: sb.apiBase,
          MCP_AUTHORIZED_USERS: sb.erp.fixtures.users.alice.email,
          MCP_BROWSER_PATH: CHROMIUM!,
          MCP_BROWSER_HEADLESS: "true",
          MCP_SIGNIN_TIMEOUT_SECONDS: "5",
        },
        cwd: `${dir}/app`,
        stderr: "pipe",
      });
      let stderr = "";
      transport.stderr?.on("data", (c: Uint8Array) => stderr += new TextDecoder().decode(c));
      const client = new Client({ name: "nonroot-test", version: "1" });
      await client.connect(transport).catch((e) => {
        throw new Error(`the server as nobody did not start: ${e}\n${stderr}`);
      });
      try {
        let settled = false;
        const call = client.callTool(
          { name: "authenticate_via_erp_browser", arguments: {} },
          undefined,
          { timeout: scaledTimeout(60_000) },
        ).then(
          (r) => ({ r, error: undefined }),
          (error) => ({ r: undefined, error }),
        ).finally(() => settled = true);
        // The browser lives at least the 5-second sign-in window once its page is open.
        let seen: string[] = [];
        while (!settled && seen.length === 0) {
          seen = await browserCommandLines(NOBODY);
          if (seen.length === 0) await new Promise((r) => setTimeout(r, 50));
        }
        const { r, error } = await call;
        if (!r) throw new Error(`the sign-in call failed: ${error}\n${stderr}`);
        const text = (r.content as { text: string }[])[0].text;
        assert.match(text, /No sign-in in the browser within 5 seconds/, `${text}\n${stderr}`);
        assert.ok(seen.length > 0, `no browser ran as nobody\n${stderr}`);
        for (const line of seen) {
          assert.doesNotMatch(line, /--no-sandbox/, "Chromium ran without its sandbox");
        }
        assert.doesNotMatch(stderr, /no-sandbox/);
      } finally {
        await client.close();
      }
    } finally {
      await sb.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
