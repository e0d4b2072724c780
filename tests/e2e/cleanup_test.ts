/**
 * However a server started by the real launcher ends while a browser sign-in is pending — stdin
 * closed, SIGTERM/SIGINT/SIGHUP, the `deno task` killed, the server killed, a hosted server
 * stopped — no `project-logs-*` directory (the launcher's dedicated one, the browser's profile in
 * it) of that run remains in the test's own TMPDIR.
 */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
import { StdioClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/stdio.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp"
import { StreamableHTTPClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/streamableHttp.js";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { TODAY } from "../helpers.ts";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const LINUX = Deno.build.os === "linux";
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

/** A client's environment (as in launcher_test.ts): no deno on PATH. */
function clientEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {
    PATH: Deno.makeTempDirSync({ prefix: "cleanup_path_" }),
    HOME: Deno.env.get("HOME") ?? "/root",
    DENO_TLS_CA_STORE: "system",
    NO_COLOR: "1",
  };
  for (const k of ["DENO_DIR", "NODE_EXTRA_CA_CERTS"]) {
    const v = Deno.env.get(k);
    if (v) env[k] = v;
  }
  return { ...env, ...extra };
}

/** Every path under `dir` (relative), depth first. */
function walk(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    out.push(prefix + e.name);
    if (e.isDirectory) out.push(...walk(`${dir}/${e.name}`, `${prefix}${e.name}/`));
  }
  return out;
}

/** The `project-logs-*` paths under `tmp` (the launcher's directory and anything in it). */
function leftovers(tmp: string): string[] {
  return walk(tmp).filter((p) => p.startsWith("project-logs-"));
}

/** Waits until `check` holds, up to `ms`; returns whether it did. */
async function until(check: () => boolean, ms = 30_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

/** A sign-in browser is running: its profile exists and Chromium has written into it. */
function browserUp(tmp: string): boolean {
  return leftovers(tmp).some((p) => /project-logs-signin-[^/]+\/Default$/.test(p));
}

/** The process ids below `pid` (`ps`), and the server (main.ts) among them. */
function below(pid: number): { pid: number; args: string }[] {
  const out = new Deno.Command("ps", {
    args: ["-e", "-ww", "-o", "pid=,ppid=,args="],
    stdout: "piped",
  }).outputSync();
  const all = new TextDecoder().decode(out.stdout).split("\n").flatMap((l) => {
    const m = l.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/);
    return m ? [{ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] }] : [];
  });
  const found: { pid: number; args: string }[] = [];
  const visit = (p: number) => {
    for (const c of all.filter((x) => x.ppid === p)) {
      found.push(c);
      visit(c.pid);
    }
  };
  visit(pid);
  return found;
}

async function withTmp(fn: (tmp: string, env: Record<string, string>) => Promise<void>) {
  const sb = await serveSandbox({ today: TODAY });
  const tmp = await Deno.makeTempDir({ prefix: "cleanup_tmp_" });
  try {
    await fn(tmp, {
      ERP_API_BASE_URL: sb.apiBase,
      MCP_AUTHORIZED_USERS: sb.erp.fixtures.users.alice.email,
      MCP_TIMEZONE: "UTC",
      MCP_BROWSER_PATH: CHROMIUM!,
      MCP_BROWSER_HEADLESS: "true",
      MCP_SIGNIN_TIMEOUT_SECONDS: "120",
      TMPDIR: tmp,
    });
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    await sb.close();
  }
}

type Ending =
  | "stdin closed"
  | "SIGTERM"
  | "SIGINT"
  | "SIGHUP"
  | "deno task killed"
  | "server killed";

for (
  const ending of [
    "stdin closed",
    "SIGTERM",
    "SIGINT",
    "SIGHUP",
    "deno task killed",
    "server killed",
  ] as Ending[]
) {
  Deno.test({
    name: `cleanup: stdio, ${ending} while a browser sign-in is pending → no directory remains`,
    ignore: !LINUX || !CHROMIUM,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      await withTmp(async (tmp, env) => {
        const transport = new StdioClientTransport({
          command: Deno.execPath(),
          args: ["task", "--cwd", ROOT, "start"],
          env: clientEnv(env),
          stderr: "pipe",
        });
        let stderr = "";
        transport.stderr?.on("data", (c: Uint8Array) => stderr += new TextDecoder().decode(c));
        const client = new Client({ name: "cleanup-test", version: "1" });
        await client.connect(transport);
        const taskPid = transport.pid!;
        try {
          const pending = client.callTool({ name: "authenticate_via_erp_browser", arguments: {} })
            .catch(() => undefined);
          assert.ok(await until(() => browserUp(tmp)), `no browser started: ${stderr}`);
          const tree = below(taskPid);
          const server = tree.find((p) => p.args.includes("/main.ts"));
          assert.ok(server, JSON.stringify(tree));
          if (ending === "stdin closed") await client.close();
          else if (ending === "deno task killed") Deno.kill(taskPid, "SIGKILL");
          else if (ending === "server killed") Deno.kill(server.pid, "SIGKILL");
          else Deno.kill(taskPid, ending);
          void pending;
          const pids = tree.map((p) => p.pid);
          assert.ok(
            await until(() => below(1).every((p) => !pids.includes(p.pid))),
            "every process of the run ends",
          );
          assert.deepEqual(leftovers(tmp), [], stderr);
        } finally {
          await client.close().catch(() => {});
        }
      });
    },
  });
}

Deno.test({
  name: "cleanup: hosted, SIGTERM while a streamed sign-in link is open → no directory remains",
  ignore: !LINUX || !CHROMIUM,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withTmp(async (tmp, env) => {
      const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (l.addr as Deno.NetAddr).port;
      l.close();
      const child = new Deno.Command(Deno.execPath(), {
        args: ["task", "--cwd", ROOT, "serve"],
        env: clientEnv({
          ...env,
          PORT: String(port),
          MCP_SSE_PUBLIC_URL: `http://127.0.0.1:${port}`,
        }),
        clearEnv: true,
        stdin: "null",
        stdout: "null",
        stderr: "piped",
        signal: AbortSignal.timeout(120_000),
      }).spawn();
      const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
      let seen = "";
      const drain = (async () => {
        while (true) {
          const { value, done } = await reader.read();
          if (done) return;
          seen += value;
        }
      })();
      try {
        assert.ok(await until(() => /serving MCP at/.test(seen)), seen);
        const client = new Client({ name: "cleanup-test", version: "1" });
        await client.connect(
          new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)),
        );
        const r = await client.callTool({ name: "authenticate_via_erp_browser", arguments: {} });
        const text = (r.content as { text: string }[])[0].text;
        assert.match(text, new RegExp(`http://127\\.0\\.0\\.1:${port}/erp-browser/`), seen);
        assert.ok(await until(() => browserUp(tmp)), `no browser started: ${seen}`);
        const pids = below(child.pid).map((p) => p.pid);
        child.kill("SIGTERM"); // what `docker stop` sends
        await child.status;
        assert.ok(
          await until(() => below(1).every((p) => !pids.includes(p.pid))),
          "every process of the run ends",
        );
        assert.deepEqual(leftovers(tmp), [], seen);
        await client.close().catch(() => {});
      } finally {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
        await child.status;
        await drain.catch(() => {});
      }
    });
  },
});
