/** copy_week: a week's tasks copied day by day into another week, one read of each and one save. */
import { z } from "zod";
import { WEEK_GRID_META } from "../apps/meta.ts";
import { sundayOf } from "../dates.ts";
import { ErpError } from "../erp/errors.ts";
import type { Label, Team, WeekLog, WeekProject } from "../erp/types.ts";
import { cloneWeek, findTask, findWeekProject, putEntry } from "../erp/week.ts";
import { UserError } from "../errors.ts";
import { formatTime, timeOut } from "../logs/present.ts";
import {
  completedWeek,
  noWeekLog,
  openTimesheet,
  SaveUnconfirmed,
  type WeekRead,
} from "../logs/timesheet.ts";
import { weekArg } from "./args.ts";
import { askLine, confirmationOutput, confirmationTokenArg } from "./confirm.ts";
import { defineTool } from "./define_tool.ts";
import {
  dateArg as dateField,
  emailArg,
  timeSchema,
  WRITE_IDEMPOTENT,
  writeCounts,
  writeStatusSchema,
} from "./schemas.ts";
import { boundAnswer, cutLines, plural } from "./write_shared.ts";

/** What a confirmation message's list of entries may take, in characters. */
const MESSAGE_BUDGET_CHARS = 20_000;

type Status = "written" | "planned" | "skipped" | "failed" | "unknown";

/** One task-day of the source week and what became of it. */
interface Item {
  date: string;
  from_date: string;
  project: string;
  description: string;
  minutes: number;
  label: number | null;
  status: Status;
  reason?: string;
}

/** The week project of `week` for the team a source project belongs to (matched by name). */
function targetProject(week: WeekLog, source: WeekProject): WeekProject | undefined {
  const team: Team = { id: 0, team: source.team, subteam: source.subteam, isActive: true };
  return findWeekProject(week, team);
}

function readOrExplain(read: WeekRead, role: "from" | "to"): WeekLog {
  const monday = Temporal.PlainDate.from(read.monday);
  if (read.status === "failed") {
    throw new UserError(
      `Cannot read the week of ${read.monday}: ${read.error}`,
      "Try again later.",
    );
  }
  if (read.status === "no_log") {
    if (role === "from") {
      throw new UserError(
        `Nothing to copy: there is no week log for the week of ${monday} (to ${sundayOf(monday)})`,
        "Pick a week that has entries (get_week_logs shows one).",
      );
    }
    throw noWeekLog(monday, `copy into the week of ${monday}`);
  }
  return read.week;
}

/** Decides each source task-day against a copy of the target: skip, fail, or write. */
function plan(source: WeekLog, target: WeekLog, offsetDays: number): Item[] {
  const probe = cloneWeek(target);
  const items: Item[] = [];
  for (const project of source.projects) {
    for (const task of project.tasks) {
      for (const day of task.days) {
        const date = Temporal.PlainDate.from(day.date).add({ days: offsetDays }).toString();
        items.push({
          date,
          from_date: day.date,
          project: project.team || project.subteam,
          description: task.description,
          minutes: day.minutes,
          label: day.label,
          status: "planned",
        });
      }
    }
  }
  items.sort((a, b) => a.date.localeCompare(b.date));
  for (const item of items) {
    const source_ = source.projects.find((p) => (p.team || p.subteam) === item.project)!;
    const p = targetProject(probe, source_);
    if (!p) {
      item.status = "failed";
      item.reason = `the week of ${target.monday} has no project for "${item.project}"`;
      continue;
    }
    const there = findTask(p, item.description)?.days.find((d) => d.date === item.date);
    if (there) {
      item.status = "skipped";
      item.reason = `already logged on this task (${formatTime(timeOut(there.minutes))})`;
      continue;
    }
    try {
      putEntry(probe, {
        projectId: p.id,
        date: item.date,
        description: item.description,
        minutes: item.minutes,
        label: item.label,
      });
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      item.status = "failed";
      item.reason = error.message;
    }
  }
  return items;
}

/**
 * Applies the planned items to a copy of the target; items already there (after a 409) stay, and
 * are returned, so the result reports what the re-read showed rather than claiming them.
 */
function apply(copy: WeekLog, source: WeekLog, items: Item[]): Set<Item> {
  const already = new Set<Item>();
  for (const item of items) {
    const sp = source.projects.find((p) => (p.team || p.subteam) === item.project)!;
    const p = targetProject(copy, sp);
    if (!p) throw new UserError(`The week of ${copy.monday} no longer has "${item.project}"`);
    if (findTask(p, item.description)?.days.some((d) => d.date === item.date)) {
      already.add(item);
      continue;
    }
    putEntry(copy, {
      projectId: p.id,
      date: item.date,
      description: item.description,
      minutes: item.minutes,
      label: item.label,
    });
  }
  return already;
}

