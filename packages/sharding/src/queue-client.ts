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
  renew,
  type ClaimResult,
  type CompleteResult,
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
  async initialize(estimateMs: readonly number[], workers: number): Promise<void> {
    await this.update((state) =>
      state
        ? { state, value: undefined }
        : { state: createQueueState(this.options.planId, estimateMs, workers), value: undefined },
    );
  }

  /**
   * Completes `finished` (if given) and claims the next batch, in one write. `pace` overrides the batch options for
   * this claim: a worker learns its round trip as it goes (see suggestedMinBatchMs).
   */
  async claim(finished?: Lease, pace?: Pick<QueueOptions, 'minBatchMs'>): Promise<ClaimOutcome> {
    const options = pace ? { ...this.options, ...pace } : this.options;
    return this.update((state) => {
      if (!state) throw new QueueError('the queue does not exist; initialize it first');
      let s = state;
      let completed: CompleteResult | undefined;
      if (finished) ({ state: s, result: completed } = complete(s, finished));
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
