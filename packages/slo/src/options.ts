import type { BurnRateTier, WindowSpec } from './model.js';
import { WORKBOOK_TIERS } from './burn-rate-policy.js';
import type { Clock } from '@gauntlet/action-kit';
import { systemClock } from '@gauntlet/action-kit';
import { InputError } from '@gauntlet/action-kit';

/** Knobs for one evaluation. All optional; defaults are documented in README.md ("Evaluation defaults"). */
export interface EvaluationOptions {
  /** Evaluation time, Unix ms (default clock.now()). */
  readonly nowMs?: number;
  /** When the environment came up, Unix ms: needed for `since-start` windows. */
  readonly startedAtMs?: number;
  /** Window for SLOs that set none (default since-start when startedAtMs is given, else 1 h). */
  readonly defaultWindow?: WindowSpec;
  /** Forces every SLO's window (e.g. the action always evaluates since the environment came up). */
  readonly windowOverride?: WindowSpec;
  /** Fixed query step; default: chosen per window (see windows.ts). */
  readonly stepMs?: number;
  /** Scrape interval of the targets (default 15 s): the step is at least 4 of them. */
  readonly scrapeIntervalMs?: number;
  /** Smallest burn-rate window after scaling (default 2 steps). */
  readonly minBurnWindowMs?: number;
  /** Burn-rate tiers for SLOs that set none (default the SRE workbook's three); false disables. */
  readonly burnRate?: false | readonly BurnRateTier[];
  /** Scale burn windows to the evaluation window when it is shorter than 3 d (default true). */
  readonly scaleBurnWindows?: boolean;
  /** Use a fine and a coarse range query for windows over 720 steps (default true; see windows.ts). */
  readonly splitLongWindows?: boolean;
  /** Answer bad/total ratios that differ only by label matchers with one `sum by` query (default true). */
  readonly batchByLabel?: boolean;
  /**
   * Take the objective's value from increase() over the whole window (one extra instant query; default true). Off
   * only for answer-level fakes that cannot model Prometheus's extrapolation; the steps then give the value.
   */
  readonly wholeWindow?: boolean;
  /** Minimum share of steps with data in a window (default 0.9). */
  readonly minCoverage?: number;
  /** Newest sample may be at most this old at the window's end (default max(2 steps, 4 scrape intervals)). */
  readonly maxStalenessMs?: number;
  /** Minimum requests in the objective window (default 100). */
  readonly minRequests?: number;
  /** Minimum requests in each burn-rate window (default 10). */
  readonly minBurnEvents?: number;
  /** What inconclusive gates as (default fail). */
  readonly inconclusive?: 'fail' | 'warn';
  /** Prometheus warnings that are harmless for this setup; any other warning makes the SLO inconclusive. */
  readonly allowWarnings?: ReadonlyArray<string | RegExp>;
  /** Overall pass/warn score thresholds, 0..100 (default 90 / 75, as Keptn's quality gates). */
  readonly passScore?: number;
  readonly warnScore?: number;
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
}

export interface ResolvedOptions {
  readonly nowMs: number;
  readonly startedAtMs: number | undefined;
  readonly defaultWindow: WindowSpec;
  readonly windowOverride: WindowSpec | undefined;
  readonly stepMs: number | undefined;
  readonly minStepMs: number;
  readonly scrapeIntervalMs: number;
  readonly minBurnWindowMs: number | undefined;
  readonly burnRate: false | readonly BurnRateTier[];
  readonly scaleBurnWindows: boolean;
  readonly splitLongWindows: boolean;
  readonly batchByLabel: boolean;
  readonly wholeWindow: boolean;
  readonly minCoverage: number;
  readonly maxStalenessMs: number | undefined;
  readonly minRequests: number;
  readonly minBurnEvents: number;
  readonly inconclusive: 'fail' | 'warn';
  readonly allowWarnings: ReadonlyArray<string | RegExp>;
  readonly passScore: number;
  readonly warnScore: number;
  readonly clock: Clock;
  readonly signal: AbortSignal | undefined;
}

export function resolveOptions(options: EvaluationOptions = {}): ResolvedOptions {
  const clock = options.clock ?? systemClock;
  const scrapeIntervalMs = options.scrapeIntervalMs ?? 15_000;
  const positive = (name: string, value: number | undefined): void => {
    if (value !== undefined && !(Number.isFinite(value) && value > 0))
      throw new InputError(name, `must be a positive number, got ${value}`);
  };
  positive('scrapeIntervalMs', scrapeIntervalMs);
  positive('stepMs', options.stepMs);
  const minCoverage = options.minCoverage ?? 0.9;
  if (!(minCoverage > 0 && minCoverage <= 1))
    throw new InputError('minCoverage', `must be in (0, 1], got ${minCoverage}`);
  const passScore = options.passScore ?? 90;
  const warnScore = options.warnScore ?? 75;
  if (!(warnScore <= passScore && warnScore >= 0 && passScore <= 100))
    throw new InputError('passScore', 'need 0 <= warnScore <= passScore <= 100');
  return {
    nowMs: options.nowMs ?? clock.now(),
    startedAtMs: options.startedAtMs,
    defaultWindow:
      options.defaultWindow ??
      (options.startedAtMs !== undefined ? { kind: 'since-start' } : { kind: 'duration', ms: 3_600_000 }),
    windowOverride: options.windowOverride,
    stepMs: options.stepMs,
    minStepMs: 4 * scrapeIntervalMs,
    scrapeIntervalMs,
    minBurnWindowMs: options.minBurnWindowMs,
    burnRate: options.burnRate ?? WORKBOOK_TIERS,
    scaleBurnWindows: options.scaleBurnWindows ?? true,
    splitLongWindows: options.splitLongWindows ?? true,
    batchByLabel: options.batchByLabel ?? true,
    wholeWindow: options.wholeWindow ?? true,
    minCoverage,
    maxStalenessMs: options.maxStalenessMs,
    minRequests: options.minRequests ?? 100,
    minBurnEvents: options.minBurnEvents ?? 10,
    inconclusive: options.inconclusive ?? 'fail',
    allowWarnings: options.allowWarnings ?? [],
    passScore,
    warnScore,
    clock,
    signal: options.signal,
  };
}
