import { describe, expect, it } from 'vitest';
import { INJECTION_CORPUS } from './injection-corpus.js';
import { analyzeMarkdown } from './testing/markdown-structure.js';
import { ganttAxis, ganttChart, mermaidLabel, xyChart } from './mermaid.js';

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

  it('puts distinct labels on every axis tick, whatever the span', () => {
    // Formats each tick as d3 would (UTC; the time zone shifts every tick alike) and checks that no two agree.
    const format = (pattern: string, ms: number): string => {
      const d = new Date(ms);
      const two = (n: number): string => String(n).padStart(2, '0');
      return pattern
        .replace('%d', two(d.getUTCDate()))
        .replace('%H', two(d.getUTCHours()))
        .replace('%M', two(d.getUTCMinutes()))
        .replace('%S', two(d.getUTCSeconds()))
        .replace('%L', String(d.getUTCMilliseconds()).padStart(3, '0'));
    };
    const unit: Record<string, number> = { millisecond: 1, second: 1e3, minute: 6e4, hour: 3.6e6 };
    for (const span of [1, 7, 300, 999, 1000, 2300, 9000, 59_000, 61_000, 600_000, 3_599_000, 3_600_000, 86_400_000]) {
      const { axisFormat, tickInterval } = ganttAxis(span);
      const [, n, u] = /^(\d+)(\w+)$/.exec(tickInterval)!;
      const step = Number(n) * unit[u!]!;
      const ticks = Math.floor(span / step) + 1;
      expect(ticks, `${span} ms: ${tickInterval}`).toBeLessThanOrEqual(11);
      const labels = Array.from({ length: ticks }, (_, i) => format(axisFormat, i * step));
      expect(new Set(labels).size, `${span} ms: ${axisFormat} every ${tickInterval}: ${labels.join(' ')}`).toBe(
        labels.length,
      );
    }
    const chart = ganttChart('t', [{ name: 's', tasks: [{ label: 'a', startMs: 0, endMs: 2300 }] }]);
    expect(chart).toContain('axisFormat %S.%L\n  tickInterval 500millisecond');
  });

  it('builds an xychart with finite numbers only', () => {
    const chart = xyChart('p95 "latency"', ['a"b', 'c;d'], [{ kind: 'line', values: [1, Number.NaN, 3e21] }]);
    const body = analyzeMarkdown(chart).codeBlocks[0]!;
    expect(body).toContain('x-axis ["a b", "c d"]');
    expect(body).toMatch(/line \[1, 0, 3000000000000000000000\]/);
    expect(body).not.toMatch(/NaN|Infinity|e\+/);
  });
});
