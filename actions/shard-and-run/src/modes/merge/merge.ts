/**
 * `mode: merge` — gather every shard's result (from results-dir), write one merged JUnit, detect missing, cancelled
 * and duplicated shards, fold the timing partials into the store (trusted runs only) and report. The Kubernetes
 * backend ends with the same `finishMerge`.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, neutralize, UserError, writeFileInside } from '@gauntlet/action-kit';
import { planShards, storeFromFlatMap, testKey, writeJUnitXml, type Plan } from '@gauntlet/sharding';
import { Outputs } from '../../constants.js';
import type { ModeDeps } from '../../deps.js';
import { COMMAND_CASE } from '../../execute.js';
import type { CommonInputs, MergeModeInputs, ReportInputs, SizingInputs } from '../../inputs.js';
import type { WorkerReports } from '../queue/cleanup.js';
import { caseId, casesOf } from '../../junit-read.js';
import { mergeResults, notRunSuites, type MergeOutcome } from './combine-results.js';
import { loadPlan, planFileReader } from '../../plan-io.js';
import { runIdentity } from '../../run-identity.js';
import { buildReport, type BuiltReport } from './report.js';
import { directoryTransport, type ShardResult } from '../../results.js';
import { timingCacheFor, updateTimingStore } from '../../timings.js';

export interface Recommendation {
  readonly count: number;
  readonly explanation: string;
}

/**
 * What the run measured, fed to the same automatic shard count the planner uses: would more (or fewer) shards have
 * helped? The fixed cost is the input, else what the shards measured, else the planner's default.
 */
export function recommendShards(
  outcome: MergeOutcome,
  plan: Plan | undefined,
  sizing: SizingInputs,
): Recommendation | undefined {
  const byItem = new Map<string, number>();
  const testLevel = plan?.granularity === 'test';
  for (const { suite, testCase } of casesOf(outcome.report)) {
    if (testCase.status === 'skipped' || testCase.name === COMMAND_CASE) continue;
    const id = caseId(testCase, suite);
    const key = testLevel && id.name !== undefined ? testKey(id) : id.file;
    byItem.set(key, (byItem.get(key) ?? 0) + testCase.time);
  }
  if (byItem.size === 0) return undefined;
  const overheads = outcome.partials
    .map((p) => p.overheadSeconds)
    .filter((s): s is number => s !== undefined)
    .sort((a, b) => a - b);
  const measured = overheads.length ? overheads[(overheads.length - 1) >> 1] : undefined;
  const fixed = sizing.shardOverheadSeconds ?? measured;
  const store = storeFromFlatMap(byItem);
  const measuredPlan = planShards({
    tests: [...byItem.keys()],
    shards: 'auto',
    timings: store,
    runnerFiltersTests: testLevel,
    auto: {
      targetSeconds: sizing.targetSeconds,
      maxParallel: sizing.maxParallel,
      // Each sample is one shard attempt's start (a job, or a pod of the Kubernetes backend), not a run.
      ...(fixed === undefined
        ? {}
        : {
            fixedCostSeconds: fixed,
            fixedCostSource:
              sizing.shardOverheadSeconds !== undefined
                ? 'input'
                : `median of ${overheads.length} shard start${overheads.length === 1 ? '' : 's'} in this run`,
          }),
    },
  });
  return { count: measuredPlan.shardCount, explanation: measuredPlan.shardCountReason };
}

export async function finishMerge(
  inputs: CommonInputs,
  deps: ModeDeps,
  results: readonly ShardResult[],
  plan: Plan | undefined,
  backendNote?: string,
): Promise<MergeOutcome> {
  const { logger, ctx } = deps;
  const outcome = mergeResults(results, { ...(plan ? { plan } : {}), logger });
  await mkdir(path.dirname(inputs.mergedJunit), { recursive: true });
  // Tests that did not run go in as errors that say why: a merged JUnit must never read green with a shard missing.
  const merged = { ...outcome.report, suites: [...outcome.report.suites, ...notRunSuites(outcome.notRunTests)] };
  await writeFileInside(ctx.workspace, inputs.mergedJunit, writeJUnitXml(merged), inputs.alsoUnder);

  const cache = timingCacheFor(inputs.timings, ctx, inputs.workingDirectory, logger, deps.cacheLibrary);
  const timing = await updateTimingStore(inputs.timings, ctx, cache, outcome.partials, logger);
  const recommendation = recommendShards(outcome, plan, inputs.sizing);
  const built = buildReport({
    outcome,
    ...(plan ? { plan } : {}),
    ...(recommendation ? { recommendation } : {}),
    timing,
    ...(backendNote ? { backendNote } : {}),
  });
  await publishMergeReport(built, inputs.report, deps);

  const t = outcome.totals;
  const failed = t.failures + t.errors;
  deps.setOutput(Outputs.conclusion, outcome.conclusion);
  deps.setOutput(Outputs.tests, t.tests);
  deps.setOutput(Outputs.passed, t.tests - failed - t.skipped - t.flaky);
  deps.setOutput(Outputs.failed, failed);
  deps.setOutput(Outputs.flaky, t.flaky);
  deps.setOutput(Outputs.skipped, t.skipped);
  deps.setOutput(
    Outputs.missingShards,
    [...outcome.missing, ...outcome.cancelled, ...outcome.errored].sort((a, b) => a - b).join(','),
  );
  deps.setOutput(Outputs.mergedJunit, inputs.mergedJunit);
  if (recommendation) deps.setOutput(Outputs.recommendedShards, recommendation.count);
  const used = results.length - outcome.ignored;
  const ignored = outcome.ignored ? ` (${outcome.ignored} of another plan ignored)` : '';
  logger.info(`Merged ${used} result${used === 1 ? '' : 's'}${ignored}: ${built.title}.`);
  return outcome;
}

