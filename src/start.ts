/**
 * `deno task start` (stdio), `deno task serve` (`--http`) and `deno task demo` (`--demo`): runs
 * main.ts (or the demo) with the narrowest flags for the configured ERP host and listen address,
 * which Deno needs to know before start. stdin, stdout and stderr pass straight through.
 *
 * The child is this same Deno (`Deno.execPath()`), so it starts when `deno` is not on `PATH` (GUI
 * clients). It never outlives the launcher: signals are passed on, and both processes exit when
 * their parent goes away (a client that is killed cannot close the pipe for them).
 */
import { parseArgs } from "node:util";
import { browserCandidates, findBrowser } from "./auth/browsers.ts";
import { ENDING_GRACE_MS, LAUNCHER_ARGS, SIGNALS, watchParent } from "./cli/lifetime.ts";
import { DEFAULT_CLIENT_METADATA_HOSTS } from "./config.ts";
import { grantable, permissionFlags, PermissionValueError } from "./permissions.ts";

/** What the launcher decides from. */
export interface LaunchInputs {
  /** The arguments after `deno task start` (with `--http` for serve, `--demo` for the demo). */
  args: string[];
  getEnv(name: string): string | undefined;
  /** The repository's root directory, ending in `/`. */
  root: string;
  /** The browser found at a usual install path, if any (see src/auth/browsers.ts). */
  installedBrowser?: string;
  /** This launcher's process id: the child exits when it is no longer its parent. */
  pid: number;
  /** A fresh random name part for the dedicated temporary directory. */
  tempName: string;
  os: typeof Deno.build.os;
}

/** How to run the child: `deno <args>` with `env` added to the inherited environment. */
export interface LaunchPlan {
  args: string[];
  env: Record<string, string>;
  /** The flags alone (for tests and the README). */
  flags: string[];
  /** The dedicated temporary directory (when a browser may run): removed after the child exits. */
  tempDir?: string;
}

/** The child's command line; throws PermissionValueError for a value no flag can carry. */
export function launchPlan(i: LaunchInputs): LaunchPlan {
  // Flags win over variables, as in loadConfig; only those that decide a permission are read here.
  const { values: flag } = parseArgs({
    args: i.args,
    options: {
      "erp-url": { type: "string" },
      "authorized-users-file": { type: "string" },
      "oauth-port": { type: "string" },
      "google-client-id": { type: "string" },
      "browser-path": { type: "string" },
      "holidays": { type: "string" },
      "host": { type: "string" },
      "port": { type: "string" },
      "oauth-client-metadata-hosts": { type: "string" },
    },
    strict: false,
    allowPositionals: true,
  });
  const pick = (name: string, env: string): string | undefined => {
    const value = flag[name];
    return (typeof value === "string" ? value : i.getEnv(env))?.trim() || undefined;
  };
  const demo = i.args.includes("--demo");
  const http = i.args.includes("--http");
  // The demo's sandbox ERP listens on 127.0.0.1 on a port chosen at start. An ERP URL that does
  // not parse grants nothing: the server then says what is wrong with it.
  const erpRaw = demo ? "http://127.0.0.1" : pick("erp-url", "ERP_API_BASE_URL");
  const erpBaseUrl = erpRaw && URL.canParse(erpRaw) && new URL(erpRaw).hostname
    ? erpRaw
    : undefined;
  const file = pick("authorized-users-file", "MCP_AUTHORIZED_USERS_FILE");
  // The Google sign-in page's port, only when that sign-in is on (the demo's fake Google is).
  const google = demo || !!pick("google-client-id", "MCP_GOOGLE_CLIENT_ID");
  const oauthPort = Number(pick("oauth-port", "MCP_OAUTH_PORT") ?? 8765);
  const browser = pick("browser-path", "MCP_BROWSER_PATH") || i.installedBrowser;
  const sep = i.os === "windows" ? "\\" : "/";
  const tempRaw = i.getEnv("TMPDIR") || i.getEnv("TEMP") || i.getEnv("TMP") ||
    (i.os === "windows" ? "C:\\Windows\\Temp" : "/tmp");
  const tempDir = browser
    ? `${grantable(tempRaw, "TMPDIR").replace(/[\\/]+$/, "")}${sep}project-logs-mcp-${i.tempName}`
    : undefined;
  let listen: string | undefined;
  if (http) {
    const host = pick("host", "MCP_SSE_HOST") ?? "127.0.0.1";
    const port = pick("port", "PORT") ?? "8000";
    // A bad port is reported by the server itself (a flag cannot even carry it).
    if (/^\d{1,5}$/.test(port) && Number(port) <= 65535) {
      listen = `${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${port}`;
    }
  }
  const flags = permissionFlags({
    erpBaseUrl,
    // Without a browser, the server may still look where one would be, to say "not installed".
    readFiles: [
      file ?? `${i.root}authorized_users.json`,
      ...(browser ? [] : browserCandidates(i.os)),
    ],
    oauthPort: !google
      ? undefined
      : Number.isInteger(oauthPort) && oauthPort > 0 && oauthPort < 65536
      ? oauthPort
      : 8765,
    browser,
    tempDir,
    holidaysFile: pick("holidays", "MCP_HOLIDAYS"),
    listen,
    // OAuth sign-in fetches client metadata documents from these hosts only (src/oauth/).
    clientMetadataHosts: http && i.getEnv("MCP_OAUTH_SECRET")?.trim()
      ? (pick("oauth-client-metadata-hosts", "MCP_OAUTH_CLIENT_METADATA_HOSTS")?.split(",")
        .map((h) => h.trim().toLowerCase()).filter(Boolean) ?? [...DEFAULT_CLIENT_METADATA_HOSTS])
      : undefined,
  });
  const entry = `${i.root}${demo ? "src/demo.ts" : "main.ts"}`;
  const own = [
    LAUNCHER_ARGS.watchParent + i.pid,
    ...(tempDir ? [LAUNCHER_ARGS.ownTempDir + tempDir] : []),
  ];
  return {
    args: [
      "run",
      `--config=${i.root}deno.json`,
      ...flags,
      entry,
      ...own,
      ...i.args.filter((a) => a !== "--demo"),
    ],
    env: tempDir ? { TMPDIR: tempDir, TEMP: tempDir, TMP: tempDir } : {},
    flags,
    ...(tempDir ? { tempDir } : {}),
  };
}

