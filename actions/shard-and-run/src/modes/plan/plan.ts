/**
 * `mode: plan` — discover the tests, read the timings, compute the plan; write the plan file (upload it as an
 * artifact) and output the matrix for `strategy.matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}`.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { InputError, formatDuration, writeFileInside } from '@gauntlet/action-kit';
import { JOB_SUMMARY_LIMIT, MarkdownDoc, renderWithin } from '@gauntlet/github';
import {
  describeCostModel,
  planMatrixJson,
  planShards,
  serializePlan,
  testKey,
  type Plan,
  type TestId,
} from '@gauntlet/sharding';
import { RUNNERS } from '@gauntlet/test-runners';
import { INLINE_PLAN_MAX_BYTES, Inputs, Outputs } from '../../constants.js';
import type { ModeDeps } from '../../deps.js';
import { discoverTests } from './discovery.js';
import { planningCommand, type KubernetesModeInputs, type PlanModeInputs } from '../../inputs.js';
import { loadTimingStore, timingCacheFor } from '../../timings.js';

/** "12 tests in 3 files" for named tests, "3 files" for a file-level listing; both when mixed. */
export function describeDiscovered(tests: readonly TestId[]): string {
  const files = new Set<string>();
  let named = 0;
  for (const t of tests) {
    files.add(t.file);
    if (t.name !== undefined) named++;
  }
  const f = `${files.size} file${files.size === 1 ? '' : 's'}`;
  return named === 0 ? f : `${named} test${named === 1 ? '' : 's'} in ${f}`;
}

export async function computePlan(inputs: PlanModeInputs | KubernetesModeInputs, deps: ModeDeps): Promise<Plan> {
  const p = inputs.planning;
  const { logger } = deps;
  // Refused before discovery runs: a listing can take minutes, and its result cannot change the answer.
  const command = planningCommand(inputs);
  const adapter = RUNNERS[p.runner];
  const filters = adapter.selectsTests && (command?.hasTests ?? false);
  if (p.granularity === 'test' && !filters) {
    throw new InputError(
      Inputs.granularity,
      `"test" needs a runner that can run single tests (pytest, playwright, rspec) and a command with {tests}; ${p.runner}${command ? '' : ' without a command'} cannot`,
    );
  }
  const { tests, selectors } = await discoverTests({
    method: p.discovery,
    cwd: inputs.workingDirectory,
    runner: p.runner,
    globs: p.testGlobs,
    ...(p.listCommand === undefined ? {} : { listCommand: p.listCommand }),
    ...(p.discoveryJunit === undefined ? {} : { junitFile: p.discoveryJunit }),
    logger,
  });
  if (tests.length === 0) {
    // An empty plan would run nothing and pass: a glob that matches nothing, or a listing that found nothing, is
    // almost always a mistake. allow-no-tests is for the suites where it is not.
    if (!p.allowNoTests) {
      throw new InputError(
        Inputs.allowNoTests,
        `is false and discovery (${p.discovery}) found no tests; check ${p.discovery === 'globs' ? 'the tests globs' : p.discovery === 'runner' ? 'the runner and list-command' : 'discovery-junit'} and working-directory, or set allow-no-tests: true`,
      );
    }
    logger.warning('No tests were discovered; the plan has nothing to run (allow-no-tests is true).');
  } else logger.info(`Discovered ${describeDiscovered(tests)} (${p.discovery}).`);

  const cache = timingCacheFor(inputs.timings, deps.ctx, inputs.workingDirectory, logger, deps.cacheLibrary);
  const store = await loadTimingStore(inputs.timings, cache, logger, inputs.workingDirectory);

  // RSpec runs a test by the example id its listing gave: tests found another way can only be run by file.
  const selectable = !adapter.needsSelectors || tests.every((t) => t.name === undefined || selectors.has(testKey(t)));
  if (filters && !selectable) {
    if (p.granularity === 'test') {
      throw new InputError(
        Inputs.granularity,
        `"test" needs ${p.runner}'s example ids, which only its own listing gives; use discovery: runner, or granularity: file`,
      );
    }
    logger.info(`Planning by file: ${p.runner} runs single tests by the ids of its own listing (discovery: runner).`);
  }
  return planShards({
    tests,
    shards: p.shards,
    timings: store,
    runnerFiltersTests: filters && selectable,
    ...(selectors.size === 0 ? {} : { selectors }),
    runner: p.runner,
    ...(p.granularity === 'auto' ? {} : { granularity: p.granularity }),
    auto: {
      ...(inputs.sizing.shardOverheadSeconds === undefined
        ? {}
        : { fixedCostSeconds: inputs.sizing.shardOverheadSeconds }),
      targetSeconds: inputs.sizing.targetSeconds,
      maxParallel: inputs.sizing.maxParallel,
    },
    logger,
  });
}

