/**
 * The sandbox ERP: an in-memory, seeded implementation of the ERP project-logs API
 * (`/work/shared/erp-api.md`) as a web-standard handler, for tests, the demo and benchmarks.
 * Never imported by the code the production server runs.
 */
import { instantString, parseInstantNs, pause } from "./dates.ts";
import {
  buildSeed,
  buildWeekLog,
  type GoogleAccount,
  type IdCounters,
  type SeedUser,
} from "./seed.ts";
import { handleSite } from "./site.ts";
import type {
  Fault,
  MonthListKey,
  RecordedCall,
  SandboxFixtures,
  SandboxLabel,
  SandboxOptions,
  SandboxTeam,
  SaveAnswer,
  SlackReceived,
  WeekEntrySeed,
  WeekLogRecord,
} from "./types.ts";
import { json, toDetail, toEnvelope, toSummary, type WireStyle } from "./wire.ts";
import {
  addFromSlack,
  type Answer,
  completeWeek,
  notADict,
  saveWeek,
  type WriteContext,
} from "./writes.ts";

export type {
  DayRecord,
  Fault,
  MonthListKey,
  ProjectRecord,
  RecordedCall,
  SandboxFixtures,
  SandboxLabel,
  SandboxOptions,
  SandboxTeam,
  SandboxUser,
  SaveAnswer,
  SlackReceived,
  TaskRecord,
  WeekEntrySeed,
  WeekLogRecord,
} from "./types.ts";

const API_PREFIX = "/api/v1/";
const NOT_FOUND: Answer = { status: 404, body: { detail: "Not found." } };
const NOT_PROVIDED = "Authentication credentials were not provided.";

/** A request to an `/api/v1/` route, once its route is known and its caller authenticated. */
interface ApiCall {
  params: string[];
  query: URLSearchParams;
  body: unknown;
  user: SeedUser;
}

interface Route {
  pattern: RegExp;
  method: "GET" | "POST" | "PATCH";
  /** False only for `core/google-login/`. */
  auth: boolean;
  handle(call: ApiCall): Answer;
}

/** A fault waiting for its next matching requests. */
interface PendingFault {
  fault: Fault;
  remaining: number;
}

/** The sandbox ERP: seeded state plus a `(Request) => Promise<Response>` handler. */
export class SandboxErp {
  /** The handler, bound: pass it to `Deno.serve`, or wrap it as a `fetch` (`new Request(...)`). */
  readonly handler: (req: Request) => Promise<Response>;
  /** Every `/api/v1/` request, in the order answered. */
  readonly calls: RecordedCall[] = [];
  /** What the seed holds, for tests. */
  readonly fixtures: SandboxFixtures;
  /** The `person/list/` shape. */
  listShape: "envelope" | "flat";
  /** `week_starting`/`week_ending` as display dates or ISO. */
  dateStyle: "display" | "iso";
  /** Milliseconds added before every `/api/v1/` answer. */
  latencyMs: number;
  /** The key wrapping `month-list/`, or null for a plain list. */
  monthListKey: MonthListKey;
  /** `decimal_hours` as a string (`"8.00"`) or a number. */
  decimalAsString: boolean;
  /** Variant: week logs and summaries without `year`. */
  omitYear: boolean;
  /** Variant: `person/list/` and `month-list/` answer a JSON string holding the body. */
  listAsJsonString: boolean;
  /** Variant: what a successful save answers. */
  saveAnswer: SaveAnswer;
  /** Variant: `core/person/` without `email`. */
  personWithoutEmail: boolean;
  /** Variant: the Slack endpoint accepts and records instead of adding to week logs. */
  slackAccepts: boolean;
  /** What the Slack endpoint accepted under `slackAccepts`, in order. */
  readonly slackReceived: SlackReceived[] = [];
  /** Variant: every `project-logs/` GET answers a streamed JSON body of this many bytes. */
  hugeBodyBytes: number | undefined;
  /** Variant: every 400 answer echoes the request's Authorization header. */
  echoAuthorization: boolean;
  /**
   * Called before each `/api/v1/` request is handled (before faults and latency); a returned
   * promise is awaited first, so a test can run another writer between a read and a save.
   */
  onRequest?: (call: { method: string; path: string }) => void | Promise<void>;

