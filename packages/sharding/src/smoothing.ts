/**
 * Smoothing of durations across runs. One run's duration of a test is noisy (same-day re-recordings of one suite
 * differ by a median 1.8x per test), and the plan for the next run is only as good as the estimate. An
 * exponentially weighted moving average keeps one number per test (the store stays small) and follows real
 * changes within a few runs.
 *
 * DEFAULT_ALPHA = 0.5: the weight of the newest observation. Chosen on the dataset series in bench/sharding
 * (plan with the smoothed history up to version k, measure on version k+1): 0.5 beat both "latest only" (alpha 1)
 * and heavier smoothing (0.2–0.3), which lags behind tests that really got slower. See bench/sharding/README.md.
 */
export const DEFAULT_ALPHA = 0.5;

/** Runs a test may be absent before its entry is pruned (renamed and deleted tests must not grow the store forever). */
export const DEFAULT_MAX_MISSED_RUNS = 20;

/** s' = alpha * observed + (1 - alpha) * previous; the first observation is taken as is. */
export function ewma(previous: number | undefined, observed: number, alpha: number = DEFAULT_ALPHA): number {
  if (previous === undefined) return observed;
  return alpha * observed + (1 - alpha) * previous;
}

/** Rounds seconds to milliseconds so stores and plans print the same on every machine and stay compact. */
export function roundSeconds(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
