/**
 * Configuration: defaults < `authorized_users.json` < environment < flags, read by one pure
 * function so every source is testable and `main.ts` alone touches the process.
 */
import { parseArgs } from "node:util";
import { isValidTimeZone, parseIsoDate } from "./dates.ts";

/** The server's settings, frozen once read. */
export interface Config {
  /** ERP REST base, ending in `/`. */
  readonly erpBaseUrl: string;
  /** The ERP web site (sign-in in a browser): `ERP_WEB_URL`, else the API URL without `/api/…`. */
  readonly erpWebUrl: string;
  /** Lower-case emails, and `@domain` entries that allow a whole domain. */
  readonly authorizedEmails: readonly string[];
  /** Where the allowlist came from, for messages. */
  readonly allowlistSource: string;
  /**
   * Let an email given at sign-in pass the allowlist when the ERP does not say whose the token
   * is (weaker: anyone with a valid ERP token may then claim a listed email). Off by default.
   */
  readonly trustTypedEmail: boolean;
  /**
   * Reads the allowlist file again as it is now (ConfigError when malformed); absent when the
   * list came from a flag or variable. Not enumerable: a function, kept out of comparisons.
   */
  readonly reloadAllowlist?: () => string[];
  /** An ERP token that signs the stdio session in at start. */
  readonly token?: string;
  readonly googleClientId?: string;
  readonly oauthPort: number;
  /** Google's authorize endpoint; overridable for tests and Workspace proxies. */
  readonly googleAuthUrl: string;
  /** A Chrome, Edge or Chromium executable for the ERP sign-in; else a known install is used. */
  readonly browserPath?: string;
  /** Run the ERP sign-in browser without a window (tests, CI). */
  readonly browserHeadless: boolean;
  /** How long a browser sign-in waits for the person (default 5 minutes). */
  readonly signInTimeoutMs: number;
  readonly sseHost: string;
  readonly ssePublicUrl?: string;
  /**
   * Hosted sign-in with OAuth 2.1 (src/oauth/): on when `MCP_OAUTH_SECRET` is set. Not
   * enumerable, so the secrets never show when the config is printed or compared.
   */
  readonly oauth?: OAuthSettings;
  /** Extra `host[:port]` values the HTTP server answers to (DNS-rebinding protection). */
  readonly allowedHosts: readonly string[];
  /** Extra browser origins allowed to call the HTTP server. */
  readonly allowedOrigins: readonly string[];
  /** Most MCP sessions the HTTP server keeps at once. */
  readonly maxSessions: number;
  /** An HTTP session idle this long is closed. */
  readonly sessionIdleMs: number;
  /** Most headless browsers of streamed ERP sign-ins running at once (hosted mode). */
  readonly maxErpBrowsers: number;
  /** Most streamed sign-in browsers one client (remote address) may run at once. */
  readonly maxErpBrowsersPerClient: number;
  /** Origins besides the ERP web site the streamed sign-in browser may open (sign-in providers). */
  readonly signInOrigins: readonly string[];
  /** Most HTTP sessions nobody has signed in to; the rest of the cap is kept for signed-in ones. */
  readonly maxAnonymousSessions: number;
  /** A connection must send its request headers within this (ms). */
  readonly httpHeadersTimeoutMs: number;
  /** A request body must arrive within this (ms) of its headers. */
  readonly httpBodyTimeoutMs: number;
  /** A kept-alive connection with no request in flight is closed after this (ms). */
  readonly httpIdleTimeoutMs: number;
  /** Behind one reverse proxy: the client is the last `X-Forwarded-For` address. */
  readonly trustProxy: boolean;
  readonly port: number;
  /** IANA zone for "today" and week boundaries. */
  readonly timeZone: string;
  /** Register only the tools that never write. */
  readonly readOnly: boolean;
  readonly timeoutMs: number;
  /** Hours a workday should hold (missing days, summaries). */
  readonly expectedHours: number;
  /** ISO dates that are not workdays, from the `MCP_HOLIDAYS` file. */
  readonly holidays: readonly string[];
  /** Ask the person before submitting, deleting or large fills (off with `--no-confirm`). */
  readonly confirmWrites: boolean;
  /** How long a yes/no form waits before a token answer is sent instead (default 45 s). */
  readonly confirmWaitMs: number;
  /** The clock for "today"; tests inject one, otherwise the real time. */
  readonly now?: () => Temporal.Instant;
}

