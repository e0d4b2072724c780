/**
 * The real launcher, spawned as a GUI client spawns it: `<abs deno> task --cwd <repo> start` with
 * a bare environment whose PATH has no `deno`, driven by the SDK's stdio client. What the child
 * is granted is read from its own command line (/proc), and its lifetime from the process table.
 */
import assert from "node:assert/strict";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
import { StdioClientTransport } from "npm:@modelcontextprotocol/sdk@1.32.2/client/stdio.js";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import denoJson from "../../deno.json" with { type: "json" };
import { TODAY } from "../helpers.ts";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const LINUX = Deno.build.os === "linux";
/** A PATH without deno on it (GUI clients often start servers with a bare PATH). */
const BARE_PATH = Deno.makeTempDirSync({ prefix: "launcher_path_" });
/** Stands in for an installed browser where only its path matters. */
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

/** A client's environment: bare PATH, plus where Deno's cache is and the CA setting. */
function clientEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: BARE_PATH,
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

/** `deno task --cwd <repo> <task> …args` run to its end with only `env`. */
async function task(
  name: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string; err: string; lines: string[] }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--cwd", ROOT, name, ...args],
    env: clientEnv(env),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    // A launcher that hangs instead of failing is killed: the assertions then say so.
    signal: AbortSignal.timeout(60_000),
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  const err = text(out.stderr);
  // `deno task` echoes the task it runs; every other line is the server's.
  const lines = err.split("\n").filter((l) => l.trim() && !/^Task \w+ /.test(l));
  return { code: out.code, out: text(out.stdout), err, lines };
}

/** A free loopback port (listen on 0, close). */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = l.addr as Deno.NetAddr;
  l.close();
  return port;
}

// --- the process table (`ps`; Deno reads /proc only with --allow-all) -----------------------

interface Proc {
  pid: number;
  ppid: number;
  /** The command line, split at spaces (enough for the flags read here). */
  cmdline: string[];
}

/** Every live (not zombie) process. */
function procs(): Proc[] {
  const out = new Deno.Command("ps", {
    args: ["-e", "-ww", "-o", "pid=,ppid=,stat=,args="],
    stdout: "piped",
    stderr: "null",
  }).outputSync();
  return new TextDecoder().decode(out.stdout).split("\n").flatMap((line) => {
    const m = line.trim().match(/^(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/);
    if (!m || m[3].startsWith("Z")) return [];
    return [{ pid: Number(m[1]), ppid: Number(m[2]), cmdline: m[4].split(" ") }];
  });
}

/** The processes below `pid`, children first. */
function descendants(pid: number): Proc[] {
  const all = procs();
  const out: Proc[] = [];
  const walk = (p: number) => {
    for (const c of all.filter((x) => x.ppid === p)) {
      out.push(c);
      walk(c.pid);
    }
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  return procs().some((p) => p.pid === pid);
}

/** Waits until none of `pids` is alive, up to `ms`; returns those still alive. */
async function waitGone(pids: number[], ms = 20_000): Promise<number[]> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const live = new Set(procs().map((p) => p.pid));
    if (!pids.some((p) => live.has(p))) return [];
    await new Promise((r) => setTimeout(r, 100));
  }
  return pids.filter(alive);
}

/** The running launcher (src/start.ts) and server (main.ts or the demo) under a `deno task`. */
function tree(taskPid: number): { launcher: Proc; server: Proc } {
  const below = descendants(taskPid);
  const launcher = below.find((p) => p.cmdline.some((a) => a.endsWith("src/start.ts")));
  const server = below.find((p) =>
    p.cmdline.some((a) => a.endsWith("/main.ts") || a.endsWith("src/demo.ts"))
  );
  assert.ok(launcher && server, JSON.stringify(below.map((p) => p.cmdline)));
  return { launcher, server };
}

/** The values of one `--allow-x=` flag in a command line (undefined when absent). */
function grant(cmdline: string[], name: string): string[] | undefined {
  const flag = cmdline.find((a) => a.startsWith(`--allow-${name}=`) || a === `--allow-${name}`);
  return flag?.includes("=") ? flag.split("=")[1].split(",") : flag ? ["<all>"] : undefined;
}

