import { describe, expect, it } from 'vitest';
import { INJECTION_CORPUS } from './injection-corpus.js';
import { analyzeMarkdown } from './testing/markdown-structure.js';
import { ganttChart, mermaidLabel, xyChart } from './mermaid.js';

describe('mermaid', () => {
  it('reduces every hostile label to safe characters', () => {
    for (const text of [...INJECTION_CORPUS, '%%{init: {"theme":"dark"}}%%', 'a; b: c "d" #35;']) {
      const label = mermaidLabel(text);
      // eslint-disable-next-line no-control-regex -- asserting controls are gone
      expect(label).not.toMatch(/[:;"`#%\n<>&@\u0000\u202e]/);
      expect(label.length).toBeLessThanOrEqual(60);
    }
  });

  it('builds a gantt chart that stays one code block, one task per line', () => {
    const chart = ganttChart('Shards: run #1', [
      { name: 'shard 1', tasks: INJECTION_CORPUS.map((label, i) => ({ label, startMs: i * 10, endMs: i * 10 + 5 })) },
    ]);
    const s = analyzeMarkdown(chart);
    expect(s.codeBlocks).toHaveLength(1);
    const taskLines = s.codeBlocks[0]!.split('\n').filter((l) => / :t\d+, /.test(l));
    expect(taskLines).toHaveLength(INJECTION_CORPUS.length);
    for (const line of taskLines) expect(line).toMatch(/^ {2}[^:;#%]+ :t\d+, \d+, \d+$/);
  });

  it('builds an xychart with finite numbers only', () => {
    const chart = xyChart('p95 "latency"', ['a"b', 'c;d'], [{ kind: 'line', values: [1, Number.NaN, 3e21] }]);
    const body = analyzeMarkdown(chart).codeBlocks[0]!;
    expect(body).toContain('x-axis ["a b", "c d"]');
    expect(body).toMatch(/line \[1, 0, 3000000000000000000000\]/);
    expect(body).not.toMatch(/NaN|Infinity|e\+/);
  });
});
