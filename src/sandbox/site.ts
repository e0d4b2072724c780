/** The sandbox-only routes: the ERP sign-in page, its login endpoint and the fake Google. */
import { googleChooserPage, googleErrorPage, signInPage } from "./pages.ts";
import type { GoogleAccount } from "./seed.ts";
import { json } from "./wire.ts";

/** What the sandbox-only routes need from the sandbox ERP. */
export interface SiteDeps {
  googleAccounts: readonly GoogleAccount[];
  /** The token and email for a right email and password, else undefined. */
  signIn(email: string, password: string): { token: string; email: string } | undefined;
}

/** Answers `/`, `/healthz`, `/sandbox/login` and `/oauth/google/*`; 404 for anything else. */
export async function handleSite(req: Request, url: URL, deps: SiteDeps): Promise<Response> {
  const routes: Record<string, [string, () => Response | Promise<Response>]> = {
    "/": ["GET", () => html(200, signInPage())],
    "/healthz": [
      "GET",
      () => new Response("ok", { headers: { "content-type": "text/plain; charset=utf-8" } }),
    ],
    "/sandbox/login": ["POST", () => signIn(req, deps)],
    "/oauth/google/authorize": ["GET", () => authorize(url.searchParams, deps)],
    "/oauth/google/choose": ["GET", () => choose(url.searchParams, deps)],
  };
  const route = routes[url.pathname];
  if (!route) return json(404, { detail: "Not found." });
  const method = req.method.toUpperCase();
  if (method !== route[0]) {
    return json(405, { detail: `Method "${method}" not allowed.` }, { allow: route[0] });
  }
  return await route[1]();
}

async function signIn(req: Request, deps: SiteDeps): Promise<Response> {
  let body: unknown;
  try {
    body = JSON.parse(await req.text());
  } catch {
    return json(400, { detail: "JSON parse error." });
  }
  const { email, password } = (body ?? {}) as Record<string, unknown>;
  if (typeof email !== "string" || typeof password !== "string") {
    return json(400, { detail: "Email and password are required." });
  }
  const signedIn = deps.signIn(email, password);
  return signedIn ? json(200, signedIn) : json(401, { detail: "Invalid email or password." });
}

function authorize(params: URLSearchParams, deps: SiteDeps): Response {
  const problem = authorizeProblem(params);
  if (problem) return html(400, googleErrorPage(problem));
  const hint = params.get("login_hint")?.trim().toLowerCase();
  const hinted = hint && deps.googleAccounts.find((a) => a.email.toLowerCase() === hint);
  if (hinted) return googleRedirect(params, hinted);
  const accounts = deps.googleAccounts.map((a) => {
    const choose = new URLSearchParams(params);
    choose.set("account", a.key);
    return { key: a.key, name: a.name, email: a.email, href: `/oauth/google/choose?${choose}` };
  });
  return html(200, googleChooserPage(params.get("client_id")!, accounts));
}

function choose(params: URLSearchParams, deps: SiteDeps): Response {
  const problem = authorizeProblem(params);
  if (problem) return html(400, googleErrorPage(problem));
  const key = params.get("account") ?? "";
  const account = deps.googleAccounts.find((a) => a.key === key);
  if (!account) return html(400, googleErrorPage(`Unknown account: "${key}"`));
  return googleRedirect(params, account);
}

/** Why a fake-Google authorization request is malformed, or undefined when it is fine. */
function authorizeProblem(params: URLSearchParams): string | undefined {
  if (!params.get("client_id")) return "Missing required parameter: client_id";
  const redirect = params.get("redirect_uri");
  if (!redirect) return "Missing required parameter: redirect_uri";
  let url: URL;
  try {
    url = new URL(redirect);
  } catch {
    return `Invalid redirect_uri "${redirect}": not an absolute URL`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `Invalid redirect_uri "${redirect}": not an http(s) URL`;
  }
  const type = params.get("response_type");
  if (!type) return "Missing required parameter: response_type";
  if (type !== "token") return `Unsupported response_type "${type}": the sandbox supports "token"`;
  return undefined;
}

/** The implicit-flow redirect: the token and the unchanged state in the fragment. */
function googleRedirect(params: URLSearchParams, account: GoogleAccount): Response {
  const fragment: [string, string][] = [
    ["access_token", account.accessToken],
    ["token_type", "Bearer"],
    ["expires_in", "3599"],
    ["scope", params.get("scope") || "openid email profile"],
  ];
  const state = params.get("state");
  if (state !== null) fragment.push(["state", state]);
  const base = params.get("redirect_uri")!.split("#")[0];
  const encoded = fragment.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
  return new Response(null, {
    status: 302,
    headers: { location: `${base}#${encoded}`, "cache-control": "no-store" },
  });
}

function html(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/html; charset=utf-8" } });
}
