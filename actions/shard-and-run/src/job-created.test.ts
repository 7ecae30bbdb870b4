/** jobCreatedAt against the GitHub stand-in: the jobs API as GitHub serves it, paginated and permission-checked. */
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import { createOctokit } from '@gauntlet/github';
import { startGitHubStandIn, type GitHubStandIn } from '@gauntlet/github-api-standin';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readRunContext } from './context.js';
import { jobCreatedAt } from './job-created.js';

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

const RUN_ID = 4242;
const context = (attempt = 1) =>
  readRunContext({
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_RUN_ID: String(RUN_ID),
    GITHUB_RUN_ATTEMPT: String(attempt),
    GITHUB_API_URL: gh.url,
  });

async function createdAt(runnerName: string, token = gh.token, attempt = 1) {
  const logger = new RecordingLogger();
  const ctx = context(attempt);
  const at = await jobCreatedAt(createOctokit(token, { baseUrl: ctx.apiUrl, logger }), ctx, runnerName, logger);
  return { at, logger };
}

describe('jobCreatedAt', () => {
  it('finds the in-progress job on this runner among 150 shards of the attempt (two pages)', async () => {
    const base = Date.parse('2026-05-04T08:00:00Z');
    for (let i = 1; i <= 150; i++) {
      gh.seedJob({
        runId: RUN_ID,
        name: `shard ${i}`,
        runnerName: `runner-${i}`,
        createdAt: new Date(base + i * 1000),
        startedAt: new Date(base + i * 1000 + 30_000),
      });
    }
    expect((await createdAt('runner-137')).at).toBe(base + 137_000);
    const listed = gh.requests.filter((r) => r.operationId === 'actions/list-jobs-for-workflow-run-attempt');
    expect(listed.map((r) => r.query['per_page'])).toEqual(['100', '100']);
    expect(gh.violations).toEqual([]);
  });

  it('skips a finished job that ran on the same (self-hosted) runner, and jobs of other attempts', async () => {
    gh.seedJob({ runId: RUN_ID, runnerName: 'self-1', createdAt: '2026-05-04T07:00:00Z', conclusion: 'success' });
    gh.seedJob({ runId: RUN_ID, runAttempt: 2, runnerName: 'self-1', createdAt: '2026-05-04T08:10:00Z' });
    expect((await createdAt('self-1', gh.token, 1)).at).toBeUndefined();
    expect((await createdAt('self-1', gh.token, 2)).at).toBe(Date.parse('2026-05-04T08:10:00Z'));
    expect(gh.violations).toEqual([]);
  });

  it('is undefined, with a debug line only, when the token lacks actions: read or the run is unknown', async () => {
    gh.seedJob({ runId: RUN_ID, runnerName: 'runner-1' });
    const denied = await createdAt('runner-1', 'ghs-no-actions');
    expect(denied.at).toBeUndefined();
    expect(denied.logger.messages('debug').join('\n')).toMatch(
      /Could not read this job's start time: HTTP 403: Resource not accessible by integration/,
    );
    expect(denied.logger.messages('warning')).toEqual([]);
    expect((await createdAt('runner-1', gh.token, 3)).at).toBeUndefined();
    expect(gh.violations).toEqual([]);
  });
});
