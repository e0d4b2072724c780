/**
 * Resources for clients that browse them: the labels, the active projects, and any week as
 * `project-logs://week/{week_starting}`, with completion of the week variable.
 */
// @ts-types="@modelcontextprotocol/sdk/server/mcp"
import { type McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Session } from "./auth/session.ts";
import type { Config } from "./config.ts";
import { mondayOf, type PlainDate, sundayOf, today } from "./dates.ts";
import { formatTime, totalOf, weekEntries } from "./logs/present.ts";
import { openTimesheet } from "./logs/timesheet.ts";
import { weekArg } from "./tools/args.ts";

/** The URIs this server serves. */
export const RESOURCE_URIS = {
  labels: "project-logs://labels",
  projects: "project-logs://projects",
  week: "project-logs://week/{week_starting}",
} as const;

/** What the resources need: the config (its zone) and this connection's session. */
export interface ResourceDeps {
  config: Config;
  session: Session;
}

function json(uri: URL, value: unknown) {
  return {
    contents: [{
      uri: uri.href,
      mimeType: "application/json",
      text: JSON.stringify(value, null, 2),
    }],
  };
}

/** Recent Mondays, newest first: next week back to `weeksBack` weeks ago. */
export function recentMondays(now: PlainDate, weeksBack = 8): PlainDate[] {
  const monday = mondayOf(now);
  return Array.from({ length: weeksBack + 2 }, (_, i) => monday.add({ weeks: 1 - i }));
}

/** Completions for a week value: ISO Mondays and the hyphenated week words, matching `value`. */
export function completeWeek(value: string, config: Config): string[] {
  const words = ["this-week", "last-week", "next-week"];
  const mondays = recentMondays(today(config)).map(String);
  const v = value.trim().toLowerCase();
  return [...words, ...mondays].filter((s) => s.startsWith(v)).slice(0, 100);
}

/** Registers the resources and the week template. */
export function registerResources(server: McpServer, deps: ResourceDeps): void {
  server.registerResource(
    "labels",
    RESOURCE_URIS.labels,
    {
      title: "Log labels",
      description: "The labels an entry can carry (id and name), from the ERP",
      mimeType: "application/json",
    },
    async (uri, extra) => {
      const ts = await openTimesheet(deps.session, extra.signal);
      return json(uri, (await ts.labels()).map((l) => ({ id: l.id, name: l.name })));
    },
  );

  server.registerResource(
    "active-projects",
    RESOURCE_URIS.projects,
    {
      title: "Active projects",
      description: "The projects (teams) the signed-in person can log on, with their team ids",
      mimeType: "application/json",
    },
    async (uri, extra) => {
      const ts = await openTimesheet(deps.session, extra.signal);
      const teams = (await ts.teams()).filter((t) => t.isActive);
      return json(
        uri,
        teams.map((t) => ({ team_id: t.id, project: t.team, short_name: t.subteam })),
      );
    },
  );

  const template = new ResourceTemplate(RESOURCE_URIS.week, {
    list: () => ({
      resources: recentMondays(today(deps.config), 4).slice(1).map((m) => ({
        uri: `project-logs://week/${m}`,
        name: `Week of ${m}`,
        mimeType: "application/json",
      })),
    }),
    complete: { week_starting: (value) => completeWeek(value, deps.config) },
  });
  server.registerResource(
    "week",
    template,
    {
      title: "A week's logs",
      description:
        "Every entry of one week with its total; week_starting is any date of the week (YYYY-MM-DD) or this-week / last-week",
      mimeType: "application/json",
    },
    async (uri, variables, extra) => {
      const raw = variables.week_starting;
      const value = decodeURIComponent(Array.isArray(raw) ? raw[0] : raw);
      const monday = weekArg(value, "week_starting", deps.config);
      const ts = await openTimesheet(deps.session, extra.signal);
      const [week, teams, labels] = await Promise.all([
        ts.week(monday),
        ts.teams().catch(() => []),
        ts.labels().catch(() => []),
      ]);
      const entries = week ? weekEntries(week, { teams, labels }) : [];
      const total = totalOf(entries);
      return json(uri, {
        week_starting: monday.toString(),
        week_ending: sundayOf(monday).toString(),
        week_log_id: week?.id ?? null,
        is_completed: week?.isCompleted ?? null,
        total,
        total_text: formatTime(total),
        entries,
      });
    },
  );
}
