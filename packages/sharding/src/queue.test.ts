/**
 * Queue core: transitions, the CAS client, and an interleaving simulator (seeded; the seed is in the test name)
 * that lets workers read, compute and compare-and-swap in random orders, die holding leases, and run past their
 * lease. Property: every item is completed (credited) exactly once, and the invariant holds after every write.
 */
import { describe, expect, it } from 'vitest';
import { batchParts, QueueClient, QueueError } from './queue-client.js';
import { InMemoryQueueStore, type QueueStore, type Versioned } from './queue-store.js';
import {
  batchItems,
  batchSize,
  checkQueueInvariant,
  claim,
  complete,
  createQueueState,
  release,
  releaseItems,
  renew,
  requeueExpired,
  spreadRank,
  type ClaimResult,
  type Lease,
  type QueueOptions,
  type QueueState,
} from './queue-state.js';
import { int, mulberry32, type Random } from './test-helpers.js';

describe('queue transitions', () => {
  it('claims longest first in batches of about remaining / (2 × workers), at least one item', () => {
    let s = createQueueState('p', [1, 50, 10, 10, 10, 10, 9], 2);
    // Equal estimates in spread order: 2, 3, 4, 5 are 010, 011, 100, 101; reversed 010, 110, 001, 101.
    expect(s.pending).toEqual([1, 4, 2, 5, 3, 6, 0]);
    expect(createQueueState('p', [1, 50, 10, 10, 10, 10, 9], 2, { order: 'index' }).pending).toEqual([
      1, 2, 3, 4, 5, 6, 0,
    ]);
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
    let s = createQueueState('p', [5, 5, 5, 5], 1, { order: 'index' });
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

  it('hands guessed items out first, then longest first; a released batch goes back in that order', () => {
    let s = createQueueState('p', [1, 50, 10, 3, 10], 1, { first: [3, 0, 3, 99], order: 'index' });
    expect(s.first).toEqual([0, 3]); // de-duplicated, out-of-range dropped
    expect(s.pending).toEqual([3, 0, 1, 2, 4]);
    const a = claim(s, 'w', 0);
    s = a.state;
    const lease = (a.result as Extract<ClaimResult, { kind: 'batch' }>).lease;
    expect(lease.items).toEqual([3]); // guesses are shared out by count: 2 guessed / (2 × 1 worker)
    s = release(s, lease);
    checkQueueInvariant(s);
    expect(s.pending).toEqual([3, 0, 1, 2, 4]);
    expect(s.leases).toEqual([]);
    expect(release(s, lease)).toBe(s); // no longer held: unchanged
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('spread order: guessed items, and equal estimates, go out drawn from all over the suite, not by neighbours', () => {
    // 8 guessed tests of one file (0–7, one guess each), then 8 timed ones of another, all 10 ms.
    const est = new Array<number>(16).fill(10);
    const s = createQueueState('p', est, 2, { first: [0, 1, 2, 3, 4, 5, 6, 7] });
    expect(s.order).toBe('spread');
    expect(s.pending).toEqual([0, 4, 2, 6, 1, 5, 3, 7, 8, 12, 10, 14, 9, 13, 11, 15]);
    const a = claim(s, 'w', 0);
    expect(a.result.kind === 'batch' && a.result.lease.items).toEqual([0, 4]); // 8 guessed / (2 × 2 workers)
    // Longest first still decides before the spread.
    expect(createQueueState('p', [1, 1, 1, 5], 1).pending).toEqual([3, 0, 2, 1]);
    // A released batch goes back in the same order; a state written before the spread order is kept by index.
    const back = release(a.state, (a.result as Extract<ClaimResult, { kind: 'batch' }>).lease);
    expect(back.pending).toEqual(s.pending);
    const { order: _order, ...legacy } = s;
    const legacyBack = release(claim(legacy, 'w', 0).state, { id: 1 });
    expect(legacyBack.pending).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    checkQueueInvariant(legacyBack);
  });

  it('spreadRank is a permutation of the indices that puts neighbours far apart', () => {
    for (const n of [1, 2, 3, 7, 8, 1000, 4097]) {
      const ranks = Array.from({ length: n }, (_, i) => spreadRank(i, n));
      expect(new Set(ranks).size).toBe(n);
      expect(Math.max(...ranks)).toBeLessThan(2 ** Math.max(1, Math.ceil(Math.log2(Math.max(2, n)))));
    }
    // Items next to each other in spread order are at least a quarter of the suite apart by index.
    const byRank = Array.from({ length: 1000 }, (_, i) => i).sort((a, b) => spreadRank(a, 1000) - spreadRank(b, 1000));
    for (let k = 1; k < byRank.length; k++) expect(Math.abs(byRank[k]! - byRank[k - 1]!)).toBeGreaterThanOrEqual(250);
  });

  it('a batch filling minBatchMs takes up to its share of the pending items by count (shareByCount)', () => {
    // The end of a run with 1 s round trips: 10 items of 10 ms and 90 of 1 ms. The share by time is 190 / 4 ms,
    // 4 items; 8 a batch beyond it would cost each worker 6 or 7 round trips, the share by count 2.
    const est = [...new Array<number>(10).fill(10), ...new Array<number>(90).fill(1)];
    const pace = { minBatchMs: 2000, maxMinBatchItems: 8 };
    const s = createQueueState('p', est, 2);
    expect(batchItems(s, pace)).toHaveLength(25); // 100 / (2 × 2)
    expect(batchItems(s, { ...pace, shareByCount: false })).toHaveLength(8);
    // Never beyond minBatchMs: 600 ms items fill 2 s with 3 whatever the share (then the 4 smallest ride along).
    const long = [...new Array<number>(10).fill(600), ...new Array<number>(90).fill(1)];
    expect(batchItems(createQueueState('p', long, 2), pace).map((i) => long[i])).toEqual([600, 600, 600, 1, 1, 1, 1]);
    // Never below the fixed cap.
    expect(batchItems(createQueueState('p', [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 4), pace)).toHaveLength(8);
  });

  it('releaseItems hands part of a held lease back and keeps the rest leased; only the rest is credited', () => {
    let s = createQueueState('p', [40, 30, 20, 10], 1);
    const a = claim(s, 'w', 0);
    s = a.state;
    const lease = (a.result as Extract<ClaimResult, { kind: 'batch' }>).lease;
    expect(lease.items).toEqual([0]);
    const b = claim(createQueueState('p', [40, 30, 20, 10], 1), 'w', 0, { minBatchMs: 100, maxMinBatchItems: 4 });
    let t = b.state;
    const big = (b.result as Extract<ClaimResult, { kind: 'batch' }>).lease;
    expect(big.items).toEqual([0, 1, 2, 3]);
    t = releaseItems(t, big, [2, 3, 99]);
    checkQueueInvariant(t);
    expect(t.pending).toEqual([2, 3]);
    expect(t.leases[0]!.items).toEqual([0, 1]);
    // Completed with the worker's own (stale) lease object: the state's lease decides what is credited.
    const done = complete(t, big);
    expect(done.result.credited).toEqual([0, 1]);
    expect(releaseItems(done.state, big, [0])).toBe(done.state); // no longer held: unchanged
    expect(releaseItems(t, big, [])).toBe(t);
    const all = releaseItems(t, big, [0, 1]);
    expect(all.leases).toEqual([]);
    expect(all.pending).toEqual([0, 1, 2, 3]);
    expect(s.leases).toHaveLength(1);
  });

  it('batchParts cuts a batch into halves by count, at most maxParts runs', () => {
    expect(batchParts([5, 6, 7, 8, 9, 10, 11, 12])).toEqual([
      [5, 6, 7, 8],
      [9, 10],
      [11, 12],
    ]);
    expect(batchParts([1, 2, 3], 3)).toEqual([[1, 2], [3]]);
    expect(batchParts([1])).toEqual([[1]]);
    expect(batchParts([1, 2, 3, 4], 1)).toEqual([[1, 2, 3, 4]]);
    expect(batchParts([])).toEqual([]);
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

describe('batch policy with a pull latency (minBatchMs)', () => {
  // Small: estimate × maxMinBatchItems (8) < minBatchMs (400), i.e. under 50.
  const estimates = [1000, 900, 800, 700, 600, 40, 30, 20, 10, 5, 1, 0];
  const latency = { minBatchMs: 400 };

  it('a batch of long items takes up to 4 of the smallest along; without minBatchMs it is plain factoring', () => {
    const s = createQueueState('p', estimates, 2);
    // Factoring: 4106 / 4 ≈ 1026 → [1000]; then the four smallest, smallest first.
    expect(batchItems(s, latency)).toEqual([0, 11, 10, 9, 8]);
    expect(batchItems(s)).toEqual([0]);
    expect(batchItems(s, { ...latency, rideAlongItems: 0 })).toEqual([0]);
    expect(batchItems(s, { ...latency, rideAlongItems: 2 })).toEqual([0, 11, 10]);
    const next = claim(s, 'w', 0, latency);
    expect(next.result.kind === 'batch' && next.result.lease.items).toEqual([0, 11, 10, 9, 8]);
    expect(next.state.pending).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(batchSize(s, 400)).toBe(5);
  });

  it('a batch that already reaches the small items takes none along (the end of a run is as before)', () => {
    const s = createQueueState('p', [60, 40, 30, 20, 10, 5, 1], 4);
    // Factoring 166 / 8 ≈ 21 < minBatchMs: filled to 400 with at most 8 items, all of them here.
    expect(batchItems(s, latency)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const tiny = createQueueState('p', [40, 30, 20, 10], 1);
    expect(batchItems(tiny, { ...latency, maxMinBatchItems: 2 })).toEqual([0, 1]);
  });

  it('only small items ride along, never one that would fill a batch by itself', () => {
    const s = createQueueState('p', [1000, 900, 800, 700, 600, 500, 60, 50], 2);
    expect(batchItems(s, latency)).toEqual([0]); // 60 and 50 are not small (× 8 ≥ 400)
  });

  it('property: every item is claimed exactly once, batches are never empty, pending stays sorted, deterministic', () => {
    let rideAlongs = 0;
    for (let seed = 0; seed < 250; seed++) {
      const rand = mulberry32(seed);
      const n = int(rand, 1, 300);
      const est = Array.from({ length: n }, () => (rand() < 0.5 ? int(rand, 0, 20) : int(rand, 0, 5000)));
      const options: QueueOptions = {
        minBatchMs: rand() < 0.2 ? 0 : int(rand, 1, 4000),
        maxMinBatchItems: int(rand, 1, 12),
        rideAlongItems: int(rand, 0, 8),
        shareByCount: rand() < 0.5,
      };
      const order = rand() < 0.5 ? 'index' : 'spread';
      const workers = int(rand, 1, 64);
      const tieFirst = (a: number, b: number): boolean =>
        order === 'index' ? a < b : spreadRank(a, n) < spreadRank(b, n);
      let s = createQueueState('p', est, workers, { order });
      const seen = new Array<number>(n).fill(0);
      const held: Lease[] = [];
      for (let t = 0; s.pending.length > 0; t++) {
        const again = claim(s, 'w', t, options);
        const r = claim(s, 'w', t, options);
        expect(again).toEqual(r); // deterministic, and claim does not modify its input
        const { pending } = s;
        const cap = options.shareByCount
          ? Math.max(options.maxMinBatchItems!, Math.ceil(pending.length / (2 * workers)))
          : options.maxMinBatchItems!;
        const small = (i: number): boolean => est[i]! * cap < options.minBatchMs!;
        expect(r.result.kind).toBe('batch');
        const items = (r.result as Extract<ClaimResult, { kind: 'batch' }>).lease.items;
        expect(items.length).toBeGreaterThan(0);
        // The batch is a prefix of pending plus, possibly, a few of its last (smallest) items, smallest first.
        let head = 0;
        while (head < items.length && items[head] === pending[head]) head++;
        const ride = items.slice(head);
        expect(ride).toEqual(pending.slice(pending.length - ride.length).reverse());
        expect(ride.length).toBeLessThanOrEqual(options.rideAlongItems!);
        if (ride.length > 0) {
          rideAlongs++;
          expect(options.minBatchMs).toBeGreaterThan(0);
          expect(ride.every(small)).toBe(true);
          expect(small(pending[head - 1]!)).toBe(false);
        }
        for (const i of items) seen[i]!++;
        s = r.state;
        checkQueueInvariant(s);
        const sorted = s.pending.every((b, k) => {
          const a = s.pending[k - 1];
          return a === undefined || est[a]! > est[b]! || (est[a] === est[b] && tieFirst(a, b));
        });
        expect(sorted).toBe(true);
        held.push((r.result as Extract<ClaimResult, { kind: 'batch' }>).lease);
        // Complete some of the held batches now and then, as workers would.
        while (held.length > 0 && rand() < 0.5) s = complete(s, held.shift()!).state;
      }
      expect(seen.every((c) => c === 1)).toBe(true);
      for (const lease of held) s = complete(s, lease).state;
      expect(claim(s, 'w', 0, options).result).toEqual({ kind: 'done' });
      expect(s.completed).toBe(n);
    }
    expect(rideAlongs).toBeGreaterThan(100);
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

/** `latency`: also draw the pull-latency options (minBatchMs, item cap, ride-along), with many small items. */
function simulate(
  seed: number,
  latency = false,
): {
  credited: number[];
  n: number;
  conflicts: number;
  deaths: number;
  expiries: number;
  rideAlongs: number;
} {
  const rand: Random = mulberry32(seed);
  const n = int(rand, 0, 150);
  const workers = int(rand, 1, 8);
  const estimates = Array.from({ length: n }, () => int(rand, 1, 100));
  const options: QueueOptions = { minLeaseMs: int(rand, 50, 400), leaseFactor: rand() * 3 };
  if (latency) {
    for (let i = 0; i < n; i++) if (rand() < 0.5) estimates[i] = int(rand, 0, 3);
    Object.assign(options, {
      minBatchMs: int(rand, 1, 300),
      maxMinBatchItems: int(rand, 1, 10),
      rideAlongItems: int(rand, 0, 6),
    });
  }
  let rideAlongs = 0;
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
      if (r.result.kind === 'batch') {
        // Not a prefix of pending: some small items rode along.
        const items = r.result.lease.items;
        const pending = requeueExpired(s, now).pending;
        if (items.some((i, k) => pending[k] !== i)) rideAlongs++;
      }
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
  return { credited, n, conflicts, deaths, expiries, rideAlongs };
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

describe('queue with pull-latency options (min batch, ride-along): every item completes exactly once', () => {
  const seeds = Array.from({ length: 300 }, (_, i) => 10_000 + i);
  let totals = { expiries: 0, rideAlongs: 0 };
  it.each(seeds)('interleaving seed %i', (seed) => {
    const r = simulate(seed, true);
    const counts = new Array<number>(r.n).fill(0);
    for (const i of r.credited) counts[i]!++;
    expect(counts.every((c) => c === 1)).toBe(true);
    totals = { expiries: totals.expiries + r.expiries, rideAlongs: totals.rideAlongs + r.rideAlongs };
  });
  it('the simulator really exercised ride-alongs and late completions', () => {
    expect(totals.rideAlongs).toBeGreaterThan(100);
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