/** The OAuth authorization server's settings (hosted mode). */
export interface OAuthSettings {
  /** The sealing secret (at least 32 bytes), shared by every instance. */
  readonly secret: string;
  /** Former secrets: tokens sealed with them are still opened, never issued (key rotation). */
  readonly oldSecrets: readonly string[];
  /** Hosts a Client ID Metadata Document may be fetched from (https; lower case). */
  readonly clientMetadataHosts: readonly string[];
}

/** Hosts of the major AI apps' Client ID Metadata Documents, allowed unless the operator says otherwise. */
export const DEFAULT_CLIENT_METADATA_HOSTS = Object.freeze([
  "claude.ai",
  "chatgpt.com",
  "vscode.dev",
]);

/** Fewest bytes in MCP_OAUTH_SECRET (a 256-bit key's worth). */
export const MIN_OAUTH_SECRET_BYTES = 32;

/** The environment variables the server reads; `main.ts` grants exactly these. */
export const ENV_VARS = [
  "ERP_API_BASE_URL",
  "ERP_WEB_URL",
  "ERP_API_TOKEN",
  "ERP_TIMEOUT_SECONDS",
  "MCP_AUTHORIZED_USERS",
  "MCP_AUTHORIZED_USERS_FILE",
  "MCP_TRUST_TYPED_EMAIL",
  "MCP_GOOGLE_CLIENT_ID",
  "MCP_OAUTH_PORT",
  "MCP_GOOGLE_AUTH_URL",
  "MCP_BROWSER_PATH",
  "MCP_BROWSER_HEADLESS",
  "MCP_SIGNIN_TIMEOUT_SECONDS",
  "MCP_SSE_HOST",
  "MCP_SSE_PUBLIC_URL",
  "MCP_OAUTH_SECRET",
  "MCP_OAUTH_OLD_SECRETS",
  "MCP_OAUTH_CLIENT_METADATA_HOSTS",
  "MCP_ALLOWED_HOSTS",
  "MCP_ALLOWED_ORIGINS",
  "MCP_MAX_SESSIONS",
  "MCP_SESSION_IDLE_MINUTES",
  "MCP_MAX_ERP_BROWSERS",
  "MCP_MAX_ERP_BROWSERS_PER_CLIENT",
  "MCP_SIGNIN_ORIGINS",
  "MCP_MAX_ANONYMOUS_SESSIONS",
  "MCP_HTTP_HEADERS_TIMEOUT_SECONDS",
  "MCP_HTTP_BODY_TIMEOUT_SECONDS",
  "MCP_HTTP_IDLE_TIMEOUT_SECONDS",
  "MCP_TRUST_PROXY",
  "PORT",
  "MCP_TIMEZONE",
  "MCP_READ_ONLY",
  "MCP_EXPECTED_HOURS",
  "MCP_HOLIDAYS",
  "MCP_NO_CONFIRM",
  "MCP_CONFIRM_WAIT_SECONDS",
] as const;

