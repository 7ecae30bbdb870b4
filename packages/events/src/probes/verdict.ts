/**
 * A probe's verdict. Every verdict has a reason a person can act on; a failure names the broken property
 * (what the system got wrong), and a timeout shows the last matching and non-matching events it saw.
 */
import type { EventSummary } from './evidence.js';

export type VerdictStatus = 'pass' | 'fail' | 'error';

/** The property a failing probe shows broken. `error` verdicts (the probe could not run) have none. */
export type BrokenProperty =
  | 'delivery' // an expected event did not arrive in time
  | 'unexpected-event' // expect-none saw a match
  | 'no-loss' // count: some published events were never processed
  | 'no-duplicates' // count: some were processed more than once (idempotency)
  | 'sequence-order' // saga steps arrived out of their declared order
  | 'compensation' // the compensating events of a failed saga did not appear
  | 'per-key-order' // ordering: a key's events were processed out of order
  | 'schema' // an observed message broke its contract
  | 'contract-reply' // the reply an AsyncAPI operation declares did not come
  | 'dead-letters' // more dead-letter arrivals than allowed
  | 'lag' // consumer lag above its bound
  | 'consumer-missing' // the service's consumer is not subscribed
  | 'read-model' // replay: the rebuilt read model differs
  | 'acknowledged-loss'; // broker fault: an acknowledged message was lost

export interface ProbeVerdict {
  probe: string;
  type: string;
  status: VerdictStatus;
  reason: string;
  property?: BrokenProperty;
  /** The correlation id(s) the probe generated, so the run can be found in the system's logs. */
  correlationId?: string;
  startedAt: number;
  durationMs: number;
  /** Figures the decision was based on (counts, lag, bounds). */
  numbers?: Record<string, number>;
  /** Failing details, e.g. a schema error's path or duplicated ids (raw text, bounded). */
  details?: string[];
  evidence?: { matching: EventSummary[]; nonMatching: EventSummary[]; matchingTotal: number; nonMatchingTotal: number };
}

export const MAX_DETAILS = 10;

export function capDetails(details: readonly string[], max = MAX_DETAILS): string[] {
  const kept = details.slice(0, max).map((d) => (d.length > 300 ? `${d.slice(0, 300)}…` : d));
  if (details.length > max) kept.push(`… and ${details.length - max} more`);
  return kept;
}
