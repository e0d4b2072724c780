/**
 * The flags every way of running grants — `deno task start`, `serve`, `demo`, the launcher itself
 * and the compiled targets — written out in full, so any widening fails here and shows in review.
 */
import assert from "node:assert/strict";
import { compileFlags } from "../../src/cli/compile.ts";
import { grantable, permissionFlags, PermissionValueError } from "../../src/permissions.ts";
import { type LaunchInputs, launchPlan } from "../../src/start.ts";
import denoJson from "../../deno.json" with { type: "json" };

/** The variables the server reads (src/config.ts ENV_VARS), spelled out. */
const SERVER_ENV = "ERP_API_BASE_URL,ERP_WEB_URL,ERP_API_TOKEN,ERP_TIMEOUT_SECONDS," +
  "MCP_AUTHORIZED_USERS,MCP_AUTHORIZED_USERS_FILE,MCP_TRUST_TYPED_EMAIL,MCP_GOOGLE_CLIENT_ID," +
  "MCP_OAUTH_PORT," +
  "MCP_GOOGLE_AUTH_URL,MCP_BROWSER_PATH,MCP_BROWSER_HEADLESS,MCP_SIGNIN_TIMEOUT_SECONDS," +
  "MCP_SSE_HOST,MCP_SSE_PUBLIC_URL,MCP_OAUTH_SECRET,MCP_OAUTH_OLD_SECRETS," +
  "MCP_OAUTH_CLIENT_METADATA_HOSTS,MCP_ALLOWED_HOSTS,MCP_ALLOWED_ORIGINS,MCP_MAX_SESSIONS," +
  "MCP_SESSION_IDLE_MINUTES,MCP_MAX_ERP_BROWSERS,MCP_MAX_ERP_BROWSERS_PER_CLIENT," +
  "MCP_SIGNIN_ORIGINS,MCP_MAX_ANONYMOUS_SESSIONS,MCP_HTTP_HEADERS_TIMEOUT_SECONDS," +
  "MCP_HTTP_BODY_TIMEOUT_SECONDS,MCP_HTTP_IDLE_TIMEOUT_SECONDS,MCP_TRUST_PROXY," +
  "PORT,MCP_TIMEZONE,MCP_READ_ONLY," +
  "MCP_EXPECTED_HOURS,MCP_HOLIDAYS,MCP_NO_CONFIRM,MCP_CONFIRM_WAIT_SECONDS";
/** …plus what a browser window needs. */
const BROWSER_ENV = ",HOME,PATH,LANG,TMPDIR,DISPLAY,WAYLAND_DISPLAY,XAUTHORITY,XDG_RUNTIME_DIR," +
  "DBUS_SESSION_BUS_ADDRESS,USERPROFILE,LOCALAPPDATA,SYSTEMROOT,TEMP,TMP";
const LINUX_BROWSERS = "/usr/bin/google-chrome,/usr/bin/google-chrome-stable,/usr/bin/chromium," +
  "/usr/bin/chromium-browser,/usr/bin/microsoft-edge,/usr/bin/microsoft-edge-stable";

function plan(args: string[], env: Record<string, string>, installedBrowser?: string): string[] {
  const inputs: LaunchInputs = {
    args,
    getEnv: (name) => env[name],
    root: "/srv/plm/",
    installedBrowser,
    tempName: "abcd1234",
    pid: 4242,
    os: "linux",
  };
  return launchPlan(inputs).flags;
}

const ERP = "https://erp.acme.test/api/v1/";

Deno.test("permissions: deno task start, token only — the ERP host, nothing else", () => {
  assert.deepEqual(plan([], { ERP_API_BASE_URL: ERP }), [
    "--no-prompt",
    "--allow-net=erp.acme.test",
    `--allow-env=${SERVER_ENV}`,
    `--allow-read=/srv/plm/authorized_users.json,${LINUX_BROWSERS}`,
  ]);
});

Deno.test("permissions: deno task start with Google and a browser — its port, its pipe, its own temp folder", () => {
  const env = { ERP_API_BASE_URL: ERP, MCP_GOOGLE_CLIENT_ID: "id", TMPDIR: "/var/tmp/" };
  assert.deepEqual(plan([], env, "/usr/bin/chromium"), [
    "--no-prompt",
    "--allow-net=erp.acme.test,127.0.0.1:8765",
    `--allow-env=${SERVER_ENV}${BROWSER_ENV}`,
    "--allow-read=/srv/plm/authorized_users.json,/var/tmp/project-logs-mcp-abcd1234,/usr/bin/chromium",
    "--allow-write=/var/tmp/project-logs-mcp-abcd1234",
    "--allow-run=/usr/bin/chromium",
    "--allow-sys=homedir,osRelease,uid",
    "--ignore-read=/proc/sys/fs/binfmt_misc/WSLInterop,/run/WSL",
    "--ignore-env",
  ]);
});

