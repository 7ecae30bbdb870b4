/**
 * The dynamic queue's state and its pure transitions. Shards (workers) claim batches until nothing is left; a late
 * or slow shard simply does less work, which a static plan cannot absorb.
 *
 * - Order: longest first (by estimate), so the end of the run is made of small items and the tail is short.
 * - Batch size: about remaining estimate / (2 × shards), at least one item ("factoring", Hummel et al. 1992): big
 *   batches early keep round trips few, small batches late keep the finish even.
 * - Leases: a batch belongs to its worker until `expiresAt`; a claim made after that re-queues it, so a dead shard's
 *   tests still run. Live workers renew (heartbeat) their leases, so the timeout detects death, not slowness. If a
 *   slow worker still completes an expired lease, the first completion wins: its items are credited and taken
 *   out of whatever lease re-claimed them (that worker's renewal then fails, telling it to stop). An item already
 *   completed is never credited again, so every item is completed exactly once, and an item longer than the lease
 *   cannot be re-queued forever.
 *
 * Items are referred to by index into the plan's item list (the plan is deterministic and shared), so the state
 * stays small enough for a Kubernetes ConfigMap (1 MiB) even with 100,000 items.
 */

export const QUEUE_FORMAT = 'gauntlet-queue';
export const QUEUE_VERSION = 1;

export interface Lease {
  readonly id: number;
  readonly worker: string;
  readonly items: readonly number[];
  readonly claimedAt: number;
  readonly expiresAt: number;
}

export interface QueueState {
  readonly format: typeof QUEUE_FORMAT;
  readonly version: typeof QUEUE_VERSION;
  /** Plan id the items refer to; a worker with another plan must not take part. */
  readonly planId: string;
  /** Number of workers the queue is sized for (batch size divisor). */
  readonly workers: number;
  /** Estimated milliseconds per item index. */
  readonly estimateMs: readonly number[];
  /** Pending item indices, longest estimate first (ties: lower index). */
  readonly pending: readonly number[];
  readonly leases: readonly Lease[];
  /** Items completed so far. */
  readonly completed: number;
  readonly nextLeaseId: number;
}

export interface QueueOptions {
  /** Lease = max(minLeaseMs, leaseFactor × batch estimate). Defaults: 10 min and 3×. */
  readonly minLeaseMs?: number;
  readonly leaseFactor?: number;
  /**
   * Smallest batch worth a round trip, in estimated ms (default 0). Near the end of a run remaining / (2 × workers)
   * falls below the pull latency, and a worker would wait longer for a batch than it takes to run it; about twice the
   * observed round trip keeps workers busy (see suggestedMinBatchMs).
   */
  readonly minBatchMs?: number;
  /** At most this many items in a batch that minBatchMs enlarged (default 8); see batchSize. */
  readonly maxMinBatchItems?: number;
}

export const DEFAULT_MIN_LEASE_MS = 10 * 60 * 1000;
export const DEFAULT_LEASE_FACTOR = 3;

function byEstimate(estimateMs: readonly number[]): (a: number, b: number) => number {
  return (a, b) => estimateMs[b]! - estimateMs[a]! || a - b;
}

/** A fresh queue over items with the given estimates. */
export function createQueueState(planId: string, estimateMs: readonly number[], workers: number): QueueState {
  const pending = estimateMs.map((_, i) => i).sort(byEstimate(estimateMs));
  return {
    format: QUEUE_FORMAT,
    version: QUEUE_VERSION,
    planId,
    workers: Math.max(1, Math.floor(workers)),
    estimateMs: [...estimateMs],
    pending,
    leases: [],
    completed: 0,
    nextLeaseId: 1,
  };
}

export type ClaimResult =
  | { readonly kind: 'batch'; readonly lease: Lease }
  /** Nothing pending, but leases are out: ask again at `retryAt` (earliest expiry, or sooner). */
  | { readonly kind: 'wait'; readonly retryAt: number }
  | { readonly kind: 'done' };

export interface CompleteResult {
  /** Items this completion was credited with (may be fewer than the lease's after it expired). */
  readonly credited: readonly number[];
  /** False when the lease had expired and been re-queued before completion. */
  readonly onTime: boolean;
}

/** Moves expired leases' items back to pending. */
export function requeueExpired(state: QueueState, now: number): QueueState {
  const expired = state.leases.filter((l) => l.expiresAt <= now);
  if (expired.length === 0) return state;
  const pending = [...state.pending, ...expired.flatMap((l) => l.items)].sort(byEstimate(state.estimateMs));
  return { ...state, pending, leases: state.leases.filter((l) => l.expiresAt > now) };
}

/**
 * The batch a claim would take now: the longest pending items up to max(remaining / (2 × workers), minBatchMs), at
 * least one item.
 */
export function batchSize(state: QueueState, minBatchMs = 0, maxMinBatchItems = 8): number {
  let remaining = 0;
  for (const i of state.pending) remaining += state.estimateMs[i]!;
  const factoring = remaining / (2 * state.workers);
  const target = Math.max(factoring, minBatchMs);
  let taken = 0;
  let sum = 0;
  for (const i of state.pending) {
    const ms = state.estimateMs[i]!;
    if (taken > 0 && sum + ms > target) break;
    // Items beyond the factoring size are only there to fill minBatchMs; cap their number, because an item whose
    // estimate is far too low (a test that became 1,000x slower) would otherwise drag many others onto one worker.
    if (taken >= maxMinBatchItems && sum + ms > factoring) break;
    sum += ms;
    taken++;
  }
  return taken;
}

