import { describe, expect, it } from 'vitest';
import { chartData, downsample } from './chart.js';
import type { SloResult } from './result.js';

const result = {
  name: 'availability',
  objective: { description: 'good/total >= 99%', unit: 'ratio', target: 0.99 },
  window: { startMs: 0, endMs: 600_000, durationMs: 600_000, label: '10m' },
  series: Array.from({ length: 60 }, (_, i) => ({ t: (i + 1) * 10_000, value: i === 5 ? null : 0.995 })),
} as unknown as SloResult;

describe('chart data', () => {
  it('downsamples by averaging non-null points', () => {
    const points = downsample(result.series, 6);
    expect(points).toHaveLength(6);
    expect(points[0]).toEqual({ t: 100_000, value: 0.995 });
    expect(
      downsample(
        [
          { t: 1, value: null },
          { t: 2, value: null },
        ],
        1,
      ),
    ).toEqual([{ t: 2, value: null }]);
  });
  it('gives seconds since the window start and percentages for ratio SLIs', () => {
    const chart = chartData(result, 6);
    expect(chart).toMatchObject({ unit: 'percent', objective: 99, title: 'availability: good/total >= 99%' });
    expect(chart.x).toEqual([100, 200, 300, 400, 500, 600]);
    expect(chart.y[0]).toBe(99.5);
  });
  it('scales the y axis to the objective, so 99.9 % and 100 % are apart', () => {
    const near = {
      ...result,
      objective: { description: 'good/total >= 99.9%', unit: 'ratio', target: 0.999 },
      series: result.series.map((p) => ({ ...p, value: p.value === null ? null : 1 })),
    } as unknown as SloResult;
    const { yRange } = chartData(near, 6);
    expect(yRange.max).toBe(100);
    expect(yRange.min).toBeGreaterThan(99.8);
    expect(yRange.min).toBeLessThan(99.9);
  });
});