Deno.test("permissions: flags win over variables for every value that builds a grant", () => {
  const env = { ERP_API_BASE_URL: "https://other.test/", MCP_OAUTH_PORT: "1", MCP_HOLIDAYS: "/x" };
  const args = [
    "--erp-url=https://erp.acme.test:8443/api/",
    "--google-client-id",
    "id",
    "--oauth-port",
    "9000",
    "--authorized-users-file=/etc/plm/users.json",
    "--holidays",
    "/etc/plm/holidays.txt",
  ];
  assert.deepEqual(plan(args, env), [
    "--no-prompt",
    "--allow-net=erp.acme.test:8443,127.0.0.1:9000",
    `--allow-env=${SERVER_ENV}`,
    `--allow-read=/etc/plm/users.json,${LINUX_BROWSERS},/etc/plm/holidays.txt`,
  ]);
});

Deno.test("permissions: deno task serve — its listen address, no Google port (hosted mode refuses that sign-in)", () => {
  const env = {
    ERP_API_BASE_URL: ERP,
    MCP_GOOGLE_CLIENT_ID: "id",
    MCP_SSE_HOST: "0.0.0.0",
    PORT: "8080",
  };
  assert.deepEqual(plan(["--http"], env, "/usr/bin/chromium"), [
    "--no-prompt",
    "--allow-net=erp.acme.test,0.0.0.0:8080",
    `--allow-env=${SERVER_ENV}${BROWSER_ENV}`,
    "--allow-read=/srv/plm/authorized_users.json,/tmp/project-logs-mcp-abcd1234,/usr/bin/chromium",
    "--allow-write=/tmp/project-logs-mcp-abcd1234",
    "--allow-run=/usr/bin/chromium",
    "--allow-sys=homedir,osRelease,uid",
    "--ignore-read=/proc/sys/fs/binfmt_misc/WSLInterop,/run/WSL",
    "--ignore-env",
  ]);
});

Deno.test("permissions: deno task demo — the sandbox on loopback (port chosen at start) and the fake Google's port", () => {
  assert.deepEqual(plan(["--demo", "--no-confirm"], { ERP_API_BASE_URL: ERP }), [
    "--no-prompt",
    "--allow-net=127.0.0.1,127.0.0.1:8765",
    `--allow-env=${SERVER_ENV}`,
    `--allow-read=/srv/plm/authorized_users.json,${LINUX_BROWSERS}`,
  ]);
});

Deno.test("permissions: with nothing configured, no network at all", () => {
  assert.deepEqual(plan([], {}), [
    "--no-prompt",
    `--allow-env=${SERVER_ENV}`,
    `--allow-read=/srv/plm/authorized_users.json,${LINUX_BROWSERS}`,
  ]);
  assert.deepEqual(plan([], { ERP_API_BASE_URL: "erp.acme.test/api" }), plan([], {}));
});

Deno.test("permissions: the launcher hands the child its private arguments and its temp folder", () => {
  const p = launchPlan({
    args: ["--demo", "--no-confirm"],
    getEnv: () => undefined,
    root: "/srv/plm/",
    installedBrowser: "/usr/bin/chromium",
    tempName: "abcd1234",
    pid: 4242,
    os: "linux",
  });
  assert.deepEqual(p.args.slice(0, 2), ["run", "--config=/srv/plm/deno.json"]);
  assert.deepEqual(p.args.slice(-4), [
    "/srv/plm/src/demo.ts",
    "--exit-with-parent=4242",
    "--own-tmpdir=/tmp/project-logs-mcp-abcd1234",
    "--no-confirm",
  ]);
  const dir = "/tmp/project-logs-mcp-abcd1234";
  assert.deepEqual(p.env, { TMPDIR: dir, TEMP: dir, TMP: dir });
});

Deno.test("permissions: the launcher itself may read its variables, look for browsers, and run this deno", () => {
  const launcher = "deno run --no-prompt --allow-env=ERP_API_BASE_URL,MCP_AUTHORIZED_USERS_FILE," +
    "MCP_GOOGLE_CLIENT_ID,MCP_OAUTH_PORT,MCP_BROWSER_PATH,MCP_HOLIDAYS,MCP_SSE_HOST," +
    "MCP_OAUTH_SECRET,MCP_OAUTH_CLIENT_METADATA_HOSTS,PORT,TMPDIR," +
    "TEMP,TMP --allow-read='/usr/bin,/Applications,C:\\Program Files,C:\\Program Files (x86)' " +
    `--allow-run="$(deno eval --no-config 'console.log(Deno.execPath())')" src/start.ts`;
  assert.equal(denoJson.tasks.start, launcher);
  assert.equal(denoJson.tasks.serve, `${launcher} --http`);
  assert.equal(denoJson.tasks.demo, `${launcher} --demo`);
});

