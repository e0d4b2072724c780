/**
 * Hosted ERP sign-in: a headless Chromium on the ERP web site runs on the server, its screen is
 * streamed to the person's browser as JPEG frames (CDP screencast) and their clicks, keys and
 * scrolling are sent back. `ErpStreams` is the registry one HTTP app owns; playwright-core loads
 * only when a stream starts.
 */
import type { BrowserContext, CDPSession, Page } from "playwright-core";
import { z } from "zod";
import type { Config } from "../config.ts";
import { UserError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { Attempt, waitAtMost } from "./attempt.ts";
import { findBrowser, noBrowserMessage } from "./browsers.ts";
import {
  BROWSER_ARGS,
  confineNavigation,
  firstLine,
  launchChromium,
  makeProfileDir,
  originOf,
  readErpToken,
  removeProfile,
} from "./erp_browser.ts";
import type { Session, SignInOutcome } from "./session.ts";
import { sameSecret } from "../secret.ts";

/** The headless browser's window: frames are at most this size, input coordinates within it. */
export const VIEWPORT = { width: 1024, height: 768 } as const;
/** Input events accepted but not yet applied, per stream; more are refused (429). */
export const MAX_PENDING_INPUT = 64;
/** Wrong codes typed on a link's page before the link stops working. */
export const MAX_CODE_TRIES = 5;
/** The characters of a link's code: no 0/O, 1/I/L look-alikes. */
const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/** Frame streams (SSE connections) one viewer may hold at once. */
const MAX_FRAME_STREAMS = 4;
const POLL_MS = 500;
const PING_MS = 15_000;
/** How long a bound stream's outcome waits for its authorization request after the stream's deadline. */
const BOUND_GRACE_MS = 5 * 60_000;

/** Keys the viewer forwards by name; everything else arrives as text. */
export const KEYS = [
  "Enter",
  "Backspace",
  "Tab",
  "Escape",
  "Delete",
  "ArrowLeft",
  "ArrowRight",
  "ArrowUp",
  "ArrowDown",
  "Home",
  "End",
  "PageUp",
  "PageDown",
] as const;

const x = z.number().finite().min(0).max(VIEWPORT.width);
const y = z.number().finite().min(0).max(VIEWPORT.height);
const delta = z.number().finite().min(-10_000).max(10_000);

/** One input event from the viewer, in CSS pixels of the headless page's viewport. */
export const InputEvent = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("click"), x, y }),
  z.strictObject({ type: z.literal("wheel"), x, y, dx: delta, dy: delta }),
  z.strictObject({ type: z.literal("key"), key: z.enum(KEYS), shift: z.boolean().optional() }),
  z.strictObject({ type: z.literal("text"), text: z.string().min(1).max(256) }),
]);
/** One input event from the viewer. */
export type InputEvent = z.infer<typeof InputEvent>;

/** Receives the stream's server-sent events (one SSE connection). */
export interface Viewer {
  /** `droppable` events may be skipped when the connection is behind. */
  send(event: string, data: string, droppable: boolean): void;
  end(): void;
}

/** A random base64url string of `bytes` random bytes. */
export function randomId(bytes: number): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

/** A short code, `XXX-XXX`, for the person to type on the page (about 30 bits). */
function shortCode(): string {
  const raw = crypto.getRandomValues(new Uint32Array(6));
  const chars = Array.from(raw, (n) => CODE_ALPHABET[n % CODE_ALPHABET.length]).join("");
  return `${chars.slice(0, 3)}-${chars.slice(3)}`;
}

/** A typed code as compared: letters and digits only, upper case. */
function canonicalCode(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, "");
}

interface StreamInit {
  id: string;
  url: string;
  session: Session;
  config: Config;
  log: Logger;
  onStop: () => void;
  binding?: string;
}

