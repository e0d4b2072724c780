/**
 * The MCP Apps keys of this server's tools (ext-apps specification 2026-01-26): which `ui://`
 * resource shows a tool's answer, and which tools only an app may call. A leaf module, so the
 * tool files can import it without a cycle.
 */
import { RESOURCE_URI_META_KEY } from "@modelcontextprotocol/ext-apps/server";

/** The week grid view's resource (text/html;profile=mcp-app). */
export const WEEK_GRID_URI = "ui://project-logs/week-grid.html";

/**
 * `_meta` of a model tool whose answer the grid can show: `ui.resourceUri`, plus the flat key that
 * hosts of the first MCP Apps drafts read (ext-apps `RESOURCE_URI_META_KEY`).
 */
export const WEEK_GRID_META = Object.freeze({
  ui: { resourceUri: WEEK_GRID_URI },
  [RESOURCE_URI_META_KEY]: WEEK_GRID_URI,
});

/** `_meta` of a tool only the grid calls: hosts keep it from the model (`visibility: ["app"]`). */
export const APP_ONLY_META = Object.freeze({
  ui: { resourceUri: WEEK_GRID_URI, visibility: ["app"] },
});

/** True for a tool only an app may call (`_meta.ui.visibility` is exactly `["app"]`). */
export function isAppOnly(def: { meta?: Record<string, unknown> }): boolean {
  const visibility = (def.meta?.ui as { visibility?: unknown } | undefined)?.visibility;
  return Array.isArray(visibility) && visibility.length === 1 && visibility[0] === "app";
}
