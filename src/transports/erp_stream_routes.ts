/**
 * The pages of the streamed ERP sign-in: `GET /erp-browser/<id>` (the viewer), `POST …/confirm`
 * (the code the assistant gave with the link), its frames (`GET …/frames`, server-sent events)
 * and its input (`POST …/input`, one small JSON event). The page shows nothing until the code is
 * typed; the right code binds the link to that browser with an HttpOnly cookie, which the frames
 * and the input require. Showing the page binds nothing, so link previews do not use it up.
 */
import { readBody } from "./body.ts";
import type { Config } from "../config.ts";
import {
  type ErpStream,
  type ErpStreams,
  InputEvent,
  KEYS,
  MAX_CODE_TRIES,
  randomId,
} from "../auth/erp_stream.ts";

/** Input bodies are small JSON events. */
export const MAX_INPUT_BYTES = 16 * 1024;
const COOKIE = "erp_view";
const PATH = /^\/erp-browser\/([A-Za-z0-9_-]{16,128})(\/frames|\/input|\/confirm)?$/;

/** The path as logs show it: the link id is a secret until used. */
export function logPath(pathname: string): string {
  return pathname.replace(/^\/erp-browser\/[^/]+/, "/erp-browser/…");
}

/** Answers the streamed sign-in routes; undefined for any other path. */
export async function erpStreamRoute(
  streams: ErpStreams,
  config: Config,
  req: Request,
  url: URL,
): Promise<Response | undefined> {
  const m = PATH.exec(url.pathname);
  const publicUrl = config.ssePublicUrl;
  if (!m || !publicUrl) return undefined;
  const stream = streams.get(m[1]);
  if (!stream) {
    return text(
      404,
      "Unknown or expired sign-in link: ask your AI assistant for a new one.",
    );
  }
  const part = m[2] ?? "";
  const method = part === "/input" || part === "/confirm" ? "POST" : "GET";
  if (req.method !== method) {
    return text(405, `Method not allowed: use ${method}`, { Allow: method });
  }
  if (part === "") return viewerPage(stream);
  if (part === "/confirm") return await confirm(stream, publicUrl, req, config.httpBodyTimeoutMs);
  if (!stream.admits(cookie(req, COOKIE))) {
    return text(403, "Forbidden: type the sign-in code on the link's page in this browser first.");
  }
  return part === "/frames" ? frames(stream) : await input(stream, req, config.httpBodyTimeoutMs);
}

function viewerPage(stream: ErpStream): Response {
  if (stream.opened) {
    return text(
      410,
      "This sign-in link was already used: it works once. Ask your AI assistant for a new one.",
    );
  }
  const nonce = randomId(18);
  return new Response(viewerHtml(nonce), { status: 200, headers: viewerHeaders(nonce, false) });
}

