import { UserError, neutralize, silentLogger, type Logger } from '@gauntlet/action-kit';
import type { PrometheusClient } from './prometheus/client.js';
import type { QueryOutcome } from './prometheus/types.js';
import type { SloDefinition, SloSet } from './model.js';
import { resolveOptions, type EvaluationOptions, type ResolvedOptions } from './options.js';
import { planSlo, type SloPlan } from './plan.js';
import { assessInstant, assessSeries, assessSkipped, type Assessment } from './assess.js';
import { compareWithBaseline } from './baseline.js';
import { probeAbsentNumerator } from './absent-numerator.js';
import { verdictScore, worst, type SloCheckResult, type SloResult, type Verdict } from './result.js';
import type { TemplateVars } from './template.js';

export interface EvaluateSlosParams extends EvaluationOptions {
  /** Loaded definitions (loadSlos) or a plain list. */
  readonly slos: SloSet | readonly SloDefinition[];
  readonly client: PrometheusClient;
  readonly logger?: Logger;
  /** Template variables: namespace, pr, sha and user vars; they override vars declared in the files. */
  readonly vars?: TemplateVars;
  /** Overrides selecting the baseline environment (merged over the files' `baseline:`). */
  readonly baselineVars?: TemplateVars;
}

/**
 * Evaluates every SLO once. Plans all queries first (configuration errors throw UserError before any request),
 * runs them concurrently through the client (which bounds concurrency and de-duplicates identical queries), then
 * judges each SLO and the whole set. Data problems never throw: they make an SLO inconclusive.
 */
export async function evaluateSlos(params: EvaluateSlosParams): Promise<SloCheckResult> {
  const options = resolveOptions(params);
  const logger = params.logger ?? silentLogger;
  const set: SloSet = Array.isArray(params.slos)
    ? { slos: params.slos as readonly SloDefinition[], vars: {} }
    : (params.slos as SloSet);
  if (set.slos.length === 0) throw new UserError('no SLOs to evaluate');
  const vars: TemplateVars = { ...set.vars, ...(params.vars ?? {}) };
  const started = options.clock.now();
  const before = { ...params.client.stats };

  const plans = set.slos.map((slo) => planSlo(slo, vars, options));
  const needsBaseline = set.slos.some((s) => s.objective.relative);
  let baselinePlans: Array<SloPlan | undefined> = [];
  if (needsBaseline) {
    const overrides = { ...(set.baseline ?? {}), ...(params.baselineVars ?? {}) };
    if (Object.keys(overrides).length === 0)
      throw new UserError('relative objectives need a baseline: set `baseline:` variables (e.g. namespace: main)');
    const baselineVars = { ...vars, ...overrides };
    baselinePlans = set.slos.map((slo) => (slo.objective.relative ? planSlo(slo, baselineVars, options) : undefined));
  }

  const [assessments, baselines] = await Promise.all([
    Promise.all(plans.map((plan) => runPlan(plan, params.client, options))),
    Promise.all(
      baselinePlans.map((plan) => (plan ? runPlan(plan, params.client, options) : Promise.resolve(undefined))),
    ),
  ]);

  const slos: SloResult[] = assessments.map((assessed, i) => {
    const slo = set.slos[i] as SloDefinition;
    // The definition's own notes (what the loader accepted but does not act on) come first.
    const assessment: Assessment = slo.notes?.length
      ? { ...assessed, result: { ...assessed.result, notes: [...slo.notes, ...assessed.result.notes] } }
      : assessed;
    const relative = slo.objective.relative;
    if (!relative) return assessment.result;
    const b = baselines[i];
    const comparison = compareWithBaseline(
      slo,
      relative,
      assessment.ok ? assessment.measurement : undefined,
      b?.ok ? b.measurement : undefined,
      b && !b.ok ? b.result.reason : undefined,
    );
    const verdict = assessment.ok ? worst(assessment.result.verdict, comparison.verdict) : assessment.result.verdict;
    return {
      ...assessment.result,
      verdict,
      score: verdictScore(verdict),
      reason: `${assessment.result.reason}; vs baseline: ${comparison.reason}`,
      ...(verdict === 'inconclusive' && !assessment.result.problem ? { problem: 'no-data' as const } : {}),
      baseline: comparison,
      queries: [...assessment.result.queries, ...(b?.result.queries ?? [])],
    };
  });

  for (const r of slos) logger.info(neutralize(`SLO ${r.name}: ${r.verdict.toUpperCase()} — ${r.reason}`));
  const overall = aggregate(slos, options);
  const after = params.client.stats;
  return {
    ...overall,
    evaluatedAtMs: options.nowMs,
    slos,
    stats: {
      queries: after.queries - before.queries,
      attempts: after.attempts - before.attempts,
      retries: after.retries - before.retries,
      deduplicated: after.deduplicated - before.deduplicated,
      durationMs: options.clock.now() - started,
    },
  };
}

