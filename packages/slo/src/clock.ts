/** SLO evaluation waits through the action kit's Clock; this adds the fake whose sleeps return at once. */
import type { Clock } from '@gauntlet/action-kit';

export { systemClock, type Clock } from '@gauntlet/action-kit';

/**
 * A clock whose sleep returns at once and moves time forward by the amount slept. Tests read `slept` to check
 * backoff without waiting for it.
 */
export interface FakeClock extends Clock {
  readonly slept: number[];
  advance(ms: number): void;
}

export function createFakeClock(startMs = Date.UTC(2025, 0, 1)): FakeClock {
  let now = startMs;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    advance(ms) {
      now += ms;
    },
    async sleep(ms, signal) {
      if (signal?.aborted) throw abortReason(signal);
      slept.push(ms);
      now += Math.max(0, ms);
      // Yield so concurrent work (and abort handlers) can run, as a real sleep would.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (signal?.aborted) throw abortReason(signal);
    },
  };
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