Deno.test("permissions: compiled for Linux, generic — any host, the usual browsers, one temp dir", () => {
  assert.deepEqual(compileFlags({}, "x86_64-unknown-linux-gnu"), [
    "--no-prompt",
    "--allow-net",
    `--allow-env=${SERVER_ENV}${BROWSER_ENV}`,
    `--allow-read=/tmp/project-logs-mcp,${LINUX_BROWSERS}`,
    "--allow-write=/tmp/project-logs-mcp",
    `--allow-run=${LINUX_BROWSERS}`,
    "--allow-sys=homedir,osRelease,uid",
    "--ignore-read=/proc/sys/fs/binfmt_misc/WSLInterop,/run/WSL",
    "--ignore-env",
  ]);
});

Deno.test("permissions: compiled for macOS with the ERP host — that host and the Google port", () => {
  const mac = "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome," +
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge," +
    "/Applications/Chromium.app/Contents/MacOS/Chromium";
  assert.deepEqual(compileFlags({ erpBaseUrl: ERP }, "aarch64-apple-darwin"), [
    "--no-prompt",
    "--allow-net=erp.acme.test,127.0.0.1:8765",
    `--allow-env=${SERVER_ENV}${BROWSER_ENV}`,
    `--allow-read=/private/tmp/project-logs-mcp,${mac}`,
    "--allow-write=/private/tmp/project-logs-mcp",
    `--allow-run=${mac}`,
    "--allow-sys=homedir,osRelease,uid",
    "--ignore-read=/proc/sys/fs/binfmt_misc/WSLInterop,/run/WSL",
    "--ignore-env",
  ]);
});

Deno.test("permissions: compiled for Windows, generic", () => {
  const win = "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe," +
    "C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe," +
    "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe," +
    "C:\\Program Files\\Microsoft\\Edge\\Application\\msedge.exe," +
    "C:\\Program Files\\Chromium\\Application\\chrome.exe";
  assert.deepEqual(compileFlags({}, "x86_64-pc-windows-msvc"), [
    "--no-prompt",
    "--allow-net",
    `--allow-env=${SERVER_ENV}${BROWSER_ENV}`,
    `--allow-read=C:\\Windows\\Temp\\project-logs-mcp,${win}`,
    "--allow-write=C:\\Windows\\Temp\\project-logs-mcp",
    `--allow-run=${win}`,
    "--allow-sys=homedir,osRelease,uid",
    "--ignore-read=/proc/sys/fs/binfmt_misc/WSLInterop,/run/WSL",
    "--ignore-env",
  ]);
});

for (
  const c of [
    { name: "MCP_BROWSER_PATH", env: { MCP_BROWSER_PATH: "/usr/bin/chromium,/bin/sh" } },
    { name: "the allowlist file", env: { MCP_AUTHORIZED_USERS_FILE: "/a.json,/" } },
    { name: "MCP_HOLIDAYS", env: { MCP_HOLIDAYS: "/h,/" } },
    { name: "TMPDIR", env: { TMPDIR: "/tmp,/" }, browser: "/usr/bin/chromium" },
    { name: "MCP_SSE_HOST", env: { MCP_SSE_HOST: "0.0.0.0,example.com" }, args: ["--http"] },
    { name: "the ERP host", env: { ERP_API_BASE_URL: "https://erp.acme.test,evil.test/" } },
  ] as { name: string; env: Record<string, string>; browser?: string; args?: string[] }[]
) {
  Deno.test(`permissions: a comma in ${c.name} is refused, never split into two grants`, () => {
    assert.throws(
      () => plan(c.args ?? [], { ERP_API_BASE_URL: ERP, ...c.env }, c.browser),
      (e: unknown) =>
        e instanceof PermissionValueError && /a comma cannot be granted/.test(e.message),
    );
  });
}

Deno.test("permissions: compile refuses a browser path with a comma", () => {
  assert.throws(
    () => compileFlags({ browserPath: "/opt/chrome,/bin/sh" }, "x86_64-unknown-linux-gnu"),
    PermissionValueError,
  );
  assert.throws(() => permissionFlags({ readFiles: ["a,b"] }), PermissionValueError);
  assert.equal(grantable("/usr/bin/chromium", "x"), "/usr/bin/chromium");
});
