/**
 * The person's timesheet over one tool call: week lookup across both list shapes and the year
 * boundary, concurrent week reads, name resolution with per-session caches, and saves that
 * survive a conflict once and never hide a half-known outcome.
 */
import { LIST_TTL_MS, type Session } from "../auth/session.ts";
import { mondayOf, type PlainDate, sundayOf } from "../dates.ts";
import type { ErpClient, SlackLog } from "../erp/client.ts";
import { ErpError } from "../erp/errors.ts";
import { type Label, ShapeError, type Team, type WeekLog, type WeekSummary } from "../erp/types.ts";
import { cloneWeek, entriesOf } from "../erp/week.ts";
import { UserError } from "../errors.ts";
import { resolveLabel, resolveTeam } from "./resolve.ts";

/** How many week reads run at once. */
const CONCURRENCY = 6;

/** A week's read outcome. */
export type WeekRead =
  | { monday: string; status: "found"; week: WeekLog }
  | { monday: string; status: "no_log" }
  | { monday: string; status: "failed"; error: string };

/** The project and label arguments the write tools share. */
export interface ProjectArgs {
  project_id?: number;
  project_name?: string;
}

/** The label arguments the write tools share. */
export interface LabelArgs {
  label_id?: number;
  label_name?: string;
}

/** Runs `fn` over `items`, at most `limit` at a time, keeping order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The signed-in person's timesheet for the span of one tool call. */
export class Timesheet {
  readonly #years = new Map<number, Promise<WeekSummary[]>>();

  constructor(
    readonly erp: ErpClient,
    readonly session: Session,
    /** The signed-in email. */
    readonly email: string,
  ) {}

  /** The teams the person can log on (cached 5 min per session). */
  teams(): Promise<Team[]> {
    return this.session.cached("teams", LIST_TTL_MS, () => this.erp.activeProjects());
  }

  /** The labels (cached 5 min per session). */
  labels(): Promise<Label[]> {
    return this.session.cached("labels", LIST_TTL_MS, () => this.erp.labels());
  }

  /** The team named by id or name; ambiguity and unknown names are errors listing candidates. */
  async team(args: ProjectArgs): Promise<Team> {
    return resolveTeam(await this.teams(), args);
  }

  /** The label named by id or name; none given means "General". */
  async label(args: LabelArgs): Promise<Label> {
    return resolveLabel(await this.labels(), args);
  }

  /**
   * The label for a bulk write: a `label_id` alone is trusted when the list is not cached yet (the
   * ERP checks it at save time and its refusal is reported per day), which spares a request.
   */
  async labelForWrite(args: LabelArgs): Promise<Label> {
    if (
      args.label_id !== undefined && !args.label_name &&
      !this.session.isCached("labels", LIST_TTL_MS)
    ) {
      return { id: args.label_id, name: `label ${args.label_id}` };
    }
    return await this.label(args);
  }