/** Connects a real MCP client to `deno task <name>` with a client's bare environment. */
async function connect(
  name: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ client: Client; transport: StdioClientTransport; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["task", "--cwd", ROOT, name, ...args],
    env: clientEnv(env),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (c: Uint8Array) => stderr += new TextDecoder().decode(c));
  const client = new Client({ name: "launcher-test", version: "1" });
  await client.connect(transport);
  return { client, transport, stderr: () => stderr };
}

/** Runs `fn` with the sandbox up and alice's client environment for `deno task start`. */
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
      MCP_TIMEZONE: "UTC",
      MCP_OAUTH_PORT: "8765",
      MCP_GOOGLE_CLIENT_ID: "launcher-test",
    }, sb);
  } finally {
    await sb.close();
  }
}

// --- start-up from a GUI client -------------------------------------------------------------

Deno.test({
  name: "launcher: deno task start serves MCP with no deno on PATH, with the narrow grants",
  ignore: !LINUX || !CHROMIUM,
  async fn() {
    await withSandbox(async (env, sb) => {
      const { client, transport } = await connect("start", [], {
        ...env,
        MCP_BROWSER_PATH: CHROMIUM!,
        TMPDIR: "/tmp",
      });
      try {
        const who = await client.callTool({ name: "whoami", arguments: {} });
        assert.equal((who.structuredContent as { email: string }).email, "alice@example.com");
        const { server } = tree(transport.pid!);
        const port = new URL(sb.apiBase).port;
        // Written out: what the stdio server may reach, run, read and write.
        assert.deepEqual(grant(server.cmdline, "net"), [`127.0.0.1:${port}`, "127.0.0.1:8765"]);
        assert.deepEqual(grant(server.cmdline, "run"), [CHROMIUM]);
        const write = grant(server.cmdline, "write");
        assert.equal(write?.length, 1);
        assert.match(write![0], /^\/tmp\/project-logs-mcp-[0-9a-f]{8}$/);
        assert.deepEqual(grant(server.cmdline, "read"), [
          `${ROOT}/authorized_users.json`,
          write![0],
          CHROMIUM,
        ]);
        assert.ok(Deno.statSync(write![0]).isDirectory, "the dedicated directory exists");
        assert.equal(Deno.statSync(write![0]).mode! & 0o777, 0o700, "private to this user");
        await client.close();
        assert.deepEqual(await waitGone([server.pid]), [], "the server ends with its stdin");
        assert.throws(() => Deno.statSync(write![0]), "the dedicated directory is removed");
      } finally {
        await client.close();
      }
    });
  },
});

Deno.test({
  name:
    "launcher: the ERP browser sign-in runs the browser in the dedicated directory, over a pipe",
  ignore: !LINUX || !CHROMIUM,
  async fn() {
    await withSandbox(async (env) => {
      const tmp = await Deno.makeTempDir({ prefix: "launcher_tmp_" });
      const { client, transport, stderr } = await connect("start", [], {
        ...env,
        ERP_API_TOKEN: "",
        MCP_BROWSER_PATH: CHROMIUM!,
        MCP_BROWSER_HEADLESS: "true",
        MCP_SIGNIN_TIMEOUT_SECONDS: "3",
        TMPDIR: tmp,
      });
      try {
        const { server } = tree(transport.pid!);
        const [own] = grant(server.cmdline, "write")!;
        assert.equal(own.slice(0, tmp.length + 18), `${tmp}/project-logs-mcp-`);
        // The browser starts (no loopback grant: it is driven over a pipe) and waits for a
        // person who never comes.
        const r = await client.callTool({ name: "authenticate_via_erp_browser", arguments: {} });
        const text = (r.content as { text: string }[])[0].text;
        assert.match(text, /No sign-in in the browser within 3 seconds/, stderr());
        await client.close();
        assert.deepEqual(await waitGone([server.pid]), []);
        assert.deepEqual([...Deno.readDirSync(tmp)], [], "nothing left in the temp folder");
      } finally {
        await client.close();
        await Deno.remove(tmp, { recursive: true });
      }
    });
  },
});