  readonly #users: SeedUser[];
  readonly #googleAccounts: GoogleAccount[];
  readonly #teams: SandboxTeam[];
  readonly #labels: SandboxLabel[];
  readonly #weeks: WeekLogRecord[];
  readonly #ids: IdCounters;
  readonly #userByToken = new Map<string, SeedUser>();
  readonly #tokenOfUser = new Map<number, string>();
  #tokenSerial = 1;
  readonly #faults: PendingFault[] = [];
  readonly #routes: Route[];
  #pending = new AbortController();

  constructor(opts: SandboxOptions = {}) {
    const seed = buildSeed(opts.today ?? Temporal.Now.plainDateISO());
    this.fixtures = seed.fixtures;
    this.#users = seed.users;
    this.#googleAccounts = seed.googleAccounts;
    this.#teams = seed.teams;
    this.#labels = seed.labels;
    this.#weeks = seed.weekLogs;
    this.#ids = seed.ids;
    for (const user of this.#users) {
      this.#userByToken.set(user.token, user);
      this.#tokenOfUser.set(user.id, user.token);
    }
    this.listShape = opts.listShape ?? "envelope";
    this.dateStyle = opts.dateStyle ?? "display";
    this.latencyMs = opts.latencyMs ?? 0;
    this.monthListKey = opts.monthListKey ?? null;
    this.decimalAsString = opts.decimalAsString ?? true;
    this.omitYear = opts.omitYear ?? false;
    this.listAsJsonString = opts.listAsJsonString ?? false;
    this.saveAnswer = opts.saveAnswer ?? "week";
    this.personWithoutEmail = opts.personWithoutEmail ?? false;
    this.slackAccepts = opts.slackAccepts ?? false;
    this.hugeBodyBytes = opts.hugeBodyBytes;
    this.echoAuthorization = opts.echoAuthorization ?? false;
    this.handler = (req) => this.#handle(req);
    this.#routes = this.#buildRoutes();
  }

  /** Makes the next matching request(s) fail or slow down as `f` says. */
  injectFault(f: Fault): void {
    this.#faults.push({ fault: { ...f }, remaining: f.times ?? 1 });
  }

  /** Simulates another writer: the week's `modified_at` becomes now, later than before. */
  bumpModifiedAt(weekLogId: number): void {
    const week = this.#weeks.find((w) => w.id === weekLogId);
    if (!week) throw new Error(`Cannot bump week log ${weekLogId}: no such week log`);
    this.#touch(week);
  }

