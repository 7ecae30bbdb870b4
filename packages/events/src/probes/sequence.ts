/**
 * `sequence`: a saga. A trigger, then the expected events, each within its own timeout (counted from the
 * trigger), in declared order (`ordered`, the default) or as a partial order (`after`: the steps that must come
 * first). Steps marked `compensation` are the compensating events a failure must cause; `forbidden` steps must not
 * appear at all (a saga that both compensates and completes is broken). Every event is matched by correlation id.
 */
import { EvidenceRing } from './evidence.js';
import { compileFilter, type FilterSpec } from './filter.js';
import { openTaps, waitFor, type ProbeContext } from './context.js';
import { valueReader, type ValueLocation } from './selector.js';
import { renderTemplate, type PublishTemplate } from './template.js';
import { capDetails, type BrokenProperty, type ProbeVerdict } from './verdict.js';

export interface SequenceStep {
  readonly name: string;
  readonly channel: string;
  readonly bindingKey?: string;
  readonly filter?: FilterSpec;
  /** From the trigger; default the probe's timeoutMs. */
  readonly timeoutMs?: number;
  /** Partial order: these steps must have been seen first. Without it (and with ordered), the previous step. */
  readonly after?: readonly string[];
  readonly compensation?: boolean;
  readonly forbidden?: boolean;
}

export interface SequenceSpec {
  readonly name: string;
  readonly trigger: PublishTemplate;
  readonly correlation: ValueLocation;
  readonly steps: readonly SequenceStep[];
  readonly ordered?: boolean;
  readonly timeoutMs: number;
}

export async function runSequence(ctx: ProbeContext, spec: SequenceSpec): Promise<ProbeVerdict> {
  const now = ctx.now ?? Date.now;
  const names = new Set(spec.steps.map((s) => s.name));
  for (const s of spec.steps)
    for (const a of s.after ?? [])
      if (!names.has(a)) throw new Error(`sequence ${spec.name}: step ${s.name} comes after unknown step ${a}`);
  const startedAt = now();
  const correlationId = `${ctx.runId}-${spec.name}-1`;
  const reader = valueReader(spec.correlation);
  const filters = spec.steps.map((s) => compileFilter(s.filter));
  const seenAt = new Map<string, number>();
  /** For order between steps: the broker's write time where it gives one (taps receive independently). */
  const orderAt = new Map<string, number>();
  const trace: string[] = [];
  const matching = new EvidenceRing();
  const nonMatching = new EvidenceRing();
  const required = spec.steps.filter((s) => !s.forbidden);
  const longest = Math.max(spec.timeoutMs, ...spec.steps.map((s) => s.timeoutMs ?? spec.timeoutMs));
  // Forbidden steps are watched for the whole window; otherwise the probe ends once every required step is in.
  const done = waitFor(longest, ctx.signal);
  const watchAll = spec.steps.some((s) => s.forbidden);
  const taps = await openTaps(ctx, spec.steps, (i, e) => {
    const step = spec.steps[i]!;
    if (reader.read(e) !== correlationId) return nonMatching.add(e, `not correlation id ${correlationId}`);
    if (!filters[i]!(e)) return nonMatching.add(e, `does not match step ${step.name}`);
    matching.add(e, step.name);
    if (!seenAt.has(step.name)) {
      seenAt.set(step.name, e.receivedAt);
      orderAt.set(step.name, e.brokerTime ?? e.receivedAt);
      trace.push(step.name);
      trace.sort((x, y) => orderAt.get(x)! - orderAt.get(y)!);
    }
    done.poke(!watchAll && required.every((s) => seenAt.has(s.name)));
  });
  try {
    await ctx.client.publish(renderTemplate(spec.trigger, { correlationId, runId: ctx.runId, index: 1 }));
    await done.promise;
  } finally {
    await taps.close();
  }
  const problems: { property: BrokenProperty; text: string }[] = [];
  const ordered = spec.ordered ?? true;
  for (const [i, s] of spec.steps.entries()) {
    const at = seenAt.get(s.name);
    if (s.forbidden) {
      if (at !== undefined) problems.push({ property: 'unexpected-event', text: `${s.name} appeared; it must not` });
      continue;
    }
    const limit = s.timeoutMs ?? spec.timeoutMs;
    if (at === undefined || at - startedAt > limit) {
      problems.push({
        property: s.compensation ? 'compensation' : 'delivery',
        text: `${s.name} (on ${s.channel}) ${at === undefined ? 'never arrived' : `arrived after ${at - startedAt} ms`} (limit ${limit} ms)`,
      });
      continue;
    }
    const before =
      s.after ?? (ordered && i > 0 ? [previousRequired(spec.steps, i)].filter((x): x is string => !!x) : []);
    for (const b of before) {
      const bAt = orderAt.get(b);
      if (bAt !== undefined && bAt > orderAt.get(s.name)!)
        problems.push({ property: 'sequence-order', text: `${s.name} arrived before ${b}` });
    }
  }
  const base = {
    probe: spec.name,
    type: 'sequence',
    correlationId,
    startedAt,
    durationMs: now() - startedAt,
    numbers: Object.fromEntries([...seenAt].map(([k, v]) => [`${k}Ms`, v - startedAt])),
    evidence: {
      matching: matching.list(),
      nonMatching: nonMatching.list(),
      matchingTotal: matching.total,
      nonMatchingTotal: nonMatching.total,
    },
  };
  if (ctx.signal?.aborted) return { ...base, status: 'error', reason: 'cancelled before the probe finished' };
  if (problems.length === 0) return { ...base, status: 'pass', reason: `saga steps in order: ${trace.join(' → ')}` };
  const first = problems[0]!;
  return {
    ...base,
    status: 'fail',
    property: first.property,
    reason: `${first.text}; seen: ${trace.join(' → ') || 'nothing'}`,
    details: capDetails(problems.map((p) => p.text)),
  };
}

function previousRequired(steps: readonly SequenceStep[], i: number): string | undefined {
  for (let j = i - 1; j >= 0; j--) if (!steps[j]!.forbidden) return steps[j]!.name;
  return undefined;
}
