/** Unit tests of src/config.ts: defaults < allowlist file < environment < flags, and validation. */
import assert from "node:assert/strict";
import {
  type Config,
  ConfigError,
  type ConfigSources,
  ENV_VARS,
  isLoopbackHost,
  loadConfig,
  SETTINGS,
} from "../../src/config.ts";

/** A typed table of test cases. */
const table = <T>(rows: T[]): T[] => rows;

const API = "https://erp.example.com/api/v1/";
const DEFAULT_FILE = "/srv/mcp/authorized_users.json";

/** Sources built from plain records; the ERP URL is set unless `env` overrides it. */
function sources(
  env: Record<string, string> = {},
  files: Record<string, string> = {},
  defaultTimeZone = "Europe/Paris",
): ConfigSources & { reads: string[] } {
  const reads: string[] = [];
  const all: Record<string, string> = { ERP_API_BASE_URL: API, ...env };
  return {
    reads,
    getEnv: (name) => all[name],
    readFile: (path) => {
      reads.push(path);
      return files[path];
    },
    defaultAllowlistPath: DEFAULT_FILE,
    defaultTimeZone,
  };
}

/** Expects loadConfig to throw a ConfigError whose message matches every pattern. */
function rejects(args: string[], src: ConfigSources, ...patterns: (RegExp | string)[]): void {
  assert.throws(() => loadConfig(args, src), (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    assert.equal(error.name, "ConfigError");
    for (const p of patterns) {
      if (typeof p === "string") {
        assert.ok(error.message.includes(p), `"${p}" not in: ${error.message}`);
      } else assert.match(error.message, p);
    }
    return true;
  });
}

// --- defaults and precedence ----------------------------------------------------------------

Deno.test("loadConfig: defaults", () => {
  const src = sources();
  const c = loadConfig([], src);
  assert.deepEqual({ ...c }, {
    erpBaseUrl: API,
    erpWebUrl: "https://erp.example.com/",
    authorizedEmails: [],
    allowlistSource: DEFAULT_FILE,
    trustTypedEmail: false,
    token: undefined,
    googleClientId: undefined,
    oauthPort: 8765,
    googleAuthUrl: "https://accounts.google.com/o/oauth2/v2/auth",
    browserPath: undefined,
    browserHeadless: false,
    signInTimeoutMs: 300_000,
    sseHost: "127.0.0.1",
    ssePublicUrl: undefined,
    allowedHosts: [],
    allowedOrigins: [],
    maxSessions: 100,
    sessionIdleMs: 30 * 60_000,
    maxErpBrowsers: 3,
    maxErpBrowsersPerClient: 1,
    signInOrigins: [],
    maxAnonymousSessions: 50,
    httpHeadersTimeoutMs: 10_000,
    httpBodyTimeoutMs: 30_000,
    httpIdleTimeoutMs: 60_000,
    trustProxy: false,
    port: 8000,
    timeZone: "Europe/Paris",
    readOnly: false,
    timeoutMs: 30_000,
    expectedHours: 8,
    holidays: [],
    confirmWrites: true,
    confirmWaitMs: 45_000,
  });
  assert.deepEqual(src.reads, [DEFAULT_FILE]);
});

Deno.test("loadConfig: allowlist precedence is file < env < flag", () => {
  const files = { [DEFAULT_FILE]: JSON.stringify({ authorized_emails: ["file@example.com"] }) };
  const fromFile = loadConfig([], sources({}, files));
  assert.deepEqual(fromFile.authorizedEmails, ["file@example.com"]);
  assert.equal(fromFile.allowlistSource, DEFAULT_FILE);

  const fromEnv = loadConfig([], sources({ MCP_AUTHORIZED_USERS: "env@example.com" }, files));
  assert.deepEqual(fromEnv.authorizedEmails, ["env@example.com"]);
  assert.equal(fromEnv.allowlistSource, "MCP_AUTHORIZED_USERS");

  const fromFlag = loadConfig(
    ["--authorized-users", "flag@example.com"],
    sources({ MCP_AUTHORIZED_USERS: "env@example.com" }, files),
  );
  assert.deepEqual(fromFlag.authorizedEmails, ["flag@example.com"]);
  assert.equal(fromFlag.allowlistSource, "--authorized-users");
});

