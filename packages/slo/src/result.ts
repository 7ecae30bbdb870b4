/**
 * The result model: pure data for the action wrapper (outputs, gate) and the reporting package (Markdown, charts).
 * Every verdict carries a human reason and the numbers behind it.
 */
export type Verdict = 'pass' | 'warn' | 'fail' | 'inconclusive';

/** Why there is no trustworthy answer. Each maps to `inconclusive`, which gates as fail unless told otherwise. */
export type DataProblem =
  | 'no-data'
  | 'non-finite'
  | 'stale'
  | 'warnings'
  | 'low-traffic'
  | 'insufficient-coverage'
  | 'too-many-series'
  | 'wrong-result-type'
  | 'window-too-short'
  | 'timeout'
  | 'connection'
  | 'http-error'
  | 'bad-request'
  | 'bad-response'
  | 'aborted';

export interface WindowInfo {
  /** Unix milliseconds. */
  readonly startMs: number;
  readonly endMs: number;
  readonly durationMs: number;
  /** `30m` or `since start (20m)`. */
  readonly label: string;
}

export interface BudgetInfo {
  /** Allowed bad fraction: 1 - target. */
  readonly allowedBadFraction: number;
  readonly badFraction: number;
  /** Share of the budget used in the window (may exceed 1). */
  readonly consumed: number;
  /** 1 - consumed; negative when overspent. */
  readonly remaining: number;
}

export interface BurnWindowInfo {
  readonly windowMs: number;
  /** null when the window had no usable data. */
  readonly burnRate: number | null;
  readonly events: number;
  readonly coverage: number;
}

export interface BurnRateResult {
  readonly tier: string;
  readonly factor: number;
  readonly severity: 'fail' | 'warn';
  /** Workbook windows before scaling. */
  readonly nominalLongMs: number;
  readonly nominalShortMs: number;
  readonly long: BurnWindowInfo;
  readonly short: BurnWindowInfo;
  readonly status: 'ok' | 'firing' | 'inconclusive';
  readonly reason: string;
}

export interface BaselineResult {
  readonly verdict: Verdict;
  readonly reason: string;
  readonly measured: number | null;
  readonly baseline: number | null;
  /** (measured - baseline) / baseline in the "worse" direction; null when undefined. */
  readonly degradation: number | null;
  readonly maxWorse: number;
  readonly warnWorse?: number;
}

export interface SeriesPoint {
  /** Unix milliseconds at the end of the bucket. */
  readonly t: number;
  /** SLI value in the bucket; null where there was no traffic or data. */
  readonly value: number | null;
}

export interface QueryRecord {
  readonly kind: 'instant' | 'range';
  readonly query: string;
  readonly ok: boolean;
  readonly attempts: number;
  readonly problem?: string;
}

export interface SloResult {
  readonly name: string;
  readonly description?: string;
  readonly service?: string;
  readonly sliKind: 'ratio' | 'latency-fraction' | 'latency-quantile' | 'promql-instant' | 'promql-timeslices';
  readonly verdict: Verdict;
  readonly reason: string;
  /** Set when verdict is inconclusive (or a sub-check was). */
  readonly problem?: DataProblem;
  readonly weight: number;
  readonly key: boolean;
  /** 1 pass, 0.5 warn, 0 fail/inconclusive. */
  readonly score: number;
  readonly objective: {
    /** What "good" means, e.g. `>= 0.995`, `p95 <= 0.3 s`, `< 0.5`. */
    readonly description: string;
    readonly target?: number;
    readonly warnTarget?: number;
    readonly threshold?: number;
    readonly warnThreshold?: number;
    readonly unit: 'ratio' | 'seconds' | 'value';
  };
  readonly window: WindowInfo;
  /** The SLI over the window: a ratio, a latency in seconds, or the raw value. */
  readonly measured: number | null;
  readonly events?: { readonly good: number; readonly total: number };
  readonly budget?: BudgetInfo;
  readonly burnRates: readonly BurnRateResult[];
  readonly baseline?: BaselineResult;
  readonly series: readonly SeriesPoint[];
  readonly queries: readonly QueryRecord[];
  readonly notes: readonly string[];
}

export interface SloCheckResult {
  readonly verdict: Verdict;
  /** What the gate does with it: inconclusive becomes fail (or warn when the caller asked). */
  readonly gate: 'pass' | 'warn' | 'fail';
  readonly reason: string;
  /** Weighted score 0..100. */
  readonly score: number;
  readonly evaluatedAtMs: number;
  readonly slos: readonly SloResult[];
  readonly stats: {
    readonly queries: number;
    readonly attempts: number;
    readonly retries: number;
    readonly deduplicated: number;
    readonly durationMs: number;
  };
}

const RANK: Record<Verdict, number> = { pass: 0, warn: 1, inconclusive: 2, fail: 3 };

/** The worse of verdicts: fail > inconclusive > warn > pass (a known failure is more useful than "no data"). */
export function worst(...verdicts: Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((a, b) => (RANK[b] > RANK[a] ? b : a), 'pass');
}

export function verdictScore(verdict: Verdict): number {
  return verdict === 'pass' ? 1 : verdict === 'warn' ? 0.5 : 0;
}

/** JSON for action outputs and later steps: stable field names, `schemaVersion`, non-finite numbers as null. */
export function toJsonOutput(result: SloCheckResult): string {
  return JSON.stringify({ schemaVersion: 1, ...result }, (_key, value: unknown) =>
    typeof value === 'number' && !Number.isFinite(value) ? null : value,
  );
}
