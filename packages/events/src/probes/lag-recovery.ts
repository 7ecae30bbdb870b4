/**
 * Lag recovery after a fault: once the broker is back (or the link restored), the service's consumer must catch up.
 * Polls the consumer's lag until it is within the bound with the consumer attached, or the timeout passes. Read
 * errors while the broker is still coming back are counted and retried, never a pass. The verdict gives how long
 * recovery took and the peak it recovered from.
 */
import type { ConsumerRef, LagReading } from '../brokers/client.js';
import { waitFor, type ProbeContext } from './context.js';
import type { ProbeVerdict } from './verdict.js';

export interface LagRecoverySpec {
  readonly name: string;
  readonly consumer: ConsumerRef;
  /** Recovered at or below this many messages behind (default 0). */
  readonly maxMessages?: number;
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** The consumer must be attached (default true): no lag with nobody consuming is no recovery. */
  readonly requireConsumer?: boolean;
}

export async function runLagRecovery(ctx: ProbeContext, spec: LagRecoverySpec): Promise<ProbeVerdict> {
  if (!(spec.timeoutMs > 0 && spec.timeoutMs <= 3_600_000))
    throw new Error(`lag recovery ${spec.name}: timeoutMs must be from 1 to 3600000`);
  const now = ctx.now ?? Date.now;
  const startedAt = now();
  const max = spec.maxMessages ?? 0;
  const requireConsumer = spec.requireConsumer ?? true;
  let readings = 0;
  let errors = 0;
  let lastError: string | undefined;
  let first: LagReading | undefined;
  let last: LagReading | undefined;
  let peak = 0;
  const recovered = (r: LagReading): boolean => r.messages <= max && (!requireConsumer || r.consumers > 0);
  for (;;) {
    try {
      const r = await ctx.client.lag(spec.consumer);
      readings += 1;
      first ??= r;
      last = r;
      peak = Math.max(peak, r.messages);
      if (recovered(r)) break;
    } catch (error) {
      errors += 1;
      lastError = (error instanceof Error ? error.message : String(error)).slice(0, 300);
    }
    if (now() - startedAt >= spec.timeoutMs || ctx.signal?.aborted) break;
    await waitFor(spec.intervalMs ?? 500, ctx.signal).promise;
  }
  const base = {
    probe: spec.name,
    type: 'lag-recovery',
    startedAt,
    durationMs: now() - startedAt,
    numbers: {
      readings,
      readErrors: errors,
      firstMessages: first?.messages ?? -1,
      peakMessages: peak,
      lastMessages: last?.messages ?? -1,
      lastConsumers: last?.consumers ?? -1,
      maxMessages: max,
    },
  };
  if (ctx.signal?.aborted) return { ...base, status: 'error', reason: 'cancelled before the lag recovered' };
  if (!last) return { ...base, status: 'error', reason: `no lag reading succeeded: ${lastError ?? 'unknown error'}` };
  if (recovered(last))
    return {
      ...base,
      status: 'pass',
      reason: `lag recovered to ${last.messages} message(s) (bound ${max}) in ${base.durationMs} ms, from a peak of ${peak}${errors ? `; ${errors} reading(s) failed while the broker came back` : ''}`,
    };
  if (requireConsumer && last.consumers === 0)
    return {
      ...base,
      status: 'fail',
      property: 'consumer-missing',
      reason: `the service consumer did not come back within ${spec.timeoutMs} ms: nobody consumes, ${last.messages} message(s) behind`,
    };
  return {
    ...base,
    status: 'fail',
    property: 'lag',
    reason: `lag did not recover to ${max} within ${spec.timeoutMs} ms: ${last.messages} message(s) behind at the end (peak ${peak})`,
  };
}
