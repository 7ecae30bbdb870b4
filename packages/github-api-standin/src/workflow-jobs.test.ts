import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubStandIn } from './index.js';
import { apiClient, type ApiCall } from './test-client.js';
import type { GitHubStandIn } from './types.js';

let gh: GitHubStandIn;
let api: ApiCall;

beforeEach(async () => {
  gh = await startGitHubStandIn({
    owner: 'acme',
    repo: 'widgets',
    tokens: {
      'ghs-no-actions': { login: 'github-actions[bot]', type: 'Bot', canReadActions: false },
      'pat-no-actions': { login: 'octocat', canReadActions: false },
      'fork-token': { login: 'github-actions[bot]', type: 'Bot', readOnly: true },
    },
  });
  api = apiClient(gh);
});
afterEach(async () => {
  await gh.close();
});

const jobsPath = (runId: number, attempt = 1, query = '') =>
  `{repo}/actions/runs/${runId}/attempts/${attempt}/jobs${query}`;

/** rel → page number of a Link header. */
function linkPages(header: string | null): [string, string | null][] {
  if (!header) return [];
  return header.split(', ').map((part) => {
    const match = /^<([^>]+)>; rel="(\w+)"$/.exec(part);
    if (!match) throw new Error(`malformed Link part: ${part}`);
    return [match[2]!, new URL(match[1]!).searchParams.get('page')];
  });
}

