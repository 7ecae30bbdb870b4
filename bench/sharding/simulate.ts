/**
 * Measuring splits: makespan of an assignment on actual durations, the lower bound, and an event simulation of
 * queue mode that drives the real queue transitions (@gauntlet/sharding queue-state) with a pull latency.
 */
import {
  batchParts,
  claim,
  complete,
  createQueueState,
  handBackAfterMs,
  release,
  releaseItems,
  renew,
  type Lease,
  type QueueOrder,
  type QueueState,
} from '@gauntlet/sharding';

export function lowerBound(actual: ReadonlyMap<string, number>, keys: readonly string[], m: number): number {
  let total = 0;
  let longest = 0;
  for (const k of keys) {
    const d = actual.get(k) ?? 0;
    total += d;
    longest = Math.max(longest, d);
  }
  return Math.max(total / m, longest);
}

export function makespan(shards: readonly (readonly string[])[], actual: ReadonlyMap<string, number>): number {
  let worst = 0;
  for (const keys of shards) {
    let t = 0;
    for (const k of keys) t += actual.get(k) ?? 0;
    worst = Math.max(worst, t);
  }
  return worst;
}

export interface QueueSimOptions {
  readonly workers: number;
  /** Round trip of one request to the queue, in ms (it reaches the store after half of it). */
  readonly latencyMs: number;
  /** Ask for the next batch `leadFactor` × latency before the current one is expected (by estimate) to end. */
  readonly prefetch: boolean;
  readonly leadFactor?: number;
  /** QueueOptions.minBatchMs: the smallest batch worth a round trip. */
  readonly minBatchMs?: number;
  readonly maxMinBatchItems?: number;
  /** QueueOptions.rideAlongItems (default: the queue's). */
  readonly rideAlongItems?: number;
  /** The action's lease-timeout (default its default, 10 min): leases last exactly this long unless renewed. */
  readonly leaseTimeoutMs?: number;
  /** Hand the batch claimed ahead back when the running one overruns (handBackAfterMs), as the action does. */
  readonly handBack?: boolean;
  /** Cost of starting the test command, paid by every command run (default 0). */
  readonly runOverheadMs?: number;
  /**
   * Run each batch in up to this many parts (batchParts; default 1, one run): after each part, a batch much slower
   * than estimated hands its unstarted parts back to the queue (releaseItems).
   */
  readonly maxParts?: number;
  /** Items handed out first (no history of their own), as the action passes them to the queue. */
  readonly first?: readonly number[];
  /** The queue's pending order (default the queue's, 'spread'); 'index' is the order before it. */
  readonly order?: QueueOrder;
  /** QueueOptions.shareByCount (default the queue's, true). */
  readonly shareByCount?: boolean;
  /** Called for every batch started (for diagnosing a pair). */
  readonly onBatch?: (batch: { worker: number; start: number; end: number; items: readonly number[] }) => void;
}

export interface QueueSimResult {
  readonly makespanMs: number;
  readonly claims: number;
  /** Work run, including items run twice after a lease was lost (equals the total when nothing was). */
  readonly executedMs: number;
  /** Batches handed back unstarted. */
  readonly handedBack: number;
  /** Items handed back from running batches (parts not started). */
  readonly partsHandedBack: number;
}

/** The action's defaults (shard-and-run queue mode): lease-timeout 10 min, renewed every third of it. */
export const ACTION_LEASE_TIMEOUT_MS = 10 * 60 * 1000;

type EventKind =
  | 'arrive'
  | 'response'
  | 'part'
  | 'end'
  | 'prefetch'
  | 'tick'
  | 'renew'
  | 'renewed'
  | 'handback'
  | 'release'
  | 'releaseItems';

interface Event {
  t: number;
  seq: number;
  worker: number;
  kind: EventKind;
  result?: ReturnType<typeof claim>['result'];
  lease?: Lease;
  /** Claim: the finished leases this claim completes. Renewal answer: whether it succeeded. */
  completes?: readonly Lease[];
  /** releaseItems: the items handed back. */
  items?: readonly number[];
  ok?: boolean;
  token?: number;
}

/** Min-heap of events by (time, sequence). */
class Events {
  private readonly a: Event[] = [];
  get size(): number {
    return this.a.length;
  }
  push(e: Event): void {
    const a = this.a;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(a[p]!, a[i]!)) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): Event | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l]!, a[m]!)) m = l;
        if (r < a.length && less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}
const less = (x: Event, y: Event): boolean => x.t < y.t || (x.t === y.t && x.seq < y.seq);

