/** Kubernetes code waits through the action kit's Clock; this adds the fake the kube tests drive by hand. */
import { abortError, type Clock } from '@gauntlet/action-kit';

export { abortError, isAbortError, sleepUntilDone, systemClock, type Clock } from '@gauntlet/action-kit';

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
