/**
 * The journal of a data fault: what was done to which message, with timestamps. Bounded: counts per action are
 * exact, but only the first entries are kept in full (a 100,000-message run must not hold 100,000 lines).
 */
export const JOURNAL_KEEP = 500;

export interface JournalEntry {
  readonly at: string;
  readonly action: string;
  readonly detail: string;
}

export class Journal {
  readonly entries: JournalEntry[] = [];
  readonly totals: Record<string, number> = {};
  constructor(
    private readonly keep = JOURNAL_KEEP,
    private readonly now: () => number = Date.now,
  ) {}
  add(action: string, detail: string): void {
    this.totals[action] = (this.totals[action] ?? 0) + 1;
    if (this.entries.length < this.keep)
      this.entries.push({ at: new Date(this.now()).toISOString(), action, detail: detail.slice(0, 300) });
  }
}