  /** Revokes a token: it answers 401 from now on; the next sign-in issues a new one. */
  revokeToken(token: string): void {
    const user = this.#userByToken.get(token);
    this.#userByToken.delete(token);
    if (user && this.#tokenOfUser.get(user.id) === token) this.#tokenOfUser.delete(user.id);
  }

  /** A copy of the stored week log of `email` for the week of `monday` (ISO), if any. */
  weekLog(email: string, monday: string): WeekLogRecord | undefined {
    const user = this.#userByEmail(email);
    const week = user && this.#weeks.find((w) => w.personId === user.id && w.monday === monday);
    return week && structuredClone(week);
  }

  /**
   * Adds a week log for `email` on `monday` (ISO), with a project for each of the user's teams
   * and `entries` filled in, as the ERP's nightly job would; answers its id. For tests that need
   * weeks far from the seed's today. Refuses a week the user already has.
   */
  addWeekLog(email: string, monday: string, entries: WeekEntrySeed[] = []): number {
    const user = this.#userByEmail(email);
    if (!user) throw new Error(`Cannot add a week log for "${email}": no such user`);
    const start = Temporal.PlainDate.from(monday);
    if (start.dayOfWeek !== 1) {
      throw new Error(`Cannot add a week log on "${monday}": not a Monday`);
    }
    if (this.#weeks.some((w) => w.personId === user.id && w.monday === monday)) {
      throw new Error(`Cannot add a week log on "${monday}": ${email} already has one`);
    }
    const week = buildWeekLog(
      this.#ids,
      user.id,
      start,
      user.teamIds,
      entries.map((e) => ({ ...e, date: Temporal.PlainDate.from(e.date) })),
      false,
    );
    this.#weeks.push(week);
    return week.id;
  }

  /** Empties `calls`. */
  resetCalls(): void {
    this.calls.length = 0;
  }

  /** Ends every pending delay (latency or injected) at once; `serveSandbox`'s close calls it. */
  abortDelays(): void {
    this.#pending.abort();
    this.#pending = new AbortController();
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname.startsWith(API_PREFIX)) return await this.#api(req, url);
    return await handleSite(req, url, {
      googleAccounts: this.#googleAccounts,
      signIn: (email, password) => {
        const user = this.#userByEmail(email);
        if (!user || user.password !== password) return undefined;
        return { token: this.#issueToken(user), email: user.email };
      },
    });
  }

  // ---- /api/v1/ ----

  async #api(req: Request, url: URL): Promise<Response> {
    const method = req.method.toUpperCase();
    const path = url.pathname.slice(API_PREFIX.length);
    const query = url.search.replace(/^\?/, "");
    let text = "";
    try {
      text = await req.text();
    } catch {
      // The client went away; answer anyway.
    }
    let body: unknown = undefined;
    let malformed = false;
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        malformed = true;
      }
    }

    await this.onRequest?.({ method, path });
    const fault = this.#takeFault(method, url.pathname + url.search);
    if (fault?.delayMs || this.latencyMs > 0) {
      // A delay ends early when the sandbox closes or the client gives up on the request.
      const signal = AbortSignal.any([this.#pending.signal, req.signal]);
      if (fault?.delayMs) await pause(fault.delayMs, signal);
      if (this.latencyMs > 0) await pause(this.latencyMs, signal);
      if (req.signal.aborted) {
        this.calls.push({ method, path, query, status: 499, aborted: true });
        return new Response(null, { status: 499 });
      }
    }

    let response: Response;
    let status: number;
    if (fault && (fault.status !== undefined || fault.body !== undefined)) {
      status = fault.status ?? 500;
      const canned = fault.body ?? JSON.stringify({ detail: "Injected fault." });
      const type = fault.contentType ??
        (canned.trimStart().startsWith("<") ? "text/html; charset=utf-8" : "application/json");
      response = new Response(canned, { status, headers: { "content-type": type } });
    } else {
      let answer: Answer & { headers?: Record<string, string> };
      try {
        answer = this.#route(method, path, url.searchParams, req.headers, body, malformed);
      } catch (error) {
        console.error("Sandbox ERP bug:", error);
        answer = { status: 500, body: { detail: "Internal sandbox error." } };
      }
      status = answer.status;
      if (status === 400 && this.echoAuthorization) {
        answer = { ...answer, body: echoHeader(answer.body, req.headers.get("authorization")) };
      }
      if (
        status === 200 && method === "GET" && this.hugeBodyBytes !== undefined &&
        path.startsWith("project-logs/")
      ) {
        response = hugeJson(this.hugeBodyBytes);
      } else response = json(answer.status, answer.body, answer.headers);
    }
    this.calls.push({ method, path, query, status, ...(body !== undefined ? { body } : {}) });
    return response;
  }

  #takeFault(method: string, target: string): Fault | undefined {
    const index = this.#faults.findIndex(({ fault, remaining }) =>
      remaining > 0 &&
      (fault.method === undefined || fault.method.toUpperCase() === method) &&
      (fault.pathIncludes === undefined || target.includes(fault.pathIncludes))
    );
    if (index < 0) return undefined;
    const pending = this.#faults[index];
    if (--pending.remaining <= 0) this.#faults.splice(index, 1);
    return pending.fault;
  }

  #route(
    method: string,
    path: string,
    query: URLSearchParams,
    headers: Headers,
    body: unknown,
    malformed: boolean,
  ): Answer & { headers?: Record<string, string> } {
    const matching = this.#routes.map((route) => ({ route, match: route.pattern.exec(path) }))
      .filter((m) => m.match);
    if (matching.length === 0) return NOT_FOUND;

    let user: SeedUser | undefined;
    if (matching[0].route.auth) {
      const auth = this.#authenticate(headers.get("authorization"));
      if (typeof auth === "string") {
        return { status: 401, body: { detail: auth }, headers: { "www-authenticate": "Token" } };
      }
      user = auth;
    }
    const found = matching.find((m) => m.route.method === method);
    if (!found) {
      return {
        status: 405,
        body: { detail: `Method "${method}" not allowed.` },
        headers: { allow: [...new Set(matching.map((m) => m.route.method)), "OPTIONS"].join(", ") },
      };
    }
    if (malformed) return { status: 400, body: { detail: "JSON parse error." } };
    const call: ApiCall = {
      params: found.match!.slice(1),
      query,
      body: body === undefined && method !== "GET" ? {} : body,
      user: user!,
    };
    return found.route.handle(call);
  }

  /** DRF TokenAuthentication: the user, or the 401 message. */
  #authenticate(header: string | null): SeedUser | string {
    const parts = (header ?? "").trim().split(/\s+/).filter((p) => p !== "");
    if (parts.length === 0 || parts[0].toLowerCase() !== "token") return NOT_PROVIDED;
    if (parts.length === 1) return "Invalid token header. No credentials provided.";
    if (parts.length > 2) return "Invalid token header. Token string should not contain spaces.";
    return this.#userByToken.get(parts[1]) ?? "Invalid token.";
  }

  #buildRoutes(): Route[] {
    const r = (
      pattern: RegExp,
      method: Route["method"],
      handle: Route["handle"],
      auth = true,
    ): Route => ({ pattern, method, handle, auth });
    return [
      r(/^core\/person\/$/, "GET", ({ user }) => ({
        status: 200,
        body: this.personWithoutEmail
          ? { id: user.id, name: user.name }
          : { id: user.id, email: user.email, name: user.name },
      })),
      r(/^core\/google-login\/$/, "POST", ({ body }) => this.#googleLogin(body), false),
      r(/^project-logs\/person\/list\/$/, "GET", (c) => this.#list(c)),
      r(/^project-logs\/person\/get\/(\d+)\/$/, "GET", (c) => this.#detail(c)),
      r(/^project-logs\/person\/month-list\/$/, "GET", (c) => this.#monthList(c)),
      r(/^project-logs\/person\/active_project_list\/$/, "GET", ({ user }) => ({
        status: 200,
        body: this.#teams.filter((t) => user.teamIds.includes(t.id)).map((t) => ({
          id: t.id,
          team: t.team,
          subteam: t.subteam,
          is_active: true,
        })),
      })),
      r(/^project-logs\/log_labels\/$/, "GET", () => ({
        status: 200,
        body: this.#labels.map((l) => ({ id: l.id, name: l.name })),
      })),
      r(/^project-logs\/person\/person-week-log\/save\/(\d+)\/$/, "PATCH", (c) => {
        const week = this.#ownWeek(c);
        if (!week) return NOT_FOUND;
        return saveWeek(week, c.body, this.#writeContext()) ?? this.#saved(week);
      }),
      r(/^project-logs\/person\/person-week-log\/complete\/(\d+)\/$/, "PATCH", (c) => {
        const week = this.#ownWeek(c);
        if (!week) return NOT_FOUND;
        return completeWeek(week, c.body, this.#writeContext()) ?? this.#detailOf(week);
      }),
      r(/^project-logs\/person\/person-week-log-from-slack\/$/, "POST", (c) => this.#slack(c)),
    ];
  }

  #googleLogin(body: unknown): Answer {
    if (body === null || typeof body !== "object" || Array.isArray(body)) return notADict(body);
    const { platform, access_token: accessToken } = body as Record<string, unknown>;
    const errors: Record<string, string[]> = {};
    if (platform === undefined || platform === null) errors.platform = ["This field is required."];
    else if (platform !== "google") errors.platform = [`"${platform}" is not a valid choice.`];
    if (accessToken === undefined || accessToken === null) {
      errors.access_token = ["This field is required."];
    } else if (typeof accessToken !== "string") errors.access_token = ["Not a valid string."];
    else if (accessToken.trim() === "") errors.access_token = ["This field may not be blank."];
    if (Object.keys(errors).length > 0) return { status: 400, body: errors };
    const account = this.#googleAccounts.find((a) => a.accessToken === accessToken);
    if (!account) return { status: 401, body: { detail: "Invalid Google token." } };
    const user = this.#users.find((u) => u.id === account.userId);
    if (!user) return { status: 404, body: { detail: "User not registered." } };
    return {
      status: 200,
      body: { token: this.#issueToken(user), email: user.email, name: user.name },
    };
  }

  #list({ user, query }: ApiCall): Answer {
    const year = intParam(query.get("year"), 1, 9999);
    if (typeof year === "string") return { status: 400, body: { year: [year] } };
    const weeks = this.#weeksOf(user).filter((w) => Number(w.monday.slice(0, 4)) === year);
    const style = this.#style();
    const body = this.listShape === "flat"
      ? weeks.map((w) => toSummary(w, style))
      : toEnvelope(weeks, style);
    return { status: 200, body: this.listAsJsonString ? JSON.stringify(body) : body };
  }

  #monthList({ user, query }: ApiCall): Answer {
    const year = intParam(query.get("year"), 1, 9999);
    const month = intParam(query.get("month"), 1, 12);
    if (typeof year === "string" || typeof month === "string") {
      const errors: Record<string, string[]> = {};
      if (typeof year === "string") errors.year = [year];
      if (typeof month === "string") errors.month = [month];
      return { status: 400, body: errors };
    }
    const first = Temporal.PlainDate.from({ year, month, day: 1 });
    const firstIso = first.toString();
    const lastIso = first.with({ day: first.daysInMonth }).toString();
    const style = this.#style();
    const list = this.#weeksOf(user)
      .filter((w) => w.monday <= lastIso && w.sunday >= firstIso)
      .map((w) => toSummary(w, style));
    const body = this.monthListKey === null ? list : { [this.monthListKey]: list };
    return { status: 200, body: this.listAsJsonString ? JSON.stringify(body) : body };
  }

  #detail(call: ApiCall): Answer {
    const week = this.#ownWeek(call);
    return week ? this.#detailOf(week) : NOT_FOUND;
  }

  #detailOf(week: WeekLogRecord): Answer {
    const person = this.#users.find((u) => u.id === week.personId)!;
    return { status: 200, body: toDetail(week, person, this.#style()) };
  }

  /** A successful save's answer, as `saveAnswer` says. */
  #saved(week: WeekLogRecord): Answer {
    if (this.saveAnswer === "saved") return { status: 200, body: { saved: true } };
    if (this.saveAnswer === "status") return { status: 200, body: { status: "ok" } };
    if (this.saveAnswer === "empty") return { status: 204, body: undefined };
    return this.#detailOf(week);
  }

  /**
   * The Slack endpoint. Under `slackAccepts`, a well-formed request that the ERP would refuse for
   * want of a week log or project is accepted instead (nothing is added to any week log); every
   * request accepted under the switch is recorded in `slackReceived` as sent.
   */
  #slack({ user, body }: ApiCall): Answer {
    const weeks = this.#weeks.filter((w) => w.personId === user.id);
    const answer = addFromSlack(user, weeks, body, this.#writeContext());
    if (!this.slackAccepts) return answer;
    const refusedForProject = answer.status === 400 &&
      (answer.body as Record<string, unknown>).error === "UNAUTHORIZED_PROJECT_ACCESS";
    if (refusedForProject) {
      const created = ((body as Record<string, unknown>).logs as unknown[]).length;
      this.slackReceived.push({ user: user.email, body: structuredClone(body) });
      return { status: 201, body: { detail: "Logs created successfully.", created } };
    }
    if (answer.status === 201) {
      this.slackReceived.push({ user: user.email, body: structuredClone(body) });
    }
    return answer;
  }

  /** The caller's own week log named by the route's id, else undefined (a 404). */
  #ownWeek({ params, user }: ApiCall): WeekLogRecord | undefined {
    const id = Number(params[0]);
    return this.#weeks.find((w) => w.id === id && w.personId === user.id);
  }

  #weeksOf(user: SeedUser): WeekLogRecord[] {
    return this.#weeks.filter((w) => w.personId === user.id)
      .sort((a, b) => a.monday < b.monday ? -1 : a.monday > b.monday ? 1 : 0);
  }

  #style(): WireStyle {
    return {
      dateStyle: this.dateStyle,
      decimalAsString: this.decimalAsString,
      omitYear: this.omitYear,
    };
  }

  #writeContext(): WriteContext {
    return {
      labelIds: new Set(this.#labels.map((l) => l.id)),
      teams: this.#teams,
      ids: this.#ids,
      touch: (week) => this.#touch(week),
    };
  }

  /** Sets `modified_at` to now, or 1 ms after the stored value if the clock has not moved on. */
  #touch(week: WeekLogRecord): void {
    const before = Number(parseInstantNs(week.modifiedAt)! / 1_000_000n);
    week.modifiedAt = instantString(Math.max(Date.now(), before + 1));
  }

  #userByEmail(email: string): SeedUser | undefined {
    const wanted = email.trim().toLowerCase();
    return this.#users.find((u) => u.email.toLowerCase() === wanted);
  }

  /** The user's token, issuing a new one when theirs was revoked (as DRF's get_or_create). */
  #issueToken(user: SeedUser): string {
    let token = this.#tokenOfUser.get(user.id);
    if (!token) {
      do token = `${user.token}-${++this.#tokenSerial}`; while (this.#userByToken.has(token));
      this.#tokenOfUser.set(user.id, token);
      this.#userByToken.set(token, user);
    }
    return token;
  }
}