function viewerHeaders(nonce: string, forms: boolean): Record<string, string> {
  return {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src 'nonce-${nonce}'`,
      "img-src data:",
      "connect-src 'self'",
      "base-uri 'none'",
      `form-action ${forms ? "'self'" : "'none'"}`,
      "frame-ancestors 'none'",
    ].join("; "),
  };
}

/** The cookie that binds a viewer (this browser) to `stream`: `key` from confirm or startBound. */
function viewerCookie(stream: ErpStream, key: string, publicUrl: string): string {
  const pub = new URL(publicUrl);
  const path = `${pub.pathname.replace(/\/+$/, "")}/erp-browser/${stream.id}`;
  const maxAge = Math.max(1, Math.ceil((Date.parse(stream.attempt.expiresAt) - Date.now()) / 1000));
  return [
    `${COOKIE}=${key}`,
    `Path=${path}`,
    `Max-Age=${maxAge}`,
    "HttpOnly",
    "SameSite=Strict",
    ...(pub.protocol === "https:" ? ["Secure"] : []),
  ].join("; ");
}

/**
 * The live view of a stream started from the OAuth authorize page (ErpStreams.startBound): shown
 * at once (no code: the stream is bound to this browser's authorization request), the viewer
 * cookie set with `key`; when the stream ends, the page posts `done.fields` to `done.action`
 * (same origin), where the authorization request claims the outcome.
 */
export function boundViewerPage(
  stream: ErpStream,
  key: string,
  publicUrl: string,
  done: { action: string; fields: Record<string, string> },
): Response {
  const nonce = randomId(18);
  return new Response(viewerHtml(nonce, { id: stream.id, ...done }), {
    status: 200,
    headers: { ...viewerHeaders(nonce, true), "Set-Cookie": viewerCookie(stream, key, publicUrl) },
  });
}

/** Checks the typed code; the right one binds this browser to the link with a cookie. */
async function confirm(
  stream: ErpStream,
  publicUrl: string,
  req: Request,
  timeoutMs: number,
): Promise<Response> {
  const body = await jsonBody(req, timeoutMs);
  if (body instanceof Response) return body;
  const code = (body as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || code.length > 32) {
    return text(400, 'Invalid input: expected {"code": "<the code>"}');
  }
  const got = stream.confirm(code);
  if (got === "used") {
    return text(
      410,
      "This sign-in link was already used or has ended. Ask your AI assistant for a new one.",
    );
  }
  if (got === "wrong") {
    return text(
      403,
      `Wrong code "${
        code.slice(0, 32)
      }": type the code your own AI assistant gave with this link (${stream.codeTriesLeft} of ${MAX_CODE_TRIES} tries left)`,
    );
  }
  return new Response(null, {
    status: 204,
    headers: { "Set-Cookie": viewerCookie(stream, got.key, publicUrl) },
  });
}

/** A small JSON body, or the answer that refuses it. */
async function jsonBody(req: Request, timeoutMs: number): Promise<unknown> {
  if (!(req.headers.get("content-type") ?? "").toLowerCase().startsWith("application/json")) {
    return text(415, "Unsupported content type: send application/json");
  }
  const raw = await readBody(req, MAX_INPUT_BYTES, timeoutMs);
  if (!raw.ok) {
    return text(
      raw.status,
      raw.status === 413 ? `Input too large: at most ${MAX_INPUT_BYTES} bytes` : raw.message,
    );
  }
  try {
    return JSON.parse(raw.text);
  } catch {
    return text(400, "Invalid input: not JSON");
  }
}

function frames(stream: ErpStream): Response {
  const encoder = new TextEncoder();
  let viewer: Parameters<ErpStream["subscribe"]>[0] | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      viewer = {
        send(event, data, droppable) {
          if (droppable && (controller.desiredSize ?? 1) <= 0) return; // the viewer is behind
          try {
            controller.enqueue(encoder.encode(`event: ${event}\ndata: ${data}\n\n`));
          } catch { /* the viewer went away */ }
        },
        end() {
          try {
            controller.close();
          } catch { /* already closed */ }
        },
      };
      if (!stream.subscribe(viewer)) {
        controller.enqueue(encoder.encode(`event: busy\ndata: {}\n\n`));
        controller.close();
      }
    },
    cancel() {
      if (viewer) stream.unsubscribe(viewer);
    },
  }, new CountQueuingStrategy({ highWaterMark: 4 }));
  return new Response(body, {
    status: 200,
    headers: { "Content-Type": "text/event-stream", "X-Accel-Buffering": "no" },
  });
}

async function input(stream: ErpStream, req: Request, timeoutMs: number): Promise<Response> {
  const json = await jsonBody(req, timeoutMs);
  if (json instanceof Response) return json;
  const parsed = InputEvent.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return text(400, `Invalid input event at "${issue.path.join(".")}": ${issue.message}`);
  }
  switch (stream.input(parsed.data)) {
    case "full":
      return text(429, "Too many pending input events: slow down", { "Retry-After": "1" });
    case "ended":
      return text(410, "This sign-in has ended.");
    case "queued":
      return new Response(null, { status: 202 });
  }
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", ...headers },
  });
}

