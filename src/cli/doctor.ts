/**
 * `doctor`: checks the configuration and the world around it — the ERP, the token, the
 * allowlist, a browser, the callback port, Google sign-in — and says what to fix. The checks
 * receive everything they touch, so tests drive them against the sandbox ERP.
 */
import { isAllowed } from "../auth/allowlist.ts";
import type { Config } from "../config.ts";
import { ErpClient } from "../erp/client.ts";
import { ErpError } from "../erp/errors.ts";

/** What the doctor may use. */
export interface DoctorDeps {
  /** The configuration, or the message of the error that stopped loading it. */
  config: Config | { error: string };
  /** No ERP URL was given (a placeholder stands in the config): the ERP checks are skipped. */
  erpMissing?: boolean;
  fetch: typeof fetch;
  /** The browser the ERP sign-in would run, and the paths looked at. */
  findBrowser(config: Config): { path?: string; searched: readonly string[] };
  /** Whether 127.0.0.1:`port` can be listened on now. */
  probePort(port: number): Promise<"free" | "in_use" | "not_permitted">;
}

/**
 * One finding: what was checked, and for a failure, what to do. A note (`ok` and `note`) is
 * something optional that is off, or a hint: it never fails the doctor.
 */
export interface Check {
  ok: boolean;
  note?: boolean;
  what: string;
  fix?: string;
}

/** `✔ what`, `• what — hint` (a note) or `✘ what — what to fix`. */
export function formatCheck(c: Check): string {
  const mark = c.ok ? (c.note ? "•" : "✔") : "✘";
  return `${mark} ${c.what}${!c.ok || c.note ? (c.fix ? ` — ${c.fix}` : "") : ""}`;
}

/** Runs every check; all `ok` means all is well. */
export async function runDoctor(deps: DoctorDeps): Promise<Check[]> {
  if ("error" in deps.config) {
    return [{
      ok: false,
      what: `Configuration invalid: ${deps.config.error}`,
      fix: "fix that flag or variable (see --help)",
    }];
  }
  const config = deps.config;
  const checks: Check[] = [];
  if (deps.erpMissing) {
    checks.push({
      ok: false,
      what: "ERP URL not set",
      fix: "set ERP_API_BASE_URL (or --erp-url) to the ERP's API base, e.g. " +
        "https://erp.example.com/api/v1/",
    });
  } else {
    checks.push({ ok: true, what: `ERP URL "${config.erpBaseUrl}" is valid` });
    if (new URL(config.erpBaseUrl).pathname === "/") {
      checks.push({
        ok: true,
        note: true,
        what: `ERP URL "${config.erpBaseUrl}" has no API path`,
        fix: "ERP_API_BASE_URL is the API's base, which usually ends in /api/v1/ — check it if " +
          "the calls below fail",
      });
    }
    const reachable = await checkReachable(config, deps.fetch);
    checks.push(reachable);
    if (reachable.ok) checks.push(...await checkToken(config, deps.fetch));
    else if (config.token) {
      checks.push({
        ok: false,
        what: "ERP_API_TOKEN not checked",
        fix: "the ERP must be reachable first",
      });
    }
  }
  checks.push(checkAllowlist(config), checkBrowser(config, deps), checkGoogle(config));
  // The callback port matters only when the Google sign-in is on.
  if (config.googleClientId) checks.push(await checkPort(config.oauthPort, deps));
  if (config.oauth) checks.push(checkOAuth(config));
  else if (config.ssePublicUrl) {
    // Hosted, without OAuth: each conversation must sign in itself.
    checks.push({
      ok: true,
      note: true,
      what: "OAuth sign-in is off (MCP_OAUTH_SECRET unset): hosted clients sign in with a " +
        "sign-in tool in every conversation, or send an ERP token in their Authorization header",
      fix: "set MCP_OAUTH_SECRET (32 bytes or more) so apps connect once (README, OAuth sign-in)",
    });
  }
  if (config.trustTypedEmail) {
    checks.push({
      ok: true,
      what: "MCP_TRUST_TYPED_EMAIL is on: when the ERP does not say whose a token is, the email " +
        "typed at sign-in passes the allowlist (weaker: anyone with a valid ERP token may claim a listed email)",
    });
  }
  return checks;
}

