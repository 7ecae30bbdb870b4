import { InputError } from '@gauntlet/action-kit';
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import { describe, expect, it } from 'vitest';
import { serializePlan } from './plan-format.js';
import { planMatrixJson, planShards, shardTestKeys } from './plan.js';
import { storeFromFlatMap } from './timing-store.js';

const timings = (entries: [string, number][]) => storeFromFlatMap(new Map(entries));

describe('planShards', () => {
  it('LPT: longest first onto the least-loaded shard, with predictions, bound and matrix', () => {
    const plan = planShards({
      tests: ['a.py', 'b.py', 'c.py', 'd.py', 'e.py'],
      shards: 2,
      timings: timings([
        ['a.py', 5],
        ['b.py', 4],
        ['c.py', 3],
        ['d.py', 3],
        ['e.py', 1],
      ]),
    });
    expect(plan.shards.map((s) => [s.predictedSeconds, s.items.map((i) => i.file)])).toEqual([
      [8, ['a.py', 'd.py']], // a 5 → 1; b 4 → 2; c 3 → 2 (4 < 5); d 3 → 1 (5 < 7); e 1 → 2
      [8, ['b.py', 'c.py', 'e.py']],
    ]);
    expect(plan.lowerBoundSeconds).toBe(8);
    expect(plan.predictedMakespanSeconds).toBe(8);
    expect(JSON.parse(planMatrixJson(plan))).toEqual({ shard: [1, 2], shardTotal: [2], planId: [plan.id] });
    expect(plan.id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('breaks ties by canonical id, not by input order', () => {
    const a = planShards({ tests: ['x.py', 'y.py', 'z.py'], shards: 2 });
    const b = planShards({ tests: ['z.py', 'y.py', 'x.py'], shards: 2 });
    expect(serializePlan(a)).toBe(serializePlan(b));
    expect(a.shards[0]!.items.map((i) => i.file)).toEqual(['x.py', 'z.py']);
  });

  it('without timings balances by count and says so', () => {
    const log = new RecordingLogger();
    const plan = planShards({ tests: Array.from({ length: 10 }, (_, i) => `t${i}.py`), shards: 3, logger: log });
    expect(plan.shards.map((s) => s.items.length)).toEqual([4, 3, 3]);
    expect(plan.tests).toEqual({ total: 10, timed: 0, estimated: 10 });
    expect(log.messages('info')[0]).toMatch(/No timings/);
  });

  it('more shards than tests leaves empty shards, never an error', () => {
    const plan = planShards({ tests: ['a.py::t'], shards: 7, runnerFiltersTests: true });
    expect(plan.shards).toHaveLength(7);
    expect(plan.shards.filter((s) => s.items.length > 0)).toHaveLength(1);
    expect(planShards({ tests: [], shards: 3 }).shards.every((s) => s.items.length === 0)).toBe(true);
  });

  it('splits a file longer than total/shards into test-level pieces when the runner can filter tests', () => {
    const tests = [...Array.from({ length: 8 }, (_, i) => `big.py::t${i}`), 'small1.py::t', 'small2.py::t'];
    const store = timings([
      ...Array.from({ length: 8 }, (_, i) => [`big.py::t${i}`, 10] as [string, number]),
      ['small1.py::t', 10],
      ['small2.py::t', 10],
    ]);
    const whole = planShards({ tests, shards: 4, timings: store, runnerFiltersTests: false });
    expect(whole.predictedMakespanSeconds).toBe(80); // big.py runs whole: 80 s on one shard
    const split = planShards({ tests, shards: 4, timings: store, runnerFiltersTests: true, granularity: 'file' });
    expect(split.predictedMakespanSeconds).toBe(30);
    const bigItems = split.shards.flatMap((s) => s.items).filter((i) => i.file === 'big.py');
    expect(bigItems.length).toBeGreaterThan(1);
    expect(bigItems.flatMap((i) => i.tests ?? []).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `t${i}`));
  });

  it('splits files below total/shards when whole files do not fit the shards (and the runner filters tests)', () => {
    // 100 files × 100 tests of 1 s on 64 shards: whole files put two on 36 shards (1.28 × the bound).
    const keys: string[] = [];
    const durations = new Map<string, number>();
    for (let f = 0; f < 100; f++)
      for (let t = 0; t < 100; t++) {
        const key = `t/f${String(f).padStart(3, '0')}.py::test_${t}`;
        keys.push(key);
        durations.set(key, 1);
      }
    const timings = storeFromFlatMap(durations);
    const plan = planShards({ tests: keys, shards: 64, timings, runnerFiltersTests: true, granularity: 'file' });
    expect(plan.predictedMakespanSeconds / plan.lowerBoundSeconds).toBeLessThan(1.1);
    const whole = planShards({ tests: keys, shards: 64, timings, granularity: 'file' });
    expect(whole.predictedMakespanSeconds / whole.lowerBoundSeconds).toBeGreaterThan(1.2);
    // Still a partition: every test exactly once.
    const seen = plan.shards.flatMap((_, i) => shardTestKeys(plan, i + 1));
    expect(new Set(seen).size).toBe(keys.length);
    expect(seen.length).toBe(keys.length);
  });

  it('pieces of a split file each carry the file set-up time', () => {
    const store = timings([
      ['big.py', 100],
      ['big.py::a', 40],
      ['big.py::b', 40],
      ['other.py', 20],
    ]);
    const plan = planShards({
      tests: ['big.py::a', 'big.py::b', 'other.py'],
      shards: 2,
      timings: store,
      runnerFiltersTests: true,
      granularity: 'file',
    });
    const pieces = plan.shards.flatMap((s) => s.items).filter((i) => i.file === 'big.py');
    expect(pieces.map((p) => p.seconds)).toEqual([60, 60]); // 40 s of tests + 20 s of set-up each
  });

  it('files nothing is known about are shared out first, not dropped onto the fullest shards last', () => {
    // Timed files of 40, 10, 10 and 10 s, and four renamed files guessed at the suite median, 10 s (really 30 s,
    // say). Plain LPT puts the guesses last onto the least-loaded shards, two of them onto one.
    const timed = ['a/t1.rb', 'a/t2.rb', 'a/t3.rb', 'a/t4.rb'];
    const renamed = ['z/n1.rb', 'z/n2.rb', 'z/n3.rb', 'z/n4.rb'];
    const timings = storeFromFlatMap(new Map(timed.map((f, i) => [f, i === 0 ? 40 : 10])));
    const shardsOfRenamed = (guessesFirst: boolean) =>
      planShards({ tests: [...timed, ...renamed], shards: 4, timings, guessesFirst }).shards.map(
        (s) => s.items.filter((i) => renamed.includes(i.file)).length,
      );
    expect(shardsOfRenamed(true)).toEqual([1, 1, 1, 1]);
    expect(shardsOfRenamed(false)).toEqual([0, 2, 1, 1]);
  });

  it('shardTestKeys lists what a shard runs', () => {
    const plan = planShards({ tests: ['a.py::x', 'a.py::y', 'b.py'], shards: 1, runnerFiltersTests: true });
    expect(shardTestKeys(plan, 1)).toEqual(['a.py::x', 'a.py::y', 'b.py']);
    expect(() => shardTestKeys(plan, 2)).toThrow(InputError);
  });

  it('auto shard count explains its choice', () => {
    const tests = Array.from({ length: 200 }, (_, i) => `t${i}.py`);
    const store = timings(tests.map((t) => [t, 30] as [string, number]));
    const plan = planShards({
      tests,
      shards: 'auto',
      timings: store,
      auto: { fixedCostSeconds: 60, targetSeconds: 600 },
    });
    expect(plan.shardCount).toBe(Math.ceil(6000 / 540));
    expect(plan.shardCountReason).toMatch(/fewest that meet the target.*fixed cost 60 s per shard \(input\)/);
    const history = { ...store, shardOverhead: { seconds: 120, samples: 4, missedRuns: 0 } };
    expect(
      planShards({ tests, shards: 'auto', timings: history, auto: { targetSeconds: 600 } }).shardCountReason,
    ).toMatch(/measured over 4 runs/);
  });

  it('rejects invalid shard counts and test granularity without a filtering runner', () => {
    expect(() => planShards({ tests: [], shards: 0 })).toThrow(InputError);
    expect(() => planShards({ tests: [], shards: 257 })).toThrow(InputError);
    expect(() => planShards({ tests: [], shards: 1.5 })).toThrow(InputError);
    expect(() => planShards({ tests: [], shards: 2, granularity: 'test' })).toThrow(/granularity/);
  });
});
