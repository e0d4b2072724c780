/**
 * The parts of name matching that need no Unicode data, shared by the server (resolve.ts) and the
 * MCP Apps view (src/apps/week_grid/view.ts, bundled for the browser): one rule for spacing and
 * one for "a part of a name".
 */

/** Runs of spaces made one, and none around a separator: "Client X/Backend" = "Client X / Backend". */
export function spacingKey(text: string): string {
  return text.replace(/\s+/g, " ").replace(/ ?([/|·:,–—-]) ?/g, "$1").trim();
}

/** `query` inside `name` from the start of a word: "back" is in "client x/backend", "ack" is not. */
export function partOf(name: string, query: string): boolean {
  for (let at = name.indexOf(query); at >= 0; at = name.indexOf(query, at + 1)) {
    if (at === 0 || !/[\p{L}\p{N}]/u.test(name[at - 1])) return true;
  }
  return false;
}
