import { humanDuration } from './duration.js';
import { WORKBOOK_LONGEST_MS } from './burn-rate-policy.js';
import type { BurnRateTier, WindowSpec } from './model.js';

/**
 * Evaluation windows, the query step and burn-rate window scaling.
 *
 * Step: every SLI is fetched as one range query whose points are per-step increments, so the step is the finest
 * window we can sum. It is the smallest "nice" value that keeps the window under ~1,100 points (Prometheus caps a
 * range query at 11,000) and at least 4 scrape intervals, because increase() needs two samples in each step.
 *
 * Scaling: the workbook windows (1 h/5 m, 6 h/30 m, 3 d/6 h) assume a 30-day SLO. A PR environment lives
 * minutes to hours, so when the evaluation window T is shorter than 3 d we map the longest workbook window (3 d)
 * onto T and keep every other window's ratio to it: w' = w × T / 3 d. Each scaled window is then rounded to a
 * whole number of steps and clamped to [minWindow, T]. Example, T = 1 h: 1 h→50 s, 5 m→4 s (clamped up),
 * 6 h→5 m, 30 m→25 s, 3 d→1 h, 6 h→5 m. The burn-rate factors are unchanged (they are rates, not amounts).
 */
export const STEP_LADDER_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400].map(
  (s) => s * 1000,
);
export const MAX_POINTS = 1100;

export interface ResolvedWindow {
  readonly startMs: number;
  readonly endMs: number;
  readonly durationMs: number;
  readonly label: string;
  readonly stepMs: number;
  /** Number of steps in the window: points at end - (n-1)·step ... end, each covering the step before it. */
  readonly steps: number;
}

export function chooseStepMs(windowMs: number, minStepMs: number): number {
  for (const step of STEP_LADDER_MS) if (step >= minStepMs && windowMs / step <= MAX_POINTS) return step;
  return Math.max(minStepMs, Math.ceil(windowMs / MAX_POINTS / 1000) * 1000);
}

/**
 * Resolves a window spec at `endMs`: a fixed duration, or since the environment started (`startedAtMs`). The
 * duration is rounded down to whole steps so no step reaches before the start.
 */
export function resolveWindow(
  spec: WindowSpec,
  endMs: number,
  startedAtMs: number | undefined,
  stepMs: number | undefined,
  minStepMs: number,
): ResolvedWindow | { error: string } {
  let rawMs: number;
  let label: string;
  if (spec.kind === 'since-start') {
    if (startedAtMs === undefined) return { error: 'window is "since-start" but no environment start time was given' };
    rawMs = endMs - startedAtMs;
    if (rawMs <= 0) return { error: 'the environment start time is not before the evaluation time' };
    label = 'since start';
  } else {
    rawMs = spec.ms;
    label = humanDuration(rawMs);
  }
  const step = stepMs ?? chooseStepMs(rawMs, minStepMs);
  const steps = Math.floor(rawMs / step);
  const durationMs = steps * step;
  if (spec.kind === 'since-start') label = `since start (${humanDuration(durationMs)})`;
  return { startMs: endMs - durationMs, endMs, durationMs, label, stepMs: step, steps };
}

export interface ScaledTier extends BurnRateTier {
  readonly nominalLongMs: number;
  readonly nominalShortMs: number;
}

export function scaleBurnTiers(
  tiers: readonly BurnRateTier[],
  window: ResolvedWindow,
  minWindowMs: number,
  scale: boolean,
): ScaledTier[] {
  const factor = scale && window.durationMs < WORKBOOK_LONGEST_MS ? window.durationMs / WORKBOOK_LONGEST_MS : 1;
  const fit = (ms: number): number => {
    const steps = Math.max(1, Math.round((ms * factor) / window.stepMs));
    const floorSteps = Math.ceil(minWindowMs / window.stepMs);
    return Math.min(window.steps, Math.max(steps, floorSteps)) * window.stepMs;
  };
  return tiers.map((tier) => ({
    ...tier,
    nominalLongMs: tier.longMs,
    nominalShortMs: tier.shortMs,
    longMs: fit(tier.longMs),
    shortMs: fit(tier.shortMs),
  }));
}
