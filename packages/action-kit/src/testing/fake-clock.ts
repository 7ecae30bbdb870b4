/**
 * The one fake Clock for every package's tests. Code that waits takes a Clock (action-kit's clock.ts), so a test
 * hands it this and never sleeps for real.
 */
import { abortError, type Clock } from '../clock.js';

export interface FakeClockOptions {
  /** Where time starts, in epoch milliseconds. */
  readonly start?: number;
  /**
   * true (the default): every sleep completes at once and moves time forward by what was slept, for tests that only
   * care about what was waited for. false: a sleep resolves only when `advance` moves time past its deadline.
   */
  readonly autoAdvance?: boolean;
}

export class FakeClock implements Clock {
  private current: number;
  private readonly autoAdvance: boolean;
  private readonly sleepers: Array<{ until: number; resolve: () => void }> = [];
  /** Every sleep requested, in order, in milliseconds. */
  readonly sleeps: number[] = [];

  constructor(options: FakeClockOptions = {}) {
    this.current = options.start ?? 1_700_000_000_000;
    this.autoAdvance = options.autoAdvance ?? true;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.autoAdvance) {
      this.current += Math.max(0, ms);
      // Yield to the event loop as a real sleep would, so I/O, concurrent work and abort handlers get to run.
      return new Promise((resolve, reject) =>
        setImmediate(() => (signal?.aborted ? reject(abortError(signal)) : resolve())),
      );
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

  /** Moves time forward and wakes every sleeper whose deadline it passed. */
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
