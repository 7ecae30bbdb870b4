import { describe, expect, it } from 'vitest';
import { analyzeMarkdown } from './testing/markdown-structure.js';
import { COMMENT_BODY_LIMIT, JOB_SUMMARY_LIMIT, type Limit, utf16Length, utf8Length } from './limits.js';
import { MarkdownDoc } from './markdown-doc.js';
import { splitUnits, truncateMarkdown } from './markdown-truncate.js';

const limit = (max: number, measure = utf16Length): Limit => ({ max, measure });

describe('truncateMarkdown', () => {
  it('returns text that fits unchanged', () => {
    expect(truncateMarkdown('# a\n\nb', limit(100))).toBe('# a\n\nb');
  });

  it('cuts whole table rows and counts the rest', () => {
    const rows = Array.from({ length: 100 }, (_, i) => `| t${i} | failed |`);
    const md = ['| test | result |', '| --- | --- |', ...rows].join('\n');
    const out = truncateMarkdown(md, limit(400));
    expect(out.length).toBeLessThanOrEqual(400);
    const s = analyzeMarkdown(out);
    const shown = s.tables[0]!.length;
    expect(out).toContain(`… and ${100 - shown} more`);
    expect(s.tables).toHaveLength(1); // the note is not swallowed as a row
  });

  it('never cuts inside a fenced code block', () => {
    const md = ['intro', '```', ...Array.from({ length: 50 }, (_, i) => `line ${i}`), '```', 'after'].join('\n');
    const out = truncateMarkdown(md, limit(200));
    expect(analyzeMarkdown(out).codeBlocks).toEqual([]);
    expect(out.startsWith('intro')).toBe(true);
    expect(splitUnits(md)).toHaveLength(3);
  });

  it('closes an open <details> it cut into', () => {
    const md = [
      '<details><summary>logs</summary>',
      '',
      ...Array.from({ length: 100 }, (_, i) => `- item ${i}`),
      '',
      '</details>',
    ].join('\n');
    const out = truncateMarkdown(md, limit(300));
    expect(out.match(/<details>/g)).toHaveLength(1);
    expect(out.match(/<\/details>/g)).toHaveLength(1);
    expect(out.length).toBeLessThanOrEqual(300);
  });

  it('measures bytes when asked to', () => {
    const md = Array.from({ length: 100 }, () => '- 😀😀😀😀😀').join('\n');
    const out = truncateMarkdown(md, limit(500, utf8Length));
    expect(utf8Length(out)).toBeLessThanOrEqual(500);
  });
});

describe('MarkdownDoc', () => {
  it('keeps exact counts and fits every limit with 100,000 rows of 10,000-character names', () => {
    const total = 100_000;
    const name = (i: number) => `suite › ${'n'.repeat(9_990)} ${i}`;
    function* rows() {
      for (let i = 0; i < total; i++) yield [name(i), { code: 'E'.repeat(1_000) }] as const;
    }
    const doc = new MarkdownDoc()
      .heading(3, 'Failed tests')
      .markdown(`**${total}** failed`)
      .table([{ header: 'Test' }, { header: 'Error' }], { [Symbol.iterator]: rows }, { total });
    for (const l of [COMMENT_BODY_LIMIT, JOB_SUMMARY_LIMIT]) {
      const out = doc.render(l);
      expect(l.measure(out)).toBeLessThanOrEqual(l.max);
      const shown = analyzeMarkdown(out).tables[0]!.length;
      expect(shown).toBeGreaterThan(0);
      expect(out).toContain(`**${total}** failed`);
      expect(out).toContain(`… and ${total - shown} more rows`);
    }
  });

  it('counts rows beyond a pre-cut slice', () => {
    const out = new MarkdownDoc().table([{ header: 'Test' }], [['a'], ['b']], { total: 10 }).render(limit(10_000));
    expect(analyzeMarkdown(out).tables[0]).toHaveLength(2);
    expect(out).toContain('… and 8 more rows');
  });

  it('counts a lazy list it did not know the length of', () => {
    function* items() {
      for (let i = 0; i < 1_000; i++) yield `item ${i}`;
    }
    expect(() => new MarkdownDoc().list(items())).toThrow(/re-iterable/);
    const out = new MarkdownDoc().list({ [Symbol.iterator]: items }).render(limit(200));
    const shown = analyzeMarkdown(out).listItems;
    expect(out).toContain(`… and ${1_000 - shown} more`);
  });

  it('keeps the tail of a long log, fenced', () => {
    const log = Array.from({ length: 10_000 }, (_, i) => `log line ${i} \`\`\``).join('\n');
    const out = new MarkdownDoc().code(log).render(limit(2_000));
    expect(out.length).toBeLessThanOrEqual(2_000);
    const s = analyzeMarkdown(out);
    expect(s.codeBlocks).toHaveLength(1);
    expect(s.codeBlocks[0]).toContain('log line 9999');
  });
});