Deno.test("loadConfig: the allowlist file named by env, then by flag", () => {
  const files = {
    [DEFAULT_FILE]: JSON.stringify({ authorized_emails: ["default@example.com"] }),
    "/etc/env.json": JSON.stringify({ authorized_emails: ["env-file@example.com"] }),
    "/etc/flag.json": JSON.stringify(["flag-file@example.com"]),
  };
  const env = { MCP_AUTHORIZED_USERS_FILE: "/etc/env.json" };
  const byEnv = loadConfig([], sources(env, files));
  assert.deepEqual(byEnv.authorizedEmails, ["env-file@example.com"]);
  assert.equal(byEnv.allowlistSource, "/etc/env.json");
  const byFlag = loadConfig(["--authorized-users-file=/etc/flag.json"], sources(env, files));
  assert.deepEqual(byFlag.authorizedEmails, ["flag-file@example.com"]);
  assert.equal(byFlag.allowlistSource, "/etc/flag.json");
});

/** Every variable: a value, and what the config then holds. */
const ENV_CASES: {
  env: string;
  value: string;
  files?: Record<string, string>;
  /** Other variables the setting needs (e.g. OAuth needs a public URL). */
  with?: Record<string, string>;
  want: Partial<Config>;
}[] = [
  {
    env: "ERP_API_BASE_URL",
    value: "https://erp.acme.test/api/v2",
    want: { erpBaseUrl: "https://erp.acme.test/api/v2/", erpWebUrl: "https://erp.acme.test/" },
  },
  {
    env: "ERP_WEB_URL",
    value: "https://app.example.com/",
    want: { erpWebUrl: "https://app.example.com/" },
  },
  { env: "ERP_API_TOKEN", value: "  abc123  ", want: { token: "abc123" } },
  { env: "ERP_TIMEOUT_SECONDS", value: "2.5", want: { timeoutMs: 2500 } },
  {
    env: "MCP_AUTHORIZED_USERS",
    value: " Jane@Example.com , @acme.test,, ",
    want: {
      authorizedEmails: ["jane@example.com", "@acme.test"],
      allowlistSource: "MCP_AUTHORIZED_USERS",
    },
  },
  {
    env: "MCP_AUTHORIZED_USERS_FILE",
    value: "/etc/mcp/users.json",
    files: { "/etc/mcp/users.json": '{"authorized_emails": ["Bob@Example.com", "@corp.test"]}' },
    want: {
      authorizedEmails: ["bob@example.com", "@corp.test"],
      allowlistSource: "/etc/mcp/users.json",
    },
  },
  {
    env: "MCP_GOOGLE_CLIENT_ID",
    value: "123.apps.googleusercontent.com",
    want: { googleClientId: "123.apps.googleusercontent.com" },
  },
  { env: "MCP_OAUTH_PORT", value: "9876", want: { oauthPort: 9876 } },
  {
    env: "MCP_GOOGLE_AUTH_URL",
    value: "http://127.0.0.1:9000/oauth/google/authorize",
    want: { googleAuthUrl: "http://127.0.0.1:9000/oauth/google/authorize" },
  },
  { env: "MCP_BROWSER_PATH", value: "/opt/chrome", want: { browserPath: "/opt/chrome" } },
  { env: "MCP_BROWSER_HEADLESS", value: "true", want: { browserHeadless: true } },
  { env: "MCP_SIGNIN_TIMEOUT_SECONDS", value: "1", want: { signInTimeoutMs: 1000 } },
  { env: "MCP_SSE_HOST", value: "0.0.0.0", want: { sseHost: "0.0.0.0" } },
  {
    env: "MCP_SSE_PUBLIC_URL",
    value: "https://mcp.example.com/base//",
    want: { ssePublicUrl: "https://mcp.example.com/base" },
  },
  { env: "MCP_MAX_ERP_BROWSERS", value: "5", want: { maxErpBrowsers: 5 } },
  { env: "MCP_MAX_ERP_BROWSERS_PER_CLIENT", value: "2", want: { maxErpBrowsersPerClient: 2 } },
  {
    env: "MCP_SIGNIN_ORIGINS",
    value: "https://sso.example.com/login, https://idp.test",
    want: { signInOrigins: ["https://sso.example.com", "https://idp.test"] },
  },
  { env: "MCP_MAX_ANONYMOUS_SESSIONS", value: "3", want: { maxAnonymousSessions: 3 } },
  {
    env: "MCP_HTTP_HEADERS_TIMEOUT_SECONDS",
    value: "0.5",
    want: { httpHeadersTimeoutMs: 500 },
  },
  { env: "MCP_HTTP_BODY_TIMEOUT_SECONDS", value: "2", want: { httpBodyTimeoutMs: 2000 } },
  { env: "MCP_HTTP_IDLE_TIMEOUT_SECONDS", value: "90", want: { httpIdleTimeoutMs: 90_000 } },
  { env: "MCP_TRUST_PROXY", value: "true", want: { trustProxy: true } },
  { env: "PORT", value: "8080", want: { port: 8080 } },
  {
    env: "MCP_ALLOWED_HOSTS",
    value: "MCP.example.com, other.example:8443",
    want: { allowedHosts: ["mcp.example.com", "other.example:8443"] },
  },
  {
    env: "MCP_ALLOWED_ORIGINS",
    value: "https://app.example.com/, https://b.example",
    want: { allowedOrigins: ["https://app.example.com", "https://b.example"] },
  },
  { env: "MCP_MAX_SESSIONS", value: "7", want: { maxSessions: 7 } },
  { env: "MCP_SESSION_IDLE_MINUTES", value: "2", want: { sessionIdleMs: 120_000 } },
  { env: "MCP_TIMEZONE", value: "America/New_York", want: { timeZone: "America/New_York" } },
  { env: "MCP_READ_ONLY", value: "true", want: { readOnly: true } },
  { env: "MCP_EXPECTED_HOURS", value: "7.5", want: { expectedHours: 7.5 } },
  {
    env: "MCP_HOLIDAYS",
    value: "/etc/mcp/holidays.txt",
    files: { "/etc/mcp/holidays.txt": "# public holidays\n2026-12-25\n2026-01-01 # new year\n\n" },
    want: { holidays: ["2026-01-01", "2026-12-25"] },
  },
  { env: "MCP_NO_CONFIRM", value: "true", want: { confirmWrites: false } },
  { env: "MCP_TRUST_TYPED_EMAIL", value: "1", want: { trustTypedEmail: true } },
  { env: "MCP_CONFIRM_WAIT_SECONDS", value: "0.5", want: { confirmWaitMs: 500 } },
  {
    env: "MCP_OAUTH_SECRET",
    value: "s".repeat(32),
    with: { MCP_SSE_PUBLIC_URL: "https://mcp.example.com" },
    want: {
      oauth: {
        secret: "s".repeat(32),
        oldSecrets: [],
        clientMetadataHosts: ["claude.ai", "chatgpt.com", "vscode.dev"],
      },
    },
  },
  {
    env: "MCP_OAUTH_OLD_SECRETS",
    value: `${"o".repeat(32)}, ${"p".repeat(40)}`,
    with: { MCP_SSE_PUBLIC_URL: "https://mcp.example.com", MCP_OAUTH_SECRET: "s".repeat(32) },
    want: {
      oauth: {
        secret: "s".repeat(32),
        oldSecrets: ["o".repeat(32), "p".repeat(40)],
        clientMetadataHosts: ["claude.ai", "chatgpt.com", "vscode.dev"],
      },
    },
  },
  {
    env: "MCP_OAUTH_CLIENT_METADATA_HOSTS",
    value: "Apps.Example.com, claude.ai",
    with: { MCP_SSE_PUBLIC_URL: "https://mcp.example.com", MCP_OAUTH_SECRET: "s".repeat(32) },
    want: {
      oauth: {
        secret: "s".repeat(32),
        oldSecrets: [],
        clientMetadataHosts: ["apps.example.com", "claude.ai"],
      },
    },
  },
];

