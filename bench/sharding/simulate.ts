/**
 * Measuring splits: makespan of an assignment on actual durations, the lower bound, and an event simulation of
 * queue mode that drives the real queue transitions (@gauntlet/sharding queue-state) with a pull latency.
 */
import { claim, complete, createQueueState, renew, type Lease, type QueueState } from '@gauntlet/sharding';

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
  /** Round trip of one claim, in ms (the request reaches the store after half of it). */
  readonly latencyMs: number;
  /** Ask for the next batch `leadFactor` × latency before the current one is expected (by estimate) to end. */
  readonly prefetch: boolean;
  readonly leadFactor?: number;
  /** QueueOptions.minBatchMs: the smallest batch worth a round trip. */
  readonly minBatchMs?: number;
  readonly maxMinBatchItems?: number;
  /** QueueOptions.rideAlongItems (default: the queue's). */
  readonly rideAlongItems?: number;
}

export interface QueueSimResult {
  readonly makespanMs: number;
  readonly claims: number;
  /** Work run, including items run twice after a lease was lost (equals the total when nothing was). */
  readonly executedMs: number;
}

interface Event {
  t: number;
  seq: number;
  worker: number;
  kind: 'arrive' | 'response' | 'renew';
  result?: ReturnType<typeof claim>['result'];
  lease?: Lease;
}

/** Live workers renew their leases this often while running a batch (the heartbeat; leases last ≥ 10 min). */
const HEARTBEAT_MS = 60_000;

/** Min-heap of events by (time, sequence). */
class Events {
  private readonly a: Event[] = [];
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

/**
 * Simulates `workers` shards pulling batches. Items have estimates (what the queue orders and sizes batches by)
 * and actual durations (what running them takes).
 */
export function simulateQueue(
  estimateMs: readonly number[],
  actualMs: readonly number[],
  options: QueueSimOptions,
): QueueSimResult {
  const { workers, latencyMs, prefetch } = options;
  const lead = (options.leadFactor ?? 2) * latencyMs;
  const minBatchMs = options.minBatchMs ?? 0;
  let state: QueueState = createQueueState('sim', estimateMs, workers);
  const events = new Events();
  let seq = 0;
  let claims = 0;
  let executedMs = 0;
  const busyUntil = new Array<number>(workers).fill(0);
  const running: { lease: Lease; end: number }[][] = Array.from({ length: workers }, () => []);
  const toComplete: Lease[][] = Array.from({ length: workers }, () => []);
  const send = (w: number, t: number): void => {
    claims++;
    events.push({ t: t + latencyMs / 2, seq: seq++, worker: w, kind: 'arrive' });
  };
  for (let w = 0; w < workers; w++) send(w, 0);
  let steps = 0;
  for (let e = events.pop(); e; e = events.pop()) {
    if (++steps > 5_000_000) {
      throw new Error(
        `queue simulation did not finish (${JSON.stringify({ t: e.t, leases: state.leases, running: running.map((r) => r.map((x) => [x.lease.id, x.end])), busyUntil })})`,
      );
    }
    const w = e.worker;
    if (e.kind === 'renew') {
      const r = renew(state, e.lease!.id, e.t, undefined, e.lease!.items.length);
      if (r) state = r.state;
      continue;
    }
    if (e.kind === 'arrive') {
      // Complete every batch this worker has finished by now, then claim (one write, as QueueClient does).
      const finished = running[w]!.filter((r) => r.end <= e.t);
      running[w] = running[w]!.filter((r) => r.end > e.t);
      for (const r of finished) toComplete[w]!.push(r.lease);
      for (const lease of toComplete[w]!.splice(0)) state = complete(state, lease).state;
      const next = claim(state, `w${w}`, e.t, {
        minBatchMs,
        ...(options.maxMinBatchItems ? { maxMinBatchItems: options.maxMinBatchItems } : {}),
        ...(options.rideAlongItems !== undefined ? { rideAlongItems: options.rideAlongItems } : {}),
      });
      state = next.state;
      events.push({ t: e.t + latencyMs / 2, seq: seq++, worker: w, kind: 'response', result: next.result });
      continue;
    }
    const result = e.result!;
    if (result.kind === 'done') continue;
    if (result.kind === 'wait') {
      send(w, Math.max(e.t + 1000, Math.min(result.retryAt, e.t + 30_000)));
      continue;
    }
    const lease = result.lease;
    const start = Math.max(e.t, busyUntil[w]!);
    let run = 0;
    let est = 0;
    for (const i of lease.items) {
      run += actualMs[i]!;
      est += estimateMs[i]!;
    }
    const end = start + run;
    busyUntil[w] = end;
    executedMs += run;
    // Estimated end of this batch, anchored at its actual start: a worker never holds more than one batch ahead.
    const estEnd = start + est;
    running[w]!.push({ lease, end });
    for (let hb = start + HEARTBEAT_MS; hb < end; hb += HEARTBEAT_MS) {
      events.push({ t: hb + latencyMs / 2, seq: seq++, worker: w, kind: 'renew', lease });
    }
    // Next request: at the (actual) end of the work, or ahead of its estimated end when prefetching.
    const at = prefetch ? Math.max(e.t, Math.min(end, estEnd - lead)) : end;
    send(w, at);
  }
  return { makespanMs: Math.max(...busyUntil), claims, executedMs };
}
