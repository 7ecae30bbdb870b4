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
import path from 'node:path';
import { errorMessage, InputError, neutralize, UserError, type Logger } from '@gauntlet/action-kit';
import { JOB_SUMMARY_LIMIT, MarkdownDoc, renderWithin } from '@gauntlet/github';
import {
  mergeJUnitReports,
  QueueClient,
  type QueueStore,
  type JUnitReport,
  type Lease,
  type Plan,
  type PlanItem,
} from '@gauntlet/sharding';
import { CommandEnv, Inputs, Outputs } from './constants.js';
import type { ModeDeps } from './deps.js';
import { executeItems, retryItems, type ExecutionResult } from './execute.js';
import { githubClient, jobCreatedAt } from './github-client.js';
import type { Inputs as ActionInputs } from './inputs.js';
import { caseId } from './junit-read.js';
import { allItems, itemKeys, loadPlan } from './plan-io.js';
import { directoryTransport, readResultDirectory } from './results.js';
import { adapterFor, checkCommandFitsPlan } from './run-mode.js';
import { buildResult, countsOf } from './shard-result.js';

/** Keeps only the cases of credited items (a late worker may have run items another worker was credited with). */
export function reportForItems(report: JUnitReport, items: readonly PlanItem[]): JUnitReport {
  const files = new Set(items.map((i) => i.file));
  return {
    suites: report.suites
      .map((s) => ({ ...s, cases: s.cases.filter((c) => files.has(caseId(c, s).file)) }))
      .filter((s) => s.cases.length > 0),
  };
}

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

export interface WorkerRun {
  /** Whether any batch wrote a JUnit report (otherwise times are the command's, shared out). */
  measured: boolean;
  reports: JUnitReport[];
  credited: PlanItem[];
  batches: number;
  durationMs: number;
  cancelled: boolean;
  failed: boolean;
}

export interface QueueAccess {
  readonly store: QueueStore;
  readonly name: string;
  readonly close: () => void;
}

/** The queue in the namespace's ConfigMap; the Kubernetes client loads only here. */
async function kubernetesQueue(inputs: ActionInputs, deps: ModeDeps, plan: Plan): Promise<QueueAccess> {
  const { ctx } = deps;
  const q = inputs.queue!;
  const { connect } = await import('./kubernetes/connect.js');
  const { ConfigMapQueueStore, queueName } = await import('./kubernetes/queue-store.js');
  const api = await connect(q.kubeconfig, deps.registerSecret);
  const name = queueName({
    repository: `${ctx.owner}/${ctx.repo}`,
    runId: ctx.runId,
    runAttempt: ctx.runAttempt,
    planId: plan.id,
  });
  const store = new ConfigMapQueueStore(api, q.namespace, name, {
    'gauntlet.dev/plan': plan.id,
    'gauntlet.dev/run-id': String(ctx.runId),
  });
  return { store, name: `${q.namespace}/${name}`, close: () => api.close() };
}