async function runPlan(plan: SloPlan, client: PrometheusClient, options: ResolvedOptions): Promise<Assessment> {
  if (plan.kind === 'skipped') return { ok: false, result: assessSkipped(plan) };
  if (plan.kind === 'instant') {
    const end = plan.window.endMs / 1000;
    const { stepMs, steps } = plan.window;
    const [outcome, coverage]: [QueryOutcome, QueryOutcome | undefined] = await Promise.all([
      client.instant(plan.query, end, options.signal),
      plan.coverageQuery === undefined
        ? undefined
        : client.range(
            plan.coverageQuery,
            { start: end - ((steps - 1) * stepMs) / 1000, end, stepSeconds: stepMs / 1000 },
            options.signal,
          ),
    ]);
    return assessInstant(plan, outcome, options, coverage);
  }
  const end = plan.window.endMs / 1000;
  const [outcomes, whole] = await Promise.all([
    Promise.all(
      plan.queries.map((q) =>
        client.range(
          q.query,
          { start: end - ((q.steps - 1) * q.stepMs) / 1000, end, stepSeconds: q.stepMs / 1000 },
          options.signal,
        ),
      ),
    ),
    plan.wholeQuery === undefined ? undefined : client.instant(plan.wholeQuery, end, options.signal),
  ]);
  const assessment = assessSeries(plan, outcomes, options, whole);
  if (assessment.ok || !assessment.absentNumerator || !plan.numeratorMetric) {
    if (!assessment.ok && assessment.absentNumerator)
      return withReason(assessment, 'its metric name could not be told');
    return assessment;
  }
  const probe = await probeAbsentNumerator(
    client,
    plan.numeratorMetric,
    plan.window.endMs,
    plan.window.durationMs + plan.window.stepMs,
    options.signal,
  );
  if (!probe.zero) return withReason(assessment, probe.why);
  return assessSeries({ ...plan, absentReason: probe.why }, outcomes, options, whole);
}

/** An absent numerator that stays inconclusive says why, and never suggests a field the format lacks. */
function withReason(assessment: Assessment, why: string): Assessment {
  return { ...assessment, result: { ...assessment.result, reason: `${assessment.result.reason} (${why})` } };
}

/**
 * Overall verdict: the worse of (a) the worst key SLO and (b) the weighted score against passScore/warnScore.
 * Score: pass 1, warn 0.5, fail and inconclusive 0, weighted, as a percentage.
 */
export function aggregate(
  slos: readonly SloResult[],
  options: Pick<ResolvedOptions, 'passScore' | 'warnScore' | 'inconclusive'>,
): Pick<SloCheckResult, 'verdict' | 'gate' | 'reason' | 'score'> {
  const scoreWith = (inconclusiveScore: number): number => {
    const weights = slos.map((r) => (totalWeight > 0 ? r.weight : 1));
    const sum = weights.reduce((a, b) => a + b, 0);
    return (
      (100 *
        slos.reduce(
          (s, r, i) => s + (weights[i] as number) * (r.verdict === 'inconclusive' ? inconclusiveScore : r.score),
          0,
        )) /
      sum
    );
  };
  const totalWeight = slos.reduce((s, r) => s + r.weight, 0);
  const toVerdict = (score: number): Verdict =>
    score >= options.passScore ? 'pass' : score >= options.warnScore ? 'warn' : 'fail';
  const score = scoreWith(0);
  // When the score's verdict hinges on SLOs without data (it would be better if they passed), the honest answer
  // is "inconclusive", not "fail": the data problem is what the user must fix. A known failure still wins.
  const pessimistic = toVerdict(score);
  const optimistic = toVerdict(scoreWith(1));
  const scoreVerdict: Verdict = pessimistic === optimistic ? pessimistic : worst(optimistic, 'inconclusive');
  const keyVerdict = worst(...slos.filter((r) => r.key).map((r) => r.verdict));
  const verdict = worst(keyVerdict, scoreVerdict);
  const counts = (['pass', 'warn', 'fail', 'inconclusive'] as const)
    .map((v) => [v, slos.filter((r) => r.verdict === v).length] as const)
    .filter(([, n]) => n > 0);
  const worstKey = slos.filter((r) => r.key && r.verdict === keyVerdict && keyVerdict !== 'pass').map((r) => r.name);
  const parts = [
    `${counts.map(([v, n]) => `${n} ${v}`).join(', ')} of ${slos.length} SLO(s)`,
    `score ${score.toFixed(1)} (pass >= ${options.passScore}, warn >= ${options.warnScore})`,
  ];
  if (worstKey.length > 0) parts.push(`${keyVerdict}: ${worstKey.join(', ')}`);
  if (verdict === 'inconclusive') parts.push(`inconclusive gates as ${options.inconclusive}`);
  const gate = verdict === 'inconclusive' ? options.inconclusive : verdict;
  return { verdict, gate, reason: parts.join('; '), score };
}
