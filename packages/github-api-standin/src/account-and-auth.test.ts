import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubStandIn } from './index.js';
import { apiClient, SHA, type ApiCall } from './test-client.js';
import type { GitHubStandIn } from './types.js';

let gh: GitHubStandIn;
let api: ApiCall;

beforeEach(async () => {
  gh = await startGitHubStandIn({
    owner: 'acme',
    repo: 'widgets',
    tokens: {
      'user-token': { login: 'octocat' },
      'pat-no-user': { login: 'robot', canReadUser: false },
      'fork-token': { login: 'github-actions[bot]', type: 'Bot', readOnly: true },
    },
  });
  api = apiClient(gh);
});
afterEach(async () => {
  await gh.close();
});

describe('authentication and rate-limit headers', () => {
  it('accepts `token X` and `Bearer X`, refuses a missing or unknown token with 401', async () => {
    expect(gh.login).toBe('github-actions[bot]');
    expect((await api('GET', '{repo}/pulls/1')).status).toBe(404);
    expect((await api('GET', '{repo}/pulls/1', undefined, { authorization: `Bearer ${gh.token}` })).status).toBe(404);
    const missing = await apiClient(gh, null)('GET', '/rate_limit');
    expect(missing).toMatchObject({ status: 401, body: { message: 'Requires authentication' } });
    const bad = await apiClient(gh, 'nope')('GET', '/rate_limit');
    expect(bad).toMatchObject({ status: 401, body: { message: 'Bad credentials' } });
    const basic = await api('GET', '/rate_limit', undefined, { authorization: 'Basic Zm9vOmJhcg==' });
    expect(basic.status).toBe(401);
    expect(missing.headers.get('x-ratelimit-limit')).toBe('60');
  });

  it('sends realistic x-ratelimit-* headers on every response; GET /rate_limit does not count', async () => {
    const first = await api('GET', '{repo}/issues/1/comments');
    const second = await api('GET', '{repo}/issues/1/comments');
    expect(first.headers.get('x-ratelimit-limit')).toBe('1000');
    expect(first.headers.get('x-ratelimit-resource')).toBe('core');
    expect(Number(second.headers.get('x-ratelimit-used'))).toBe(Number(first.headers.get('x-ratelimit-used')) + 1);
    expect(Number(second.headers.get('x-ratelimit-remaining'))).toBe(
      1000 - Number(second.headers.get('x-ratelimit-used')),
    );
    const reset = Number(first.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThan(Date.now() / 1000);
    expect(reset).toBeLessThanOrEqual(Date.now() / 1000 + 3600);

    const limits = await api('GET', '/rate_limit');
    expect(limits.status).toBe(200);
    expect(limits.body.resources.core).toEqual({ limit: 1000, remaining: 998, reset, used: 2 });
    expect(limits.body.rate).toEqual(limits.body.resources.core);
    expect((await apiClient(gh, 'user-token')('GET', '/rate_limit')).body.rate.limit).toBe(5000);
    expect(gh.violations).toEqual([]);
  });
});

describe('GET /user', () => {
  it('answers installation tokens 403 "Resource not accessible by integration", user tokens 200', async () => {
    const bot = await api('GET', '/user');
    expect(bot).toMatchObject({ status: 403, body: { message: 'Resource not accessible by integration' } });
    const user = await apiClient(gh, 'user-token')('GET', '/user');
    expect(user.status).toBe(200);
    expect(user.body).toMatchObject({ login: 'octocat', type: 'User', user_view_type: 'private' });
    expect((await apiClient(gh, 'pat-no-user')('GET', '/user')).status).toBe(403);
    expect(gh.violations).toEqual([]);
  });
});

describe('POST /graphql', () => {
  it('answers viewer { login } for the token; an unsupported query is a violation', async () => {
    const res = await api('POST', '/graphql', { query: 'query { viewer { login } }' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { viewer: { login: 'github-actions[bot]' } } });
    expect(res.headers.get('x-ratelimit-resource')).toBe('graphql');
    const named = await apiClient(gh, 'user-token')('POST', '/graphql', { query: '{\n  viewer {\n    login\n  }\n}' });
    expect(named.body.data.viewer.login).toBe('octocat');
    expect(gh.violations).toEqual([]);

    await api('POST', '/graphql', { query: '{ repository(owner: "a", name: "b") { id } }' });
    await api('POST', '/graphql', { variables: {} });
    expect(gh.violations).toEqual([
      expect.stringContaining('unsupported GraphQL query'),
      expect.stringContaining('string "query"'),
    ]);
  });
});

describe('pulls.get', () => {
  it('serves seeded pull requests, including from forks, and 404s others', async () => {
    gh.seedPull(1, { headSha: SHA });
    gh.seedPull(2, { headRepoFullName: 'contributor/widgets', state: 'closed' });
    const same = await api('GET', '{repo}/pulls/1');
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({
      number: 1,
      state: 'open',
      head: { sha: SHA, repo: { full_name: 'acme/widgets', fork: false } },
      base: { ref: 'main', repo: { id: gh.repoId } },
    });
    const fork = await api('GET', '{repo}/pulls/2');
    expect(fork.body).toMatchObject({
      state: 'closed',
      head: { repo: { full_name: 'contributor/widgets', fork: true } },
    });
    expect(fork.body.closed_at).not.toBeNull();
    expect(gh.store.pulls.get(2)?.head.repo?.fork).toBe(true);
    expect((await api('GET', '{repo}/pulls/3')).status).toBe(404);
    expect(gh.violations).toEqual([]);
  });
});

describe('repository, permissions and routing', () => {
  it('404s another repository without a violation, owner/repo case-insensitively', async () => {
    expect((await api('GET', '/repos/other/widgets/issues/1/comments')).status).toBe(404);
    expect((await api('GET', '/repos/ACME/Widgets/issues/1/comments')).status).toBe(200);
    expect(gh.violations).toEqual([]);
  });

  it('gives a read-only token 403 on every write but lets it read', async () => {
    const fork = apiClient(gh, 'fork-token');
    const post = await fork('POST', '{repo}/issues/1/comments', { body: 'hi' });
    expect(post).toMatchObject({ status: 403, body: { message: 'Resource not accessible by integration' } });
    expect((await fork('POST', '{repo}/check-runs', { name: 'x', head_sha: SHA })).status).toBe(403);
    expect((await fork('GET', '{repo}/issues/1/comments')).status).toBe(200);
    const mutation = await fork('POST', '/graphql', {
      query: 'mutation { addComment(input: {}) { clientMutationId } }',
    });
    expect(mutation.body.errors[0]).toMatchObject({
      type: 'FORBIDDEN',
      message: 'Resource not accessible by integration',
    });
    expect(gh.store.comments).toHaveLength(0);
    expect(gh.violations).toEqual([]);
  });

  it('records an unknown route as a violation and answers 404', async () => {
    const res = await api('GET', '{repo}/issues/1/events');
    expect(res.status).toBe(404);
    expect(gh.violations).toEqual([
      'GET /repos/acme/widgets/issues/1/events: no such route in the GitHub REST API subset the stand-in serves',
    ]);
  });

  it('records a non-numeric ID and malformed JSON as violations', async () => {
    expect((await api('GET', '{repo}/check-runs/abc')).status).toBe(404);
    expect((await api('POST', '{repo}/issues/1/comments', '{"body": ')).status).toBe(400);
    expect(gh.violations).toEqual([
      expect.stringContaining('path parameters: /check_run_id must be integer'),
      expect.stringContaining('request body is not valid JSON'),
    ]);
  });

  it('records every request without the authorization header', async () => {
    await api('POST', '{repo}/issues/4/comments?x=1', { body: 'hello' }, { 'x-custom': 'yes' });
    expect(gh.requests).toEqual([
      {
        method: 'POST',
        path: '/repos/acme/widgets/issues/4/comments',
        query: { x: '1' },
        headers: expect.objectContaining({ 'x-custom': 'yes', 'content-type': 'application/json' }),
        body: { body: 'hello' },
        status: 201,
        operationId: 'issues/create-comment',
      },
    ]);
    expect(gh.requests[0]!.headers).not.toHaveProperty('authorization');
  });
});
