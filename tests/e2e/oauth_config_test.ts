/** OAuth settings: what turns sign-in on, what stops start-up, and the network it may reach. */
import assert from "node:assert/strict";
import { ConfigError, DEFAULT_CLIENT_METADATA_HOSTS, loadConfig } from "../../src/config.ts";
import { permissionFlags } from "../../src/permissions.ts";
import { formatCheck, runDoctor } from "../../src/cli/doctor.ts";
import { launchPlan } from "../../src/start.ts";

function load(env: Record<string, string>) {
  const vars: Record<string, string> = {
    ERP_API_BASE_URL: "https://erp.example.com/api/v1/",
    MCP_AUTHORIZED_USERS: "alice@example.com",
    ...env,
  };
  return loadConfig([], {
    getEnv: (n) => vars[n],
    readFile: () => undefined,
    defaultAllowlistPath: "x",
    defaultTimeZone: "UTC",
  });
}

const SECRET = "k".repeat(32);

Deno.test("oauth config: MCP_OAUTH_SECRET with a public URL turns sign-in on; the secret never shows", () => {
  assert.equal(load({}).oauth, undefined);
  const c = load({ MCP_OAUTH_SECRET: SECRET, MCP_SSE_PUBLIC_URL: "https://logs.example.com/" });
  assert.equal(c.oauth?.secret, SECRET);
  assert.deepEqual(c.oauth?.clientMetadataHosts, DEFAULT_CLIENT_METADATA_HOSTS);
  assert.doesNotMatch(JSON.stringify(c), /kkkk/, "not enumerable: printing the config hides it");
  const local = load({ MCP_OAUTH_SECRET: SECRET, MCP_SSE_PUBLIC_URL: "http://127.0.0.1:8000" });
  assert.ok(local.oauth, "plain http on loopback is allowed");
});

Deno.test("oauth config: a short secret, a short old secret, no public URL or one with a path stop start-up", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [
      { MCP_OAUTH_SECRET: "k".repeat(31), MCP_SSE_PUBLIC_URL: "https://a.example" },
      /MCP_OAUTH_SECRET: it is 31 bytes long, under 32/,
    ],
    [{ MCP_OAUTH_SECRET: SECRET }, /set MCP_SSE_PUBLIC_URL \(or --public-url\)/],
    [
      { MCP_OAUTH_SECRET: SECRET, MCP_SSE_PUBLIC_URL: "https://a.example/mcp" },
      /must have no path/,
    ],
    [{ MCP_OAUTH_SECRET: SECRET, MCP_SSE_PUBLIC_URL: "http://a.example" }, /Refusing plain HTTP/],
    [
      {
        MCP_OAUTH_SECRET: SECRET,
        MCP_SSE_PUBLIC_URL: "https://a.example",
        MCP_OAUTH_OLD_SECRETS: "short",
      },
      /MCP_OAUTH_OLD_SECRETS: its entry 1 is under 32 bytes/,
    ],
    [
      {
        MCP_OAUTH_SECRET: SECRET,
        MCP_SSE_PUBLIC_URL: "https://a.example",
        MCP_OAUTH_CLIENT_METADATA_HOSTS: "a b",
      },
      /Invalid host "a b"/,
    ],
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => load(env),
      (e) => e instanceof ConfigError && message.test(e.message) && !e.message.includes(SECRET),
    );
  }
});

Deno.test("oauth permissions: hosted mode with OAuth may reach exactly the metadata document hosts", () => {
  const base = { erpBaseUrl: "https://erp.example.com/api/v1/", listen: "0.0.0.0:8000" };
  const net = (flags: string[]) => flags.find((f) => f.startsWith("--allow-net="));
  assert.equal(net(permissionFlags(base)), "--allow-net=erp.example.com,0.0.0.0:8000");
  assert.equal(
    net(permissionFlags({ ...base, clientMetadataHosts: ["claude.ai", "vscode.dev"] })),
    "--allow-net=erp.example.com,0.0.0.0:8000,claude.ai,vscode.dev",
  );
  const plan = (env: Record<string, string>, args: string[] = []) =>
    launchPlan({
      args: ["--http", ...args],
      getEnv: (n) => ({ ERP_API_BASE_URL: "https://erp.example.com/api/v1/", ...env })[n],
      root: "/app/",
      installedBrowser: undefined,
      tempName: "t",
      pid: 1,
      os: "linux",
    });
  assert.equal(net(plan({}).flags), "--allow-net=erp.example.com,127.0.0.1:8000");
  assert.equal(
    net(plan({ MCP_OAUTH_SECRET: SECRET }).flags),
    `--allow-net=erp.example.com,127.0.0.1:8000,${DEFAULT_CLIENT_METADATA_HOSTS.join(",")}`,
  );
  assert.equal(
    net(
      plan({ MCP_OAUTH_SECRET: SECRET }, ["--oauth-client-metadata-hosts", "apps.example.com"])
        .flags,
    ),
    "--allow-net=erp.example.com,127.0.0.1:8000,apps.example.com",
  );
});

Deno.test("oauth config: doctor says OAuth is on, its issuer, hosts and former keys, never a secret", async () => {
  const config = load({
    MCP_OAUTH_SECRET: SECRET,
    MCP_OAUTH_OLD_SECRETS: "o".repeat(40),
    MCP_SSE_PUBLIC_URL: "https://logs.example.com",
  });
  const lines = (await runDoctor({
    config,
    erpMissing: true,
    fetch,
    findBrowser: () => ({ searched: [] }),
    probePort: () => Promise.resolve("free"),
  })).map(formatCheck).join("\n");
  assert.match(
    lines,
    /✔ OAuth sign-in is on \(hosted mode\): issuer https:\/\/logs\.example\.com, client metadata documents from claude\.ai, chatgpt\.com, vscode\.dev, 1 former secret\(s\) still accepted/,
  );
  assert.doesNotMatch(lines, /kkkk|oooo/);
  const off = (await runDoctor({
    config: load({}),
    erpMissing: true,
    fetch,
    findBrowser: () => ({ searched: [] }),
    probePort: () => Promise.resolve("free"),
  })).map(formatCheck).join("\n");
  assert.doesNotMatch(off, /OAuth sign-in/);
});

Deno.test("oauth config: doctor notes a hosted set-up without OAuth, and how to turn it on", async () => {
  const config = load({ MCP_SSE_PUBLIC_URL: "https://logs.example.com" });
  const lines = (await runDoctor({
    config,
    erpMissing: true,
    fetch,
    findBrowser: () => ({ searched: [] }),
    probePort: () => Promise.resolve("free"),
  })).map(formatCheck).join("\n");
  assert.match(lines, /• OAuth sign-in is off \(MCP_OAUTH_SECRET unset\).* — set MCP_OAUTH_SECRET/);
});
