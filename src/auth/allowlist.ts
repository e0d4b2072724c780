/** The allowlist: an email is allowed only when listed, or when its `@domain` is. Fails closed. */

/** True when `email` is on the list (case-insensitive), or its domain is listed as `@domain`. */
export function isAllowed(email: string, list: readonly string[]): boolean {
  const e = email.trim().toLowerCase();
  const at = e.lastIndexOf("@");
  if (at <= 0) return false;
  const domain = e.slice(at);
  return list.some((entry) => entry === e || (entry.startsWith("@") && entry === domain));
}

/** Why `email` is refused, and where to add it. */
export function refusal(email: string, list: readonly string[], source: string): string {
  if (list.length === 0) {
    return `Sign-in refused for "${email}": the allowlist is empty, so nobody may use this server. ` +
      `Add the email (or "@domain") to MCP_AUTHORIZED_USERS or to "authorized_emails" in ${source}, then restart the server.`;
  }
  return `Sign-in refused for "${email}": not on the allowlist (${source}). ` +
    `Ask whoever runs this server to add it.`;
}
