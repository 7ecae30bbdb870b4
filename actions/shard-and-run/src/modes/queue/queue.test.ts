import { planShards } from '@gauntlet/sharding';
import { describe, expect, it } from 'vitest';
import { itemsForKeys } from './queue.js';
import { reportForItems } from './worker.js';

const tests = Array.from({ length: 200 }, (_, i) => `f${i % 40}.test.ts::t${i}`);
const plan = planShards({ tests, shards: 4, runnerFiltersTests: true, granularity: 'test' });

describe('replaying a worker', () => {
  it('keeps only credited items’ cases and maps keys back to items', () => {
    const items = itemsForKeys(plan, ['f1.test.ts::t1', 'f1.test.ts::t41']);
    expect(items.flatMap((i) => i.tests).sort()).toEqual(['t1', 't41']);
    const report = {
      suites: [
        { name: 'f1.test.ts', file: 'f1.test.ts', cases: [] },
        {
          name: 'f2.test.ts',
          file: 'f2.test.ts',
          cases: [{ name: 'x', file: 'f2.test.ts', time: 0, status: 'passed' as const, failures: [], attempts: 1 }],
        },
      ],
    };
    expect(reportForItems(report, items).suites).toEqual([]);
  });
});
