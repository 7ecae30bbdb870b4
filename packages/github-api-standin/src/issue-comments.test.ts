import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubStandIn } from './index.js';
import { apiClient, type ApiCall } from './test-client.js';
import type { GitHubStandIn } from './types.js';

let gh: GitHubStandIn;
let api: ApiCall;
const USER_TOKEN = 'ghp_octocat0000000000000000000000000000';

beforeEach(async () => {
  gh = await startGitHubStandIn({ tokens: { [USER_TOKEN]: { login: 'octocat' } } });
  api = apiClient(gh);
});
afterEach(async () => {
  await gh.close();
});

describe('issue comments', () => {
  it('create → get → update → list → delete round-trips, authored by the token’s login', async () => {
    gh.seedPull(5);
    const created = await api('POST', '{repo}/issues/5/comments', { body: 'first' });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(created.body.url);
    expect(created.body).toMatchObject({
      body: 'first',
      user: { login: 'github-actions[bot]', type: 'Bot', id: 41898282 },
      author_association: 'NONE',
      issue_url: `${gh.url}/repos/${gh.owner}/${gh.repo}/issues/5`,
      html_url: expect.stringMatching(/\/pull\/5#issuecomment-\d+$/),
    });
    const id = created.body.id as number;

    const byUser = await apiClient(gh, USER_TOKEN)('POST', '{repo}/issues/5/comments', { body: 'second' });
    expect(byUser.body.user).toMatchObject({ login: 'octocat', type: 'User' });

    expect((await api('GET', `{repo}/issues/comments/${id}`)).body).toEqual(created.body);

    const updated = await api('PATCH', `{repo}/issues/comments/${id}`, { body: 'edited' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id, body: 'edited' });

    const list = await api('GET', '{repo}/issues/5/comments');
    expect(list.body.map((c: { body: string }) => c.body)).toEqual(['edited', 'second']);
    expect(list.headers.get('link')).toBeNull();

    expect((await api('DELETE', `{repo}/issues/comments/${id}`)).status).toBe(204);
    expect((await api('GET', `{repo}/issues/comments/${id}`)).status).toBe(404);
    expect((await api('PATCH', `{repo}/issues/comments/${id}`, { body: 'x' })).status).toBe(404);
    expect((await api('DELETE', `{repo}/issues/comments/${id}`)).status).toBe(404);
    expect(gh.store.comments.map((c) => c.body)).toEqual(['second']);

    // pulls.get reports the comment count.
    expect((await api('GET', '{repo}/pulls/5')).body.comments).toBe(1);
    expect(gh.violations).toEqual([]);
  });

  it('accepts a 65,536-character body and refuses 65,537 with GitHub’s exact 422', async () => {
    expect((await api('POST', '{repo}/issues/1/comments', { body: 'x'.repeat(65536) })).status).toBe(201);
    const tooLong = await api('POST', '{repo}/issues/1/comments', { body: 'x'.repeat(65537) });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body).toEqual({
      message: 'Validation Failed',
      errors: [
        {
          resource: 'IssueComment',
          code: 'unprocessable',
          field: 'data',
          message: 'Body is too long (maximum is 65536 characters)',
        },
      ],
      documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
      status: '422',
    });
    const id = gh.store.comments[0]!.id;
    const patch = await api('PATCH', `{repo}/issues/comments/${id}`, { body: '😀'.repeat(65537) });
    expect(patch.status).toBe(422);
    // The limit is GitHub's, not its schema's: the client sent a schema-valid request.
    expect(gh.violations).toEqual([]);
  });

  it('records an invalid request body as a violation and answers 422', async () => {
    const res = await api('POST', '{repo}/issues/1/comments', { body: 42 });
    expect(res.status).toBe(422);
    expect(res.body.message).toMatch(/^Invalid request\./);
    const missing = await api('POST', '{repo}/issues/1/comments', { text: 'hi' });
    expect(missing.status).toBe(422);
    expect(gh.violations).toEqual([
      expect.stringMatching(
        /^POST \/repos\/.*\/issues\/1\/comments \(issues\/create-comment\): request body: \/body must be string/,
      ),
      expect.stringContaining("must have required property 'body'"),
    ]);
    expect(gh.store.comments).toHaveLength(0);
  });

  it('filters by since', async () => {
    gh.seedComments(9, 10);
    const cutoff = gh.store.comments[6]!.updated_at;
    const res = await api('GET', `{repo}/issues/9/comments?since=${cutoff}`);
    expect(res.body).toHaveLength(4);
    expect(gh.violations).toEqual([]);
  });
});

describe('response validation', () => {
  it('records a response that breaks GitHub’s schema (here: a store object a test corrupted)', async () => {
    gh.seedComments(2, 1);
    const comment = gh.store.comments[0]!;
    (comment as { created_at: string }).created_at = 'yesterday';
    (comment as { user: unknown }).user = { login: 'ghost' };
    const res = await api('GET', `{repo}/issues/comments/${comment.id}`);
    expect(res.status).toBe(200);
    expect(gh.violations).toHaveLength(1);
    expect(gh.violations[0]).toMatch(
      /\(issues\/get-comment\): response 200: .*\/created_at must match format "date-time"/,
    );
    expect(gh.violations[0]).toMatch(/\/user must have required properties 'avatar_url', .*'id'/);
  });
});

describe('issue labels', () => {
  it('lists what setLabels gave a pull request, valid against GitHub’s schema, on the pull request too', async () => {
    gh.seedPull(7);
    expect((await api('GET', '{repo}/issues/7/labels')).body).toEqual([]);
    gh.setLabels(7, ['chaos-halt', 'needs review', 'chaos-halt']);
    const list = await api('GET', '{repo}/issues/7/labels');
    expect(list.status).toBe(200);
    expect(list.body.map((l: { name: string }) => l.name)).toEqual(['chaos-halt', 'needs review']);
    expect(list.body[1]).toMatchObject({
      url: `${gh.url}/repos/${gh.owner}/${gh.repo}/labels/needs%20review`,
      description: null,
      default: false,
    });
    expect((await api('GET', '{repo}/pulls/7')).body.labels).toEqual(list.body);
    gh.setLabels(7, []);
    expect((await api('GET', '{repo}/issues/7/labels')).body).toEqual([]);
    expect(gh.violations).toEqual([]);
  });

  it('paginates, and answers 404 for an issue that does not exist', async () => {
    gh.setLabels(8, ['a', 'b', 'c']);
    const first = await api('GET', '{repo}/issues/8/labels?per_page=2');
    expect(first.body.map((l: { name: string }) => l.name)).toEqual(['a', 'b']);
    expect(first.headers.get('link')).toMatch(/rel="next"/);
    expect((await api('GET', '{repo}/issues/999/labels')).status).toBe(404);
    expect(gh.violations).toEqual([]);
  });
});
