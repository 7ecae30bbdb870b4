/**
 * The current job's creation time, on GitHub-hosted or self-hosted runners, from which a shard measures its fixed
 * cost (queueing, checkout, install: everything before the first test) for the timing store. The client is the
 * runtime's (rt.github()); the report goes through the runtime's publisher.
 */
import { neutralize, type Logger } from '@gauntlet/action-kit';
import { findCurrentJob, type GitHubClient } from '@gauntlet/github';
import type { RunContext } from './context.js';

/**
 * When the job running this step was created (ms), or undefined. Only asked on a real runner (RUNNER_NAME is set),
 * with a short deadline; any failure (no `actions: read`, GHES without the endpoint) just means "unknown".
 */
export async function jobCreatedAt(
  octokit: GitHubClient,
  ctx: RunContext,
  runnerName: string,
  logger: Logger,
): Promise<number | undefined> {
  const answer = await findCurrentJob(octokit, { ...ctx, runnerName }, 10_000);
  if (!answer.found) {
    logger.debug(`Could not read this job's start time: ${neutralize(answer.reason)}`);
    return undefined;
  }
  const created = answer.job.created_at ? Date.parse(answer.job.created_at) : NaN;
  return Number.isFinite(created) ? created : undefined;
}

/** jobCreatedAt when this step runs on a runner and has a token; undefined otherwise. */
export function jobCreatedAtOf(
  github: GitHubClient | undefined,
  ctx: RunContext,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<number | undefined> | undefined {
  const runnerName = env['RUNNER_NAME'];
  return runnerName && github ? jobCreatedAt(github, ctx, runnerName, logger) : undefined;
}