Deno.test({
  name: "launcher: deno task serve listens where told, and is not granted the Google port",
  ignore: !LINUX,
  async fn() {
    await withSandbox(async (env, sb) => {
      const port = freePort();
      const child = new Deno.Command(Deno.execPath(), {
        args: ["task", "--cwd", ROOT, "serve"],
        env: clientEnv({ ...env, PORT: String(port), MCP_BROWSER_PATH: "" }),
        clearEnv: true,
        stdin: "null",
        stdout: "null",
        stderr: "piped",
        // A server that never says it listens is killed, ending the read below.
        signal: AbortSignal.timeout(60_000),
      }).spawn();
      try {
        const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
        let seen = "";
        while (!/serving MCP at/.test(seen)) {
          const { value, done } = await reader.read();
          if (done) break;
          seen += value;
        }
        assert.match(seen, new RegExp(`serving MCP at http://127\\.0\\.0\\.1:${port}/mcp`));
        const { server } = tree(child.pid);
        assert.deepEqual(grant(server.cmdline, "net"), [
          `127.0.0.1:${new URL(sb.apiBase).port}`,
          `127.0.0.1:${port}`,
        ]);
        const health = await fetch(`http://127.0.0.1:${port}/healthz`);
        await health.body?.cancel();
        assert.equal(health.status, 200);
        reader.releaseLock();
        await child.stderr.cancel().catch(() => {});
      } finally {
        child.kill("SIGTERM");
        await child.status;
      }
    });
  },
});

for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
  Deno.test({
    name: `launcher: ${signal} to the launcher ends the server at once`,
    ignore: !LINUX,
    async fn() {
      await withSandbox(async (env) => {
        const { client, transport } = await connect("start", [], env);
        try {
          const { launcher, server } = tree(transport.pid!);
          Deno.kill(launcher.pid, signal);
          assert.deepEqual(await waitGone([launcher.pid, server.pid]), []);
        } finally {
          await client.close();
        }
      });
    },
  });
}

Deno.test({
  name: "launcher: SIGTERM to deno task (what a client sends) ends every process",
  ignore: !LINUX,
  async fn() {
    await withSandbox(async (env) => {
      const { client, transport } = await connect("start", [], env);
      try {
        const { launcher, server } = tree(transport.pid!);
        Deno.kill(transport.pid!, "SIGTERM");
        assert.deepEqual(await waitGone([transport.pid!, launcher.pid, server.pid]), []);
      } finally {
        await client.close();
      }
    });
  },
});

for (const victim of ["deno task", "launcher"] as const) {
  Deno.test({
    name: `launcher: after SIGKILL of the ${victim}, the server notices and exits`,
    ignore: !LINUX,
    async fn() {
      await withSandbox(async (env) => {
        const { client, transport } = await connect("start", [], env);
        try {
          const { launcher, server } = tree(transport.pid!);
          Deno.kill(victim === "launcher" ? launcher.pid : transport.pid!, "SIGKILL");
          // Nobody closes the server's stdin: it must notice that it was re-parented.
          assert.deepEqual(await waitGone([launcher.pid, server.pid]), []);
        } finally {
          await client.close();
        }
      });
    },
  });
}

// --- start-up failures ----------------------------------------------------------------------

