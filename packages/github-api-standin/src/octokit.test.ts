/** The client our actions actually use — @actions/github's getOctokit — against the stand-in. */
import { getOctokit } from '@actions/github';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubStandIn } from './index.js';
import { annotations, SHA } from './test-client.js';
import type { GitHubStandIn } from './types.js';

let gh: GitHubStandIn;
let octokit: ReturnType<typeof getOctokit>;

beforeEach(async () => {
  gh = await startGitHubStandIn({ owner: 'acme', repo: 'widgets' });
  octokit = getOctokit(gh.token, { baseUrl: gh.url });
});
afterEach(async () => {
  await gh.close();
});

const repo = { owner: 'acme', repo: 'widgets' };

describe('getOctokit(token, { baseUrl }) against the stand-in', () => {
  it('creates, updates, gets and lists check runs', async () => {
    const { data: run, status } = await octokit.rest.checks.create({
      ...repo,
      name: 'gauntlet',
      head_sha: SHA,
      status: 'in_progress',
      output: { title: 'Running', summary: '…', annotations: annotations(50) },
    });
    expect(status).toBe(201);
    await octokit.rest.checks.update({
      ...repo,
      check_run_id: run.id,
      conclusion: 'success',
      output: { title: 'Done', summary: 'ok', annotations: annotations(10, 'notice') },
    });
    const { data: fetched } = await octokit.rest.checks.get({ ...repo, check_run_id: run.id });
    expect(fetched).toMatchObject({ status: 'completed', conclusion: 'success', output: { annotations_count: 60 } });
    const all = await octokit.paginate(octokit.rest.checks.listAnnotations, {
      ...repo,
      check_run_id: run.id,
      per_page: 25,
    });
    expect(all).toHaveLength(60);
    const { data: list } = await octokit.rest.checks.listForRef({ ...repo, ref: SHA, check_name: 'gauntlet' });
    expect(list.check_runs.map((r) => r.id)).toEqual([run.id]);
    expect(gh.violations).toEqual([]);
  });

  it('paginates 250 comments and edits and deletes them', async () => {
    gh.seedComments(42, 250);
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      ...repo,
      issue_number: 42,
      per_page: 100,
    });
    expect(comments).toHaveLength(250);
    expect(gh.requests.filter((r) => r.operationId === 'issues/list-comments')).toHaveLength(3);

    const { data: mine } = await octokit.rest.issues.createComment({ ...repo, issue_number: 42, body: 'report' });
    expect(mine.user?.login).toBe(gh.login);
    await octokit.rest.issues.updateComment({ ...repo, comment_id: mine.id, body: 'report v2' });
    expect((await octokit.rest.issues.getComment({ ...repo, comment_id: mine.id })).data.body).toBe('report v2');
    await octokit.rest.issues.deleteComment({ ...repo, comment_id: mine.id });
    await expect(octokit.rest.issues.getComment({ ...repo, comment_id: mine.id })).rejects.toMatchObject({
      status: 404,
    });
    expect(gh.violations).toEqual([]);
  });

  it('surfaces GitHub errors as RequestError with status and message', async () => {
    await expect(octokit.rest.users.getAuthenticated()).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('Resource not accessible by integration'),
    });
    await expect(
      octokit.rest.issues.createComment({ ...repo, issue_number: 1, body: 'x'.repeat(65537) }),
    ).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining('Body is too long (maximum is 65536 characters)'),
    });
    gh.faults.add({ kind: 'lost-response', method: 'POST', times: 1 });
    await expect(
      octokit.rest.issues.createComment({ ...repo, issue_number: 1, body: 'applied' }),
    ).rejects.toMatchObject({
      status: 502,
    });
    expect(gh.store.comments.map((c) => c.body)).toEqual(['applied']);
    expect(gh.violations).toEqual([]);
  });

  it('gets a pull request, the rate limit, and the GraphQL viewer', async () => {
    gh.seedPull(9, { headSha: SHA });
    expect((await octokit.rest.pulls.get({ ...repo, pull_number: 9 })).data.head.sha).toBe(SHA);
    const { data: limits, headers } = await octokit.rest.rateLimit.get();
    expect(limits.resources.core.limit).toBe(1000);
    expect(headers['x-ratelimit-limit']).toBe('1000');
    const result = await octokit.graphql<{ viewer: { login: string } }>('query { viewer { login } }');
    expect(result.viewer.login).toBe('github-actions[bot]');
    expect(gh.violations).toEqual([]);
  });
});