interface Worker {
  running?: {
    lease: Lease;
    start: number;
    token: number;
    /** Parts not started yet, and the estimate (with start-ups) of the parts run so far. */
    parts: number[][];
    doneEstMs: number;
  };
  /** A batch claimed ahead (prefetched), not started. */
  ahead?: Lease;
  /** Batches that ran and are not completed yet: the next claim completes them (one write per batch). */
  finished: Lease[];
  claiming: boolean;
  /** The claim in flight was sent while a batch ran (a prefetch): a `wait` answer is retried at once after it. */
  prefetched: boolean;
  /** Leases the worker's keeper renews: running, ahead, and finished until the claim completing it is sent. */
  readonly held: Map<number, Lease>;
  readonly lost: Set<number>;
  done: boolean;
  lastEnd: number;
}

/**
 * Simulates `workers` queue workers with the action's own policies (actions/shard-and-run queue-worker.ts): one
 * claim per batch that also completes the previous one; the next claim sent `leadFactor` round trips before the
 * running batch is expected to end; one batch held ahead at most; a keeper that renews every held lease (ahead,
 * running, and finished until the completing claim is sent) every third of the lease timeout; a batch ahead whose
 * lease was lost is skipped; `wait` answers retried after max(200 ms, min(5 s, retryAt − now)), at once after a
 * prefetch; and, with handBack, the batch ahead handed back when the running one overruns. With maxParts > 1 (a
 * policy measured, not the action's), a batch runs in parts (batchParts), each paying runOverheadMs, and after each
 * part one past handBackAfterMs gives its unstarted parts back (releaseItems). Items have
 * estimates (what the queue orders and sizes batches by) and actual durations (what running them takes).
 */