/** A 400 body that echoes the Authorization header, as a careless ERP error page would. */
function echoHeader(body: unknown, authorization: string | null): unknown {
  const echo = `Authorization: ${authorization ?? "(none)"}`;
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const record = body as Record<string, unknown>;
    if (typeof record.detail === "string") {
      return { ...record, detail: `${record.detail} (request headers: ${echo})` };
    }
    return { ...record, request: [echo] };
  }
  return { detail: `Bad request (request headers: ${echo})` };
}

/** A valid JSON list of about `bytes` bytes, produced as it is read (never held whole). */
function hugeJson(bytes: number): Response {
  const item = JSON.stringify("x".repeat(1000));
  const encoder = new TextEncoder();
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === 0) {
        controller.enqueue(encoder.encode(`[${item}`));
        sent = item.length + 1;
        return;
      }
      if (sent + item.length + 2 > bytes) {
        controller.enqueue(encoder.encode("]"));
        controller.close();
        return;
      }
      const n = Math.max(1, Math.min(64, Math.floor((bytes - sent - 1) / (item.length + 1))));
      controller.enqueue(encoder.encode(`,${item}`.repeat(n)));
      sent += n * (item.length + 1);
    },
  });
  return new Response(stream, { status: 200, headers: { "content-type": "application/json" } });
}