/** One streamed sign-in: its headless browser, its viewer, its input queue and its attempt. */
export class ErpStream {
  readonly id: string;
  /**
   * The code the assistant's answer gives with the link; the page asks for it before it shows
   * anything, so a forwarded link alone opens nothing and the person confirms they asked.
   */
  readonly code = shortCode();
  readonly session: Session;
  readonly attempt: Attempt;
  /**
   * For a stream started from the OAuth authorize page: an HMAC of that authorization request and
   * the person's CSRF cookie; only a request presenting both gets the stream's outcome.
   */
  readonly binding?: string;
  readonly #config: Config;
  readonly #log: Logger;
  readonly #onStop: () => void;
  readonly #abort = new AbortController();
  readonly #viewers = new Set<Viewer>();
  readonly #timer: ReturnType<typeof setTimeout>;
  readonly #ping: ReturnType<typeof setInterval>;
  #viewerKey?: string;
  #wrongCodes = 0;
  #lastFrame?: string;
  #pending = 0;
  #queue: Promise<void> = Promise.resolve();
  #launching?: Promise<BrowserContext>;
  #profile?: string;
  #page?: Page;
  #cdp?: CDPSession;
  #stopped?: Promise<void>;

  constructor(init: StreamInit) {
    this.id = init.id;
    this.session = init.session;
    this.binding = init.binding;
    this.#config = init.config;
    this.#log = init.log;
    this.#onStop = init.onStop;
    const timeoutMs = init.config.signInTimeoutMs;
    this.attempt = new Attempt({
      method: "erp_browser",
      url: init.url,
      timeoutMs,
      onCancel: () => this.#stop({ status: "cancelled", message: "The sign-in was cancelled" }),
    });
    this.#timer = setTimeout(() =>
      this.#finish({
        status: "expired",
        message: `No sign-in in the browser within ${Math.round(timeoutMs / 1000)} seconds`,
      }), timeoutMs);
    this.#ping = setInterval(() => {
      for (const v of this.#viewers) v.send("ping", "{}", true);
    }, PING_MS);
  }

  /** True once the stream has ended (signed in, refused, failed, expired or cancelled). */
  get ended(): boolean {
    return this.#stopped !== undefined;
  }

  /** True once someone typed the link's code: the link works once. */
  get opened(): boolean {
    return this.#viewerKey !== undefined;
  }

  /**
   * Binds the viewer when `code` is the link's: returns its key (for a cookie). A wrong code
   * counts; after MAX_CODE_TRIES wrong ones the sign-in ends. "used": bound already, or ended.
   */
  confirm(code: string): { key: string } | "wrong" | "used" {
    if (this.#viewerKey || this.ended) return "used";
    if (!sameSecret(canonicalCode(code), canonicalCode(this.code))) {
      if (++this.#wrongCodes >= MAX_CODE_TRIES) {
        this.#finish({
          status: "failed",
          message: `The sign-in link's code was typed wrong ${MAX_CODE_TRIES} times`,
        });
        return "used";
      }
      return "wrong";
    }
    this.#viewerKey = randomId(32);
    return { key: this.#viewerKey };
  }

  /** Wrong codes still allowed before the link stops working. */
  get codeTriesLeft(): number {
    return MAX_CODE_TRIES - this.#wrongCodes;
  }

  /** True when `key` is the bound viewer's. */
  admits(key: string | undefined): boolean {
    return !!key && !!this.#viewerKey && sameSecret(key, this.#viewerKey);
  }

  /** Adds a frame stream; it gets the latest frame at once. False when too many are open. */
  subscribe(viewer: Viewer): boolean {
    if (this.ended || this.#viewers.size >= MAX_FRAME_STREAMS) return false;
    this.#viewers.add(viewer);
    if (this.#lastFrame) viewer.send("frame", this.#lastFrame, true);
    return true;
  }

  /** Removes a frame stream (the viewer went away). */
  unsubscribe(viewer: Viewer): void {
    this.#viewers.delete(viewer);
  }

  /** Queues one input event; refuses it when the queue is full or the stream has ended. */
  input(event: InputEvent): "queued" | "full" | "ended" {
    if (this.ended) return "ended";
    if (this.#pending >= MAX_PENDING_INPUT) return "full";
    this.#pending++;
    this.#queue = this.#queue
      .then(() => waitAtMost(this.#apply(event), 5000))
      .catch(() => {}) // a click on a page mid-navigation is lost, as in any browser
      .finally(() => this.#pending--);
    return "queued";
  }

  async #apply(event: InputEvent): Promise<void> {
    const page = this.#page;
    if (!page || this.ended) return;
    switch (event.type) {
      case "click":
        return await page.mouse.click(event.x, event.y);
      case "wheel":
        await page.mouse.move(event.x, event.y);
        return await page.mouse.wheel(event.dx, event.dy);
      case "key":
        return await page.keyboard.press(event.shift ? `Shift+${event.key}` : event.key);
      case "text":
        return await page.keyboard.insertText(event.text);
    }
  }

  /** Starts the headless browser; throws a UserError when it cannot, with the attempt settled. */
  async launch(executablePath: string): Promise<void> {
    this.#launching = this.#open(executablePath);
    try {
      await this.#launching;
    } catch (error) {
      const e = new UserError(
        `Cannot start the browser "${executablePath}": ${firstLine(error)}`,
        "Set MCP_BROWSER_PATH to a working Chrome, Edge or Chromium, or sign in with authenticate_with_token.",
      );
      this.#finish({ status: "failed", message: e.message });
      throw e;
    }
    if (this.ended) {
      throw new UserError(this.attempt.outcome?.message ?? "The browser sign-in was cancelled");
    }
    void this.#run();
  }

  async #open(executablePath: string): Promise<BrowserContext> {
    this.#profile = await makeProfileDir();
    const context = await launchChromium(this.#profile, {
      executablePath,
      headless: true,
      args: BROWSER_ARGS,
      viewport: VIEWPORT,
      ignoreHTTPSErrors: false,
      acceptDownloads: false,
      serviceWorkers: "block",
    }, (reason) => this.#log.info(reason));
    // Only the ERP's site and the sign-in providers configured: the browser runs on the server,
    // so a link elsewhere (a private address, the server's own ports) must lead nowhere.
    const erp = new URL(this.#config.erpWebUrl).origin;
    const origins = new Set([erp, ...this.#config.signInOrigins]);
    await confineNavigation(context, origins, (origin) => {
      this.#log.info(`streamed sign-in browser kept from ${origin}`);
      const data = JSON.stringify({ origin });
      for (const v of this.#viewers) v.send("blocked", data, false);
    }, (origin) => blockedHtml(origin, erp));
    return context;
  }

  /** Opens the ERP site, waits for its token, and checks it with the ERP and the allowlist. */
  async #run(): Promise<void> {
    let phase: "failed" | "refused" = "failed";
    try {
      const context = await this.#launching!;
      context.on("page", (p) => void this.#follow(p));
      const page = context.pages()[0] ?? await context.newPage();
      await this.#follow(page);
      const webUrl = this.#config.erpWebUrl;
      try {
        await page.goto(webUrl, { timeout: 30_000 });
      } catch (error) {
        if (this.ended) return;
        throw new UserError(`Cannot open the ERP web site "${webUrl}": ${firstLine(error)}`);
      }
      const found = await this.#waitForToken(context);
      if (!found) return;
      phase = "refused"; // the ERP or the allowlist decides from here
      const creds = await this.session.verify(
        found.token,
        found.username,
        "erp_browser",
        this.#abort.signal,
      );
      this.#finish({
        status: "signed_in",
        message: `Signed in as ${creds.email}`,
        email: creds.email,
      });
    } catch (error) {
      if (this.ended) return;
      if (!(error instanceof UserError)) this.#log.error("streamed ERP sign-in failed", error);
      this.#finish({
        status: error instanceof UserError ? phase : "failed",
        message: firstLine(error),
      });
    }
  }

  /** Polls `localStorage` of the ERP's own pages until a token appears or the stream ends. */
  async #waitForToken(
    context: BrowserContext,
  ): Promise<{ token: string; username?: string } | undefined> {
    const erpOrigin = new URL(this.#config.erpWebUrl).origin;
    while (!this.ended) {
      const open = context.pages();
      if (open.length === 0) {
        throw new UserError("The ERP page closed itself before the sign-in finished");
      }
      const found = await readErpToken(open, erpOrigin);
      if (found) return found;
      await waitAtMost(new Promise(() => {}), POLL_MS, this.#abort.signal);
    }
    return undefined;
  }

  /** Streams `page` from now on (the first page, then any popup the ERP opens). */
  async #follow(page: Page): Promise<void> {
    if (this.ended) return;
    const previous = this.#cdp;
    this.#page = page;
    page.once("close", () => {
      const rest = page.context().pages();
      if (this.#page === page && rest.length > 0) void this.#follow(rest[rest.length - 1]);
    });
    await previous?.detach().catch(() => {});
    const cdp = await page.context().newCDPSession(page);
    this.#cdp = cdp;
    cdp.on("Page.screencastFrame", (frame) => {
      void cdp.send("Page.screencastFrameAck", { sessionId: frame.sessionId }).catch(() => {});
      if (this.#cdp !== cdp || this.ended) return;
      this.#lastFrame = JSON.stringify({
        jpeg: frame.data,
        width: frame.metadata.deviceWidth,
        height: frame.metadata.deviceHeight,
        origin: siteOf(page.url()), // shown like an address bar; never the path or query
      });
      for (const v of this.#viewers) v.send("frame", this.#lastFrame, true);
    });
    await cdp.send("Page.startScreencast", {
      format: "jpeg",
      quality: 60,
      maxWidth: VIEWPORT.width,
      maxHeight: VIEWPORT.height,
    });
  }

  #finish(outcome: SignInOutcome): void {
    const cleanup = this.#stop(outcome);
    if (this.attempt.settle(outcome, cleanup)) {
      this.#log.info(`streamed ERP sign-in ended: ${outcome.status}`);
    }
  }

  /** Ends the stream once: tells the viewer how it ended, closes the browser, drops the profile. */
  #stop(outcome: SignInOutcome): Promise<void> {
    this.#stopped ??= (async () => {
      this.#abort.abort();
      clearTimeout(this.#timer);
      clearInterval(this.#ping);
      this.#onStop();
      const end = JSON.stringify({ status: outcome.status, message: outcome.message });
      for (const v of this.#viewers) {
        v.send("end", end, false);
        v.end();
      }
      this.#viewers.clear();
      const context = await this.#launching?.catch(() => undefined);
      await context?.close().catch(() => {});
      if (this.#profile) await removeProfile(this.#profile);
    })();
    return this.#stopped;
  }
}

/** The page a blocked navigation shows in the streamed browser. */
function blockedHtml(origin: string, erp: string): string {
  const esc = (t: string) => t.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Blocked</title></head>
<body style="font-family: sans-serif; margin: 0">
<a href="${esc(erp)}" style="display: block; position: absolute; left: 0; top: 0; width: 100%;
 height: 120px; line-height: 120px; text-align: center; background: #06c; color: #fff;
 font-size: 1.5rem">Back to the ERP sign-in</a>
<div style="margin: 160px 2rem 0; max-width: 40rem">
<h1>Blocked</h1>
<p>This sign-in browser runs on the server and only opens the ERP's sign-in pages.
It does not go to <strong>${esc(origin)}</strong>.</p>
</div>
</body></html>`;
}

/** What the registry needs. */
export interface ErpStreamsOptions {
  config: Config;
  log: Logger;
}

/** The streamed sign-ins of one HTTP app, by id; at most `config.maxErpBrowsers` at once. */
export class ErpStreams {
  readonly #config: Config;
  readonly #log: Logger;
  /** Streams whose link still works, by id. */
  readonly #streams = new Map<string, ErpStream>();
  /** Streams started for an authorization request, by id, kept until claimed or expired. */
  readonly #bound = new Map<string, { stream: ErpStream; until: number }>();
  /** Streams whose browser has not finished closing: what the cap counts. */
  readonly #running = new Set<ErpStream>();
  /** The client (remote address) each HTTP session came from: the per-client cap counts by it. */
  readonly #clients = new WeakMap<Session, string>();

  constructor(opts: ErpStreamsOptions) {
    this.#config = opts.config;
    this.#log = opts.log;
  }

  /** Browsers running (or still closing). */
  get size(): number {
    return this.#running.size;
  }

  /** Records the client (remote address) `session` came from. */
  bindClient(session: Session, client: string): void {
    this.#clients.set(session, client);
  }

  /** The running stream behind a link id. */
  get(id: string): ErpStream | undefined {
    return this.#streams.get(id);
  }

  /**
   * Starts a streamed sign-in for `session` (or returns its one whose link is not opened yet),
   * records it as the session's sign-in attempt, and starts the browser.
   */
  async start(session: Session, binding?: string): Promise<ErpStream> {
    const base = this.#config.ssePublicUrl;
    if (!base) throw new Error("streamed sign-in needs MCP_SSE_PUBLIC_URL");
    for (const s of this.#streams.values()) {
      if (s.session === session && !s.opened && !s.ended && s.binding === binding) return s;
    }
    const found = findBrowser(this.#config.browserPath);
    if (!found.path) {
      throw new UserError(
        noBrowserMessage(found, this.#config.browserPath, " on the server"),
        "Install Chromium on the server or set MCP_BROWSER_PATH; meanwhile sign in with authenticate_with_token.",
      );
    }
    const previous = session.signInAttempt;
    if (previous && !previous.outcome) {
      previous.cancel();
      await previous.done; // its browser is closed before another starts
    }
    const client = this.#clients.get(session);
    const perClient = this.#config.maxErpBrowsersPerClient;
    const mine = [...this.#running].filter((s) => this.#clients.get(s.session) === client).length;
    if (client !== undefined && mine >= perClient) {
      throw new UserError(
        `Too many sign-in browsers running for this client (${perClient} at most): finish or let expire the sign-in links already given`,
        "Each link closes its browser once used or after 5 minutes; meanwhile, sign in with authenticate_with_token. The limit is MCP_MAX_ERP_BROWSERS_PER_CLIENT.",
      );
    }
    const max = this.#config.maxErpBrowsers;
    if (this.#running.size >= max) {
      throw new UserError(
        `Too many sign-in browsers running on this server (${max} at most): try again in a few minutes`,
        "Each link closes its browser once used or after 5 minutes; meanwhile, sign in with authenticate_with_token. The limit is MCP_MAX_ERP_BROWSERS.",
      );
    }
    const id = randomId(24); // 192 bits
    const stream = new ErpStream({
      id,
      url: `${base}/erp-browser/${id}`,
      session,
      config: this.#config,
      log: this.#log,
      onStop: () => this.#streams.delete(id),
      binding,
    });
    this.#streams.set(id, stream);
    this.#running.add(stream);
    void stream.attempt.done.then(() => this.#running.delete(stream));
    session.signInAttempt = stream.attempt;
    await stream.launch(found.path);
    return stream;
  }

  /**
   * Starts a streamed sign-in for the OAuth authorize page, bound to `binding` (an HMAC of the
   * authorization request and the person's CSRF cookie), its viewer bound at once: returns the
   * viewer's key (for the cookie the frames and input require); the link's own page and code are
   * never usable for it. The same caps as `start`; its outcome is kept (on this instance only)
   * until `claim` takes it, at most BOUND_GRACE_MS after the stream's deadline.
   * Throws a UserError when no browser can start (caps, no browser).
   */
  async startBound(
    session: Session,
    binding: string,
  ): Promise<{ stream: ErpStream; key: string }> {
    this.#prune();
    const stream = await this.start(session, binding);
    const got = stream.confirm(stream.code);
    if (typeof got !== "object") {
      throw new UserError("The sign-in browser ended before it could be shown");
    }
    this.#bound.set(stream.id, {
      stream,
      until: Date.parse(stream.attempt.expiresAt) + BOUND_GRACE_MS,
    });
    return { stream, key: got.key };
  }

  /**
   * The outcome of a bound stream for the request that presents its `binding`, once: "unknown"
   * (no such stream on this instance, or claimed, or long expired), "other" (bound to another
   * authorization request or browser), "running" (not ended yet); else the outcome and the
   * session that holds the credentials when signed in. The stream is forgotten once claimed.
   */
  claim(
    id: string,
    binding: string,
  ): { outcome: SignInOutcome; session: Session } | "unknown" | "other" | "running" {
    this.#prune();
    const bound = this.#bound.get(id);
    if (!bound) return "unknown";
    const { stream } = bound;
    if (!stream.binding || !sameSecret(binding, stream.binding)) return "other";
    const outcome = stream.attempt.outcome;
    if (!outcome) return "running";
    this.#bound.delete(id);
    return { outcome, session: stream.session };
  }

  /** Forgets bound streams nobody claimed in time. */
  #prune(): void {
    const now = Date.now();
    for (const [id, b] of this.#bound) if (b.until < now) this.#bound.delete(id);
  }

  /** Cancels every stream and waits until their browsers are closed. */
  async close(): Promise<void> {
    this.#bound.clear();
    const all = [...this.#running];
    for (const s of all) s.attempt.cancel();
    await Promise.all(all.map((s) => s.attempt.done));
  }
}

/** The origin shown to the viewer; empty before the first site loads. */
function siteOf(url: string): string {
  const origin = originOf(url);
  return origin && origin !== "null" ? origin : "";
}
