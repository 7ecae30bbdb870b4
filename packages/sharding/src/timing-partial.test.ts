import { RecordingLogger } from '@gauntlet/action-kit/testing';
import { describe, expect, it } from 'vitest';
import {
  mergeTimingPartials,
  parseTimingPartial,
  serializeTimingPartial,
  type TimingPartial,
} from './timing-partial.js';
import { emptyTimingStore } from './timing-store.js';

const partial = (
  shard: number,
  attempt: number,
  tests: [string, number][],
  overheadSeconds?: number,
): TimingPartial => ({
  shard,
  shardTotal: 3,
  attempt,
  tests: new Map(tests),
  ...(overheadSeconds === undefined ? {} : { overheadSeconds }),
});

describe('timing partials', () => {
  it('round-trip', () => {
    const p = {
      ...partial(
        2,
        1,
        [
          ['b.py::t', 1.25],
          ['a.py::t', 2],
        ],
        70,
      ),
      planId: 'abc',
    };
    const back = parseTimingPartial(serializeTimingPartial(p), new RecordingLogger())!;
    expect(back).toEqual({
      ...p,
      tests: new Map([
        ['a.py::t', 2],
        ['b.py::t', 1.25],
      ]),
    });
  });

  it.each([
    ['not JSON', '{'],
    ['wrong format', '{"format": "x", "tests": {}}'],
    [
      'shard beyond total',
      '{"format": "gauntlet-timings-partial", "version": 1, "shard": 4, "shardTotal": 3, "tests": {}}',
    ],
    ['shard 0', '{"format": "gauntlet-timings-partial", "version": 1, "shard": 0, "shardTotal": 3, "tests": {}}'],
  ])('%s is rejected with one warning', (_, text) => {
    const log = new RecordingLogger();
    expect(parseTimingPartial(text, log)).toBeUndefined();
    expect(log.messages('warning')).toHaveLength(1);
  });

  it('merge: highest attempt per shard wins, missing shards are reported, overhead is the median', () => {
    const log = new RecordingLogger();
    const { store, missingShards } = mergeTimingPartials(
      emptyTimingStore(),
      [partial(1, 1, [['a::t', 100]], 60), partial(1, 2, [['a::t', 1]], 80), partial(2, 1, [['b::t', 2]], 100)],
      log,
    );
    expect(store.entries.get('a::t')?.seconds).toBe(1);
    expect(store.entries.get('b::t')?.seconds).toBe(2);
    expect(store.shardOverhead?.seconds).toBe(80);
    expect(missingShards).toEqual([3]);
    expect(log.messages('warning')).toHaveLength(1);
  });

  it('merging nothing leaves the store as it was', () => {
    const store = emptyTimingStore();
    expect(mergeTimingPartials(store, [], new RecordingLogger()).store).toBe(store);
  });
});
