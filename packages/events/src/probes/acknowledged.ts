/**
 * Acknowledged delivery under a broker fault: publish at a steady rate while the broker is stopped or partitioned,
 * then read back what the broker stores and check that every message it acknowledged is there. Publishes the
 * broker never acknowledged may be lost (the producer was told so); an acknowledged one that is gone is data loss,
 * the failure this probe exists for. Memory is one byte per message.
 */
import type { StoreMark, StoreMarkOptions } from '../brokers/client.js';
import { waitFor, type ProbeContext } from './context.js';
import { valueReader, type ValueLocation } from './selector.js';
import { renderTemplate, type PublishTemplate } from './template.js';
import { capDetails, type ProbeVerdict } from './verdict.js';

export const MAX_ACKNOWLEDGED_TOTAL = 1_000_000;

export interface AcknowledgedDeliverySpec {
  readonly name: string;
  /** Rendered per message with {{correlationId}}, {{index}} and {{runId}}; its channel must be stored by the broker. */
  readonly publish: PublishTemplate;
  /** Where a stored message carries its correlation id. */
  readonly correlation: ValueLocation;
  readonly total: number;
  readonly ratePerSecond: number;
  /** A publish not acknowledged within this long counts as unacknowledged (default 2 s). */
  readonly publishTimeoutMs?: number;
  /** How long, after publishing, the broker may take to come back before the read-back gives up (default 30 s). */
  readonly recoveryTimeoutMs?: number;
  /** RabbitMQ: how the witness queue finds and copies what the service's queue keeps (client.ts). */
  readonly store?: StoreMarkOptions;
}

const UNSENT = 0;
const PENDING = 1;
const ACKED = 2;
const REFUSED = 3;

/**
 * `during` runs while the messages are published (the fault: stop and restart the broker, cut the link); the
 * read-back starts once both are done.
 */
export async function runAcknowledgedDelivery(
  ctx: ProbeContext,
  spec: AcknowledgedDeliverySpec,
  during: () => Promise<void> = () => Promise.resolve(),
): Promise<ProbeVerdict> {
  if (!Number.isInteger(spec.total) || spec.total < 1 || spec.total > MAX_ACKNOWLEDGED_TOTAL)
    throw new Error(`acknowledged-delivery ${spec.name}: total must be an integer from 1 to ${MAX_ACKNOWLEDGED_TOTAL}`);
  if (!(spec.ratePerSecond > 0 && spec.ratePerSecond <= 10_000))
    throw new Error(`acknowledged-delivery ${spec.name}: ratePerSecond must be from 1 to 10000`);
  const now = ctx.now ?? Date.now;
  const startedAt = now();
  const prefix = `${ctx.runId}-${spec.name}-`;
  // Before the first publish: a broker that stores nothing for the channel is an error now, not a vacuous pass.
  const mark: StoreMark = await ctx.client.storeMark(spec.publish.channel, spec.store);
  try {
    return await publishAndReadBack(ctx, spec, during, mark, prefix, startedAt);
  } finally {
    await mark.release?.().catch(() => undefined);
  }
}