Deno.test("loadConfig: holidays as a JSON list, --holidays and --no-confirm flags, bad values", () => {
  const files = { "/h.json": '["2026-05-01", "2026-05-01", "2026-12-24"]' };
  const c = loadConfig(["--holidays", "/h.json", "--no-confirm"], sources({}, files));
  assert.deepEqual(c.holidays, ["2026-05-01", "2026-12-24"]);
  assert.equal(c.confirmWrites, false);
  assert.equal(loadConfig(["--expected-hours", "6"], sources()).expectedHours, 6);
  rejects([], sources({ MCP_HOLIDAYS: "/none.txt" }), "Missing holidays file", "MCP_HOLIDAYS");
  rejects([], sources({ MCP_HOLIDAYS: "/h.txt" }, { "/h.txt": "2026-02-30" }), '"2026-02-30"');
  rejects([], sources({ MCP_HOLIDAYS: "/h.json" }, { "/h.json": "[1," }), "Malformed holidays");
  rejects([], sources({ MCP_EXPECTED_HOURS: "0" }), "--expected-hours / MCP_EXPECTED_HOURS");
  rejects([], sources({ MCP_EXPECTED_HOURS: "25" }), '"25"');
  rejects([], sources({ MCP_NO_CONFIRM: "maybe" }), "--no-confirm / MCP_NO_CONFIRM");
  rejects(
    [],
    sources({ MCP_CONFIRM_WAIT_SECONDS: "0" }),
    "--confirm-wait / MCP_CONFIRM_WAIT_SECONDS",
  );
});

