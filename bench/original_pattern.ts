/**
 * The original Python server's ERP request pattern, replayed against the same sandbox ERP over
 * real HTTP, so its request counts and wall times sit beside ours (rows 2 of the bench).
 *
 * What is replayed, per tool (from /work/shared/original-server.md, "Tools" and "Defects"):
 * - get_week_logs(week_starting): `GET person/list/?year=Y` → find the week → `GET person/get/<id>/`
 *   (2 sequential requests).
 * - get_day_logs(date): the same two requests; the day is filtered locally.
 * - get_month_logs(year, month): one `GET person/month-list/?year&month`, returned raw (summaries).
 * - get_logs_for_date_range(start, end): one month-list per month, one after the other
 *   (3 requests for three months), week summaries only — no entries, unlike ours.
 * - create_or_update_log(date, project_name | project_id, …): `GET active_project_list/` when a
 *   project name is resolved, then `GET list/?year` → `GET get/<id>/` → edit → `PATCH save/<id>/`
 *   with the whole week (3–4 sequential requests). No week log: `POST person-week-log-from-slack/`
 *   instead of get + save.
 * - fill_logs_for_days(start, end, project_id, …): create_or_update_log for every day, in order,
 *   with project_id (the original ignored project_name): 3 sequential requests per day, the whole
 *   week re-saved once per day.
 * - complete_week_log(week_starting): `GET list/?year` → find the id → `PATCH complete/<id>/`.
 *
 * Kindnesses to the original, so the ratio is not flattered: the replay calls the ERP directly
 * (no MCP round trip, no Python), parses both list shapes (the original read only the flat list and
 * would have answered "week log not found" against the envelope the sandbox sends), matches the
 * team id to the week's project through the team's name known to the harness (no request), and
 * passes label_id (no `log_labels/` request). It is signed in already, as the original was after
 * `authenticate_with_token`.
 */
import { parseWeekSummaries } from "../src/erp/types.ts";

/** One replayed tool call's outcome. */
export interface Replay {
  /** ERP requests made. */
  requests: number;
  /** Requests answered with a status of 400 or more (the original carried on regardless). */
  failed: number;
}

/** A team as the harness knows it (id → complete name), standing in for the original's lookup. */
export interface KnownTeam {
  id: number;
  team: string;
}

// deno-lint-ignore no-explicit-any
type Json = any;

/** The original's ERP access: sequential requests with the stored token, counted. */
export class OriginalPattern {
  #requests = 0;
  #failed = 0;

  constructor(
    readonly apiBase: string,
    readonly token: string,
    readonly email: string,
    readonly teams: KnownTeam[],
  ) {}

