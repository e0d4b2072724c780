/**
 * A test host for MCP Apps, built with the ext-apps package's host side (AppBridge): it renders a
 * tool's `ui://` view in a sandboxed iframe and relays the view's requests to the MCP server
 * through `window.mcpRelay`, which the test exposes and answers with a real MCP client. Bundled
 * for the browser by tests/e2e/apps_test.ts (`deno bundle --platform browser`).
 */
import {
  AppBridge,
  getToolUiResourceUri,
  PostMessageTransport,
} from "npm:@modelcontextprotocol/ext-apps@2.0.4/app-bridge";

type Relay = (method: string, params: unknown) => Promise<unknown>;
// The page's DOM, untyped: a DOM lib reference here would retype the other tests' streams.
// deno-lint-ignore no-explicit-any
const page = globalThis as any;
const document = page.document;
/**
 * The MCP client behind the page: the test's (`window.mcpRelay`, exposed by playwright), or the
 * reference host's `POST /relay` (tests/e2e/apps_host/main.ts), same origin.
 */
const relay: Relay = async (method, params) => {
  if (page.mcpRelay) return await page.mcpRelay(method, params);
  const res = await fetch("/relay", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ method, params }),
  });
  const body = await res.json() as { result?: unknown; error?: string };
  if (!res.ok || body.error) throw new Error(body.error ?? `relay answered ${res.status}`);
  return body.result;
};

const LIGHT = {
  "--color-background-primary": "#ffffff",
  "--color-text-primary": "#1b1b1f",
  "--font-sans": "'DejaVu Sans', system-ui, sans-serif",
};
const DARK = {
  "--color-background-primary": "#1e1f24",
  "--color-background-secondary": "#2b2d33",
  "--color-text-primary": "#ececf1",
  "--color-text-secondary": "#a3a6b0",
  "--color-border-primary": "#3d4049",
  "--font-sans": "'DejaVu Sans', system-ui, sans-serif",
};

/** What the host recorded: the view's model-context updates, in order. */
page.modelContext = [] as unknown[];

/**
 * Plays the model calling `tool` with `args`: calls it, and when its listing names a `ui://`
 * view, renders the view, connects the bridge, and hands the view the tool's input and result.
 */
page.openApp = async (tool: string, args: Record<string, unknown>, theme: "light" | "dark") => {
  const { tools } = await relay("tools/list", {}) as { tools: { name: string }[] };
  const def = tools.find((t) => t.name === tool);
  if (!def) throw new Error(`no tool ${tool}`);
  const uri = getToolUiResourceUri(def);
  const result = await relay("tools/call", { name: tool, arguments: args });
  if (!uri) return { rendered: false, result };
  const read = await relay("resources/read", { uri }) as {
    contents: { text: string; mimeType: string }[];
  };
  const html = read.contents[0].text;
  document.body.dataset.theme = theme;
  document.body.style.background = theme === "dark" ? DARK["--color-background-primary"] : "#fff";
  const frame = document.createElement("iframe");
  // The strictest sandbox a host uses: scripts only (no same origin, no forms, no modals).
  frame.setAttribute("sandbox", "allow-scripts");
  frame.title = "Week grid app";
  frame.id = "app";
  frame.srcdoc = html;
  document.getElementById("host").replaceChildren(frame);
  const bridge = new AppBridge(null, { name: "test host", version: "1" }, {
    serverTools: {},
    serverResources: {},
    updateModelContext: { text: {} },
    logging: {},
  }, {
    hostContext: {
      theme,
      styles: { variables: (theme === "dark" ? DARK : LIGHT) as never },
      displayMode: "inline",
      platform: "web",
    },
  });
  bridge.oncalltool = (params) => relay("tools/call", params) as never;
  bridge.onreadresource = (params) => relay("resources/read", params) as never;
  bridge.onupdatemodelcontext = (params) => {
    page.modelContext.push(params);
    return Promise.resolve({});
  };
  bridge.onsizechange = ({ height }: { height?: number }) => {
    if (height) frame.style.height = `${height}px`;
  };
  const ready = new Promise<void>((resolve) => (bridge.oninitialized = () => resolve()));
  await bridge.connect(new PostMessageTransport(frame.contentWindow, frame.contentWindow));
  await ready;
  await bridge.sendToolInput({ arguments: args });
  await bridge.sendToolResult(result as never);
  page.bridge = bridge;
  return { rendered: true, result };
};

/** The reference host's toolbar (absent on the test's page): call a tool that has a view. */
async function toolbar(): Promise<void> {
  const form = document.getElementById("call");
  if (!form) return;
  const { tools } = await relay("tools/list", {}) as { tools: { name: string }[] };
  const select = document.getElementById("tool");
  for (const t of tools.filter((t) => getToolUiResourceUri(t))) {
    const option = document.createElement("option");
    option.value = option.textContent = t.name;
    select.append(option);
  }
  document.getElementById("go").addEventListener("click", async () => {
    const out = document.getElementById("out");
    out.textContent = "";
    try {
      const args = JSON.parse(document.getElementById("args").value || "{}");
      await page.openApp(select.value, args, document.getElementById("theme").value);
    } catch (error) {
      out.textContent = String(error);
    }
  });
  document.getElementById("go").disabled = false;
}
void toolbar();
