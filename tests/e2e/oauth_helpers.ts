/**
 * OAuth sign-in tests: the hosted server (one or more instances behind a round-robin entry point
 * whose address is the public URL) with MCP_OAUTH_SECRET against the sandbox ERP, an in-memory
 * OAuthClientProvider for the SDK clients, the authorize page driven in headless Chromium, and
 * the same pages driven by plain form posts for the token endpoint's tests.
 */
import type { Page } from "playwright-core";
import { type Config } from "../../src/config.ts";
import { type Logger, silentLogger } from "../../src/log.ts";
import { serveSandbox } from "../../src/sandbox/erp.ts";
import { type HttpServer, serveHttp } from "../../src/transports/http.ts";
import { TODAY } from "../helpers.ts";
import { configFor, type Sandbox } from "./hosted_helpers.ts";

/** A random MCP_OAUTH_SECRET (48 bytes, base64). */
export function newSecret(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(48))));
}

/** A round-robin entry point on 127.0.0.1: each request goes to the next backend. */
export interface EntryPoint {
  url: string;
  backends: string[];
  /** How many requests each backend got, by index. */
  hits: number[];
  close(): Promise<void>;
}

/** Starts an entry point with no backends yet (the public URL must be known first). */
export function entryPoint(): EntryPoint {
  let turn = 0;
  const ep: EntryPoint = {
    url: "",
    backends: [],
    hits: [],
    close: async () => await server.shutdown(),
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const i = turn++ % ep.backends.length;
    ep.hits[i] = (ep.hits[i] ?? 0) + 1;
    const u = new URL(req.url);
    const target = new URL(u.pathname + u.search, ep.backends[i]);
    const headers = new Headers(req.headers);
    headers.set("host", target.host);
    const res = await fetch(target, {
      method: req.method,
      headers,
      body: req.body,
      redirect: "manual",
      signal: req.signal,
    });
    return new Response(res.body, { status: res.status, headers: res.headers });
  });
  ep.url = `http://127.0.0.1:${server.addr.port}`;
  return ep;
}

/** What an OAuth test gets. */
export interface OAuthCtx {
  sb: Sandbox;
  /** The public URL (the entry point). */
  url: string;
  servers: HttpServer[];
  config: Config;
  secret: string;
  entry: EntryPoint;
  /** Moves every instance's clock forward (expiry tests). */
  advance(ms: number): void;
}

/**
 * Runs `fn` against `instances` hosted servers sharing one secret behind one entry point (the
 * public URL), with OAuth on; always closes everything. `env` adds settings.
 */
export async function oauthHosted(
  fn: (ctx: OAuthCtx) => Promise<void>,
  opts: {
    instances?: number;
    env?: Record<string, string> | ((sb: Sandbox) => Record<string, string>);
    secret?: string;
    /** The servers' log (default: silent). */
    log?: Logger;
  } = {},
): Promise<void> {
  const sb = await serveSandbox({ today: TODAY });
  const entry = entryPoint();
  const secret = opts.secret ?? newSecret();
  const config = configFor(sb, {
    MCP_SSE_PUBLIC_URL: entry.url,
    MCP_OAUTH_SECRET: secret,
    ...(typeof opts.env === "function" ? opts.env(sb) : opts.env),
  });
  let shift = 0;
  const now = () => Date.now() + shift;
  const servers: HttpServer[] = [];
  try {
    for (let i = 0; i < (opts.instances ?? 2); i++) {
      servers.push(
        await serveHttp({
          config,
          log: opts.log ?? silentLogger,
          hostname: "127.0.0.1",
          port: 0,
          now,
        }),
      );
    }
    entry.backends.push(...servers.map((s) => s.url));
    await fn({ sb, url: entry.url, servers, config, secret, entry, advance: (ms) => shift += ms });
  } finally {
    await Promise.all(servers.map((s) => s.close()));
    await entry.close();
    await sb.close();
  }
}

/** Tokens and client information as the SDK clients store them. */
// deno-lint-ignore no-explicit-any
type Stored = any;

/**
 * An in-memory OAuthClientProvider (the shape both SDK lines use): registers by DCR, records the
 * authorization URL instead of opening a browser, keeps tokens in memory.
 */
export class TestProvider {
  authorizationUrl?: URL;
  authorizations = 0;
  clientInfo?: Stored;
  stored?: Stored;
  verifier?: string;
  clientMetadataUrl?: string;

  constructor(readonly redirect: string, readonly name = "OAuth test client") {}