/** Each setting: its flag, its variable, and what it means (for `--help` and the README). */
export const SETTINGS = [
  ["--erp-url", "ERP_API_BASE_URL", "ERP REST base URL, e.g. https://erp.example.com/api/v1/"],
  [
    "--erp-web-url",
    "ERP_WEB_URL",
    "ERP web site for browser sign-in (default: the API URL's origin)",
  ],
  ["", "ERP_API_TOKEN", "ERP token that signs the stdio session in at start"],
  ["--timeout", "ERP_TIMEOUT_SECONDS", "seconds before an ERP request is abandoned (default 30)"],
  ["--authorized-users", "MCP_AUTHORIZED_USERS", "comma-separated emails or @domains allowed"],
  [
    "--authorized-users-file",
    "MCP_AUTHORIZED_USERS_FILE",
    "allowlist file (default authorized_users.json beside the server)",
  ],
  [
    "--trust-typed-email",
    "MCP_TRUST_TYPED_EMAIL",
    "let an email typed at sign-in pass the allowlist when the ERP does not name the token's owner (weaker)",
  ],
  ["--google-client-id", "MCP_GOOGLE_CLIENT_ID", "Google OAuth client id for browser sign-in"],
  ["--oauth-port", "MCP_OAUTH_PORT", "loopback port of the Google sign-in page (default 8765)"],
  ["--google-auth-url", "MCP_GOOGLE_AUTH_URL", "Google's authorize URL (tests, Workspace proxies)"],
  ["--browser-path", "MCP_BROWSER_PATH", "Chrome, Edge or Chromium executable for ERP sign-in"],
  ["--browser-headless", "MCP_BROWSER_HEADLESS", "run the ERP sign-in browser headless (tests)"],
  [
    "--signin-timeout",
    "MCP_SIGNIN_TIMEOUT_SECONDS",
    "seconds a browser sign-in waits for the person (default 300)",
  ],
  ["--host", "MCP_SSE_HOST", "address the HTTP server binds (default 127.0.0.1)"],
  ["--public-url", "MCP_SSE_PUBLIC_URL", "public URL of the hosted server"],
  [
    "",
    "MCP_OAUTH_SECRET",
    "hosted mode: turns on OAuth sign-in; a random key of at least 32 bytes shared by every instance",
  ],
  [
    "",
    "MCP_OAUTH_OLD_SECRETS",
    "former MCP_OAUTH_SECRET values (comma list): their tokens are still accepted, none issued",
  ],
  [
    "--oauth-client-metadata-hosts",
    "MCP_OAUTH_CLIENT_METADATA_HOSTS",
    "hosts whose client metadata documents are fetched (default claude.ai,chatgpt.com,vscode.dev)",
  ],
  [
    "--allowed-hosts",
    "MCP_ALLOWED_HOSTS",
    "extra Host values the HTTP server answers to (comma list)",
  ],
  ["--allowed-origins", "MCP_ALLOWED_ORIGINS", "extra browser origins allowed (comma list)"],
  ["--max-sessions", "MCP_MAX_SESSIONS", "most HTTP sessions at once (default 100)"],
  [
    "--session-idle",
    "MCP_SESSION_IDLE_MINUTES",
    "minutes before an idle HTTP session closes (default 30)",
  ],
  [
    "--max-erp-browsers",
    "MCP_MAX_ERP_BROWSERS",
    "most streamed ERP sign-in browsers at once, hosted mode (default 3)",
  ],
  [
    "--max-erp-browsers-per-client",
    "MCP_MAX_ERP_BROWSERS_PER_CLIENT",
    "most streamed sign-in browsers one client address may run at once (default 1)",
  ],
  [
    "--signin-origins",
    "MCP_SIGNIN_ORIGINS",
    "origins besides the ERP the streamed sign-in browser may open, e.g. the ERP's SSO (comma list)",
  ],
  [
    "--max-anonymous-sessions",
    "MCP_MAX_ANONYMOUS_SESSIONS",
    "most HTTP sessions not signed in (default half of --max-sessions)",
  ],
  [
    "--http-headers-timeout",
    "MCP_HTTP_HEADERS_TIMEOUT_SECONDS",
    "seconds a connection has to send its request headers (default 10)",
  ],
  [
    "--http-body-timeout",
    "MCP_HTTP_BODY_TIMEOUT_SECONDS",
    "seconds a request body has to arrive (default 30)",
  ],
  [
    "--http-idle-timeout",
    "MCP_HTTP_IDLE_TIMEOUT_SECONDS",
    "seconds an idle kept-alive connection stays open (default 60)",
  ],
  [
    "--trust-proxy",
    "MCP_TRUST_PROXY",
    "behind one reverse proxy: take the client address from X-Forwarded-For (true/false)",
  ],
  ["--port", "PORT", "port of the HTTP server (default 8000)"],
  ["--timezone", "MCP_TIMEZONE", "IANA time zone for today and weeks (default: the machine's)"],
  ["--read-only", "MCP_READ_ONLY", "register only the tools that never write (true/false)"],
  ["--expected-hours", "MCP_EXPECTED_HOURS", "hours a workday should hold (default 8)"],
  ["--holidays", "MCP_HOLIDAYS", "file of non-working dates: a JSON list or one YYYY-MM-DD a line"],
  ["--no-confirm", "MCP_NO_CONFIRM", "never ask before submitting, deleting or fills"],
  [
    "--confirm-wait",
    "MCP_CONFIRM_WAIT_SECONDS",
    "seconds a yes/no form waits before a confirmation token is answered instead (default 45)",
  ],
] as const;

