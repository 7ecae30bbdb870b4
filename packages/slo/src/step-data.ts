import type { PlannedQuery, SeriesPlan } from './plan.js';
import { PART_LABEL } from './plan.js';
import type { ResolvedOptions } from './options.js';
import type { QuerySuccess, RangeSeries } from './prometheus/types.js';
import type { DataProblem } from './result.js';
import { countAtOrBelow, type Bucket } from './histogram.js';
import { promDuration } from './duration.js';
import type { TimesliceBudget } from './model.js';

/**
 * Per-step event counts on the window's step grid, extracted from one range query and checked for every way the
 * data can be untrustworthy. Missing steps are NaN, never 0: a gap is not "no errors".
 */
export interface StepData {
  readonly steps: number;
  readonly stepMs: number;
  /** Unix ms of each step's end (point timestamp). */
  readonly times: readonly number[];
  /** Good events (or good slices) per step; NaN where missing. */
  readonly good: Float64Array;
  /** All events (or slices with data) per step; NaN where missing. */
  readonly total: Float64Array;
  /** Latency SLIs: cumulative bucket counts per step, by ascending le. */
  readonly buckets?: { readonly le: readonly number[]; readonly counts: readonly Float64Array[] };
  readonly notes: string[];
}

export type Extracted =
  { ok: true; data: StepData } | { ok: false; problem: DataProblem; reason: string; absentNumerator?: boolean };

export function matchesAllowList(warning: string, allow: ResolvedOptions['allowWarnings']): boolean {
  return allow.some((a) => (typeof a === 'string' ? warning.includes(a) : a.test(warning)));
}

/** The checks shared by range and instant answers: warnings, invalid samples. */
export function commonProblems(
  outcome: QuerySuccess,
  options: ResolvedOptions,
  notes: string[],
): Extracted | undefined {
  const blocking = outcome.warnings.filter((w) => !matchesAllowList(w, options.allowWarnings));
  for (const w of outcome.warnings) if (!blocking.includes(w)) notes.push(`allowed warning: ${w}`);
  for (const info of outcome.infos) notes.push(`info: ${info}`);
  if (blocking.length > 0) {
    return {
      ok: false,
      problem: 'warnings',
      reason: `Prometheus answered with warnings (possibly partial data): ${blocking.slice(0, 3).join('; ')}`,
    };
  }
  if (outcome.invalidSamples > 0) {
    return {
      ok: false,
      problem: 'non-finite',
      reason: `${outcome.invalidSamples} sample(s) were not finite numbers (e.g. ${outcome.invalidExample ?? '?'})`,
    };
  }
  return undefined;
}

