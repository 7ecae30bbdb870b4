/**
 * Smoothing across runs. One run's duration of a test is noisy (same-day re-recordings of one suite differ by a
 * median 1.8x per test), but tests also really change (a file gets 3x slower after a refactor), and a plan that
 * lags behind a real change is worse than one that follows noise. So: an exponentially weighted moving average that
 * restarts on a step change. Observations within a factor DEFAULT_RESET_FACTOR of the smoothed value are averaged
 * with weight DEFAULT_ALPHA; anything further away replaces it. One number per test keeps the store small.
 *
 * Chosen on the dataset series in bench/sharding (plan with the store after version k, run version k+1; medians
 * over pairs at 4/8/16 shards):
 *   alpha 0.5, reset 1.25: localstack 1.002/1.005/1.023, identity-idp 1.025/1.027/1.000, tilavarauspalvelu
 *     (pure noise) 1.110/1.258/1.000;
 *   no smoothing:          localstack 1.000/1.002/1.005, identity-idp 1.019/1.024/1.000, tilavarauspalvelu
 *     1.100/1.310/1.000;
 *   plain EWMA 0.5:        localstack 1.037/1.061/1.081, identity-idp 1.039/1.089/1.000 (lags real changes).
 * The series are months apart (real change dominates); tilavarauspalvelu is noise only. The band keeps most of
 * "no smoothing" on drift and some of the gain of smoothing on noise.
 */
export const DEFAULT_ALPHA = 0.5;

/** Runs a test may be absent before its entry is pruned (renamed and deleted tests must not grow the store forever). */
export const DEFAULT_MAX_MISSED_RUNS = 20;

/** s' = alpha * observed + (1 - alpha) * previous; the first observation is taken as is. */
export function ewma(previous: number | undefined, observed: number, alpha: number = DEFAULT_ALPHA): number {
  if (previous === undefined) return observed;
  return alpha * observed + (1 - alpha) * previous;
}

export const DEFAULT_RESET_FACTOR = 1.25;

/**
 * EWMA that restarts on a step change: an observation more than `resetFactor` times larger or smaller than the
 * smoothed value is taken as is (the test really changed), anything within the band is smoothed (noise).
 */
export function smooth(
  previous: number | undefined,
  observed: number,
  alpha: number = DEFAULT_ALPHA,
  resetFactor: number = DEFAULT_RESET_FACTOR,
): number {
  if (previous === undefined) return observed;
  if (observed > previous * resetFactor || observed * resetFactor < previous) return observed;
  return ewma(previous, observed, alpha);
}

/**
 * Rounds seconds to microseconds, the planner's unit, so stores print compactly and identically everywhere
 * (milliseconds are too coarse: suites like nf-metro have thousands of sub-millisecond tests).
 */
export function roundSeconds(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}