/** The merged report through the runtime: PR comment section, check run and job summary (or the summary alone). */
async function publishMergeReport(built: BuiltReport, report: ReportInputs, deps: ModeDeps): Promise<void> {
  const { ctx } = deps;
  await deps.report({
    title: report.checkName,
    markdown: built.doc,
    summaryMarkdown: built.summaryDoc,
    checkRun: {
      name: report.checkName,
      conclusion: built.conclusion,
      title: built.title,
      summary: built.doc,
      annotations: built.annotations,
      maxAnnotations: report.maxAnnotations,
      detailsUrl: `${ctx.serverUrl}/${ctx.owner}/${ctx.repo}/actions/runs/${ctx.runId}/attempts/${ctx.runAttempt}`,
    },
    comment: report.comment ? {} : false,
    post: report.enabled,
  });
}

/** Which workers sent a result, for the queue clean-up (results of this plan, up to the current attempt). */
export function workerReports(
  results: readonly ShardResult[],
  planId: string,
  runAttempt: number,
  plan: Plan | undefined,
): WorkerReports | undefined {
  const ofPlan = results.filter((r) => r.meta.planId === planId && r.meta.attempt <= runAttempt);
  const totals = new Set(ofPlan.map((r) => r.meta.shardTotal));
  const total = plan?.id === planId ? plan.shardCount : totals.size === 1 ? [...totals][0]! : undefined;
  if (total === undefined) return undefined;
  const reported = new Set<number>();
  const reportedThisAttempt = new Set<number>();
  for (const r of ofPlan) {
    if (r.meta.shardTotal !== total) continue;
    reported.add(r.meta.shard);
    if (r.meta.attempt === runAttempt) reportedThisAttempt.add(r.meta.shard);
  }
  return { total, reported, reportedThisAttempt };
}

/**
 * With `namespace`, the merge deletes this run's queue ConfigMaps once every worker has finished (see
 * modes/queue/cleanup.ts). Whatever happens there is a log line or a warning, never a failed merge.
 */
async function cleanUpQueue(
  inputs: MergeModeInputs,
  deps: ModeDeps,
  results: readonly ShardResult[],
  plan: Plan | undefined,
): Promise<void> {
  const cleanup = inputs.queueCleanup;
  if (!cleanup) return;
  const { ctx, logger } = deps;
  const planId = plan?.id ?? inputs.planId;
  if (planId === undefined) return; // the input parser requires one of them
  try {
    // The Kubernetes client loads only on this path.
    const { cleanUpRunQueues } = await import('../queue/cleanup.js');
    await cleanUpRunQueues(cleanup.kubeconfig, deps.registerSecret, {
      namespace: cleanup.namespace,
      run: { repository: `${ctx.owner}/${ctx.repo}`, runId: ctx.runId, runAttempt: ctx.runAttempt, planId },
      workers: workerReports(results, planId, ctx.runAttempt, plan),
      logger,
      dryRun: cleanup.keep,
      signal: deps.signal,
    });
  } catch (error) {
    logger.warning(`Queue clean-up failed (${neutralize(errorMessage(error))}); the queue is left to expire.`);
  }
}

async function recoverQueueBatches(
  inputs: MergeModeInputs,
  deps: ModeDeps,
  results: readonly ShardResult[],
  plan: Plan,
): Promise<ShardResult[]> {
  const where = inputs.queueCleanup;
  if (!where) return [];
  const { ctx } = deps;
  // The Kubernetes client loads only on this path.
  const { recoverFromCluster } = await import('../queue/batch-results.js');
  const { connect } = await import('../kubernetes/connect.js');
  return recoverFromCluster(() => connect(where.kubeconfig, deps.registerSecret), {
    namespace: where.namespace,
    identity: runIdentity(ctx, plan.id),
    plan,
    results,
    cwd: inputs.workingDirectory,
    logger: deps.logger,
    signal: deps.signal,
  });
}

export async function runMergeMode(inputs: MergeModeInputs, deps: ModeDeps): Promise<void> {
  const plan =
    inputs.plan === undefined ? undefined : await loadPlan(inputs.plan, planFileReader(inputs, deps.ctx.workspace));
  if (!plan) deps.logger.info('No plan given: completeness is checked by shard index only.');
  const results = await directoryTransport(inputs.resultsDir, inputs.workingDirectory, {
    workspace: deps.ctx.workspace,
    alsoUnder: inputs.alsoUnder,
  }).readAll(deps.logger);
  // With the queue's namespace: workers that sent no result (killed outright) still stored every batch the queue
  // counts as completed; their results come from there.
  const recovered = plan ? await recoverQueueBatches(inputs, deps, results, plan) : [];
  let outcome: MergeOutcome;
  try {
    outcome = await finishMerge(inputs, deps, [...results, ...recovered], plan);
  } finally {
    await cleanUpQueue(inputs, deps, results, plan);
  }
  if (outcome.conclusion !== 'success' && inputs.failOnFailure) throw new UserError(outcome.reasons.join('; '));
}
