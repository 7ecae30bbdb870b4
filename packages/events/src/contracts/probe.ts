/**
 * Contract probes. `runContractOperation` publishes each example of an operation the application receives and
 * expects the reply its contract declares, each reply checked against the reply's schema; `watchContract` checks
 * every message seen on the contract's channels while an experiment runs. A failure names the message, the JSON
 * pointer that failed and why.
 */
import { toBytes } from '../model.js';
import { EvidenceRing } from '../probes/evidence.js';
import { openTaps, waitFor, type ProbeContext } from '../probes/context.js';
import { valueReader, type ValueLocation } from '../probes/selector.js';
import { parsePointer } from '../probes/json-pointer.js';
import { capDetails, type ProbeVerdict } from '../probes/verdict.js';
import type { Watcher } from '../probes/watchers.js';
import type { ContractOperation } from './asyncapi.js';
import type { ContractValidator } from './validate.js';

export interface ContractOperationSpec {
  readonly name: string;
  readonly validator: ContractValidator;
  /** The operation's name in the document. */
  readonly operation: string;
  /** Where requests and replies carry the correlation id (set on each published example). */
  readonly correlation: ValueLocation;
  readonly timeoutMs: number;
}

function withCorrelation(
  example: unknown,
  location: ValueLocation,
  id: string,
): { body: unknown; headers: Record<string, string> } {
  if ('header' in location) return { body: example, headers: { [location.header]: id } };
  if ('payload' in location) {
    const tokens = parsePointer(location.payload);
    const copy = structuredClone(example) as Record<string, unknown>;
    let cur: Record<string, unknown> = copy;
    for (const t of tokens.slice(0, -1)) {
      if (typeof cur[t] !== 'object' || cur[t] === null) cur[t] = {};
      cur = cur[t] as Record<string, unknown>;
    }
    cur[tokens.at(-1) ?? ''] = id;
    return { body: copy, headers: {} };
  }
  throw new Error('a contract probe correlates by header or payload, not by record key');
}

export async function runContractOperation(ctx: ProbeContext, spec: ContractOperationSpec): Promise<ProbeVerdict> {
  const now = ctx.now ?? Date.now;
  const startedAt = now();
  const op: ContractOperation | undefined = spec.validator.contract.operations.find((o) => o.name === spec.operation);
  const known = spec.validator.contract.operations.map((o) => o.name).join(', ');
  if (!op)
    throw new Error(
      `contract probe ${spec.name}: no operation ${JSON.stringify(spec.operation)} in ${spec.validator.contract.origin} (it has: ${known})`,
    );
  if (op.action !== 'receive' || !op.reply)
    throw new Error(
      `contract probe ${spec.name}: operation ${op.name} must be one the application receives, with a reply`,
    );
  const examples = op.messages.flatMap((m) => m.examples.map((e) => ({ message: m.name, example: e })));
  if (examples.length === 0)
    throw new Error(`contract probe ${spec.name}: operation ${op.name} has no examples to publish`);
  const reader = valueReader(spec.correlation);
  const replies = new Map<string, { ok: boolean; problems: string[] }>();
  const nonMatching = new EvidenceRing();
  const matching = new EvidenceRing();
  const ids = examples.map((_, i) => `${ctx.runId}-${spec.name}-${i + 1}`);
  const done = waitFor(spec.timeoutMs, ctx.signal);
  const replyMessages = op.reply.messages;
  const taps = await openTaps(ctx, [{ channel: op.reply.channel }], (_i, e) => {
    const id = reader.read(e);
    if (!id || !ids.includes(id)) return nonMatching.add(e, 'not a reply to this probe');
    matching.add(e);
    const check = spec.validator.check(e, replyMessages);
    if (!replies.has(id))
      replies.set(id, check.ok ? { ok: true, problems: [] } : { ok: false, problems: check.problems });
    done.poke(replies.size === ids.length);
  });
  try {
    for (const [i, x] of examples.entries()) {
      const { body, headers } = withCorrelation(x.example, spec.correlation, ids[i]!);
      await ctx.client.publish({ channel: op.channel, headers, body: toBytes(JSON.stringify(body)) });
    }
    await done.promise;
  } finally {
    await taps.close();
  }
  const missing = ids.filter((id) => !replies.has(id));
  const invalid = [...replies].filter(([, r]) => !r.ok);
  const base = {
    probe: spec.name,
    type: 'contract',
    startedAt,
    durationMs: now() - startedAt,
    numbers: { examples: examples.length, replies: replies.size, invalid: invalid.length },
    evidence: {
      matching: matching.list(),
      nonMatching: nonMatching.list(),
      matchingTotal: matching.total,
      nonMatchingTotal: nonMatching.total,
    },
  };
  if (missing.length)
    return {
      ...base,
      status: 'fail',
      property: 'contract-reply',
      reason: `${missing.length} of ${examples.length} example(s) of ${op.name} got no reply on ${op.reply.channel} within ${spec.timeoutMs} ms`,
      details: capDetails(missing.map((id) => `${examples[ids.indexOf(id)]!.message} (${id})`)),
    };
  if (invalid.length)
    return {
      ...base,
      status: 'fail',
      property: 'schema',
      reason: `${invalid.length} repl(y/ies) on ${op.reply.channel} broke the contract: ${invalid[0]![1].problems[0] ?? ''}`,
      details: capDetails(invalid.flatMap(([, r]) => r.problems)),
    };
  return {
    ...base,
    status: 'pass',
    reason: `${examples.length} example(s) of ${op.name} got valid replies on ${op.reply.channel}`,
  };
}

export async function watchContract(
  ctx: ProbeContext,
  name: string,
  validator: ContractValidator,
  addresses: readonly string[] = [...new Set(validator.contract.channels.map((c) => c.address))],
): Promise<Watcher> {
  const now = ctx.now ?? Date.now;
  const startedAt = now();
  const bad = new EvidenceRing();
  const problems: string[] = [];
  let checked = 0;
  const taps = await openTaps(
    ctx,
    addresses.map((channel) => ({ channel })),
    (_i, e) => {
      checked += 1;
      const c = validator.check(e);
      if (!c.ok) {
        bad.add(e, c.problems[0]);
        if (problems.length < 10) problems.push(`${e.channel}: ${c.problems.join('; ')}`);
      }
    },
  );
  return {
    async stop() {
      await taps.close();
      const base = {
        probe: name,
        type: 'contract-watch',
        startedAt,
        durationMs: now() - startedAt,
        numbers: { checked, invalid: bad.total },
        evidence: { matching: [], nonMatching: bad.list(), matchingTotal: 0, nonMatchingTotal: bad.total },
      };
      if (checked === 0)
        return {
          ...base,
          status: 'error',
          reason: "no message was seen on the contract's channels: nothing was checked",
        };
      return bad.total === 0
        ? { ...base, status: 'pass', reason: `${checked} message(s) matched the contract` }
        : {
            ...base,
            status: 'fail',
            property: 'schema',
            reason: `${bad.total} of ${checked} message(s) broke the contract`,
            details: capDetails(problems),
          };
    },
  };
}
