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
}

/** `host` or `host:port` for `--allow-net`, from a URL. */
export function netHost(url: string): string {
  const u = new URL(url);
  return u.port ? `${u.hostname}:${u.port}` : u.hostname;
}

/** The flags for `deno run` / `deno compile` of main.ts in stdio mode. */
export function permissionFlags(p: PermissionInputs): string[] {
  const reads = p.readFiles?.length ? p.readFiles : ["authorized_users.json"];
  return [
    "--no-prompt",
    `--allow-net=${netHost(p.erpBaseUrl)}`,
    `--allow-env=${ENV_VARS.join(",")}`,
    `--allow-read=${reads.join(",")}`,
  ];
}