async function publishAndReadBack(
  ctx: ProbeContext,
  spec: AcknowledgedDeliverySpec,
  during: () => Promise<void>,
  mark: StoreMark,
  prefix: string,
  startedAt: number,
): Promise<ProbeVerdict> {
  const now = ctx.now ?? Date.now;
  const reader = valueReader(spec.correlation);
  const state = new Uint8Array(spec.total + 1);
  const publishTimeoutMs = spec.publishTimeoutMs ?? 2_000;
  const outstanding = new Set<Promise<void>>();
  const errors = new Map<string, number>();

  const publishing = (async () => {
    const interval = 1_000 / spec.ratePerSecond;
    for (let index = 1; index <= spec.total && !ctx.signal?.aborted; index++) {
      const due = startedAt + (index - 1) * interval;
      const wait = due - now();
      if (wait > 0) await waitFor(wait, ctx.signal).promise;
      state[index] = PENDING;
      const event = renderTemplate(spec.publish, { correlationId: `${prefix}${index}`, index, runId: ctx.runId });
      const p: Promise<void> = withTimeout(ctx.client.publish(event), publishTimeoutMs).then(
        () => void (state[index] = ACKED),
        (error: unknown) => {
          state[index] = REFUSED;
          const text = (error instanceof Error ? error.message : String(error)).slice(0, 200);
          errors.set(text, (errors.get(text) ?? 0) + 1);
        },
      );
      outstanding.add(p);
      void p.finally(() => outstanding.delete(p));
    }
  })();
  await Promise.all([publishing, during()]);
  await Promise.all([...outstanding]);

  // Read back what the broker stores since the mark, retrying while it recovers.
  const stored = new Uint8Array(spec.total + 1);
  let storedDistinct = 0;
  let storedDuplicates = 0;
  let readError: string | undefined;
  let gone: string | undefined;
  const deadline = now() + (spec.recoveryTimeoutMs ?? 30_000);
  for (;;) {
    stored.fill(0);
    storedDistinct = 0;
    storedDuplicates = 0;
    try {
      const result = await mark.read((e) => {
        const id = reader.read(e);
        if (id === undefined || !id.startsWith(prefix)) return;
        const n = Number(id.slice(prefix.length));
        if (!Number.isInteger(n) || n < 1 || n > spec.total) return;
        if (stored[n]) storedDuplicates += 1;
        else {
          stored[n] = 1;
          storedDistinct += 1;
        }
      }, spec.total * 4);
      gone = result.gone;
      readError = undefined;
      break;
    } catch (error) {
      readError = (error instanceof Error ? error.message : String(error)).slice(0, 300);
      if (now() > deadline || ctx.signal?.aborted) break;
      await waitFor(500, ctx.signal).promise;
    }
  }

  let acked = 0;
  let unacked = 0;
  let lostTotal = 0;
  let storedUnacked = 0;
  const lost: string[] = [];
  for (let n = 1; n <= spec.total; n++) {
    if (state[n] === ACKED) {
      acked += 1;
      if (!stored[n]) {
        lostTotal += 1;
        if (lost.length < 10) lost.push(`${prefix}${n}`);
      }
    } else if (state[n] !== UNSENT) {
      unacked += 1;
      if (stored[n]) storedUnacked += 1;
    }
  }
  const base = {
    probe: spec.name,
    type: 'acknowledged-delivery',
    correlationId: `${prefix}1..${spec.total}`,
    startedAt,
    durationMs: now() - startedAt,
    numbers: {
      published: acked + unacked,
      acknowledged: acked,
      unacknowledged: unacked,
      stored: storedDistinct,
      storedUnacknowledged: storedUnacked,
      storedDuplicates,
      lost: lostTotal,
    },
  };
  const refusals = [...errors].map(([text, count]) => `${count} × ${text}`);
  if (ctx.signal?.aborted) return { ...base, status: 'error', reason: 'cancelled before the probe finished' };
  if (readError !== undefined)
    return {
      ...base,
      status: 'error',
      reason: `could not read back what ${ctx.client.target} stores on ${spec.publish.channel}: ${readError}`,
    };
  if (acked === 0)
    return {
      ...base,
      status: 'error',
      reason: `the broker acknowledged none of ${acked + unacked} publishes: nothing to check`,
      details: capDetails(refusals),
    };
  if (lostTotal > 0)
    return {
      ...base,
      status: 'fail',
      property: 'acknowledged-loss',
      reason: `${lostTotal} of ${acked} acknowledged messages are gone from ${spec.publish.channel} after the fault${gone ? ` (${gone})` : ''}`,
      details: capDetails(lost.concat(lostTotal > lost.length ? [`… and ${lostTotal - lost.length} more`] : [])),
    };
  return {
    ...base,
    status: 'pass',
    reason:
      `all ${acked} acknowledged messages are stored` +
      (unacked ? `; ${unacked} publishes were not acknowledged (${storedUnacked} of them stored anyway)` : ''),
    ...(refusals.length ? { details: capDetails(refusals) } : {}),
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not acknowledged within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