  get redirectUrl(): string {
    return this.redirect;
  }
  get clientMetadata(): Stored {
    return {
      client_name: this.name,
      redirect_uris: [this.redirect],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation(): Stored {
    return this.clientInfo;
  }
  saveClientInformation(info: Stored): void {
    this.clientInfo = info;
  }
  tokens(): Stored {
    return this.stored;
  }
  saveTokens(tokens: Stored): void {
    this.stored = tokens;
  }
  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
    this.authorizations++;
  }
  saveCodeVerifier(v: string): void {
    this.verifier = v;
  }
  codeVerifier(): string {
    if (!this.verifier) throw new Error("no code verifier saved");
    return this.verifier;
  }
}

/** A redirect URI on loopback nobody listens on: the browser's request to it is intercepted. */
export const REDIRECT = "http://127.0.0.1:9/oauth/callback";

/**
 * Opens the authorize URL in `page` and pastes `token` on the sign-in page. Returns the error the
 * page shows, or undefined when the consent page came.
 */
export async function pasteToken(
  page: Page,
  authUrl: URL,
  token: string,
): Promise<string | undefined> {
  await page.goto(authUrl.toString());
  await page.fill("#token", token);
  await Promise.all([page.waitForLoadState("load"), page.click('button[value="token"]')]);
  await page.waitForSelector("h1");
  const title = await page.textContent("h1");
  if (title === "Allow access?") return undefined;
  return (await page.textContent(".error")) ?? `no error shown (page "${title}")`;
}

/** A loopback page the browser is sent back to: it answers "done" and keeps what it got. */
export function callbackServer(): { redirect: string; got: URL[]; close(): Promise<void> } {
  const got: URL[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    got.push(new URL(req.url));
    return new Response("done", { headers: { "content-type": "text/plain" } });
  });
  return {
    redirect: `http://127.0.0.1:${server.addr.port}/oauth/callback`,
    got,
    close: async () => await server.shutdown(),
  };
}

/**
 * On the consent page: picks `access`, presses Allow (or Deny), and returns the URL the browser
 * was sent back to (starting with `redirect`).
 */
export async function consentIn(
  page: Page,
  redirect: string,
  access: "write" | "read" = "write",
  decision: "allow" | "deny" = "allow",
): Promise<URL> {
  if (await page.$(`input[name="access"][value="${access}"][type="radio"]`)) {
    await page.check(`input[name="access"][value="${access}"]`);
  }
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(redirect)),
    page.click(`button[value="${decision}"]`),
  ]);
  return new URL(page.url());
}

/** A page's hidden form fields, by name (from the page's HTML, for the form-post driver). */
export function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    out[m[1]] = m[2].replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));
  }
  return out;
}

/** The authorization request's parameters for a code with PKCE S256. */
export async function pkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(48))))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const d = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)),
  );
  const challenge = btoa(String.fromCharCode(...d)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
  return { verifier, challenge };
}

/** Registers a client by DCR; its client_id. */
export async function registerClient(url: string, redirect = REDIRECT): Promise<string> {
  const res = await fetch(`${url}/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: "Form client", redirect_uris: [redirect] }),
  });
  const body = await res.json();
  if (res.status !== 201) throw new Error(`registration refused: ${JSON.stringify(body)}`);
  return body.client_id;
}

/**
 * Drives the sign-in and consent pages with plain form posts (cookie and CSRF fields as a
 * browser would send them) and returns the redirect back to the client.
 */
export async function formFlow(
  url: string,
  params: Record<string, string>,
  token: string,
  access: "write" | "read" = "write",
  decision: "allow" | "deny" = "allow",
): Promise<URL> {
  const q = new URLSearchParams(params);
  const first = await fetch(`${url}/authorize?${q}`);
  const html = await first.text();
  if (first.status !== 200) throw new Error(`authorize answered ${first.status}: ${html}`);
  const cookie = (first.headers.get("set-cookie") ?? "").split(";")[0];
  const post = async (path: string, fields: Record<string, string>) =>
    await fetch(`${url}${path}`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie,
        origin: url,
      },
      body: new URLSearchParams(fields),
    });
  const login = await post("/authorize/login", { ...hiddenFields(html), token });
  const consentHtml = await login.text();
  if (login.status !== 200 || !consentHtml.includes("Allow access?")) {
    throw new Error(`sign-in answered ${login.status}: ${consentHtml}`);
  }
  const done = await post("/authorize/consent", {
    ...hiddenFields(consentHtml),
    access,
    decision,
  });
  await done.body?.cancel();
  if (done.status !== 303) throw new Error(`consent answered ${done.status}`);
  return new URL(done.headers.get("location")!);
}

/** POSTs a form to the token endpoint; its status and JSON body. */
export async function tokenRequest(
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
  // deno-lint-ignore no-explicit-any
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields),
  });
  return { status: res.status, body: await res.json() };
}

/** A tools/list over a 2025-era stateless POST with `bearer`; the HTTP status and headers. */
export async function listWith(
  mcpUrl: string,
  bearer?: string,
): Promise<{ status: number; challenge: string | null; body: string }> {
  const res = await fetch(mcpUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "raw", version: "1" },
      },
    }),
  });
  return {
    status: res.status,
    challenge: res.headers.get("www-authenticate"),
    body: await res.text(),
  };
}
