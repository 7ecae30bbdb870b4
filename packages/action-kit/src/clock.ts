/**
 * Time, injectable. Everything that waits (retry backoff, Retry-After, polling, deadlines, SLO watch intervals) goes
 * through a Clock, so tests run a fake one and never sleep for real. Network timeouts stay on real timers on purpose:
 * a socket does not know about a fake clock.
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
 * A signal that aborts at clock time `at` (or with `parent`), for bounding a stretch of work by a deadline on the
 * injected clock; `dispose` stops its timer once the work is done.
 */
export function clockDeadlineSignal(
  clock: Clock,
  at: number,
  parent?: AbortSignal,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const stop = new AbortController();
  const reason = new Error('the deadline passed');
  reason.name = 'DeadlineError';
  clock.sleep(Math.max(0, at - clock.now()), stop.signal).then(
    () => controller.abort(reason),
    () => undefined,
  );
  const signal = parent ? AbortSignal.any([controller.signal, parent]) : controller.signal;
  return { signal, dispose: () => stop.abort() };
}
