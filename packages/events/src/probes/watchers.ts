/**
 * Watchers that run for the length of an experiment: dead-letter ARRIVALS since the watcher started (a tap on the
 * dead-letter channel, not the queue's depth, which earlier runs and other tests also fill), and consumer lag read
 * at an interval, in messages and, where the broker says, in time. Each ends with a verdict against its bounds.
 */
import type { ConsumerRef, LagReading } from '../brokers/client.js';
import { EvidenceRing } from './evidence.js';
import { compileFilter, type FilterSpec } from './filter.js';
import { openTaps, type ProbeContext } from './context.js';
import type { ProbeVerdict } from './verdict.js';

export interface Watcher {
  /** Stops watching and gives the verdict. */
  stop(): Promise<ProbeVerdict>;
}

export interface DeadLetterSpec {
  readonly name: string;
  readonly channel: string;
  readonly bindingKey?: string;
  readonly filter?: FilterSpec;
  /** Arrivals allowed (default 0). */
  readonly max?: number;
}

/** A dead-letter watcher that can also judge the arrivals since its last checkpoint (a guard's interval). */
export interface DeadLetterWatcher extends Watcher {
  /** The verdict on the arrivals since the previous checkpoint (or the start), without stopping. */
  checkpoint(): ProbeVerdict;
}

export async function watchDeadLetters(ctx: ProbeContext, spec: DeadLetterSpec): Promise<DeadLetterWatcher> {
  const now = ctx.now ?? Date.now;
  const startedAt = now();
  const filter = compileFilter(spec.filter);
  let arrivals = new EvidenceRing();
  let since = new EvidenceRing();
  let sinceAt = startedAt;
  const taps = await openTaps(ctx, [spec], (_i, e) => {
    if (!filter(e)) return;
    arrivals.add(e);
    since.add(e);
  });
  const verdict = (ring: EvidenceRing, from: number, what: string): ProbeVerdict => {
    const max = spec.max ?? 0;
    const base = {
      probe: spec.name,
      type: 'dead-letters',
      startedAt: from,
      durationMs: now() - from,
      numbers: { arrivals: ring.total, max },
      evidence: { matching: ring.list(), nonMatching: [], matchingTotal: ring.total, nonMatchingTotal: 0 },
    };
    return ring.total <= max
      ? {
          ...base,
          status: 'pass',
          reason: `${ring.total} dead-letter arrival(s) on ${spec.channel} ${what} (at most ${max} allowed)`,
        }
      : {
          ...base,
          status: 'fail',
          property: 'dead-letters',
          reason: `${ring.total} dead-letter arrival(s) on ${spec.channel} ${what}; at most ${max} allowed`,
        };
  };
  return {
    checkpoint() {
      const ring = since;
      const from = sinceAt;
      since = new EvidenceRing();
      sinceAt = now();
      return verdict(ring, from, 'since the last check');
    },
    async stop() {
      await taps.close();
      const ring = arrivals;
      arrivals = new EvidenceRing();
      return verdict(ring, startedAt, 'since the probe started');
    },
  };
}

export interface LagSpec {
  readonly name: string;
  readonly consumer: ConsumerRef;
  readonly maxMessages?: number;
  readonly maxTimeMs?: number;
  readonly intervalMs?: number;
  /** The consumer must be attached (default true): a lag of 0 with nobody consuming is no proof of health. */
  readonly requireConsumer?: boolean;
  /**
   * chaos-gate: judged only while no fault is injected (before the faults and in recovery), reported while one is.
   * For a broker fault, where the service is cut off on purpose and lag must build, then recover.
   */
  readonly afterFaults?: boolean;
}

export async function watchLag(ctx: ProbeContext, spec: LagSpec): Promise<Watcher> {
  const now = ctx.now ?? Date.now;
  const startedAt = now();
  const readings: LagReading[] = [];
  const errors: string[] = [];
  const read = async (): Promise<void> => {
    try {
      readings.push(await ctx.client.lag(spec.consumer));
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
    }
  };
  await read();
  const timer = setInterval(() => void read(), spec.intervalMs ?? 1_000);
  return {
    async stop() {
      clearInterval(timer);
      await read();
      const peak = Math.max(...readings.map((r) => r.messages), 0);
      const peakTime = Math.max(...readings.map((r) => r.timeMs ?? 0), 0);
      const last = readings.at(-1);
      const base = {
        probe: spec.name,
        type: 'lag',
        startedAt,
        durationMs: now() - startedAt,
        numbers: {
          readings: readings.length,
          peakMessages: peak,
          peakTimeMs: peakTime,
          lastMessages: last?.messages ?? -1,
        },
      };
      if (readings.length === 0)
        return { ...base, status: 'error', reason: `no lag reading succeeded: ${errors[0] ?? 'unknown error'}` };
      if ((spec.requireConsumer ?? true) && last && last.consumers === 0)
        return {
          ...base,
          status: 'fail',
          property: 'consumer-missing',
          reason: 'the service consumer is not attached',
        };
      if (spec.maxMessages !== undefined && peak > spec.maxMessages)
        return {
          ...base,
          status: 'fail',
          property: 'lag',
          reason: `lag peaked at ${peak} messages (bound ${spec.maxMessages})`,
        };
      if (spec.maxTimeMs !== undefined && peakTime > spec.maxTimeMs)
        return {
          ...base,
          status: 'fail',
          property: 'lag',
          reason: `lag peaked at ${peakTime} ms (bound ${spec.maxTimeMs} ms)`,
        };
      return {
        ...base,
        status: 'pass',
        reason: `lag peaked at ${peak} messages${peakTime ? ` / ${peakTime} ms` : ''}, within bounds`,
      };
    },
  };
}
