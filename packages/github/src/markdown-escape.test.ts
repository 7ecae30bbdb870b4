import { Marked } from 'marked';
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
    // The paragraph as a reader copies it (text and code spans, nothing stripped) is the literal text.
    // (Whitespace as the browser shows it: runs collapse.)
    expect(s.paragraphs.map((p) => p.replace(/\s+/g, ' '))).toEqual([`Name: ${expectedLiteral(text)}`.trim()]);
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

/** What a reader copies from a rendered cell: the HTML's text content. */
function textContent(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function renderedCells(markdown: string): string[] {
  const html = new Marked({ gfm: true }).parse(markdown, { async: false });
  return [...html.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => textContent(m[1] ?? ''));
}

/** Names, ids and times users copy out of a report, each of which used to come back with zero-width spaces in it. */
const COPIED = [
  'pr-1a2b3c-12',
  'preview-pr-9f8e7d-4821',
  'ref-0a1b2c-3d4e5f6a7b',
  'a5c3785ed8d6a35868bc169f07e40e889087fd2e',
  'a5c3785',
  '2024-05-01T10:00:00Z',
  '2024-05-01T10:00:00.123+02:00',
  'Wed, 01 May 2024 10:00:00 GMT',
  'tests/test_api.py::TestOrders::test_create[user@example.com-1]',
  'tests/test_api.py::test_list[#1]',
  'spec/models/user_spec.rb[1:2:3]',
  'com.acme.orders.OrderServiceTest#testCreate',
  'TestParse/case_#01/sub_test',
  'Orders › creates an order for @alice (issue #12)',
  'crate::parse::tests::works',
  'ghcr.io/acme/shop:1.2.3@sha256:9a3f0c1b2d4e5f60718293a4b5c6d7e8f9012345',
  'feature/x_y-z',
  'snake_case_name and __dunder__',
  '1. not a list',
  '- not a list either',
  '# not a heading #',
  'a | b',
  'C:\\work\\file.ts',
  'price $5 and 10% off *today*',
];

describe('copying a rendered cell back', () => {
  it.each(COPIED.map((t) => [t]))('gives exactly %j, with no zero-width space in the Markdown', (text) => {
    const markdown = escapeTableCell(text);
    expect(markdown).not.toContain('\u200b');
    const table = ['| value |', '| --- |', `| ${markdown} |`].join('\n');
    expect(renderedCells(table)).toEqual([text]);
    // The same through the GFM parser the injection tests use, and GitHub's post-render references stay inert.
    const s = expectInert(table);
    expect(s.tables[0]).toEqual([[text]]);
  });

  it('leaves names, timestamps and snake_case untouched in the Markdown itself', () => {
    for (const text of ['pr-1a2b3c-12', '2024-05-01T10:00:00Z', 'crate::parse', 'run 1234567890', 'a_b_c'])
      expect(escapeMarkdown(text)).toBe(text);
  });

  it('renders the injection corpus without links, images or HTML in marked either', () => {
    const rows = INJECTION_CORPUS.map((t) => `| ${escapeTableCell(t)} |`);
    const html = new Marked({ gfm: true }).parse(['| x |', '| --- |', ...rows].join('\n'), { async: false });
    expect(html).not.toMatch(/<(?!\/?(?:table|thead|tbody|tr|th|td|code)\b)[a-z]/i);
    expect(renderedCells(['| x |', '| --- |', ...rows].join('\n'))).toEqual(INJECTION_CORPUS.map(expectedLiteral));
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
      expect(cells[0]).toBe(texts[i]);
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