/** One line of the plan (`plan`: a failure is one that would happen) or of the result. */
function line(i: Item, labels: Label[], plan = false): string {
  const label = labels.find((l) => l.id === i.label)?.name;
  const status = plan && i.status === "failed" ? "would fail" : i.status;
  return `- ${i.date} ← ${i.from_date} · ${i.project} · ${i.description} · ${
    formatTime(timeOut(i.minutes))
  }${label ? ` · ${label}` : ""}: ${status}${i.reason ? ` (${i.reason})` : ""}`;
}

/** One entry for the structured result. */
function itemOut(i: Item) {
  return {
    date: i.date,
    from_date: i.from_date,
    project: i.project,
    description: i.description,
    time: timeOut(i.minutes),
    label_id: i.label,
    status: i.status,
    ...(i.reason ? { reason: i.reason } : {}),
  };
}

/** copy_week */
export const copyWeek = defineTool({
  name: "copy_week",
  title: "Copy a week into another",
  description:
    `Copy a week's tasks (hours, label, description) into another week day by day — Monday to Monday, Tuesday to Tuesday — onto the target week's project for the same team. A day where the target already has that task is skipped, so running it twice adds nothing. One read of each week and one save. Every copy that writes asks the person first (see confirmation_token) unless confirmation is off, with a preview of each entry it would write, skip or fail on; dry_run shows the same plan and writes nothing. A long plan is cut at about 40,000 characters ("and N more entries"); its counts always cover every entry.`,
  input: {
    from_week: dateField('The week to copy: any date in it, or "last week"', "week"),
    to_week: dateField('The week to fill: any date in it, or "this week"', "week"),
    dry_run: z.boolean().default(false).describe("true returns the plan and writes nothing"),
    email: emailArg,
    confirmation_token: confirmationTokenArg,
  },
  output: {
    status: z.enum(["done", "planned", "needs_confirmation", "declined"]).describe(
      "done: saved; planned: dry run; needs_confirmation: ask the person, then call again with confirmation_token; declined: the person said no",
    ),
    dry_run: z.boolean(),
    from_week: z.string().describe("the Monday copied from"),
    to_week: z.string().describe("the Monday copied to"),
    days: z.array(z.object({
      date: z.string().describe("the day written in the target week"),
      from_date: z.string(),
      project: z.string(),
      description: z.string(),
      time: timeSchema,
      label_id: z.number().int().nullable(),
      status: writeStatusSchema,
      reason: z.string().optional(),
    })),
    ...writeCounts,
    omitted: z.number().int().describe(
      "entries left out of days (and of the text) to keep the answer under about 40,000 characters; the counts cover every entry",
    ),
    conflict_retried: z.boolean(),
    ...confirmationOutput,
  },
  annotations: WRITE_IDEMPOTENT,
  meta: WEEK_GRID_META, // the target week, as stored, in the week grid app
  async handler(args, ctx) {
    const from = weekArg(args.from_week, "from_week", ctx.config);
    const to = weekArg(args.to_week, "to_week", ctx.config);
    if (from.equals(to)) {
      throw new UserError(`Cannot copy the week of ${from} onto itself`, "Pick another to_week.");
    }
    const ts = await openTimesheet(ctx.session, ctx.signal, args.email);
    const [reads, labels] = await Promise.all([
      ts.weeks([from, to]),
      ts.labels().catch(() => [] as Label[]),
    ]);
    const source = readOrExplain(reads[0], "from");
    const target = readOrExplain(reads[1], "to");
    if (target.isCompleted) throw completedWeek(target.monday);
    const offset = from.until(to, { largestUnit: "days" }).days;
    const items = plan(source, target, offset);
    if (items.length === 0) {
      throw new UserError(`Nothing to copy: the week of ${from} has no entries`);
    }
    const toWrite = items.filter((i) => i.status === "planned");
    const writeDays = new Set(toWrite.map((i) => i.date)).size;
    let status: "done" | "planned" | "needs_confirmation" | "declined" = args.dry_run
      ? "planned"
      : "done";
    let confirmation: { confirmation_token?: string; expires_at?: string } = {};
    let retried = false;
    let askText = "";
    const count = (s: Status) => items.filter((i) => i.status === s).length;
    const planCounts = () =>
      `${plural(count("planned"), "entry", "entries")} to copy on ${plural(writeDays, "day")}, ${
        count("skipped")
      } skipped, ${count("failed")} would fail`;
    if (!args.dry_run && toWrite.length > 0) {
      const answer = await ctx.confirm.ask({
        tool: "copy_week",
        args,
        who: ts.email,
        message: [
          `Copy the week of ${from} into the week of ${to}? ${planCounts()}.`,
          ...cutLines(
            items.map((i) => line(i, labels, true)),
            MESSAGE_BUDGET_CHARS,
            "entry",
            "entries",
          ),
        ].join("\n"),
        // The resolved weeks and the plan as shown: "last week" confirmed after midnight on a
        // Sunday never copies another week.
        shown: {
          from: from.toString(),
          to: to.toString(),
          items: toWrite.map((i) => [i.date, i.project, i.description, i.minutes, i.label]),
        },
      }, ctx.signal);
      if (answer.status === "declined") status = "declined";
      if (answer.status === "needs_confirmation") {
        status = "needs_confirmation";
        confirmation = { confirmation_token: answer.token, expires_at: answer.expiresAt };
        askText = askLine("copy_week", answer);
      }
    }
    if (status === "done" && toWrite.length > 0) {
      retried = await save(ts, source, target, toWrite);
    }
    const data = {
      status,
      dry_run: args.dry_run,
      from_week: from.toString(),
      to_week: to.toString(),
      written: count("written"),
      planned: count("planned"),
      skipped: count("skipped"),
      failed: count("failed"),
      unknown: count("unknown"),
      conflict_retried: retried,
      ...confirmation,
    };
    const head = {
      done: `${
        data.unknown
          ? "Not confirmed"
          : data.failed
          ? (data.written ? "Partly done" : "Nothing written")
          : "Done"
      }: copied the week of ${from} into the week of ${to}: ${data.written} written, ${data.skipped} skipped, ${data.failed} failed${
        data.unknown
          ? `, ${data.unknown} unknown (check with get_week_logs before trying again)`
          : ""
      }.`,
      planned:
        `Plan (nothing written): copy the week of ${from} into the week of ${to}: ${planCounts()}.`,
      needs_confirmation:
        `Plan (nothing written yet): copy the week of ${from} into the week of ${to}: ${planCounts()}.`,
      declined: `The person declined: nothing was copied into the week of ${to}.`,
    }[status];
    const planning = status !== "done";
    const { text, data: answer } = boundAnswer(items, (shown, omitted) => ({
      text: [
        head,
        ...shown.map((i) => line(i, labels, planning)),
        ...(omitted
          ? [
            `- … and ${
              plural(omitted, "more entry", "more entries")
            } (counted above; get_week_logs lists the weeks)`,
          ]
          : []),
        ...(askText ? [askText] : []),
      ].join("\n"),
      data: { ...data, days: shown.map(itemOut), omitted },
    }));
    if (status === "done" && ctx.signal.aborted) {
      // The save already sent was finished: the server's log says so first (the connection may
      // be gone), and the SDK drops a cancelled request's result, so the outcome goes to the
      // client as a log message.
      ctx.log.info(
        `copy_week cancelled by the client after its save: ${data.written} written, ${data.failed} failed, ${data.unknown} unknown`,
      );
      await ctx.notify?.("warning", {
        message: `Cancelled by the client after saving. ${text}`,
        result: answer,
      })?.catch(() => {});
    }
    return { text, data: answer, isError: status === "done" && data.failed + data.unknown > 0 };
  },
});

