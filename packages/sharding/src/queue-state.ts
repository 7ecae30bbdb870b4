/**
 * The dynamic queue's state and its pure transitions. Shards (workers) claim batches until nothing is left; a late
 * or slow shard simply does less work, which a static plan cannot absorb.
 *
 * - Order: items whose estimate is a guess (no history of their own: new, renamed, never timed) first, then longest
 *   first by estimate, so the end of the run is made of small, well-known items and the tail is short. A guessed
 *   item handed out by its guess runs wherever the guess puts it; when the guess is far too low (10 renamed files
 *   estimated at 1 s each took 737 s) and it runs last, it sets the makespan. Started first, there is still a
 *   whole run of known work left to absorb it.
 * - Spread: errors of estimates come in neighbours (a whole new file or directory is slow, a fixture of one module
 *   became slow), and neighbours in the plan's canonical order share a file and a directory. A batch is a run of
 *   consecutive pending items, so with ties broken by index those errors add up on one worker: localstack's new
 *   bookstore tests (guessed 2.9 s, one of them 154 s, another 59 s) went out in one batch, and four
 *   stepfunctions choice-operator tests (1 ms in their history, 39 s each) rode along in another. Guessed items
 *   therefore go out in spread order (the index's bits reversed, so any run of them is drawn from all over the
 *   suite), and equal estimates are broken the same way. No file names needed: the state keeps indices only.
 * - Batch size: about remaining estimate / (2 × shards), at least one item ("factoring", Hummel et al. 1992): big
 *   batches early keep round trips few, small batches late keep the finish even.
 * - With a pull latency (minBatchMs > 0), batches are topped up to minBatchMs with at most maxMinBatchItems items, and
 *   every batch that does not reach the smallest items yet also takes a few of them along ("ride-along", see
 *   batchItems), so they do not pile up at the end where each round trip can carry only a handful.
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
  /** Pending item indices: `first` items, then the rest; each part longest estimate first (ties: lower index). */
  readonly pending: readonly number[];
  /** Items handed out before all others (their estimate is a guess); absent = none. Sorted ascending. */
  readonly first?: readonly number[];
  /** 'spread' (createQueueState's default; see the file comment) or 'index' (ties by index; absent = 'index'). */
  readonly order?: QueueOrder;
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
  /** At most this many items in a batch that minBatchMs enlarged (default 8); see batchItems. */
  readonly maxMinBatchItems?: number;
  /**
   * With minBatchMs set, how many of the smallest pending items a batch takes along on top of its share (default 4;
   * 0 turns this off). Only items too small to fill minBatchMs within maxMinBatchItems qualify; see batchItems.
   */
  readonly rideAlongItems?: number;
  /**
   * Let a batch filling minBatchMs take up to its share of the pending items by count, pending / (2 × workers), when
   * that is more than maxMinBatchItems (default true). At the end of a run of many tiny items (tilavarauspalvelu:
   * 2,539 tests, 114 s on 8 shards) a cap of 8 left workers fetching 8 items of a few ms per 1 s round trip for
   * 10 s; a share by count is the same factoring rule as the share by time, so no batch drags more than its part.
   */
  readonly shareByCount?: boolean;
}

export const DEFAULT_MIN_LEASE_MS = 10 * 60 * 1000;
export const DEFAULT_LEASE_FACTOR = 3;
export const DEFAULT_MAX_MIN_BATCH_ITEMS = 8;
export const DEFAULT_RIDE_ALONG_ITEMS = 4;

export type QueueOrder = 'spread' | 'index';

/**
 * An item's place in spread order: its index with the bits reversed (over enough bits for every index), so that
 * items adjacent by index, which share a file or a directory, are as far apart as the suite allows.
 */
export function spreadRank(index: number, itemCount: number): number {
  const bits = Math.max(1, Math.ceil(Math.log2(Math.max(2, itemCount))));
  let r = 0;
  for (let k = 0; k < bits; k++) r = r * 2 + (Math.floor(index / 2 ** k) % 2);
  return r;
}

/**
 * The pending order: `first` items before the others; then longest estimate first. Order 'spread': the first items
 * in spread order (their estimates are guesses), equal estimates by spread rank. Order 'index': the first items by
 * estimate too, ties by lower index.
 */
