/**
 * One queue worker's loop: claim a batch, run it, and ask for the next one shortly before the current one is
 * expected to end, so the round trip to the queue overlaps the last tests instead of idling the runner (the
 * prefetch bench/sharding measures). Completing the previous batch rides on that same claim: one write per batch.
 *
 * The worker learns its pace as it goes: the claim round trip, and the fixed cost of starting the test command for
 * a batch (wall time minus the tests' own times). The smallest batch it asks for is about twice their sum, so a
 * batch is never mostly overhead, and the smallest tests ride along with long batches instead of piling up at the
 * end (@gauntlet/sharding's batchItems).
 *
 * Results: each batch's results are stored (QueueAccess.storeBatch) before the claim that completes it, so a
 * batch the queue counts as completed has results the merge can read even when the worker is then killed outright.
 *
 * Leases: every lease the worker holds (the batch claimed ahead, the one running, and the one that ran until the
 * next claim completes it) is renewed by one heartbeat, so only a dead worker's batches are re-queued. A batch
 * claimed ahead whose lease was lost is not started.
 *
 * Hand-back: a batch still running at HAND_BACK_FACTOR × its estimate hands the batch claimed ahead back to the
 * queue unstarted, so a test far slower than its estimate does not hold other work hostage until it ends. Items
 * planned with a guess (no timing of their own) are handed out first, while known work is left to absorb them.
 */
import { errorMessage, neutralize, type Logger } from '@gauntlet/action-kit';
import {
  HAND_BACK_FACTOR,
  handBackAfterMs,
  prefetchLeadMs,
  QueueClient,
  suggestedMinBatchMs,
  type ClaimResult,
  type CommandRunSample,
  type JUnitReport,
  type Lease,
  type Plan,
  type PlanItem,
  type QueueStore,
} from '@gauntlet/sharding';
import type { ExecutionResult } from '../../execute.js';
import { caseId } from '../../junit-read.js';
import { allItems } from '../../plan-io.js';

export interface WorkerRun {
  /** Whether any batch wrote a JUnit report (otherwise times are the command's, shared out). */
  measured: boolean;
  reports: JUnitReport[];
  credited: PlanItem[];
  batches: number;
  durationMs: number;
  /** Every command run of every batch, for the cost model. */
  runs: CommandRunSample[];
  cancelled: boolean;
  failed: boolean;
}

export interface QueueAccess {
  readonly store: QueueStore;
  readonly name: string;
  readonly close: () => void;
  /**
   * Stores a batch's results where the merge can read them (batch-results.ts). The batch is completed in
   * the queue only after this resolves: a worker killed after completing a batch must not take its results with it.
   */
  readonly storeBatch?: (batch: { lease: Lease; report: JUnitReport; durationMs: number }) => Promise<void>;
}

export interface WorkerOptions {
  /** 1-based worker index and the number of workers. */
  readonly worker: number;
  readonly workers: number;
  readonly leaseTimeoutMs: number;
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/** Keeps only the cases of credited items (a late worker may have run items another worker was credited with). */
export function reportForItems(report: JUnitReport, items: readonly PlanItem[]): JUnitReport {
  const files = new Set(items.map((i) => i.file));
  return {
    suites: report.suites
      .map((s) => ({ ...s, cases: s.cases.filter((c) => files.has(caseId(c, s).file)) }))
      .filter((s) => s.cases.length > 0),
  };
}

/** Medians of the last few claim round trips and per-batch command overheads. */
export class WorkerPace {
  private readonly roundTrips: number[] = [];
  private readonly overheads: number[] = [];

  roundTrip(ms: number): void {
    push(this.roundTrips, ms);
  }

  /** A batch's fixed cost: its wall time minus its tests' times, from single-attempt batches with JUnit only. */
  batch(result: ExecutionResult): void {
    const [only, ...more] = result.attempts;
    if (!only || more.length > 0 || only.junitFiles === 0) return;
    let testsMs = 0;
    for (const suite of result.report.suites) for (const c of suite.cases) testsMs += c.time * 1000;
    push(this.overheads, Math.max(0, only.durationMs - testsMs));
  }