/** A configuration value that stops start-up; its message names the flag and the variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** What loadConfig may ask of the world. */
export interface ConfigSources {
  getEnv(name: string): string | undefined;
  /** The allowlist file's text, or undefined when it does not exist. */
  readFile(path: string): string | undefined;
  /** Where `authorized_users.json` is looked for when neither flag nor variable names a file. */
  defaultAllowlistPath: string;
  /** The machine's time zone. */
  defaultTimeZone: string;
  /** A fixed clock (tests); the real time when absent. */
  now?: () => Temporal.Instant;
}

/** The flags main.ts accepts (besides the subcommands). */
export const FLAG_OPTIONS = {
  "erp-url": { type: "string" },
  "erp-web-url": { type: "string" },
  "timeout": { type: "string" },
  "authorized-users": { type: "string" },
  "authorized-users-file": { type: "string" },
  "trust-typed-email": { type: "boolean" },
  "google-client-id": { type: "string" },
  "oauth-port": { type: "string" },
  "google-auth-url": { type: "string" },
  "browser-path": { type: "string" },
  "browser-headless": { type: "boolean" },
  "signin-timeout": { type: "string" },
  "host": { type: "string" },
  "public-url": { type: "string" },
  "oauth-client-metadata-hosts": { type: "string" },
  "allowed-hosts": { type: "string" },
  "allowed-origins": { type: "string" },
  "max-sessions": { type: "string" },
  "session-idle": { type: "string" },
  "max-erp-browsers": { type: "string" },
  "max-erp-browsers-per-client": { type: "string" },
  "signin-origins": { type: "string" },
  "max-anonymous-sessions": { type: "string" },
  "http-headers-timeout": { type: "string" },
  "http-body-timeout": { type: "string" },
  "http-idle-timeout": { type: "string" },
  "trust-proxy": { type: "boolean" },
  "port": { type: "string" },
  "timezone": { type: "string" },
  "read-only": { type: "boolean" },
  "expected-hours": { type: "string" },
  "holidays": { type: "string" },
  "no-confirm": { type: "boolean" },
  "confirm-wait": { type: "string" },
  "http": { type: "boolean" },
  "help": { type: "boolean", short: "h" },
  "version": { type: "boolean", short: "V" },
} as const;

