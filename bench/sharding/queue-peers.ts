/**
 * Section (c)'s peers and bounds: for one honest version pair, what other splitters reach on the same run, what
 * the action's queue would reach if it knew more (information bounds), and, for a pair that misses the goal, the
 * item that set its makespan. Kept apart from run.ts so the queue figures and their explanation live together.
 */
import { estimateTests, parseTestKey, testKey, type TimingStore } from '@gauntlet/sharding';
import { durationBasedChunks, jestShards, plainLpt, withAverage } from './baselines.js';
import { makespan, simulateQueue, type QueueSimOptions } from './simulate.js';

/** One honest pair as section (c) runs it: estimates (ms) in discovery order beside the actual durations (ms). */
export interface QueuePair {
  readonly k: number;
  readonly keys: readonly string[];
  readonly actualMap: ReadonlyMap<string, number>;
  readonly prev: ReadonlyMap<string, number>;
  readonly est: readonly number[];
  readonly sources: readonly string[];
  /** Items without a timing of their own (handed out first). */
  readonly first: readonly number[];
  readonly actual: readonly number[];
  /** Estimates if every test with history were told its new duration; new tests still estimated. */
  readonly knownEst: readonly number[];
}

/**
 * An information bound, not a method: the store told the new duration of every test it had a timing for (new
 * tests are still estimated).
 */
export function toldNewDurations(store: TimingStore, next: ReadonlyMap<string, number>): TimingStore {
  const known = new Map(store.entries);
  for (const [key, entry] of known) {
    const actual = next.get(key);
    if (actual !== undefined) known.set(key, { ...entry, seconds: actual });
  }
  return { ...store, entries: known };
}

const toMs = (seconds: number): number => Math.max(1, Math.round(seconds * 1000));

export function queuePair(
  k: number,
  prev: ReadonlyMap<string, number>,
  next: ReadonlyMap<string, number>,
  store: TimingStore,
): QueuePair {
  const keys = [...next.keys()];
  const ids = keys.map(parseTestKey);
  const estimates = estimateTests(ids, store);
  const knownEstimates = estimateTests(ids, toldNewDurations(store, next));
  return {
    k,
    keys,
    actualMap: next,
    prev,
    est: estimates.map((e) => toMs(e.us / 1e6)),
    sources: estimates.map((e) => e.source),
    first: estimates.flatMap((e, i) => (e.source === 'timing' ? [] : [i])),
    actual: ids.map((id) => Math.round((next.get(testKey(id)) ?? 0) * 1000)),
    knownEst: knownEstimates.map((e) => toMs(e.us / 1e6)),
  };
}

export const PEER_COLUMNS = [
  'plain LPT (static)',
  'Jest (count, static)',
  'pytest-split chunks (static)',
  'Knapsack-like queue 1 s',
  'ours 1 s, changed tests known',
  'ours 1 s, every duration known',
] as const;

/**
 * Makespans (ms) of the peers and bounds on one pair at m shards. `action` is the action's worker policy (section
 * (c)'s options at 1 s). The Knapsack-like queue is Knapsack Pro's published queue mode as far as it is published:
 * files (here items) sorted by recorded time, longest first, new ones at the mean (its batch sizes are not
 * published, so batches get the same round-trip floor as ours), no guesses first, no spread, no hand-back, the next
 * batch asked for when one ends.
 */
export function peerMakespans(p: QueuePair, m: number, action: QueueSimOptions): number[] {
  const mean = withAverage(p.keys, p.prev);
  const meanEst = p.keys.map((key) => toMs(mean.get(key)!));
  const knapsack = simulateQueue(meanEst, p.actual, {
    ...action,
    first: [],
    order: 'index',
    shareByCount: false,
    handBack: false,
    prefetch: false,
  });
  const knownFirst = p.first; // the same tests are new either way
  const known = simulateQueue(p.knownEst, p.actual, { ...action, first: knownFirst });
  const exact = simulateQueue(
    p.actual.map((a) => Math.max(1, a)),
    p.actual,
    { ...action, first: [] },
  );
  return [
    makespan(plainLpt(p.keys, p.prev, m), p.actualMap) * 1000,
    makespan(jestShards(p.keys, m), p.actualMap) * 1000,
    makespan(durationBasedChunks(p.keys, p.prev, m), p.actualMap) * 1000,
    knapsack.makespanMs,
    known.makespanMs,
    exact.makespanMs,
  ];
}

/**
 * Why a pair missed: the item with the largest actual duration in the batch that ended last, its estimate and
 * where the estimate came from, when its batch started, and the makespan had that one item been estimated right
 * (everything else unchanged).
 */
export function lastItem(p: QueuePair, action: QueueSimOptions, lbMs: number): string {
  let last: { start: number; end: number; items: readonly number[] } | undefined;
  simulateQueue(p.est, p.actual, {
    ...action,
    first: p.first,
    onBatch: (b) => {
      if (!last || b.end > last.end) last = b;
    },
  });
  if (!last) return 'no batch ran';
  const worst = last.items.reduce((a, b) => (p.actual[b]! > p.actual[a]! ? b : a));
  const fixed = [...p.est];
  fixed[worst] = Math.max(1, p.actual[worst]!);
  const fixedFirst = p.first.filter((i) => i !== worst);
  const corrected = simulateQueue(fixed, p.actual, { ...action, first: fixedFirst }).makespanMs;
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  return (
    `pair ${p.k}→${p.k + 1}: last batch (${last.items.length} items) started at ${s(last.start)}, ended ${s(last.end)} ` +
    `(LB ${s(lbMs)}); its longest item ${p.keys[worst]} estimated ${s(p.est[worst]!)} (${p.sources[worst]}), ` +
    `took ${s(p.actual[worst]!)}; with that one estimate right: ${(corrected / lbMs).toFixed(3)} × LB`
  );
}
