/**
 * `deno task package`: makes the install artefacts from the compiled executables, so nobody edits
 * JSON by hand. Run by the release workflow after `deno task compile`.
 *
 *   deno task package bundles [--from out] [--out out] [target...]   one .mcpb per platform
 *   deno task package server-json [--from out] [--out out/server.json] [--repository owner/name]
 *   deno task package links [--check]                                 README's install links
 *
 * The version is deno.json's; the tools are the golden snapshot of `tools/list`
 * (tests/golden/tools.json, kept fresh by the tests); bundles are packed and their manifests
 * validated by the bundle tool itself (`@anthropic-ai/mcpb`), and server.json is checked against
 * the registry's schema (packaging/server.schema.json) before it is written.
 */
import { parseArgs } from "node:util";
import { packExtension } from "npm:@anthropic-ai/mcpb@2.1.2";
import { Ajv } from "npm:ajv@8.20.0";
import addFormatsModule from "npm:ajv-formats@3.0.1";
import { TARGETS } from "../src/cli/compile.ts";
import {
  bundleManifest,
  bundleName,
  DEFAULT_REPOSITORY,
  entryPoint,
  executablePath,
  linksBlock,
  serverJson,
  sha256Hex,
  type ToolSummary,
  withLinksBlock,
} from "./mod.ts";

const ROOT = new URL("../", import.meta.url);
const path = (relative: string) => decodeURIComponent(new URL(relative, ROOT).pathname);

/** deno.json's version: the one `--version` prints and the release tag carries. */
export async function projectVersion(): Promise<string> {
  return JSON.parse(await Deno.readTextFile(path("deno.json"))).version;
}

/**
 * The tools as `tools/list` answers a host (the model's tools), from the golden snapshot: the
 * MCP Apps grid's app-only tools (`_meta.ui.visibility` exactly `["app"]`) are not listed.
 */
export async function goldenTools(): Promise<ToolSummary[]> {
  const tools: (ToolSummary & { _meta?: { ui?: { visibility?: unknown } } })[] = JSON.parse(
    await Deno.readTextFile(path("tests/golden/tools.json")),
  );
  return tools
    .filter((t) => JSON.stringify(t._meta?.ui?.visibility) !== '["app"]')
    .map((t) => ({ name: t.name, description: t.description }));
}

/** The executable's file name for `target` (as `deno task compile` names it). */
function executableName(target: string): string {
  return executablePath(target).replace(/^.*\//, "");
}

/** Options of {@link buildBundles}. */
export interface BundleOptions {
  /** Folder holding the executables (named as `deno task compile` names them). */
  from: string;
  /** Folder the `.mcpb` files are written to. */
  out: string;
  targets: readonly string[];
  version: string;
  tools: ToolSummary[];
  repository?: string;
}

/** Packs one `.mcpb` per target; resolves with the bundle paths. Throws on a missing executable. */
export async function buildBundles(o: BundleOptions): Promise<string[]> {
  const written: string[] = [];
  await Deno.mkdir(o.out, { recursive: true });
  for (const target of o.targets) {
    const exe = `${o.from}/${executableName(target)}`;
    try {
      await Deno.stat(exe);
    } catch {
      throw new Error(`Cannot pack "${target}": no executable at "${exe}" (run deno task compile)`);
    }
    const stage = `${o.out}/.stage-${target}`;
    await Deno.remove(stage, { recursive: true }).catch(() => {});
    await Deno.mkdir(`${stage}/server`, { recursive: true });
    const manifest = bundleManifest(target, o);
    await Deno.writeTextFile(`${stage}/manifest.json`, JSON.stringify(manifest, null, 2) + "\n");
    await Deno.copyFile(path("packaging/icon.png"), `${stage}/icon.png`);
    const inside = `${stage}/${entryPoint(target)}`;
    await Deno.copyFile(exe, inside);
    // The zip keeps Unix modes: the executable must be runnable once a host unpacks it.
    if (Deno.build.os !== "windows") await Deno.chmod(inside, 0o755);
    const output = `${o.out}/${bundleName(target)}`;
    const ok = await packExtension({ extensionPath: stage, outputPath: output, silent: true });
    await Deno.remove(stage, { recursive: true });
    if (!ok) throw new Error(`Cannot pack "${target}": the bundle tool refused the manifest`);
    written.push(output);
  }
  return written;
}

/** Errors of server.json against the registry's schema (empty when valid). */
export async function serverJsonErrors(doc: unknown): Promise<string[]> {
  const schema = JSON.parse(await Deno.readTextFile(path("packaging/server.schema.json")));
  // ajv-formats is CommonJS: its default export arrives as the module object under Deno.
  const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
    addFormatsModule) as (ajv: Ajv) => Ajv;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
}

/** Options of {@link buildServerJson}. */
export interface ServerJsonOptions {
  /** Folder holding the five `.mcpb` files. */
  from: string;
  version: string;
  repository?: string;
}

/** server.json with each bundle's SHA-256 read from its file; throws when the schema refuses it. */
export async function buildServerJson(o: ServerJsonOptions): Promise<Record<string, unknown>> {
  const bundles = [];
  for (const target of TARGETS) {
    const file = `${o.from}/${bundleName(target)}`;
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(file);
    } catch {
      throw new Error(
        `Cannot write server.json: no bundle at "${file}" (run deno task package bundles)`,
      );
    }
    bundles.push({ target, sha256: await sha256Hex(bytes) });
  }
  const doc = serverJson({ version: o.version, repository: o.repository, bundles });
  const errors = await serverJsonErrors(doc);
  if (errors.length) {
    throw new Error(`server.json does not match the registry schema: ${errors.join("; ")}`);
  }
  return doc;
}

if (import.meta.main) {
  const { positionals, values } = parseArgs({
    args: Deno.args,
    options: {
      from: { type: "string", default: "out" },
      out: { type: "string" },
      repository: { type: "string", default: DEFAULT_REPOSITORY },
      check: { type: "boolean" },
    },
    allowPositionals: true,
  });
  const [command, ...rest] = positionals;
  const version = await projectVersion();
  if (command === "bundles") {
    const unknown = rest.find((t) => !(TARGETS as readonly string[]).includes(t));
    if (unknown) {
      console.error(`Unknown target "${unknown}": expected one of ${TARGETS.join(", ")}`);
      Deno.exit(2);
    }
    const written = await buildBundles({
      from: values.from,
      out: values.out ?? "out",
      targets: rest.length ? rest : TARGETS,
      version,
      tools: await goldenTools(),
      repository: values.repository,
    });
    for (const file of written) console.error(`Wrote ${file}`);
  } else if (command === "server-json") {
    const doc = await buildServerJson({
      from: values.from,
      version,
      repository: values.repository,
    });
    const out = values.out ?? `${values.from}/server.json`;
    await Deno.writeTextFile(out, JSON.stringify(doc, null, 2) + "\n");
    console.error(`Wrote ${out} (version ${version}, ${TARGETS.length} bundles and the image)`);
  } else if (command === "links") {
    const readme = await Deno.readTextFile(path("README.md"));
    const fresh = withLinksBlock(readme, linksBlock(version, values.repository));
    if (values.check) {
      if (fresh !== readme) {
        console.error("README's install links are stale: run `deno task package links`");
        Deno.exit(1);
      }
    } else {
      await Deno.writeTextFile(path("README.md"), fresh);
      console.error("Wrote the README's install links");
    }
  } else {
    console.error(
      `Unknown command "${
        command ?? ""
      }": expected bundles, server-json or links (see packaging/build.ts)`,
    );
    Deno.exit(2);
  }
}
