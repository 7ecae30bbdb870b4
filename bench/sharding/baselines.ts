/**
 * Baseline splitters, re-implemented from the descriptions in shared/reference/sharding-performance.md §1 (no code
 * copied). Each returns the keys per shard; the bench measures them against the same actual durations.
 */
import { createHash } from 'node:crypto';
import { parseTestKey } from '@gauntlet/sharding';

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Keys grouped by file, files in first-seen order. */
function byFile(keys: readonly string[]): Map<string, string[]> {
  const files = new Map<string, string[]>();
  for (const key of keys) {
    const file = parseTestKey(key).file;
    const list = files.get(file);
    if (list) list.push(key);
    else files.set(file, [key]);
  }
  return files;
}

/**
 * Jest (`@jest/test-sequencer` shard): files sorted by sha1 of their relative path, contiguous slices by count; the
 * first `n mod m` shards get one file more.
 */
export function jestShards(keys: readonly string[], m: number): string[][] {
  const files = byFile(keys);
  const order = [...files.keys()].map((f) => ({ f, h: sha1(f) })).sort((a, b) => cmp(a.h, b.h));
  const n = order.length;
  const out: string[][] = Array.from({ length: m }, () => []);
  let at = 0;
  for (let s = 0; s < m; s++) {
    const size = s < n % m ? Math.ceil(n / m) : Math.floor(n / m);
    for (const { f } of order.slice(at, at + size)) out[s]!.push(...files.get(f)!);
    at += size;
  }
  return out;
}

/**
 * Vitest (BaseSequencer.shard): files sorted by sha1 of the root-relative path with its leading `/`, slices of
 * ceil(n/m) files (so the last shards can be short or empty).
 */
export function vitestShards(keys: readonly string[], m: number): string[][] {
  const files = byFile(keys);
  const order = [...files.keys()].map((f) => ({ f, h: sha1(`/${f}`) })).sort((a, b) => cmp(a.h, b.h));
  const size = Math.ceil(order.length / m);
  return Array.from({ length: m }, (_, s) => order.slice(s * size, (s + 1) * size).flatMap(({ f }) => files.get(f)!));
}

/**
 * Playwright (filterForShard, default partition mode, files not fullyParallel): test groups = files in path order;
 * shards are balanced by test count (first shards take the remainder) and a group goes to the shard holding its
 * first test.
 */
export function playwrightShards(keys: readonly string[], m: number): string[][] {
  const files = byFile(keys);
  const groups = [...files.keys()].sort(cmp).map((f) => files.get(f)!);
  const total = keys.length;
  const sizes = Array.from({ length: m }, (_, s) => Math.floor(total / m) + (s < total % m ? 1 : 0));
  const out: string[][] = Array.from({ length: m }, () => []);
  let current = 0;
  let shard = 0;
  let end = sizes[0]!;
  for (const group of groups) {
    while (shard < m - 1 && current >= end) end += sizes[++shard]!;
    out[shard]!.push(...group);
    current += group.length;
  }
  return out;
}

/** pytest-split's fallback for tests without a duration: the mean of the known durations of the selected tests. */
export function withAverage(keys: readonly string[], known: ReadonlyMap<string, number>): Map<string, number> {
  let sum = 0;
  let n = 0;
  for (const k of keys) {
    const d = known.get(k);
    if (d !== undefined) {
      sum += d;
      n++;
    }
  }
  const avg = n ? sum / n : 1;
  return new Map(keys.map((k) => [k, known.get(k) ?? avg]));
}

/**
 * pytest-split `duration_based_chunks` (its default): walk tests in collection order, move to the next group once
 * the current one reaches total/m. Contiguous groups; late groups can be empty.
 */
export function durationBasedChunks(
  keysInCollectionOrder: readonly string[],
  known: ReadonlyMap<string, number>,
  m: number,
): string[][] {
  const d = withAverage(keysInCollectionOrder, known);
  let total = 0;
  for (const v of d.values()) total += v;
  const perGroup = total / m;
  const out: string[][] = Array.from({ length: m }, () => []);
  const load = new Array<number>(m).fill(0);
  let g = 0;
  for (const k of keysInCollectionOrder) {
    if (load[g]! >= perGroup && g < m - 1) g++;
    out[g]!.push(k);
    load[g] = load[g]! + d.get(k)!;
  }
  return out;
}

/** Plain LPT on the previous version's durations, unknown = average (pytest-split least_duration, split_tests). */
export function plainLpt(keys: readonly string[], known: ReadonlyMap<string, number>, m: number): string[][] {
  const d = withAverage(keys, known);
  const order = [...keys].sort((a, b) => d.get(b)! - d.get(a)! || cmp(a, b));
  const out: string[][] = Array.from({ length: m }, () => []);
  const load = new Array<number>(m).fill(0);
  for (const k of order) {
    let best = 0;
    for (let s = 1; s < m; s++) if (load[s]! < load[best]!) best = s;
    out[best]!.push(k);
    load[best] = load[best]! + d.get(k)!;
  }
  return out;
}

/**
 * Knapsack's regular mode (the free `knapsack` gem): items with a recorded time by LPT (ReportDistributor: longest
 * first, each to the least-loaded node); items without one round-robin across the nodes afterwards
 * (LeftoverDistributor), at no weight.
 */
export function knapsackRegular(keys: readonly string[], known: ReadonlyMap<string, number>, m: number): string[][] {
  const recorded = keys.filter((k) => known.has(k));
  const out = plainLpt(recorded, known, m);
  let node = 0;
  for (const k of keys) {
    if (known.has(k)) continue;
    out[node]!.push(k);
    node = (node + 1) % m;
  }
  return out;
}

/**
 * Ideal queue: zero latency, one item per pull, items in order of the previous version's durations (longest
 * first, unknown = average), each taken by the first idle shard. Returns the makespan on the actual durations.
 */
export function idealQueueMakespan(
  keys: readonly string[],
  known: ReadonlyMap<string, number>,
  actual: ReadonlyMap<string, number>,
  m: number,
): number {
  const d = withAverage(keys, known);
  const order = [...keys].sort((a, b) => d.get(b)! - d.get(a)! || cmp(a, b));
  const free = new Array<number>(m).fill(0);
  for (const k of order) {
    let best = 0;
    for (let s = 1; s < m; s++) if (free[s]! < free[best]!) best = s;
    free[best] = free[best]! + (actual.get(k) ?? 0);
  }
  return Math.max(...free);
}
