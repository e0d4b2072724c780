/**
 * Text as people type it and as it is compared: one cleaning for what is stored (NFKC, no
 * invisible or control characters, one line) and one key for matching names and descriptions, so
 * "Review", "Rеview" (Cyrillic е) and "Ｒeview" (full-width Ｒ) are the same entry, not three.
 */

import { cleanText } from "./clean_text.ts";

export { cleanText };

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
