/**
 * Prompts: short, correct recipes for the three things people ask most — log today, fill my
 * week, review my month — with completion of project and label names. In read-only mode only
 * the prompts that need no write tool are listed, and none of them suggests a write.
 */
import { completable, type McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { Session } from "./auth/session.ts";
import type { Config } from "./config.ts";
import { relativeSpan, sundayOf, today } from "./dates.ts";
import { UserError } from "./errors.ts";
import { openTimesheet } from "./logs/timesheet.ts";
import { recentMondays } from "./resources.ts";
import { weekArg } from "./tools/args.ts";

/** What the prompts need: the config (zone, expected hours) and this connection's session. */
export interface PromptDeps {
  config: Config;
  session: Session;
}

/** Names from the session's lists matching `value` (any case, any part); none when signed out. */
async function namesLike(
  session: Session,
  value: string,
  list: "teams" | "labels",
): Promise<string[]> {
  try {
    const ts = await openTimesheet(session, undefined);
    const names = list === "teams"
      ? (await ts.teams()).filter((t) => t.isActive).map((t) => t.team)
      : (await ts.labels()).map((l) => l.name);
    const v = value.trim().toLowerCase();
    return names.filter((n) => n.toLowerCase().includes(v)).slice(0, 100);
  } catch {
    return [];
  }
}

function startsWith(options: string[], value: string): string[] {
  const v = value.trim().toLowerCase();
  return options.filter((o) => o.toLowerCase().startsWith(v));
}

function message(text: string) {
  return { messages: [{ role: "user" as const, content: { type: "text" as const, text } }] };
}

/** A month argument: this month, last month, or YYYY-MM; gives its first and last day. */
export function monthRange(value: string, config: Config): { start: string; end: string } {
  const span = relativeSpan(value, config);
  if (span?.kind === "month") return { start: span.start.toString(), end: span.end.toString() };
  const m = /^(\d{4})-(\d{2})$/.exec(value.trim());
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) {
    const first = Temporal.PlainDate.from({ year: Number(m[1]), month: Number(m[2]), day: 1 });
    return { start: first.toString(), end: first.with({ day: first.daysInMonth }).toString() };
  }
  throw new UserError(
    `Cannot read month "${value}": expected this month, last month or YYYY-MM`,
  );
}

/**
 * An optional text argument of at most `max` characters with completion. The completion sits
 * inside the optional: the SDK completes nothing for `completable(x.optional())`.
 */
function completableText(
  max: number,
  description: string,
  complete: (value: string) => string[] | Promise<string[]>,
) {
  return completable(z.string().max(max), (v) => complete(v ?? "")).optional().describe(
    description,
  );
}

type CompletableText = ReturnType<typeof completableText>;

/** Registers the prompts. */
export function registerPrompts(server: McpServer, deps: PromptDeps): void {
  const { config, session } = deps;
  const project = () =>
    completableText(
      200,
      "Project name (completion lists yours)",
      (v) => namesLike(session, v, "teams"),
    );
  const label = () =>
    completableText(
      100,
      'Label name, e.g. "Coding" (default General)',
      (v) => namesLike(session, v, "labels"),
    );
  const expected = `${config.expectedHours} h`;

  if (!config.readOnly) registerWritePrompts(server, deps, project, label);

  server.registerPrompt("review_my_month", {
    title: "Review my month",
    description: "Where the time went this (or last) month, what is missing, what is not submitted",
    argsSchema: z.object({
      month: completableText(
        20,
        "this month (default), last month, or YYYY-MM",
        (v) => {
          const now = today(config);
          const months = [0, 1, 2, 3].map((i) =>
            now.with({ day: 1 }).subtract({ months: i }).toPlainYearMonth().toString()
          );
          return startsWith(["this month", "last month", ...months], v);
        },
      ),
    }),
  }, (args) => {
    const { start, end } = monthRange(args.month ?? "this month", config);
    const range = `start_date "${start}", end_date "${end}"`;
    return message([
      `Review my timesheet from ${start} to ${end}. Read only: change nothing unless I ask.`,
      `1. Call get_timesheet_summary with ${range}, group_by "project", then group_by "week".`,
      `2. Call get_missing_days with ${range}.`,
      `3. Tell me: the total against the expected hours, the projects with their shares, the workdays short of ${expected} (with what each holds), and the weeks not yet completed.`,
      config.readOnly
        ? `4. This server is read-only and cannot change the timesheet: say what would close the gaps, for me to do in the ERP.`
        : `4. Suggest how to close the gaps (copy_week, fill_logs_for_days, create_or_update_log) and wait for my go-ahead.`,
    ].join("\n"));
  });
}