export function simulateQueue(
  estimateMs: readonly number[],
  actualMs: readonly number[],
  options: QueueSimOptions,
): QueueSimResult {
  const { workers, latencyMs, prefetch } = options;
  const half = latencyMs / 2;
  const lead = (options.leadFactor ?? 2) * latencyMs;
  const leaseTimeoutMs = options.leaseTimeoutMs ?? ACTION_LEASE_TIMEOUT_MS;
  const leaseOptions = { minLeaseMs: leaseTimeoutMs, leaseFactor: 0 };
  const claimOptions = {
    ...leaseOptions,
    minBatchMs: options.minBatchMs ?? 0,
    ...(options.maxMinBatchItems ? { maxMinBatchItems: options.maxMinBatchItems } : {}),
    ...(options.rideAlongItems !== undefined ? { rideAlongItems: options.rideAlongItems } : {}),
    ...(options.shareByCount !== undefined ? { shareByCount: options.shareByCount } : {}),
  };
  const renewEvery = Math.max(100, Math.floor(leaseTimeoutMs / 3));
  let state: QueueState = createQueueState('sim', estimateMs, workers, {
    first: options.first ?? [],
    ...(options.order ? { order: options.order } : {}),
  });
  const events = new Events();
  let seq = 0;
  let token = 0;
  let claims = 0;
  let executedMs = 0;
  let handedBack = 0;
  const push = (e: Omit<Event, 'seq'>): void => events.push({ ...e, seq: seq++ });
  const ws: Worker[] = Array.from({ length: workers }, () => ({
    finished: [],
    claiming: false,
    prefetched: false,
    held: new Map(),
    lost: new Set(),
    done: false,
    lastEnd: 0,
  }));

  const sendClaim = (w: number, t: number): void => {
    const wk = ws[w]!;
    wk.claiming = true;
    wk.prefetched = wk.running !== undefined;
    const done = wk.finished.splice(0);
    for (const lease of done) wk.held.delete(lease.id);
    claims++;
    push({ t: t + half, worker: w, kind: 'arrive', completes: done });
  };
  const overheadMs = options.runOverheadMs ?? 0;
  let partsHandedBack = 0;
  const startPart = (w: number, t: number): void => {
    const running = ws[w]!.running!;
    const part = running.parts.shift()!;
    let run = overheadMs;
    let est = overheadMs;
    for (const i of part) {
      run += actualMs[i]!;
      est += estimateMs[i]!;
    }
    running.doneEstMs += est;
    executedMs += run;
    push({ t: t + run, worker: w, kind: running.parts.length ? 'part' : 'end', token: running.token });
  };
  const start = (w: number, lease: Lease, t: number): void => {
    const wk = ws[w]!;
    if (wk.lost.has(lease.id)) {
      sendClaim(w, t);
      return;
    }
    wk.held.set(lease.id, lease);
    let est = overheadMs;
    for (const i of lease.items) est += estimateMs[i]!;
    const tk = ++token;
    wk.running = { lease, start: t, token: tk, parts: batchParts(lease.items, options.maxParts ?? 1), doneEstMs: 0 };
    startPart(w, t);
    if (options.onBatch) {
      let run = 0;
      for (const i of lease.items) run += actualMs[i]!;
      options.onBatch({ worker: w, start: t, end: t + run, items: lease.items });
    }
    if (prefetch) push({ t: t + Math.max(0, est - lead), worker: w, kind: 'prefetch', token: tk });
    if (options.handBack) push({ t: t + handBackAfterMs(est, latencyMs), worker: w, kind: 'handback', token: tk });
  };

  for (let w = 0; w < workers; w++) {
    sendClaim(w, 0);
    push({ t: renewEvery, worker: w, kind: 'tick' });
  }
  let steps = 0;
  for (let e = events.pop(); e; e = events.pop()) {
    if (++steps > 5_000_000) {
      const leases = state.leases.map((l) => `${l.id} (${l.worker})`).join(', ');
      throw new Error(
        `queue simulation did not finish (t=${e.t} ms, ${state.pending.length} pending, leases ${leases})`,
      );
    }
    const w = e.worker;
    const wk = ws[w]!;
    switch (e.kind) {
      case 'arrive': {
        for (const lease of e.completes ?? []) state = complete(state, lease).state;
        const next = claim(state, `w${w}`, e.t, claimOptions);
        state = next.state;
        push({ t: e.t + half, worker: w, kind: 'response', result: next.result });
        break;
      }
      case 'response': {
        wk.claiming = false;
        const result = e.result!;
        if (result.kind === 'batch') {
          if (wk.running) {
            wk.held.set(result.lease.id, result.lease);
            wk.ahead = result.lease;
          } else start(w, result.lease, e.t);
        } else if (!wk.running) {
          // Idle: after a prefetch the worker asks again at once (completing its finished batch); else it waits.
          if (wk.prefetched || wk.finished.length > 0) sendClaim(w, e.t);
          else if (result.kind === 'wait') sendClaim(w, e.t + Math.max(200, Math.min(5000, result.retryAt - e.t)));
          else wk.done = true;
        }
        break;
      }
      case 'part': {
        const running = wk.running;
        if (!running || running.token !== e.token) break;
        // Much slower than estimated so far: the parts not started go back to the queue, the batch ends here.
        if (e.t - running.start > handBackAfterMs(running.doneEstMs, latencyMs)) {
          const back = running.parts.flat();
          running.parts = [];
          partsHandedBack += back.length;
          push({ t: e.t + half, worker: w, kind: 'releaseItems', lease: running.lease, items: back });
          // Completed later with only what it ran: an expired lease is completed by its items, and those handed
          // back must never be credited to this worker.
          const gone = new Set(back);
          running.lease = { ...running.lease, items: running.lease.items.filter((i) => !gone.has(i)) };
          wk.held.set(running.lease.id, running.lease);
          push({ t: e.t, worker: w, kind: 'end', token: running.token });
        } else startPart(w, e.t);
        break;
      }
      case 'releaseItems':
        state = releaseItems(state, e.lease!, e.items!);
        break;
      case 'end': {
        const running = wk.running;
        if (!running || running.token !== e.token) break;
        wk.finished.push(running.lease);
        wk.lastEnd = e.t;
        wk.running = undefined;
        if (wk.claiming) break; // the prefetch answers, then the worker goes on
        const ahead = wk.ahead;
        wk.ahead = undefined;
        if (ahead) start(w, ahead, e.t);
        else sendClaim(w, e.t);
        break;
      }
      case 'prefetch':
        if (wk.running?.token === e.token && !wk.claiming && !wk.ahead) sendClaim(w, e.t);
        break;
      case 'handback':
        if (wk.running?.token === e.token && wk.ahead) {
          const ahead = wk.ahead;
          wk.ahead = undefined;
          wk.held.delete(ahead.id);
          handedBack++;
          push({ t: e.t + half, worker: w, kind: 'release', lease: ahead });
        }
        break;
      case 'release':
        state = release(state, e.lease!);
        break;
      case 'tick':
        if (wk.done) break;
        for (const lease of wk.held.values()) push({ t: e.t + half, worker: w, kind: 'renew', lease });
        push({ t: e.t + renewEvery, worker: w, kind: 'tick' });
        break;
      case 'renew': {
        const r = renew(state, e.lease!.id, e.t, leaseOptions, e.lease!.items.length);
        if (r) state = r.state;
        push({ t: e.t + half, worker: w, kind: 'renewed', lease: r?.lease ?? e.lease!, ok: r !== undefined });
        break;
      }
      case 'renewed':
        if (!wk.held.has(e.lease!.id)) break;
        if (e.ok) wk.held.set(e.lease!.id, e.lease!);
        else {
          wk.held.delete(e.lease!.id);
          wk.lost.add(e.lease!.id);
        }
        break;
    }
    if (ws.every((x) => x.done)) break;
  }
  return { makespanMs: Math.max(...ws.map((x) => x.lastEnd)), claims, executedMs, handedBack, partsHandedBack };
}
