/**
 * The first step for any untrusted string (test names, branch names, error messages, pod logs) on its way to
 * GitHub: make it well-formed, visible text. Context-specific encoders (Markdown, code, Mermaid, annotations)
 * build on this.
 */

// CSI / OSC / other ESC sequences, so coloured pod logs do not leave "[31m" debris behind.
// eslint-disable-next-line no-control-regex -- matching escapes and controls is the point
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b[\]PX^_][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;
// C0 controls except tab and newline, DEL, and C1. NUL is the classic; the others can corrupt terminals and parsers.
// eslint-disable-next-line no-control-regex -- matching escapes and controls is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// Bidirectional overrides, embeddings, isolates and marks ("Trojan Source", CVE-2021-42574): they make text
// display in an order other than the one it is stored in. U+FEFF is an invisible no-break space that confuses diffs.
const BIDI_AND_INVISIBLE = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** What a removed character becomes: visible, so a reader knows something was there. */
export const REPLACEMENT = '\ufffd';

/**
 * Well-formed text with no controls: lone surrogates, ANSI escapes, C0/C1 controls and bidi controls become
 * U+FFFD (or vanish, for ANSI), CR/CRLF and Unicode line separators become "\n". Tabs and newlines survive;
 * context encoders decide what to do with them.
 */
export function sanitizeText(text: string): string {
  return text
    .toWellFormed()
    .replace(ANSI, '')
    .replace(/\r\n?|[\u2028\u2029]/g, '\n')
    .replace(CONTROL, REPLACEMENT)
    .replace(BIDI_AND_INVISIBLE, REPLACEMENT);
}

/**
 * Cuts text to at most `max` UTF-16 units without splitting a surrogate pair, ending with "…" when cut. Cut the raw
 * text, then encode: an encoder's output is never cut, so no escape is ever left half-written.
 */
export function truncateText(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
  if (max <= ellipsis.length) return ellipsis.slice(0, Math.max(0, max));
  let end = max - ellipsis.length;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1; // do not keep half of a pair
  return text.slice(0, end) + ellipsis;
}

/** Plain text for fields GitHub shows verbatim (annotation message/title): sanitised and bounded. */
export function plainText(text: string, max: number): string {
  return truncateText(sanitizeText(text), max);
}