/** The prompts whose recipes write (log_today, fill_my_week): not listed in read-only mode. */
function registerWritePrompts(
  server: McpServer,
  deps: PromptDeps,
  project: () => CompletableText,
  label: () => CompletableText,
): void {
  const { config } = deps;
  const expected = `${config.expectedHours} h`;
  server.registerPrompt("log_today", {
    title: "Log today",
    description: "Log today's work: check what is there, then add or update one entry",
    argsSchema: z.object({
      project: project(),
      label: label(),
      hours: z.string().max(10).optional().describe("Hours, decimal allowed (e.g. 7.5)"),
      description: z.string().max(255).optional().describe("What the time was spent on"),
    }),
  }, (args) => {
    const now = today(config);
    const weekday = now.toLocaleString("en-US", { weekday: "long" });
    const ask = (what: string, v: string | undefined, how: string) =>
      v ? `${what}: "${v}".` : `${what}: ask me (${how}).`;
    return message([
      `Log my work for today, ${weekday} ${now} (time zone ${config.timeZone}).`,
      `1. Call get_day_logs with date "today" and tell me what is already logged.`,
      `2. ${ask("Project", args.project, "get_active_projects lists mine")} ${
        ask("Label", args.label, "get_log_labels; General when I have no preference")
      } ${ask("Hours", args.hours, `a workday is ${expected}`)} ${
        ask("Description", args.description, "one short line")
      }`,
      `3. Call create_or_update_log with date "today" and those values. The same description on the same day and project updates that entry instead of adding a second one.`,
      `4. Tell me the day's total afterwards, and how far it is from ${expected}.`,
    ].join("\n"));
  });

  server.registerPrompt("fill_my_week", {
    title: "Fill my week",
    description: "Find the week's short days and fill only the gaps, after showing the plan",
    argsSchema: z.object({
      week: completableText(
        40,
        "this week (default), last week, or a date in it",
        (v) =>
          startsWith(
            ["this week", "last week", ...recentMondays(today(config)).slice(1).map(String)],
            v,
          ),
      ),
      project: project(),
      label: label(),
      description: z.string().max(255).optional().describe("Description for the filled days"),
    }),
  }, (args) => {
    const monday = weekArg(args.week ?? "this week", "week", config);
    const range = `start_date "${monday}", end_date "${sundayOf(monday)}"`;
    return message([
      `Fill my timesheet for the week of ${monday} to ${
        sundayOf(monday)
      } (a workday is ${expected}).`,
      `1. Call get_missing_days with ${range}. Show me the short days and what each already holds.`,
      `2. Project: ${args.project ? `"${args.project}"` : "ask me"}; label: ${
        args.label ? `"${args.label}"` : "ask me (default General)"
      }; description: ${args.description ? `"${args.description}"` : "ask me"}.`,
      `3. Call fill_logs_for_days with ${range}, hours_per_day ${config.expectedHours}, mode "top_up" (each day is brought up to ${expected} in total, writing only the difference; days already full, weekends, holidays and days after today are skipped) and dry_run true. Show me the plan: per day what it holds, what would be written, the total after, and why a day is skipped. Never add a full day on top of time already there: no mode "every_day" unless I ask for the same entry on every day whatever it holds.`,
      `4. When I agree, run the same fill without dry_run. Every fill that writes asks first: if the result says needs_confirmation, show me its preview and call again with its confirmation_token only after I say yes.`,
      `5. Ask me before submitting the week with complete_week_log.`,
    ].join("\n"));
  });
}
