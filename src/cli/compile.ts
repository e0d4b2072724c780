/**
 * `deno task compile`: builds one executable per platform with the permissions baked in — the
 * same flags as `deno task start` (src/permissions.ts): the sign-in callback port, running the
 * target's usual Chrome/Edge/Chromium install paths for the ERP sign-in. Never `-A`. With `ERP_API_BASE_URL` set at build time, the network is that host only (a
 * company's own build); without it, the build is generic and may reach any host, since the ERP
 * host is not known.
 *
 * Usage: deno task compile [--dry-run] [target...]     (default: all five targets)
 */
import { browserCandidates } from "../auth/browsers.ts";
import { permissionFlags, PermissionValueError } from "../permissions.ts";
import { LAUNCHER_ARGS } from "./lifetime.ts";

/** The platforms releases are built for. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

/** What a build bakes in, read from the environment at build time. */
export interface BuildInputs {
  /** `ERP_API_BASE_URL`: the only network peer besides loopback; absent → generic build. */
  erpBaseUrl?: string;
  /** `MCP_OAUTH_PORT` (default 8765): the loopback port the Google sign-in page listens on. */
  oauthPort?: number;
  /** `MCP_AUTHORIZED_USERS_FILE`: an allowlist file the executable may read. */
  allowlistFile?: string;
  /** `MCP_HOLIDAYS`: a holidays file the executable may read. */
  holidaysFile?: string;
  /** `MCP_BROWSER_PATH`: a browser to allow besides the target's usual install paths. */
  browserPath?: string;
  /** The fixed directory it may write (tests); default `TEMP_ROOTS` of the target's OS. */
  tempRoot?: string;
}

/**
 * The one directory a compiled executable may write, per OS: the user's own temp folder is not
 * known at build time (macOS keeps it under /var/folders, Windows under C:\Users\<name>), so
 * the executable gets a fixed directory in the shared temp folder instead of all of it, and
 * makes a private directory inside at start (`--temp-root`, src/cli/lifetime.ts). macOS's /tmp
 * is a link to /private/tmp: the root is named by its real path. Windows' C:\Windows\Temp lets
 * every user make a folder that only they (and administrators) may open.
 */
export const TEMP_ROOTS = {
  linux: "/tmp/project-logs-mcp",
  darwin: "/private/tmp/project-logs-mcp",
  windows: "C:\\Windows\\Temp\\project-logs-mcp",
} as const;

/** The OS a target triple runs on. */
export function targetOs(target: string): "linux" | "darwin" | "windows" {
  return target.includes("windows") ? "windows" : target.includes("darwin") ? "darwin" : "linux";
}

/** The permission flags baked into the executable for `target`. */
export function compileFlags(b: BuildInputs, target: string = Deno.build.target): string[] {
  const os = targetOs(target);
  const browsers = [...(b.browserPath ? [b.browserPath] : []), ...browserCandidates(os)];
  const flags = permissionFlags({
    // A generic build still needs a URL here; its network flag is widened below.
    erpBaseUrl: b.erpBaseUrl ?? "https://erp.invalid/",
    readFiles: b.allowlistFile ? [b.allowlistFile] : undefined,
    holidaysFile: b.holidaysFile,
    oauthPort: b.oauthPort ?? 8765,
    // Every usual install path, and one fixed directory in the shared temp folder.
    browser: browsers,
    tempDir: b.tempRoot ?? TEMP_ROOTS[os],
  });
  return mergeFlags(flags.map((f) => {
    if (!b.erpBaseUrl && f.startsWith("--allow-net=")) return "--allow-net";
    // The default allowlist path is relative: meaningless once compiled (see the README).
    if (!b.allowlistFile && f.startsWith("--allow-read=")) {
      return f.replace(/(?<==|,)authorized_users\.json(,|$)/, "").replace(/,$/, "");
    }
    return f;
  }));
}

/** Joins repeated `--allow-x=a` / `--allow-x=b` into `--allow-x=a,b`; a bare `--allow-x` wins. */
export function mergeFlags(flags: string[]): string[] {
  const order: string[] = [];
  const values = new Map<string, Set<string> | "all">();
  for (const flag of flags) {
    const [name, list] = flag.split(/=(.*)/s, 2);
    if (!values.has(name)) order.push(name);
    const prev = values.get(name);
    if (list === undefined) values.set(name, "all");
    else if (prev !== "all") values.set(name, new Set([...(prev ?? []), ...list.split(",")]));
  }
  return order.map((name) => {
    const v = values.get(name)!;
    return v === "all" ? name : `${name}=${[...v].join(",")}`;
  });
}

/** The executable's file name for `target`. */
export function outputName(target: string): string {
  return `out/project-logs-mcp-${target}${target.includes("windows") ? ".exe" : ""}`;
}

/**
 * The arguments baked in after the entry point (`deno compile` passes them first on every run):
 * the fixed temp root the executable makes its private temporary directory in.
 */
export function bakedArgs(b: BuildInputs, target: string = Deno.build.target): string[] {
  return [`${LAUNCHER_ARGS.tempRoot}${b.tempRoot ?? TEMP_ROOTS[targetOs(target)]}`];
}

/** The `deno compile` arguments for one target. */
export function compileArgs(target: string, b: BuildInputs, entry = "main.ts"): string[] {
  const flags = compileFlags(b, target);
  return [
    "compile",
    "--target",
    target,
    "--output",
    outputName(target),
    ...flags,
    entry,
    ...bakedArgs(b, target),
  ];
}

if (import.meta.main) {
  const env = (name: string) => Deno.env.get(name)?.trim() || undefined;
  const dryRun = Deno.args.includes("--dry-run");
  const asked = Deno.args.filter((a) => a !== "--dry-run");
  const unknown = asked.find((t) => !(TARGETS as readonly string[]).includes(t));
  if (unknown) {
    console.error(`Unknown target "${unknown}": expected one of ${TARGETS.join(", ")}`);
    Deno.exit(2);
  }
  const port = env("MCP_OAUTH_PORT");
  const inputs: BuildInputs = {
    erpBaseUrl: env("ERP_API_BASE_URL"),
    oauthPort: port ? Number(port) : undefined,
    allowlistFile: env("MCP_AUTHORIZED_USERS_FILE"),
    holidaysFile: env("MCP_HOLIDAYS"),
    browserPath: env("MCP_BROWSER_PATH"),
  };
  console.error(
    inputs.erpBaseUrl
      ? `Building for the ERP at "${inputs.erpBaseUrl}" (network: that host only)`
      : "Building a generic executable: ERP_API_BASE_URL is not set, so it may reach any host",
  );
  for (const target of asked.length ? asked : TARGETS) {
    let args: string[];
    try {
      args = compileArgs(target, inputs);
    } catch (error) {
      if (!(error instanceof PermissionValueError)) throw error;
      console.error(error.message);
      Deno.exit(2);
    }
    console.error(`deno ${args.map((a) => /[\s()]/.test(a) ? `'${a}'` : a).join(" ")}`);
    if (dryRun) continue;
    const { code } = await new Deno.Command("deno", { args, stdin: "null" }).spawn().status;
    if (code !== 0) Deno.exit(code);
  }
}
