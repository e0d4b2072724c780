/**
 * The allowlist: an email is allowed only when listed, or when its `@domain` is. Fails closed.
 * A list from the allowlist file is read again on every check, so an edit applies to the next
 * tool call of every session without a restart; a flag or variable is fixed at start.
 */
import type { Config } from "../config.ts";

/** True when `email` is on the list (case-insensitive), or its domain is listed as `@domain`. */
export function isAllowed(email: string, list: readonly string[]): boolean {
  const e = email.trim().toLowerCase();
  const at = e.lastIndexOf("@");
  if (at <= 0) return false;
  const domain = e.slice(at);
  return list.some((entry) => entry === e || (entry.startsWith("@") && entry === domain));
}

/** The allowlist as it stands now, or why it cannot be read (then it allows nobody). */
export function currentAllowlist(
  config: Pick<Config, "authorizedEmails" | "reloadAllowlist">,
): { entries: readonly string[]; problem?: string } {
  if (!config.reloadAllowlist) return { entries: config.authorizedEmails };
  try {
    return { entries: config.reloadAllowlist() };
  } catch (error) {
    // A file half-written or unreadable allows nobody until it is fixed.
    const detail = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    return { entries: [], problem: detail.slice(0, 300) };
  }
}

/**
 * Undefined when `email` may use this server now; else the refusal, saying where to add it.
 * `tokenFrom` names where the session's token came from.
 */
export function checkAllowed(
  email: string,
  config: Pick<Config, "authorizedEmails" | "reloadAllowlist" | "allowlistSource">,
  tokenFrom?: string,
): string | undefined {
  const { entries, problem } = currentAllowlist(config);
  if (isAllowed(email, entries)) return undefined;
  const from = tokenFrom ? ` The token came from ${tokenFrom}.` : "";
  if (problem) {
    return `Sign-in refused for "${email}": the allowlist file cannot be read, so nobody may use this server: ${problem}.${from} ` +
      `Whoever runs this server must fix "${config.allowlistSource}"; it is read again on every call.`;
  }
  return refusal(email, entries, config.allowlistSource, !!config.reloadAllowlist, from);
}

/**
 * Why `email` is refused, and where to add it; `live` when the list is a file read on each call,
 * `from` a sentence naming where the token came from.
 */
export function refusal(
  email: string,
  list: readonly string[],
  source: string,
  live = false,
  from = "",
): string {
  if (list.length === 0) {
    return `Sign-in refused for "${email}": the allowlist is empty, so nobody may use this server.${from} ` +
      `Add the email (or "@domain") to MCP_AUTHORIZED_USERS or to "authorized_emails" in ${source}, then ${
        live ? "try again (the file is read on every call)" : "restart the server"
      }.`;
  }
  return `Sign-in refused for "${email}": not on the allowlist (${source}).${from} ` +
    `Ask whoever runs this server to add it.`;
}