  /** The median claim round trip measured so far (0 before the first). */
  roundTripMs(): number {
    return median(this.roundTrips);
  }

  /** How long before a batch's expected end to ask for the next. */
  leadMs(): number {
    return prefetchLeadMs(median(this.roundTrips));
  }

  /** The smallest batch worth a round trip and a command start. */
  minBatchMs(): number {
    return suggestedMinBatchMs(median(this.roundTrips) + median(this.overheads));
  }
}

const PACE_SAMPLES = 15;

function push(samples: number[], value: number): void {
  if (!Number.isFinite(value)) return;
  samples.push(value);
  if (samples.length > PACE_SAMPLES) samples.shift();
}

function median(samples: readonly number[]): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The leases a worker holds, renewed together; a lease that could not be renewed is lost to the worker. */
class LeaseKeeper {
  private readonly held = new Map<number, Lease>();
  private readonly lost = new Set<number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly client: QueueClient,
    intervalMs: number,
    private readonly logger: Logger,
  ) {
    this.timer = setInterval(() => this.renewAll(), intervalMs);
  }

  hold(lease: Lease): void {
    if (!this.lost.has(lease.id)) this.held.set(lease.id, lease);
  }

  release(lease: Lease): void {
    this.held.delete(lease.id);
  }

  isLost(lease: Lease): boolean {
    return this.lost.has(lease.id);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private renewAll(): void {
    for (const lease of this.held.values()) {
      this.client.renew(lease).then(
        (renewed) => {
          if (!this.held.has(lease.id)) return;
          if (renewed) this.held.set(lease.id, renewed);
          else {
            this.held.delete(lease.id);
            this.lost.add(lease.id);
            this.logger.info(
              `Batch ${lease.id}: the lease expired and was handed on; only items nobody else took will count.`,
            );
          }
        },
        (error: unknown) => this.logger.debug(`lease renewal failed: ${neutralize(errorMessage(error))}`),
      );
    }
  }
}

export async function drainQueue(
  queue: QueueAccess,
  options: WorkerOptions,
  plan: Plan,
  run: (items: readonly PlanItem[], label: string) => Promise<ExecutionResult>,
): Promise<WorkerRun> {
  const { logger, signal } = options;
  const items = allItems(plan);
  const estimateMs = items.map((i) => Math.max(1, Math.round(i.seconds * 1000)));
  const client = new QueueClient(queue.store, {
    worker: `worker-${options.worker}`,
    planId: plan.id,
    minLeaseMs: options.leaseTimeoutMs,
    // A lease lasts exactly lease-timeout; a live worker renews it (the keeper), so only a dead one loses it.
    leaseFactor: 0,
    logger,
  });
  const out: WorkerRun = {
    measured: false,
    reports: [],
    credited: [],
    batches: 0,
    durationMs: 0,
    runs: [],
    cancelled: false,
    failed: false,
  };
  const pace = new WorkerPace();
  const keeper = new LeaseKeeper(client, Math.max(100, Math.floor(options.leaseTimeoutMs / 3)), logger);
  /**
   * Batches that ran and are not yet completed in the queue: the next claim completes them all. Usually one; two
   * when the batch claimed ahead ran out before its own prefetch fired (nothing claimed during it).
   */
  let finished: { lease: Lease; report: JUnitReport }[] = [];
  const claimNext = async (): Promise<ClaimResult> => {
    const done = finished;
    finished = [];
    // This claim completes them: a renewal answered after that must not read as a lost lease.
    for (const d of done) keeper.release(d.lease);
    const started = Date.now();
    const outcome = await client.claim(
      done.map((d) => d.lease),
      { minBatchMs: pace.minBatchMs() },
    );
    pace.roundTrip(Date.now() - started);
    if (outcome.completed) creditEach(out, items, done, outcome.completed.credited, logger);
    return outcome.claim;
  };
  try {
    // Items planned with a guess (no timing of their own) go out first: see createQueueState.
    const first = items.flatMap((item, i) => (item.estimated ? [i] : []));
    await client.initialize(estimateMs, options.workers, { first });
    logger.info(
      `Queue ${queue.name}: ${items.length} items for ${options.workers} workers; this is worker ${options.worker}.`,
    );
    let ahead: Lease | undefined;
    for (;;) {
      if (signal.aborted) {
        out.cancelled = true;
        break;
      }
      let lease = ahead;
      ahead = undefined;
      if (!lease) {
        const claim = await claimNext();
        if (claim.kind === 'done') break;
        if (claim.kind === 'wait') {
          await new Promise((resolve) =>
            setTimeout(resolve, Math.max(200, Math.min(5_000, claim.retryAt - Date.now()))),
          );
          continue;
        }
        lease = claim.lease;
      }
      if (keeper.isLost(lease)) continue;
      keeper.hold(lease);
      const batch = lease.items.map((i) => items[i]!);
      out.batches++;
      logger.info(`Batch ${out.batches}: ${batch.length} item${batch.length === 1 ? '' : 's'} (lease ${lease.id}).`);
      let expectedMs = 0;
      for (const i of lease.items) expectedMs += estimateMs[i]!;
      let prefetch: Promise<ClaimResult> | undefined;
      const prefetchTimer = setTimeout(
        () => {
          prefetch = claimNext().then((claim) => {
            if (claim.kind === 'batch') keeper.hold(claim.lease);
            return claim;
          });
        },
        Math.max(0, expectedMs - pace.leadMs()),
      );
      // Much slower than estimated: hand the batch claimed ahead back, so other workers run it meanwhile.
      let handBack: Promise<void> | undefined;
      const handBackTimer = setTimeout(
        () => {
          if (!prefetch) return;
          handBack = prefetch.then(async (claim) => {
            if (claim.kind !== 'batch') return;
            keeper.release(claim.lease);
            logger.info(
              `Batch ${out.batches} is taking over ${HAND_BACK_FACTOR}× its estimate: handing the next batch (lease ${claim.lease.id}) back to the queue.`,
            );
            await client.release(claim.lease);
          });
        },
        handBackAfterMs(expectedMs, pace.roundTripMs()),
      );
      let result: ExecutionResult;
      try {
        result = await run(batch, `worker ${options.worker}, batch ${out.batches}`);
      } catch (error) {
        // The claim ahead may still be in flight: let it settle quietly, the error is the run's.
        prefetch?.catch(() => undefined);
        handBack?.catch(() => undefined);
        throw error;
      } finally {
        clearTimeout(prefetchTimer);
        clearTimeout(handBackTimer);
      }
      const next = prefetch ? await prefetch : undefined;
      if (handBack) await handBack;
      else if (next?.kind === 'batch') ahead = next.lease;
      out.durationMs += result.durationMs;
      for (const a of result.attempts) if (a.sample) out.runs.push(a.sample);
      out.measured ||= result.attempts.some((a) => a.junitFiles > 0);
      pace.batch(result);
      if (result.cancelled) {
        // Not completed: the leases expire and other workers take the batches.
        out.cancelled = true;
        break;
      }
      if (queue.storeBatch) {
        // Stored before the next claim completes it; if this fails, the worker stops and the lease expires.
        await queue.storeBatch({ lease, report: result.report, durationMs: result.durationMs });
      }
      finished.push({ lease, report: result.report });
    }
    for (const done of finished.splice(0)) {
      keeper.release(done.lease);
      const completed = await client.complete(done.lease);
      credit(out, items, done.report, completed.credited, logger);
    }
  } finally {
    keeper.stop();
    queue.close();
  }
  return out;
}

/** Credits several completed batches at once: each report with the credited items that were its own. */
function creditEach(
  out: WorkerRun,
  items: readonly PlanItem[],
  done: readonly { lease: Lease; report: JUnitReport }[],
  credited: readonly number[],
  logger: Logger,
): void {
  const set = new Set(credited);
  for (const d of done)
    credit(
      out,
      items,
      d.report,
      d.lease.items.filter((i) => set.has(i)).sort((a, b) => a - b),
      logger,
    );
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
