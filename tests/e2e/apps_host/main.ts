/**
 * The reference host for the week grid: `deno run` this file (see the README's "The week as an
 * app") and open the printed URL. It starts the sandbox ERP and the real server (signed in as the
 * sandbox user alice), connects an MCP client that declares MCP Apps, and serves a page built with
 * ext-apps' AppBridge (host.ts) that renders a tool's view in a sandboxed iframe and relays the
 * view's calls to that client through `POST /relay` — same origin only, 127.0.0.1 only.
 */
import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { Session } from "../../../src/auth/session.ts";
import { loadConfig } from "../../../src/config.ts";
import { silentLogger } from "../../../src/log.ts";
import { serveSandbox } from "../../../src/sandbox/erp.ts";
import { buildServer } from "../../../src/server.ts";

/** The MCP methods the page may relay. */
const RELAYED = new Set(["tools/list", "tools/call", "resources/read"]);
/** The largest relay request read, in bytes. */
const MAX_BODY = 1 << 20;

/** The host page's script, bundled for the browser with `deno bundle`. */
export async function hostScript(): Promise<string> {
  const root = new URL("../../../", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      "--lock=tests/tests.lock",
      "tests/e2e/apps_host/host.ts",
    ],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).replaceAll("</script", "<\\/script");
}

function page(js: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>project-logs-mcp: reference MCP Apps host</title>
<style>body{margin:0;padding:12px;font-family:system-ui,sans-serif}
iframe{border:1px solid #ccc;border-radius:8px;width:100%;max-width:760px;height:560px;display:block}
#call{display:flex;flex-wrap:wrap;gap:6px;align-items:end;margin-bottom:10px}
label{display:flex;flex-direction:column;font-size:12px}#args{width:320px}</style></head><body>
<div id="call" role="group" aria-label="Call a tool">
<label>Tool<select id="tool"></select></label>
<label>Arguments (JSON)<input id="args" value='{"week_starting":"this week"}'></label>
<label>Theme<select id="theme"><option>light</option><option>dark</option></select></label>
<button type="button" id="go" disabled>Call</button></div>
<p id="out" role="status"></p><div id="host"></div>
<script type="module">${js}</script></body></html>`;
}

/** Starts the sandbox, the server, its client and the page; `close` stops them all. */
export async function serveReferenceHost(port = 0) {
  const sandbox = await serveSandbox({});
  const { alice } = sandbox.erp.fixtures.users;
  const env: Record<string, string> = {
    ERP_API_BASE_URL: sandbox.apiBase,
    ERP_API_TOKEN: alice.token,
    MCP_AUTHORIZED_USERS: alice.email,
  };
  const config = loadConfig([], {
    getEnv: (n) => env[n],
    readFile: () => undefined,
    defaultAllowlistPath: "authorized_users.json",
    defaultTimeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  });
  const session = new Session({ config });
  session.presetToken(alice.token, "environment");
  const server = buildServer({ config, session, log: silentLogger });
  const client = new Client({ name: "reference-host", version: "1" }, {
    capabilities: {
      extensions: { "io.modelcontextprotocol/ui": { mimeTypes: ["text/html;profile=mcp-app"] } },
    },
  });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(b), client.connect(a)]);
  const html = page(await hostScript());
  const http = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const origin = `http://127.0.0.1:${http.addr.port}`;
    if (req.headers.get("host") !== `127.0.0.1:${http.addr.port}`) {
      return new Response("Wrong Host", { status: 421 });
    }
    if (req.method === "GET" && url.pathname === "/") {
      return new Response(html, {
        headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
      });
    }
    if (req.method !== "POST" || url.pathname !== "/relay") {
      return new Response("Not found", { status: 404 });
    }
    if (req.headers.get("origin") !== origin) {
      return Response.json({ error: "Refused: not the host page's origin" }, { status: 403 });
    }
    const text = await req.text();
    if (text.length > MAX_BODY) return Response.json({ error: "Too large" }, { status: 413 });
    try {
      const { method, params } = JSON.parse(text) as { method: string; params: never };
      if (!RELAYED.has(method)) {
        return Response.json({ error: `Refused: the host relays no ${method}` }, { status: 400 });
      }
      const result = method === "tools/list"
        ? await client.listTools(params)
        : method === "tools/call"
        ? await client.callTool(params)
        : await client.readResource(params);
      return Response.json({ result });
    } catch (error) {
      return Response.json({ error: String(error) }, { status: 500 });
    }
  });
  return {
    url: `http://127.0.0.1:${http.addr.port}/`,
    sandbox,
    async close() {
      await http.shutdown();
      await client.close();
      await server.close();
      await sandbox.close();
    },
  };
}

if (import.meta.main) {
  const host = await serveReferenceHost(Number(Deno.args[0] ?? 8787));
  console.error(`Reference MCP Apps host on ${host.url} (sandbox ERP, signed in as alice)`);
  console.error("Press Ctrl+C to stop.");
}
