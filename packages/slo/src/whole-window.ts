import type { SeriesPlan } from './plan.js';
import { PART_LABEL } from './plan.js';
import type { ResolvedOptions } from './options.js';
import type { QuerySuccess } from './prometheus/types.js';
import type { DataProblem } from './result.js';
import { commonProblems } from './step-data.js';
import { bucketQuantile, countAtOrBelow, type Bucket } from './histogram.js';

/**
 * The objective's events over the whole window, from the plan's `wholeQuery` (one instant query whose parts are
 * increase() over the window, see plan.ts). Same parts and labels as the step query, so the same checks apply.
 */
export type WholeWindow =
  { ok: true; value: number; good: number; total: number } | { ok: false; problem: DataProblem; reason: string };

export function extractWholeWindow(
  plan: SeriesPlan,
  outcome: QuerySuccess,
  options: ResolvedOptions,
  notes: string[],
): WholeWindow {
  const common = commonProblems(outcome, options, notes);
  if (common && !common.ok) return { ok: false, problem: common.problem, reason: common.reason };
  if (outcome.data.resultType !== 'vector') {
    return {
      ok: false,
      problem: 'wrong-result-type',
      reason: `the whole-window query returned resultType ${outcome.data.resultType}, expected vector`,
    };
  }
  const samples = outcome.data.samples;
  const seconds = plan.window.durationMs / 1000;
  const scaleOf = (name: string): number => (plan.parts.find((p) => p.name === name)?.unit === 'rate' ? seconds : 1);
  const multi = plan.parts.length > 1;
  const partOf = (labels: Readonly<Record<string, string>>): string | undefined =>
    multi ? labels[PART_LABEL] : plan.parts[0]?.name;
  const sli = plan.slo.sli;
  if (sli.kind === 'ratio') {
    let total = 0;
    let side = 0;
    let totals = 0;
    const sideName = sli.good ? 'good' : 'bad';
    for (const s of samples) {
      const part = partOf(s.labels);
      if (plan.shared) {
        total += s.v;
        totals += 1;
        if (plan.shared.matches(s.labels)) side += s.v;
      } else if (part === 'total') {
        total += s.v * scaleOf('total');
        totals += 1;
      } else if (part === sideName) side += s.v * scaleOf(sideName);
    }
    // The step query already proved the numerator present or absent-means-zero; a missing one here is zero too.
    if (totals === 0) return { ok: false, problem: 'no-data', reason: 'the whole-window total query returned nothing' };
    // increase() extrapolates each series separately, so bad can slightly exceed total: clamp.
    const good = Math.min(total, Math.max(0, sideName === 'good' ? side : total - side));
    return { ok: true, value: total > 0 ? good / total : Number.NaN, good, total };
  }
  if (sli.kind === 'latency') {
    const buckets: Bucket[] = [];
    for (const s of samples) {
      const le = s.labels.le;
      const bound = le === '+Inf' ? Infinity : Number(le);
      if (le === undefined || Number.isNaN(bound))
        return { ok: false, problem: 'bad-response', reason: 'whole-window histogram series without a numeric le' };
      buckets.push({ le: bound, count: s.v * scaleOf('buckets') });
    }
    if (!buckets.some((b) => b.le === Infinity))
      return { ok: false, problem: 'no-data', reason: 'the whole-window histogram query has no le="+Inf" bucket' };
    buckets.sort((a, b) => a.le - b.le);
    const counted = countAtOrBelow(sli.thresholdSeconds, buckets);
    const value =
      sli.quantile !== undefined
        ? bucketQuantile(sli.quantile, buckets)
        : counted.total > 0
          ? counted.good / counted.total
          : Number.NaN;
    return { ok: true, value, good: counted.good, total: counted.total };
  }
  return { ok: false, problem: 'bad-response', reason: 'no whole-window measurement for this SLI' };
}