Deno.test("loadConfig: --trust-typed-email, bad values; the allowlist file is read again on demand", () => {
  assert.equal(loadConfig(["--trust-typed-email"], sources()).trustTypedEmail, true);
  assert.equal(loadConfig([], sources({ MCP_TRUST_TYPED_EMAIL: "no" })).trustTypedEmail, false);
  rejects([], sources({ MCP_TRUST_TYPED_EMAIL: "maybe" }), "MCP_TRUST_TYPED_EMAIL");
  const files: Record<string, string> = { [DEFAULT_FILE]: '["a@example.com"]' };
  const c = loadConfig([], sources({}, files));
  files[DEFAULT_FILE] = '{"authorized_emails": ["B@example.com"]}';
  assert.deepEqual(c.authorizedEmails, ["a@example.com"], "the start-time list stays");
  assert.deepEqual(c.reloadAllowlist?.(), ["b@example.com"]);
  files[DEFAULT_FILE] = "{";
  assert.throws(() => c.reloadAllowlist?.(), ConfigError);
  const fromEnv = loadConfig([], sources({ MCP_AUTHORIZED_USERS: "a@example.com" }, files));
  assert.equal(fromEnv.reloadAllowlist, undefined, "a variable is fixed at start");
});

Deno.test("every variable of ENV_VARS has a case here, and a row in SETTINGS", () => {
  assert.deepEqual(ENV_CASES.map((c) => c.env).sort(), [...ENV_VARS].sort());
  assert.deepEqual(SETTINGS.map((s) => s[1]).sort(), [...ENV_VARS].sort());
});

for (const c of ENV_CASES) {
  Deno.test(`loadConfig: ${c.env}=${JSON.stringify(c.value)}`, () => {
    const config = loadConfig([], sources({ ...c.with, [c.env]: c.value }, c.files));
    for (const [key, value] of Object.entries(c.want)) {
      assert.deepEqual(config[key as keyof Config], value, key);
    }
  });
}

