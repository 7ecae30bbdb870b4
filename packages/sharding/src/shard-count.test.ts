import { describe, expect, it } from 'vitest';
import { chooseShardCount, type ShardCountInput } from './shard-count.js';

const S = 1e6;
const input = (over: Partial<ShardCountInput>): ShardCountInput => ({
  totalUs: 6919 * S,
  longestUs: 338 * S,
  itemCount: 835,
  fixedCostSeconds: 90,
  fixedCostSource: 'test',
  targetSeconds: 300,
  maxParallel: 256,
  ...over,
});

describe('chooseShardCount', () => {
  it('never exceeds total/longest, even when the target is out of reach; picks the knee', () => {
    const c = chooseShardCount(input({}));
    // W/p = 20.5 → at most 20 shards; best T = 90 + 346 = 436 s; knee within 10 %.
    expect(c.count).toBeLessThanOrEqual(20);
    expect(c.count).toBeGreaterThanOrEqual(15);
    expect(c.explanation).toMatch(/out of reach/);
    expect(c.explanation).toMatch(/total\/longest item = 20/);
  });

  it('takes the fewest shards that meet the target', () => {
    const c = chooseShardCount(input({ totalUs: 9029 * S, longestUs: 101 * S, itemCount: 5000 }));
    expect(c.count).toBe(Math.ceil(9029 / (300 - 90)));
    expect(c.explanation).toMatch(/fewest that meet the target/);
  });

  it('one shard when the suite fits the target or sharding cannot help', () => {
    expect(chooseShardCount(input({ totalUs: 100 * S, longestUs: 10 * S })).count).toBe(1);
    expect(chooseShardCount(input({ totalUs: 0, longestUs: 0, itemCount: 0 })).count).toBe(1);
    expect(chooseShardCount(input({ itemCount: 1 })).count).toBe(1);
  });

  it('respects max-parallel and the 256-job matrix limit', () => {
    const many = input({ totalUs: 1e6 * S, longestUs: 1 * S, itemCount: 1e6 });
    expect(chooseShardCount(many).count).toBeLessThanOrEqual(256);
    const capped = chooseShardCount({ ...many, maxParallel: 20 });
    expect(capped.count).toBeLessThanOrEqual(20);
    expect(capped.explanation).toMatch(/max-parallel 20/);
  });

  it('a longer target never yields more shards', () => {
    let previous = Infinity;
    for (const target of [30, 60, 120, 300, 600, 1200]) {
      const n = chooseShardCount(
        input({ totalUs: 943 * S, longestUs: 18.6 * S, itemCount: 23422, targetSeconds: target, fixedCostSeconds: 20 }),
      ).count;
      expect(n).toBeLessThanOrEqual(previous);
      previous = n;
    }
  });

  it('when the target is out of reach, a higher fixed cost never yields more shards', () => {
    let previous = Infinity;
    for (const c of [60, 90, 195, 600]) {
      const choice = chooseShardCount(
        input({ totalUs: 943 * S, longestUs: 18.6 * S, itemCount: 23422, fixedCostSeconds: c, targetSeconds: 30 }),
      );
      expect(choice.explanation).toMatch(/out of reach/);
      expect(choice.count).toBeLessThanOrEqual(previous);
      previous = choice.count;
    }
  });
});
