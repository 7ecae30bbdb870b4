/**
 * Choosing the shard count (`shards: auto`). Model (sharding-performance.md §2.4): a shard's wall time is
 * T(m) = c + max(W/m, p) with W the total work, p the longest item and c the fixed cost per shard (queueing, set-up,
 * checkout, install, cache restore). T falls until W/m reaches p and is flat after that, while billed time m·c + W
 * keeps growing. So:
 *   - never more shards than W/p (extra shards cannot shorten the longest item), nor than max-parallel (shards past
 *     the concurrency cap run in later waves and pay c again), nor than GitHub's 256-job matrix limit, nor than the
 *     number of items;
 *   - the fewest shards that meet the target duration;
 *   - if the target cannot be met, the knee: the fewest shards within 10 % of the best reachable wall time, since
 *     the last shards buy little and each costs c of machine time (and up to a minute of billing).
 */
import { MAX_MATRIX_JOBS } from './shard-spec.js';

export interface ShardCountOptions {
  /** Fixed cost per shard in seconds. Default: the store's smoothed history, else 90 s (typical hosted runner). */
  readonly fixedCostSeconds?: number;
  /** Where fixedCostSeconds came from, for the explanation (default "input"). */
  readonly fixedCostSource?: string;
  /** Wall time to aim for per shard, including the fixed cost (default 300 s, Firebase Test Lab's default). */
  readonly targetSeconds?: number;
  /** Concurrency cap (the workflow's max-parallel or the plan's concurrent-job limit); default 256. */
  readonly maxParallel?: number;
}

export const DEFAULT_FIXED_COST_SECONDS = 90;
export const DEFAULT_TARGET_SECONDS = 300;
/** The knee: accept a wall time within this factor of the best reachable one. */
export const KNEE_TOLERANCE = 1.1;

export interface ShardCountInput {
  readonly totalUs: number;
  readonly longestUs: number;
  readonly itemCount: number;
  /** Where the fixed cost came from, for the explanation. */
  readonly fixedCostSource: string;
  readonly fixedCostSeconds: number;
  readonly targetSeconds: number;
  readonly maxParallel: number;
}

export interface ShardCountChoice {
  readonly count: number;
  readonly explanation: string;
}

const s = (us: number): string => `${Math.round(us / 1e6)} s`;

export function chooseShardCount(input: ShardCountInput): ShardCountChoice {
  const { totalUs: W, longestUs: p, itemCount } = input;
  const c = Math.round(input.fixedCostSeconds * 1e6);
  const target = Math.round(input.targetSeconds * 1e6);
  const facts = `total work ${s(W)}, longest item ${s(p)}, fixed cost ${s(c)} per shard (${input.fixedCostSource}), target ${s(target)}`;
  if (itemCount <= 1 || W <= 0) {
    return {
      count: 1,
      explanation: `1 shard: ${itemCount === 0 ? 'no tests' : itemCount === 1 ? 'a single item' : 'no measurable work'} (${facts}).`,
    };
  }
  const bySaturation = p > 0 ? Math.max(1, Math.floor(W / p)) : itemCount;
  const caps: [number, string][] = [
    [bySaturation, `total/longest item = ${bySaturation}`],
    [Math.max(1, Math.floor(input.maxParallel)), `max-parallel ${Math.floor(input.maxParallel)}`],
    [MAX_MATRIX_JOBS, `GitHub's ${MAX_MATRIX_JOBS}-job matrix limit`],
    [itemCount, `${itemCount} items`],
  ];
  let mMax = Infinity;
  let capReason = '';
  for (const [cap, why] of caps) {
    if (cap < mMax) {
      mMax = cap;
      capReason = why;
    }
  }
  const T = (m: number): number => c + Math.max(W / m, p);
  if (T(1) <= target)
    return { count: 1, explanation: `1 shard: the whole suite fits the target on one shard (${facts}).` };
  for (let m = 2; m <= mMax; m++) {
    if (T(m) <= target) {
      return {
        count: m,
        explanation: `${m} shards: the fewest that meet the target, predicted ${s(T(m))} per shard (${facts}; at most ${mMax}: ${capReason}).`,
      };
    }
  }
  const best = T(mMax);
  let m = 1;
  while (m < mMax && T(m) > KNEE_TOLERANCE * best) m++;
  return {
    count: m,
    explanation:
      `${m} shards: the target is out of reach (best ${s(best)} at ${mMax} shards, capped by ${capReason}); ` +
      `${m} is the fewest within ${Math.round((KNEE_TOLERANCE - 1) * 100)} % of that, predicted ${s(T(m))} per shard (${facts}).`,
  };
}
