/**
 * The dynamic queue's state and its pure transitions. Shards (workers) claim batches until nothing is left; a late
 * or slow shard simply does less work, which a static plan cannot absorb.
 *
 * - Order: longest first (by estimate), so the end of the run is made of small items and the tail is short.
 * - Batch size: about remaining estimate / (2 × shards), at least one item ("factoring", Hummel et al. 1992): big
 *   batches early keep round trips few, small batches late keep the finish even.
 * - Leases: a batch belongs to its worker until `expiresAt`; a claim made after that re-queues it, so a dead shard's
 *   tests still run. A slow-but-alive worker that completes an expired lease is credited only for the items nobody
 *   else has claimed since, so every item is completed exactly once.
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

/** The batch a claim would take now: the longest pending items up to remaining / (2 × workers), at least one. */
export function batchSize(state: QueueState): number {
  let remaining = 0;
  for (const i of state.pending) remaining += state.estimateMs[i]!;
  const target = remaining / (2 * state.workers);
  let taken = 0;
  let sum = 0;
  for (const i of state.pending) {
    const ms = state.estimateMs[i]!;
    if (taken > 0 && sum + ms > target) break;
    sum += ms;
    taken++;
  }
  return taken;
}

/** Claims the next batch for `worker`. Pure: returns the new state and the result. */
export function claim(state: QueueState, worker: string, now: number, options?: QueueOptions): { state: QueueState; result: ClaimResult } {
  const s = requeueExpired(state, now);
  if (s.pending.length === 0) {
    if (s.leases.length === 0) return { state: s, result: { kind: 'done' } };
    const retryAt = Math.min(...s.leases.map((l) => l.expiresAt));
    return { state: s, result: { kind: 'wait', retryAt } };
  }
  const n = batchSize(s);
  const items = s.pending.slice(0, n);
  let est = 0;
  for (const i of items) est += s.estimateMs[i]!;
  const leaseMs = Math.max(options?.minLeaseMs ?? DEFAULT_MIN_LEASE_MS, (options?.leaseFactor ?? DEFAULT_LEASE_FACTOR) * est);
  const lease: Lease = { id: s.nextLeaseId, worker, items, claimedAt: now, expiresAt: now + leaseMs };
  return {
    state: { ...s, pending: s.pending.slice(n), leases: [...s.leases, lease], nextLeaseId: s.nextLeaseId + 1 },
    result: { kind: 'batch', lease },
  };
}

/**
 * Completes a lease. If it is still held, all its items are credited. If it expired and was re-queued, only items
 * still pending are credited (and removed from pending); items another worker re-claimed are that worker's.
 */
export function complete(state: QueueState, lease: Lease): { state: QueueState; result: CompleteResult } {
  const held = state.leases.find((l) => l.id === lease.id);
  if (held) {
    return {
      state: { ...state, leases: state.leases.filter((l) => l.id !== lease.id), completed: state.completed + held.items.length },
      result: { credited: held.items, onTime: true },
    };
  }
  const mine = new Set(lease.items);
  const credited = state.pending.filter((i) => mine.has(i));
  if (credited.length === 0) return { state, result: { credited, onTime: false } };
  const took = new Set(credited);
  return {
    state: { ...state, pending: state.pending.filter((i) => !took.has(i)), completed: state.completed + credited.length },
    result: { credited, onTime: false },
  };
}

/** Extends a held lease (a heartbeat for long batches). Returns undefined if the lease is no longer held. */
export function renew(state: QueueState, leaseId: number, now: number, options?: QueueOptions): { state: QueueState; lease: Lease } | undefined {
  const held = state.leases.find((l) => l.id === leaseId);
  if (!held || held.expiresAt <= now) return undefined;
  let est = 0;
  for (const i of held.items) est += state.estimateMs[i]!;
  const leaseMs = Math.max(options?.minLeaseMs ?? DEFAULT_MIN_LEASE_MS, (options?.leaseFactor ?? DEFAULT_LEASE_FACTOR) * est);
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
    throw new Error(`queue invariant: ${outstanding} outstanding + ${state.completed} completed ≠ ${state.estimateMs.length} items`);
  }
}