async function checkReachable(config: Config, fetchFn: typeof fetch): Promise<Check> {
  const host = new URL(config.erpBaseUrl).host;
  const seconds = Math.min(config.timeoutMs, 10_000) / 1000;
  try {
    const res = await fetchFn(config.erpBaseUrl, {
      redirect: "manual",
      signal: AbortSignal.timeout(seconds * 1000),
    });
    await res.body?.cancel();
    return { ok: true, what: `ERP "${host}" is reachable (HTTP ${res.status} without a token)` };
  } catch (error) {
    const what = `ERP "${host}" is unreachable`;
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      return {
        ok: false,
        what: `${what}: this build may not connect to it`,
        fix: "use an executable built for this ERP host, or the generic build (see the README)",
      };
    }
    if (error instanceof DOMException && error.name === "TimeoutError") {
      return {
        ok: false,
        what: `${what}: no answer in ${seconds} s`,
        fix: "check the URL, your network or VPN",
      };
    }
    return {
      ok: false,
      what: `${what}: ${reason(error)}`,
      fix: "check ERP_API_BASE_URL, your network or VPN",
    };
  }
}

async function checkToken(config: Config, fetchFn: typeof fetch): Promise<Check[]> {
  if (!config.token) {
    return [{ ok: true, what: "ERP_API_TOKEN not set: each person signs in from the AI client" }];
  }
  const key = config.token.replace(/^(token|bearer)\s+/i, "").trim();
  const client = new ErpClient({
    baseUrl: config.erpBaseUrl,
    token: key,
    timeoutMs: config.timeoutMs,
    fetch: fetchFn,
    retryDelaysMs: [],
  });
  let email: string | undefined;
  try {
    email = (await client.person()).email;
  } catch (error) {
    if (
      error instanceof ErpError && (error.kind === "unauthorized" || error.kind === "forbidden")
    ) {
      return [{
        ok: false,
        what: `ERP_API_TOKEN refused by the ERP (${error.status})`,
        fix: "copy a fresh token from the ERP web app (DevTools → Network → Authorization " +
          "header), or remove ERP_API_TOKEN and sign in from the AI client",
      }];
    }
    if (error instanceof ErpError && error.status === 404) {
      // Every ERP has core/person/: a 404 there means the base URL's path is wrong.
      return [{
        ok: false,
        what:
          `ERP_API_TOKEN not checked: the ERP has no core/person/ under ${config.erpBaseUrl} (404)`,
        fix: 'check ERP_API_BASE_URL: it is the API\'s base, usually ending in "/api/v1/"',
      }];
    }
    return [{
      ok: false,
      what: `ERP_API_TOKEN not checked: ${error instanceof Error ? error.message : error}`,
      fix: "try again when the ERP answers",
    }];
  }
  if (!email) {
    return [{
      ok: false,
      what: "ERP_API_TOKEN accepted, but the ERP did not say whose it is",
      fix: config.trustTypedEmail
        ? "sign in from the AI client with authenticate_with_token and your email"
        : "sign in with Google, or set MCP_TRUST_TYPED_EMAIL=1 if this ERP never names the owner (weaker)",
    }];
  }
  const token: Check = { ok: true, what: `ERP_API_TOKEN accepted: it belongs to "${email}"` };
  if (isAllowed(email, config.authorizedEmails)) {
    return [token, { ok: true, what: `"${email}" is on the allowlist` }];
  }
  return [token, {
    ok: false,
    what: `"${email}" is not on the allowlist (${allowlistFrom(config)})`,
    fix: `add it (or "@${email.split("@")[1]}") to ${allowlistWhere(config)}`,
  }];
}

/** Where the allowlist was read from, as the person set it. */
function allowlistFrom(config: Config): string {
  return isListSource(config.allowlistSource)
    ? config.allowlistSource
    : `the file "${config.allowlistSource}"`;
}

