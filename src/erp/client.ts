/** The typed ERP client: one method per endpoint, errors mapped once, reads retried, writes never. */
import { readCappedText, TooLarge } from "../capped.ts";
import { ErpError, erpMessageOf, kindOfStatus } from "./errors.ts";
import {
  type Label,
  parseLabels,
  parsePerson,
  parseTeams,
  parseWeekLog,
  parseWeekSummaries,
  type Person,
  ShapeError,
  type Team,
  type WeekLog,
  weekLogToSaveBody,
  type WeekSummary,
} from "./types.ts";

/** One entry for the Slack endpoint. */
export interface SlackLog {
  date: string;
  /** `HH:MM`. */
  time_spent: string;
  description: string;
  /** The team id. */
  subteam: number;
  label_id: number;
}

/** What an ErpClient needs. */
export interface ErpClientOptions {
  /** Base URL ending in `/`, e.g. `https://erp.example.com/api/v1/`. */
  baseUrl: string;
  /** The DRF token key, without its `Token ` prefix. */
  token?: string;
  /** Per-request timeout. */
  timeoutMs: number;
  fetch?: typeof fetch;
  /** Aborts every request in flight (the client's cancellation). */
  signal?: AbortSignal;
  /** Delays before the read retries, in ms; two retries by default. */
  retryDelaysMs?: number[];
  /** The largest answer body read, in bytes (default 4 MiB); a larger one fails as unavailable. */
  maxBodyBytes?: number;
}

/** The default cap on an ERP answer body: 4 MiB, far above any week log or list seen. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

interface RequestOptions {
  query?: Record<string, string | number>;
  body?: unknown;
  /** Send without the token (Google sign-in). */
  anonymous?: boolean;
  /** Secrets sent in the body, kept out of every message as the token is. */
  secrets?: string[];
  /**
   * A write: not started once the client cancelled, but once sent it runs to its answer (or the
   * timeout), so its outcome is known and reported rather than lost.
   */
  write?: boolean;
}

const RETRY_STATUSES = new Set([502, 503, 504]);

/** Talks to the ERP REST API on behalf of one person. */
export class ErpClient {
  readonly #opts: ErpClientOptions;
  readonly #fetch: typeof fetch;

