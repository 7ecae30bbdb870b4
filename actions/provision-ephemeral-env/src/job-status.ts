/**
 * How the job went, for the post step. The runner tells a post step nothing about the job's status, so a post step
 * that should act "if the job failed or was cancelled" after a successful main step asks the Actions API: the jobs
 * of this run attempt, the one running on this runner, and whether any of its steps failed or was cancelled. This
 * needs `actions: read`; without it (or without a token) the answer is "unknown" and the environment is kept — a
 * successful environment is never deleted on a guess.
 */
import type { Logger } from '@gauntlet/action-kit';
import type { GitHubClient } from '@gauntlet/github';

export type JobOutcome = 'failed' | 'cancelled' | 'succeeding' | 'unknown';

interface JobLike {
  status?: string | null;
  runner_name?: string | null;
  steps?: Array<{ conclusion?: string | null }> | null;
}

/** Pure: the outcome so far of the job running on `runnerName`, from the run attempt's job list. */
export function outcomeOf(jobs: readonly JobLike[], runnerName: string | undefined): JobOutcome {
  if (!runnerName) return 'unknown';
  const mine = jobs.filter((job) => job.status === 'in_progress' && job.runner_name === runnerName);
  if (mine.length !== 1) return 'unknown';
  const steps = mine[0]?.steps ?? [];
  if (steps.some((step) => step.conclusion === 'cancelled')) return 'cancelled';
  if (steps.some((step) => step.conclusion === 'failure')) return 'failed';
  return 'succeeding';
}

export async function jobOutcome(
  octokit: GitHubClient | undefined,
  where: { owner: string; repo: string; runId: number; runAttempt: number; runnerName: string | undefined },
  logger: Logger,
): Promise<JobOutcome> {
  if (!octokit || !where.runnerName) return 'unknown';
  try {
    const jobs = await octokit.paginate(octokit.rest.actions.listJobsForWorkflowRunAttempt, {
      owner: where.owner,
      repo: where.repo,
      run_id: where.runId,
      attempt_number: where.runAttempt,
      per_page: 100,
    });
    return outcomeOf(jobs, where.runnerName);
  } catch (error) {
    logger.info(
      `post: the job's status could not be read (${error instanceof Error ? error.name : 'error'}; needs actions: read)`,
    );
    return 'unknown';
  }
}
