/**
 * Google sign-in through a loopback page. A listener on 127.0.0.1:<MCP_OAUTH_PORT> sends the
 * person to Google with a one-time `state`; Google redirects to `/callback` with the access token
 * in the URL fragment; the callback page POSTs it (with the state) to `/complete`; the ERP
 * exchanges it; the allowlist decides; the listener shows the outcome and closes.
 */
import { ErpError } from "../erp/errors.ts";
import { UserError } from "../errors.ts";
import { Attempt } from "./attempt.ts";
import type { Session, SignInOutcome } from "./session.ts";
import { sameSecret } from "../secret.ts";

/** The scopes the ERP needs to learn who signed in. */
export const GOOGLE_SCOPES = "openid email profile";

/** What a Google sign-in attempt needs. */
export interface GoogleSignInOptions {
  /** The session that started the attempt: the one that gets the credentials. */
  session: Session;
  clientId: string;
  port: number;
  /** Google's authorize endpoint (or the sandbox's fake). */
  authorizeUrl: string;
  timeoutMs: number;
}

/** Starts the listener and returns the pending attempt; its `url` is the page to open. */
export function startGoogleSignIn(opts: GoogleSignInOptions): Attempt {
  const origin = `http://127.0.0.1:${opts.port}`;
  const state = randomState();
  const exchange = new AbortController();
  let used = false;
  let server: Deno.HttpServer | undefined;
  const shutdown = async () => {
    clearTimeout(timer);
    exchange.abort();
    await server?.shutdown().catch(() => {});
  };
  const attempt = new Attempt({
    method: "browser",
    url: `${origin}/login`,
    timeoutMs: opts.timeoutMs,
    onCancel: shutdown,
  });
  const finish = (outcome: SignInOutcome) => {
    // Let the answer in flight reach the browser, then close.
    attempt.settle(outcome, new Promise((r) => setTimeout(r, 0)).then(shutdown));
  };
  const timer = setTimeout(() =>
    finish({
      status: "expired",
      message: `Nobody signed in within ${Math.round(opts.timeoutMs / 1000)} seconds`,
    }), opts.timeoutMs);

  async function complete(req: Request): Promise<Response> {
    if (req.headers.get("origin") !== origin) {
      return result(403, "failed", "Refused", "This request did not come from the sign-in page.");
    }
    if (!req.headers.get("content-type")?.startsWith("application/json")) {
      return result(415, "failed", "Refused", "Expected a JSON body.");
    }
    const raw = await req.text();
    let body: Record<string, unknown> = {};
    try {
      body = raw.length <= 16_384 ? JSON.parse(raw) ?? {} : {};
    } catch { /* an empty body: missing state, below */ }
    const given = typeof body.state === "string" ? body.state : "";
    if (!given) {
      return result(400, "failed", "Refused", "The sign-in answer carries no state.");
    }
    if (!sameSecret(given, state)) {
      return result(400, "failed", "Refused", "The sign-in answer's state does not match.");
    }
    if (used) return result(409, "failed", "Refused", "This sign-in answer was already used.");
    used = true;
    const outcome = await exchangeToken(opts.session, body, exchange.signal);
    finish(outcome);
    const titles = { signed_in: "Signed in", refused: "Sign-in refused" } as const;
    const next = outcome.status === "signed_in"
      ? "You can close this tab and go back to your assistant."
      : "Close this tab, then ask your assistant to try again or use another sign-in.";
    return result(
      200,
      outcome.status,
      titles[outcome.status as keyof typeof titles] ?? "Sign-in failed",
      `${outcome.message.replace(/\.$/, "")}. ${next}`,
    );
  }

  function handle(req: Request): Response | Promise<Response> {
    const url = new URL(req.url);
    // A browser reaching us under another name (DNS rebinding) is not the callback page.
    if (req.headers.get("host") !== `127.0.0.1:${opts.port}`) {
      return htmlPage(421, "Wrong address", `Open ${origin}/login instead.`);
    }
    if (attempt.outcome) {
      return htmlPage(410, "This sign-in has ended", attempt.outcome.message + ".");
    }
    const route = `${req.method} ${url.pathname}`;
    if (route === "GET /login") {
      const to = new URL(opts.authorizeUrl);
      to.search = new URLSearchParams({
        client_id: opts.clientId,
        redirect_uri: `${origin}/callback`,
        response_type: "token",
        scope: GOOGLE_SCOPES,
        state,
        prompt: "select_account",
      }).toString();
      return new Response(null, {
        status: 302,
        headers: { location: to.toString(), "cache-control": "no-store" },
      });
    }
    if (route === "GET /callback") return callbackPage();
    if (route === "POST /complete") return complete(req);
    return htmlPage(404, "Not found", `Open ${origin}/login to sign in.`);
  }

  try {
    server = Deno.serve({
      hostname: "127.0.0.1",
      port: opts.port,
      onListen: () => {},
      onError: () => htmlPage(500, "Sign-in failed", "The sign-in page hit an internal error."),
    }, handle);
  } catch (error) {
    clearTimeout(timer);
    throw listenError(error, opts.port);
  }
  return attempt;
}