  constructor(opts: ErpClientOptions) {
    this.#opts = opts;
    this.#fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** The same client, bound to another cancellation signal. */
  withSignal(signal: AbortSignal | undefined): ErpClient {
    return new ErpClient({ ...this.#opts, signal });
  }

  /** `GET core/person/`: who owns the token. */
  async person(): Promise<Person> {
    return parsePerson(await this.#read("core/person/"));
  }

  /** `POST core/google-login/`: exchanges a Google access token for an ERP token. */
  async googleLogin(
    accessToken: string,
  ): Promise<{ token: string; email?: string; name?: string }> {
    const body = await this.#send("POST", "core/google-login/", {
      body: { platform: "google", access_token: accessToken },
      anonymous: true,
      secrets: [accessToken],
    }) as Record<string, unknown> | null;
    const token = typeof body?.token === "string" ? body.token : body?.key;
    if (typeof token !== "string" || !token) {
      throw new ErpError("unavailable", "ERP answered the Google sign-in without a token", 200);
    }
    const person = parsePerson(body);
    return { token, email: person.email, name: person.name };
  }

  /** `GET person/list/?year=`: the week logs whose Monday is in `year`. */
  async listWeeks(year: number): Promise<WeekSummary[]> {
    return parseWeekSummaries(
      await this.#read("project-logs/person/list/", { query: { year } }),
      year,
    );
  }

  /** `GET person/month-list/`: summaries of the weeks overlapping a month. */
  async monthList(year: number, month: number): Promise<WeekSummary[]> {
    return parseWeekSummaries(
      await this.#read("project-logs/person/month-list/", { query: { year, month } }),
      year,
    );
  }

  /**
   * `GET person/get/<id>/`: one week log in full, the week starting `monday` (ISO). Its dates are
   * read relative to that Monday; a detail of another week is a ShapeError.
   */
  async getWeek(id: number, monday: string): Promise<WeekLog> {
    return parseWeekLog(await this.#read(`project-logs/person/get/${id}/`), monday);
  }

  /** `GET person/active_project_list/`: the teams the person can log on. */
  async activeProjects(): Promise<Team[]> {
    return parseTeams(await this.#read("project-logs/person/active_project_list/"));
  }

  /** `GET log_labels/`. */
  async labels(): Promise<Label[]> {
    return parseLabels(await this.#read("project-logs/log_labels/"));
  }

  /**
   * `PATCH save/<id>/`: saves the whole week; its projects' tasks replace the stored ones. Answers
   * the week as stored: the ERP's answer when it is this week log, else (`{"saved": true}`, an
   * empty 204, ...) the week read again. A failed re-read is an unconfirmed outcome (`unavailable`).
   */
  async saveWeek(week: WeekLog): Promise<WeekLog> {
    const body = await this.#send(
      "PATCH",
      `project-logs/person/person-week-log/save/${week.id}/`,
      { body: weekLogToSaveBody(week), write: true },
    );
    if (isWeekLogAnswer(body, week.id)) {
      try {
        return parseWeekLog(body, week.monday);
      } catch (error) {
        if (!(error instanceof ShapeError)) throw error;
        // Saved, but the answer cannot be read: what is stored is learned by reading it.
      }
    }
    try {
      return await this.getWeek(week.id, week.monday);
    } catch (error) {
      if (this.#opts.signal?.aborted) throw error;
      const why = error instanceof Error ? error.message : String(error);
      throw new ErpError(
        "unavailable",
        this.#redact(
          `ERP accepted the save of the week of ${week.monday} without answering the week log, and reading it again failed: ${why}`,
        ),
      );
    }
  }

  /** `PATCH complete/<id>/`: submits the week, or keeps it a draft. */
  async completeWeek(id: number, saveDraft: boolean): Promise<unknown> {
    return await this.#send("PATCH", `project-logs/person/person-week-log/complete/${id}/`, {
      body: { save_draft: saveDraft },
      write: true,
    });
  }

  /** `POST person-week-log-from-slack/`: adds entries by date and team id. */
  async addFromSlack(email: string, logs: SlackLog[]): Promise<unknown> {
    return await this.#send("POST", "project-logs/person/person-week-log-from-slack/", {
      body: { email, logs },
      write: true,
    });
  }

