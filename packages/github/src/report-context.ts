import type { WorkflowRun } from '@gauntlet/action-kit';

/**
 * Where a report goes, derived from the workflow event. The PR head SHA matters: on pull_request events GITHUB_SHA
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

/** The subset of @actions/github's `context` this needs; pass `github.context` itself. */
export interface ActionsContextLike {
  readonly eventName: string;
  readonly sha: string;
  readonly runId: number;
  readonly runAttempt?: number;
  readonly serverUrl?: string;
  readonly repo: { owner: string; repo: string };
  readonly payload: {
    pull_request?: { number?: number; head?: { sha?: string } } & Record<string, unknown>;
    workflow_run?: { head_sha?: string; pull_requests?: { number?: number }[] } & Record<string, unknown>;
  } & Record<string, unknown>;
}

/** The commit a check run must be attached to for this event. */
export function headShaOf(context: Pick<ActionsContextLike, 'sha' | 'payload'>): string {
  return context.payload.pull_request?.head?.sha ?? context.payload.workflow_run?.head_sha ?? context.sha;
}

export function reportContextFrom(context: ActionsContextLike): ReportContext {
  const prNumber = context.payload.pull_request?.number ?? context.payload.workflow_run?.pull_requests?.[0]?.number;
  return {
    owner: context.repo.owner,
    repo: context.repo.repo,
    ...(prNumber === undefined ? {} : { prNumber }),
    headSha: headShaOf(context),
    runId: context.runId,
    runAttempt: context.runAttempt ?? 1,
    ...(context.serverUrl ? { serverUrl: context.serverUrl } : {}),
  };
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
