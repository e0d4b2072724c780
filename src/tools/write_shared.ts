/** What the write tools share: hours checks, names, the Slack path, confirmation fields. */
import { hoursToMinutes, minutesToHhMm, mondayOf, type PlainDate } from "../dates.ts";
import { ErpError } from "../erp/errors.ts";
import type { Label, Team, WeekLog } from "../erp/types.ts";
import { UserError } from "../errors.ts";
import { fitPage, type Names } from "../logs/present.ts";
import { noWeekLog, SaveUnconfirmed, type Timesheet } from "../logs/timesheet.ts";
import { type ConfirmOutcome } from "./confirm.ts";

/** A result's status and token fields for an answer other than "confirmed". */
export function pending(answer: ConfirmOutcome) {
  return answer.status === "needs_confirmation"
    ? {
      status: "needs_confirmation" as const,
      confirmation_token: answer.token,
      expires_at: answer.expiresAt,
    }
    : { status: "declined" as const };
}

export function minutesOf(hours: number, param: string): number {
  const minutes = hoursToMinutes(hours);
  if (!(minutes > 0)) {
    throw new UserError(
      `Cannot log ${param} ${hours}: less than one minute`,
      "Use more than 0.0083 hours.",
    );
  }
  if (minutes > 24 * 60) throw new UserError(`Cannot log ${param} ${hours}: more than 24 hours`);
  return minutes;
}

export async function names(ts: Timesheet): Promise<Names> {
  const [teams, labels] = await Promise.all([ts.teams(), ts.labels().catch(() => [])]);
  return { teams, labels };
}

export function missingProject(team: Team, week: WeekLog): UserError {
  return new UserError(
    `Cannot log on "${team.team}" in the week of ${week.monday}: that week's log has no project for this team`,
    "The ERP adds a week's projects from team membership; ask your lead to add you to the team for that week (or add it in the ERP web app), then try again.",
  );
}

/** Sends days through the Slack endpoint; explains the ERP's refusal in its own words. */
export async function slackOrExplain(
  ts: Timesheet,
  days: { date: PlainDate; minutes: number }[],
  what: { team: Team; label: Label; description: string },
): Promise<void> {
  try {
    await ts.slack(days.map((d) => ({
      date: d.date.toString(),
      time_spent: minutesToHhMm(d.minutes),
      description: what.description,
      subteam: what.team.id,
      label_id: what.label.id,
    })));
  } catch (error) {
    if (!(error instanceof ErpError)) throw error;
    const monday = mondayOf(days[0].date);
    if (error.outcomeUnknown) {
      // The Slack endpoint adds rather than replaces: a blind retry could log the time twice.
      throw new SaveUnconfirmed(
        `The ERP did not confirm the entries for the week of ${monday} (${error.message}); they may or may not be stored`,
        "Check with get_week_logs before trying again, so nothing is logged twice.",
        undefined,
      );
    }
    if (error.kind === "validation" || error.kind === "forbidden") {
      const base = noWeekLog(monday, `log on "${what.team.team}" in that week`);
      throw new UserError(
        `${base.message}, and the ERP refused to add it another way: ${
          error.erpMessage ?? error.message
        }`,
        base.hint,
      );
    }
    throw error;
  }
}

/** `1 day`, `2 days`: a count with its noun. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The lines that fit `budget` characters (at least one), then "… and N more <many>" for the rest,
 * so a preview or an elicitation message stays bounded however long the list.
 */
export function cutLines(
  lines: readonly string[],
  budget: number,
  one: string,
  many = `${one}s`,
): string[] {
  const out: string[] = [];
  let size = 0;
  for (const line of lines) {
    if (out.length > 0 && size + line.length + 1 > budget) break;
    out.push(line);
    size += line.length + 1;
  }
  const rest = lines.length - out.length;
  return rest > 0
    ? [...out, `- … and ${plural(rest, `more ${one}`, `more ${many}`)} (counted above)`]
    : out;
}

/**
 * A write's answer with its per-item list cut, in text and data alike, so the whole fits the
 * result budget (RESULT_BUDGET_CHARS); `build` keeps the totals complete and gets how many items
 * it leaves out.
 */
export function boundAnswer<T, Out extends { text: string; data: unknown }>(
  items: readonly T[],
  build: (shown: T[], omitted: number) => Out,
): Out {
  return fitPage(items, 0, items.length, (page, info) => build(page, info.total - info.returned));
}
