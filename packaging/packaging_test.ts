/**
 * The install routes, checked on every change since the release workflow cannot run here:
 * bundle manifests through the bundle tool's own validator and host code (`@anthropic-ai/mcpb`),
 * a bundle packed from a stand-in executable and run as a host runs it (packaging/smoke.ts, the
 * release's per-platform smoke test), server.json against the MCP Registry's published schema,
 * the release workflow's jobs and matrices, and the README's one-click install links.
 * The npm tools used here (mcpb, ajv, yaml, zip.js) are test and release tooling only, locked
 * apart in packaging/packaging.lock (`deno task test` runs this file with it), so that deno.lock,
 * which Deno downloads whole on a first `deno task start`, never holds them.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  getMcpConfigForManifest,
  type McpbManifestAny,
  validateManifest,
} from "npm:@anthropic-ai/mcpb@2.1.2";
import { Ajv } from "npm:ajv@8.20.0";
import addFormatsModule from "npm:ajv-formats@3.0.1";
import { parse as parseYaml } from "npm:yaml@2.9.1";
import {
  configure as configureZip,
  Uint8ArrayReader,
  Uint8ArrayWriter,
  ZipReader,
} from "npm:@zip.js/zip.js@2.24.0";
import { compileFlags, TARGETS } from "../src/cli/compile.ts";
import { ENV_VARS } from "../src/config.ts";
import {
  bundleManifest,
  DEFAULT_REPOSITORY,
  installLinks,
  LINKS_END,
  LINKS_START,
  SERVER_SCHEMA_URL,
} from "./mod.ts";
import type { ServerJsonOptions } from "./build.ts";
import type { SmokeOptions } from "./smoke.ts";

const ROOT = decodeURIComponent(new URL("../", import.meta.url).pathname);
const decoder = new TextDecoder();
const HOST_TARGET = "x86_64-unknown-linux-gnu";

configureZip({ useWebWorkers: false });

const denoJson = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
const VERSION: string = denoJson.version;
/**
 * The tool names `tools/list` answers a host without MCP Apps, from the golden snapshot the
 * surface test keeps fresh (the grid's app-only tools are listed only to a host that renders it).
 */
const GOLDEN_TOOLS: string[] = JSON.parse(
  await Deno.readTextFile(`${ROOT}tests/golden/tools.json`),
).filter((t: { _meta?: { ui?: { visibility?: string[] } } }) =>
  t._meta?.ui?.visibility?.join() !== "app"
).map((t: { name: string }) => t.name);

