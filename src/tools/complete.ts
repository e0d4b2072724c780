/** complete_week_log: submit a week, with a preview of its totals and missing days first. */
import { z } from "zod";
import { datesBetween, sundayOf } from "../dates.ts";
import type { Config } from "../config.ts";
import { ErpError } from "../erp/errors.ts";
import type { WeekLog } from "../erp/types.ts";
import { dayTotal } from "../erp/week.ts";
import { UserError } from "../errors.ts";
import { formatTime, timeOut } from "../logs/present.ts";
import { noWeekLog, openTimesheet } from "../logs/timesheet.ts";
import { weekArg } from "./args.ts";
import { askLine, confirmationOutput, confirmationTokenArg } from "./confirm.ts";
import { defineTool } from "./define_tool.ts";
import { shortDays, shortDaySchema } from "./insight.ts";
import {
  dateArg as dateField,
  dayTotalSchema,
  emailArg,
  timeSchema,
  WRITE_ONCE,
} from "./schemas.ts";
import { pending } from "./write_shared.ts";

/** complete_week_log */
export const completeWeekLog = defineTool({
  name: "complete_week_log",
  title: "Submit a week",
  description:
    "Submit (complete) a week's log so it goes for approval; after that it can no longer be changed here. With save_draft true it is kept as a draft instead. The result previews the week: its daily totals and the workdays short of the expected hours. Submitting asks the person first (see confirmation_token).",
  input: {
    week_starting: dateField(
      "Any date in the week (its Monday is used)",
      "week",
    ),
    save_draft: z.boolean().default(false).describe(
      "true keeps the week a draft; false (default) submits it",
    ),
    email: emailArg,
    confirmation_token: confirmationTokenArg,
  },
  output: {
    status: z.enum([
      "submitted",
      "kept_draft",
      "already_completed",
      "needs_confirmation",
      "declined",
    ])
      .describe(
        "already_completed: nothing to do; needs_confirmation: show the preview, ask, then call again with confirmation_token",
      ),
    week_log_id: z.number().int(),
    week_starting: z.string(),
    week_ending: z.string(),
    is_completed: z.boolean(),
    total: timeSchema,
    preview: z.object({
      days: z.array(dayTotalSchema).describe("each day of the week, Monday to Sunday"),
      missing_days: z.array(shortDaySchema).describe("workdays below the expected hours"),
    }),
    ...confirmationOutput,
  },
  annotations: WRITE_ONCE,
  async handler(args, ctx) {
    const monday = weekArg(args.week_starting, "week_starting", ctx.config);
    const ts = await openTimesheet(ctx.session, ctx.signal, args.email);
    const found = await ts.week(monday);
    if (!found && args.save_draft) {
      throw new UserError(
        `Nothing to save as a draft: there is no week log for the week of ${monday} (to ${
          sundayOf(monday)
        })`,
        "A week with no log has nothing to keep; log time in it first (create_or_update_log), and its log is a draft until submitted.",
      );
    }
    if (!found) throw noWeekLog(monday, `submit the week of ${monday}`);
    const week = found;
    const total = timeOut(dayTotalOfWeek(week));
    const preview = weekPreview(week, ctx.config);
    const base = {
      week_log_id: week.id,
      week_starting: week.monday,
      week_ending: week.sunday,
      total,
      preview,
    };
    if (week.isCompleted) {
      // Already where the person wanted it: nothing to do, and nothing failed.
      return {
        text: `Nothing to do: the week of ${week.monday} to ${week.sunday} is already completed (${
          formatTime(total)
        })${args.save_draft ? "; a completed week cannot go back to a draft here" : ""}.`,
        data: { status: "already_completed" as const, ...base, is_completed: true },
        isError: args.save_draft,
      };
    }
    const summary = `The week of ${week.monday} to ${week.sunday} holds ${formatTime(total)}${
      preview.missing_days.length
        ? `; short: ${
          preview.missing_days.map((d) => `${d.date} (${formatTime(d.logged)})`).join(", ")
        }`
        : "; no workday is short"
    }.`;
    if (!args.save_draft) {
      const answer = await ctx.confirm.ask({
        tool: "complete_week_log",
        args,
        who: ts.email,
        message: `Submit the week? After that it can no longer be changed.\n${summary}`,
        // The week as shown: a token minted for "last week" never submits another week.
        shown: { week: week.id, monday: week.monday, total: dayTotalOfWeek(week) },
      }, ctx.signal);
      if (answer.status !== "confirmed") {
        return {
          text: answer.status === "declined"
            ? `The person declined: the week of ${week.monday} was not submitted. ${summary}`
            : `${summary} ${askLine("complete_week_log", answer)}`,
          data: { ...pending(answer), ...base, is_completed: false },
        };
      }
    }
    try {
      await ts.erp.completeWeek(week.id, args.save_draft);
    } catch (error) {
      if (
        error instanceof ErpError && error.erpMessage && /already completed/i.test(error.erpMessage)
      ) {
        return {
          text: `Nothing to do: the week of ${week.monday} to ${week.sunday} is already completed.`,
          data: { status: "already_completed" as const, ...base, is_completed: true },
        };
      }
      if (error instanceof ErpError && error.outcomeUnknown) {
        const now = await ts.erp.getWeek(week.id, week.monday).catch(() => undefined);
        throw new UserError(
          `The ERP did not confirm submitting the week of ${week.monday} (${error.message}); ${
            now
              ? `it is now ${now.isCompleted ? "completed" : "still a draft"}`
              : "its state is unknown"
          }`,
          "Check with get_week_logs before trying again.",
        );
      }
      throw error;
    }
    const completed = !args.save_draft;
    return {
      text: completed
        ? `Submitted the week of ${week.monday} to ${week.sunday} (${
          formatTime(total)
        }). It is now completed and read-only.`
        : `Kept the week of ${week.monday} as a draft (${formatTime(total)}). ${summary}`,
      data: {
        status: completed ? "submitted" as const : "kept_draft" as const,
        ...base,
        is_completed: completed,
      },
    };
  },
});

/** The week's daily totals and its workdays short of the expected hours. */
function weekPreview(week: WeekLog, config: Config) {
  const days = datesBetween(
    Temporal.PlainDate.from(week.monday),
    Temporal.PlainDate.from(week.sunday),
  );
  return {
    days: days.map((d) => ({ date: d.toString(), total: timeOut(dayTotal(week, d.toString())) })),
    missing_days: shortDays(week, days, config),
  };
}

function dayTotalOfWeek(week: WeekLog): number {
  return datesBetween(Temporal.PlainDate.from(week.monday), Temporal.PlainDate.from(week.sunday))
    .reduce((sum, d) => sum + dayTotal(week, d.toString()), 0);
}
