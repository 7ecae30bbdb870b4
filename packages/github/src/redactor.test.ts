import { describe, expect, it } from 'vitest';
import { codeBlock, escapeMarkdown, escapeTableCell } from './markdown-escape.js';
import { createRedactor } from './redactor.js';

describe('createRedactor', () => {
  const secret = 'tok_<a&b>-c.d:e@f#1234567890abcdef';
  const pem = '-----BEGIN KEY-----\nAAAABBBBCCCCDDDD\nEEEEFFFFGGGG\n-----END KEY-----';
  const redact = createRedactor([secret, pem, undefined, 'abc']);

  it('removes raw and encoded forms', () => {
    for (const form of [secret, escapeMarkdown(secret), escapeTableCell(secret), codeBlock(secret)]) {
      const out = redact(`before ${form} after`);
      expect(out).toContain('***');
      expect(out.replace(/[\\\u200b]/g, '')).not.toContain('1234567890');
    }
  });

  it('removes each line of a multi-line secret', () => {
    const out = redact('x AAAABBBBCCCCDDDD y EEEEFFFFGGGG z');
    expect(out).toBe('x *** y *** z');
  });

  it('leaves short values and other text alone', () => {
    expect(redact('abc is fine')).toBe('abc is fine');
    expect(createRedactor([])('unchanged')).toBe('unchanged');
  });
  it('removes the control-free form of a secret holding a control character (payload text is stripped first)', () => {
    const redact = createRedactor(['tok\u0007en-0123456789']);
    expect(redact('got token-0123456789 back')).toBe('got *** back');
    expect(redact('got tok\u0007en-0123456789 back')).toBe('got *** back');
  });
});
