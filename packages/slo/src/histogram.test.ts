import { describe, expect, it } from 'vitest';
import { bucketQuantile, countAtOrBelow } from './histogram.js';

const buckets = [
  { le: 0.1, count: 50 },
  { le: 0.25, count: 90 },
  { le: 0.5, count: 99 },
  { le: Infinity, count: 100 },
];

describe('histogram maths (PromQL histogram_quantile rules)', () => {
  it('interpolates the quantile inside its bucket', () => {
    expect(bucketQuantile(0.5, buckets)).toBeCloseTo(0.1, 10);
    expect(bucketQuantile(0.7, buckets)).toBeCloseTo(0.1 + 0.15 * (20 / 40), 10);
    expect(bucketQuantile(0.25, buckets)).toBeCloseTo(0.05, 10);
  });
  it('returns the highest finite bound when the rank falls in +Inf, NaN without data or +Inf', () => {
    expect(bucketQuantile(0.999, buckets)).toBe(0.5);
    expect(
      bucketQuantile(0.5, [
        { le: 0.1, count: 0 },
        { le: Infinity, count: 0 },
      ]),
    ).toBeNaN();
    expect(bucketQuantile(0.5, [{ le: 0.1, count: 3 }])).toBeNaN();
  });
  it('repairs non-monotonic counts from extrapolation', () => {
    expect(
      bucketQuantile(0.5, [
        { le: 0.1, count: 51 },
        { le: 0.2, count: 50 },
        { le: Infinity, count: 100 },
      ]),
    ).toBeCloseTo(0.1 * (50 / 51), 10);
  });
  it('counts observations at or under a threshold, exact on a bound and interpolated inside a bucket', () => {
    expect(countAtOrBelow(0.25, buckets)).toEqual({ good: 90, total: 100, exact: true });
    const mid = countAtOrBelow(0.375, buckets);
    expect(mid.good).toBeCloseTo(94.5, 10);
    expect(mid.exact).toBe(false);
    expect(countAtOrBelow(5, buckets).good).toBe(99);
  });
});