/** Each flag with a variable set to something else: the flag wins. */
const FLAG_CASES: { args: string[]; env: Record<string, string>; want: Partial<Config> }[] = [
  {
    args: ["--erp-url", "https://flag.example.com/api"],
    env: { ERP_API_BASE_URL: API },
    want: { erpBaseUrl: "https://flag.example.com/api/" },
  },
  {
    args: ["--erp-web-url=https://web.flag.test"],
    env: { ERP_WEB_URL: "https://web.env.test" },
    want: { erpWebUrl: "https://web.flag.test/" },
  },
  { args: ["--timeout", "5"], env: { ERP_TIMEOUT_SECONDS: "60" }, want: { timeoutMs: 5000 } },
  {
    args: ["--google-client-id", "flag-id"],
    env: { MCP_GOOGLE_CLIENT_ID: "env-id" },
    want: { googleClientId: "flag-id" },
  },
  { args: ["--oauth-port", "9000"], env: { MCP_OAUTH_PORT: "9001" }, want: { oauthPort: 9000 } },
  { args: ["--host", "::1"], env: { MCP_SSE_HOST: "0.0.0.0" }, want: { sseHost: "::1" } },
  {
    args: ["--public-url", "https://flag.example.com"],
    env: { MCP_SSE_PUBLIC_URL: "https://env.example.com" },
    want: { ssePublicUrl: "https://flag.example.com" },
  },
  { args: ["--port", "9100"], env: { PORT: "9000" }, want: { port: 9100 } },
  {
    args: ["--timezone", "Asia/Tokyo"],
    env: { MCP_TIMEZONE: "Europe/Berlin" },
    want: { timeZone: "Asia/Tokyo" },
  },
  { args: ["--read-only"], env: { MCP_READ_ONLY: "false" }, want: { readOnly: true } },
  { args: ["--port", "  "], env: { PORT: "9000" }, want: { port: 9000 } }, // a blank flag is unset
];

for (const c of FLAG_CASES) {
  Deno.test(`loadConfig: flag ${c.args.join(" ")} wins over ${Object.keys(c.env).join(", ")}`, () => {
    const config = loadConfig(c.args, sources(c.env));
    for (const [key, value] of Object.entries(c.want)) {
      assert.deepEqual(config[key as keyof Config], value, key);
    }
  });
}

Deno.test("loadConfig: positionals and --http are accepted, unknown flags are not", () => {
  assert.equal(loadConfig(["serve", "--http"], sources()).port, 8000);
  rejects(["--no-such-flag"], sources(), /no-such-flag/);
});

Deno.test("loadConfig: the result is frozen", () => {
  const config = loadConfig(["--authorized-users", "a@example.com"], sources());
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.authorizedEmails));
  assert.throws(() => {
    (config as { port: number }).port = 1;
  }, TypeError);
  assert.throws(() => {
    (config.authorizedEmails as string[]).push("evil@example.com");
  }, TypeError);
});

// --- URLs -----------------------------------------------------------------------------------

for (
  const [raw, want] of [
    ["https://erp.example.com/api/v1", "https://erp.example.com/api/v1/"],
    ["https://erp.example.com/api/v1/", "https://erp.example.com/api/v1/"],
    ["https://erp.example.com", "https://erp.example.com/"],
    ["https://erp.example.com/api/v1/?debug=1#top", "https://erp.example.com/api/v1/"],
    ["http://127.0.0.1:8000/api/v1", "http://127.0.0.1:8000/api/v1/"],
    ["http://127.5.6.7/api/", "http://127.5.6.7/api/"],
    ["http://localhost:8000/api/v1/", "http://localhost:8000/api/v1/"],
    ["http://[::1]:8000/api/v1/", "http://[::1]:8000/api/v1/"],
  ]
) {
  Deno.test(`loadConfig: ERP URL "${raw}" becomes "${want}"`, () => {
    assert.equal(loadConfig([], sources({ ERP_API_BASE_URL: raw })).erpBaseUrl, want);
  });
}

for (
  const c of [
    { raw: "http://erp.example.com/api/v1/", why: /Refusing plain HTTP/ },
    { raw: "http://10.0.0.5/api/", why: /Refusing plain HTTP/ },
    { raw: "http://127.0.0.1.example.com/api/", why: /Refusing plain HTTP/ },
    { raw: "erp.example.com/api/v1/", why: /^Invalid URL "erp\.example\.com\/api\/v1\/"/ },
    { raw: "/api/v1/", why: /^Invalid URL/ },
    { raw: "ftp://erp.example.com/", why: /the scheme must be https/ },
    {
      raw: "https://user:secret@erp.example.com/api/",
      why: /credentials do not belong in the URL/,
    },
  ]
) {
  Deno.test(`loadConfig: ERP URL "${c.raw}" is refused, naming the flag and the variable`, () => {
    rejects([], sources({ ERP_API_BASE_URL: c.raw }), c.why, "--erp-url", "ERP_API_BASE_URL");
    rejects(["--erp-url", c.raw], sources(), c.why, "--erp-url", "ERP_API_BASE_URL");
  });
}