  async #call(method: string, path: string, body?: unknown): Promise<Json> {
    this.#requests++;
    const res = await fetch(this.apiBase + path, {
      method,
      headers: {
        Authorization: `Token ${this.token}`,
        Accept: "application/json",
        ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) {
      this.#failed++;
      return undefined;
    }
    return text ? JSON.parse(text) : undefined;
  }

  /** Runs `fn` and returns the requests it made. */
  async measure(fn: (p: OriginalPattern) => Promise<unknown>): Promise<Replay> {
    const [r0, f0] = [this.#requests, this.#failed];
    await fn(this);
    return { requests: this.#requests - r0, failed: this.#failed - f0 };
  }

  /** list?year → the id of the week log starting `monday`, if listed. */
  async #findWeekId(monday: Temporal.PlainDate): Promise<number | undefined> {
    const body = await this.#call("GET", `project-logs/person/list/?year=${monday.year}`);
    if (body === undefined) return undefined;
    return parseWeekSummaries(body, monday.year).find((s) => s.monday === monday.toString())?.id;
  }

  /** get_week_logs: list?year, then the week in full. */
  async weekLogs(weekStarting: string): Promise<Json> {
    const id = await this.#findWeekId(mondayOf(weekStarting));
    return id === undefined ? undefined : await this.#call("GET", `project-logs/person/get/${id}/`);
  }

  /** get_day_logs: the week (two requests), filtered to the day here. */
  async dayLogs(date: string): Promise<Json> {
    const week = await this.weekLogs(mondayOf(date).toString());
    return week?.projects?.map((p: Json) => ({
      ...p,
      tasks: p.tasks.map((t: Json) => ({
        ...t,
        days: t.days.filter((d: Json) => d.date === date),
      })),
    }));
  }

  /** get_month_logs: one month-list, raw summaries. */
  monthLogs(year: number, month: number): Promise<Json> {
    return this.#call("GET", `project-logs/person/month-list/?year=${year}&month=${month}`);
  }

  /** get_logs_for_date_range: one month-list per month, in sequence; summaries only. */
  async rangeLogs(start: string, end: string): Promise<Json[]> {
    const out: Json[] = [];
    const last = Temporal.PlainDate.from(end).toPlainYearMonth();
    for (
      let m = Temporal.PlainDate.from(start).toPlainYearMonth();
      Temporal.PlainYearMonth.compare(m, last) <= 0;
      m = m.add({ months: 1 })
    ) {
      out.push(await this.monthLogs(m.year, m.month));
    }
    return out;
  }

  /**
   * create_or_update_log: (active_project_list when named) → list?year → get → save the whole
   * week; the Slack endpoint when the week has no log.
   */
  async createOrUpdate(a: {
    date: string;
    project_id?: number;
    project_name?: string;
    description: string;
    hours: number;
    label_id: number;
  }): Promise<void> {
    let team = this.teams.find((t) => t.id === a.project_id);
    if (a.project_name !== undefined) {
      const list: Json[] = await this.#call("GET", "project-logs/person/active_project_list/") ??
        [];
      const hit = list.find((t) => String(t.team).includes(a.project_name!)); // first substring hit
      team = hit && { id: hit.id, team: hit.team };
    }
    if (!team) return;
    const minutes = Math.round(a.hours * 60);
    const id = await this.#findWeekId(mondayOf(a.date));
    if (id === undefined) {
      const hhmm = `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${
        String(minutes % 60).padStart(2, "0")
      }`;
      await this.#call("POST", "project-logs/person/person-week-log-from-slack/", {
        email: this.email,
        logs: [{
          date: a.date,
          time_spent: hhmm,
          description: a.description,
          subteam: team.id,
          label_id: a.label_id,
        }],
      });
      return;
    }
    const week = await this.#call("GET", `project-logs/person/get/${id}/`);
    const project = week?.projects?.find((p: Json) => p.team === team.team);
    if (!project) return;
    let task = project.tasks.find((t: Json) => t.description === a.description);
    if (!task) {
      task = { description: a.description, days: [] };
      project.tasks.push(task);
    }
    const day = { date: a.date, hours: Math.floor(minutes / 60), minutes: minutes % 60 };
    const existing = task.days.find((d: Json) => d.date === a.date);
    if (existing) Object.assign(existing, day, { label: a.label_id });
    else task.days.push({ ...day, label: a.label_id });
    await this.#call("PATCH", `project-logs/person/person-week-log/save/${id}/`, week);
  }

  /** fill_logs_for_days: create_or_update_log per day, one day after the other. */
  async fill(a: {
    start_date: string;
    end_date: string;
    project_id: number;
    description: string;
    hours_per_day: number;
    label_id: number;
    skip_weekends: boolean;
  }): Promise<void> {
    const end = Temporal.PlainDate.from(a.end_date);
    for (
      let d = Temporal.PlainDate.from(a.start_date);
      Temporal.PlainDate.compare(d, end) <= 0;
      d = d.add({ days: 1 })
    ) {
      if (a.skip_weekends && d.dayOfWeek >= 6) continue;
      await this.createOrUpdate({
        date: d.toString(),
        project_id: a.project_id,
        description: a.description,
        hours: a.hours_per_day,
        label_id: a.label_id,
      });
    }
  }

  /** complete_week_log: list?year → complete/<id>. */
  async complete(weekStarting: string, saveDraft = false): Promise<void> {
    const id = await this.#findWeekId(mondayOf(weekStarting));
    if (id === undefined) return;
    await this.#call("PATCH", `project-logs/person/person-week-log/complete/${id}/`, {
      save_draft: saveDraft,
    });
  }
}

function mondayOf(date: string): Temporal.PlainDate {
  const d = Temporal.PlainDate.from(date);
  return d.subtract({ days: d.dayOfWeek - 1 });
}