if (import.meta.main) {
  const root = decodeURIComponent(new URL("../", import.meta.url).pathname)
    .replace(/^\/([A-Za-z]:)/, "$1");
  let plan: LaunchPlan;
  try {
    plan = launchPlan({
      args: Deno.args,
      getEnv: (name) => Deno.env.get(name),
      root,
      installedBrowser: findBrowser().path,
      tempName: crypto.randomUUID().slice(0, 8),
      pid: Deno.pid,
      os: Deno.build.os,
    });
  } catch (error) {
    if (!(error instanceof PermissionValueError)) throw error;
    console.error(`project-logs-mcp: ${error.message}`);
    Deno.exit(2);
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: plan.args,
    env: plan.env,
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const pass = (signal: Deno.Signal) => () => {
    try {
      // Windows cannot send SIGINT or SIGBREAK to another process: it ends it outright.
      child.kill(Deno.build.os === "windows" ? "SIGTERM" : signal);
    } catch { /* already gone */ }
  };
  for (const signal of SIGNALS) Deno.addSignalListener(signal, pass(signal));
  // `deno task` killed outright: end the child (it may take a few seconds to close browsers),
  // and kill it if it takes longer.
  watchParent(() => {
    pass("SIGTERM")();
    const id = setTimeout(() => pass("SIGKILL")(), ENDING_GRACE_MS + 2000);
    Deno.unrefTimer(id);
  });
  const status = await child.status;
  // However the child ended (even killed, unable to clean up), its temporary directory goes.
  if (plan.tempDir) await removeTempDir(root, plan.tempDir, status.signal !== null);
  Deno.exit(status.code);
}

/** Removes `dir` in a helper process granted only that directory (the launcher may not write). */
async function removeTempDir(root: string, dir: string, killed: boolean): Promise<void> {
  try {
    await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-config",
        "--no-prompt",
        `--allow-read=${dir}`,
        `--allow-write=${dir}`,
        `${root}src/cli/remove_temp.ts`,
        dir,
        ...(killed ? ["--killed"] : []),
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
      signal: AbortSignal.timeout(10_000),
    }).output();
  } catch { /* nothing more to do on the way out */ }
}
