/** findCurrentJob against the GitHub stand-in: every failure is an answer with a reason, within one deadline. */
import { silentLogger } from '@gauntlet/action-kit';
import { startGitHubStandIn, type GitHubStandIn } from '@gauntlet/github-api-standin';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOctokit } from './octokit.js';
import { currentJobOf, findCurrentJob } from './workflow-jobs.js';

let gh: GitHubStandIn;
beforeEach(async () => {
  gh = await startGitHubStandIn({ owner: 'acme', repo: 'shop' });
});
afterEach(async () => {
  await gh.close();
});

const where = { owner: 'acme', repo: 'shop', runId: 8, runAttempt: 1, runnerName: 'runner-1' };
const octokit = () => createOctokit(gh.token, { logger: silentLogger, baseUrl: gh.url });

describe('findCurrentJob', () => {
  it('finds the in-progress job on this runner', async () => {
    gh.seedJob({ runId: 8, runnerName: 'runner-1', createdAt: '2026-01-02T03:04:05Z' });
    const answer = await findCurrentJob(octokit(), where, 10_000);
    expect(answer).toMatchObject({ found: true, job: { created_at: '2026-01-02T03:04:05Z' } });
    expect(gh.violations).toEqual([]);
  });

  it('answers "unknown" with the reason on a server error, without blaming permissions', async () => {
    gh.seedJob({ runId: 8, runnerName: 'runner-1' });
    gh.faults.add({ kind: 'status', status: 404, path: /\/jobs$/, times: 1 });
    const answer = await findCurrentJob(octokit(), where, 10_000);
    expect(answer.found).toBe(false);
    if (!answer.found) {
      expect(answer.reason).toMatch(/^HTTP 404/);
      expect(answer.reason).not.toContain('actions: read');
    }
  });

  it('gives up at the deadline when the API is slow', async () => {
    gh.seedJob({ runId: 8, runnerName: 'runner-1' });
    gh.faults.add({ kind: 'latency', ms: 2_000, path: /\/jobs$/ });
    const answer = await findCurrentJob(octokit(), where, 200);
    expect(answer).toEqual({ found: false, reason: 'no answer within 200ms' });
  });

  it('asks nothing without a runner name', async () => {
    expect((await findCurrentJob(octokit(), { ...where, runnerName: undefined }, 1_000)).found).toBe(false);
    expect(gh.requests).toEqual([]);
  });
});

describe('currentJobOf', () => {
  it('needs exactly one in-progress job on the runner', () => {
    const job = (runner: string, status = 'in_progress') => ({ runner_name: runner, status });
    expect(currentJobOf([job('a'), job('b')], 'a')).toEqual(job('a'));
    expect(currentJobOf([job('a'), job('a')], 'a')).toBeUndefined();
    expect(currentJobOf([job('a', 'completed')], 'a')).toBeUndefined();
  });
});
