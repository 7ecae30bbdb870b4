import { describe, expect, it } from 'vitest';
import { randomInt, seedFrom, seededRandom } from './random.js';

describe('seededRandom', () => {
  it('replays exactly from a seed and stays in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBeGreaterThan(990);
  });
  it('randomInt covers the range evenly enough', () => {
    const r = seededRandom(7);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[randomInt(r, 0, 4)]! += 1;
    for (const c of counts) expect(c).toBeGreaterThan(850);
  });
  it('seedFrom separates streams by name', () => {
    expect(seedFrom('a')).not.toBe(seedFrom('b'));
    expect(seedFrom('run-1')).toBe(seedFrom('run-1'));
  });
});
