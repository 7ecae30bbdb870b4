import type { InstantPlan, SeriesPlan, SkippedPlan, SloPlan } from './plan.js';
import type { ResolvedOptions } from './options.js';
import type { QueryOutcome } from './prometheus/types.js';
import type {
  BudgetInfo,
  BurnRateResult,
  DataProblem,
  QueryRecord,
  SeriesPoint,
  SloResult,
  Verdict,
} from './result.js';
import { verdictScore, worst } from './result.js';
import { commonProblems, compare, extractStepData, sumBuckets, sumLast, type StepData } from './step-data.js';
import { bucketQuantile } from './histogram.js';
import { formatDuration } from '@gauntlet/action-kit';
import { resolutionFor } from './windows.js';
import { extractWholeWindow } from './whole-window.js';
import { num, pct, secs, times } from './format.js';
import type { SloDefinition } from './model.js';

/**
 * Judges one SLO from its query answer: data checks first (any problem → inconclusive with the reason), then the
 * objective, the error budget, the burn-rate tiers. The baseline comparison is merged in by evaluate.ts.
 */
const CHART_POINTS = 60;

/** The SLI over the whole window, for the measured value and for baseline comparison. */
export interface Measurement {
  readonly value: number;
  readonly good?: number;
  readonly total?: number;
}

export type Assessment =
  | { ok: true; result: SloResult; measurement: Measurement }
  | { ok: false; result: SloResult; absentNumerator?: boolean };

function windowInfo(plan: SloPlan): SloResult['window'] {
  const w = plan.window;
  if (!w) return { startMs: 0, endMs: 0, durationMs: 0, label: 'n/a' };
  return { startMs: w.startMs, endMs: w.endMs, durationMs: w.durationMs, label: w.label };
}

export function objectiveInfo(slo: SloDefinition): SloResult['objective'] {
  const sli = slo.sli;
  const o = slo.objective;
  const opt = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
    value === undefined ? {} : ({ [key]: value } as Record<K, V>);
  if (sli.kind === 'ratio')
    return {
      description: o.timeslices
        ? o.timeslices.method === 'RatioTimeslices'
          ? `mean good/total of ${formatDuration(o.timeslices.sliceMs)} slices >= ${pct(o.target)}`
          : `${formatDuration(o.timeslices.sliceMs)} slices with good/total >= ${pct(o.timeslices.sliceTarget)} >= ${pct(o.target)}`
        : `good/total >= ${pct(o.target)}`,
      unit: 'ratio',
      ...opt('target', o.target),
      ...opt('warnTarget', o.warnTarget),
    };
  if (sli.kind === 'latency') {
    if (sli.quantile !== undefined) {
      return {
        description: `p${+(sli.quantile * 100).toFixed(3)} <= ${secs(sli.thresholdSeconds)}`,
        unit: 'seconds',
        target: sli.quantile,
        threshold: sli.thresholdSeconds,
        ...opt('warnThreshold', o.warnThresholdSeconds),
      };
    }
    return {
      description: `requests <= ${secs(sli.thresholdSeconds)} >= ${pct(o.target)}`,
      unit: 'ratio',
      threshold: sli.thresholdSeconds,
      ...opt('target', o.target),
      ...opt('warnTarget', o.warnTarget),
    };
  }
  if (sli.mode === 'timeslices') {
    return {
      description: `${o.timeslices ? `${formatDuration(o.timeslices.sliceMs)} slices` : 'steps'} with value ${sli.op} ${num(sli.threshold)} >= ${pct(o.target)}`,
      unit: 'ratio',
      threshold: sli.threshold,
      ...opt('target', o.target),
      ...opt('warnTarget', o.warnTarget),
    };
  }
  return {
    description: `value ${sli.op} ${num(sli.threshold)}`,
    unit: 'value',
    threshold: sli.threshold,
    ...opt('warnThreshold', sli.warnThreshold),
  };
}

function base(plan: SloPlan, queries: QueryRecord[]): Omit<SloResult, 'verdict' | 'reason' | 'score' | 'measured'> {
  const { slo } = plan;
  return {
    name: slo.name,
    ...(slo.description ? { description: slo.description } : {}),
    ...(slo.service ? { service: slo.service } : {}),
    sliKind: plan.sliKind,
    weight: slo.weight,
    key: slo.key,
    objective: objectiveInfo(slo),
    window: windowInfo(plan),
    burnRates: [],
    series: [],
    queries,
    notes: [],
  };
}

