/**
 * Encoders that make untrusted text render literally in GitHub-flavoured Markdown.
 *
 * Backslash escapes alone are not enough on GitHub: mentions (@user, @org/team), issue references (#1, GH-1),
 * commit SHAs, emoji shortcodes (:warning:) and e-mail autolinks are found in the *rendered* text, after escapes
 * have been removed. Those are broken with a zero-width space (U+200B) right after the trigger character, which
 * renders as nothing. HTML is neutralised with entities, so `<!-- gauntlet:… -->` inside untrusted text can never
 * fake one of our markers, and every other ASCII punctuation character is backslash-escaped so it cannot start a
 * link, image, emphasis, table cell, heading, list, fence, strikethrough or math span.
 */
import { sanitizeText } from './untrusted-text.js';

const ZWSP = '\u200b';

/** Characters that trigger GitHub's post-render autolinking; a ZWSP after them breaks the reference. */
const BREAK_AFTER = new Set(['@', '#', ':']);
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;

function escapeChar(ch: string): string {
  const entity = ENTITIES[ch];
  if (entity !== undefined) return entity;
  if (ASCII_PUNCTUATION.test(ch)) return BREAK_AFTER.has(ch) ? `\\${ch}${ZWSP}` : `\\${ch}`;
  return ch;
}

/** Inserts a ZWSP every 6 characters of a hex run of 7+ so no part of it can be taken for a commit SHA. */
function breakHexRuns(text: string): string {
  return text.replace(/[0-9a-f]{7,}/gi, (run) => run.replace(/(.{6})(?=.)/g, `$1${ZWSP}`));
}

/**
 * Untrusted text as one line of literal Markdown inline content (a paragraph, list item, heading text or table
 * cell). Whitespace runs, including newlines, collapse to one space, as HTML would render them anyway; this also
 * keeps block syntax (headings, lists, indented code, table rows) from starting inside the text.
 */
export function escapeMarkdown(text: string): string {
  const flat = sanitizeText(text).replace(/\s+/g, ' ');
  let out = '';
  for (const ch of breakHexRuns(flat)) out += escapeChar(ch);
  // Autolinks that need no scheme: www.example.com and GH-123 references.
  return out.replace(/(www)(\\\.)/gi, `$1${ZWSP}$2`).replace(/(GH\\-)(?=\d)/gi, `$1${ZWSP}`);
}

/** Untrusted text as the content of one GFM table cell: literal, one line, pipes escaped. */
export function escapeTableCell(text: string): string {
  return escapeMarkdown(text);
}

/** Breaks HTML comment delimiters, so code content cannot contain (or fake) one of our markers. */
function breakCommentDelimiters(text: string): string {
  return text.replaceAll('<!--', `<${ZWSP}!--`).replaceAll('-->', `--${ZWSP}>`);
}

function longestRun(text: string, ch: string): number {
  let longest = 0;
  let current = 0;
  for (const c of text) {
    current = c === ch ? current + 1 : 0;
    if (current > longest) longest = current;
  }
  return longest;
}

export interface InlineCodeOptions {
  /** The span sits inside a GFM table cell: pipes must be escaped even inside code. */
  inTable?: boolean;
}

/**
 * Untrusted text as an inline code span. Code spans are not scanned for mentions, references or HTML, so only
 * the delimiters need care: the backtick fence is longer than any backtick run inside, and the content is padded
 * when it starts or ends with a backtick.
 */
export function inlineCode(text: string, options: InlineCodeOptions = {}): string {
  let content = breakCommentDelimiters(sanitizeText(text).replace(/\s+/g, ' ').trim());
  // In a table even code spans need `\|`; a backslash of the text's own just before a pipe would pair up with
  // ours differently in different parsers, so a ZWSP keeps them apart.
  if (options.inTable)
    content = content.replace(/(\\*)\|/g, (_, slashes: string) => `${slashes}${slashes ? ZWSP : ''}\\|`);
  if (content.trim() === '') return '` `';
  const fence = '`'.repeat(longestRun(content, '`') + 1);
  const pad = content.startsWith('`') || content.endsWith('`') || content.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${content}${pad}${fence}`;
}

/**
 * Untrusted text (logs, stack traces) as a fenced code block whose fence is longer than any backtick run inside,
 * so nothing inside can close it. The language tag is reduced to safe characters.
 */
export function codeBlock(text: string, language = ''): string {
  const content = breakCommentDelimiters(sanitizeText(text).replace(/\t/g, '    ')).replace(/\n+$/, '');
  const fence = '`'.repeat(Math.max(3, longestRun(content, '`') + 1));
  const lang = language.replace(/[^A-Za-z0-9_+-]/g, '');
  return `${fence}${lang}\n${content}\n${fence}`;
}