const failures: {
  name: string;
  task?: string;
  args?: string[];
  env: (ctx: { held: number; erp: string }) => Record<string, string>;
  re: RegExp;
}[] = [
  {
    name: "serve on a port in use",
    task: "serve",
    env: ({ held, erp }) => ({ ERP_API_BASE_URL: erp, PORT: String(held) }),
    re:
      /^project-logs-mcp: Cannot listen on 127\.0\.0\.1:(\d+): port \1 is in use — pass --port N or set PORT$/,
  },
  {
    name: "the sandbox on a port in use",
    task: "sandbox",
    env: () => ({}),
    re: /^Cannot listen on 127\.0\.0\.1:(\d+): port \1 is in use — pass --port N$/,
  },
  {
    name: "a pasted Authorization line in ERP_API_TOKEN",
    env: ({ erp }) => ({ ERP_API_BASE_URL: erp, ERP_API_TOKEN: "Authorization: Token abc123" }),
    re:
      /^project-logs-mcp: Cannot use ERP_API_TOKEN: it holds a space — set only the Authorization header's value/,
  },
  {
    name: "an ERP_API_TOKEN over the cap",
    env: ({ erp }) => ({ ERP_API_BASE_URL: erp, ERP_API_TOKEN: "k".repeat(600) }),
    re: /^project-logs-mcp: Cannot use ERP_API_TOKEN: it is 600 characters long, over 512/,
  },
  {
    name: "an ERP_API_TOKEN copied with an example's ellipsis",
    env: ({ erp }) => ({ ERP_API_BASE_URL: erp, ERP_API_TOKEN: "Token 0123abcd\u2026" }),
    re:
      /^project-logs-mcp: Cannot use ERP_API_TOKEN: it holds a character an HTTP header cannot carry/,
  },
  {
    name: "a missing browser",
    env: ({ erp }) => ({ ERP_API_BASE_URL: erp, MCP_BROWSER_PATH: "/nonexistent/chrome" }),
    re:
      /^project-logs-mcp: No browser at "\/nonexistent\/chrome" \(MCP_BROWSER_PATH \/ --browser-path\): point MCP_BROWSER_PATH at/,
  },
  {
    name: "a bad flag",
    args: ["--no-confrim"],
    env: ({ erp }) => ({ ERP_API_BASE_URL: erp }),
    re: /^project-logs-mcp: Unknown flag "--no-confrim": see --help for the flags$/,
  },
  {
    name: "an ERP URL without a scheme",
    env: () => ({ ERP_API_BASE_URL: "erp.example.com/api/v1/" }),
    re:
      /^project-logs-mcp: Invalid URL "erp\.example\.com\/api\/v1\/" in --erp-url \/ ERP_API_BASE_URL/,
  },
  {
    name: "a comma in MCP_BROWSER_PATH",
    env: ({ erp }) => ({ ERP_API_BASE_URL: erp, MCP_BROWSER_PATH: "/usr/bin/chromium,/bin/sh" }),
    re:
      /^project-logs-mcp: Cannot use "\/usr\/bin\/chromium,\/bin\/sh" from MCP_BROWSER_PATH \(--browser-path\): a comma cannot be granted/,
  },
  {
    name: "a comma in the allowlist file",
    env: ({ erp }) => ({ ERP_API_BASE_URL: erp, MCP_AUTHORIZED_USERS_FILE: "/etc/a.json,/" }),
    re: /^project-logs-mcp: Cannot use "\/etc\/a\.json,\/" from the allowlist file/,
  },
  {
    name: "a comma in MCP_HOLIDAYS",
    env: ({ erp }) => ({ ERP_API_BASE_URL: erp, MCP_HOLIDAYS: "/etc/h.txt,/" }),
    re: /^project-logs-mcp: Cannot use "\/etc\/h\.txt,\/" from MCP_HOLIDAYS/,
  },
  {
    name: "a comma in TMPDIR",
    env: ({ erp }) => ({
      ERP_API_BASE_URL: erp,
      MCP_BROWSER_PATH: Deno.execPath(),
      TMPDIR: "/tmp,/",
    }),
    re: /^project-logs-mcp: Cannot use "\/tmp,\/" from TMPDIR: a comma cannot be granted/,
  },
];
for (const c of failures) {
  Deno.test(`launcher: ${c.name} stops start-up with one line and exit code 2`, async () => {
    const held = freePort();
    const listener = Deno.listen({ hostname: "127.0.0.1", port: held });
    try {
      const env: Record<string, string> = {
        MCP_AUTHORIZED_USERS: "alice@example.com",
        ...c.env({ held, erp: "https://erp.example.com/api/v1/" }),
      };
      const args = c.args ?? (c.task === "sandbox" ? ["--port", String(held)] : []);
      const r = await task(c.task ?? "start", args, env);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.lines.length, 1, r.err);
      assert.match(r.lines[0], c.re);
      assert.doesNotMatch(r.err, /^\s+at /m, "no stack trace");
      assert.equal(r.out, "", "stdout belongs to MCP");
      if (env.ERP_API_TOKEN) assert.ok(!r.err.includes("abc123") && !r.err.includes("kkkk"));
    } finally {
      listener.close();
    }
  });
}