/** Exchanges the Google token with the ERP and keeps the credentials if the allowlist agrees. */
async function exchangeToken(
  session: Session,
  body: Record<string, unknown>,
  signal: AbortSignal,
): Promise<SignInOutcome> {
  if (typeof body.error === "string" && body.error) {
    return {
      status: "failed",
      message: `Google did not sign you in: "${body.error.slice(0, 80)}"`,
    };
  }
  const googleToken = typeof body.access_token === "string" ? body.access_token.trim() : "";
  if (!googleToken || googleToken.length > 4096) {
    return { status: "failed", message: "Google's answer carries no access token" };
  }
  const stop = session.signal; // a sign-out during the exchange wins: nothing is kept
  try {
    const got = await session.anonymousClient(signal).googleLogin(googleToken);
    const creds = got.email
      ? session.accept({
        token: got.token,
        email: got.email,
        name: got.name,
        method: "browser",
        emailVerified: true,
        stop,
      })
      : await session.verify(got.token, undefined, "browser", signal);
    return {
      status: "signed_in",
      message: `Signed in as ${creds.email}${creds.name ? ` (${creds.name})` : ""}`,
      email: creds.email,
    };
  } catch (error) {
    if (error instanceof UserError) return { status: "refused", message: error.message };
    if (
      error instanceof ErpError &&
      ["validation", "unauthorized", "forbidden", "not_found"].includes(error.kind)
    ) {
      return {
        status: "refused",
        message: `The ERP refused the Google sign-in (${error.status}): ${
          error.erpMessage ?? "that Google account is not registered in the ERP"
        }`,
      };
    }
    if (error instanceof ErpError) {
      return { status: "failed", message: `The ERP could not be reached: ${error.message}` };
    }
    return { status: "failed", message: "The sign-in failed inside the server" };
  }
}

/** Says plainly why the listener could not start. */
function listenError(error: unknown, port: number): unknown {
  const where = `127.0.0.1:${port}`;
  if (error instanceof Deno.errors.AddrInUse) {
    return new UserError(
      `Cannot start the Google sign-in page on "${where}": the port is already in use`,
      "Another program (or a sign-in of another session) holds it. Close that program, or set MCP_OAUTH_PORT (--oauth-port) to a free port and register http://127.0.0.1:<port>/callback in Google's console.",
    );
  }
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return new UserError(
      `Cannot start the Google sign-in page on "${where}": the server may not listen there`,
      `Run it with --allow-net=${where} (deno task start grants it).`,
    );
  }
  return error;
}

/** A one-time state of 256 random bits, base64url. */
function randomState(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const CALLBACK_SCRIPT = `const params = new URLSearchParams(location.hash.slice(1));
history.replaceState(null, "", location.pathname);
const show = (status, title, message) => {
  document.body.dataset.status = status;
  document.getElementById("title").textContent = title;
  document.getElementById("message").textContent = message;
};
fetch("/complete", {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    state: params.get("state"),
    access_token: params.get("access_token"),
    error: params.get("error"),
  }),
}).then((r) => r.json()).then((r) => show(r.status, r.title, r.message)).catch((e) =>
  show("failed", "Sign-in failed", "This page could not reach the sign-in server: " + e)
);`;

function callbackPage(): Response {
  const nonce = randomState();
  return htmlPage(200, "Signing in…", "Finishing the sign-in with the ERP…", {
    script: CALLBACK_SCRIPT,
    nonce,
  });
}

/** The outcome of a POST, for the callback page to show (as text, never as HTML). */
function result(status: number, outcome: string, title: string, message: string): Response {
  return new Response(JSON.stringify({ status: outcome, title, message }), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

function htmlPage(
  status: number,
  title: string,
  message: string,
  js?: { script: string; nonce: string },
): Response {
  const body = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>project-logs-mcp: ${escapeHtml(title)}</title>
<style>body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; }</style>
</head>
<body data-status="pending">
<h1 id="title">${escapeHtml(title)}</h1>
<p id="message">${escapeHtml(message)}</p>
${js ? `<script nonce="${js.nonce}">\n${js.script}\n</script>` : ""}
</body>
</html>
`;
  const script = js ? `'nonce-${js.nonce}'` : "'none'";
  return new Response(body, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "x-frame-options": "DENY",
      "content-security-policy":
        `default-src 'none'; script-src ${script}; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'`,
    },
  });
}
