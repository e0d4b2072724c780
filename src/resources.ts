/**
 * Resources for clients that browse them: the labels, the active projects, and any week as
 * `project-logs://week/{week_starting}`, with completion of the week variable. A URI this server
 * does not serve is "Resource not found" (-32602 on the wire: the 2026-07-28 spec's code, which
 * SDK v2 uses in every era); a bad week value is invalid params (-32602); each message says what
 * to send instead.
 */
import {
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
  ResourceTemplate,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { readAppResource, registerAppResources } from "./apps/resource.ts";
import type { Session } from "./auth/session.ts";
import type { Config } from "./config.ts";
import { mondayOf, type PlainDate, sundayOf, today } from "./dates.ts";
import { UserError } from "./errors.ts";
import {
  fitPage,
  formatTime,
  pageLine,
  RESULT_BUDGET_CHARS,
  totalOf,
  weekEntries,
} from "./logs/present.ts";
import { openTimesheet } from "./logs/timesheet.ts";
import { weekArg } from "./tools/args.ts";

/** The URIs this server serves. */
export const RESOURCE_URIS = {
  labels: "project-logs://labels",
  projects: "project-logs://projects",
  week: "project-logs://week/{week_starting}",
} as const;

/**
 * 2026-07-28 cache hint of the labels and projects reads (SEP-2549): they change rarely (an
 * admin adds a label or a project), and they are the signed-in person's, never shared.
 */
export const RARELY_CHANGES = { ttlMs: 300_000, cacheScope: "private" } as const;

/** Week data changes with every write: never served from a cache. */
const NEVER = { ttlMs: 0, cacheScope: "private" } as const;

/** The code thrown for a URI this server does not serve (MCP 2025); SDK v2 sends it as -32602. */
export const RESOURCE_NOT_FOUND = -32002;

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

type ReadResult = ReturnType<typeof json>;
type ReadExtra = { signal: AbortSignal };

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

/** Registers the resources and the week template, and answers resources/read for them. */
export function registerResources(server: McpServer, deps: ResourceDeps): void {
  const labels = async (uri: URL, extra: ReadExtra) => {
    const ts = await openTimesheet(deps.session, extra.signal);
    return json(uri, (await ts.labels()).map((l) => ({ id: l.id, name: l.name })));
  };
  const projects = async (uri: URL, extra: ReadExtra) => {
    const ts = await openTimesheet(deps.session, extra.signal);
    const teams = (await ts.teams()).filter((t) => t.isActive);
    return json(
      uri,
      teams.map((t) => ({ team_id: t.id, project: t.team, short_name: t.subteam })),
    );
  };
  const week = (uri: URL, value: string, extra: ReadExtra) => readWeek(uri, value, deps, extra);

  server.registerResource(
    "labels",
    RESOURCE_URIS.labels,
    {
      title: "Log labels",
      description: "The labels an entry can carry (id and name), from the ERP",
      mimeType: "application/json",
    },
    (uri, ctx) => labels(uri, { signal: ctx.mcpReq.signal }),
  );
  server.registerResource(
    "active-projects",
    RESOURCE_URIS.projects,
    {
      title: "Active projects",
      description: "The projects (teams) the signed-in person can log on, with their team ids",
      mimeType: "application/json",
    },
    (uri, ctx) => projects(uri, { signal: ctx.mcpReq.signal }),
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
        "Every entry of one week with its total; week_starting is any date of the week (YYYY-MM-DD) or this-week / last-week / next-week. A very long week lists its first entries and says how to get the rest (get_week_logs with offset).",
      mimeType: "application/json",
    },
    (uri, variables, ctx) => {
      const raw = variables.week_starting;
      return week(uri, decodeURIComponent(Array.isArray(raw) ? raw[0] : raw), {
        signal: ctx.mcpReq.signal,
      });
    },
  );

  registerAppResources(server);

  // The SDK's own resources/read answers -32603 for a URI that is not one and for a bad week;
  // this one answers what the spec says, with a message that names what is served.
  server.server.removeRequestHandler("resources/read");
  server.server.setRequestHandler("resources/read", async (request, ctx: ServerContext) => {
    const extra = { signal: ctx.mcpReq.signal };
    const raw = request.params.uri;
    let uri: URL | undefined;
    try {
      uri = new URL(raw);
    } catch {
      uri = undefined;
    }
    // Only 2026-07-28 requests carry the envelope; a 2025 answer gets no cache fields.
    const modern = ctx.mcpReq.envelope !== undefined;
    const hint = (h: typeof RARELY_CHANGES | typeof NEVER) => (modern ? h : {});
    const served =
      `this server serves ${RESOURCE_URIS.labels}, ${RESOURCE_URIS.projects} and project-logs://week/<YYYY-MM-DD or this-week> (and the ui:// views of MCP Apps)`;
    const vars = uri && template.uriTemplate.match(uri.href);
    const app = await readAppResource(raw);
    if (app) return app;
    const read = !uri
      ? undefined
      : uri.href === RESOURCE_URIS.labels
      ? async () => ({ ...await labels(uri, extra), ...hint(RARELY_CHANGES) })
      : uri.href === RESOURCE_URIS.projects
      ? async () => ({ ...await projects(uri, extra), ...hint(RARELY_CHANGES) })
      : vars && typeof vars.week_starting === "string" && vars.week_starting
      ? async () => ({
        ...await week(uri, safeDecode(vars.week_starting as string), extra),
        ...hint(NEVER),
      })
      : undefined;
    if (!read) {
      throw new ProtocolError(
        RESOURCE_NOT_FOUND,
        `Resource not found: ${
          JSON.stringify(raw.slice(0, 200))
        } is not one of this server's resources (${served})`,
        { uri: raw.slice(0, 200) },
      );
    }
    try {
      return await read();
    } catch (error) {
      if (error instanceof UserError) {
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
          error.hint ? `${error.message}. ${error.hint}` : error.message,
        );
      }
      throw error;
    }
  });
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** One week as JSON, its entries cut to fit the read budget (the totals always whole). */
async function readWeek(
  uri: URL,
  value: string,
  deps: ResourceDeps,
  extra: ReadExtra,
): Promise<ReadResult> {
  const monday = weekArg(value, "week_starting", deps.config);
  const ts = await openTimesheet(deps.session, extra.signal);
  const [week, teams, labels] = await Promise.all([
    ts.week(monday),
    ts.teams().catch(() => []),
    ts.labels().catch(() => []),
  ]);
  const entries = week ? weekEntries(week, { teams, labels }) : [];
  const total = totalOf(entries);
  const body = (page: typeof entries, info: Parameters<typeof pageLine>[1]) => ({
    week_starting: monday.toString(),
    week_ending: sundayOf(monday).toString(),
    week_log_id: week?.id ?? null,
    is_completed: week?.isCompleted ?? null,
    total,
    total_text: formatTime(total),
    entries: page,
    page: info,
    ...(info.next_offset === null ? {} : {
      more: `${
        pageLine("entries", info).replace(/; call again.*$/, "")
      }: the rest through get_week_logs with week_starting "${monday}" and offset ${info.next_offset}.`,
    }),
  });
  const out = fitPage(
    entries,
    0,
    entries.length,
    (page, info) => ({ text: JSON.stringify(body(page, info), null, 2), data: null }),
    RESULT_BUDGET_CHARS - 100,
  );
  return {
    contents: [{ uri: uri.href, mimeType: "application/json", text: out.text }],
  };
}