export interface WorkerOptions {
  /** 1-based worker index and the number of workers. */
  readonly worker: number;
  readonly workers: number;
  readonly leaseTimeoutMs: number;
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/** One worker's loop: claim a batch, run it, complete it and claim the next in one write, until nothing is left. */
export async function drainQueue(
  queue: QueueAccess,
  options: WorkerOptions,
  plan: Plan,
  run: (items: readonly PlanItem[], label: string) => Promise<ExecutionResult>,
): Promise<WorkerRun> {
  const { logger } = options;
  const items = allItems(plan);
  const { store, name } = queue;
  const client = new QueueClient(store, {
    worker: `worker-${options.worker}`,
    planId: plan.id,
    minLeaseMs: options.leaseTimeoutMs,
    // A lease lasts exactly lease-timeout; a live worker renews it (heartbeat below), so only a dead one loses it.
    leaseFactor: 0,
    logger,
  });
  const out: WorkerRun = {
    measured: false,
    reports: [],
    credited: [],
    batches: 0,
    durationMs: 0,
    cancelled: false,
    failed: false,
  };
  try {
    await client.initialize(
      items.map((i) => Math.max(1, Math.round(i.seconds * 1000))),
      options.workers,
    );
    logger.info(
      `Queue ${name}: ${items.length} items for ${options.workers} workers; this is worker ${options.worker}.`,
    );
    let finished: Lease | undefined;
    let pending: { lease: Lease; report: JUnitReport } | undefined;
    for (;;) {
      if (options.signal.aborted) {
        out.cancelled = true;
        break;
      }
      const outcome = await client.claim(finished);
      if (pending && outcome.completed) credit(out, items, pending.report, outcome.completed.credited, logger);
      pending = undefined;
      finished = undefined;
      const claim = outcome.claim;
      if (claim.kind === 'done') break;
      if (claim.kind === 'wait') {
        const ms = Math.max(200, Math.min(5_000, claim.retryAt - Date.now()));
        await new Promise((resolve) => setTimeout(resolve, ms));
        continue;
      }
      const lease = claim.lease;
      const batch = lease.items.map((i) => items[i]!);
      out.batches++;
      logger.info(`Batch ${out.batches}: ${batch.length} item${batch.length === 1 ? '' : 's'} (lease ${lease.id}).`);
      // Heartbeat: keep the lease while the batch runs, so only a dead worker's batch is re-queued.
      let current: Lease | undefined = lease;
      const heartbeat = setInterval(
        () => {
          if (!current) return;
          client.renew(current).then(
            (renewed) => {
              if (renewed) current = renewed;
              else {
                logger.info(
                  `Batch ${lease.id}: the lease expired and was handed on; only items nobody else took will count.`,
                );
                current = undefined;
              }
            },
            (error: unknown) => logger.debug(`lease renewal failed: ${neutralize(errorMessage(error))}`),
          );
        },
        Math.max(100, Math.floor(options.leaseTimeoutMs / 3)),
      );
      let result: ExecutionResult;
      try {
        result = await run(batch, `worker ${options.worker}, batch ${out.batches}`);
      } finally {
        clearInterval(heartbeat);
      }
      out.durationMs += result.durationMs;
      out.measured ||= result.attempts.some((a) => a.junitFiles > 0);
      if (result.cancelled) {
        out.cancelled = true;
        break; // not completed: the lease expires and another worker takes the batch
      }
      finished = lease;
      pending = { lease, report: result.report };
    }
    if (pending && finished) {
      const completed = await client.complete(finished);
      credit(out, items, pending.report, completed.credited, logger);
    }
  } finally {
    queue.close();
  }
  return out;
}

function credit(
  out: WorkerRun,
  items: readonly PlanItem[],
  report: JUnitReport,
  credited: readonly number[],
  logger: Logger,
): void {
  const creditedItems = credited.map((i) => items[i]!);
  out.credited.push(...creditedItems);
  const kept = reportForItems(report, creditedItems);
  out.reports.push(kept);
  if (kept.suites.some((s) => s.cases.some((c) => c.status === 'failed' || c.status === 'error'))) out.failed = true;
  logger.debug(`credited ${credited.length} items`);
}

export async function runQueueMode(inputs: ActionInputs, deps: ModeDeps): Promise<void> {
  const { logger, ctx } = deps;
  const spec = inputs.shard!;
  const execution = inputs.execution!;
  const plan = await loadPlan(inputs.plan!, (p) => path.resolve(inputs.workingDirectory, p));
  if (inputs.planId !== undefined && inputs.planId !== plan.id) {
    throw new InputError(Inputs.planId, `is ${inputs.planId}, but the plan file holds plan ${plan.id}`);
  }
  if (spec.total !== plan.shardCount) {
    throw new InputError(
      Inputs.shard,
      `the worker total ${spec.total} does not match the plan's ${plan.shardCount} shards (one worker per shard)`,
    );
  }
  checkCommandFitsPlan(plan, inputs);
  const runner = adapterFor(inputs);
  const env = deps.env ?? process.env;
  const runnerName = env['RUNNER_NAME'];
  const jobCreated =
    runnerName && inputs.githubToken
      ? jobCreatedAt(githubClient(inputs.githubToken, ctx, logger), ctx, runnerName, logger)
      : undefined;
  const run = (items: readonly PlanItem[], label: string) =>
    executeItems({
      items,
      command: execution.command,
      runner,
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
      label,
      shardIndex: spec.index,
      shardTotal: spec.total,
    });

  const startedMs = Date.now();
  // A re-run attempt replays this worker's earlier tests when their record is at hand.
  let worker: WorkerRun;
  const previous =
    ctx.runAttempt > 1
      ? (await readResultDirectory(inputs.resultsDir, inputs.workingDirectory, logger))
          .filter(
            (r) =>
              r.meta.shard === spec.index &&
              r.meta.shardTotal === spec.total &&
              r.meta.attempt < ctx.runAttempt &&
              r.meta.planId === plan.id,
          )
          .sort((a, b) => a.meta.attempt - b.meta.attempt)
      : [];
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
      cancelled: result?.cancelled ?? false,
      failed: result?.failed ?? false,
    };
  } else {
    worker = await drainQueue(
      await kubernetesQueue(inputs, deps, plan),
      {
        worker: spec.index,
        workers: spec.total,
        leaseTimeoutMs: inputs.queue!.leaseTimeoutMs,
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
    ...(worker.cancelled ? { message: 'the step was cancelled while its tests ran' } : {}),
    ...(created !== undefined && created <= startedMs ? { overheadSeconds: (startedMs - created) / 1000 } : {}),
  });
  const dir = await directoryTransport(inputs.resultsDir, inputs.workingDirectory).write(result);
  const counts = countsOf(report);
  deps.setOutput(Outputs.resultDir, dir);
  deps.setOutput(Outputs.tests, counts.tests);
  deps.setOutput(Outputs.passed, counts.passed);
  deps.setOutput(Outputs.failed, counts.failed);
  deps.setOutput(Outputs.flaky, counts.flaky);
  deps.setOutput(Outputs.skipped, counts.skipped);
  deps.setOutput(Outputs.conclusion, worker.cancelled ? 'cancelled' : worker.failed ? 'failure' : 'success');
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
