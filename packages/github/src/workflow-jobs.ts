/**
 * The job this step runs in, from the Actions API. The runner tells a step nothing about its own job (not its
 * status, not when it was queued), so the actions ask for the jobs of this run attempt and pick the in-progress one
 * on this runner. Needs `actions: read`; every failure is an answer ("unknown, because …"), never an exception,
 * and one deadline bounds the whole call, pagination and retries included.
 */
import { formatDuration } from '@gauntlet/action-kit';
import type { GitHubClient } from './octokit.js';
import { classifyFailure } from './request-errors.js';

export interface RunAttempt {
  readonly owner: string;
  readonly repo: string;
  readonly runId: number;
  readonly runAttempt: number;
}

export interface WorkflowJob {
  readonly status?: string | null;
  readonly runner_name?: string | null;
  readonly created_at?: string | null;
  readonly steps?: ReadonlyArray<{ readonly conclusion?: string | null }> | null;
}

export type CurrentJobAnswer =
  | { readonly found: true; readonly job: WorkflowJob }
  /** Why the job is unknown, safe to log: no runner name, a timeout, the HTTP status and what it usually means. */
  | { readonly found: false; readonly reason: string };

/** Pure: the one in-progress job on `runnerName` (two would be ambiguous: then none). */
export function currentJobOf(jobs: readonly WorkflowJob[], runnerName: string): WorkflowJob | undefined {
  const mine = jobs.filter((job) => job.status === 'in_progress' && job.runner_name === runnerName);
  return mine.length === 1 ? mine[0] : undefined;
}

export async function findCurrentJob(
  octokit: GitHubClient,
  where: RunAttempt & { readonly runnerName: string | undefined },
  deadlineMs: number,
): Promise<CurrentJobAnswer> {
  const { runnerName } = where;
  if (!runnerName) return { found: false, reason: 'RUNNER_NAME is not set (not on an Actions runner)' };
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), deadlineMs);
    timer.unref();
  });
  try {
    const jobs = await Promise.race([
      octokit.paginate(octokit.rest.actions.listJobsForWorkflowRunAttempt, {
        owner: where.owner,
        repo: where.repo,
        run_id: where.runId,
        attempt_number: where.runAttempt,
        per_page: 100,
      }),
      timedOut,
    ]);
    if (jobs === 'timeout') return { found: false, reason: `no answer within ${formatDuration(deadlineMs)}` };
    const job = currentJobOf(jobs, runnerName);
    return job
      ? { found: true, job }
      : { found: false, reason: `no single in-progress job on runner ${JSON.stringify(runnerName.slice(0, 100))}` };
  } catch (error) {
    const failure = classifyFailure(error);
    const hint = failure.kind === 'permission' ? ' (the token needs actions: read)' : '';
    return { found: false, reason: `${failure.description}${hint}` };
  } finally {
    clearTimeout(timer);
  }
}
