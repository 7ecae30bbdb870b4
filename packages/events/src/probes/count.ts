/**
 * `count`: N published means N processed, with no loss and no duplicates, keyed by correlation id; optionally,
 * per-key order kept. Memory is one byte per published event (a delivery counter indexed by the number in the
 * id) plus one number per ordering key, whatever the payloads, so 100,000 events stay in a few hundred KB.
 */
import { EvidenceRing } from './evidence.js';
import { compileFilter, type FilterSpec } from './filter.js';
import { openTaps, waitFor, type ProbeContext } from './context.js';
import { valueReader, type ValueLocation } from './selector.js';
import { renderTemplate, type PublishTemplate } from './template.js';
import { capDetails, type ProbeVerdict } from './verdict.js';

export const MAX_COUNT = 1_000_000;

export interface CountSpec {
  readonly name: string;
  /** Rendered once per event with {{correlationId}}, {{index}} (1..total), {{key}} and {{seq}}. */
  readonly publish: PublishTemplate;
  readonly total: number;
  /** Ordering keys the events are spread over (round robin); {{seq}} counts per key from 1. Default 1. */
  readonly keys?: number;
  /** Events in flight at once while publishing (default 64). */
  readonly concurrency?: number;
  readonly processed: {
    readonly channel: string;
    readonly bindingKey?: string;
    readonly filter?: FilterSpec;
    readonly correlation: ValueLocation;
  };
  /** Check that each key's events are processed in publish order: where the processed event says its key and seq. */
  readonly order?: { readonly key: ValueLocation; readonly seq: ValueLocation };
  /** How long after the last publish to wait for the rest (and for duplicates). */
  readonly timeoutMs: number;
  /** After every event has arrived, how long to keep watching for duplicates (default 500 ms). */
  readonly settleMs?: number;
}

export async function runCount(ctx: ProbeContext, spec: CountSpec): Promise<ProbeVerdict> {
  if (!Number.isInteger(spec.total) || spec.total < 1 || spec.total > MAX_COUNT)
    throw new Error(`count probe ${spec.name}: total must be an integer from 1 to ${MAX_COUNT}`);
  const now = ctx.now ?? Date.now;
  const startedAt = now();
  const prefix = `${ctx.runId}-${spec.name}-`;
  const keys = Math.max(1, spec.keys ?? 1);
  const seen = new Uint8Array(spec.total + 1);
  const lastSeq = new Float64Array(keys).fill(0);
  const filter = compileFilter(spec.processed.filter);
  const reader = valueReader(spec.processed.correlation);
  const orderKey = spec.order ? valueReader(spec.order.key) : undefined;
  const orderSeq = spec.order ? valueReader(spec.order.seq) : undefined;
  const duplicates = new EvidenceRing();
  const foreign = new EvidenceRing();
  const outOfOrder: string[] = [];
  let outOfOrderTotal = 0;
  let distinct = 0;
  let deliveries = 0;
  let published = 0;
  let complete: ReturnType<typeof waitFor> | undefined;
  const taps = await openTaps(ctx, [spec.processed], (_i, e) => {
    const id = reader.read(e);
    if (id === undefined || !id.startsWith(prefix) || !filter(e)) return foreign.add(e, 'not one of this probe');
    const n = Number(id.slice(prefix.length));
    if (!Number.isInteger(n) || n < 1 || n > spec.total) return foreign.add(e, 'id out of range');
    deliveries += 1;
    if (seen[n]! > 0) duplicates.add(e, `${id} processed again`);
    else distinct += 1;
    if (seen[n]! < 255) seen[n]! += 1;
    if (orderKey && orderSeq) {
      const k = Number(orderKey.read(e));
      const s = Number(orderSeq.read(e));
      if (Number.isInteger(k) && k >= 0 && k < keys && Number.isFinite(s)) {
        if (s < lastSeq[k]!) {
          outOfOrderTotal += 1;
          if (outOfOrder.length < 10) outOfOrder.push(`key ${k}: seq ${s} after ${lastSeq[k]}`);
        } else lastSeq[k] = s;
      }
    }
    complete?.poke(distinct === spec.total);
  });
  try {
    const perKey = new Array<number>(keys).fill(0);
    const concurrency = Math.max(1, spec.concurrency ?? 64);
    let next = 1;
    const worker = async (): Promise<void> => {
      while (next <= spec.total && !ctx.signal?.aborted) {
        const index = next++;
        const key = (index - 1) % keys;
        const seq = (perKey[key] = perKey[key]! + 1);
        await ctx.client.publish(
          renderTemplate(spec.publish, { correlationId: `${prefix}${index}`, index, key, seq, runId: ctx.runId }),
        );
        published += 1;
      }
    };
    // Per-key order needs each key's events sent in order: one publisher then, pipelining only across keys is not
    // worth the risk of a false failure.
    await Promise.all(Array.from({ length: spec.order ? 1 : concurrency }, worker));
    complete = distinct === spec.total ? waitFor(0) : waitFor(spec.timeoutMs, ctx.signal);
    await complete.promise;
    if (!ctx.signal?.aborted) await waitFor(spec.settleMs ?? 500, ctx.signal).promise;
  } finally {
    await taps.close();
  }
  const missing: string[] = [];
  let missingTotal = 0;
  for (let n = 1; n <= spec.total; n++)
    if (seen[n] === 0) {
      missingTotal += 1;
      if (missing.length < 10) missing.push(`${prefix}${n}`);
    }
  const duplicated = deliveries - distinct;
  const base = {
    probe: spec.name,
    type: 'count',
    correlationId: `${prefix}1..${spec.total}`,
    startedAt,
    durationMs: now() - startedAt,
    numbers: {
      published,
      processed: distinct,
      missing: missingTotal,
      duplicates: duplicated,
      outOfOrder: outOfOrderTotal,
    },
    evidence: {
      matching: duplicates.list(),
      nonMatching: foreign.list(),
      matchingTotal: duplicates.total,
      nonMatchingTotal: foreign.total,
    },
  };
  if (ctx.signal?.aborted) return { ...base, status: 'error', reason: 'cancelled before the probe finished' };
  if (missingTotal > 0)
    return {
      ...base,
      status: 'fail',
      property: 'no-loss',
      reason: `${missingTotal} of ${spec.total} published events were never processed on ${spec.processed.channel}`,
      details: capDetails(
        missing.concat(missingTotal > missing.length ? [`… and ${missingTotal - missing.length} more`] : []),
      ),
    };
  if (duplicated > 0)
    return {
      ...base,
      status: 'fail',
      property: 'no-duplicates',
      reason: `${duplicated} event(s) were processed more than once (${spec.total} published, ${deliveries} processed)`,
    };
  if (outOfOrderTotal > 0)
    return {
      ...base,
      status: 'fail',
      property: 'per-key-order',
      reason: `${outOfOrderTotal} event(s) were processed out of their key's order`,
      details: capDetails(outOfOrder),
    };
  return {
    ...base,
    status: 'pass',
    reason: `all ${spec.total} events processed exactly once${spec.order ? ', in order per key' : ''}`,
  };
}