/** Reads an integer query parameter; a string is the DRF error message. */
function intParam(value: string | null, min: number, max: number): number | string {
  if (value === null || !/^\s*-?\d{1,9}\s*$/.test(value)) return "A valid integer is required.";
  const n = Number(value);
  if (n < min) return `Ensure this value is greater than or equal to ${min}.`;
  if (n > max) return `Ensure this value is less than or equal to ${max}.`;
  return n;
}

/** A served sandbox: the instance, its addresses and a full shutdown. */
export interface ServedSandbox {
  erp: SandboxErp;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** `origin + "/api/v1/"` */
  apiBase: string;
  close(): Promise<void>;
}

/** Serves a new sandbox ERP on 127.0.0.1 (port 0 = a free port), quietly. */
export function serveSandbox(
  opts: SandboxOptions & { port?: number } = {},
): Promise<ServedSandbox> {
  const { port = 0, ...options } = opts;
  const erp = new SandboxErp(options);
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, erp.handler);
  const origin = `http://127.0.0.1:${server.addr.port}`;
  let closing: Promise<void> | undefined;
  return Promise.resolve({
    erp,
    origin,
    apiBase: `${origin}${API_PREFIX}`,
    close() {
      closing ??= (async () => {
        erp.abortDelays();
        await server.shutdown();
      })();
      return closing;
    },
  });
}