// --- nothing configured ---------------------------------------------------------------------

Deno.test("launcher: --help, --version, tools and doctor work from source with nothing set", async () => {
  const help = await task("start", ["--help"], {});
  assert.equal(help.code, 0, help.err);
  assert.match(help.out, /^Usage:/m);
  const version = await task("start", ["--version"], {});
  assert.equal(version.code, 0, version.err);
  assert.equal(version.out.trim(), denoJson.version);
  const tools = await task("start", ["tools"], {});
  assert.equal(tools.code, 0, tools.err);
  assert.ok(tools.out.trim().split("\n").length >= 16, tools.out);
  const doctor = await task("start", ["doctor"], {});
  assert.equal(doctor.code, 1, doctor.err);
  assert.match(doctor.out, /^✘ ERP URL not set — set ERP_API_BASE_URL/m);
  assert.doesNotMatch(doctor.err + doctor.out, /^\s+at /m);
});

// --- the demo -------------------------------------------------------------------------------

Deno.test({
  name: "launcher: deno task demo takes the server's flags and passes MCP_* variables through",
  ignore: !LINUX,
  async fn() {
    const { client, transport } = await connect("demo", ["--no-confirm"], {
      MCP_READ_ONLY: "true",
      MCP_TIMEZONE: "Pacific/Kiritimati",
    });
    try {
      const { server } = tree(transport.pid!);
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name);
      assert.ok(names.includes("get_week_logs"), names.join());
      assert.ok(!names.includes("create_or_update_log"), "MCP_READ_ONLY reached the demo");
      assert.match(client.getInstructions() ?? "", /Pacific\/Kiritimati/);
      const who = await client.callTool({ name: "whoami", arguments: {} });
      assert.equal((who.structuredContent as { email: string }).email, "alice@example.com");
      await client.close();
      assert.deepEqual(await waitGone([server.pid]), [], "the demo ends with its stdin");
    } finally {
      await client.close();
    }
  },
});

// --- what a first start downloads -----------------------------------------------------------

Deno.test("launcher: deno.lock holds only packages the server's own import graph uses", async () => {
  // Deno installs every npm package in deno.lock on the first `deno task start`, whether the
  // program imports it or not: a test-only package there (the conformance suite, 20+ tarballs)
  // would be downloaded by every new user. Test-only and release-only packages are locked apart
  // (tests/tests.lock for the test run, tests/conformance.lock, packaging/packaging.lock). `--no-lock`: with the lock, `deno info`
  // lists every package the lock holds, used or not, and this test could never fail.
  const used = new Set<string>();
  for (const entry of ["main.ts", "src/demo.ts", "src/start.ts"]) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--no-lock", entry],
      cwd: ROOT,
      env: clientEnv(),
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const info = JSON.parse(new TextDecoder().decode(out.stdout));
    for (const key of Object.keys(info.npmPackages ?? {})) used.add(key);
  }
  const lock = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.lock`));
  const locked = Object.keys(lock.npm ?? {});
  assert.ok(used.size > 0 && locked.length > 0);
  assert.deepEqual(locked.filter((p) => !used.has(p)), [], "locked but not used by the server");
  assert.ok(
    !Object.values(denoJson.imports as Record<string, string>).some((s) => /conformance/.test(s)),
  );
  // `deno task` also locks every npm package deno.json's imports name, used or not: test-only
  // packages (the 2025-era SDK 1.x clients) are named by full `npm:` specifier in the tests.
  const mapped = Object.values(denoJson.imports as Record<string, string>)
    .map((s) => /^npm:\/?(@?[^@]+)@/.exec(s)?.[1]).filter((n): n is string => n !== undefined);
  const usedNames = new Set([...used].map((p) => p.replace(/^(@?[^@]+)@.*$/, "$1")));
  assert.deepEqual(
    mapped.filter((n) => !usedNames.has(n)),
    [],
    "mapped but not used by the server",
  );
});
