/**
 * Classic-histogram maths done client-side on bucket counts summed over a window, so one range query of per-step
 * bucket increments serves every window. Same interpolation rules as PromQL's histogram_quantile.
 */
export interface Bucket {
  /** Upper bound in seconds; Infinity for the +Inf bucket. */
  readonly le: number;
  /** Cumulative count of observations <= le. */
  readonly count: number;
}

/** Sorted, with cumulative counts forced monotonic (increase() extrapolation can break monotonicity slightly). */
export function normalizeBuckets(buckets: readonly Bucket[]): Bucket[] {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  let max = 0;
  return sorted.map((b) => {
    max = Math.max(max, b.count);
    return { le: b.le, count: max };
  });
}

/** PromQL histogram_quantile over cumulative buckets; NaN when there are no observations or no +Inf bucket. */
export function bucketQuantile(q: number, input: readonly Bucket[]): number {
  const buckets = normalizeBuckets(input);
  const last = buckets[buckets.length - 1];
  if (!last || last.le !== Infinity || buckets.length < 2) return Number.NaN;
  const total = last.count;
  if (total <= 0) return Number.NaN;
  const rank = q * total;
  let i = buckets.findIndex((b) => b.count >= rank);
  if (i < 0) i = buckets.length - 1;
  if (i === buckets.length - 1) return (buckets[buckets.length - 2] as Bucket).le;
  const bucket = buckets[i] as Bucket;
  if (i === 0 && bucket.le <= 0) return bucket.le;
  const start = i === 0 ? 0 : (buckets[i - 1] as Bucket).le;
  const below = i === 0 ? 0 : (buckets[i - 1] as Bucket).count;
  const inBucket = bucket.count - below;
  if (inBucket <= 0) return bucket.le;
  return start + (bucket.le - start) * ((rank - below) / inBucket);
}

/**
 * Observations at or under `threshold` (seconds), interpolating linearly inside the bucket that contains it when
 * it is not a bucket bound (the same assumption histogram_quantile makes). Returns [good, total].
 */
export function countAtOrBelow(
  threshold: number,
  input: readonly Bucket[],
): { good: number; total: number; exact: boolean } {
  const buckets = normalizeBuckets(input);
  const last = buckets[buckets.length - 1];
  if (!last || last.le !== Infinity) return { good: Number.NaN, total: Number.NaN, exact: false };
  const total = last.count;
  let previous: Bucket = { le: 0, count: 0 };
  for (const bucket of buckets) {
    if (bucket.le === threshold) return { good: bucket.count, total, exact: true };
    if (bucket.le > threshold) {
      if (bucket.le === Infinity) return { good: previous.count, total, exact: false };
      const share = (threshold - previous.le) / (bucket.le - previous.le);
      return { good: previous.count + (bucket.count - previous.count) * Math.max(0, share), total, exact: false };
    }
    previous = bucket;
  }
  return { good: total, total, exact: false };
}
