import { describe, expect, it } from 'vitest';
import { jsonDifferences } from './replay.js';

describe('jsonDifferences', () => {
  it('names each difference by JSON pointer, escaping / and ~ in keys, and skips ignored pointers', () => {
    const d = jsonDifferences(
      { a: { 'x/y': 1, 'm~n': [1, 2] }, at: 'now', same: true },
      { a: { 'x/y': 2, 'm~n': [1] }, at: 'later', same: true },
      new Set(['/at']),
    );
    expect(d.total).toBe(2);
    expect(d.first).toEqual(['/a/m~0n/1: expected 2, got (absent)', '/a/x~1y: expected 1, got 2']);
  });

  it('an array is not an object with the same keys; long or hostile values are capped as JSON', () => {
    expect(jsonDifferences([1], { 0: 1 }).first).toEqual(['/: expected [1], got {"0":1}']);
    const d = jsonDifferences({ v: '::error::x'.repeat(20) }, { v: 1 });
    expect(d.first[0]!.length).toBeLessThan(120);
    expect(d.first[0]).toMatch(/^\/v: expected "::error::x.*…, got 1$/);
  });

  it('counts every difference but lists at most ten', () => {
    const many = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}`, i]));
    const d = jsonDifferences(many, {});
    expect(d.total).toBe(25);
    expect(d.first).toHaveLength(10);
  });
});
