/**
 * How the job went, for the post step. The runner tells a post step nothing about the job's status, so a post step
 * that should act "if the job failed or was cancelled" after a successful main step asks the Actions API: the jobs
 * of this run attempt, the one running on this runner, and whether any of its steps failed or was cancelled. This
 * needs `actions: read`; without it (or without a token) the answer is "unknown" and the environment is kept — a
 * successful environment is never deleted on a guess.
 */
import { neutralize, type Logger } from '@gauntlet/action-kit';
import { currentJobOf, findCurrentJob, type GitHubClient, type RunAttempt, type WorkflowJob } from '@gauntlet/github';

export type JobOutcome = 'failed' | 'cancelled' | 'succeeding' | 'unknown';

/** The whole question, pagination and retries included, gets this long before the answer is "unknown". */
const JOB_STATUS_DEADLINE_MS = 30_000;

function outcomeOfJob(job: WorkflowJob): JobOutcome {
  const steps = job.steps ?? [];
  if (steps.some((step) => step.conclusion === 'cancelled')) return 'cancelled';
  if (steps.some((step) => step.conclusion === 'failure')) return 'failed';
  return 'succeeding';
}

/** Pure: the outcome so far of the job running on `runnerName`, from the run attempt's job list. */
export function outcomeOf(jobs: readonly WorkflowJob[], runnerName: string | undefined): JobOutcome {
  const job = runnerName ? currentJobOf(jobs, runnerName) : undefined;
  return job ? outcomeOfJob(job) : 'unknown';
}

export async function jobOutcome(
  octokit: GitHubClient | undefined,
  where: RunAttempt & { runnerName: string | undefined },
  logger: Logger,
): Promise<JobOutcome> {
  if (!octokit || !where.runnerName) return 'unknown';
  const answer = await findCurrentJob(octokit, where, JOB_STATUS_DEADLINE_MS);
  if (answer.found) return outcomeOfJob(answer.job);
  logger.info(`post: the job's status could not be read: ${neutralize(answer.reason)}`);
  return 'unknown';
}
