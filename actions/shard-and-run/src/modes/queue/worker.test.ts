import { silentLogger } from '@gauntlet/action-kit';
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import { InMemoryQueueStore, planShards, testKey, type Plan, type PlanItem } from '@gauntlet/sharding';
import { describe, expect, it } from 'vitest';
import type { ExecutionResult } from '../../execute.js';
import { itemKeys } from '../../plan-io.js';
import { drainQueue, WorkerPace, type QueueAccess } from './worker.js';

const tests = Array.from({ length: 200 }, (_, i) => `f${i % 40}.test.ts::t${i}`);
const plan = planShards({ tests, shards: 4, runnerFiltersTests: true, granularity: 'test' });

/** The same plan with every item estimated at `seconds`. */
function withEstimates(seconds: number): Plan {
  return { ...plan, shards: plan.shards.map((s) => ({ ...s, items: s.items.map((i) => ({ ...i, seconds })) })) };
}

function fakeRun(
  delayMs: number | ((items: readonly PlanItem[]) => number),
  onRun?: (items: readonly PlanItem[]) => void,
) {
  return async (items: readonly PlanItem[]): Promise<ExecutionResult> => {
    onRun?.(items);
    await new Promise((r) => setTimeout(r, typeof delayMs === 'number' ? delayMs : delayMs(items)));
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
      durationMs: typeof delayMs === 'number' ? delayMs : delayMs(items),
      failed: false,
    };
  };
}