/** Where to add an email: the list when set (it replaces the file), else the file. */
function allowlistWhere(config: Config): string {
  return isListSource(config.allowlistSource)
    ? `${config.allowlistSource} (it replaces the allowlist file, which is not read)`
    : `"authorized_emails" in "${config.allowlistSource}", or set MCP_AUTHORIZED_USERS ` +
      "(which then replaces the file)";
}

function isListSource(source: string): boolean {
  return source === "MCP_AUTHORIZED_USERS" || source === "--authorized-users";
}

/** The most telling part of a fetch failure (Deno puts the DNS or connect error in `cause`). */
function reason(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const text = cause instanceof Error ? cause.message : String(cause);
  return text.replace(/^error sending request for url \([^)]*\): /, "");
}

function checkAllowlist(config: Config): Check {
  const n = config.authorizedEmails.length;
  if (n === 0) {
    return {
      ok: false,
      what: `Allowlist empty or missing (${allowlistFrom(config)}): nobody may sign in`,
      fix: 'set MCP_AUTHORIZED_USERS="you@company.com" (or "@company.com"), which replaces the ' +
        'file, or write {"authorized_emails": [...]} to the file (MCP_AUTHORIZED_USERS_FILE)',
    };
  }
  return {
    ok: true,
    what: `Allowlist loaded: ${n} ${n === 1 ? "entry" : "entries"} from ${allowlistFrom(config)}` +
      (isListSource(config.allowlistSource) ? " (the allowlist file is not read)" : ""),
  };
}

function checkBrowser(config: Config, deps: DoctorDeps): Check {
  const found = deps.findBrowser(config);
  if (found.path) return { ok: true, what: `Browser for ERP sign-in: "${found.path}"` };
  if (config.browserPath) {
    return {
      ok: false,
      what: `No browser at "${config.browserPath}" (MCP_BROWSER_PATH)`,
      fix: "point MCP_BROWSER_PATH (--browser-path) at a Chrome, Edge or Chromium executable",
    };
  }
  return {
    ok: true,
    note: true,
    what: "ERP browser sign-in is off: no Chrome, Edge or Chromium found",
    fix: "to turn it on, install one or set MCP_BROWSER_PATH (--browser-path); signing in " +
      "with a token works without it",
  };
}

async function checkPort(port: number, deps: DoctorDeps): Promise<Check> {
  const where = `127.0.0.1:${port}`;
  const state = await deps.probePort(port);
  if (state === "free") return { ok: true, what: `Callback port ${where} is free` };
  if (state === "in_use") {
    return {
      ok: false,
      what: `Callback port ${where} is in use`,
      fix: "stop the program holding it (a sign-in in progress?) or choose another port with " +
        "MCP_OAUTH_PORT (and the Google client's redirect URI)",
    };
  }
  return {
    ok: false,
    what: `Callback port ${where} is not permitted`,
    fix: "this executable may listen only on the port it was built with; unset MCP_OAUTH_PORT " +
      "or build your own with it (see the README)",
  };
}

/** Hosted OAuth sign-in (src/oauth/): its issuer, metadata hosts and key rotation; never a secret. */
function checkOAuth(config: Config): Check {
  const o = config.oauth!;
  const old = o.oldSecrets.length;
  return {
    ok: true,
    what: `OAuth sign-in is on (hosted mode): issuer ${new URL(config.ssePublicUrl!).origin}, ` +
      `client metadata documents from ${o.clientMetadataHosts.join(", ") || "no host"}` +
      (old ? `, ${old} former secret(s) still accepted (MCP_OAUTH_OLD_SECRETS)` : ""),
  };
}

function checkGoogle(config: Config): Check {
  if (config.googleClientId) return { ok: true, what: "Google client id is set" };
  return {
    ok: true,
    note: true,
    what: "Google sign-in is off: MCP_GOOGLE_CLIENT_ID is not set",
    fix: "to turn it on, set MCP_GOOGLE_CLIENT_ID (--google-client-id) to the id of a Google " +
      'OAuth client of type "Web application" (see the README, "Browser sign-in")',
  };
}