/** Reads the configuration from flags, environment and the allowlist file. */
export function loadConfig(args: string[], src: ConfigSources): Config {
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseArgs({ args, options: FLAG_OPTIONS, allowPositionals: true, strict: true }).values;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unknown = message.match(/^Unknown option '([^']+)'/);
    throw new ConfigError(
      unknown ? `Unknown flag "${unknown[1]}": see --help for the flags` : message,
    );
  }
  const pick = (flag: string, env: string): string | undefined => {
    const fromFlag = flags[flag];
    if (typeof fromFlag === "string" && fromFlag.trim() !== "") return fromFlag.trim();
    const fromEnv = src.getEnv(env);
    return fromEnv?.trim() ? fromEnv.trim() : undefined;
  };
  /** A true/false setting: the flag, else the variable (1/0, true/false, yes/no, any case). */
  const toggle = (flag: string, env: string): boolean => {
    const raw = src.getEnv(env)?.trim().toLowerCase();
    if (raw && !["1", "0", "true", "false", "yes", "no"].includes(raw)) {
      throw new ConfigError(
        `Invalid value "${raw}" in --${flag} / ${env}: expected true or false (also 1/0, yes/no)`,
      );
    }
    return flags[flag] === true || ["1", "true", "yes"].includes(raw ?? "");
  };

  const erpRaw = pick("erp-url", "ERP_API_BASE_URL");
  if (!erpRaw) {
    throw new ConfigError(
      "Missing ERP URL: set ERP_API_BASE_URL (or --erp-url), e.g. https://erp.example.com/api/v1/",
    );
  }
  const erpBaseUrl = httpUrl(erpRaw, "--erp-url", "ERP_API_BASE_URL", true);
  const webRaw = pick("erp-web-url", "ERP_WEB_URL");
  const erpWebUrl = webRaw
    ? httpUrl(webRaw, "--erp-web-url", "ERP_WEB_URL", false)
    : new URL(erpBaseUrl).origin + "/";

  const listRaw = pick("authorized-users", "MCP_AUTHORIZED_USERS");
  let authorizedEmails: string[];
  let allowlistSource: string;
  let reloadAllowlist: (() => string[]) | undefined;
  if (listRaw) {
    // The list replaces the allowlist file (which is then not read): one place decides.
    allowlistSource = flags["authorized-users"] ? "--authorized-users" : "MCP_AUTHORIZED_USERS";
    authorizedEmails = parseEmails(
      listRaw.split(","),
      "--authorized-users",
      "MCP_AUTHORIZED_USERS",
    );
    if (authorizedEmails.length === 0) {
      throw new ConfigError(
        `Empty allowlist in ${allowlistSource}: it replaces the allowlist file, so nobody could ` +
          'sign in; list emails or @domains, e.g. "you@company.com,@company.com", or unset it',
      );
    }
  } else {
    const path = pick("authorized-users-file", "MCP_AUTHORIZED_USERS_FILE") ??
      src.defaultAllowlistPath;
    authorizedEmails = readAllowlistFile(path, src.readFile);
    allowlistSource = path;
    reloadAllowlist = () => readAllowlistFile(path, src.readFile);
  }

  const timeZone = pick("timezone", "MCP_TIMEZONE") ?? src.defaultTimeZone;
  if (!isValidTimeZone(timeZone)) {
    throw new ConfigError(
      `Invalid time zone "${timeZone}" in --timezone / MCP_TIMEZONE: expected an IANA name such as Europe/Paris`,
    );
  }

  const publicRaw = pick("public-url", "MCP_SSE_PUBLIC_URL");

  const googleAuthRaw = pick("google-auth-url", "MCP_GOOGLE_AUTH_URL");

  const holidaysPath = pick("holidays", "MCP_HOLIDAYS");
  const maxSessions = count(
    pick("max-sessions", "MCP_MAX_SESSIONS"),
    100,
    "--max-sessions",
    "MCP_MAX_SESSIONS",
  );

  const config: Config = {
    erpBaseUrl,
    erpWebUrl,
    authorizedEmails: Object.freeze(authorizedEmails),
    allowlistSource,
    trustTypedEmail: toggle("trust-typed-email", "MCP_TRUST_TYPED_EMAIL"),
    token: erpToken(src.getEnv("ERP_API_TOKEN")),
    googleClientId: pick("google-client-id", "MCP_GOOGLE_CLIENT_ID"),
    oauthPort: port(pick("oauth-port", "MCP_OAUTH_PORT"), 8765, "--oauth-port", "MCP_OAUTH_PORT"),
    googleAuthUrl: googleAuthRaw
      ? httpUrl(googleAuthRaw, "--google-auth-url", "MCP_GOOGLE_AUTH_URL", false)
      : "https://accounts.google.com/o/oauth2/v2/auth",
    browserPath: pick("browser-path", "MCP_BROWSER_PATH"),
    browserHeadless: toggle("browser-headless", "MCP_BROWSER_HEADLESS"),
    signInTimeoutMs: limitSeconds(
      pick("signin-timeout", "MCP_SIGNIN_TIMEOUT_SECONDS"),
      300,
      "--signin-timeout",
      "MCP_SIGNIN_TIMEOUT_SECONDS",
    ),
    confirmWaitMs: limitSeconds(
      pick("confirm-wait", "MCP_CONFIRM_WAIT_SECONDS"),
      45,
      "--confirm-wait",
      "MCP_CONFIRM_WAIT_SECONDS",
    ),
    sseHost: pick("host", "MCP_SSE_HOST") ?? "127.0.0.1",
    allowedHosts: Object.freeze(
      list(pick("allowed-hosts", "MCP_ALLOWED_HOSTS")).map((h) => h.toLowerCase()),
    ),
    allowedOrigins: Object.freeze(
      list(pick("allowed-origins", "MCP_ALLOWED_ORIGINS")).map((o) =>
        new URL(httpUrl(o, "--allowed-origins", "MCP_ALLOWED_ORIGINS", false)).origin
      ),
    ),
    maxSessions,
    maxAnonymousSessions: Math.min(
      maxSessions,
      count(
        pick("max-anonymous-sessions", "MCP_MAX_ANONYMOUS_SESSIONS"),
        Math.max(1, Math.floor(maxSessions / 2)),
        "--max-anonymous-sessions",
        "MCP_MAX_ANONYMOUS_SESSIONS",
      ),
    ),
    httpHeadersTimeoutMs: limitSeconds(
      pick("http-headers-timeout", "MCP_HTTP_HEADERS_TIMEOUT_SECONDS"),
      10,
      "--http-headers-timeout",
      "MCP_HTTP_HEADERS_TIMEOUT_SECONDS",
    ),
    httpBodyTimeoutMs: limitSeconds(
      pick("http-body-timeout", "MCP_HTTP_BODY_TIMEOUT_SECONDS"),
      30,
      "--http-body-timeout",
      "MCP_HTTP_BODY_TIMEOUT_SECONDS",
    ),
    httpIdleTimeoutMs: limitSeconds(
      pick("http-idle-timeout", "MCP_HTTP_IDLE_TIMEOUT_SECONDS"),
      60,
      "--http-idle-timeout",
      "MCP_HTTP_IDLE_TIMEOUT_SECONDS",
    ),
    trustProxy: toggle("trust-proxy", "MCP_TRUST_PROXY"),
    sessionIdleMs: count(
      pick("session-idle", "MCP_SESSION_IDLE_MINUTES"),
      30,
      "--session-idle",
      "MCP_SESSION_IDLE_MINUTES",
    ) * 60_000,
    maxErpBrowsers: count(
      pick("max-erp-browsers", "MCP_MAX_ERP_BROWSERS"),
      3,
      "--max-erp-browsers",
      "MCP_MAX_ERP_BROWSERS",
    ),
    maxErpBrowsersPerClient: count(
      pick("max-erp-browsers-per-client", "MCP_MAX_ERP_BROWSERS_PER_CLIENT"),
      1,
      "--max-erp-browsers-per-client",
      "MCP_MAX_ERP_BROWSERS_PER_CLIENT",
    ),
    signInOrigins: Object.freeze(
      list(pick("signin-origins", "MCP_SIGNIN_ORIGINS")).map((o) =>
        new URL(httpUrl(o, "--signin-origins", "MCP_SIGNIN_ORIGINS", false)).origin
      ),
    ),
    ssePublicUrl: publicRaw
      ? httpUrl(publicRaw, "--public-url", "MCP_SSE_PUBLIC_URL", false).replace(/\/+$/, "")
      : undefined,
    port: port(pick("port", "PORT"), 8000, "--port", "PORT", true),
    timeZone,
    readOnly: toggle("read-only", "MCP_READ_ONLY"),
    timeoutMs: seconds(pick("timeout", "ERP_TIMEOUT_SECONDS"), 30) * 1000,
    expectedHours: expectedHours(pick("expected-hours", "MCP_EXPECTED_HOURS")),
    holidays: Object.freeze(holidaysPath ? readHolidays(holidaysPath, src.readFile) : []),
    confirmWrites: !toggle("no-confirm", "MCP_NO_CONFIRM"),
    ...(src.now ? { now: src.now } : {}),
  };
  if (reloadAllowlist) Object.defineProperty(config, "reloadAllowlist", { value: reloadAllowlist });
  const oauth = oauthSettings(
    src.getEnv,
    config.ssePublicUrl,
    pick("oauth-client-metadata-hosts", "MCP_OAUTH_CLIENT_METADATA_HOSTS"),
  );
  if (oauth) Object.defineProperty(config, "oauth", { value: oauth });
  return Object.freeze(config);
}

