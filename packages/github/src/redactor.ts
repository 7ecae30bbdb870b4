/**
 * Defence in depth against secrets in API payloads (comments, check output, annotations, job summary): masking
 * protects logs only, so a value that must never leave the runner is removed from every payload string, in its raw
 * form and in the forms our encoders turn it into (backslash escapes, HTML entities, the backticks of code spans around tokens GitHub would
 * link, and the zero-width spaces that break comment delimiters in code).
 */
import { stripControls } from '@gauntlet/action-kit';

/** Lines shorter than this are not redacted alone: replacing "a" or "}" would shred the report. */
const MIN_PIECE_LENGTH = 6;

export type Redactor = (text: string) => string;

const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '`': '&#96;' };

function piecePattern(piece: string): string {
  let pattern = '';
  for (const ch of piece) {
    const literal = ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    if (/\s/.test(ch)) pattern += '\\s+';
    else if (ENTITY[ch]) pattern += `(?:${literal}|${ENTITY[ch]})`;
    else if (/[!-/:-@[-`{-~]/.test(ch)) pattern += `\\\\?${literal}`;
    else pattern += literal;
    pattern += '[\\u200b`]*';
  }
  return pattern;
}

export function secretPieces(secret: string): string[] {
  const pieces = new Set<string>();
  const whole = secret.trim();
  if (whole.length >= MIN_PIECE_LENGTH) pieces.add(whole);
  for (const line of whole.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed.length >= MIN_PIECE_LENGTH) pieces.add(trimmed);
  }
  return [...pieces].sort((a, b) => b.length - a.length);
}

export function createRedactor(secrets: readonly (string | undefined)[]): Redactor {
  // Each secret's control-free form too: payload text has its controls stripped before it is redacted.
  const pieces = [
    ...new Set(secrets.flatMap((s) => (s ? [...secretPieces(s), ...secretPieces(stripControls(s))] : []))),
  ].sort((a, b) => b.length - a.length);
  if (pieces.length === 0) return (text) => text;
  const pattern = new RegExp(pieces.map(piecePattern).join('|'), 'g');
  return (text) => text.replace(pattern, '***');
}