  async #read(path: string, opts: RequestOptions = {}): Promise<unknown> {
    const delays = this.#opts.retryDelaysMs ?? [250, 750];
    for (let attempt = 0;; attempt++) {
      try {
        return await this.#send("GET", path, opts);
      } catch (error) {
        const retryable = error instanceof ErpError &&
          (error.status === 0 ? error.kind === "unavailable" : RETRY_STATUSES.has(error.status));
        if (!retryable || attempt >= delays.length || this.#opts.signal?.aborted) throw error;
        await sleep(delays[attempt], this.#opts.signal);
      }
    }
  }

  async #send(method: string, path: string, opts: RequestOptions): Promise<unknown> {
    const url = new URL(path, this.#opts.baseUrl);
    for (const [key, value] of Object.entries(opts.query ?? {})) {
      url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { Accept: "application/json" };
    if (!opts.anonymous) {
      if (!this.#opts.token) throw new ErpError("unauthorized", "Not signed in to the ERP", 401);
      headers.Authorization = `Token ${this.#opts.token}`;
    }
    if (opts.body !== undefined) headers["Content-Type"] = "application/json";
    if (opts.write) this.#opts.signal?.throwIfAborted();
    const cancel = opts.write ? undefined : this.#opts.signal;
    const timeout = AbortSignal.timeout(this.#opts.timeoutMs);
    const signal = cancel ? AbortSignal.any([cancel, timeout]) : timeout;
    const what = `${method} ${url.pathname.replace(/^.*?(?=core\/|project-logs\/)/, "")}`;
    const redact = (text: string) => this.#redact(text, opts.secrets);
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal,
        redirect: "manual",
      });
    } catch (error) {
      if (cancel?.aborted) throw cancel.reason ?? error;
      if (timeout.aborted) {
        throw new ErpError(
          "timeout",
          `ERP did not answer ${what} within ${this.#opts.timeoutMs / 1000} s`,
        );
      }
      throw new ErpError(
        "unavailable",
        redact(`Cannot reach the ERP at ${url.origin}: ${describe(error)}`),
      );
    }
    const limit = this.#opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    let text: string;
    try {
      text = await readCapped(response, limit);
    } catch (error) {
      if (error instanceof TooLarge) {
        throw new ErpError(
          "unavailable",
          `ERP answered ${what} with a body over ${
            formatBytes(limit)
          }; not read (check ERP_API_BASE_URL)`,
          response.status,
        );
      }
      if (cancel?.aborted) throw cancel.reason ?? error;
      if (timeout.aborted) {
        throw new ErpError("timeout", `ERP did not finish answering ${what} in time`);
      }
      throw new ErpError("unavailable", `ERP connection broke during ${what}`, response.status);
    }
    let body: unknown = undefined;
    let isJson = false;
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text);
        isJson = true;
      } catch {
        isJson = false;
      }
    } else {
      isJson = true; // an empty body is fine (204)
    }
    if (response.ok) {
      if (!isJson) {
        throw new ErpError(
          "unavailable",
          `ERP answered ${response.status} with a non-JSON body to ${what}`,
          response.status,
        );
      }
      return body;
    }
    if (response.status >= 300 && response.status < 400) {
      throw new ErpError(
        "unavailable",
        `ERP answered ${what} with a redirect (${response.status}); check ERP_API_BASE_URL`,
        response.status,
      );
    }
    const kind = kindOfStatus(response.status);
    if (!isJson) {
      throw new ErpError(
        kind,
        `ERP answered ${response.status} with a non-JSON body to ${what}`,
        response.status,
      );
    }
    const said = erpMessageOf(body);
    const erpMessage = said === undefined ? undefined : redact(said);
    const rawCode =
      body && typeof body === "object" && typeof (body as Record<string, unknown>).error ===
          "string"
        ? (body as Record<string, string>).error
        : undefined;
    const code = rawCode === undefined ? undefined : redact(rawCode);
    throw new ErpError(
      kind,
      `ERP answered ${response.status} to ${what}${erpMessage ? `: ${erpMessage}` : ""}`,
      response.status,
      erpMessage,
      code,
    );
  }

  /** `text` without the session's token, the request's own secrets, or any `Token x`/`Bearer x`. */
  #redact(text: string, secrets: string[] = []): string {
    return redactSecrets(text, [this.#opts.token ?? "", ...secrets]);
  }
}

/**
 * `text` with each secret (of at least 4 characters) and every credential-looking pattern
 * (`Token x`, `Bearer x`, `Authorization: x`, `access_token=x`) replaced by `[redacted]`.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  const key = (prefix: string, value: string) =>
    value.length >= 20 || (value.length >= 6 && /\d/.test(value)) ? `${prefix}${REDACTED}` : null;
  return out
    .replace(/\b((?:token|bearer)\s+)([\w.~+/=-]+)/gi, (all, p, v) => key(p, v) ?? all)
    .replace(
      /\b((?:authorization|(?:access_|id_|refresh_)?token|key)["']?\s*[:=]\s*["']?)([\w.~+/=-]+)/gi,
      (all, p, v) => /^(token|bearer)$/i.test(v) ? all : key(p, v) ?? all,
    );
}

const REDACTED = "[redacted]";

/** A Response body as text, read as a stream and abandoned once it passes `limit` bytes. */
async function readCapped(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > limit) {
    await response.body?.cancel().catch(() => {});
    throw new TooLarge(limit);
  }
  return await readCappedText(response.body, limit);
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;
  if (n >= 1024) return `${Math.round((n / 1024) * 10) / 10} KiB`;
  return `${n} bytes`;
}

/** True when a save answer is (meant to be) the week log itself rather than a bare "saved". */
function isWeekLogAnswer(body: unknown, id: number): boolean {
  if (!body || typeof body !== "object" || Array.isArray(body)) return false;
  const record = body as Record<string, unknown>;
  return Number(record.id) === id &&
    (Array.isArray(record.projects) || record.week_starting !== undefined);
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0].slice(0, 200);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
