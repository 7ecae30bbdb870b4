/**
 * What target selection remembers between runs, per (target, fault) pair: when it was last really tested, how many
 * times it passed and failed, and how long it took. The action keeps it in the Actions cache and saves it only from
 * trusted runs; whatever is restored is still bounded and validated here, so a forged entry can only skew a
 * ranking, never break the run or grow without bound.
 */
import type { ExperimentVerdict } from '../run/run-experiment.js';

export interface PairHistory {
  readonly lastTestedAtMs?: number;
  readonly passes: number;
  readonly failures: number;
  /** Mean wall time of the pair's experiments (faults and recovery), for the time budget. */
  readonly meanDurationMs?: number;
}

export interface SelectionHistory {
  readonly version: 1;
  readonly pairs: Readonly<Record<string, PairHistory>>;
}

export const MAX_HISTORY_PAIRS = 5_000;
/** Counts stop here: old outcomes should not outweigh new ones forever, and the Beta draw stays cheap. */
export const MAX_OUTCOMES = 200;
const KEY = /^[A-Za-z0-9][A-Za-z0-9_./-]{0,200}$/;

export function emptyHistory(): SelectionHistory {
  return { version: 1, pairs: {} };
}

export function pairKey(target: string, fault: string): string {
  return `${target}/${fault}`;
}

const count = (v: unknown): number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? Math.min(v, MAX_OUTCOMES) : 0;
const time = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 && v < 8.64e15 ? v : undefined;

/**
 * Reads a stored history. Unreadable text, another version, or a non-object is an empty history with the reason;
 * bad pairs are dropped one by one (counted in the reason), at most MAX_HISTORY_PAIRS are kept.
 */
export function parseHistory(text: string | undefined): { history: SelectionHistory; problem?: string } {
  if (text === undefined) return { history: emptyHistory() };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { history: emptyHistory(), problem: 'the stored history is not JSON; starting afresh' };
  }
  const value = raw as { version?: unknown; pairs?: unknown };
  if (
    typeof raw !== 'object' ||
    raw === null ||
    value.version !== 1 ||
    typeof value.pairs !== 'object' ||
    value.pairs === null
  )
    return { history: emptyHistory(), problem: 'the stored history is not version 1; starting afresh' };
  const pairs: Record<string, PairHistory> = {};
  let dropped = 0;
  for (const [key, entry] of Object.entries(value.pairs as Record<string, unknown>)) {
    if (
      !KEY.test(key) ||
      typeof entry !== 'object' ||
      entry === null ||
      Object.keys(pairs).length >= MAX_HISTORY_PAIRS
    ) {
      dropped++;
      continue;
    }
    const e = entry as Record<string, unknown>;
    const last = time(e['lastTestedAtMs']);
    const mean = time(e['meanDurationMs']);
    pairs[key] = {
      passes: count(e['passes']),
      failures: count(e['failures']),
      ...(last !== undefined ? { lastTestedAtMs: last } : {}),
      ...(mean !== undefined ? { meanDurationMs: Math.min(mean, 6 * 3_600_000) } : {}),
    };
  }
  return {
    history: { version: 1, pairs },
    ...(dropped ? { problem: `${dropped} stored pair(s) unreadable and dropped` } : {}),
  };
}

/**
 * One experiment's outcome. Only a real test counts: pass and fail update the counts and the time; not-started,
 * not-injected, inconclusive and halted runs tested nothing, so the pair stays as stale as it was.
 */
export function recordOutcome(
  history: SelectionHistory,
  key: string,
  outcome: { verdict: ExperimentVerdict; atMs: number; durationMs: number },
): SelectionHistory {
  if (outcome.verdict !== 'pass' && outcome.verdict !== 'fail') return history;
  const before = history.pairs[key] ?? { passes: 0, failures: 0 };
  const runs = before.passes + before.failures;
  const mean =
    before.meanDurationMs === undefined
      ? outcome.durationMs
      : (before.meanDurationMs * Math.min(runs, 9) + outcome.durationMs) / (Math.min(runs, 9) + 1);
  const pairs = { ...history.pairs };
  delete pairs[key];
  pairs[key] = {
    passes: Math.min(MAX_OUTCOMES, before.passes + (outcome.verdict === 'pass' ? 1 : 0)),
    failures: Math.min(MAX_OUTCOMES, before.failures + (outcome.verdict === 'fail' ? 1 : 0)),
    lastTestedAtMs: outcome.atMs,
    meanDurationMs: Math.round(mean),
  };
  // Newest last: when over the cap, the pairs tested longest ago go first.
  const keys = Object.keys(pairs);
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_HISTORY_PAIRS))) delete pairs[old];
  return { version: 1, pairs };
}

export function serializeHistory(history: SelectionHistory): string {
  return `${JSON.stringify(history)}\n`;
}
