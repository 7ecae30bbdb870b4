/**
 * Time, injectable. Everything that waits (retry backoff, Retry-After, polling, deadlines) goes through a Clock, so
 * tests run a fake one and never sleep for real.
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with an AbortError as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => {
    const until = Date.now() + Math.max(0, ms);
    return sleepUntilDone(() => until - Date.now(), signal);
  },
};

/**
 * Waits until `remainingMs()` reaches zero, re-arming the timer when it fires early: libuv measures a timer from
 * the loop's cached time, which lags behind when a callback ran long, so a bare setTimeout can resolve a few
 * milliseconds short, and a retry must never go out before the Retry-After it was told to honour.
 */
export function sleepUntilDone(remainingMs: () => number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    // Always through a timer, even for 0 ms, so a loop of zero sleeps still yields to the event loop.
    const arm = (): NodeJS.Timeout => setTimeout(check, Math.max(0, Math.ceil(remainingMs())));
    const check = (): void => {
      if (remainingMs() > 0) {
        timer = arm();
        return;
      }
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    let timer = arm();
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The error an aborted wait rejects with: a DOMException-like AbortError carrying the signal's reason. */
export function abortError(signal?: AbortSignal): Error {
  const error = new Error(signal?.reason instanceof Error ? signal.reason.message : 'The operation was aborted');
  error.name = 'AbortError';
  return error;
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: string }).code === 'ABORT_ERR');
}

/**
 * A fake clock for tests: `sleep` resolves when `advance` moves time past its deadline. `autoAdvance` makes every
 * sleep complete at once (time jumps forward), which suits tests that only care about what was waited for.
 */
export class FakeClock implements Clock {
  private current: number;
  private readonly sleepers: Array<{ until: number; resolve: () => void }> = [];
  /** Every sleep requested, in order, in milliseconds. */
  readonly sleeps: number[] = [];
  constructor(
    start = 1_700_000_000_000,
    private readonly autoAdvance = true,
  ) {
    this.current = start;
  }
  now(): number {
    return this.current;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.autoAdvance) {
      this.current += Math.max(0, ms);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const entry = { until: this.current + ms, resolve };
      this.sleepers.push(entry);
      signal?.addEventListener(
        'abort',
        () => {
          const at = this.sleepers.indexOf(entry);
          if (at >= 0) this.sleepers.splice(at, 1);
          reject(abortError(signal));
        },
        { once: true },
      );
    });
  }
  advance(ms: number): void {
    this.current += ms;
    for (const sleeper of [...this.sleepers]) {
      if (sleeper.until <= this.current) {
        this.sleepers.splice(this.sleepers.indexOf(sleeper), 1);
        sleeper.resolve();
      }
    }
  }
}
