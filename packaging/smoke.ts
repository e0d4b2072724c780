/**
 * `deno task smoke <bundle.mcpb> [--sums SHA256SUMS.txt] [--exe <raw executable>] [--version X]`:
 * tries one platform's bundle on that platform, the way a desktop host runs it. The release
 * workflow runs it on each of the five runners before anything is published.
 *
 * 1. Checksums: the bundle (and the raw executable) match SHA256SUMS.txt.
 * 2. Unpacks with the bundle tool's own code (`@anthropic-ai/mcpb`, as Claude Desktop does) and
 *    checks the manifest is for this OS and its entry point is the raw executable, byte for byte.
 * 3. Resolves the command and variables with the host's own substitution (`getMcpConfigForManifest`)
 *    from the settings a person would type, against the sandbox ERP served on 127.0.0.1.
 * 4. `--version` prints the version; one MCP session over stdio: initialize, tools/list equals the
 *    manifest's tools, whoami is signed in as the sandbox user (the token and allowlist settings
 *    reached the server); `doctor` accepts the token and the allowlist.
 *
 * Exits 0 when every step passed, 1 with the failed step's message otherwise.
 */
import { parseArgs } from "node:util";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/index"
import { Client } from "npm:@modelcontextprotocol/sdk@1.32.2/client/index.js";
// @ts-types="npm:@modelcontextprotocol/sdk@1.32.2/client/stdio"
import {
  getDefaultEnvironment,
  StdioClientTransport,
} from "npm:@modelcontextprotocol/sdk@1.32.2/client/stdio.js";
import { getMcpConfigForManifest, unpackExtension } from "npm:@anthropic-ai/mcpb@2.1.2";
import { serveSandbox } from "../src/sandbox/erp.ts";
import { parseSums, sha256Hex } from "./mod.ts";

/** What a smoke run checks. */
export interface SmokeOptions {
  bundle: string;
  /** SHA256SUMS.txt to check the bundle (and `exe`) against. */
  sums?: string;
  /** The raw executable released beside the bundle: must equal the bundle's entry point. */
  exe?: string;
  /** The version `--version` and the MCP server must report (default: the manifest's). */
  version?: string;
  /** Where progress lines go. */
  log(line: string): void;
}

const decoder = new TextDecoder();
const fileName = (p: string) => p.replace(/^.*[/\\]/, "");

/** The manifest's platform name for the OS this runs on. */
function hostPlatform(): string {
  return Deno.build.os === "windows" ? "win32" : Deno.build.os;
}

async function checkSum(sums: Map<string, string>, file: string): Promise<void> {
  const expected = sums.get(fileName(file));
  if (!expected) throw new Error(`Checksum of "${fileName(file)}": not listed in SHA256SUMS.txt`);
  const actual = await sha256Hex(await Deno.readFile(file));
  if (actual !== expected) {
    throw new Error(`Checksum of "${fileName(file)}": ${actual}, SHA256SUMS.txt says ${expected}`);
  }
}

