/**
 * Where the copies a data fault lets through wait before they go out: the reorder window (released shuffled when
 * full, or as it stands when traffic pauses) and the delay. One home for the NATS proxy's deliveries and the
 * producer fault's publishes; each gives the queue its own `deliver` (write to the service's socket, publish to the
 * broker). A flush (the fault's revert) sends everything at once, delayed copies first in the order they were
 * delayed and then the window in arrival order, so a revert is never a silent loss and never waits out a delay.
 */
import type { Random } from '@gauntlet/action-kit';
import { reorder, type DataFaultCounts } from './data-fault.js';
import type { DataFaultMix } from './faults.js';
import type { Journal } from './journal.js';

/** How long a partial reorder window waits for more traffic before it is released. */
export const REORDER_IDLE_MS = 250;

interface Delayed<T> {
  readonly item: T;
  readonly done: (delivered: Promise<void>) => void;
}

export class ReleaseQueue<T> {
  private held: T[] = [];
  private readonly delayed = new Map<NodeJS.Timeout, Delayed<T>>();
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly mix: DataFaultMix,
    private readonly random: Random,
    private readonly counts: DataFaultCounts,
    private readonly journal: Journal,
    /** Sends one copy; a rejection is the caller's to record (the queue only keeps it from going unhandled). */
    private readonly deliver: (item: T) => Promise<void>,
  ) {}

  /** Copies held by the window or waiting out their delay. */
  get size(): number {
    return this.held.length + this.delayed.size;
  }

  /**
   * One copy. Resolves when it is delivered (after its delay), or at once when the reorder window takes it: the
   * sender is not told when its message goes out, as on a link that reorders.
   */
  place(item: T): Promise<void> {
    const window = this.mix.reorderWindow;
    if (!window) return this.send(item);
    this.held.push(item);
    if (this.held.length >= window) this.releaseWindow();
    else this.scheduleIdleRelease();
    return Promise.resolve();
  }

  /** Sends everything still held, now; resolves when every delivery started so far has settled. */
  async flush(): Promise<number> {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const delayed = [...this.delayed.entries()];
    this.delayed.clear();
    for (const [timer, d] of delayed) {
      clearTimeout(timer);
      d.done(this.deliverTracked(d.item));
    }
    const held = this.held;
    this.held = [];
    for (const item of held) void this.deliverTracked(item).catch(() => undefined);
    await Promise.all([...this.pending]);
    return delayed.length + held.length;
  }

  private scheduleIdleRelease(): void {
    if (this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      this.releaseWindow();
    }, REORDER_IDLE_MS);
  }

  private releaseWindow(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const batch = this.held;
    this.held = [];
    if (batch.length === 0) return;
    for (const item of reorder(batch, this.random, this.counts, this.journal))
      void this.send(item).catch(() => undefined);
  }

  private send(item: T): Promise<void> {
    const delay = this.mix.delayMs ?? 0;
    if (delay <= 0) return this.deliverTracked(item);
    this.counts.delayed += 1;
    return new Promise<void>((done) => {
      const timer: NodeJS.Timeout = setTimeout(() => {
        this.delayed.delete(timer);
        done(this.deliverTracked(item));
      }, delay);
      this.delayed.set(timer, { item, done });
    });
  }

  private deliverTracked(item: T): Promise<void> {
    const p = this.deliver(item);
    const tracked = p.catch(() => undefined);
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
    return p;
  }
}