  /** The week summaries of a year, once per call. */
  #year(year: number): Promise<WeekSummary[]> {
    let list = this.#years.get(year);
    if (!list) {
      list = this.erp.listWeeks(year);
      this.#years.set(year, list);
    }
    return list;
  }

  /** The id of the week log starting `monday`, or undefined when the person has none. */
  async weekId(monday: PlainDate): Promise<number | undefined> {
    const key = monday.toString();
    const known = this.session.weekIds.get(key);
    if (known !== undefined) return known;
    const years = [monday.year];
    if (sundayOf(monday).year !== monday.year) years.push(monday.year + 1);
    for (const year of years) {
      const found = (await this.#year(year)).find((s) => s.monday === key);
      if (found) {
        this.session.weekIds.set(key, found.id);
        return found.id;
      }
    }
    return undefined;
  }

  /** Learns week ids from summaries the caller already has (month-list). */
  rememberWeeks(summaries: WeekSummary[]): void {
    for (const s of summaries) this.session.weekIds.set(s.monday, s.id);
  }

  /** The week log of the week holding `date`, or undefined when there is none. */
  async week(date: PlainDate): Promise<WeekLog | undefined> {
    const monday = mondayOf(date);
    const id = await this.weekId(monday);
    if (id === undefined) return undefined;
    try {
      return this.#learn(await this.erp.getWeek(id, monday.toString()));
    } catch (error) {
      if (!(error instanceof ErpError && error.kind === "not_found")) throw error;
      // A 404 on a known id: the week may have been recreated, or the ERP stumbled. Only a fresh
      // list saying the week is gone means "no week log" (which would send writes through Slack).
      this.session.weekIds.delete(monday.toString());
      this.#years.clear();
      const again = await this.weekId(monday);
      if (again === undefined) return undefined;
      if (again === id) throw error;
      return this.#learn(await this.erp.getWeek(again, monday.toString()));
    }
  }

  /** The week log of the week holding `date`; a clear error when there is none. */
  async requireWeek(date: PlainDate, doing: string): Promise<WeekLog> {
    const week = await this.week(date);
    if (!week) throw noWeekLog(mondayOf(date), doing);
    return week;
  }

  /** Reads several weeks concurrently; a failed week is reported, never dropped. */
  async weeks(mondays: PlainDate[]): Promise<WeekRead[]> {
    // One list per year first, concurrently, so week reads do not each wait on it.
    const years = new Set<number>();
    for (const m of mondays) {
      if (this.session.weekIds.has(m.toString())) continue;
      years.add(m.year);
      if (sundayOf(m).year !== m.year) years.add(m.year + 1);
    }
    await Promise.all([...years].map((y) => this.#year(y).catch(() => undefined)));
    return mapLimit(mondays, CONCURRENCY, async (m): Promise<WeekRead> => {
      const monday = m.toString();
      try {
        const week = await this.week(m);
        return week ? { monday, status: "found", week } : { monday, status: "no_log" };
      } catch (error) {
        // One unreadable week (the ERP down for it, or a shape this server cannot read) is
        // reported as failed; the others are still read.
        const perWeek = (error instanceof ErpError && error.kind !== "unauthorized") ||
          error instanceof ShapeError;
        if (!perWeek) throw error;
        return { monday, status: "failed", error: error.message };
      }
    });
  }

  #learn(week: WeekLog): WeekLog {
    this.session.weekIds.set(week.monday, week.id);
    for (const e of entriesOf(week)) {
      if (e.day.id !== undefined) this.session.entryWeeks.set(e.day.id, week.monday);
    }
    return week;
  }

  /**
   * Applies `edit` to a copy of `week` and saves it. Saves of one week in this session run one
   * after another; one that waited for another starts from a fresh read of the week. A 409 (an
   * edit from elsewhere) re-reads the week and re-applies the edit, up to `CONFLICT_RETRIES`
   * times. When the ERP's answer is lost (timeout, broken connection), the week is re-read and
   * `describe` tells what is actually stored — the result never guesses. `retried` says the edit
   * was applied to a week re-read after another edit.
   */
  save<T>(
    week: WeekLog,
    edit: (copy: WeekLog) => T,
    describe: (stored: WeekLog) => string,
  ): Promise<{ saved: WeekLog; result: T; retried: boolean }> {
    if (week.isCompleted) throw completedWeek(week.monday);
    return this.session.queueWeekSave(week.monday, async (waited) => {
      const base = waited ? this.#learn(await this.erp.getWeek(week.id, week.monday)) : week;
      return await this.#save(base, edit, describe, waited);
    });
  }

  async #save<T>(
    week: WeekLog,
    edit: (copy: WeekLog) => T,
    describe: (stored: WeekLog) => string,
    reread: boolean,
  ): Promise<{ saved: WeekLog; result: T; retried: boolean }> {
    if (week.isCompleted) throw completedWeek(week.monday);
    let copy = cloneWeek(week);
    let result = edit(copy);
    let conflicts = 0;
    for (;;) {
      try {
        const saved = this.#learn(await this.erp.saveWeek(copy));
        return { saved, result, retried: reread || conflicts > 0 };
      } catch (error) {
        if (!(error instanceof ErpError)) throw error;
        if (error.kind === "conflict" && conflicts < CONFLICT_RETRIES) {
          conflicts++;
          const fresh = this.#learn(await this.erp.getWeek(week.id, week.monday));
          if (fresh.isCompleted) throw completedWeek(week.monday);
          copy = cloneWeek(fresh);
          result = edit(copy);
          continue;
        }
        if (error.kind === "conflict") {
          throw new UserError(
            `Nothing was saved in the week of ${week.monday}: it changed again while saving (${
              error.erpMessage ?? "409"
            })`,
            "Someone else is editing this week right now. Wait a moment, re-read it, and try again.",
          );
        }
        if (error.outcomeUnknown) {
          let stored: WeekLog | undefined;
          try {
            stored = this.#learn(await this.erp.getWeek(week.id, week.monday));
          } catch {
            stored = undefined;
          }
          throw new SaveUnconfirmed(
            `The ERP did not confirm the save of the week of ${week.monday} (${error.message}). After re-reading: ${
              stored
                ? describe(stored)
                : "the week could not be re-read either, so what is stored is unknown"
            }`,
            "Check with get_week_logs before trying again, so nothing is logged twice: a save the " +
              "ERP was still working on when the server stopped waiting can still land after this re-read.",
            stored,
          );
        }
        if (error.erpMessage && /already completed/i.test(error.erpMessage)) {
          throw completedWeek(week.monday);
        }
        throw error;
      }
    }
  }

  /** Adds entries through the Slack endpoint, for a week with no week log. */
  async slack(logs: SlackLog[]): Promise<void> {
    if (!this.session.credentials?.emailVerified) {
      throw new UserError(
        `Cannot add entries through the ERP's Slack endpoint as "${this.email}": the ERP did not confirm that this is your email (it was typed at sign-in)`,
        "That endpoint acts by email, so it needs an email the ERP vouches for; add the entry in the ERP web app, or sign in with Google or the ERP browser sign-in.",
      );
    }
    await this.erp.addFromSlack(this.email, logs);
  }
}

/**
 * How many times a save re-reads the week and re-applies its edit after a 409 (another edit saved
 * first) before it gives up and says so.
 */
export const CONFLICT_RETRIES = 3;

/** A save whose answer was lost: `stored` is the week as re-read, or undefined if that failed too. */
export class SaveUnconfirmed extends UserError {
  constructor(message: string, hint: string, readonly stored: WeekLog | undefined) {
    super(message, hint);
    this.name = "SaveUnconfirmed";
  }
}

/** The error for a week the person has no log for. */
export function noWeekLog(monday: PlainDate, doing: string): UserError {
  return new UserError(
    `Cannot ${doing}: there is no week log for the week of ${monday} (to ${sundayOf(monday)})`,
    "Week logs are created by the ERP (team membership or the web app). Open that week once in the ERP web app, then try again.",
  );
}

/** The error for a week already submitted. */
export function completedWeek(monday: string): UserError {
  return new UserError(
    `Cannot change the week of ${monday}: it is already completed (submitted)`,
    "A completed week is read-only here; ask your manager to reopen it in the ERP if it must change.",
  );
}

/** The signed-in person's timesheet; refuses an `email` naming someone else. */
export async function openTimesheet(
  session: Session,
  signal: AbortSignal | undefined,
  email?: string,
): Promise<Timesheet> {
  const creds = await session.require(signal);
  session.checkEmailArg(email, creds);
  return new Timesheet(await session.client(signal), session, creds.email);
}
