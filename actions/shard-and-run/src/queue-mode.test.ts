import { silentLogger } from '@gauntlet/action-kit';
import { InMemoryQueueStore, planShards, testKey, type PlanItem } from '@gauntlet/sharding';
import { describe, expect, it } from 'vitest';
import type { ExecutionResult } from './execute.js';
import { itemKeys } from './plan-io.js';
import { drainQueue, itemsForKeys, reportForItems } from './queue-mode.js';

const tests = Array.from({ length: 200 }, (_, i) => `f${i % 40}.test.ts::t${i}`);
const plan = planShards({ tests, shards: 4, runnerFiltersTests: true, granularity: 'test' });

function fakeRun(delayMs: number, onRun?: () => void) {
  return async (items: readonly PlanItem[]): Promise<ExecutionResult> => {
    onRun?.();
    await new Promise((r) => setTimeout(r, delayMs));
    return {
      report: {
        suites: items.map((i) => ({
          name: i.file,
          file: i.file,
          cases: (i.tests ?? []).map((name) => ({
            name,
            file: i.file,
            time: 0.001,
            status: 'passed' as const,
            failures: [],
            attempts: 1,
          })),
        })),
      },
      attempts: [],
      cancelled: false,
      timedOut: false,
      durationMs: delayMs,
      failed: false,
    };
  };
}

describe('queue workers', () => {
  it('share the work so that every item is credited exactly once, even when a worker dies holding a batch', async () => {
    const store = new InMemoryQueueStore();
    const access = { store, name: 'mem', close: () => undefined };
    const options = (worker: number) => ({
      worker,
      workers: 4,
      leaseTimeoutMs: 300,
      signal: new AbortController().signal,
      logger: silentLogger,
    });
    let dead = 0;
    const dying = fakeRun(0, () => {
      dead++;
      throw new Error('runner lost');
    });
    const workers = await Promise.allSettled([
      drainQueue(access, options(1), plan, fakeRun(5)),
      drainQueue(access, options(2), plan, fakeRun(30)), // a slow worker
      drainQueue(access, options(3), plan, fakeRun(5)),
      drainQueue(access, options(4), plan, dying),
    ]);
    expect(workers[3].status).toBe('rejected');
    expect(dead).toBe(1);
    const done = workers.slice(0, 3).map((w) => (w.status === 'fulfilled' ? w.value : undefined)!);
    const credited = done.flatMap((w) => itemKeys(w.credited));
    expect(credited.sort()).toEqual(itemKeys(plan.shards.flatMap((s) => s.items)).sort());
    const reported = done.flatMap((w) =>
      w.reports.flatMap((r) => r.suites.flatMap((s) => s.cases.map((c) => testKey({ file: s.file!, name: c.name })))),
    );
    expect(new Set(reported).size).toBe(200);
    expect(reported).toHaveLength(200);
    expect(store.conflicts).toBeGreaterThanOrEqual(0);
  });

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
