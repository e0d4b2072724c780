/**
 * Text as people type it and as it is compared: one cleaning for what is stored (NFKC, no
 * invisible or control characters, one line) and one key for matching names and descriptions, so
 * "Review", "Rеview" (Cyrillic е) and "Ｒeview" (full-width Ｒ) are the same entry, not three.
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
 * The key two texts are matched by: cleaned, lower case, and every non-ASCII character folded to
 * the letter it looks like (Unicode's confusables data, UTS #39, through `unhomoglyph`). ASCII is
 * left as it is, so "modem" and "modern" stay apart while "Rеview" (Cyrillic е) meets "Review".
 */
export function textKey(text: string): string {
  const clean = cleanText(text).toLowerCase();
  // deno-lint-ignore no-control-regex
  if (/^[\u0000-\u007f]*$/.test(clean)) return clean;
  const fold = confusables.fold;
  if (!fold) throw new Error("textKey before loadTextKeys(): the confusables data is not loaded");
  return [...clean].map((c) => c.charCodeAt(0) < 0x80 ? c : fold(c).toLowerCase()).join("");
}

/**
 * The confusables data (about 20 ms to load) is loaded on the first tool call, not at start, so
 * it does not slow the server's first answer; a module-wide memo, as an import would be.
 */
const confusables: { fold?: (text: string) => string; loading?: Promise<void> } = {};

/** Loads what textKey needs for non-ASCII text; call (and await) before matching names. */
export function loadTextKeys(): Promise<void> {
  return confusables.loading ??= import("unhomoglyph").then((m) => {
    confusables.fold = m.default;
  });
}

/** True when two texts look the same to a person: same textKey. */
export function sameText(a: string, b: string): boolean {
  return textKey(a) === textKey(b);
}