Deno.test("loadConfig: a URL with credentials never echoes the password", () => {
  assert.throws(
    () => loadConfig([], sources({ ERP_API_BASE_URL: "https://user:s3cr3t@erp.example.com/" })),
    (error: unknown) => error instanceof ConfigError && !error.message.includes("s3cr3t"),
  );
});

Deno.test("loadConfig: a missing ERP URL names the variable and the flag", () => {
  rejects([], sources({ ERP_API_BASE_URL: "" }), "ERP_API_BASE_URL", "--erp-url");
  rejects([], sources({ ERP_API_BASE_URL: "   " }), "ERP_API_BASE_URL", "--erp-url");
});

for (
  const c of [
    { env: "ERP_WEB_URL", flag: "--erp-web-url", raw: "http://erp.example.com/" },
    { env: "ERP_WEB_URL", flag: "--erp-web-url", raw: "erp.example.com" },
    { env: "MCP_SSE_PUBLIC_URL", flag: "--public-url", raw: "http://mcp.example.com" },
    { env: "MCP_SSE_PUBLIC_URL", flag: "--public-url", raw: "mcp.example.com" },
  ]
) {
  Deno.test(`loadConfig: ${c.env}="${c.raw}" is refused, naming ${c.flag}`, () => {
    rejects([], sources({ [c.env]: c.raw }), c.flag, c.env);
  });
}

Deno.test("loadConfig: loopback HTTP is fine for the web and public URLs", () => {
  const c = loadConfig(
    [],
    sources({
      ERP_WEB_URL: "http://localhost:3000",
      MCP_SSE_PUBLIC_URL: "http://127.0.0.1:8000/",
    }),
  );
  assert.equal(c.erpWebUrl, "http://localhost:3000/");
  assert.equal(c.ssePublicUrl, "http://127.0.0.1:8000");
});

for (
  const [host, want] of [
    ["127.0.0.1", true],
    ["127.255.0.9", true],
    ["localhost", true],
    ["[::1]", true],
    ["::1", true],
    ["0.0.0.0", false],
    ["10.0.0.1", false],
    ["127.0.0.1.nip.io", false],
    ["erp.example.com", false],
  ] as [string, boolean][]
) {
  Deno.test(`isLoopbackHost("${host}") is ${want}`, () => {
    assert.equal(isLoopbackHost(host), want);
  });
}

// --- time zone ------------------------------------------------------------------------------

Deno.test("loadConfig: an unknown time zone is refused, naming the flag and the variable", () => {
  rejects(
    [],
    sources({ MCP_TIMEZONE: "Mars/Olympus_Mons" }),
    '"Mars/Olympus_Mons"',
    "--timezone",
    "MCP_TIMEZONE",
  );
  rejects(["--timezone", "Nowhere"], sources(), '"Nowhere"', "--timezone", "MCP_TIMEZONE");
  rejects([], sources({}, {}, "Not/AZone"), '"Not/AZone"');
});

// --- allowlist ------------------------------------------------------------------------------

