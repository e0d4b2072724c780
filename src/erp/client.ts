/** The typed ERP client: one method per endpoint, errors mapped once, reads retried, writes never. */
import { ErpError, erpMessageOf, kindOfStatus } from "./errors.ts";
import {
  type Label,
  parseLabels,
  parsePerson,
  parseTeams,
  parseWeekLog,
  parseWeekSummaries,
  type Person,
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
}

interface RequestOptions {
  query?: Record<string, string | number>;
  body?: unknown;
  /** Send without the token (Google sign-in). */
  anonymous?: boolean;
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

  /** `GET person/get/<id>/`: one week log in full. */
  async getWeek(id: number): Promise<WeekLog> {
    return parseWeekLog(await this.#read(`project-logs/person/get/${id}/`));
  }

  /** `GET person/active_project_list/`: the teams the person can log on. */
  async activeProjects(): Promise<Team[]> {
    return parseTeams(await this.#read("project-logs/person/active_project_list/"));
  }

  /** `GET log_labels/`. */
  async labels(): Promise<Label[]> {
    return parseLabels(await this.#read("project-logs/log_labels/"));
  }

  /** `PATCH save/<id>/`: saves the whole week; its projects' tasks replace the stored ones. */
  async saveWeek(week: WeekLog): Promise<WeekLog> {
    const body = await this.#send(
      "PATCH",
      `project-logs/person/person-week-log/save/${week.id}/`,
      { body: weekLogToSaveBody(week), write: true },
    );
    return parseWeekLog(body);
  }

  /** `PATCH complete/<id>/`: submits the week, or keeps it a draft. */
  async completeWeek(id: number, saveDraft: boolean): Promise<unknown> {
    return await this.#send("PATCH", `project-logs/person/person-week-log/complete/${id}/`, {
      body: { save_draft: saveDraft },
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
        `Cannot reach the ERP at ${url.origin}: ${describe(error)}`,
      );
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
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
    const erpMessage = erpMessageOf(body);
    const code =
      body && typeof body === "object" && typeof (body as Record<string, unknown>).error ===
          "string"
        ? (body as Record<string, string>).error
        : undefined;
    throw new ErpError(
      kind,
      `ERP answered ${response.status} to ${what}${erpMessage ? `: ${erpMessage}` : ""}`,
      response.status,
      erpMessage,
      code,
    );
  }
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