/** One cookie's value from the request. */
function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** Escapes text for HTML element content and quoted attribute values. */
function esc(t: string): string {
  return t.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** What the bound (OAuth) viewer needs: the stream id and the form it posts when the stream ends. */
interface BoundView {
  id: string;
  action: string;
  fields: Record<string, string>;
}

/** The code form of a link's page, or the intro and the closing form of a bound viewer. */
function viewerParts(bound: BoundView | undefined): { intro: string; confirm: string } {
  if (bound) {
    const hidden = Object.entries(bound.fields)
      .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
      .join("");
    return {
      intro:
        `<p>This is the ERP's own sign-in page, running in a browser on the server. Click into the
picture, type and scroll as usual; the picture follows the page. Once you are signed in, this page
continues by itself to the next step.</p>`,
      confirm: `<form id="done" method="post" action="${
        esc(bound.action)
      }" hidden>${hidden}</form>`,
    };
  }
  return {
    intro:
      `<p>This is the ERP's sign-in page, running in a browser on the server. Click into the picture,
type and scroll as usual; the picture follows the page. It closes by itself once you are signed in.</p>
<p><strong>Only sign in here if you asked your own AI assistant to sign you in just now.</strong>
Whoever sent this link gets your ERP session. If someone else sent it to you, close this page.</p>`,
    confirm: `<form id="confirm">
<label for="code">The code your AI assistant gave you with this link:</label>
<input id="code" name="code" autocomplete="off" spellcheck="false" maxlength="16" placeholder="ABC-123" required>
<button type="submit">Continue</button>
<p id="code-status" role="alert"></p>
</form>`,
  };
}

/**
 * The viewer: a live picture of the headless page, forwarding clicks, keys, paste and wheel.
 * `bound`: the OAuth authorize page's variant (no code; posts its form when the stream ends).
 */
function viewerHtml(nonce: string, bound?: BoundView): string {
  const parts = viewerParts(bound);
  const again = bound
    ? "Go back to the app and connect again."
    : "Ask your AI assistant for a new link to try again.";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to the ERP</title>
<style nonce="${nonce}">
body { font-family: system-ui, sans-serif; max-width: 1060px; margin: 1rem auto; padding: 0 1rem; }
#screen { display: block; max-width: 100%; height: auto; border: 1px solid #888; outline: none;
  background: #f4f4f4; cursor: pointer; }
#screen:focus { border-color: #06c; box-shadow: 0 0 0 2px #06c; }
#screen.ended { opacity: 0.4; cursor: default; }
#status { font-weight: bold; min-height: 1.5rem; }
</style>
</head>
<body>
<h1>Sign in to the ERP</h1>
${parts.intro}
${parts.confirm}
<div id="live"${bound ? "" : " hidden"}>
<p id="status" role="status">Connecting…</p>
<p>Site: <code id="where">…</code></p>
<img id="screen" tabindex="0" width="1024" height="768" alt="Live view of the ERP sign-in page">
</div>
<script nonce="${nonce}">
"use strict";
const screen = document.getElementById("screen");
const status = document.getElementById("status");
const bound = ${bound ? "true" : "false"};
const base = ${
    bound ? JSON.stringify(`/erp-browser/${bound.id}`) : 'location.pathname.replace(/\\/+$/, "")'
  };
const KEYS = new Set(${JSON.stringify(KEYS)});
let size = { width: 1024, height: 768 };
let ended = false;
let sending = false;
const queue = [];

function point(e) {
  const r = screen.getBoundingClientRect();
  const clamp = (v, max) => Math.max(0, Math.min(max, v));
  return {
    x: clamp((e.clientX - r.left) * size.width / r.width, size.width),
    y: clamp((e.clientY - r.top) * size.height / r.height, size.height),
  };
}

function send(ev) {
  if (ended) return;
  const last = queue[queue.length - 1];
  if (last && last.type === "text" && ev.type === "text" && last.text.length + ev.text.length <= 256) {
    last.text += ev.text;
  } else if (last && last.type === "wheel" && ev.type === "wheel") {
    last.dx = Math.max(-10000, Math.min(10000, last.dx + ev.dx));
    last.dy = Math.max(-10000, Math.min(10000, last.dy + ev.dy));
  } else queue.push(ev);
  pump();
}

async function pump() {
  if (sending) return;
  sending = true;
  while (queue.length && !ended) {
    const ev = queue.shift();
    try {
      const r = await fetch(base + "/input", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(ev),
        credentials: "same-origin",
      });
      if (r.status === 429) {
        queue.unshift(ev);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } catch (_) {
      status.textContent = "Connection lost: retrying…";
      queue.unshift(ev);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  sending = false;
}

screen.addEventListener("click", (e) => {
  screen.focus();
  send({ type: "click", ...point(e) });
});
screen.addEventListener("wheel", (e) => {
  e.preventDefault();
  const k = e.deltaMode === 1 ? 40 : e.deltaMode === 2 ? 800 : 1;
  const clamp = (v) => Math.max(-10000, Math.min(10000, v * k));
  send({ type: "wheel", ...point(e), dx: clamp(e.deltaX), dy: clamp(e.deltaY) });
}, { passive: false });
screen.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (KEYS.has(e.key)) {
    e.preventDefault();
    send(e.shiftKey ? { type: "key", key: e.key, shift: true } : { type: "key", key: e.key });
  } else if (e.key.length === 1) {
    e.preventDefault();
    send({ type: "text", text: e.key });
  }
});
document.addEventListener("paste", (e) => {
  const text = (e.clipboardData && e.clipboardData.getData("text")) || "";
  e.preventDefault();
  for (let i = 0; i < text.length; i += 256) send({ type: "text", text: text.slice(i, i + 256) });
});

const form = document.getElementById("confirm");
if (form) form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const said = document.getElementById("code-status");
  try {
    const r = await fetch(base + "/confirm", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ code: document.getElementById("code").value }),
      credentials: "same-origin",
    });
    if (r.status !== 204) {
      said.textContent = await r.text();
      document.body.dataset.code = "refused";
      return;
    }
  } catch (_) {
    said.textContent = "Connection lost: try again.";
    return;
  }
  form.hidden = true;
  document.getElementById("live").hidden = false;
  watch();
});