export function inconclusive(
  plan: SloPlan,
  queries: QueryRecord[],
  problem: DataProblem,
  reason: string,
  notes: string[] = [],
): SloResult {
  return {
    ...base(plan, queries),
    verdict: 'inconclusive',
    reason: `no trustworthy data: ${reason}`,
    problem,
    score: 0,
    measured: null,
    notes,
  };
}

export function assessSkipped(plan: SkippedPlan): SloResult {
  return inconclusive(plan, [], 'window-too-short', plan.reason);
}

export function record(kind: 'instant' | 'range', query: string, outcome: QueryOutcome, problem?: string): QueryRecord {
  return {
    kind,
    query,
    ok: outcome.ok && !problem,
    attempts: outcome.attempts,
    ...(problem ? { problem } : outcome.ok ? {} : { problem: outcome.fault.message }),
  };
}

export function assessInstant(
  plan: InstantPlan,
  outcome: QueryOutcome,
  options: ResolvedOptions,
  coverageOutcome?: QueryOutcome,
): Assessment {
  const queries = [record('instant', plan.query, outcome)];
  if (plan.coverageQuery !== undefined && coverageOutcome)
    queries.push(record('range', plan.coverageQuery, coverageOutcome));
  if (!outcome.ok) return { ok: false, result: inconclusive(plan, queries, outcome.fault.code, outcome.fault.message) };
  const notes: string[] = [];
  const common = commonProblems(outcome, options, notes);
  if (common && !common.ok)
    return { ok: false, result: inconclusive(plan, queries, common.problem, common.reason, notes) };
  const data = outcome.data;
  let sample: { t: number; v: number };
  if (data.resultType === 'vector') {
    if (data.samples.length === 0)
      return { ok: false, result: inconclusive(plan, queries, 'no-data', 'the query returned an empty vector', notes) };
    if (data.samples.length > 1) {
      return {
        ok: false,
        result: inconclusive(
          plan,
          queries,
          'too-many-series',
          `the query returned ${data.samples.length} series, expected 1`,
          notes,
        ),
      };
    }
    sample = data.samples[0] as { t: number; v: number };
  } else if (data.resultType === 'scalar') {
    sample = data.sample;
  } else {
    return {
      ok: false,
      result: inconclusive(
        plan,
        queries,
        'wrong-result-type',
        `instant query returned resultType ${data.resultType}, expected vector or scalar`,
        notes,
      ),
    };
  }
  const maxStaleMs = options.maxStalenessMs ?? Math.max(60_000, 4 * options.scrapeIntervalMs);
  const skewMs = Math.abs(plan.window.endMs - sample.t * 1000);
  if (skewMs > maxStaleMs) {
    return {
      ok: false,
      result: inconclusive(
        plan,
        queries,
        'stale',
        `sample timestamp is ${formatDuration(skewMs)} away from the evaluation time (limit ${formatDuration(maxStaleMs)})`,
        notes,
      ),
    };
  }
  // Coverage applies to every SLI: a value at the window's end says nothing about how much of the window had data.
  // It is checked after the answer's own shape, so a wrong result type is named as such (its coverage query, a range
  // query over a range vector, is a bad request on a real Prometheus).
  if (plan.coverageQuery !== undefined) {
    const covered = instantCoverage(plan, coverageOutcome, options, notes);
    if (!covered.ok) return { ok: false, result: inconclusive(plan, queries, covered.problem, covered.reason, notes) };
  }
  const sli = plan.slo.sli;
  if (sli.kind !== 'promql') throw new Error('instant plan for a non-promql SLI');
  let verdict: Verdict;
  let reason: string;
  if (compare(sample.v, sli.op, sli.threshold)) {
    verdict = 'pass';
    reason = `value ${num(sample.v)} ${sli.op} ${num(sli.threshold)}`;
  } else if (sli.warnThreshold !== undefined && compare(sample.v, sli.op, sli.warnThreshold)) {
    verdict = 'warn';
    reason = `value ${num(sample.v)} misses ${sli.op} ${num(sli.threshold)} but meets warn ${sli.op} ${num(sli.warnThreshold)}`;
  } else {
    verdict = 'fail';
    reason = `value ${num(sample.v)} is not ${sli.op} ${num(sli.threshold)}`;
  }
  const result: SloResult = {
    ...base(plan, queries),
    verdict,
    reason: `${reason} at the end of ${plan.window.label}`,
    score: verdictScore(verdict),
    measured: sample.v,
    series: [{ t: Math.round(sample.t * 1000), value: sample.v }],
    notes,
  };
  return { ok: true, result, measurement: { value: sample.v } };
}

