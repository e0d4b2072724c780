/**
 * The Deno permission flags the server runs with: network to the ERP host only, the variables it
 * reads, the allowlist file. One function, so `deno task start`, the tests and compiled builds
 * grant exactly the same.
 */
import { ENV_VARS } from "./config.ts";

/** What decides the permissions. */
export interface PermissionInputs {
  /** ERP API base URL; its host (and port) is the only network peer. */
  erpBaseUrl: string;
  /** Allowlist files the server may read. */
  readFiles?: string[];
  /** The holidays file (`MCP_HOLIDAYS`), when one is set. */
  holidaysFile?: string;
  /** The Google sign-in page's loopback port (`MCP_OAUTH_PORT`): it may listen there. */
  oauthPort?: number;
  /** A browser for the ERP sign-in: it may run it, drive it over 127.0.0.1, and make its profile. */
  browser?: string;
  /** Where the browser's temporary profile goes (default /tmp). */
  tempDir?: string;
  /** Hosted mode: the `host:port` the HTTP server listens on. */
  listen?: string;
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

/** The flags for `deno run` / `deno compile` of main.ts in stdio mode. */
export function permissionFlags(p: PermissionInputs): string[] {
  const reads = p.readFiles?.length ? [...p.readFiles] : ["authorized_users.json"];
  if (p.holidaysFile) reads.push(p.holidaysFile);
  const net = [netHost(p.erpBaseUrl)];
  if (p.oauthPort) net.push(`127.0.0.1:${p.oauthPort}`);
  if (p.listen) net.push(p.listen);
  const browser: string[] = [];
  const env: string[] = [...ENV_VARS];
  if (p.browser) {
    env.push(...BROWSER_ENV);
    const tmp = p.tempDir ?? "/tmp";
    net.push("127.0.0.1");
    reads.push(tmp, p.browser);
    browser.push(
      `--allow-write=${tmp}`,
      `--allow-run=${p.browser}`,
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
    `--allow-net=${net.join(",")}`,
    `--allow-env=${env.join(",")}`,
    `--allow-read=${reads.join(",")}`,
    ...browser,
  ];
}
