/**
 * A worker's view of the queue: read, apply a pure transition (queue-state.ts), compare-and-swap, retry on
 * conflict. Completing the previous batch and claiming the next happen in one write, so a worker makes one round
 * trip per batch.
 *
 * Latency: a worker should ask for its next batch shortly before the current one ends (`prefetchLeadMs`), so the
 * round trip overlaps the last tests instead of idling the runner; bench/sharding measures this at 1 s latency.
 */
import { UserError, silentLogger, type Logger } from '@gauntlet/action-kit';
import {
  claim,
  complete,
  createQueueState,
  release,
  renew,
  type ClaimResult,
  type CompleteResult,
  type CreateQueueOptions,
  type Lease,
  type QueueOptions,
  type QueueState,
} from './queue-state.js';
import type { QueueStore } from './queue-store.js';

export interface QueueClientOptions extends QueueOptions {
  readonly worker: string;
  readonly planId: string;
  /** Clock in milliseconds (injected for tests and simulations). */
  readonly now?: () => number;
  /** Waits between conflicting writes; default a real timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Give up after this many conflicting writes in a row (default 100). */
  readonly maxAttempts?: number;
  readonly logger?: Logger;
}

/** Conflicts never resolved, or a queue for a different plan. */
export class QueueError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'QueueError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export interface ClaimOutcome {
  readonly claim: ClaimResult;
  /** Set when `complete` was passed: what the finished lease was credited with. */
  readonly completed?: CompleteResult;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class QueueClient {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxAttempts: number;
  private readonly logger: Logger;

  constructor(
    private readonly store: QueueStore,
    private readonly options: QueueClientOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
    this.maxAttempts = options.maxAttempts ?? 100;
    this.logger = options.logger ?? silentLogger;
  }

  /** Creates the queue if it does not exist yet (every worker may call this; the first write wins). */
  async initialize(estimateMs: readonly number[], workers: number, create?: CreateQueueOptions): Promise<void> {
    await this.update((state) =>
      state
        ? { state, value: undefined }
        : { state: createQueueState(this.options.planId, estimateMs, workers, create), value: undefined },
    );
  }

  /**
   * Completes `finished` (none, one, or several leases) and claims the next batch, in one write. Several: a worker
   * holding a batch claimed ahead that ran faster than its prefetch fired has two finished batches to complete.
   * `pace` overrides the batch options for this claim: a worker learns its round trip as it goes (see
   * suggestedMinBatchMs). `completed` is what the finished leases were credited with, together.
   */
  async claim(finished?: Lease | readonly Lease[], pace?: Pick<QueueOptions, 'minBatchMs'>): Promise<ClaimOutcome> {
    const options = pace ? { ...this.options, ...pace } : this.options;
    const leases: readonly Lease[] = finished === undefined ? [] : 'id' in finished ? [finished] : finished;
    return this.update((state) => {
      if (!state) throw new QueueError('the queue does not exist; initialize it first');
      let s = state;
      let completed: CompleteResult | undefined;
      for (const lease of leases) {
        const r = complete(s, lease);
        s = r.state;
        completed = completed
          ? {
              credited: [...completed.credited, ...r.result.credited].sort((a, b) => a - b),
              onTime: completed.onTime && r.result.onTime,
            }
          : r.result;
      }
      const next = claim(s, this.options.worker, this.now(), options);
      return { state: next.state, value: completed ? { claim: next.result, completed } : { claim: next.result } };
    });
  }

  /** Completes a lease without claiming more (the worker is stopping). */
  async complete(finished: Lease): Promise<CompleteResult> {
    return this.update((state) => {
      if (!state) throw new QueueError('the queue does not exist; nothing to complete');
      const r = complete(state, finished);
      return { state: r.state, value: r.result };
    });
  }

  /** Hands a claimed, unstarted batch back to the queue (see `release` in queue-state.ts). */
  async release(lease: Lease): Promise<void> {
    await this.update((state) =>
      state ? { state: release(state, lease), value: undefined } : { state: null, value: undefined },
    );
  }

  /**
   * Heartbeat: extends a held lease. Undefined means the lease was lost (expired and re-queued, or its items were
   * completed by a faster worker): stop running that batch.
   */
  async renew(lease: Lease): Promise<Lease | undefined> {
    return this.update((state) => {
      if (!state) return { state: null, value: undefined };
      const r = renew(state, lease.id, this.now(), this.options, lease.items.length);
      return r ? { state: r.state, value: r.lease } : { state, value: undefined };
    });
  }

  /**
   * Read–modify–CAS loop. `fn` must be pure (it may run several times). A null state from fn means "no write".
   * Unchanged states are not written (a `wait` claim changes nothing).
   */
  private async update<T>(fn: (state: QueueState | null) => { state: QueueState | null; value: T }): Promise<T> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const { state, version } = await this.store.read();
      if (state && state.planId !== this.options.planId) {
        throw new QueueError(`the queue belongs to plan ${state.planId}, this worker runs plan ${this.options.planId}`);
      }
      const next = fn(state);
      if (next.state === null || next.state === state) return next.value;
      if (await this.store.compareAndSwap(next.state, version)) return next.value;
      // Conflict: another worker wrote first. Back off a little, longer the more often it happens.
      if (attempt % 10 === 0)
        this.logger.debug(`queue: ${attempt} conflicting writes in a row for ${this.options.worker}`);
      await this.sleep(Math.min(1000, attempt * 5));
    }
    throw new QueueError(`gave up after ${this.maxAttempts} conflicting writes to the queue`);
  }
}