/** What the plan's seconds are: estimates, JUnit times, or the cost model learned from measured runs. */
export function costBasis(plan: Plan): string {
  if (plan.costModel) return `Seconds include the cost model: ${describeCostModel({ ...plan.costModel })}.`;
  if (plan.tests.timed === 0)
    return 'No timings yet: every prediction is an estimate, and shards are balanced by count.';
  return 'Seconds are JUnit times (no measured runs yet to calibrate them against wall time).';
}

/** The plan in the job summary: one row per shard, the bound and the reason for the shard count. */
export function planSummary(plan: Plan): MarkdownDoc {
  const doc = new MarkdownDoc();
  doc.heading(3, 'Shard plan');
  doc.markdown(
    `${plan.tests.total} test${plan.tests.total === 1 ? '' : 's'} (${plan.tests.timed} with timings, ${plan.tests.estimated} estimated) ` +
      `on ${plan.shardCount} shard${plan.shardCount === 1 ? '' : 's'}, by ${plan.granularity}. ` +
      `Lower bound ${formatDuration(plan.lowerBoundSeconds * 1000)}, predicted makespan ${formatDuration(plan.predictedMakespanSeconds * 1000)}. ` +
      `Plan \`${plan.id}\`.`,
  );
  doc.text(plan.shardCountReason);
  doc.text(costBasis(plan));
  doc.table(
    [
      { header: 'Shard', align: 'right' },
      { header: 'Items', align: 'right' },
      { header: 'Predicted', align: 'right' },
      { header: 'First item', maxChars: 120 },
    ],
    plan.shards.map((s) => [
      { markdown: String(s.index) },
      { markdown: String(s.items.length) },
      { markdown: formatDuration(s.predictedSeconds * 1000) },
      s.items[0] ? { code: s.items[0].file } : '',
    ]),
  );
  return doc;
}

export async function runPlanMode(inputs: PlanModeInputs, deps: ModeDeps): Promise<void> {
  const plan = await computePlan(inputs, deps);
  const file = inputs.planning.planFile;
  await mkdir(path.dirname(file), { recursive: true });
  const text = serializePlan(plan);
  // Checked again now: the listing command ran in between and may have planted a symlink at the plan file.
  await writeFileInside(deps.ctx.workspace, file, text);
  deps.logger.info(
    `Plan ${plan.id}: ${plan.shardCount} shard${plan.shardCount === 1 ? '' : 's'}, lower bound ${plan.lowerBoundSeconds} s, predicted makespan ${plan.predictedMakespanSeconds} s. ${plan.shardCountReason}`,
  );
  deps.logger.info(costBasis(plan));
  deps.setOutput(Outputs.matrix, planMatrixJson(plan));
  deps.setOutput(Outputs.planFile, file);
  deps.setOutput(Outputs.planId, plan.id);
  deps.setOutput(Outputs.shardCount, plan.shardCount);
  deps.setOutput(Outputs.shardCountReason, plan.shardCountReason);
  deps.setOutput(Outputs.lowerBound, plan.lowerBoundSeconds);
  deps.setOutput(Outputs.predictedMakespan, plan.predictedMakespanSeconds);
  if (Buffer.byteLength(text) <= INLINE_PLAN_MAX_BYTES) deps.setOutput(Outputs.plan, text.trimEnd());
  else {
    deps.setOutput(Outputs.plan, '');
    deps.logger.info(
      `The plan is ${Buffer.byteLength(text)} bytes, too large for an inline output: pass the plan file (as an artifact) to the shards.`,
    );
  }
  await deps.summary.write(renderWithin(planSummary(plan), JOB_SUMMARY_LIMIT));
}