export function extractStepData(
  plan: SeriesPlan,
  resolution: PlannedQuery,
  outcome: QuerySuccess,
  options: ResolvedOptions,
): Extracted {
  const notes: string[] = [];
  const common = commonProblems(outcome, options, notes);
  if (common) return common;
  if (outcome.data.resultType !== 'matrix') {
    return {
      ok: false,
      problem: 'wrong-result-type',
      reason: `range query returned resultType ${outcome.data.resultType}, expected matrix`,
    };
  }
  const { window } = plan;
  const n = resolution.steps;
  const stepSec = resolution.stepMs / 1000;
  const endSec = window.endMs / 1000;
  const startSec = endSec - (n - 1) * stepSec;
  const times = Array.from({ length: n }, (_, k) => Math.round((startSec + k * stepSec) * 1000));
  const byPart = new Map<string, RangeSeries[]>();
  const multi = plan.parts.length > 1;
  // Prometheus never sends two series with the same labels; a broken proxy or federation might.
  const identities = new Set(outcome.data.series.map((s) => JSON.stringify(Object.entries(s.labels).sort())));
  if (identities.size !== outcome.data.series.length) {
    return { ok: false, problem: 'bad-response', reason: 'the answer holds two series with identical labels' };
  }
  // Prometheus never sends a series without points; a proxy might. Such a series is no data, not a gap.
  for (const series of outcome.data.series.filter((s) => s.points.length > 0)) {
    const part = multi ? series.labels[PART_LABEL] : (plan.parts[0]?.name as string);
    if (part === undefined || !plan.parts.some((p) => p.name === part)) {
      return { ok: false, problem: 'bad-response', reason: `series without a known ${PART_LABEL} label in the answer` };
    }
    byPart.set(part, [...(byPart.get(part) ?? []), series]);
  }

  // Aligns points to the step grid; points off the grid or outside the window are ignored (and noted).
  let offGrid = 0;
  let newest = -Infinity;
  const toGrid = (series: RangeSeries, scale: number): Float64Array => {
    const values = new Float64Array(n).fill(Number.NaN);
    for (const [t, v] of series.points) {
      const k = Math.round((t - startSec) / stepSec);
      if (k < 0 || k >= n || Math.abs(t - (startSec + k * stepSec)) > 0.001) {
        offGrid += 1;
        continue;
      }
      values[k] = v * scale;
      newest = Math.max(newest, t);
    }
    return values;
  };
  const scaleOf = (unit: string): number => (unit === 'rate' ? stepSec : 1);

  let good: Float64Array;
  let total: Float64Array;
  let buckets: StepData['buckets'];
  if (plan.slo.sli.kind === 'ratio') {
    const sli = plan.slo.sli;
    const sideName = sli.good ? 'good' : 'bad';
    let totals: RangeSeries[];
    let sides: RangeSeries[];
    let totalScale: number;
    let sideScale: number;
    if (plan.shared) {
      // One `sum by (labels)` answer: every series counts toward total, the matching ones toward the side.
      totals = byPart.get('shared') ?? [];
      sides = totals.filter((series) => plan.shared!.matches(series.labels));
      totalScale = 1;
      sideScale = 1;
    } else {
      totals = byPart.get('total') ?? [];
      sides = byPart.get(sideName) ?? [];
      if (totals.length > 1 || sides.length > 1) {
        const which = totals.length > 1 ? 'total' : sideName;
        const count = Math.max(totals.length, sides.length);
        return {
          ok: false,
          problem: 'too-many-series',
          reason: `the ${which} query returned ${count} series, expected 1 (aggregate it, e.g. sum(...))`,
        };
      }
      totalScale = scaleOf(plan.parts.find((p) => p.name === 'total')?.unit ?? 'count');
      sideScale = scaleOf(plan.parts.find((p) => p.name === sideName)?.unit ?? 'count');
    }
    if (totals.length === 0)
      return { ok: false, problem: 'no-data', reason: 'the total query returned no series in the window' };
    total = sumGrids(
      totals.map((series) => toGrid(series, totalScale)),
      n,
    );
    let side: Float64Array;
    if (sides.length === 0) {
      // One `sum by` answer holds the numerator's own metric with other label values: the family exists, so
      // no matching series is no events (absent-numerator.ts). Otherwise evaluate.ts asks Prometheus.
      if (!sli.missingAsZero && !plan.shared && plan.absentReason === undefined) {
        return {
          ok: false,
          problem: 'no-data',
          reason: `the ${sideName} query returned no series in the window`,
          absentNumerator: true,
        };
      }
      side = new Float64Array(n).fill(Number.NaN);
      notes.push(
        plan.shared
          ? `the ${sideName} query returned no series; counted as 0 (its metric has other label values in the answer)`
          : `the ${sideName} query returned no series; counted as 0 (${plan.absentReason ?? 'missingAsZero'})`,
      );
    } else
      side = sumGrids(
        sides.map((series) => toGrid(series, sideScale)),
        n,
      );
    good = new Float64Array(n).fill(Number.NaN);
    for (let k = 0; k < n; k += 1) {
      const t = total[k] as number;
      let s = side[k] as number;
      if (Number.isNaN(s) && (sli.missingAsZero || sides.length === 0) && !Number.isNaN(t)) s = 0;
      if (Number.isNaN(t) || Number.isNaN(s)) {
        total[k] = Number.NaN;
        continue;
      }
      // increase() extrapolates each series separately, so bad can slightly exceed total: clamp.
      const g = sideName === 'good' ? s : t - s;
      good[k] = Math.min(t, Math.max(0, g));
    }
    const slices = plan.slo.objective.timeslices;
    if (slices) toSlices(good, total, slices);
  } else if (plan.slo.sli.kind === 'latency') {
    const sli = plan.slo.sli;
    const series = byPart.get('buckets') ?? [];
    if (series.length === 0)
      return { ok: false, problem: 'no-data', reason: 'the histogram query returned no series in the window' };
    const byLe = new Map<number, RangeSeries>();
    let identity: string | undefined;
    for (const s of series) {
      const { le, [PART_LABEL]: _part, ...rest } = s.labels;
      const bound = le === undefined ? Number.NaN : le === '+Inf' ? Infinity : Number(le);
      if (Number.isNaN(bound))
        return {
          ok: false,
          problem: 'bad-response',
          reason: 'histogram series without a numeric le label (query the _bucket series, sum by (le))',
        };
      const key = JSON.stringify(Object.entries(rest).sort());
      if ((identity !== undefined && key !== identity) || byLe.has(bound)) {
        return {
          ok: false,
          problem: 'too-many-series',
          reason: 'the histogram query returned more than one series per le bucket; aggregate with sum by (le)',
        };
      }
      identity = key;
      byLe.set(bound, s);
    }
    if (!byLe.has(Infinity))
      return {
        ok: false,
        problem: 'bad-response',
        reason: 'the histogram has no le="+Inf" bucket, so the total is unknown',
      };
    const les = [...byLe.keys()].sort((a, b) => a - b);
    const scale = scaleOf(plan.parts[0]?.unit ?? 'count');
    const counts = les.map((le) => toGrid(byLe.get(le) as RangeSeries, scale));
    buckets = { le: les, counts };
    good = new Float64Array(n).fill(Number.NaN);
    total = new Float64Array(n).fill(Number.NaN);
    let exact = true;
    for (let k = 0; k < n; k += 1) {
      const row: Bucket[] = [];
      let missing = false;
      les.forEach((le, i) => {
        const c = (counts[i] as Float64Array)[k] as number;
        if (Number.isNaN(c)) missing = true;
        row.push({ le, count: c });
      });
      if (missing) continue;
      const r = countAtOrBelow(sli.thresholdSeconds, row);
      exact &&= r.exact;
      good[k] = r.good;
      total[k] = r.total;
    }
    if (!exact && sli.quantile === undefined)
      notes.push(`threshold ${sli.thresholdSeconds}s is not a bucket bound; counts interpolated inside its bucket`);
  } else {
    const sli = plan.slo.sli;
    const series = byPart.get('value') ?? [];
    if (series.length === 0)
      return { ok: false, problem: 'no-data', reason: 'the query returned no series in the window' };
    if (series.length > 1)
      return {
        ok: false,
        problem: 'too-many-series',
        reason: `the query returned ${series.length} series, expected 1`,
      };
    const values = toGrid(series[0] as RangeSeries, 1);
    good = new Float64Array(n).fill(Number.NaN);
    total = new Float64Array(n).fill(Number.NaN);
    for (let k = 0; k < n; k += 1) {
      const v = values[k] as number;
      if (Number.isNaN(v)) continue;
      total[k] = 1;
      good[k] = compare(v, sli.op, sli.threshold) ? 1 : 0;
    }
  }
  if (offGrid > 0) notes.push(`${offGrid} point(s) off the ${promDuration(resolution.stepMs)} step grid were ignored`);
  if (!Number.isFinite(newest)) return { ok: false, problem: 'no-data', reason: 'no points fell inside the window' };
  const maxStaleMs = options.maxStalenessMs ?? Math.max(2 * resolution.stepMs, 4 * options.scrapeIntervalMs);
  const ageMs = window.endMs - newest * 1000;
  if (ageMs > maxStaleMs) {
    return {
      ok: false,
      problem: 'stale',
      reason: `newest data point is ${promDuration(ageMs)} old at the window's end (limit ${promDuration(maxStaleMs)})`,
    };
  }
  const data: StepData = { steps: n, stepMs: resolution.stepMs, times, good, total, notes };
  return { ok: true, data: buckets ? { ...data, buckets } : data };
}

