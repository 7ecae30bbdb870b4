/**
 * The one rule for stores that later runs learn from (shard-and-run's timing store, chaos-gate's selection
 * history): only a run of code that is already on a trusted branch may write them, so a pull request can never
 * poison what every later plan or selection is built from.
 */
import type { WorkflowRun } from './workflow-run.js';

/** Events whose code is already on the branch they run for. Everything else (PRs, workflow_run, comments) is not. */
const TRUSTED_EVENTS: ReadonlySet<string> = new Set(['push', 'schedule', 'workflow_dispatch']);

export interface WriteTrust {
  readonly trusted: boolean;
  /** Why, as a clause: "a run on the default branch", "a pull_request run never writes timings (…)". */
  readonly reason: string;
}

export interface WriteTrustOptions {
  /** What the store holds, for the reason: "timings", "the history". */
  readonly writes: string;
  /**
   * Refs the workflow trusts besides the default branch (an action's `trusted-refs` input). Leave it out when the
   * action has no such input, so no reason names one.
   */
  readonly trustedRefs?: readonly string[];
}

/** The run as the reason may name it: the runner's event names are lower-case words; anything else is not shown. */
function runLabel(eventName: string): string {
  return /^[a-z_]{1,64}$/.test(eventName) ? `a ${eventName} run` : 'a run of an unrecognised event';
}

/**
 * May this run write the store? Only a push, schedule or manual run on the default branch (from the event's
 * repository) or on a ref named in `trustedRefs`. Pull requests never may, whatever their branch is called.
 */
export function writeTrust(run: WorkflowRun, options: WriteTrustOptions): WriteTrust {
  if (!TRUSTED_EVENTS.has(run.eventName)) {
    return {
      trusted: false,
      reason: `${runLabel(run.eventName)} never writes ${options.writes} (only push, schedule and manual runs)`,
    };
  }
  const branch = run.event.repository?.default_branch;
  const defaultRef = typeof branch === 'string' && branch !== '' ? `refs/heads/${branch}` : undefined;
  if (defaultRef !== undefined && run.ref === defaultRef)
    return { trusted: true, reason: 'a run on the default branch' };
  const named = options.trustedRefs;
  // An unset GITHUB_REF is '' and matches nothing, even an empty entry.
  if (run.ref !== '' && named?.includes(run.ref))
    return { trusted: true, reason: 'a run on a ref named in trusted-refs' };
  if (defaultRef === undefined)
    return {
      trusted: false,
      reason: `the default branch is unknown (no repository in the event)${named ? ' and the ref is not named in trusted-refs' : ''}`,
    };
  return {
    trusted: false,
    reason: named
      ? 'the ref is neither the default branch nor named in trusted-refs'
      : 'the ref is not the default branch',
  };
}
