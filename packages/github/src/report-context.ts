import type { WorkflowRun } from '@gauntlet/action-kit';

/**
 * Where a report goes, derived from the workflow run the action kit reads (readWorkflowRun: the one place the
 * event is interpreted). The PR head SHA matters: on pull_request events GITHUB_SHA
 * is the merge commit GitHub made for the run, and a check run attached to it never shows on the PR.
 */

export interface ReportContext {
  readonly owner: string;
  readonly repo: string;
  /** The PR to comment on; absent for push and schedule events (no comment is written). */
  readonly prNumber?: number;
  /** The commit the check run belongs to: the PR head for PR events. */
  readonly headSha: string;
  readonly runId: number;
  readonly runAttempt: number;
  /** e.g. https://github.com, for links back to the workflow run. */
  readonly serverUrl?: string;
}

/** The report context of a workflow run read by the action kit; `prNumber` overrides the event's (an input). */
export function reportContextOfRun(run: WorkflowRun, prNumber?: number): ReportContext {
  const number = prNumber ?? run.prNumber;
  return {
    owner: run.owner,
    repo: run.repo,
    ...(number === undefined ? {} : { prNumber: number }),
    headSha: run.headSha,
    runId: run.runId,
    runAttempt: run.runAttempt,
    serverUrl: run.serverUrl,
  };
}