function pendingOrder(
  estimateMs: readonly number[],
  first: readonly number[] | undefined,
  order: QueueOrder | undefined,
): (a: number, b: number) => number {
  const early = first && first.length > 0 ? new Set(first) : undefined;
  if (order !== 'spread') {
    return (a, b) =>
      (early ? Number(early.has(b)) - Number(early.has(a)) : 0) || estimateMs[b]! - estimateMs[a]! || a - b;
  }
  const n = estimateMs.length;
  return (a, b) => {
    const ea = early?.has(a) ?? false;
    if (ea !== (early?.has(b) ?? false)) return ea ? -1 : 1;
    if (ea) return spreadRank(a, n) - spreadRank(b, n);
    return estimateMs[b]! - estimateMs[a]! || spreadRank(a, n) - spreadRank(b, n);
  };
}

export interface CreateQueueOptions {
  /** Items to hand out before all others: their estimate is a guess (see the file comment). */
  readonly first?: readonly number[];
  /** Default 'spread' (see the file comment); 'index' is the order before it, kept for the benchmark's peers. */
  readonly order?: QueueOrder;
}

/** A fresh queue over items with the given estimates. */
export function createQueueState(
  planId: string,
  estimateMs: readonly number[],
  workers: number,
  options?: CreateQueueOptions,
): QueueState {
  const first = [...new Set(options?.first ?? [])]
    .filter((i) => Number.isSafeInteger(i) && i >= 0 && i < estimateMs.length)
    .sort((a, b) => a - b);
  const order = options?.order ?? 'spread';
  const pending = estimateMs.map((_, i) => i).sort(pendingOrder(estimateMs, first, order));
  return {
    format: QUEUE_FORMAT,
    version: QUEUE_VERSION,
    planId,
    workers: Math.max(1, Math.floor(workers)),
    estimateMs: [...estimateMs],
    pending,
    ...(first.length > 0 ? { first } : {}),
    order,
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
  const pending = [...state.pending, ...expired.flatMap((l) => l.items)].sort(
    pendingOrder(state.estimateMs, state.first, state.order),
  );
  return { ...state, pending, leases: state.leases.filter((l) => l.expiresAt > now) };
}

/**
 * Hands a held lease's items back to pending, uncredited: a worker gives back a batch it claimed ahead and has not
 * started, because the batch it is running takes far longer than estimated (it would hold those items hostage
 * until it finishes). A lease no longer held (expired, completed) leaves the state unchanged.
 */
export function release(state: QueueState, lease: Pick<Lease, 'id'>): QueueState {
  const held = state.leases.find((l) => l.id === lease.id);
  if (!held) return state;
  const pending = [...state.pending, ...held.items].sort(pendingOrder(state.estimateMs, state.first, state.order));
  return { ...state, pending, leases: state.leases.filter((l) => l.id !== lease.id) };
}

/**
 * Hands some of a held lease's items back to pending, uncredited, and keeps the rest leased: a worker running a
 * batch in parts found the first parts far slower than estimated and gives back the parts it has not started.
 * Items not in the lease are ignored; handing back all of them is `release`. A lease no longer held leaves the
 * state unchanged (its items went back, or were completed, already).
 */
export function releaseItems(state: QueueState, lease: Pick<Lease, 'id'>, items: readonly number[]): QueueState {
  const held = state.leases.find((l) => l.id === lease.id);
  if (!held) return state;
  const back = new Set(items.filter((i) => held.items.includes(i)));
  if (back.size === 0) return state;
  if (back.size === held.items.length) return release(state, lease);
  const pending = [...state.pending, ...back].sort(pendingOrder(state.estimateMs, state.first, state.order));
  const kept: Lease = { ...held, items: held.items.filter((i) => !back.has(i)) };
  return { ...state, pending, leases: state.leases.map((l) => (l.id === lease.id ? kept : l)) };
}

/**
 * The items a claim would take now, in claim order (indices into estimateMs):
 *
 * 1. The longest pending items up to max(remaining / (2 × workers), minBatchMs), at least one item; beyond the
 *    factoring share at most max(`maxMinBatchItems`, pending / (2 × workers)) items (an item whose estimate is far
 *    too low, a test that became 1,000× slower, would otherwise drag many others onto one worker; see shareByCount).
 * 2. With minBatchMs > 0, up to `rideAlongItems` of the smallest pending items, if they are "small": so small that
 *    maxMinBatchItems of them do not fill minBatchMs. Running them early costs nothing. Left to the end of the run,
 *    where longest-first puts them, each round trip carries at most maxMinBatchItems of them, and workers idle
 *    waiting for batches that run for less than a round trip (one localstack version has 1,356 tests under 100 ms,
 *    40 s in all; at 32 shards and 1 s round trips every worker idled about 2 s at the end fetching them). Riding
 *    along with long batches, they are gone before the end, and a small item that turns out far slower than its
 *    estimate runs while there is still time to absorb it. A batch that already reaches the small items (the end of
 *    the run) takes none along, so the end of a run, and the cap above, are as before.
 *
 * At minBatchMs = 0 (no pull latency) this is plain factoring. Deterministic: it depends on the state only.
 */
export function batchItems(state: QueueState, options?: QueueOptions): number[] {
  return itemsOf(state.pending, batchShape(state, options));
}

interface BatchShape {
  readonly head: number;
  readonly tail: number;
}

/** The first `head` pending items, then the last `tail` ones (the ride-along, smallest first). */
function itemsOf(pending: readonly number[], { head, tail }: BatchShape): number[] {
  const items = pending.slice(0, head);
  for (let k = 1; k <= tail; k++) items.push(pending[pending.length - k]!);
  return items;
}

/** A batch is the first `head` pending items and the last `tail` ones, never overlapping. */
function batchShape(state: QueueState, options?: QueueOptions): BatchShape {
  const minBatchMs = options?.minBatchMs ?? 0;
  const rideAlongItems = options?.rideAlongItems ?? DEFAULT_RIDE_ALONG_ITEMS;
  const { pending, estimateMs } = state;
  const fixedCap = options?.maxMinBatchItems ?? DEFAULT_MAX_MIN_BATCH_ITEMS;
  const countShare = Math.ceil(pending.length / (2 * state.workers));
  const maxMinBatchItems = options?.shareByCount === false ? fixedCap : Math.max(fixedCap, countShare);
  let remaining = 0;
  for (const i of pending) remaining += estimateMs[i]!;
  const factoring = remaining / (2 * state.workers);
  const target = Math.max(factoring, minBatchMs);
  // Guessed items (pending starts with them) are shared out by count: their estimates are guesses, and a batch sized
  // by guesses can hold a whole run's worth of work (983 new localstack tests guessed at 72 s ran 800 s). With
  // nothing known, count is the estimate of a share, as in a plan without timings: remaining guessed / (2 × workers).
  const guessed = guessedAtHead(state);
  const headCap = guessed > 0 ? Math.ceil(guessed / (2 * state.workers)) : Infinity;
  let head = 0;
  let sum = 0;
  for (const i of pending) {
    const ms = estimateMs[i]!;
    if (head >= headCap) break;
    if (head > 0 && sum + ms > target) break;
    // Items beyond the factoring size are only there to fill minBatchMs; cap their number.
    if (head >= maxMinBatchItems && sum + ms > factoring) break;
    sum += ms;
    head++;
  }
  let tail = 0;
  if (minBatchMs <= 0 || rideAlongItems <= 0 || head === 0) return { head, tail };
  const small = (i: number): boolean => estimateMs[i]! * maxMinBatchItems < minBatchMs;
  if (small(pending[head - 1]!)) return { head, tail };
  // Pending is sorted longest first, so the smallest items are at its end.
  while (tail < rideAlongItems && pending.length - tail > head && small(pending[pending.length - 1 - tail]!)) tail++;
  return { head, tail };
}

/** How many pending items, from the front, are guessed (`first`) items. */
function guessedAtHead(state: QueueState): number {
  const first = state.first;
  if (!first || first.length === 0) return 0;
  const set = new Set(first);
  let n = 0;
  while (n < state.pending.length && set.has(state.pending[n]!)) n++;
  return n;
}

/** How many items a claim would take now (see batchItems). */
export function batchSize(state: QueueState, minBatchMs = 0, maxMinBatchItems = DEFAULT_MAX_MIN_BATCH_ITEMS): number {
  return batchItems(state, { minBatchMs, maxMinBatchItems }).length;
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
  const shape = batchShape(s, options);
  const items = itemsOf(s.pending, shape);
  let est = 0;
  for (const i of items) est += s.estimateMs[i]!;
  const leaseMs = Math.max(
    options?.minLeaseMs ?? DEFAULT_MIN_LEASE_MS,
    (options?.leaseFactor ?? DEFAULT_LEASE_FACTOR) * est,
  );
  const lease: Lease = { id: s.nextLeaseId, worker, items, claimedAt: now, expiresAt: now + leaseMs };
  return {
    state: {
      ...s,
      pending: s.pending.slice(shape.head, s.pending.length - shape.tail),
      leases: [...s.leases, lease],
      nextLeaseId: s.nextLeaseId + 1,
    },
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
