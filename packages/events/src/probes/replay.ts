/**
 * Replay (CQRS and event sourcing): a captured stream is published, in its order, into the input of a fresh
 * consumer or projection, and the read model it then reports (a JSON HTTP endpoint) must equal the expected one —
 * typically what the live projection reports for the same stream. Differences are named by JSON pointer, values
 * capped: the read model is the system's untrusted text. Polls until equal or the timeout, never a hang.
 */
import type { StoreMark } from '../brokers/client.js';
import type { ObservedEvent } from '../model.js';
import { waitFor, type ProbeContext } from './context.js';
import { capDetails, type ProbeVerdict } from './verdict.js';

export const MAX_REPLAY_EVENTS = 1_000_000;
const MAX_DIFFERENCES = 10;

export interface ReplaySpec {
  readonly name: string;
  /** The captured stream, in order (captureStream reads one from a store mark). */
  readonly events: readonly Pick<ObservedEvent, 'key' | 'headers' | 'body'>[];
  /** Where the fresh projection reads. */
  readonly into: { readonly channel: string };
  /** GET → the read model as JSON. */
  readonly readModel: { readonly url: string; readonly headers?: Readonly<Record<string, string>> };
  readonly expected: unknown;
  /** JSON pointers left out of the comparison (timestamps, generated ids). */
  readonly ignore?: readonly string[];
  readonly timeoutMs: number;
  readonly intervalMs?: number;
}

/** Every message a mark's read-back gives, in order, up to `limit`. */
export async function captureStream(mark: StoreMark, limit: number): Promise<ObservedEvent[]> {
  const events: ObservedEvent[] = [];
  const { gone } = await mark.read((e) => events.push(e), limit);
  if (gone) throw new Error(`cannot capture ${mark.channel}: ${gone}`);
  return events;
}

const escapePointer = (token: string): string => token.replaceAll('~', '~0').replaceAll('/', '~1');
const show = (v: unknown): string => {
  const text = v === undefined ? '(absent)' : (JSON.stringify(v) ?? typeof v);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
};

/** The JSON pointers where `actual` differs from `expected` (objects by key, arrays by index), up to `max`. */
export function jsonDifferences(
  expected: unknown,
  actual: unknown,
  ignore: ReadonlySet<string> = new Set(),
  max = MAX_DIFFERENCES,
): { total: number; first: string[] } {
  const first: string[] = [];
  let total = 0;
  const walk = (e: unknown, a: unknown, at: string): void => {
    if (ignore.has(at)) return;
    const bothObjects = e !== null && a !== null && typeof e === 'object' && typeof a === 'object';
    if (bothObjects && Array.isArray(e) === Array.isArray(a)) {
      const keys = new Set([...Object.keys(e), ...Object.keys(a)]);
      for (const k of [...keys].sort())
        walk((e as Record<string, unknown>)[k], (a as Record<string, unknown>)[k], `${at}/${escapePointer(k)}`);
      return;
    }
    if (Object.is(e, a)) return;
    total += 1;
    if (first.length < max) first.push(`${at || '/'}: expected ${show(e)}, got ${show(a)}`);
  };
  walk(expected, actual, '');
  return { total, first };
}

export async function runReplay(ctx: ProbeContext, spec: ReplaySpec): Promise<ProbeVerdict> {
  if (spec.events.length > MAX_REPLAY_EVENTS)
    throw new Error(`replay ${spec.name}: at most ${MAX_REPLAY_EVENTS} events (got ${spec.events.length})`);
  if (!(spec.timeoutMs > 0 && spec.timeoutMs <= 3_600_000))
    throw new Error(`replay ${spec.name}: timeoutMs must be from 1 to 3600000`);
  const url = new URL(spec.readModel.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`replay ${spec.name}: the read model must be an http(s) URL`);
  const now = ctx.now ?? Date.now;
  const startedAt = now();
  const ignore = new Set(spec.ignore ?? []);
  // In order, each acknowledged before the next: a projection may depend on the order of the stream.
  for (const e of spec.events) {
    if (ctx.signal?.aborted) break;
    await ctx.client.publish({
      channel: spec.into.channel,
      ...(e.key !== undefined ? { key: e.key } : {}),
      headers: { ...e.headers },
      body: e.body,
    });
  }
  const replayedAt = now();
  let last: { total: number; first: string[] } | undefined;
  let lastError: string | undefined;
  let polls = 0;
  for (;;) {
    polls += 1;
    try {
      const res = await fetch(url, {
        headers: { accept: 'application/json', ...spec.readModel.headers },
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`the read model answered HTTP ${res.status}`);
      const text = await res.text();
      let actual: unknown;
      try {
        actual = JSON.parse(text) as unknown;
      } catch {
        throw new Error('the read model is not JSON');
      }
      last = jsonDifferences(spec.expected, actual, ignore);
      lastError = undefined;
      if (last.total === 0) break;
    } catch (error) {
      lastError = (error instanceof Error ? error.message : String(error)).slice(0, 200);
    }
    if (now() - replayedAt >= spec.timeoutMs || ctx.signal?.aborted) break;
    await waitFor(spec.intervalMs ?? 250, ctx.signal).promise;
  }
  const base = {
    probe: spec.name,
    type: 'replay',
    startedAt,
    durationMs: now() - startedAt,
    numbers: { replayed: spec.events.length, polls, differences: last?.total ?? -1 },
  };
  if (ctx.signal?.aborted) return { ...base, status: 'error', reason: 'cancelled before the replay finished' };
  if (!last)
    return {
      ...base,
      status: 'error',
      reason: `could not read the read model at ${url.origin}${url.pathname}: ${lastError}`,
    };
  if (last.total === 0)
    return {
      ...base,
      status: 'pass',
      reason: `after replaying ${spec.events.length} events the read model equals the expected one`,
    };
  return {
    ...base,
    status: 'fail',
    property: 'read-model',
    reason: `after replaying ${spec.events.length} events the read model differs from the expected one at ${last.total} place(s)`,
    details: capDetails(
      last.first.concat(last.total > last.first.length ? [`… and ${last.total - last.first.length} more`] : []),
    ),
  };
}
