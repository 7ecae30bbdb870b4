/**
 * Encoders that make untrusted text render literally in GitHub-flavoured Markdown — and copy back exactly.
 *
 * Two kinds of interpretation have to be stopped. Markdown's own (emphasis, links, images, HTML, code, tables,
 * block starts, autolink literals) is stopped with backslash escapes and entities, only on the characters that can
 * have a meaning where they stand: a rendered page shows neither, so a namespace name, a test id, a SHA or a
 * timestamp copied from it is the exact text. GitHub's own, found in the *rendered* text after escapes are gone —
 * mentions (@user, @org/team), issue references (#1, GH-1, owner/repo#1), commit SHAs, emoji shortcodes and
 * e-mail or URL autolinks — cannot be escaped at all; those tokens, and only those, become code spans, which GitHub
 * never scans and which copy as their text. Nothing invisible (no zero-width space) is ever inserted into escaped
 * text.
 */
import { sanitizeText } from './untrusted-text.js';

/** Used only to break `<!--`/`-->` inside a code block, where no escape works and a fake marker must not appear. */
const ZWSP = '\u200b';

// A backtick as an entity, not `\``: an escaped backtick right before one of our code spans would touch its fence.
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '`': '&#96;' };
/** Inline syntax characters that mean something wherever they stand (emphasis, links, tables, math, escapes). */
const ALWAYS = new Set(['\\', '*', '_', '[', ']', '|', '~', '$']);
/** Characters that start a block as the first character of a line (after up to three spaces). */
const BLOCK_START = new Set(['#', '-', '+', '=']);

/**
 * Tokens GitHub links or replaces after rendering. Alternatives, in order: URL and www autolinks, e-mail autolinks,
 * owner/repo#N, mentions, #N, GH-N, SHA-like hex runs (7-40, with a digit and a letter: GitHub links only existing
 * commits, and real ones have both), emoji shortcodes (GitHub's names are lower case, so matched case-sensitively;
 * a name needs a letter, or is one of the numeric ones, so the ":00:" of a timestamp is not one).
 */
const GITHUB_TOKEN = new RegExp(
  [
    String.raw`(?:https?:\/\/|www\.|(?:mailto|xmpp):)[^\s<>|\x60\\]+`,
    String.raw`[\w.+-]+@[\w-]+(?:\.[\w-]+)+`,
    String.raw`(?<![\w.\/-])[\w.-]+\/[\w.-]+#\d+`,
    String.raw`(?<![\w\x60])@[A-Za-z0-9][A-Za-z0-9-]*(?:\/[A-Za-z0-9][\w.-]*)?`,
    String.raw`(?<!\w)#\d+`,
    String.raw`\bGH-\d+`,
    String.raw`(?<![A-Za-z0-9_])(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}(?![A-Za-z0-9_])`,
    String.raw`(?-i::(?:[a-z0-9_+-]*[a-z][a-z0-9_+-]*|100|1234|\+1|-1):)`,
  ].join('|'),
  'gi',
);

const isWordChar = (ch: string | undefined): boolean => ch !== undefined && /[\p{L}\p{N}]/u.test(ch);

/**
 * Escapes one plain stretch of a line: `atStart` when it begins the line (where block syntax can start), `atEnd`
 * when it ends it (where #s close a heading).
 */
function escapePlain(text: string, atStart: boolean, atEnd: boolean): string {
  const chars = [...text];
  const first = atStart ? chars.findIndex((ch) => ch !== ' ') : -1;
  // The trailing run of #s (and spaces) that an ATX heading would drop as its closing sequence.
  let closing = chars.length;
  if (atEnd) {
    let i = chars.length;
    while (i > 0 && chars[i - 1] === ' ') i--;
    let j = i;
    while (j > 0 && chars[j - 1] === '#') j--;
    if (j < i && (j === 0 || chars[j - 1] === ' ')) closing = j;
  }
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    const entity = ENTITIES[ch];
    if (entity !== undefined) out += entity;
    // An underscore between letters or digits never opens or closes emphasis (snake_case stays as written).
    else if (ch === '_' && isWordChar(chars[i - 1]) && isWordChar(chars[i + 1])) out += ch;
    else if (ALWAYS.has(ch) || (i === first && BLOCK_START.has(ch)) || (ch === '#' && i >= closing)) out += `\\${ch}`;
    else out += ch;
  }
  // "1. x" or "1) x" at the start of a line is an ordered list.
  return atStart ? out.replace(/^( {0,3}\d{1,9})([.)])/, '$1\\$2') : out;
}

/**
 * Untrusted text as one line of literal Markdown inline content (a paragraph, list item, heading text or table
 * cell). Whitespace runs, including newlines, collapse to one space, as HTML would render them anyway; this also
 * keeps block syntax (headings, lists, indented code, table rows) from starting inside the text.
 */
export function escapeMarkdown(text: string): string {
  const flat = sanitizeText(text).replace(/\s+/g, ' ');
  let out = '';
  let last = 0;
  let code = '';
  for (const match of flat.matchAll(GITHUB_TOKEN)) {
    const plain = flat.slice(last, match.index);
    // Tokens that touch (":parse::tests:") share one code span: two would make a double-backtick fence.
    if (plain !== '' && code !== '') {
      out += `\`${code}\``;
      code = '';
    }
    out += escapePlain(plain, last === 0, false);
    // Backticks, spaces, pipes and backslashes never occur in a token: one backtick fences it, in a table too.
    code += match[0];
    last = match.index + match[0].length;
  }
  if (code !== '') out += `\`${code}\``;
  return out + escapePlain(flat.slice(last), last === 0, true);
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
 * when it starts or ends with a backtick (content is trimmed, so it never starts with a space).
 */
export function inlineCode(text: string, options: InlineCodeOptions = {}): string {
  const content = sanitizeText(text).replace(/\s+/g, ' ').trim();
  // No escape works inside a code span: text that would fake a comment marker, or (in a table, where even code
  // needs `\|`) a backslash of its own before a pipe, which parsers pair up differently, is written as escaped
  // text instead. It loses the code font, never a character.
  if (/<!--|-->/.test(content) || (options.inTable && /\\\|/.test(content))) return escapeMarkdown(content);
  if (content === '') return '` `';
  const inner = options.inTable ? content.replaceAll('|', '\\|') : content;
  const fence = '`'.repeat(longestRun(inner, '`') + 1);
  const pad = inner.startsWith('`') || inner.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${inner}${pad}${fence}`;
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