/**
 * The OAuth settings, or undefined when MCP_OAUTH_SECRET is unset. Refuses a short secret, an
 * old secret that is short, and a missing or path-carrying public URL (the issuer is an origin,
 * RFC 8414 §2); never echoes a secret.
 */
function oauthSettings(
  getEnv: (name: string) => string | undefined,
  publicUrl: string | undefined,
  hostsRaw: string | undefined,
): OAuthSettings | undefined {
  const secret = getEnv("MCP_OAUTH_SECRET")?.trim();
  if (!secret) return undefined;
  const bytes = (s: string) => new TextEncoder().encode(s).length;
  if (bytes(secret) < MIN_OAUTH_SECRET_BYTES) {
    throw new ConfigError(
      `Cannot use MCP_OAUTH_SECRET: it is ${bytes(secret)} bytes long, under ` +
        `${MIN_OAUTH_SECRET_BYTES} — set a random key, e.g. the output of "openssl rand -base64 48"`,
    );
  }
  const oldSecrets = list(getEnv("MCP_OAUTH_OLD_SECRETS"));
  oldSecrets.forEach((old, i) => {
    if (bytes(old) < MIN_OAUTH_SECRET_BYTES) {
      throw new ConfigError(
        `Cannot use MCP_OAUTH_OLD_SECRETS: its entry ${i + 1} is under ` +
          `${MIN_OAUTH_SECRET_BYTES} bytes, so it was never a valid MCP_OAUTH_SECRET`,
      );
    }
  });
  if (!publicUrl) {
    throw new ConfigError(
      "Cannot turn on OAuth sign-in (MCP_OAUTH_SECRET): set MCP_SSE_PUBLIC_URL (or --public-url) " +
        "to the address clients reach this server at, e.g. https://logs.example.com",
    );
  }
  if (new URL(publicUrl).pathname !== "/") {
    throw new ConfigError(
      `Cannot turn on OAuth sign-in with --public-url / MCP_SSE_PUBLIC_URL "${publicUrl}": ` +
        "the authorization server's issuer is an origin, so the public URL must have no path",
    );
  }
  const hosts = hostsRaw === undefined
    ? [...DEFAULT_CLIENT_METADATA_HOSTS]
    : list(hostsRaw).map((h) => h.toLowerCase());
  for (const h of hosts) {
    if (!/^[a-z0-9.-]+(:\d{1,5})?$/.test(h)) {
      throw new ConfigError(
        `Invalid host "${h}" in --oauth-client-metadata-hosts / MCP_OAUTH_CLIENT_METADATA_HOSTS: ` +
          "expected a host name such as claude.ai",
      );
    }
  }
  return Object.freeze({
    secret,
    oldSecrets: Object.freeze(oldSecrets),
    clientMetadataHosts: Object.freeze(hosts),
  });
}

