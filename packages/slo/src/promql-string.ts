/**
 * Encoders for values that enter PromQL inside a double-quoted string. PromQL strings follow Go's escaping rules,
 * so a value containing `"` or `\` or a newline could otherwise end the string and inject selectors or operators.
 */

/** Escapes text for the inside of a PromQL double-quoted string (the quotes are not added). */
export function escapePromqlString(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    // Other C0 controls, DEL and C1 as \xHH: the PromQL lexer accepts Go's \x escapes, and raw controls would make
    // logs and reports unreadable.
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

/**
 * Escapes RE2 metacharacters so a value used with `=~`/`!~` matches itself literally (Go's regexp.QuoteMeta).
 * The result still needs escapePromqlString.
 */
export function quoteRegexMeta(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, (ch) => `\\${ch}`);
}
