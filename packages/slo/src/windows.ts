import { formatDuration } from '@gauntlet/action-kit';
import { WORKBOOK_LONGEST_MS } from './burn-rate-policy.js';
import type { BurnRateTier, WindowSpec } from './model.js';
import { currentPeriod } from './calendar.js';

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
  } else if (spec.kind === 'calendar') {
    const period = currentPeriod(spec, endMs);
    rawMs = endMs - period.startMs;
    label = `calendar ${spec.text} since ${period.startLabel}`;
    if (rawMs <= 0) return { error: `the calendar ${spec.text} period starts at the evaluation time` };
  } else {
    rawMs = spec.ms;
    label = formatDuration(rawMs);
  }
  const step = stepMs ?? chooseStepMs(rawMs, minStepMs);
  const steps = Math.floor(rawMs / step);
  const durationMs = steps * step;
  if (spec.kind === 'since-start') label = `since start (${formatDuration(durationMs)})`;
  if (spec.kind === 'calendar') label = `${label} (${formatDuration(durationMs)})`;
  return { startMs: endMs - durationMs, endMs, durationMs, label, stepMs: step, steps };
}

/**
 * Long windows get two range queries instead of one: per-step increments are only needed at fine resolution for
 * the recent span that short burn windows cover; the rest of the window is summed from coarse steps. A 3-day
 * window at 5-minute steps is 864 evaluation steps in one query, or 180 + 144 in two. Windows of at most
 * SINGLE_QUERY_MAX_POINTS steps keep one query (the common PR case).
 */
export const SINGLE_QUERY_MAX_POINTS = 720;
export const SPLIT_POINTS = 180;

export interface Resolution {
  readonly stepMs: number;
  /** Points in the query: the last `steps` steps up to the window's end. */
  readonly steps: number;
  readonly spanMs: number;
}

/** Resolutions finest first; the last one covers the whole (possibly re-rounded) window. */
export function chooseResolutions(
  window: ResolvedWindow,
  allowSplit: boolean,
): { window: ResolvedWindow; resolutions: Resolution[] } {
  if (!allowSplit || window.steps <= SINGLE_QUERY_MAX_POINTS) {
    return { window, resolutions: [{ stepMs: window.stepMs, steps: window.steps, spanMs: window.durationMs }] };
  }
  const fine: Resolution = { stepMs: window.stepMs, steps: SPLIT_POINTS, spanMs: SPLIT_POINTS * window.stepMs };
  const coarseStep =
    STEP_LADDER_MS.find((s) => s > window.stepMs && s % window.stepMs === 0 && window.durationMs / s <= SPLIT_POINTS) ??
    Math.ceil(window.durationMs / SPLIT_POINTS / window.stepMs) * window.stepMs;
  const coarseSteps = Math.floor(window.durationMs / coarseStep);
  const durationMs = coarseSteps * coarseStep;
  const coarse: Resolution = { stepMs: coarseStep, steps: coarseSteps, spanMs: durationMs };
  return {
    window: { ...window, startMs: window.endMs - durationMs, durationMs, stepMs: coarseStep, steps: coarseSteps },
    resolutions: [fine, coarse],
  };
}

/** The finest resolution that holds a window exactly. */
export function resolutionFor(resolutions: readonly Resolution[], windowMs: number): number {
  const i = resolutions.findIndex((r) => windowMs <= r.spanMs && windowMs % r.stepMs === 0);
  return i < 0 ? resolutions.length - 1 : i;
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
  resolutions: readonly Resolution[] = [{ stepMs: window.stepMs, steps: window.steps, spanMs: window.durationMs }],
): ScaledTier[] {
  const factor = scale && window.durationMs < WORKBOOK_LONGEST_MS ? window.durationMs / WORKBOOK_LONGEST_MS : 1;
  const fit = (ms: number): number => {
    const wanted = Math.max(ms * factor, minWindowMs);
    for (const r of resolutions) {
      const steps = Math.max(1, Math.round(wanted / r.stepMs), Math.ceil(minWindowMs / r.stepMs));
      if (steps <= r.steps) return steps * r.stepMs;
    }
    return window.durationMs;
  };
  return tiers.map((tier) => ({
    ...tier,
    nominalLongMs: tier.longMs,
    nominalShortMs: tier.shortMs,
    longMs: fit(tier.longMs),
    shortMs: fit(tier.shortMs),
  }));
}