/** Claims the next batch for `worker`. Pure: returns the new state and the result. */
export function claim(
  state: QueueState,
  worker: string,
  now: number,
  options?: QueueOptions,
): { state: QueueState; result: ClaimResult } {
  const s = requeueExpired(state, now);
  if (s.pending.length === 0) {
    if (s.leases.length === 0) return { state: s, result: { kind: 'done' } };
    const retryAt = Math.min(...s.leases.map((l) => l.expiresAt));
    return { state: s, result: { kind: 'wait', retryAt } };
  }
  const n = batchSize(s, options?.minBatchMs, options?.maxMinBatchItems);
  const items = s.pending.slice(0, n);
  let est = 0;
  for (const i of items) est += s.estimateMs[i]!;
  const leaseMs = Math.max(
    options?.minLeaseMs ?? DEFAULT_MIN_LEASE_MS,
    (options?.leaseFactor ?? DEFAULT_LEASE_FACTOR) * est,
  );
  const lease: Lease = { id: s.nextLeaseId, worker, items, claimedAt: now, expiresAt: now + leaseMs };
  return {
    state: { ...s, pending: s.pending.slice(n), leases: [...s.leases, lease], nextLeaseId: s.nextLeaseId + 1 },
    result: { kind: 'batch', lease },
  };
}

/**
 * Completes a lease. If it is still held, all its items are credited. If it expired, the items that are still
 * outstanding (pending again, or re-claimed by another lease) are credited and removed from there: the first
 * completion wins. Items that were completed in the meantime are not credited twice.
 */
export function complete(state: QueueState, lease: Lease): { state: QueueState; result: CompleteResult } {
  const held = state.leases.find((l) => l.id === lease.id);
  if (held) {
    return {
      state: {
        ...state,
        leases: state.leases.filter((l) => l.id !== lease.id),
        completed: state.completed + held.items.length,
      },
      result: { credited: held.items, onTime: true },
    };
  }
  const mine = new Set(lease.items);
  const credited = state.pending.filter((i) => mine.has(i));
  let touched = credited.length > 0;
  const leases: Lease[] = [];
  for (const l of state.leases) {
    if (!l.items.some((i) => mine.has(i))) {
      leases.push(l);
      continue;
    }
    touched = true;
    for (const i of l.items) if (mine.has(i)) credited.push(i);
    const rest = l.items.filter((i) => !mine.has(i));
    if (rest.length) leases.push({ ...l, items: rest });
  }
  if (!touched) return { state, result: { credited: [], onTime: false } };
  credited.sort((a, b) => a - b);
  return {
    state: {
      ...state,
      pending: state.pending.filter((i) => !mine.has(i)),
      leases,
      completed: state.completed + credited.length,
    },
    result: { credited, onTime: false },
  };
}

/**
 * Extends a held lease (the heartbeat; renew well within the lease, e.g. every third of it). Returns undefined if
 * the lease is no longer held, or lost items to a faster completion: the worker should stop that batch.
 */
export function renew(
  state: QueueState,
  leaseId: number,
  now: number,
  options?: QueueOptions,
  expectedItems?: number,
): { state: QueueState; lease: Lease } | undefined {
  const held = state.leases.find((l) => l.id === leaseId);
  if (!held || held.expiresAt <= now) return undefined;
  if (expectedItems !== undefined && held.items.length !== expectedItems) return undefined;
  let est = 0;
  for (const i of held.items) est += state.estimateMs[i]!;
  const leaseMs = Math.max(
    options?.minLeaseMs ?? DEFAULT_MIN_LEASE_MS,
    (options?.leaseFactor ?? DEFAULT_LEASE_FACTOR) * est,
  );
  const lease = { ...held, expiresAt: now + leaseMs };
  return { state: { ...state, leases: state.leases.map((l) => (l.id === leaseId ? lease : l)) }, lease };
}

/** Invariant check: every item is in exactly one of pending / a lease / completed. Throws on violation. */
export function checkQueueInvariant(state: QueueState): void {
  const seen = new Uint8Array(state.estimateMs.length);
  const mark = (i: number, where: string): void => {
    if (!(i >= 0 && i < seen.length)) throw new Error(`queue invariant: item ${i} out of range (${where})`);
    if (seen[i]) throw new Error(`queue invariant: item ${i} appears twice (${where})`);
    seen[i] = 1;
  };
  for (const i of state.pending) mark(i, 'pending');
  for (const l of state.leases) for (const i of l.items) mark(i, `lease ${l.id}`);
  const outstanding = state.pending.length + state.leases.reduce((n, l) => n + l.items.length, 0);
  if (outstanding + state.completed !== state.estimateMs.length) {
    throw new Error(
      `queue invariant: ${outstanding} outstanding + ${state.completed} completed ≠ ${state.estimateMs.length} items`,
    );
  }
}