/** Longest ERP token accepted (the sign-in tools' limit, src/auth/session.ts). */
export const MAX_TOKEN_LENGTH = 512;

/** What a token may hold: visible ASCII, the characters an HTTP header value carries (RFC 9110 §5.5). */
export const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/** `ERP_API_TOKEN` as given, refused at start when the ERP could never take it; never echoed. */
function erpToken(raw: string | undefined): string | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  const { key, problem } = tokenKey(value);
  if (problem === "no key" || problem === "space") {
    throw new ConfigError(
      "Cannot use ERP_API_TOKEN: " +
        (problem === "space" ? "it holds a space" : "it holds no key") +
        ' — set only the Authorization header\'s value, like "Token 0123abcd…" (not the ' +
        '"Authorization:" name, not a whole line)',
    );
  }
  if (problem === "too long") {
    throw new ConfigError(
      `Cannot use ERP_API_TOKEN: it is ${key.length} characters long, over ${MAX_TOKEN_LENGTH} ` +
        "— copy only the Authorization header's value",
    );
  }
  if (problem === "not ascii") {
    throw new ConfigError(
      "Cannot use ERP_API_TOKEN: it holds a character an HTTP header cannot carry (outside " +
        'visible ASCII, e.g. the "…" of an example or a look-alike letter) — copy the token ' +
        "itself from the ERP web app",
    );
  }
  return value;
}

/**
 * The key of an Authorization value (`Token x`, `Bearer x` or `x`) and what would keep the ERP
 * from taking it, checked in this order: no key, a space inside, over MAX_TOKEN_LENGTH, outside
 * visible ASCII. One rule for ERP_API_TOKEN at start and the sign-in tools (src/auth/session.ts).
 */
export function tokenKey(
  raw: string,
): { key: string; problem?: "no key" | "space" | "too long" | "not ascii" } {
  const key = raw.trim().replace(/^(token|bearer)(\s+|$)/i, "").trim();
  if (!key) return { key, problem: "no key" };
  if (/\s/.test(key)) return { key, problem: "space" };
  if (key.length > MAX_TOKEN_LENGTH) return { key, problem: "too long" };
  if (!VISIBLE_ASCII.test(key)) return { key, problem: "not ascii" };
  return { key };
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** True for hosts that never leave the machine. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function httpUrl(raw: string, flag: string, env: string, trailingSlash: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      `Invalid URL "${raw}" in ${flag} / ${env}: expected https://host/path (with the scheme)`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError(`Invalid URL "${raw}" in ${flag} / ${env}: the scheme must be https`);
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    throw new ConfigError(
      `Refusing plain HTTP in ${flag} / ${env} ("${raw}"): tokens would cross the network unencrypted; use https`,
    );
  }
  if (url.username || url.password) {
    throw new ConfigError(`Invalid URL in ${flag} / ${env}: credentials do not belong in the URL`);
  }
  url.search = "";
  url.hash = "";
  let text = url.toString();
  if (trailingSlash && !text.endsWith("/")) text += "/";
  return text;
}

