/**
 * `mode: run` — run shard i of n from the plan: the user's command with the shard's files or tests, output streamed
 * through the neutralising runner, failed tests retried, and the result (JUnit, timing partial, metadata) written
 * to `results-dir` for the merge. A re-run attempt of the shard runs exactly the same tests, or with
 * `rerun: failed` only those that failed in its previous attempt (when that attempt's result is in results-dir).
 */
import path from 'node:path';
import { UserError, neutralize } from '@gauntlet/action-kit';
import { JOB_SUMMARY_LIMIT, MarkdownDoc, renderWithin } from '@gauntlet/github';
import { mergeJUnitReports, type Plan, type PlanItem } from '@gauntlet/sharding';
import type { ModeDeps } from '../../deps.js';
import { retryItems } from '../../execute.js';
import { jobCreatedAtOf } from '../../job-created.js';
import type { RunModeInputs } from '../../inputs.js';
import { itemKeys, shardItems } from '../../plan-io.js';
import { buildResult, samplesOf } from '../../shard-result.js';
import { earlierAttempts, loadShardPlan, shardExecutor, writeShardResult } from '../../shard-step.js';

/** Items to run in this attempt: all, or with `rerun: failed` only those that failed in the previous attempt. */
async function itemsForAttempt(
  inputs: RunModeInputs,
  deps: ModeDeps,
  plan: Plan,
  items: readonly PlanItem[],
): Promise<{ items: readonly PlanItem[]; note?: string }> {
  if (inputs.execution.rerun !== 'failed' || deps.ctx.runAttempt <= 1) return { items };
  const previous = await earlierAttempts(inputs, deps, plan);
  if (previous.length === 0) {
    return {
      items,
      note: 'rerun is "failed" but no earlier result of this shard is in results-dir; running all its tests',
    };
  }
  const latest = previous[previous.length - 1]!;
  if (latest.meta.status !== 'completed')
    return { items, note: `the previous attempt ended ${latest.meta.status}; running all its tests` };
  const merged = previous.length === 1 ? latest.junit : mergeJUnitReports(previous.map((p) => p.junit));
  const failed = retryItems(items, merged);
  return {
    items: failed,
    note: `re-running only the ${failed.length} item${failed.length === 1 ? '' : 's'} that failed in attempt ${latest.meta.attempt}`,
  };
}

export async function runRunMode(inputs: RunModeInputs, deps: ModeDeps): Promise<void> {
  const { logger, ctx } = deps;
  const spec = inputs.shard;
  const { plan, runner } = await loadShardPlan(inputs, deps);
  const planned = shardItems(plan, spec.index, spec.total);
  const { items, note } = await itemsForAttempt(inputs, deps, plan, planned);
  if (note) logger.info(`Shard ${spec.index}/${spec.total}: ${note}.`);

  const jobCreated = jobCreatedAtOf(deps.github(), ctx, deps.env, logger);

  const startedMs = Date.now();
  logger.info(
    `Shard ${spec.index}/${spec.total} of plan ${plan.id}: ${items.length} item${items.length === 1 ? '' : 's'}.`,
  );
  const execResult =
    items.length === 0
      ? undefined
      : await shardExecutor(inputs, deps, plan, runner)(items, `shard ${spec.index}/${spec.total}`);
  const finishedMs = Date.now();
  const created = await jobCreated;
  const report = execResult?.report ?? { suites: [] };
  const status = execResult?.cancelled ? 'cancelled' : 'completed';
  const result = buildResult({
    planId: plan.id,
    shard: spec.index,
    shardTotal: spec.total,
    attempt: ctx.runAttempt,
    source: 'run',
    status,
    exitCode: execResult ? (execResult.failed ? 1 : 0) : 0,
    startedMs,
    finishedMs,
    durationSeconds: (execResult?.durationMs ?? 0) / 1000,
    tests: itemKeys(items),
    report,
    ...(execResult?.cancelled ? { message: 'the step was cancelled while its tests ran' } : {}),
    ...(execResult?.timedOut ? { message: 'the test command exceeded its timeout' } : {}),
    retries: Math.max(0, (execResult?.attempts.length ?? 1) - 1),
    recordTimings: !execResult || !execResult.failed || execResult.attempts.some((a) => a.junitFiles > 0),
    runs: samplesOf(execResult?.attempts ?? []),
    ...(created !== undefined && created <= startedMs ? { overheadSeconds: (startedMs - created) / 1000 } : {}),
  });
  const failed = execResult?.failed ?? false;
  const conclusion = status === 'cancelled' ? 'cancelled' : failed ? 'failure' : 'success';
  const { dir, counts } = await writeShardResult(inputs, deps, result, conclusion);

  const doc = new MarkdownDoc()
    .heading(3, `Shard ${spec.index} of ${spec.total}`)
    .markdown(
      `${counts.tests} tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.flaky} flaky, ${counts.skipped} skipped` +
        `${execResult && execResult.attempts.length > 1 ? `, after ${execResult.attempts.length - 1} retr${execResult.attempts.length === 2 ? 'y' : 'ies'}` : ''}.`,
    );
  await deps.summary.write(renderWithin(doc, JOB_SUMMARY_LIMIT));
  logger.info(
    `Result written to ${neutralize(path.relative(inputs.workingDirectory, dir) || dir)}; upload ${neutralize(path.relative(inputs.workingDirectory, inputs.resultsDir) || '.')} as an artifact for the merge.`,
  );

  if (status === 'cancelled') throw new UserError(`shard ${spec.index}/${spec.total} was cancelled`);
  if (failed && inputs.failOnFailure) {
    throw new UserError(
      execResult?.timedOut
        ? `shard ${spec.index}/${spec.total}: the test command exceeded its timeout`
        : `shard ${spec.index}/${spec.total}: ${counts.failed} test${counts.failed === 1 ? '' : 's'} failed`,
    );
  }
}
