/**
 * Queue core: transitions, the CAS client, and an interleaving simulator (seeded; the seed is in the test name)
 * that lets workers read, compute and compare-and-swap in random orders, die holding leases, and run past their
 * lease. Property: every item is completed (credited) exactly once, and the invariant holds after every write.
 */
import { describe, expect, it } from 'vitest';
import { QueueClient, QueueError } from './queue-client.js';
import { InMemoryQueueStore, type QueueStore, type Versioned } from './queue-store.js';
import {
  batchSize,
  checkQueueInvariant,
  claim,
  complete,
  createQueueState,
  renew,
  type ClaimResult,
  type Lease,
  type QueueState,
} from './queue-state.js';
import { int, mulberry32, type Random } from './test-helpers.js';

describe('queue transitions', () => {
  it('claims longest first in batches of about remaining / (2 × workers), at least one item', () => {
    let s = createQueueState('p', [1, 50, 10, 10, 10, 10, 9], 2);
    expect(s.pending).toEqual([1, 2, 3, 4, 5, 6, 0]);
    const first = claim(s, 'w1', 0);
    expect(first.result.kind === 'batch' && first.result.lease.items).toEqual([1]); // 50 > 100/4: one item
    s = first.state;
    expect(batchSize(s)).toBe(1); // 50 remaining / 4 = 12.5 → one 10
    const sizes: number[] = [];
    for (let t = 1; ; t++) {
      const r = claim(s, 'w2', t);
      s = r.state;
      if (r.result.kind !== 'batch') break;
      sizes.push(r.result.lease.items.length);
    }
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(6);
    checkQueueInvariant(s);
  });

  it('re-queues an expired lease at the next claim; a late completion wins and the re-claim loses those items', () => {
    const opts = { minLeaseMs: 100, leaseFactor: 0 };
    let s = createQueueState('p', [5, 5, 5, 5], 1);
    const a = claim(s, 'slow', 0, opts);
    s = a.state;
    const slow = (a.result as Extract<ClaimResult, { kind: 'batch' }>).lease;
    expect(slow.items).toEqual([0, 1]);
    const b = claim(s, 'other', 100, opts); // expired at 100: re-queued, re-claimed
    s = b.state;
    const other = (b.result as Extract<ClaimResult, { kind: 'batch' }>).lease;
    expect(other.items).toEqual([0, 1]);
    const late = complete(s, slow);
    expect(late.result).toEqual({ credited: [0, 1], onTime: false });
    s = late.state;
    expect(renew(s, other.id, 101, opts, other.items.length)).toBeUndefined(); // tells "other" to stop
    expect(complete(s, other).result.credited).toEqual([]); // already completed: not credited twice
    expect(complete(s, slow).result.credited).toEqual([]);
    checkQueueInvariant(s);
    expect(s.completed).toBe(2);
  });

  it('renew extends a held lease and refuses a lost one', () => {
    let s = createQueueState('p', [5], 1);
    const a = claim(s, 'w', 0, { minLeaseMs: 100 });
    s = a.state;
    const lease = (a.result as Extract<ClaimResult, { kind: 'batch' }>).lease;
    const r = renew(s, lease.id, 50, { minLeaseMs: 100 });
    expect(r?.lease.expiresAt).toBe(150);
    expect(renew(s, lease.id, 100)).toBeUndefined();
  });

  it('done when nothing is pending or leased; wait while leases are out', () => {
    let s = createQueueState('p', [5], 2);
    const a = claim(s, 'w1', 0);
    s = a.state;
    expect(claim(s, 'w2', 1).result.kind).toBe('wait');
    s = complete(s, (a.result as Extract<ClaimResult, { kind: 'batch' }>).lease).state;
    expect(claim(s, 'w2', 2).result).toEqual({ kind: 'done' });
    expect(claim(createQueueState('p', [], 3), 'w', 0).result).toEqual({ kind: 'done' });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Interleaving simulator over the pure transitions and a versioned cell.

interface SimWorker {
  id: string;
  dead: boolean;
  phase: 'idle' | 'computed' | 'running' | 'finished';
  snapshot?: { state: QueueState; version: number };
  pendingWrite?: { state: QueueState; result?: ClaimResult; credited?: readonly number[] };
  lease?: Lease;
  finishAt: number;
  wakeAt: number;
  toComplete?: Lease;
}

function simulate(seed: number): {
  credited: number[];
  n: number;
  conflicts: number;
  deaths: number;
  expiries: number;
} {
  const rand: Random = mulberry32(seed);
  const n = int(rand, 0, 150);
  const workers = int(rand, 1, 8);
  const estimates = Array.from({ length: n }, () => int(rand, 1, 100));
  const options = { minLeaseMs: int(rand, 50, 400), leaseFactor: rand() * 3 };
  let cell = { state: createQueueState('sim', estimates, workers), version: 0 };
  const credited: number[] = [];
  let conflicts = 0;
  let deaths = 0;
  let expiries = 0;
  let now = 0;
  const ws: SimWorker[] = Array.from({ length: workers }, (_, i) => ({
    id: `w${i}`,
    dead: false,
    phase: 'idle',
    finishAt: 0,
    wakeAt: 0,
  }));
  for (let step = 0; step < 200_000; step++) {
    const live = ws.filter((w) => !w.dead && w.phase !== 'finished');
    if (live.length === 0) break;
    // Runnable: idle/computed workers whose wake time has come, and running workers whose batch has finished.
    const ready = live.filter((w) => (w.phase === 'running' ? w.finishAt <= now : w.wakeAt <= now));
    if (ready.length === 0) {
      now = Math.min(...live.map((w) => (w.phase === 'running' ? w.finishAt : w.wakeAt)));
      continue;
    }
    const w = ready[Math.floor(rand() * ready.length)]!;
    now += int(rand, 0, 3);
    // Worker 0 never dies, so the run can finish; others die with a small probability at any step.
    if (w.id !== 'w0' && rand() < 0.01) {
      w.dead = true;
      deaths++;
      continue;
    }
    if (w.phase === 'running') {
      w.toComplete = w.lease;
      w.phase = 'idle';
      continue;
    }
    if (w.phase === 'idle') {
      // Read, then compute complete + claim from the snapshot (other workers may write before our CAS).
      w.snapshot = { state: cell.state, version: cell.version };
      let s = w.snapshot.state;
      let got: readonly number[] | undefined;
      if (w.toComplete) {
        const c = complete(s, w.toComplete);
        s = c.state;
        got = c.result.credited;
        if (!c.result.onTime) expiries++;
      }
      const r = claim(s, w.id, now, options);
      w.pendingWrite = { state: r.state, result: r.result, ...(got ? { credited: got } : {}) };
      w.phase = 'computed';
      continue;
    }
    // computed: compare-and-swap.
    if (w.snapshot!.version !== cell.version) {
      conflicts++;
      w.phase = 'idle';
      continue;
    }
    if (w.pendingWrite!.state !== cell.state) {
      cell = { state: w.pendingWrite!.state, version: cell.version + 1 };
      checkQueueInvariant(cell.state);
    }
    credited.push(...(w.pendingWrite!.credited ?? []));
    w.toComplete = undefined;
    const result = w.pendingWrite!.result!;
    if (result.kind === 'done') w.phase = 'finished';
    else if (result.kind === 'wait') {
      w.phase = 'idle';
      w.wakeAt = now + int(rand, 1, 50);
    } else {
      w.lease = result.lease;
      w.phase = 'running';
      // Sometimes a worker is much slower than the estimate and outlives its lease.
      const est = result.lease.items.reduce((t, i) => t + estimates[i]!, 0);
      w.finishAt = now + Math.round(est * (rand() < 0.1 ? 5 + rand() * 10 : 0.5 + rand()));
    }
  }
  expect(cell.state.pending).toEqual([]);
  expect(cell.state.leases).toEqual([]);
  expect(cell.state.completed).toBe(n);
  return { credited, n, conflicts, deaths, expiries };
}

describe('queue: every item completes exactly once under any interleaving', () => {
  const seeds = Array.from({ length: 500 }, (_, i) => i);
  let totals = { conflicts: 0, deaths: 0, expiries: 0 };
  it.each(seeds)('interleaving seed %i', (seed) => {
    const r = simulate(seed);
    const counts = new Array<number>(r.n).fill(0);
    for (const i of r.credited) counts[i]!++;
    expect(counts.every((c) => c === 1)).toBe(true);
    totals = {
      conflicts: totals.conflicts + r.conflicts,
      deaths: totals.deaths + r.deaths,
      expiries: totals.expiries + r.expiries,
    };
  });
  it('the simulator really exercised conflicts, deaths and late completions', () => {
    expect(totals.conflicts).toBeGreaterThan(100);
    expect(totals.deaths).toBeGreaterThan(10);
    expect(totals.expiries).toBeGreaterThan(10);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The real async client over the in-memory store, with a store wrapper that yields at random.

class JitteryStore implements QueueStore {
  constructor(
    private readonly inner: InMemoryQueueStore,
    private readonly rand: Random,
  ) {}
  private async jitter(): Promise<void> {
    const turns = Math.floor(this.rand() * 4);
    for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
  }
  async read(): Promise<Versioned<QueueState>> {
    await this.jitter();
    const v = await this.inner.read();
    await this.jitter();
    return v;
  }
  async compareAndSwap(state: QueueState, version: string): Promise<boolean> {
    await this.jitter();
    return this.inner.compareAndSwap(state, version);
  }
}

describe('QueueClient over a compare-and-swap store', () => {
  it.each(Array.from({ length: 20 }, (_, i) => i))(
    'seed %i: concurrent workers complete every item once',
    async (seed) => {
      const rand = mulberry32(1000 + seed);
      const inner = new InMemoryQueueStore();
      const store = new JitteryStore(inner, rand);
      const estimates = Array.from({ length: int(rand, 0, 80) }, () => int(rand, 1, 50));
      const workers = int(rand, 1, 6);
      let clock = 0;
      const credited: number[] = [];
      await Promise.all(
        Array.from({ length: workers }, async (_, w) => {
          const client = new QueueClient(store, {
            worker: `w${w}`,
            planId: 'p',
            now: () => clock++,
            sleep: async () => {},
            maxAttempts: 10_000,
          });
          await client.initialize(estimates, workers);
          let finished: Lease | undefined;
          for (;;) {
            const out = await client.claim(finished);
            credited.push(...(out.completed?.credited ?? []));
            finished = undefined;
            if (out.claim.kind === 'done') return;
            if (out.claim.kind === 'batch') finished = out.claim.lease;
            else await new Promise<void>((r) => setImmediate(r));
          }
        }),
      );
      expect([...credited].sort((a, b) => a - b)).toEqual(estimates.map((_, i) => i));
      const { state } = await inner.read();
      checkQueueInvariant(state!);
      expect(state!.completed).toBe(estimates.length);
    },
  );

  it('refuses a queue that belongs to another plan', async () => {
    const store = new InMemoryQueueStore();
    await new QueueClient(store, { worker: 'a', planId: 'p1' }).initialize([1], 1);
    await expect(new QueueClient(store, { worker: 'b', planId: 'p2' }).claim()).rejects.toThrow(QueueError);
  });

  it('gives up after too many conflicts', async () => {
    const store: QueueStore = {
      read: async () => ({ state: createQueueState('p', [1], 1), version: '1' }),
      compareAndSwap: async () => false,
    };
    await expect(
      new QueueClient(store, { worker: 'w', planId: 'p', sleep: async () => {}, maxAttempts: 3 }).claim(),
    ).rejects.toThrow(/gave up/);
  });
});
