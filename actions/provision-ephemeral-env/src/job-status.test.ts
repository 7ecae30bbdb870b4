import { RecordingLogger } from '@gauntlet/action-kit/testing';
import { createOctokit } from '@gauntlet/github';
import { startGitHubStandIn, type GitHubStandIn } from '@gauntlet/github-api-standin';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobOutcome, outcomeOf } from './job-status.js';

describe('outcomeOf', () => {
  const job = (runner: string, conclusions: Array<string | null>, status = 'in_progress') => ({
    status,
    runner_name: runner,
    steps: conclusions.map((conclusion) => ({ conclusion })),
  });
  it('finds the failed or cancelled step of the job on this runner', () => {
    expect(outcomeOf([job('r1', ['success', 'failure', null]), job('r2', ['success'])], 'r1')).toBe('failed');
    expect(outcomeOf([job('r1', ['success', 'cancelled'])], 'r1')).toBe('cancelled');
    expect(outcomeOf([job('r1', ['success', 'skipped', null])], 'r1')).toBe('succeeding');
  });
  it('is unknown when the job cannot be told apart', () => {
    expect(outcomeOf([job('r1', ['failure'])], undefined)).toBe('unknown');
    expect(outcomeOf([job('r1', ['failure']), job('r1', ['success'])], 'r1')).toBe('unknown');
    expect(outcomeOf([job('r1', ['failure'], 'completed')], 'r1')).toBe('unknown');
    expect(outcomeOf([], 'r1')).toBe('unknown');
  });
});

describe('jobOutcome against the GitHub stand-in', () => {
  let gh: GitHubStandIn;
  beforeEach(async () => {
    gh = await startGitHubStandIn({
      owner: 'acme',
      repo: 'shop',
      tokens: { 'ghs-no-actions': { login: 'github-actions[bot]', type: 'Bot', canReadActions: false } },
    });
  });
  afterEach(async () => {
    await gh.close();
  });

  const where = (runnerName: string | undefined) => ({
    owner: 'acme',
    repo: 'shop',
    runId: 31,
    runAttempt: 1,
    runnerName,
  });
  async function outcome(runnerName: string | undefined, token: string | null = gh.token) {
    const logger = new RecordingLogger();
    const octokit = token === null ? undefined : createOctokit(token, { logger, baseUrl: gh.url });
    return { outcome: await jobOutcome(octokit, where(runnerName), logger), logger };
  }
  const seed = (runnerName: string, conclusions: Array<string | null>) =>
    gh.seedJob({
      runId: 31,
      runnerName,
      steps: conclusions.map((conclusion, i) => ({
        name: `step ${i + 1}`,
        ...(conclusion === null ? { status: 'in_progress' as const } : { conclusion }),
      })),
    });

  it('reads the job on this runner, past the first page of a wide matrix', async () => {
    for (let i = 0; i < 120; i++) seed(`other-${i}`, ['failure']);
    const job = seed('runner-a', ['success', 'success', null]);
    expect((await outcome('runner-a')).outcome).toBe('succeeding');
    gh.updateJob(job.id, {
      steps: [
        { name: 'up', conclusion: 'success' },
        { name: 'tests', conclusion: 'failure' },
      ],
    });
    expect((await outcome('runner-a')).outcome).toBe('failed');
    gh.updateJob(job.id, {
      steps: [
        { name: 'up', conclusion: 'success' },
        { name: 'tests', conclusion: 'cancelled' },
      ],
    });
    expect((await outcome('runner-a')).outcome).toBe('cancelled');
    expect(gh.requests.filter((r) => r.operationId === 'actions/list-jobs-for-workflow-run-attempt')).toHaveLength(6);
    expect(gh.violations).toEqual([]);
  });

  it('is unknown, and says why, without actions: read; asks nothing without a token or a runner name', async () => {
    seed('runner-a', ['failure']);
    const denied = await outcome('runner-a', 'ghs-no-actions');
    expect(denied.outcome).toBe('unknown');
    expect(denied.logger.messages('info')).toEqual([
      "post: the job's status could not be read: HTTP 403: Resource not accessible by integration (the token needs actions: read)",
    ]);
    expect((await outcome(undefined)).outcome).toBe('unknown');
    expect((await outcome('runner-a', null)).outcome).toBe('unknown');
    expect((await outcome('runner-b')).outcome).toBe('unknown');
    expect(gh.requests.map((r) => r.status)).toEqual([403, 200]);
    expect(gh.violations).toEqual([]);
  });
});