function watch() {
const source = new EventSource(base + "/frames");
source.addEventListener("frame", (e) => {
  const f = JSON.parse(e.data);
  size = { width: f.width, height: f.height };
  screen.src = "data:image/jpeg;base64," + f.jpeg;
  screen.dataset.width = String(f.width);
  screen.dataset.height = String(f.height);
  screen.dataset.origin = f.origin;
  screen.dataset.frames = String(Number(screen.dataset.frames || "0") + 1);
  document.getElementById("where").textContent = f.origin || "(no site yet)";
  if (!ended && status.dataset.live !== "1") {
    status.dataset.live = "1";
    status.textContent = "Live: sign in to the ERP in the picture below.";
  }
});
source.addEventListener("end", (e) => {
  ended = true;
  source.close();
  const o = JSON.parse(e.data);
  document.body.dataset.outcome = o.status;
  screen.classList.add("ended");
  if (bound) {
    status.textContent = o.message + ". Continuing…";
    document.getElementById("done").submit();
    return;
  }
  status.textContent = o.message + (o.status === "signed_in"
    ? ". You can close this page and go back to your AI assistant."
    : ". ${again}");
});
source.addEventListener("busy", () => {
  source.close();
  if (bound) { // ended before this view connected: the next page says how
    document.getElementById("done").submit();
    return;
  }
  status.textContent = "The live view is already open in other tabs of this browser: use one of those.";
});
source.addEventListener("blocked", (e) => {
  const o = JSON.parse(e.data);
  document.body.dataset.blocked = o.origin;
  status.textContent = "Blocked a visit to " + o.origin +
    ": this browser runs on the server and only opens the ERP's sign-in pages.";
});
source.onerror = () => {
  if (!ended && source.readyState === EventSource.CLOSED) {
    status.textContent = "The live view ended: this sign-in expired or was closed. ${again}";
  }
};
}
${bound ? "watch();" : ""}
</script>
</body>
</html>
`;
}
