/**
 * What every data fault (the relay, the NATS proxy's faults) gives chaos-gate: its life cycle, counts and journal.
 */
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
