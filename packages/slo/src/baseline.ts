import type { Measurement } from './assess.js';
import type { RelativeObjective, SloDefinition } from './model.js';
import type { BaselineResult, Verdict } from './result.js';
import { num, pct, secs } from './format.js';

/**
 * Relative objectives: "at most X worse than the baseline environment". Compared on the SLI's "badness": the bad
 * fraction for ratio, latency-fraction and time-slice SLIs, the latency itself for quantile SLIs, and the raw
 * value in the failing direction of the comparison for PromQL SLIs.
 */
function badness(
  slo: SloDefinition,
  m: Measurement,
): { value: number; higherIsWorse: boolean; show: (v: number) => string } {
  const sli = slo.sli;
  if (sli.kind === 'latency' && sli.quantile !== undefined) return { value: m.value, higherIsWorse: true, show: secs };
  if (sli.kind === 'promql' && sli.mode === 'instant')
    return { value: m.value, higherIsWorse: sli.op === '<' || sli.op === '<=', show: num };
  return { value: 1 - m.value, higherIsWorse: true, show: (v) => `${pct(v, 3)} bad` };
}

export function compareWithBaseline(
  slo: SloDefinition,
  relative: RelativeObjective,
  measured: Measurement | undefined,
  baseline: Measurement | undefined,
  baselineProblem: string | undefined,
): BaselineResult {
  const common = {
    maxWorse: relative.maxWorse,
    ...(relative.warnWorse !== undefined ? { warnWorse: relative.warnWorse } : {}),
  };
  if (!measured)
    return {
      ...common,
      verdict: 'inconclusive',
      reason: 'no measurement for this environment',
      measured: null,
      baseline: null,
      degradation: null,
    };
  if (!baseline) {
    return {
      ...common,
      verdict: 'inconclusive',
      reason: `baseline has no trustworthy data: ${baselineProblem ?? 'unknown'}`,
      measured: measured.value,
      baseline: null,
      degradation: null,
    };
  }
  const pr = badness(slo, measured);
  const base = badness(slo, baseline);
  const sign = pr.higherIsWorse ? 1 : -1;
  const limit = (worse: number): number => base.value + sign * (Math.abs(base.value) * worse + relative.slack);
  const within = (worse: number): boolean => (pr.higherIsWorse ? pr.value <= limit(worse) : pr.value >= limit(worse));
  const degradation =
    base.value === 0 ? (pr.value === 0 ? 0 : null) : (sign * (pr.value - base.value)) / Math.abs(base.value);
  const passWorse = relative.warnWorse ?? relative.maxWorse;
  let verdict: Verdict;
  if (within(passWorse)) verdict = 'pass';
  else if (relative.warnWorse !== undefined && within(relative.maxWorse)) verdict = 'warn';
  else verdict = 'fail';
  const change = degradation === null ? 'from a zero baseline' : `${degradation >= 0 ? '+' : ''}${pct(degradation, 1)}`;
  const reason =
    `${pr.show(pr.value)} vs baseline ${base.show(base.value)} (${change} worse; ` +
    `allowed ${pct(relative.maxWorse, 1)}${relative.slack ? ` + ${num(relative.slack)}` : ''})`;
  return { ...common, verdict, reason, measured: measured.value, baseline: baseline.value, degradation };
}