describe('queue workers', () => {
  // Default estimates (batches end long before expected: no prefetch) and tiny ones (a prefetch on every batch).
  it.each([
    ['default estimates', plan],
    ['tiny estimates, so that workers prefetch', withEstimates(0.0005)],
  ])(
    'share the work so that every item is credited exactly once, even when a worker dies holding a batch (%s)',
    async (_, plan) => {
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
    },
  );

  it('asks for the next batch while the current one runs, one run at a time', async () => {
    const store = new InMemoryQueueStore();
    const events: string[] = [];
    let running = 0;
    const recording: QueueAccess = {
      store: {
        read: () => store.read(),
        compareAndSwap: (state, version) => {
          events.push(running > 0 ? 'write-while-running' : 'write-between-runs');
          return store.compareAndSwap(state, version);
        },
      },
      name: 'mem',
      close: () => undefined,
    };
    // Estimates of 8 ms per item, runs of 10 ms per item: every batch is expected to end before its run does (so the
    // worker prefetches), but none runs twice its estimate (which would hand the batch ahead back).
    const run = fakeRun((items) => items.length * 10);
    const worker = await drainQueue(
      recording,
      { worker: 1, workers: 1, leaseTimeoutMs: 60_000, signal: new AbortController().signal, logger: silentLogger },
      withEstimates(0.008),
      async (items) => {
        expect(running).toBe(0);
        running++;
        try {
          return await run(items);
        } finally {
          running--;
        }
      },
    );
    expect(itemKeys(worker.credited).sort()).toEqual(itemKeys(plan.shards.flatMap((s) => s.items)).sort());
    // Every claim after the first is made while a batch runs (the last one only completes the batch before it);
    // only the queue's creation, the first claim and the last completion come between runs.
    expect(worker.batches).toBeGreaterThan(3);
    expect(events.filter((e) => e === 'write-while-running')).toHaveLength(worker.batches);
    expect(events.filter((e) => e === 'write-between-runs')).toHaveLength(3);
  });

  it('completes a batch even when the batch claimed ahead of it ends before its own prefetch', async () => {
    // Batch 1 (100 items, ~100 ms estimated) runs 150 ms, so its prefetch claims batch 2 while it runs. Batch 2 runs
    // in no time, before its own prefetch fires: two batches are then finished and uncompleted at once. Both must be
    // completed by the next claim; forgetting the first kept its lease alive (renewed forever) and the queue never
    // drained: the worker waited for itself until it was cancelled.
    const store = new InMemoryQueueStore();
    const access = { store, name: 'mem', close: () => undefined };
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), 4_000);
    let calls = 0;
    try {
      const worker = await drainQueue(
        access,
        { worker: 1, workers: 1, leaseTimeoutMs: 60_000, signal: stop.signal, logger: silentLogger },
        withEstimates(0.0005),
        fakeRun(() => (calls++ === 0 ? 150 : 0)),
      );
      expect(worker.cancelled).toBe(false);
      expect(itemKeys(worker.credited).sort()).toEqual(itemKeys(plan.shards.flatMap((s) => s.items)).sort());
      expect((await store.read()).state?.completed).toBe(200);
    } finally {
      clearTimeout(timer);
    }
  }, 10_000);

  it('hands the batch claimed ahead back when the running batch takes far longer than estimated', async () => {
    const store = new InMemoryQueueStore();
    const access = { store, name: 'mem', close: () => undefined };
    const logger = new RecordingLogger();
    const options = (worker: number) => ({
      worker,
      workers: 2,
      leaseTimeoutMs: 60_000,
      signal: new AbortController().signal,
      logger,
    });
    let first = true;
    // Worker 1's first batch (~250 ms estimated) runs 3 s; everything else runs as estimated (5 ms per item).
    const slowOnce = fakeRun((items) => {
      if (!first) return items.length * 5;
      first = false;
      return 3_000;
    });
    const [w1, w2] = await Promise.all([
      drainQueue(access, options(1), withEstimates(0.005), slowOnce),
      drainQueue(
        access,
        options(2),
        withEstimates(0.005),
        fakeRun((items) => items.length * 5),
      ),
    ]);
    // The batch worker 1 had claimed ahead went back and worker 2 ran it, with everything else, meanwhile.
    expect(logger.text()).toContain('handing the next batch');
    expect(w1.batches).toBe(1);
    const credited = [...itemKeys(w1.credited), ...itemKeys(w2.credited)];
    expect(credited.sort()).toEqual(itemKeys(plan.shards.flatMap((s) => s.items)).sort());
  }, 10_000);

  it('keeps renewing a batch that ran until the next claim completes it, so no lease lapses', async () => {
    const store = new InMemoryQueueStore();
    // Every read of the queue checks that no lease has lapsed: a lapsed lease is re-queued by the next claim and its
    // tests run twice. Leases last 0.9 s and are renewed every 0.3 s; batches take 2 s, 1.5 s, 1.1 s… so a finished
    // batch waits longer than a lease for the claim that completes it (made near the end of the next batch).
    const lapsed: number[] = [];
    const watched: QueueAccess = {
      store: {
        read: async () => {
          const read = await store.read();
          for (const lease of read.state?.leases ?? []) if (lease.expiresAt <= Date.now()) lapsed.push(lease.id);
          return read;
        },
        compareAndSwap: (state, version) => store.compareAndSwap(state, version),
      },
      name: 'mem',
      close: () => undefined,
    };
    const runs = new Map<string, number>();
    const logger = new RecordingLogger();
    const estimated = withEstimates(0.04);
    const worker = (index: number) =>
      drainQueue(
        watched,
        { worker: index, workers: 2, leaseTimeoutMs: 900, signal: new AbortController().signal, logger },
        estimated,
        fakeRun(
          (items) => items.length * 40,
          (items) => {
            for (const key of itemKeys(items)) runs.set(key, (runs.get(key) ?? 0) + 1);
          },
        ),
      );
    const workers = await Promise.all([worker(1), worker(2)]);
    expect(lapsed).toEqual([]);
    expect(logger.text()).not.toContain('lease expired');
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(workers.flatMap((w) => itemKeys(w.credited))).toHaveLength(200);
  });
});

describe('WorkerPace', () => {
  const result = (durationMs: number, caseSeconds: number[], attempts = 1, junitFiles = 1): ExecutionResult => ({
    report: {
      suites: [
        {
          name: 's',
          cases: caseSeconds.map((time, i) => ({ name: `t${i}`, time, status: 'passed', failures: [], attempts: 1 })),
        },
      ],
    },
    attempts: Array.from({ length: attempts }, (_, retry) => ({
      retry,
      exitCode: 0,
      durationMs,
      junitFiles,
      items: caseSeconds.length,
    })),
    cancelled: false,
    timedOut: false,
    durationMs: durationMs * attempts,
    failed: false,
  });

  it('asks for twice the round trip plus the command start, from medians', () => {
    const pace = new WorkerPace();
    expect([pace.leadMs(), pace.minBatchMs()]).toEqual([0, 0]);
    for (const ms of [100, 120, 5_000]) pace.roundTrip(ms);
    pace.batch(result(2_500, [1, 0.5])); // 1 s of command start
    pace.batch(result(9_000, [1], 2)); // retried: not a clean measure
    pace.batch(result(9_000, [1], 1, 0)); // no JUnit: the times are the command's
    expect(pace.leadMs()).toBe(240);
    expect(pace.minBatchMs()).toBe(2 * (120 + 1_000));
  });
});