/**
 * The share of the window's steps at which the instant SLI's query (at step scale) had a finite sample. Below
 * minCoverage the value at the end of the window is not trusted.
 */
function instantCoverage(
  plan: InstantPlan,
  outcome: QueryOutcome | undefined,
  options: ResolvedOptions,
  notes: string[],
): { ok: true } | { ok: false; problem: DataProblem; reason: string } {
  if (!outcome) return { ok: false, problem: 'no-data', reason: 'the coverage query was not run' };
  if (!outcome.ok)
    return { ok: false, problem: outcome.fault.code, reason: `coverage query: ${outcome.fault.message}` };
  const common = commonProblems(outcome, options, notes);
  if (common && !common.ok) return { ok: false, problem: common.problem, reason: `coverage query: ${common.reason}` };
  if (outcome.data.resultType !== 'matrix')
    return {
      ok: false,
      problem: 'wrong-result-type',
      reason: `coverage query returned resultType ${outcome.data.resultType}, expected matrix`,
    };
  const { window } = plan;
  const endSec = window.endMs / 1000;
  const stepSec = window.stepMs / 1000;
  const present = new Set<number>();
  for (const series of outcome.data.series)
    for (const [t, v] of series.points) {
      const k = Math.round((endSec - t) / stepSec);
      if (Number.isFinite(v) && k >= 0 && k < window.steps) present.add(k);
    }
  const coverage = present.size / window.steps;
  if (coverage >= options.minCoverage) return { ok: true };
  return {
    ok: false,
    problem: present.size === 0 ? 'no-data' : 'insufficient-coverage',
    reason: `only ${pct(coverage, 1)} of ${window.steps} steps of ${formatDuration(window.stepMs)} had data (need ${pct(options.minCoverage, 1)})`,
  };
}

/** SLI value over steps [from, to). */
function sliOver(
  plan: SeriesPlan,
  data: StepData,
  from: number,
  to: number,
): { value: number; good: number; total: number } {
  let good = 0;
  let total = 0;
  for (let k = Math.max(0, from); k < Math.min(to, data.steps); k += 1) {
    const t = data.total[k] as number;
    if (Number.isNaN(t)) continue;
    total += t;
    good += data.good[k] as number;
  }
  const sli = plan.slo.sli;
  if (sli.kind === 'latency' && sli.quantile !== undefined) {
    return { value: bucketQuantile(sli.quantile, sumBuckets(data, from, to)), good, total };
  }
  return { value: total > 0 ? good / total : Number.NaN, good, total };
}

function chartSeries(plan: SeriesPlan, data: StepData): SeriesPoint[] {
  const per = Math.max(1, Math.ceil(data.steps / CHART_POINTS));
  const out: SeriesPoint[] = [];
  for (let from = 0; from < data.steps; from += per) {
    const to = Math.min(data.steps, from + per);
    const { value, total } = sliOver(plan, data, from, to);
    out.push({ t: data.times[to - 1] as number, value: total > 0 && Number.isFinite(value) ? value : null });
  }
  return out;
}

