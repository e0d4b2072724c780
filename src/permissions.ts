/**
 * The Deno permission flags the server runs with: network to the ERP host only, the variables it
 * reads, the allowlist file. One function, so `deno task start`, the tests and compiled builds
 * grant exactly the same.
 */
import { ENV_VARS } from "./config.ts";

/** What decides the permissions. */
export interface PermissionInputs {
  /** ERP API base URL; its host (and port) is the only network peer. Absent: no ERP peer. */
  erpBaseUrl?: string;
  /** Allowlist files the server may read. */
  readFiles?: string[];
  /** The holidays file (`MCP_HOLIDAYS`), when one is set. */
  holidaysFile?: string;
  /** The Google sign-in page's loopback port (`MCP_OAUTH_PORT`): it may listen there (stdio only). */
  oauthPort?: number;
  /**
   * A browser for the ERP sign-in (or several, for a compiled build): it may run it, over
   * `--remote-debugging-pipe` (no network), and make its profile in the temporary directory.
   */
  browser?: string | readonly string[];
  /**
   * The directory (or directories, for a compiled build) the browser's temporary profile goes
   * in: a dedicated one from the launcher; `/tmp` only for direct callers that name none.
   */
  tempDir?: string | readonly string[];
  /** Hosted mode: the `host:port` the HTTP server listens on (no Google callback port then). */
  listen?: string;
  /**
   * Hosted mode with OAuth on: the hosts Client ID Metadata Documents are fetched from
   * (MCP_OAUTH_CLIENT_METADATA_HOSTS); the network grant grows by exactly these.
   */
  clientMetadataHosts?: readonly string[];
}

/** A value that cannot become a permission flag; its message is one line for the person. */
export class PermissionValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermissionValueError";
  }
}

/** What a browser needs from the environment to show a window; playwright's other reads are ignored. */
export const BROWSER_ENV = [
  "HOME",
  "PATH",
  "LANG",
  "TMPDIR",
  "DISPLAY",
  "WAYLAND_DISPLAY",
  "XAUTHORITY",
  "XDG_RUNTIME_DIR",
  "DBUS_SESSION_BUS_ADDRESS",
  "USERPROFILE",
  "LOCALAPPDATA",
  "SYSTEMROOT",
  "TEMP",
  "TMP",
];

/** `host` or `host:port` for `--allow-net`, from a URL. */
export function netHost(url: string): string {
  const u = new URL(url);
  return u.port ? `${u.hostname}:${u.port}` : u.hostname;
}

/**
 * Refuses a value that would split into two grants: Deno's permission lists are comma-separated,
 * so `MCP_BROWSER_PATH="/usr/bin/chromium,/bin/sh"` would also allow running `/bin/sh`.
 * `what` names the setting, e.g. `MCP_BROWSER_PATH (--browser-path)`.
 */
export function grantable(value: string, what: string): string {
  if (value.includes(",")) {
    throw new PermissionValueError(
      `Cannot use "${value}" from ${what}: a comma cannot be granted to Deno (its permission ` +
        "lists are comma-separated); use a path or name without one",
    );
  }
  return value;
}

/** The flags for `deno run` / `deno compile` of main.ts (stdio, or hosted with `listen`). */
export function permissionFlags(p: PermissionInputs): string[] {
  const reads = (p.readFiles?.length ? [...p.readFiles] : ["authorized_users.json"])
    .map((f) => grantable(f, "the allowlist file (MCP_AUTHORIZED_USERS_FILE)"));
  if (p.holidaysFile) reads.push(grantable(p.holidaysFile, "MCP_HOLIDAYS (--holidays)"));
  const net: string[] = [];
  if (p.erpBaseUrl) net.push(grantable(netHost(p.erpBaseUrl), "ERP_API_BASE_URL (--erp-url)"));
  // The Google sign-in page listens on loopback for a local (stdio) server only; hosted mode
  // refuses that sign-in.
  if (p.oauthPort && !p.listen) net.push(`127.0.0.1:${p.oauthPort}`);
  if (p.listen) net.push(grantable(p.listen, "MCP_SSE_HOST / PORT (--host / --port)"));
  if (p.listen) {
    for (const h of p.clientMetadataHosts ?? []) {
      net.push(grantable(h, "MCP_OAUTH_CLIENT_METADATA_HOSTS (--oauth-client-metadata-hosts)"));
    }
  }
  const browsers = typeof p.browser === "string" ? [p.browser] : [...p.browser ?? []];
  const browser: string[] = [];
  const env: string[] = [...ENV_VARS];
  if (browsers.length) {
    browsers.forEach((b) => grantable(b, "MCP_BROWSER_PATH (--browser-path)"));
    const temp = typeof p.tempDir === "string" ? [p.tempDir] : [...p.tempDir ?? ["/tmp"]];
    temp.forEach((t) => grantable(t, "TMPDIR"));
    env.push(...BROWSER_ENV);
    reads.push(...temp, ...browsers);
    browser.push(
      `--allow-write=${temp.join(",")}`,
      `--allow-run=${browsers.join(",")}`,
      // uid: Chromium keeps its sandbox unless the server runs as root (src/auth/erp_browser.ts).
      "--allow-sys=homedir,osRelease,uid",
      // playwright-core probes for WSL at import; Deno refuses that read without --allow-all.
      "--ignore-read=/proc/sys/fs/binfmt_misc/WSLInterop,/run/WSL",
      // playwright-core reads many optional variables (PW_*, DEBUG…): they read as unset.
      "--ignore-env",
    );
  }
  return [
    "--no-prompt",
    ...(net.length ? [`--allow-net=${net.join(",")}`] : []),
    `--allow-env=${env.join(",")}`,
    `--allow-read=${reads.join(",")}`,
    ...browser,
  ];
}
