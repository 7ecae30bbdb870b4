/**
 * `publish` then `expect`, and `expect-none`. The taps on the expected channels are live before anything is
 * published (the race users of the anchors keep hitting), the trigger carries a generated correlation id, and an
 * expected event counts only when it carries the same id at the declared place. A timeout is a failure that shows
 * the last matching and non-matching events; it is never a hang.
 */
import { EvidenceRing } from './evidence.js';
import { compileFilter, type FilterSpec } from './filter.js';
import { openTaps, waitFor, type ProbeContext } from './context.js';
import { valueReader, type ValueLocation } from './selector.js';
import { renderTemplate, type PublishTemplate } from './template.js';
import type { ProbeVerdict } from './verdict.js';

export interface ExpectSpec {
  readonly name: string;
  /** The trigger; without one the probe only watches (for events the system emits by itself). */
  readonly publish?: PublishTemplate;
  readonly expect: {
    readonly channel: string;
    readonly bindingKey?: string;
    readonly filter?: FilterSpec;
    /** Where the expected event carries the trigger's correlation id. */
    readonly correlation?: ValueLocation;
    /** How many matching events are expected (default 1). */
    readonly count?: number;
  };
  readonly timeoutMs: number;
  /** expect-none: the probe passes when nothing matching arrives within timeoutMs. */
  readonly none?: boolean;
}

export async function runExpect(ctx: ProbeContext, spec: ExpectSpec): Promise<ProbeVerdict> {
  const now = ctx.now ?? Date.now;
  const startedAt = now();
  const correlationId = `${ctx.runId}-${spec.name}-1`;
  const filter = compileFilter(spec.expect.filter);
  const reader = spec.expect.correlation ? valueReader(spec.expect.correlation) : undefined;
  const want = spec.expect.count ?? 1;
  const matching = new EvidenceRing();
  const nonMatching = new EvidenceRing();
  let firstMatchAt: number | undefined;
  /** Latency runs from the publish (or from the taps being live, without a trigger), not from set-up. */
  let publishedAt: number | undefined;
  const done = waitFor(spec.timeoutMs, ctx.signal);
  const taps = await openTaps(ctx, [spec.expect], (_i, e) => {
    if (reader && reader.read(e) !== correlationId)
      return nonMatching.add(e, `${reader.describe()} is not ${correlationId}`);
    if (!filter(e)) return nonMatching.add(e, 'does not match the filter');
    matching.add(e);
    firstMatchAt ??= e.receivedAt;
    done.poke(!spec.none && matching.total >= want);
  });
  try {
    publishedAt = now();
    if (spec.publish)
      await ctx.client.publish(renderTemplate(spec.publish, { correlationId, runId: ctx.runId, index: 1 }));
    await done.promise;
  } finally {
    await taps.close();
  }
  const base = {
    probe: spec.name,
    type: spec.none ? 'expect-none' : 'expect',
    correlationId,
    startedAt,
    durationMs: now() - startedAt,
    numbers: { matching: matching.total, expected: want, timeoutMs: spec.timeoutMs },
    evidence: {
      matching: matching.list(),
      nonMatching: nonMatching.list(),
      matchingTotal: matching.total,
      nonMatchingTotal: nonMatching.total,
    },
  };
  const where = `on ${spec.expect.channel}`;
  if (ctx.signal?.aborted) return { ...base, status: 'error', reason: 'cancelled before the probe finished' };
  if (spec.none) {
    return matching.total === 0
      ? { ...base, status: 'pass', reason: `no matching event ${where} within ${spec.timeoutMs} ms` }
      : {
          ...base,
          status: 'fail',
          property: 'unexpected-event',
          reason: `${matching.total} matching event(s) arrived ${where}; none were allowed`,
        };
  }
  if (matching.total >= want) {
    const latency = firstMatchAt !== undefined ? firstMatchAt - (publishedAt ?? startedAt) : 0;
    return {
      ...base,
      numbers: { ...base.numbers, latencyMs: latency },
      status: 'pass',
      reason: `${matching.total} matching event(s) ${where} after ${latency} ms`,
    };
  }
  return {
    ...base,
    status: 'fail',
    property: 'delivery',
    reason: `expected ${want} matching event(s) ${where} within ${spec.timeoutMs} ms, saw ${matching.total} (and ${nonMatching.total} that did not match)`,
  };
}
