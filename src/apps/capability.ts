/** Whether the client renders MCP Apps: the `io.modelcontextprotocol/ui` extension it declared. */
import { getUiCapability, RESOURCE_MIME_TYPE } from "@modelcontextprotocol/ext-apps/server";
import { CLIENT_CAPABILITIES_META_KEY, type ServerContext } from "@modelcontextprotocol/server";

/**
 * True when the client declared the MCP Apps extension with the HTML profile (ext-apps
 * specification 2026-01-26 §Capability negotiation): from the 2025 `initialize` capabilities, or
 * a 2026-07-28 request's own envelope. Hosts without it never see the app-only tools.
 */
export function rendersApps(initialized: unknown, extra: ServerContext): boolean {
  const envelope = extra.mcpReq.envelope as Record<string, unknown> | undefined;
  const caps = (envelope?.[CLIENT_CAPABILITIES_META_KEY] ?? initialized) as
    | Parameters<typeof getUiCapability>[0]
    | undefined;
  const ui = getUiCapability(caps ?? undefined);
  if (!ui) return false;
  const types = (ui as { mimeTypes?: unknown }).mimeTypes;
  return !Array.isArray(types) || types.includes(RESOURCE_MIME_TYPE);
}