/** Runs the smoke test; throws with the failed step's message. */
export async function smoke(o: SmokeOptions): Promise<void> {
  if (o.sums) {
    const sums = parseSums(await Deno.readTextFile(o.sums));
    await checkSum(sums, o.bundle);
    if (o.exe) await checkSum(sums, o.exe);
    o.log(`✔ checksums match ${fileName(o.sums)}`);
  }

  const dir = await Deno.makeTempDir({ prefix: "mcpb_smoke_" });
  const sb = await serveSandbox();
  try {
    await unpackExtension({ mcpbPath: o.bundle, outputDir: dir, silent: true });
    const manifest = JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`));
    const platforms: string[] = manifest.compatibility?.platforms ?? [];
    if (!platforms.includes(hostPlatform())) {
      throw new Error(`Bundle is for ${platforms.join(", ")}, not this ${hostPlatform()} machine`);
    }
    const version = o.version ?? manifest.version;
    if (manifest.version !== version) {
      throw new Error(`Manifest version "${manifest.version}": expected "${version}"`);
    }
    const entry = `${dir}/${manifest.server.entry_point}`;
    if (o.exe) {
      const same = (await sha256Hex(await Deno.readFile(entry))) ===
        (await sha256Hex(await Deno.readFile(o.exe)));
      if (!same) throw new Error(`Bundle's "${manifest.server.entry_point}" is not "${o.exe}"`);
    }
    o.log(`✔ unpacked: ${manifest.name} ${manifest.version} for ${platforms.join(", ")}`);

    const { alice } = sb.erp.fixtures.users;
    const config = await getMcpConfigForManifest({
      manifest,
      extensionPath: dir,
      systemDirs: {},
      userConfig: {
        erp_api_base_url: sb.apiBase,
        authorized_users: alice.email,
        erp_api_token: alice.token,
        timezone: "UTC",
      },
      pathSeparator: Deno.build.os === "windows" ? "\\" : "/",
    });
    if (!config) {
      throw new Error("The host would not start the bundle: a required setting is unset");
    }
    const unresolved = JSON.stringify(config).match(/\$\{[^}]+\}/);
    if (unresolved) throw new Error(`Setting "${unresolved[0]}" reaches the server unresolved`);
    const env = { ...(config.env ?? {}), NO_COLOR: "1" };

    const run = async (args: string[]) => {
      const out = await new Deno.Command(config.command, {
        args: [...(config.args ?? []), ...args],
        env,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(120_000),
      }).output();
      return {
        code: out.code,
        stdout: decoder.decode(out.stdout),
        stderr: decoder.decode(out.stderr),
      };
    };

    const v = await run(["--version"]);
    if (v.stdout.trim() !== version) {
      throw new Error(
        `--version printed "${v.stdout.trim()}" (exit ${v.code}): expected "${version}"`,
      );
    }
    o.log(`✔ --version: ${version}`);

    const transport = new StdioClientTransport({
      command: config.command,
      args: config.args ?? [],
      env: { ...getDefaultEnvironment(), ...env },
      stderr: "pipe",
    });
    let stderr = "";
    transport.stderr?.on("data", (chunk: Uint8Array) => stderr += decoder.decode(chunk));
    const client = new Client({ name: "release-smoke", version: "1" });
    try {
      await client.connect(transport);
      const info = client.getServerVersion();
      if (info?.name !== "project-logs-mcp" || info.version !== version) {
        throw new Error(`initialize answered ${JSON.stringify(info)}: expected ${version}`);
      }
      const listed = (await client.listTools()).tools.map((t) => t.name).sort();
      const declared = (manifest.tools as { name: string }[]).map((t) => t.name).sort();
      if (JSON.stringify(listed) !== JSON.stringify(declared)) {
        throw new Error(
          `tools/list (${listed.join(", ")}) differs from the manifest (${declared.join(", ")})`,
        );
      }
      const who = await client.callTool({ name: "whoami", arguments: {} });
      const me = who.structuredContent as { signed_in?: boolean; email?: string } | undefined;
      if (who.isError || !me?.signed_in || me.email !== alice.email) {
        throw new Error(
          `whoami answered ${JSON.stringify(who.content)}: expected "${alice.email}"`,
        );
      }
    } catch (error) {
      throw new Error(`MCP over stdio: ${(error as Error).message}\n${stderr}`);
    } finally {
      await client.close();
    }
    o.log(`✔ MCP over stdio: ${manifest.tools.length} tools, signed in as "${alice.email}"`);

    const doctor = await run(["doctor"]);
    const lines = doctor.stdout.trim().split("\n");
    const wanted = [`ERP_API_TOKEN accepted`, `"${alice.email}" is on the allowlist`];
    const missing = wanted.filter((w) => !lines.some((l) => l.startsWith("✔") && l.includes(w)));
    if (doctor.code > 1 || missing.length) {
      throw new Error(
        `doctor (exit ${doctor.code}) did not report "${
          missing.join('", "')
        }":\n${doctor.stdout}${doctor.stderr}`,
      );
    }
    // Other lines (a browser, a Google client id) depend on the machine: shown, not required.
    o.log(`✔ doctor:\n  ${lines.join("\n  ")}`);
  } finally {
    await sb.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const { positionals, values } = parseArgs({
    args: Deno.args,
    options: {
      sums: { type: "string" },
      exe: { type: "string" },
      version: { type: "string" },
    },
    allowPositionals: true,
  });
  if (positionals.length !== 1) {
    console.error(
      "Usage: deno task smoke <bundle.mcpb> [--sums SHA256SUMS.txt] [--exe file] [--version X]",
    );
    Deno.exit(2);
  }
  try {
    await smoke({ bundle: positionals[0], ...values, log: (line) => console.log(line) });
    console.log(`Smoke test passed on ${Deno.build.target}.`);
  } catch (error) {
    console.error(`✘ ${(error as Error).message}`);
    Deno.exit(1);
  }
}
