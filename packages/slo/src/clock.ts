/**
 * Time is injected so tests never wait for real backoff or real watch intervals: the client's retry sleeps, the
 * watch loop's interval and every "now" go through a Clock. Network timeouts stay on real timers on purpose (a
 * socket does not know about a fake clock).
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after ms, or rejects with the signal's reason when aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortReason(signal as AbortSignal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

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