describe('GET …/actions/runs/{run_id}/attempts/{attempt_number}/jobs', () => {
  it('lists the seeded jobs of the attempt as GitHub shapes them, valid against the schema', async () => {
    const created = new Date('2026-03-01T10:00:00.400Z');
    const started = new Date('2026-03-01T10:00:42Z');
    const build = gh.seedJob({
      runId: 900,
      name: 'build',
      runnerName: 'GitHub Actions 7',
      createdAt: created,
      startedAt: started,
      steps: [
        { name: 'Set up job', conclusion: 'success' },
        { name: 'Run tests', conclusion: 'failure' },
        { name: 'Post provision', status: 'in_progress' },
        { name: 'Complete job' },
      ],
    });
    gh.seedJob({ runId: 900, name: 'lint', conclusion: 'success' });
    gh.seedJob({ runId: 900, name: 'deploy', status: 'queued' });
    gh.seedJob({ runId: 901, name: 'other run' });

    const res = await api('GET', jobsPath(900));
    expect(res.status).toBe(200);
    expect(res.headers.get('link')).toBeNull();
    expect(res.body.total_count).toBe(3);
    expect(res.body.jobs.map((j: { name: string }) => j.name)).toEqual(['build', 'lint', 'deploy']);
    const [first, lint, queued] = res.body.jobs;
    expect(first).toEqual(build);
    expect(first).toMatchObject({
      run_id: 900,
      run_attempt: 1,
      status: 'in_progress',
      conclusion: null,
      runner_name: 'GitHub Actions 7',
      runner_group_name: 'GitHub Actions',
      // Second precision, as GitHub sends timestamps.
      created_at: '2026-03-01T10:00:00Z',
      started_at: '2026-03-01T10:00:42Z',
      completed_at: null,
      url: `${gh.url}/repos/acme/widgets/actions/jobs/${build.id}`,
      html_url: `https://github.com/acme/widgets/actions/runs/900/job/${build.id}`,
      check_run_url: `${gh.url}/repos/acme/widgets/check-runs/${build.id}`,
    });
    expect(first.id).toBeGreaterThan(2 ** 32);
    expect(first.steps).toEqual([
      {
        name: 'Set up job',
        status: 'completed',
        conclusion: 'success',
        number: 1,
        started_at: '2026-03-01T10:00:42Z',
        completed_at: '2026-03-01T10:00:43Z',
      },
      {
        name: 'Run tests',
        status: 'completed',
        conclusion: 'failure',
        number: 2,
        started_at: '2026-03-01T10:00:43Z',
        completed_at: '2026-03-01T10:00:44Z',
      },
      {
        name: 'Post provision',
        status: 'in_progress',
        conclusion: null,
        number: 3,
        started_at: '2026-03-01T10:00:44Z',
        completed_at: null,
      },
      { name: 'Complete job', status: 'queued', conclusion: null, number: 4, started_at: null, completed_at: null },
    ]);
    // A conclusion completes the job; every job of a run has the run's head SHA.
    expect(lint).toMatchObject({ status: 'completed', conclusion: 'success', runner_name: expect.any(String) });
    expect(lint.completed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(lint.head_sha).toBe(first.head_sha);
    // A queued job has no runner yet, and GitHub repeats created_at as started_at.
    expect(queued).toMatchObject({ runner_name: null, runner_id: null, runner_group_id: null, steps: [] });
    expect(queued.started_at).toBe(queued.created_at);
    expect(gh.violations).toEqual([]);
  });

  it('shows changes made between requests: a later step fails, then the job completes', async () => {
    const job = gh.seedJob({ runId: 12, steps: [{ name: 'Provision', conclusion: 'success' }] });
    const before = await api('GET', jobsPath(12));
    expect(before.body.jobs[0].steps.map((s: { conclusion: string }) => s.conclusion)).toEqual(['success']);

    gh.updateJob(job.id, {
      steps: [
        { name: 'Provision', conclusion: 'success' },
        { name: 'Tests', conclusion: 'cancelled' },
      ],
    });
    const after = await api('GET', jobsPath(12));
    expect(after.body.jobs[0]).toMatchObject({ status: 'in_progress', steps: [{}, { conclusion: 'cancelled' }] });

    gh.updateJob(job.id, { conclusion: 'cancelled' });
    const done = await api('GET', jobsPath(12));
    expect(done.body.jobs[0]).toMatchObject({ status: 'completed', conclusion: 'cancelled' });
    expect(gh.store.jobs).toHaveLength(1);
    expect(gh.violations).toEqual([]);
  });

  it('keeps attempts apart; an unknown run, a future attempt or another repository is 404', async () => {
    gh.seedJob({ runId: 77, runAttempt: 2, name: 'retry' });
    const second = await api('GET', jobsPath(77, 2));
    expect(second.body).toMatchObject({ total_count: 1, jobs: [{ name: 'retry', run_attempt: 2 }] });
    // Attempt 1 of a re-run run exists even with no job seeded for it.
    expect((await api('GET', jobsPath(77, 1))).body).toEqual({ total_count: 0, jobs: [] });
    expect((await api('GET', jobsPath(77, 3))).status).toBe(404);
    expect((await api('GET', jobsPath(78))).status).toBe(404);
    expect((await api('GET', '/repos/acme/other/actions/runs/77/attempts/2/jobs')).status).toBe(404);
    expect(gh.violations).toEqual([]);
  });

  it('pages with per_page and the Link relations of the other list endpoints', async () => {
    for (let i = 0; i < 5; i++) gh.seedJob({ runId: 5, name: `shard ${i + 1}` });
    const page2 = await api('GET', jobsPath(5, 1, '?per_page=2&page=2'));
    expect(page2.body.total_count).toBe(5);
    expect(page2.body.jobs.map((j: { name: string }) => j.name)).toEqual(['shard 3', 'shard 4']);
    expect(linkPages(page2.headers.get('link'))).toEqual([
      ['prev', '1'],
      ['next', '3'],
      ['last', '3'],
      ['first', '1'],
    ]);
    expect(page2.headers.get('link')).toContain(`${gh.url}/repositories/${gh.repoId}/actions/runs/5/attempts/1/jobs?`);

    // Octokit follows the links and unwraps `jobs`, as our actions call it.
    const octokit = getOctokit(gh.token, { baseUrl: gh.url });
    const all = await octokit.paginate(octokit.rest.actions.listJobsForWorkflowRunAttempt, {
      owner: 'acme',
      repo: 'widgets',
      run_id: 5,
      attempt_number: 1,
      per_page: 2,
    });
    expect(all.map((j) => j.name)).toEqual(['shard 1', 'shard 2', 'shard 3', 'shard 4', 'shard 5']);
    expect(gh.requests.filter((r) => r.operationId === 'actions/list-jobs-for-workflow-run-attempt')).toHaveLength(4);
    expect(gh.violations).toEqual([]);
  });

  it('answers 403 without actions: read (even for a missing run); a read-only token may still read', async () => {
    gh.seedJob({ runId: 3 });
    const bot = await apiClient(gh, 'ghs-no-actions')('GET', jobsPath(3));
    expect(bot).toMatchObject({ status: 403, body: { message: 'Resource not accessible by integration' } });
    expect((await apiClient(gh, 'ghs-no-actions')('GET', jobsPath(999))).status).toBe(403);
    const pat = await apiClient(gh, 'pat-no-actions')('GET', jobsPath(3));
    expect(pat).toMatchObject({ status: 403, body: { message: 'Resource not accessible by personal access token' } });
    expect((await apiClient(gh, 'fork-token')('GET', jobsPath(3))).status).toBe(200);

    const octokit = getOctokit('ghs-no-actions', { baseUrl: gh.url });
    await expect(
      octokit.rest.actions.listJobsForWorkflowRunAttempt({
        owner: 'acme',
        repo: 'widgets',
        run_id: 3,
        attempt_number: 1,
      }),
    ).rejects.toMatchObject({ status: 403 });
    expect(gh.violations).toEqual([]);
  });

  it('refuses seeds GitHub could not produce', () => {
    expect(() => gh.seedJob({ runId: 0 })).toThrow(/runId must be a positive integer/);
    expect(() => gh.seedJob({ runId: 1, status: 'completed' })).toThrow(/conclusion exactly when it is completed/);
    expect(() => gh.seedJob({ runId: 1, status: 'in_progress', conclusion: 'success' })).toThrow(/exactly when/);
    expect(() => gh.seedJob({ runId: 1, steps: [{ name: 's', status: 'completed' }] })).toThrow(/step "s"/);
    expect(() => gh.seedJob({ runId: 1, createdAt: 'yesterday' })).toThrow(/not a date/);
    expect(() => gh.updateJob(1, { name: 'x' })).toThrow(/no seeded job 1/);
  });

  it('records a non-integer run id, and a stored job edited into a shape GitHub never sends, as violations', async () => {
    expect((await api('GET', '{repo}/actions/runs/abc/attempts/1/jobs')).status).toBe(404);
    expect(gh.violations).toEqual([expect.stringContaining('path parameters')]);
    const job = gh.seedJob({ runId: 4 });
    Object.assign(job, { status: 'running' });
    await api('GET', jobsPath(4));
    expect(gh.violations[1]).toMatch(/response 200: .*\/jobs\/0\/status must be equal to one of the allowed values/);
  });
});