/**
 * Turns per-slice event counts into slice counts, in place: under Timeslices a slice is 1 total and 1 good when
 * its ratio meets the slice target; under RatioTimeslices it is 1 total and its ratio good, so good/total is the
 * mean ratio. A slice without traffic stays present (it had data) but counts 0 either way.
 */
function toSlices(good: Float64Array, total: Float64Array, slices: TimesliceBudget): void {
  for (let k = 0; k < total.length; k += 1) {
    const t = total[k] as number;
    if (Number.isNaN(t)) continue;
    if (t <= 0) {
      good[k] = 0;
      total[k] = 0;
      continue;
    }
    const ratio = (good[k] as number) / t;
    total[k] = 1;
    good[k] = slices.method === 'RatioTimeslices' ? ratio : ratio >= (slices.sliceTarget as number) ? 1 : 0;
  }
}

/** Per-step sums of several series; a step is missing (NaN) only when no series has a point there. */
function sumGrids(grids: readonly Float64Array[], n: number): Float64Array {
  if (grids.length === 1) return grids[0] as Float64Array;
  const out = new Float64Array(n).fill(Number.NaN);
  for (const grid of grids) {
    for (let k = 0; k < n; k += 1) {
      const v = grid[k] as number;
      if (!Number.isNaN(v)) out[k] = Number.isNaN(out[k]) ? v : (out[k] as number) + v;
    }
  }
  return out;
}

export function compare(value: number, op: string, threshold: number): boolean {
  switch (op) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    default:
      return value >= threshold;
  }
}

/** Sums of the last `count` steps: events, good, and how many steps had data. */
export function sumLast(
  data: StepData,
  count: number,
): { good: number; total: number; present: number; expected: number } {
  let good = 0;
  let total = 0;
  let present = 0;
  const from = Math.max(0, data.steps - count);
  for (let k = from; k < data.steps; k += 1) {
    const t = data.total[k] as number;
    if (Number.isNaN(t)) continue;
    present += 1;
    total += t;
    good += data.good[k] as number;
  }
  return { good, total, present, expected: data.steps - from };
}

/** Bucket counts summed over steps [from, to), skipping steps with any bucket missing. */
export function sumBuckets(data: StepData, from: number, to: number): Bucket[] {
  const b = data.buckets;
  if (!b) return [];
  return b.le.map((le, i) => {
    let sum = 0;
    const counts = b.counts[i] as Float64Array;
    for (let k = Math.max(0, from); k < Math.min(to, data.steps); k += 1)
      if (!Number.isNaN(data.total[k])) sum += counts[k] as number;
    return { le, count: sum };
  });
}