function parseEmails(items: unknown[], flag: string, env: string): string[] {
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== "string") {
      throw new ConfigError(`Invalid allowlist entry ${JSON.stringify(item)} in ${flag} / ${env}`);
    }
    const email = item.trim().toLowerCase();
    if (email === "") continue;
    if (!/^[^@\s]*@[^@\s]+\.[^@\s]+$/.test(email)) {
      throw new ConfigError(
        `Invalid allowlist entry "${item.trim()}" in ${flag} / ${env}: expected name@domain or @domain`,
      );
    }
    out.push(email);
  }
  return out;
}

function readAllowlistFile(path: string, readFile: ConfigSources["readFile"]): string[] {
  const where = `--authorized-users-file / MCP_AUTHORIZED_USERS_FILE ("${path}")`;
  const text = readFile(path);
  if (text === undefined) return [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `Malformed allowlist file in ${where}: ${error instanceof Error ? error.message : error}`,
    );
  }
  const list = Array.isArray(data)
    ? data
    : (data as Record<string, unknown> | null)?.authorized_emails;
  if (!Array.isArray(list)) {
    throw new ConfigError(
      `Malformed allowlist file in ${where}: expected {"authorized_emails": ["name@example.com"]}`,
    );
  }
  return parseEmails(list, "--authorized-users-file", "MCP_AUTHORIZED_USERS_FILE");
}

function list(raw: string | undefined): string[] {
  return (raw ?? "").split(",").map((x) => x.trim()).filter(Boolean);
}

function count(raw: string | undefined, fallback: number, flag: string, env: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) {
    throw new ConfigError(
      `Invalid number "${raw}" in ${flag} / ${env}: expected a whole number from 1`,
    );
  }
  return n;
}

function port(
  raw: string | undefined,
  fallback: number,
  flag: string,
  env: string,
  zeroPicksFree = false,
): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  const min = zeroPicksFree ? 0 : 1;
  if (!Number.isInteger(n) || n < min || n > 65535) {
    throw new ConfigError(`Invalid port "${raw}" in ${flag} / ${env}: expected ${min}-65535`);
  }
  return n;
}

function seconds(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 600) {
    throw new ConfigError(
      `Invalid timeout "${raw}" in --timeout / ERP_TIMEOUT_SECONDS: expected seconds, more than 0 and at most 600`,
    );
  }
  return n;
}

/** Seconds (fractions allowed, up to an hour) as milliseconds: the HTTP limits and the waits. */
function limitSeconds(
  raw: string | undefined,
  fallback: number,
  flag: string,
  env: string,
): number {
  if (raw === undefined) return fallback * 1000;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 3600) {
    throw new ConfigError(
      `Invalid timeout "${raw}" in ${flag} / ${env}: expected seconds, more than 0 and at most 3600`,
    );
  }
  return Math.round(n * 1000);
}

function expectedHours(raw: string | undefined): number {
  if (raw === undefined) return 8;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 24) {
    throw new ConfigError(
      `Invalid hours "${raw}" in --expected-hours / MCP_EXPECTED_HOURS: expected more than 0, at most 24`,
    );
  }
  return n;
}

/** Reads the holidays file: a JSON list of ISO dates, or one date a line (`#` starts a comment). */
function readHolidays(path: string, readFile: ConfigSources["readFile"]): string[] {
  const where = `--holidays / MCP_HOLIDAYS ("${path}")`;
  const text = readFile(path);
  if (text === undefined) throw new ConfigError(`Missing holidays file in ${where}`);
  let items: unknown[];
  if (text.trim().startsWith("[")) {
    try {
      const data = JSON.parse(text);
      items = Array.isArray(data) ? data : [];
    } catch (error) {
      throw new ConfigError(
        `Malformed holidays file in ${where}: ${error instanceof Error ? error.message : error}`,
      );
    }
  } else {
    items = text.split(/\r?\n/).map((l) => l.replace(/#.*/, "").trim()).filter(Boolean);
  }
  const out = new Set<string>();
  for (const item of items) {
    const date = typeof item === "string" ? parseIsoDate(item) : undefined;
    if (!date) {
      throw new ConfigError(
        `Invalid date ${JSON.stringify(item)} in the holidays file ${where}: expected YYYY-MM-DD`,
      );
    }
    out.add(date.toString());
  }
  return [...out].sort();
}
