import { describe, expect, it } from 'vitest';
import { analyzeMarkdown } from './testing/markdown-structure.js';
import { codeBlock, escapeMarkdown, escapeTableCell, inlineCode } from './markdown-escape.js';
import { expectedLiteral, INJECTION_CORPUS } from './injection-corpus.js';
import { sanitizeText, truncateText } from './untrusted-text.js';

function expectInert(markdown: string) {
  const s = analyzeMarkdown(markdown);
  expect(s.links).toEqual([]);
  expect(s.images).toEqual([]);
  expect(s.html).toEqual([]);
  expect(s.mentions).toEqual([]);
  expect(s.issueRefs).toEqual([]);
  expect(s.shas).toEqual([]);
  expect(s.emoji).toEqual([]);
  expect(s.markers).toBe(0);
  expect(s.headings).toBe(0);
  expect(s.codeBlocks).toEqual([]);
  expect(s.listItems).toBe(0);
  return s;
}

describe('escapeMarkdown', () => {
  it.each(INJECTION_CORPUS.map((t) => [t]))('renders %j literally as a paragraph', (text) => {
    const s = expectInert(`Name: ${escapeMarkdown(text)}`);
    expect(s.texts.join('').replace(/\s+/g, ' ').trim()).toBe(`Name: ${expectedLiteral(text)}`.trim());
    expect(s.tables).toEqual([]);
  });

  it('never emits a marker, a NUL or a bidi override', () => {
    for (const text of INJECTION_CORPUS) {
      const out = escapeMarkdown(text);
      // eslint-disable-next-line no-control-regex -- asserting controls are gone
      expect(out).not.toMatch(/<!--|\u0000|[\u202a-\u202e\u2066-\u2069]/);
      expect(out).not.toContain('\n');
    }
  });
});

describe('escapeTableCell', () => {
  it('keeps one row per test, each cell literal', () => {
    const rows = INJECTION_CORPUS.map((t, i) => `| ${i} | ${escapeTableCell(t)} |`);
    const s = expectInert(['| # | name |', '| --- | --- |', ...rows].join('\n'));
    expect(s.tables).toHaveLength(1);
    expect(s.tables[0]).toHaveLength(INJECTION_CORPUS.length);
    s.tables[0]!.forEach((cells, i) => {
      expect(cells).toHaveLength(2);
      expect(cells[1]!.trim()).toBe(expectedLiteral(INJECTION_CORPUS[i]!));
    });
  });
});

describe('inlineCode', () => {
  it.each(INJECTION_CORPUS.filter((t) => t.trim() !== '').map((t) => [t]))('keeps %j in one code span', (text) => {
    const markdown = `x ${inlineCode(text)} y`;
    const s = analyzeMarkdown(markdown);
    expect(s.links).toEqual([]);
    expect(s.html).toEqual([]);
    expect(markdown).not.toContain('<!--');
    expect(s.codeBlocks).toEqual([]);
  });

  it('survives pipes and backticks inside a table cell', () => {
    const texts = ['a|b', '``x``', '`', 'a\\|b', 'x | y `|` z'];
    const rows = texts.map((t) => `| ${inlineCode(t, { inTable: true })} |`);
    const s = analyzeMarkdown(['| code |', '| --- |', ...rows].join('\n'));
    expect(s.tables[0]).toHaveLength(texts.length);
    s.tables[0]!.forEach((cells, i) => {
      expect(cells).toHaveLength(1);
      expect(cells[0]!.replace(/\u200b/g, '')).toBe(texts[i]);
    });
  });
});

describe('codeBlock', () => {
  it.each(INJECTION_CORPUS.map((t) => [t]))('keeps %j inside one fenced block', (text) => {
    const markdown = `before\n\n${codeBlock(`${text}\n\`\`\`\`\`\`\nmore`)}\n\nafter`;
    const s = analyzeMarkdown(markdown);
    expect(s.codeBlocks).toHaveLength(1);
    expect(s.html).toEqual([]);
    expect(s.texts.join(' ')).toBe('before after');
    expect(markdown).not.toMatch(/<!--\s*\/?gauntlet:/);
  });

  it('drops a hostile language tag', () => {
    expect(codeBlock('x', 'js```\n# h')).toBe('```jsh\nx\n```');
  });
});

describe('sanitizeText and truncateText', () => {
  it('replaces controls and bidi overrides visibly and strips ANSI colour', () => {
    expect(sanitizeText('a\u0000b\u202ec\u001b[31md\r\ne')).toBe('a\ufffdb\ufffdcd\ne');
  });

  it('never splits a surrogate pair', () => {
    const text = 'ab😀cd';
    expect(truncateText(text, 4)).toBe('ab…');
    expect(truncateText(text, 5)).toBe('ab😀…');
    expect(truncateText(text, 100)).toBe(text);
  });
});