/** Saves the planned items in one save; sets each item's outcome. Returns whether a 409 was merged. */
async function save(
  ts: Awaited<ReturnType<typeof openTimesheet>>,
  source: WeekLog,
  target: WeekLog,
  toWrite: Item[],
): Promise<boolean> {
  const has = (w: WeekLog, i: Item) => {
    const sp = source.projects.find((p) => (p.team || p.subteam) === i.project)!;
    const p = targetProject(w, sp);
    return findTask(p ?? { id: 0, team: "", subteam: "", tasks: [] }, i.description)?.days
      .some((d) => d.date === i.date && d.minutes === i.minutes) ?? false;
  };
  try {
    const { retried, result: already } = await ts.save(
      target,
      (copy) => apply(copy, source, toWrite),
      (stored) =>
        `${toWrite.filter((i) => has(stored, i)).length} of ${toWrite.length} entries stored`,
    );
    for (const i of toWrite) {
      if (already.has(i)) {
        Object.assign(i, {
          status: "skipped",
          reason: "already logged on this task when the week was re-read after another edit",
        });
      } else i.status = "written";
    }
    return retried;
  } catch (error) {
    if (error instanceof SaveUnconfirmed) {
      // The answer was lost: say per entry what the re-read shows, or that nobody knows.
      for (const i of toWrite) {
        if (!error.stored) Object.assign(i, { status: "unknown", reason: error.message });
        else if (has(error.stored, i)) {
          Object.assign(i, {
            status: "written",
            reason: "confirmed by re-reading after a lost answer",
          });
        } else {
          Object.assign(i, {
            status: "failed",
            reason: "the save was not confirmed and the entry is not stored",
          });
        }
      }
      return false;
    }
    if (error instanceof UserError) {
      for (const i of toWrite) Object.assign(i, { status: "failed", reason: error.message });
      return false;
    }
    if (error instanceof ErpError) {
      for (const i of toWrite) {
        Object.assign(i, { status: "failed", reason: error.erpMessage ?? error.message });
      }
      if (error.kind === "unauthorized") ts.session.tokenRejected();
      return false;
    }
    throw error;
  }
}

/** Every copy tool. */
export const copyTools = [copyWeek];
