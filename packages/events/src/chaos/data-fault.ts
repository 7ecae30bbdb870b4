/**
 * What every data fault (the relay, the NATS proxy's faults) gives chaos-gate: its life cycle, counts and journal,
 * and the parts of it they share.
 */
import type { Random } from '@gauntlet/action-kit';
import { decide, malform, shuffle, type DataFaultMix } from './faults.js';
import type { Journal } from './journal.js';

export interface DataFaultCheck {
  readonly ok: boolean;
  readonly reason: string;
}

export interface DataFaultCounts {
  received: number;
  forwarded: number;
  dropped: number;
  duplicated: number;
  malformed: number;
  reordered: number;
  delayed: number;
}

export interface DataFault {
  readonly journal: Journal;
  readonly counts: DataFaultCounts;
  describe(): string;
  /** Live before the method step starts. */
  inject(): Promise<void>;
  /** Live and, once traffic has flowed, really altering it. */
  verifyInjected(): DataFaultCheck;
  /** Stops altering, delivering whatever is still held (a revert is never a silent loss). */
  revert(): Promise<void>;
  verifyReverted(): DataFaultCheck;
}

export function emptyCounts(): DataFaultCounts {
  return { received: 0, forwarded: 0, dropped: 0, duplicated: 0, malformed: 0, reordered: 0, delayed: 0 };
}

export function hasFaults(f: DataFaultMix): boolean {
  return !!(f.duplicate || f.drop || f.malformed || f.reorderWindow || f.delayMs);
}

/** `duplicate 30%, reorder in windows of 8`, or `pass-through`. */
export function describeMix(f: DataFaultMix): string {
  const parts = [
    f.duplicate ? `duplicate ${f.duplicate * 100}%` : '',
    f.drop ? `drop ${f.drop * 100}%` : '',
    f.reorderWindow ? `reorder in windows of ${f.reorderWindow}` : '',
    f.delayMs ? `delay ${f.delayMs} ms` : '',
    f.malformed ? `malform ${f.malformed * 100}%` : '',
  ].filter(Boolean);
  return parts.join(', ') || 'pass-through';
}

/**
 * Once traffic has flowed, a fault is in effect only if it altered some of it (a mix with faults that altered
 * nothing is not); `noun` names what was counted (messages received, deliveries).
 */
export function alteredCheck(counts: DataFaultCounts, mix: DataFaultMix, noun: string): DataFaultCheck {
  const altered = counts.dropped + counts.duplicated + counts.malformed + counts.reordered + counts.delayed;
  return altered > 0 || !hasFaults(mix)
    ? { ok: true, reason: `${counts.received} ${noun}, ${altered} altered` }
    : { ok: false, reason: `${counts.received} ${noun} and none altered` };
}

/** A reorder window's batch in the seeded shuffled order, counted and journalled. */
export function reorder<T>(batch: readonly T[], random: Random, counts: DataFaultCounts, journal: Journal): T[] {
  const order = shuffle(
    batch.map((_, j) => j),
    random,
  );
  const moved = order.filter((j, k) => j !== k).length;
  counts.reordered += moved;
  if (moved) journal.add('reordered', `${moved} of ${batch.length} moved (order ${order.join(',')})`);
  return order.map((j) => batch[j]!);
}

/**
 * The seeded decision for one message, counted and journalled under `id`: undefined when it is dropped, otherwise
 * how many copies go out and the payload they carry (malformed when the decision says so).
 */
export function applyDecision(
  mix: DataFaultMix,
  random: Random,
  counts: DataFaultCounts,
  journal: Journal,
  id: string,
  body: Uint8Array,
): { copies: 1 | 2; body: Uint8Array } | undefined {
  const d = decide(mix, random);
  if (d.kind === 'drop') {
    counts.dropped += 1;
    journal.add('dropped', id);
    return undefined;
  }
  if (d.kind === 'malform') {
    counts.malformed += 1;
    journal.add('malformed', `${id}: ${d.malformation}`);
    return { copies: 1, body: malform(body, d.malformation, mix.field) };
  }
  if (d.kind === 'duplicate') {
    counts.duplicated += 1;
    journal.add('duplicated', id);
    return { copies: 2, body };
  }
  return { copies: 1, body };
}