/** When to ask for the next batch: this long before the current batch is expected to finish. */
export function prefetchLeadMs(observedRoundTripMs: number): number {
  return Math.max(0, 2 * observedRoundTripMs);
}

/**
 * A minimum batch worth a round trip (QueueOptions.minBatchMs) for an observed round trip. Setting it also lets the
 * smallest items ride along with long batches (see batchItems in queue-state.ts), so they do not pile up at the end.
 */
export function suggestedMinBatchMs(observedRoundTripMs: number): number {
  return Math.max(0, 2 * observedRoundTripMs);
}

/**
 * A running batch that has taken this many times its estimate is "much slower than estimated": the worker hands
 * the batch it claimed ahead back to the queue (`QueueClient.release`), so one overrunning batch cannot hold other
 * work hostage until it ends. Twice: run-to-run noise rarely doubles a whole batch (same-day re-recordings differ by
 * a median 1.8× per test, much less per batch), while the overruns that set a makespan are 10–1,000×.
 */
export const HAND_BACK_FACTOR = 2;

/** When to hand the batch ahead back: HAND_BACK_FACTOR × the running batch's estimate, plus two round trips. */
export function handBackAfterMs(batchEstimateMs: number, observedRoundTripMs: number): number {
  return HAND_BACK_FACTOR * Math.max(0, batchEstimateMs) + 2 * Math.max(0, observedRoundTripMs);
}

/** At most this many command runs per batch when a batch is run in parts (batchParts). */
export const MAX_BATCH_PARTS = 3;

/**
 * How a worker runs a batch so that it can hand unstarted items back: in parts, each half of what is left (by
 * count, since the estimates are what may be wrong), at most `maxParts` runs; after each part a worker that finds
 * the batch much slower than estimated (handBackAfterMs) hands the parts not started back to the queue. Each part
 * pays the command's start-up again, so this is worth it only where the runner can run a list of tests or files
 * cheaply; maxParts 1 is a batch in one run. Returns the batch's items (indices, in order) cut into parts.
 */
export function batchParts(items: readonly number[], maxParts = MAX_BATCH_PARTS): number[][] {
  const parts: number[][] = [];
  let rest = [...items];
  while (rest.length > 0) {
    if (parts.length === Math.max(1, maxParts) - 1 || rest.length === 1) {
      parts.push(rest);
      break;
    }
    const take = Math.ceil(rest.length / 2);
    parts.push(rest.slice(0, take));
    rest = rest.slice(take);
  }
  return parts;
}