for (
  const c of [
    { name: "not JSON", text: "{authorized_emails: [", why: /^Malformed allowlist file/ },
    { name: "JSON null", text: "null", why: /expected \{"authorized_emails"/ },
    { name: "a string", text: '"a@example.com"', why: /expected \{"authorized_emails"/ },
    {
      name: "wrong key",
      text: '{"emails": ["a@example.com"]}',
      why: /expected \{"authorized_emails"/,
    },
    {
      name: "list is a string",
      text: '{"authorized_emails": "a@example.com"}',
      why: /expected \{"authorized_emails"/,
    },
    {
      name: "an entry is a number",
      text: '{"authorized_emails": [42]}',
      why: /Invalid allowlist entry 42/,
    },
    {
      name: "an entry without @",
      text: '{"authorized_emails": ["jane"]}',
      why: /Invalid allowlist entry "jane"/,
    },
    {
      name: "an entry without a dot",
      text: '{"authorized_emails": ["jane@localhost"]}',
      why: /Invalid allowlist entry "jane@localhost"/,
    },
    { name: "a bare @", text: '{"authorized_emails": ["@"]}', why: /Invalid allowlist entry "@"/ },
  ]
) {
  Deno.test(`loadConfig: malformed allowlist file (${c.name}) is refused`, () => {
    rejects([], sources({}, { [DEFAULT_FILE]: c.text }), c.why, "MCP_AUTHORIZED_USERS_FILE");
  });
}

for (
  const c of table<{ name: string; env: Record<string, string>; files: Record<string, string> }>([
    {
      name: "an empty list in the file",
      env: {},
      files: { [DEFAULT_FILE]: '{"authorized_emails": []}' },
    },
    { name: "no file at all", env: {}, files: {} },
    {
      name: "a blank variable falls back to the file",
      env: { MCP_AUTHORIZED_USERS: "  " },
      files: {},
    },
    {
      name: "blank entries in the file",
      env: {},
      files: { [DEFAULT_FILE]: '{"authorized_emails": ["", " "]}' },
    },
  ])
) {
  Deno.test(`loadConfig: ${c.name} gives an empty allowlist`, () => {
    assert.deepEqual(loadConfig([], sources(c.env, c.files)).authorizedEmails, []);
  });
}

Deno.test("loadConfig: a variable holding only commas is refused, not an empty allowlist", () => {
  // It would replace the file with nothing: nobody could sign in, and nobody would know why.
  rejects(
    [],
    sources({ MCP_AUTHORIZED_USERS: " , ," }),
    /^Empty allowlist in MCP_AUTHORIZED_USERS/,
  );
  rejects(["--authorized-users", ","], sources(), /^Empty allowlist in --authorized-users/);
});

Deno.test("loadConfig: MCP_AUTHORIZED_USERS replaces the allowlist file, which is then not read", () => {
  const files = { [DEFAULT_FILE]: '{"authorized_emails": ["file@example.com"]}' };
  const src = sources({ MCP_AUTHORIZED_USERS: "env@example.com" }, files);
  const c = loadConfig([], src);
  assert.deepEqual(c.authorizedEmails, ["env@example.com"]);
  assert.equal(c.allowlistSource, "MCP_AUTHORIZED_USERS");
  assert.deepEqual(src.reads, [], "the file is not even read");
});

Deno.test("loadConfig: @domain entries and a plain list in the file", () => {
  const files = { [DEFAULT_FILE]: '["@Example.COM", "bob@acme.test"]' };
  assert.deepEqual(loadConfig([], sources({}, files)).authorizedEmails, [
    "@example.com",
    "bob@acme.test",
  ]);
});

Deno.test("loadConfig: a bad entry in MCP_AUTHORIZED_USERS names the flag and the variable", () => {
  rejects(
    [],
    sources({ MCP_AUTHORIZED_USERS: "a@example.com, nope" }),
    '"nope"',
    "--authorized-users",
    "MCP_AUTHORIZED_USERS",
  );
});

// --- numbers and booleans -------------------------------------------------------------------

for (const [env, flag] of [["PORT", "--port"], ["MCP_OAUTH_PORT", "--oauth-port"]]) {
  const bads = ["65536", "-1", "80.5", "http", "8000abc", ...(env === "PORT" ? [] : ["0"])];
  for (const bad of bads) {
    Deno.test(`loadConfig: ${env}="${bad}" is refused`, () => {
      rejects([], sources({ [env]: bad }), `Invalid port "${bad}"`, flag, env);
    });
  }
  // PORT=0 lets the HTTP server pick a free port; the OAuth port is fixed by Google's console.
  for (const good of ["1", "65535", ...(env === "PORT" ? ["0"] : [])]) {
    Deno.test(`loadConfig: ${env}="${good}" is accepted`, () => {
      const c = loadConfig([], sources({ [env]: good }));
      assert.equal(env === "PORT" ? c.port : c.oauthPort, Number(good));
    });
  }
}

for (const bad of ["0", "-5", "601", "soon"]) {
  Deno.test(`loadConfig: ERP_TIMEOUT_SECONDS="${bad}" is refused`, () => {
    rejects([], sources({ ERP_TIMEOUT_SECONDS: bad }), "--timeout", "ERP_TIMEOUT_SECONDS");
  });
}

for (
  const [value, want] of [
    ["1", true],
    ["true", true],
    ["TRUE", true],
    [" yes ", true],
    ["0", false],
    ["false", false],
    ["No", false],
    ["", false],
  ] as [string, boolean][]
) {
  Deno.test(`loadConfig: MCP_READ_ONLY="${value}" → ${want}`, () => {
    assert.equal(loadConfig([], sources({ MCP_READ_ONLY: value })).readOnly, want);
  });
}

Deno.test("loadConfig: MCP_READ_ONLY with another value is refused", () => {
  rejects([], sources({ MCP_READ_ONLY: "maybe" }), /"maybe"/, "--read-only", "MCP_READ_ONLY");
});

Deno.test("loadConfig: ERP_API_TOKEN blank means no token", () => {
  assert.equal(loadConfig([], sources({ ERP_API_TOKEN: "   " })).token, undefined);
});

// --- ERP_API_TOKEN --------------------------------------------------------------------------

for (
  const c of [
    { name: "a pasted header line", value: "Authorization: Token abc123", why: /holds a space/ },
    { name: "two words", value: "Token abc 123", why: /holds a space/ },
    { name: "a prefix alone", value: "Token", why: /holds no key/ },
    { name: "513 characters", value: "t".repeat(513), why: /513 characters long, over 512/ },
    { name: "an example's ellipsis", value: "Token 0123abcd…", why: /outside visible ASCII/ },
    { name: "a look-alike letter", value: "Token abc\u0441123", why: /outside visible ASCII/ },
  ]
) {
  Deno.test(`loadConfig: ERP_API_TOKEN as ${c.name} stops start-up, without echoing it`, () => {
    rejects([], sources({ ERP_API_TOKEN: c.value }), /^Cannot use ERP_API_TOKEN: /, c.why);
    try {
      loadConfig([], sources({ ERP_API_TOKEN: c.value }));
    } catch (error) {
      const key = c.value.replace(/^Token\s*/, "");
      if (key.length > 3) assert.ok(!(error as Error).message.includes(key), "no token in it");
    }
  });
}

for (const value of ["Token abc123", "Bearer abc123", "abc123", " abc123 ", "t".repeat(512)]) {
  Deno.test(`loadConfig: ERP_API_TOKEN "${value.slice(0, 20)}" is kept as given`, () => {
    assert.equal(loadConfig([], sources({ ERP_API_TOKEN: value })).token, value.trim());
  });
}

Deno.test("loadConfig: an unknown flag is named, with where to look", () => {
  rejects(["--no-confrim"], sources(), 'Unknown flag "--no-confrim": see --help');
});

Deno.test("loadConfig: ERP_API_TOKEN is refused at start exactly when the session could not use it", async () => {
  const { normalizeToken } = await import("../../src/auth/session.ts");
  const values = [
    "Token abc",
    "bearer abc",
    "abc",
    "Token",
    "Token a b",
    "Authorization: Token abc",
    "x".repeat(512),
    "x".repeat(513),
    `Token ${"x".repeat(512)}`,
    "\tToken\tabc\t",
  ];
  for (const value of values) {
    let session = true;
    try {
      normalizeToken(value);
    } catch {
      session = false;
    }
    let start = true;
    try {
      loadConfig([], sources({ ERP_API_TOKEN: value }));
    } catch {
      start = false;
    }
    assert.equal(start, session, JSON.stringify(value));
  }
});