/** Runs a deno task from the repository root. */
async function task(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", ...args],
    cwd: ROOT,
    env: { DENO_TLS_CA_STORE: "system", NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, out: decoder.decode(out.stdout) + decoder.decode(out.stderr) };
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/**
 * A stand-in for the Linux x64 executable (no `deno compile` here): a script running main.ts
 * under the very permission flags the generic release build bakes in.
 */
async function standIn(dir: string): Promise<string> {
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const flags = compileFlags({}, HOST_TARGET).map(q).join(" ");
  const exe = `${dir}/project-logs-mcp-${HOST_TARGET}`;
  await Deno.writeTextFile(
    exe,
    `#!/bin/sh\nDENO_TLS_CA_STORE=system exec ${q(Deno.execPath())} run ${flags} ${
      q(`${ROOT}main.ts`)
    } "$@"\n`,
  );
  // As an executable arrives from another job's artifact: without its mode bits.
  await Deno.chmod(exe, 0o644);
  return exe;
}

/** Packs the stand-in with `deno task package bundles`; resolves with the folder and paths. */
async function packStandIn() {
  const dir = await Deno.makeTempDir({ prefix: "packaging_test_" });
  const exe = await standIn(dir);
  const run = await task("package", "bundles", "--from", dir, "--out", `${dir}/out`, HOST_TARGET);
  assert.equal(run.code, 0, run.out);
  return { dir, exe, bundle: `${dir}/out/project-logs-mcp-${HOST_TARGET}.mcpb` };
}

/** `deno task smoke` (packaging/smoke.ts, as the release workflow runs it) with these options. */
function smokeTask(o: Omit<SmokeOptions, "log">) {
  const flags = (["sums", "exe", "version"] as const).flatMap((k) => o[k] ? [`--${k}`, o[k]] : []);
  return task("smoke", o.bundle, ...flags);
}

/** `deno task package server-json` (packaging/build.ts, as the release workflow runs it). */
function serverJsonTask(o: Omit<ServerJsonOptions, "version"> & { out?: string }) {
  const flags = (["out", "repository"] as const).flatMap((k) => o[k] ? [`--${k}`, o[k]] : []);
  return task("package", "server-json", "--from", o.from, ...flags);
}

/** The bundle tool's validator prints to the console; keep the test output readable. */
function quietly<T>(fn: () => T): T {
  const log = console.log;
  console.log = () => {};
  try {
    return fn();
  } finally {
    console.log = log;
  }
}

Deno.test("bundle manifest: each platform's passes the bundle tool's own validator, with every tool and the four settings", async () => {
  const dir = await Deno.makeTempDir({ prefix: "packaging_manifest_" });
  try {
    await Deno.copyFile(`${ROOT}packaging/icon.png`, `${dir}/icon.png`);
    // A PNG's IHDR holds width and height at bytes 16–23: Claude Desktop wants 512×512.
    const ihdr = new DataView((await Deno.readFile(`${dir}/icon.png`)).buffer, 16, 8);
    assert.deepEqual([ihdr.getUint32(0), ihdr.getUint32(4)], [512, 512]);
    const tools = GOLDEN_TOOLS.map((name) => ({ name, description: `${name} does things` }));
    const expected: Record<string, [string, string]> = {
      "x86_64-unknown-linux-gnu": ["linux", "server/project-logs-mcp"],
      "aarch64-unknown-linux-gnu": ["linux", "server/project-logs-mcp"],
      "x86_64-apple-darwin": ["darwin", "server/project-logs-mcp"],
      "aarch64-apple-darwin": ["darwin", "server/project-logs-mcp"],
      "x86_64-pc-windows-msvc": ["win32", "server/project-logs-mcp.exe"],
    };
    assert.deepEqual([...TARGETS].sort(), Object.keys(expected).sort());
    for (const target of TARGETS) {
      // deno-lint-ignore no-explicit-any
      const m = bundleManifest(target, { version: VERSION, tools }) as any;
      await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify(m));
      assert.ok(quietly(() => validateManifest(`${dir}/manifest.json`)), target);
      assert.equal(m.manifest_version, "0.4");
      assert.equal(m.version, VERSION);
      assert.equal(m.server.type, "binary");
      assert.deepEqual(m.compatibility.platforms, [expected[target][0]]);
      assert.equal(m.server.entry_point, expected[target][1]);
      assert.equal(m.server.mcp_config.command, `\${__dirname}/${expected[target][1]}`);
      assert.deepEqual(m.tools.map((t: { name: string }) => t.name), GOLDEN_TOOLS);
      // Each setting becomes one of the server's own variables; the token is a secret.
      const env = m.server.mcp_config.env as Record<string, string>;
      assert.deepEqual(Object.keys(env).sort(), [
        "ERP_API_BASE_URL",
        "ERP_API_TOKEN",
        "MCP_AUTHORIZED_USERS",
        "MCP_TIMEZONE",
      ]);
      for (const name of Object.keys(env)) {
        assert.ok((ENV_VARS as readonly string[]).includes(name), `${name} is read by the server`);
        const key = env[name].match(/^\$\{user_config\.(\w+)\}$/)?.[1];
        assert.ok(key && m.user_config[key], `${name} comes from a setting`);
      }
      const tokenKey = env.ERP_API_TOKEN.slice("${user_config.".length, -1);
      assert.equal(m.user_config[tokenKey].sensitive, true);
      for (const name of ["ERP_API_BASE_URL", "MCP_AUTHORIZED_USERS"]) {
        assert.equal(m.user_config[env[name].slice(14, -1)].required, true, name);
      }
    }
    // The validator can fail: a server type the format does not know.
    // deno-lint-ignore no-explicit-any
    const bad = bundleManifest(HOST_TARGET, { version: VERSION, tools }) as any;
    bad.server.type = "deno";
    await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify(bad));
    assert.equal(quietly(() => validateManifest(`${dir}/manifest.json`)), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bundle manifest: the host's own substitution leaves no placeholder when only the required settings are given", async () => {
  const manifest = bundleManifest(HOST_TARGET, { version: VERSION, tools: [] });
  const resolve = (userConfig: Record<string, string>) =>
    getMcpConfigForManifest({
      manifest: manifest as unknown as McpbManifestAny,
      extensionPath: "/opt/bundle",
      systemDirs: {},
      userConfig,
      pathSeparator: "/",
    });
  const config = await resolve({
    erp_api_base_url: "https://erp.example.com/api/v1/",
    authorized_users: "you@example.com",
  });
  assert.deepEqual(config?.env, {
    ERP_API_BASE_URL: "https://erp.example.com/api/v1/",
    MCP_AUTHORIZED_USERS: "you@example.com",
    // Empty reads as unset in src/config.ts: the token is asked in the chat, the zone is the OS's.
    ERP_API_TOKEN: "",
    MCP_TIMEZONE: "",
  });
  assert.equal(config?.command, "/opt/bundle/server/project-logs-mcp");
  // Without the ERP URL the host does not start the server at all.
  assert.equal(await resolve({ authorized_users: "you@example.com" }), undefined);
});

Deno.test("bundle: packing a stand-in executable gives manifest.json, icon.png and a runnable server/project-logs-mcp", async () => {
  const { dir, exe, bundle } = await packStandIn();
  try {
    const reader = new ZipReader(new Uint8ArrayReader(await Deno.readFile(bundle)));
    const entries = await reader.getEntries();
    const read = async (name: string) => {
      const entry = entries.find((e) => e.filename === name);
      assert.ok(entry && !entry.directory, `${name} is in the bundle`);
      return await entry.getData!(new Uint8ArrayWriter());
    };
    assert.deepEqual(entries.map((e) => e.filename).sort(), [
      "icon.png",
      "manifest.json",
      "server/project-logs-mcp",
    ]);
    const server = entries.find((e) => e.filename === "server/project-logs-mcp")!;
    assert.equal(
      (server.externalFileAttributes >>> 16) & 0o755,
      0o755,
      "the executable keeps rwxr-xr-x",
    );
    assert.deepEqual(await read("server/project-logs-mcp"), await Deno.readFile(exe));
    assert.deepEqual(await read("icon.png"), await Deno.readFile(`${ROOT}packaging/icon.png`));
    const manifest = JSON.parse(decoder.decode(await read("manifest.json")));
    assert.equal(manifest.version, VERSION);
    assert.equal(manifest.icon, "icon.png");
    assert.equal(manifest.server.entry_point, "server/project-logs-mcp");
    assert.deepEqual(manifest.tools.map((t: { name: string }) => t.name), GOLDEN_TOOLS);
    await reader.close();

    const missing = await task("package", "bundles", "--from", dir, "--out", `${dir}/out`);
    assert.notEqual(missing.code, 0);
    assert.match(missing.out, /Cannot pack "aarch64-unknown-linux-gnu": no executable at/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("smoke: the packed bundle runs as a host runs it — checksums, --version, an MCP session signed in through the settings, doctor", async () => {
  const { dir, exe, bundle } = await packStandIn();
  try {
    const sums = async (file: string, wrong = false) => {
      const lines = await Promise.all([exe, bundle].map(async (f) => {
        const hash = sha256(await Deno.readFile(f));
        return `${
          wrong && f === bundle ? hash.replace(/^./, hash[0] === "0" ? "1" : "0") : hash
        }  ${f.replace(/^.*\//, "")}`;
      }));
      await Deno.writeTextFile(file, lines.join("\n") + "\n");
      return file;
    };
    const ok = await smokeTask({
      bundle,
      sums: await sums(`${dir}/SHA256SUMS.txt`),
      exe,
      version: VERSION,
    });
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /✔ checksums match/);
    assert.match(ok.out, new RegExp(`✔ --version: ${VERSION.replaceAll(".", "\\.")}`));
    assert.match(ok.out, new RegExp(`✔ MCP over stdio: ${GOLDEN_TOOLS.length} tools, signed in`));
    assert.match(ok.out, /✔ ERP_API_TOKEN accepted/);

    const tampered = await smokeTask({ bundle, sums: await sums(`${dir}/BAD.txt`, true) });
    assert.equal(tampered.code, 1, tampered.out);
    assert.match(tampered.out, /✘ Checksum of "project-logs-mcp-x86_64-unknown-linux-gnu\.mcpb"/);

    const otherVersion = await smokeTask({ bundle, version: "9.9.9" });
    assert.equal(otherVersion.code, 1, otherVersion.out);
    assert.match(otherVersion.out, /Manifest version ".*": expected "9\.9\.9"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The registry's schema, compiled by ajv (the vendored copy in packaging/). */
async function registryValidator() {
  const schema = JSON.parse(await Deno.readTextFile(`${ROOT}packaging/server.schema.json`));
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
    addFormatsModule) as (ajv: Ajv) => Ajv;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return { schema, validate: ajv.compile(schema) };
}

Deno.test("server.json: the script fills version and each bundle's SHA-256, and the registry's schema accepts it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "packaging_server_json_" });
  try {
    const hashes: Record<string, string> = {};
    for (const target of TARGETS) {
      const bytes = new TextEncoder().encode(`bundle for ${target}`);
      await Deno.writeFile(`${dir}/project-logs-mcp-${target}.mcpb`, bytes);
      hashes[target] = sha256(bytes);
    }
    const run = await serverJsonTask({
      from: dir,
      out: `${dir}/server.json`,
      repository: "Acme/Logs-MCP",
    });
    assert.equal(run.code, 0, run.out);
    const doc = JSON.parse(await Deno.readTextFile(`${dir}/server.json`));

    const { schema, validate } = await registryValidator();
    assert.equal(schema.$id, SERVER_SCHEMA_URL);
    assert.ok(validate(structuredClone(doc)), JSON.stringify(validate.errors));
    assert.equal(doc.$schema, SERVER_SCHEMA_URL);
    assert.equal(doc.name, "io.github.Acme/Logs-MCP");
    assert.equal(doc.version, VERSION);
    const bundles = doc.packages.filter((p: { registryType: string }) => p.registryType === "mcpb");
    assert.deepEqual(
      bundles.map((p: { identifier: string; fileSha256: string }) => [p.identifier, p.fileSha256]),
      TARGETS.map((t) => [
        `https://github.com/Acme/Logs-MCP/releases/download/v${VERSION}/project-logs-mcp-${t}.mcpb`,
        hashes[t],
      ]),
    );
    const image = doc.packages.find((p: { registryType: string }) => p.registryType === "oci");
    assert.equal(image.identifier, `ghcr.io/acme/logs-mcp:${VERSION}`);
    assert.equal(image.transport.type, "stdio");
    assert.equal(doc.remotes[0].url, "https://{host}/mcp");
    for (const p of doc.packages) {
      const token = p.environmentVariables.find((e: { name: string }) =>
        e.name === "ERP_API_TOKEN"
      );
      assert.equal(token.isSecret, true, p.identifier);
    }

    // The schema can fail: a description past the registry's 100 characters, a short hash.
    assert.equal(validate({ ...doc, description: "x".repeat(101) }), false);
    const badHash = structuredClone(doc);
    badHash.packages[0].fileSha256 = "abc";
    assert.equal(validate(badHash), false);

    await Deno.remove(`${dir}/project-logs-mcp-x86_64-pc-windows-msvc.mcpb`);
    const missing = await serverJsonTask({ from: dir });
    assert.notEqual(missing.code, 0);
    assert.match(missing.out, /no bundle at ".*x86_64-pc-windows-msvc\.mcpb"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The GitHub-hosted runner labels and the target each one is (x64 unless the label says arm). */
const RUNNERS: Record<string, string> = {
  "ubuntu-24.04": "x86_64-unknown-linux-gnu",
  "ubuntu-24.04-arm": "aarch64-unknown-linux-gnu",
  "macos-15-intel": "x86_64-apple-darwin",
  "macos-15": "aarch64-apple-darwin",
  "windows-2025": "x86_64-pc-windows-msvc",
};

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  "runs-on": string;
  strategy?: { matrix: { include: Record<string, string>[] } };
  permissions?: Record<string, string>;
  steps: Step[];
}

Deno.test("release workflow: every platform's bundle is tried on its own runner before anything is published", async () => {
  const wf = parseYaml(await Deno.readTextFile(`${ROOT}.github/workflows/release.yml`)) as {
    jobs: Record<string, Job>;
  };
  const { build, smoke, container, release, registry } = wf.jobs;
  const runs = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");
  const needs = (job: Job) => [job.needs ?? []].flat();

  assert.match(runs(build), /deno task compile/);
  assert.match(runs(build), /deno task package bundles/);
  assert.match(runs(build), /sha256sum project-logs-mcp-\*/);
  assert.match(runs(build), /deno task package server-json .*--repository "\$GITHUB_REPOSITORY"/);

  const matrix = smoke.strategy!.matrix.include;
  assert.deepEqual(matrix.map((m) => m.target).sort(), [...TARGETS].sort());
  for (const m of matrix) {
    assert.equal(RUNNERS[m.runner], m.target, `${m.runner} runs ${m.target}`);
    assert.equal(
      m.exe,
      `project-logs-mcp-${m.target}${m.target.includes("windows") ? ".exe" : ""}`,
    );
  }
  assert.equal(smoke["runs-on"], "${{ matrix.runner }}");
  assert.match(
    runs(smoke),
    /deno task smoke "out\/project-logs-mcp-\$\{\{ matrix\.target \}\}\.mcpb"/,
  );
  assert.match(runs(smoke), /--sums out\/SHA256SUMS\.txt --exe "out\/\$\{\{ matrix\.exe \}\}"/);

  const uses = container.steps.map((s) => s.uses ?? "");
  assert.ok(uses.some((u) => u.startsWith("docker/setup-qemu-action@")));
  assert.ok(uses.some((u) => u.startsWith("docker/setup-buildx-action@")));
  const push = container.steps.find((s) => s.with?.push === true as unknown as string)!;
  assert.equal(push.with!.platforms, "linux/amd64,linux/arm64");
  assert.match(push.with!.labels, /io\.modelcontextprotocol\.server\.name=/);
  assert.equal(container.permissions?.packages, "write");
  assert.match(runs(container), /image="ghcr\.io\/\$\{GITHUB_REPOSITORY,,\}"/);
  assert.match(runs(container), /tags=\$image:\$version,\$image:latest/);
  // The image is tried as the README runs it, over HTTP and over stdio, before the push.
  assert.match(runs(container), /docker run -d --name smoke -p 8000:8000 \\\n/);
  assert.match(runs(container), /curl -fsS http:\/\/127\.0\.0\.1:8000\/healthz/);
  assert.match(runs(container), /docker run -i --rm \\\n[\s\S]*?:smoke deno task start\)/);
  const tried = container.steps.findIndex((s) => s.run?.includes("curl -fsS"));
  assert.ok(tried >= 0 && tried < container.steps.indexOf(push), "tried before the push");

  // Nothing is published before every platform passed.
  assert.ok(needs(container).includes("smoke"));
  assert.deepEqual(needs(release).sort(), ["container", "smoke"]);
  assert.match(runs(release), /out\/project-logs-mcp-\* out\/SHA256SUMS\.txt/);
  assert.match(runs(release), /out\/server\.json/);
  assert.deepEqual(needs(registry), ["release"]);
  assert.equal(registry.permissions?.["id-token"], "write");
  assert.match(runs(registry), /mcp-publisher login github-oidc/);

  // CI packs and smoke-tests a real compiled executable on every change.
  const ci = await Deno.readTextFile(`${ROOT}.github/workflows/ci.yml`);
  const ciJobs = (parseYaml(ci) as { jobs: Record<string, Job> }).jobs;
  assert.match(runs(ciJobs.bundle), /deno task compile x86_64-unknown-linux-gnu/);
  assert.match(
    runs(ciJobs.bundle),
    /deno task smoke out\/project-logs-mcp-x86_64-unknown-linux-gnu\.mcpb/,
  );

  // Every task the workflows call exists.
  const called = [...(runs(build) + runs(smoke) + ci).matchAll(/deno task (\w[\w-]*)/g)]
    .map((m) => m[1]);
  assert.ok(called.includes("ok"), "CI runs deno task ok");
  for (const name of called) assert.ok(denoJson.tasks[name], `deno task ${name} exists`);
});

Deno.test("README: the one-click links are generated, and open VS Code and Cursor with the right command and a password prompt for the token", async () => {
  const check = await task("package", "links", "--check");
  assert.equal(check.code, 0, check.out);
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  const block = readme.slice(readme.indexOf(LINKS_START), readme.indexOf(LINKS_END));
  const links = installLinks(VERSION);
  for (const link of Object.values(links)) assert.ok(block.includes(`](${link})`));

  const image = `ghcr.io/${DEFAULT_REPOSITORY.toLowerCase()}:${VERSION}`;
  const vscode = new URL(links.vscodeDocker);
  assert.equal(vscode.origin + vscode.pathname, "https://insiders.vscode.dev/redirect/mcp/install");
  const inputs = JSON.parse(vscode.searchParams.get("inputs")!);
  const config = JSON.parse(vscode.searchParams.get("config")!);
  assert.equal(config.command, "docker");
  assert.deepEqual(config.args.slice(0, 3), ["run", "-i", "--rm"]);
  assert.deepEqual(config.args.slice(-4), [image, "deno", "task", "start"]);
  const token = config.env.ERP_API_TOKEN.match(/^\$\{input:(\w+)\}$/)[1];
  assert.equal(inputs.find((i: { id: string }) => i.id === token).password, true);
  // Every variable comes from a prompt, and reaches the container by name only (no value in args).
  for (const name of ["ERP_API_BASE_URL", "MCP_AUTHORIZED_USERS", "ERP_API_TOKEN"]) {
    const id = config.env[name].match(/^\$\{input:(\w+)\}$/)[1];
    assert.ok(
      inputs.some((i: { id: string; type: string }) => i.id === id && i.type === "promptString"),
    );
    assert.ok(config.args.join(" ").includes(`-e ${name} `), name);
  }
  const exe = JSON.parse(new URL(links.vscodeExecutable).searchParams.get("config")!);
  assert.equal(exe.command, "project-logs-mcp");

  const cursor = new URL(links.cursorDocker);
  assert.equal(cursor.origin + cursor.pathname, "https://cursor.com/en/install-mcp");
  assert.equal(cursor.searchParams.get("name"), "project-logs");
  const cursorConfig = JSON.parse(atob(cursor.searchParams.get("config")!));
  assert.deepEqual(cursorConfig.args, config.args);
  assert.equal(cursorConfig.env.ERP_API_BASE_URL, "https://erp.example.com/api/v1/");

  // The install section starts with the recommended route, and names the image the workflow pushes.
  const install = readme.slice(readme.indexOf("\n## Install\n"));
  const routes = [...install.matchAll(/^### (.+)$/gm)].map((m) => m[1]);
  assert.equal(routes[0], "Install as one executable (recommended)");
  for (const route of ["Claude Desktop", "VS Code and Cursor", "MCP Registry", "Container image"]) {
    assert.ok(routes.some((r) => r.startsWith(route)), route);
  }
  // Every link inside the section leads to a heading (GitHub's slugs) or an explicit anchor.
  const slug = (h: string) =>
    h.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replaceAll(" ", "-");
  const anchors = new Set([
    ...[...readme.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])),
    ...[...readme.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]),
  ]);
  const section = install.slice(0, install.indexOf("\n## ", 1));
  for (const [, anchor] of section.matchAll(/\]\(#([^)]+)\)/g)) {
    assert.ok(anchors.has(anchor), `#${anchor} leads somewhere`);
  }

  // The docker lines name the image and a tag the release workflow pushes (checked above).
  const latest = `ghcr.io/${DEFAULT_REPOSITORY.toLowerCase()}:latest`;
  assert.match(
    install,
    new RegExp(`docker run -i --rm [^\`]*${latest.replaceAll(".", "\\.")} deno task start`),
  );
});
