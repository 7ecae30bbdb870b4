/**
 * `mode: queue` — dynamic distribution for suites whose timings drift. Every matrix job (a "worker") pulls batches
 * of the plan's items from a queue in a ConfigMap until none is left, so a slow or late worker simply takes less.
 * Batches shrink as work runs out (about remaining estimate ÷ (2 × workers), @gauntlet/sharding's queue), and a
 * batch claimed by a worker that died is re-queued when its lease times out; live workers renew their lease while
 * a long batch runs. A worker is credited only with items nobody else completed, and reports only those, so every
 * test is in the merged report exactly once.
 *
 * A re-run attempt of a worker replays the tests it ran before (or, with `rerun: failed`, those that failed) when
 * its earlier result is in results-dir; otherwise it drains a fresh queue for the new attempt.
 */
import { InputError, UserError } from '@gauntlet/action-kit';
import { JOB_SUMMARY_LIMIT, MarkdownDoc, renderWithin } from '@gauntlet/github';
import { mergeJUnitReports, type JUnitReport, type Plan, type PlanItem } from '@gauntlet/sharding';
import { Inputs } from '../../constants.js';
import type { ModeDeps } from '../../deps.js';
import { retryItems } from '../../execute.js';
import { runIdentity } from '../../run-identity.js';
import { jobCreatedAtOf } from '../../job-created.js';
import type { QueueModeInputs } from '../../inputs.js';
import { allItems, itemKeys } from '../../plan-io.js';
import { buildResult, samplesOf } from '../../shard-result.js';
import { earlierAttempts, loadShardPlan, shardExecutor, writeShardResult } from '../../shard-step.js';
import { drainQueue, type QueueAccess, type WorkerRun } from './worker.js';

/** Plan items for a list of planned test keys (a replayed attempt). */
export function itemsForKeys(plan: Plan, keys: readonly string[]): PlanItem[] {
  const wanted = new Set(keys);
  const out: PlanItem[] = [];
  for (const item of allItems(plan)) {
    if (item.tests === undefined) {
      if (wanted.has(item.file)) out.push(item);
      continue;
    }
    const tests = item.tests.filter((name) => wanted.has(`${item.file}::${name}`));
    if (tests.length) out.push({ ...item, tests });
  }
  return out;
}

/** The queue in the namespace's ConfigMap; the Kubernetes client loads only here. */
async function kubernetesQueue(inputs: QueueModeInputs, deps: ModeDeps, plan: Plan): Promise<QueueAccess> {
  const { ctx } = deps;
  const spec = inputs.shard;
  const q = inputs.queue;
  const { connect } = await import('../kubernetes/connect.js');
  const { ConfigMapQueueStore } = await import('./configmap-store.js');
  const { QueueResultStore } = await import('./batch-results.js');
  const api = await connect(q.kubeconfig, deps.registerSecret);
  const identity = runIdentity(ctx, plan.id);
  const store = new ConfigMapQueueStore(api, q.namespace, identity);
  const results = new QueueResultStore(api, q.namespace, identity, () => store.owner());
  return {
    store,
    name: `${q.namespace}/${store.name}`,
    close: () => api.close(),
    storeBatch: ({ lease, report, durationMs }) =>
      results.put({ worker: spec.index, lease: lease.id, items: lease.items, durationMs, report }),
  };
}

export async function runQueueMode(inputs: QueueModeInputs, deps: ModeDeps): Promise<void> {
  const { logger, ctx } = deps;
  const spec = inputs.shard;
  const execution = inputs.execution;
  const { plan, runner } = await loadShardPlan(inputs, deps);
  if (spec.total !== plan.shardCount) {
    throw new InputError(
      Inputs.shard,
      `the worker total ${spec.total} does not match the plan's ${plan.shardCount} shards (one worker per shard)`,
    );
  }
  const jobCreated = jobCreatedAtOf(deps.github(), ctx, deps.env, logger);
  const run = shardExecutor(inputs, deps, plan, runner);

  const startedMs = Date.now();
  // A re-run attempt replays this worker's earlier tests when their record is at hand.
  let worker: WorkerRun;
  const previous = await earlierAttempts(inputs, deps, plan);
  const last = previous[previous.length - 1];
  if (last && last.meta.status === 'completed') {
    let items = itemsForKeys(plan, last.meta.tests);
    if (execution.rerun === 'failed')
      items = retryItems(items, previous.length === 1 ? last.junit : mergeJUnitReports(previous.map((p) => p.junit)));
    logger.info(
      `Attempt ${ctx.runAttempt}: replaying ${items.length} item${items.length === 1 ? '' : 's'} this worker ran in attempt ${last.meta.attempt}.`,
    );
    const result = items.length ? await run(items, `worker ${spec.index} (replay)`) : undefined;
    worker = {
      measured: result?.attempts.some((a) => a.junitFiles > 0) ?? false,
      reports: result ? [result.report] : [],
      credited: items,
      batches: result ? 1 : 0,
      durationMs: result?.durationMs ?? 0,
      runs: samplesOf(result?.attempts ?? []),
      cancelled: result?.cancelled ?? false,
      failed: result?.failed ?? false,
    };
  } else {
    worker = await drainQueue(
      await kubernetesQueue(inputs, deps, plan),
      {
        worker: spec.index,
        workers: spec.total,
        leaseTimeoutMs: inputs.queue.leaseTimeoutMs,
        signal: deps.signal,
        logger,
      },
      plan,
      run,
    );
  }
  const finishedMs = Date.now();
  const created = await jobCreated;
  const report: JUnitReport = { suites: worker.reports.flatMap((r) => r.suites) };
  const result = buildResult({
    planId: plan.id,
    shard: spec.index,
    shardTotal: spec.total,
    attempt: ctx.runAttempt,
    source: 'queue',
    status: worker.cancelled ? 'cancelled' : 'completed',
    exitCode: worker.failed ? 1 : 0,
    startedMs,
    finishedMs,
    durationSeconds: worker.durationMs / 1000,
    tests: itemKeys(worker.credited),
    report,
    recordTimings: !worker.failed || worker.measured,
    runs: worker.runs,
    ...(worker.cancelled ? { message: 'the step was cancelled while its tests ran' } : {}),
    ...(created !== undefined && created <= startedMs ? { overheadSeconds: (startedMs - created) / 1000 } : {}),
  });
  const { counts } = await writeShardResult(
    inputs,
    deps,
    result,
    worker.cancelled ? 'cancelled' : worker.failed ? 'failure' : 'success',
  );
  const doc = new MarkdownDoc()
    .heading(3, `Queue worker ${spec.index} of ${spec.total}`)
    .markdown(
      `${worker.credited.length} items in ${worker.batches} batch${worker.batches === 1 ? '' : 'es'}: ${counts.tests} tests, ${counts.failed} failed, ${counts.flaky} flaky.`,
    );
  await deps.summary.write(renderWithin(doc, JOB_SUMMARY_LIMIT));
  if (worker.cancelled) throw new UserError(`worker ${spec.index}/${spec.total} was cancelled`);
  if (worker.failed && inputs.failOnFailure)
    throw new UserError(
      `worker ${spec.index}/${spec.total}: ${counts.failed} test${counts.failed === 1 ? '' : 's'} failed`,
    );
}
