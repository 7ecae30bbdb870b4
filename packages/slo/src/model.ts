import type { QueryTemplate } from './template.js';

/**
 * The normalised SLO model. All three input formats (inline YAML, OpenSLO v1, Sloth prometheus/v1) load into
 * these types, so evaluation has exactly one code path.
 */

/**
 * A query that counts events per evaluation step. The template's `{{window}}` is replaced by the step, so one
 * range query yields per-step increments that add up client-side to any longer window. `unit` says whether a
 * value is a count in the window (increase) or a per-second rate (rate) to be multiplied by the step.
 */
export interface EventQuery {
  readonly template: QueryTemplate;
  readonly unit: 'count' | 'rate';
  /** The bare series selector the query was built from, when it was (enables label batching, shared-selector.ts). */
  readonly selector?: QueryTemplate;
}

export type Comparison = '<' | '<=' | '>' | '>=';

export interface RatioSli {
  readonly kind: 'ratio';
  /** Exactly one of good/bad is set. */
  readonly good?: EventQuery;
  readonly bad?: EventQuery;
  readonly total: EventQuery;
  /**
   * When the good/bad query returns nothing at a step where total has data, count it as 0 instead of
   * inconclusive. Off by default: a typo in the bad query would otherwise read as "no errors".
   */
  readonly missingAsZero: boolean;
}

/** Latency from a classic histogram: one query returning per-`le` bucket increments. */
export interface LatencySli {
  readonly kind: 'latency';
  readonly buckets: EventQuery;
  /** Seconds. Fraction mode: share of requests at or under it. Quantile mode: the bound the quantile must meet. */
  readonly thresholdSeconds: number;
  /** Set for quantile mode (e.g. 0.95): the objective is histogram_quantile(q) <= threshold. */
  readonly quantile?: number;
}

/** Raw PromQL compared with a threshold: at the end of the window (instant) or per step (timeslices). */
export interface PromqlSli {
  readonly kind: 'promql';
  readonly query: QueryTemplate;
  readonly op: Comparison;
  readonly threshold: number;
  readonly warnThreshold?: number;
  readonly mode: 'instant' | 'timeslices';
}

export type SliSpec = RatioSli | LatencySli | PromqlSli;

/**
 * A calendar-aligned window (OpenSLO `isRolling: false` with `calendar`): periods of `count` × `unit` laid end to
 * end from `startTime` (wall-clock time in `timeZone`); the objective covers the current period up to now.
 */
export interface CalendarWindow {
  readonly kind: 'calendar';
  readonly count: number;
  readonly unit: 'minute' | 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year';
  /** The shorthand as written (`1M`), for labels. */
  readonly text: string;
  /** Wall-clock start of the first period, `YYYY-MM-DD HH:MM:SS` in timeZone. */
  readonly startTime: string;
  /** IANA time zone name. */
  readonly timeZone: string;
}

export type WindowSpec =
  { readonly kind: 'duration'; readonly ms: number } | { readonly kind: 'since-start' } | CalendarWindow;

/** "At most X worse than the baseline": X as a fraction (0.1 = 10 %). */
export interface RelativeObjective {
  readonly maxWorse: number;
  readonly warnWorse?: number;
  /** Absolute slack added to the baseline before comparing, so a baseline of exactly 0 does not demand 0. */
  readonly slack: number;
}

export interface BurnRateTier {
  readonly name: string;
  /** Burn-rate multiple that fires the tier when both windows reach it. */
  readonly factor: number;
  readonly longMs: number;
  readonly shortMs: number;
  readonly severity: 'fail' | 'warn';
}

/**
 * Time-slice budgeting (OpenSLO `Timeslices` / `RatioTimeslices`): the window is cut into slices of `sliceMs` and
 * the objective is judged on slices, not events. Timeslices: a slice is good when its SLI meets `sliceTarget`,
 * and the share of good slices must meet the target. RatioTimeslices: the mean of the slices' ratios must meet it.
 * A slice without traffic has no ratio and counts neither way; a slice without data lowers coverage.
 */
export interface TimesliceBudget {
  readonly method: 'Timeslices' | 'RatioTimeslices';
  readonly sliceMs: number;
  /** Timeslices with a ratio SLI: the ratio a slice needs to be good. */
  readonly sliceTarget?: number;
}

export interface Objective {
  /** Fraction of good events/slices required (0..1). For quantile SLIs it is the quantile. Unused by instant PromQL. */
  readonly target?: number;
  /** Lower fraction that still earns `warn`. */
  readonly warnTarget?: number;
  /** Quantile SLIs: a looser bound (seconds) that still earns `warn`. */
  readonly warnThresholdSeconds?: number;
  readonly window?: WindowSpec;
  readonly minRequests?: number;
  /** false disables burn-rate checks; undefined takes the evaluation default. */
  readonly burnRate?: false | readonly BurnRateTier[];
  readonly relative?: RelativeObjective;
  /** Set for time-slice budgeting; absent means occurrences (events). */
  readonly timeslices?: TimesliceBudget;
}

export interface SloDefinition {
  readonly name: string;
  readonly description?: string;
  readonly service?: string;
  /** Where it came from (file or input name) and in which format, for messages. */
  readonly origin: string;
  readonly format: 'inline' | 'openslo' | 'sloth';
  readonly sli: SliSpec;
  readonly objective: Objective;
  /** Weight in the total score (default 1). */
  readonly weight: number;
  /** A key SLO caps the overall verdict at its own; a non-key SLO only moves the score. Default true. */
  readonly key: boolean;
  /** What the loader accepted but does not act on, said once per SLO (copied to the result's notes). */
  readonly notes?: readonly string[];
}

export interface SloSet {
  readonly slos: readonly SloDefinition[];
  /** Variables declared in the files (user vars); the caller's vars override them. */
  readonly vars: Readonly<Record<string, string>>;
  /** Variable overrides selecting the baseline environment, for relative objectives. */
  readonly baseline?: Readonly<Record<string, string>>;
}