export function assessSeries(
  plan: SeriesPlan,
  outcomes: readonly QueryOutcome[],
  options: ResolvedOptions,
  wholeOutcome?: QueryOutcome,
): Assessment {
  const queries = plan.queries.map((q, i) => record('range', q.query, outcomes[i] as QueryOutcome));
  if (plan.wholeQuery !== undefined && wholeOutcome) queries.push(record('instant', plan.wholeQuery, wholeOutcome));
  const resolutions: StepData[] = [];
  // Every query must be trustworthy; the first problem (finest resolution first) is the one reported.
  for (const [i, q] of plan.queries.entries()) {
    const outcome = outcomes[i] as QueryOutcome;
    if (!outcome.ok)
      return { ok: false, result: inconclusive(plan, queries, outcome.fault.code, outcome.fault.message) };
    const extracted = extractStepData(plan, q, outcome, options);
    if (!extracted.ok) {
      queries[i] = record('range', q.query, outcome, extracted.reason);
      return {
        ok: false,
        result: inconclusive(plan, queries, extracted.problem, extracted.reason),
        ...(extracted.absentNumerator ? { absentNumerator: true } : {}),
      };
    }
    resolutions.push(extracted.data);
  }
  // The last resolution covers the whole window; burn windows use the finest one that holds them.
  const data = resolutions[resolutions.length - 1] as StepData;
  const notes = resolutions.flatMap((r) => r.notes);
  const { slo, window } = plan;
  const sli = slo.sli;
  const slices = slo.objective.timeslices;
  const timeslices = sli.kind === 'promql' || slices !== undefined;
  const whole = sumLast(data, data.steps);
  const coverage = whole.present / whole.expected;
  const series = chartSeries(plan, data);
  const partial = (problem: DataProblem, reason: string): Assessment => ({
    ok: false,
    result: { ...inconclusive(plan, queries, problem, reason, notes), series },
  });
  if (whole.present === 0) return partial('no-data', `no step in ${window.label} had data for every part of the SLI`);
  if (coverage < options.minCoverage) {
    return partial(
      'insufficient-coverage',
      `only ${pct(coverage, 1)} of ${whole.expected} steps of ${formatDuration(window.stepMs)} had data (need ${pct(options.minCoverage, 1)})`,
    );
  }
  const minRequests = slo.objective.minRequests ?? options.minRequests;
  if (!timeslices && whole.total < minRequests) {
    return partial(
      'low-traffic',
      `only ${num(Math.round(whole.total))} requests in ${window.label} (need ${num(minRequests)})`,
    );
  }
  let measured = sliOver(plan, data, 0, data.steps);
  if (plan.wholeQuery !== undefined) {
    // The objective's value comes from increase() over the whole window (whole-window.ts), never from the steps.
    if (!wholeOutcome) return partial('no-data', 'the whole-window query was not run');
    if (!wholeOutcome.ok) return partial(wholeOutcome.fault.code, `whole-window query: ${wholeOutcome.fault.message}`);
    const overWindow = extractWholeWindow(plan, wholeOutcome, options, notes);
    if (!overWindow.ok) return partial(overWindow.problem, overWindow.reason);
    measured = overWindow;
  }
  if (!Number.isFinite(measured.value))
    return partial('no-data', 'the SLI is undefined over the window (no observations)');

  // Objective.
  const target = slo.objective.target as number;
  const fraction = measured.total > 0 ? measured.good / measured.total : Number.NaN;
  let objectiveVerdict: Verdict;
  let objectiveReason: string;
  const what =
    slices?.method === 'RatioTimeslices'
      ? 'mean slice ratio'
      : slices
        ? `slices with good/total >= ${pct(slices.sliceTarget ?? 0, 3)}`
        : timeslices
          ? 'good steps'
          : sli.kind === 'latency'
            ? `requests <= ${secs(sli.thresholdSeconds)}`
            : 'good/total';
  if (sli.kind === 'latency' && sli.quantile !== undefined) {
    const label = `p${+(sli.quantile * 100).toFixed(3)}`;
    const warnBound = slo.objective.warnThresholdSeconds;
    if (measured.value <= sli.thresholdSeconds) {
      objectiveVerdict = 'pass';
      objectiveReason = `${label} ${secs(measured.value)} <= ${secs(sli.thresholdSeconds)}`;
    } else if (warnBound !== undefined && measured.value <= warnBound) {
      objectiveVerdict = 'warn';
      objectiveReason = `${label} ${secs(measured.value)} > ${secs(sli.thresholdSeconds)} but <= warn ${secs(warnBound)}`;
    } else {
      objectiveVerdict = 'fail';
      objectiveReason = `${label} ${secs(measured.value)} > ${secs(warnBound ?? sli.thresholdSeconds)}`;
    }
  } else {
    const warnTarget = slo.objective.warnTarget;
    if (measured.value >= target) {
      objectiveVerdict = 'pass';
      objectiveReason = `${what} ${pct(measured.value, 3)} >= target ${pct(target, 3)}`;
    } else if (warnTarget !== undefined && measured.value >= warnTarget) {
      objectiveVerdict = 'warn';
      objectiveReason = `${what} ${pct(measured.value, 3)} < target ${pct(target, 3)} but >= warn ${pct(warnTarget, 3)}`;
    } else {
      objectiveVerdict = 'fail';
      objectiveReason = `${what} ${pct(measured.value, 3)} < ${warnTarget !== undefined ? `warn ${pct(warnTarget, 3)}` : `target ${pct(target, 3)}`}`;
    }
  }
  const eventsLabel = slices ? `slices of ${formatDuration(slices.sliceMs)}` : timeslices ? 'steps' : 'requests';
  objectiveReason += ` over ${window.label} (${num(Math.round(measured.total))} ${eventsLabel}${
    slices && whole.present > whole.total
      ? `; ${num(whole.present - Math.round(whole.total))} without traffic, not counted`
      : ''
  })`;

  // Error budget, on the good fraction (for quantile SLIs: share of requests under the bound vs the quantile).
  const allowed = 1 - target;
  const badFraction = 1 - fraction;
  const budget: BudgetInfo = {
    allowedBadFraction: allowed,
    badFraction,
    consumed: badFraction / allowed,
    remaining: 1 - badFraction / allowed,
  };

  // Burn rates.
  const minEvents = timeslices ? 1 : options.minBurnEvents;
  const burnRates: BurnRateResult[] = plan.tiers.map((tier) => {
    const measure = (ms: number) => {
      const r = resolutions[resolutionFor(plan.queries, ms)] as StepData;
      const s = sumLast(r, Math.round(ms / r.stepMs));
      const cov = s.expected > 0 ? s.present / s.expected : 0;
      const rate = s.total > 0 ? (1 - s.good / s.total) / allowed : null;
      return { windowMs: ms, burnRate: rate, events: Math.round(s.total * 1000) / 1000, coverage: cov };
    };
    const long = measure(tier.longMs);
    const short = measure(tier.shortMs);
    const common = {
      tier: tier.name,
      factor: tier.factor,
      severity: tier.severity,
      nominalLongMs: tier.nominalLongMs,
      nominalShortMs: tier.nominalShortMs,
      long,
      short,
    };
    const windows = `${formatDuration(long.windowMs)}/${formatDuration(short.windowMs)}`;
    const thin = [long, short].find(
      (w) => w.coverage < options.minCoverage || w.events < minEvents || w.burnRate === null,
    );
    if (thin) {
      const why =
        thin.coverage < options.minCoverage
          ? `${pct(thin.coverage, 1)} coverage`
          : `${num(thin.events)} ${eventsLabel}`;
      return {
        ...common,
        status: 'inconclusive' as const,
        reason: `${tier.name} (${times(tier.factor)} over ${windows}): ${formatDuration(thin.windowMs)} window has too little data (${why})`,
      };
    }
    const firing = (long.burnRate as number) >= tier.factor && (short.burnRate as number) >= tier.factor;
    return {
      ...common,
      status: firing ? ('firing' as const) : ('ok' as const),
      reason: `${tier.name}: burn ${times(long.burnRate)} over ${formatDuration(long.windowMs)} and ${times(short.burnRate)} over ${formatDuration(short.windowMs)} ${firing ? '>=' : 'vs'} ${times(tier.factor)}`,
    };
  });

  let verdict: Verdict = objectiveVerdict;
  const reasons = [objectiveReason];
  let problem: DataProblem | undefined;
  for (const b of burnRates) {
    if (b.status === 'firing') {
      verdict = worst(verdict, b.severity);
      reasons.push(`burn-rate alert ${b.reason}`);
    } else if (b.status === 'inconclusive') {
      verdict = worst(verdict, 'inconclusive');
      problem = 'low-traffic';
      reasons.push(`burn rate ${b.reason}`);
    }
  }
  if (burnRates.length > 0 && burnRates.every((b) => b.status === 'ok')) reasons.push('no burn-rate alert');
  if (!timeslices) reasons.push(`budget left ${pct(budget.remaining, 1)}`);

  const result: SloResult = {
    ...base(plan, queries),
    verdict,
    reason: reasons.join('; '),
    ...(problem && verdict === 'inconclusive' ? { problem } : {}),
    score: verdictScore(verdict),
    measured: measured.value,
    events: { good: measured.good, total: measured.total },
    budget,
    burnRates,
    series,
    notes,
  };
  return { ok: true, result, measurement: { value: measured.value, good: measured.good, total: measured.total } };
}
