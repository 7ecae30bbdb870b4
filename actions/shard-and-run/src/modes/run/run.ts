/**
 * `mode: run` — run shard i of n from the plan: the user's command with the shard's files or tests, output streamed
 * through the neutralising runner, failed tests retried, and the result (JUnit, timing partial, metadata) written
 * to `results-dir` for the merge. A re-run attempt of the shard runs exactly the same tests, or with
 * `rerun: failed` only those that failed in its previous attempt (when that attempt's result is in results-dir).
 */
import path from 'node:path';
import { InputError, UserError, neutralize } from '@gauntlet/action-kit';
import { JOB_SUMMARY_LIMIT, MarkdownDoc, renderWithin } from '@gauntlet/github';
import { mergeJUnitReports, type Plan, type PlanItem } from '@gauntlet/sharding';
import { RUNNERS, type RunnerAdapter, type RunnerName } from '@gauntlet/test-runners';
import { CommandEnv, Inputs, Outputs } from '../../constants.js';
import type { ModeDeps } from '../../deps.js';
import { executeItems, retryItems } from '../../execute.js';
import { jobCreatedAtOf } from '../../job-created.js';
import type { ExecutionInputs, RunModeInputs } from '../../inputs.js';
import { itemKeys, loadPlan, planFileReader, planSplitsFiles, shardItems } from '../../plan-io.js';
import { directoryTransport, readResultDirectory } from '../../results.js';
import { buildResult, countsOf, samplesOf } from '../../shard-result.js';

/** Checks that the command can run this plan's items without running any test twice. */
export function checkCommandFitsPlan(plan: Plan, execution: ExecutionInputs): void {
  const command = execution.command;
  if (!planSplitsFiles(plan)) return;
  if (!command.hasTests) {
    throw new InputError(
      Inputs.command,
      'the plan splits files into single tests, so the command needs {tests} (with {files} two shards would run the same file)',
    );
  }
  const runner = adapterFor(execution, plan);
  if (!runner.selectsTests) {
    throw new InputError(
      Inputs.runner,
      `is ${runner.name}, which passes whole files, but the plan splits files into single tests: every shard would run those files whole; set the runner the plan was made with`,
    );
  }
}

/**
 * The runner adapter: {tests} carries test ids in the form the runner takes them. The `runner` input when set, else
 * the one the plan was made for (so a run step need not repeat it), else generic. Both set and different is an
 * error: the plan's test ids are in its runner's form.
 */
export function adapterFor(execution: ExecutionInputs, plan: Pick<Plan, 'runner'>): RunnerAdapter {
  const input = execution.runner;
  const planned = plan.runner as RunnerName | undefined;
  if (input !== undefined && planned !== undefined && input !== planned) {
    throw new InputError(
      Inputs.runner,
      `is ${input}, but the plan was made for ${planned}; leave it empty or match the plan`,
    );
  }
  return RUNNERS[input ?? planned ?? 'generic'];
}

/** Items to run in this attempt: all, or with `rerun: failed` only those that failed in the previous attempt. */
async function itemsForAttempt(
  inputs: RunModeInputs,
  deps: ModeDeps,
  plan: Plan,
  items: readonly PlanItem[],
  index: number,
): Promise<{ items: readonly PlanItem[]; note?: string }> {
  if (inputs.execution.rerun !== 'failed' || deps.ctx.runAttempt <= 1) return { items };
  const previous = (await readResultDirectory(inputs.resultsDir, inputs.workingDirectory, deps.logger)).filter(
    (r) =>
      r.meta.shard === index &&
      r.meta.shardTotal === plan.shardCount &&
      r.meta.attempt < deps.ctx.runAttempt &&
      (r.meta.planId ?? plan.id) === plan.id,
  );
  if (previous.length === 0) {
    return {
      items,
      note: 'rerun is "failed" but no earlier result of this shard is in results-dir; running all its tests',
    };
  }
  previous.sort((a, b) => a.meta.attempt - b.meta.attempt);
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
  const execution = inputs.execution;
  const plan = await loadPlan(inputs.plan, planFileReader(inputs, deps.ctx.workspace));
  if (inputs.planId !== undefined && inputs.planId !== plan.id) {
    throw new InputError(
      Inputs.planId,
      `is ${inputs.planId}, but the plan file holds plan ${plan.id}: the artifact is from another run`,
    );
  }
  const planned = shardItems(plan, spec.index, spec.total);
  checkCommandFitsPlan(plan, execution);
  const runner = adapterFor(execution, plan);
  const { items, note } = await itemsForAttempt(inputs, deps, plan, planned, spec.index);
  if (note) logger.info(`Shard ${spec.index}/${spec.total}: ${note}.`);

  const jobCreated = jobCreatedAtOf(deps.github(), ctx, deps.env, logger);

  const startedMs = Date.now();
  logger.info(
    `Shard ${spec.index}/${spec.total} of plan ${plan.id}: ${items.length} item${items.length === 1 ? '' : 's'}.`,
  );
  const execResult =
    items.length === 0
      ? undefined
      : await executeItems({
          items,
          command: execution.command,
          runner,
          ...(plan.selectors === undefined ? {} : { selectors: plan.selectors }),
          cwd: inputs.workingDirectory,
          ...(execution.junitPath === undefined ? {} : { junitPath: execution.junitPath }),
          retries: execution.retries,
          ...(execution.timeoutMs === undefined ? {} : { timeoutMs: execution.timeoutMs }),
          env: {
            [CommandEnv.shardIndex]: String(spec.index),
            [CommandEnv.shardTotal]: String(spec.total),
            [CommandEnv.attempt]: String(ctx.runAttempt),
            [CommandEnv.planId]: plan.id,
          },
          logger,
          signal: deps.signal,
          label: `shard ${spec.index}/${spec.total}`,
          shardIndex: spec.index,
          shardTotal: spec.total,
        });
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
  const dir = await directoryTransport(inputs.resultsDir, inputs.workingDirectory, {
    workspace: deps.ctx.workspace,
    alsoUnder: inputs.alsoUnder,
  }).write(result);
  const counts = countsOf(report);
  deps.setOutput(Outputs.resultDir, dir);
  deps.setOutput(Outputs.tests, counts.tests);
  deps.setOutput(Outputs.passed, counts.passed);
  deps.setOutput(Outputs.failed, counts.failed);
  deps.setOutput(Outputs.flaky, counts.flaky);
  deps.setOutput(Outputs.skipped, counts.skipped);
  const failed = execResult?.failed ?? false;
  deps.setOutput(Outputs.conclusion, status === 'cancelled' ? 'cancelled' : failed ? 'failure' : 'success');

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
