/**
 * Cleaning text, with no Unicode data to load: what the server stores (cleanText) and what a
 * view shows of ERP text (withoutInvisible). src/text.ts adds the matching key; this module is
 * also bundled into the MCP Apps view.
 */

/** Zero-width, bidirectional-control and other invisible format characters. */
const INVISIBLE = /[\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/g;
/** ANSI escape sequences (CSI and OSC), removed whole so no parameter bytes are left behind. */
const ANSI =
  // deno-lint-ignore no-control-regex
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u009b[0-?]*[ -/]*[@-~]/g;
/** Other C0 and C1 control characters (tab and newline included: descriptions are one line). */
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Text as it is stored: NFKC (full-width and other compatibility forms become their plain
 * letters: "Ｒ" → "R"), ANSI sequences and invisible characters (zero-width spaces and joiners,
 * bidi overrides and marks, BOM, soft hyphen) removed, other control characters turned to spaces,
 * runs of whitespace collapsed to one space, ends trimmed. So a look-alike with a hidden joiner is
 * the same text, and no terminal or bidi trick reaches the ERP.
 */
export function cleanText(text: string): string {
  return text.normalize("NFKC").replace(ANSI, "").replace(INVISIBLE, "").replace(CONTROL, " ")
    .replace(/\s+/g, " ").trim();
}

/**
 * `text` without invisible format characters (zero-width, bidi embeddings, overrides, isolates
 * and marks, BOM, soft hyphen), otherwise as it is: ERP text shown next to other words cannot
 * reverse or hide them.
 */
export function withoutInvisible(text: string): string {
  return text.replace(INVISIBLE, "");
}
