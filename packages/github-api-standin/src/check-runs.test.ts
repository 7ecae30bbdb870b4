import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubStandIn } from './index.js';
import { annotations, apiClient, SHA, type ApiCall } from './test-client.js';
import type { GitHubStandIn } from './types.js';

let gh: GitHubStandIn;
let api: ApiCall;

beforeEach(async () => {
  gh = await startGitHubStandIn();
  api = apiClient(gh);
});
afterEach(async () => {
  await gh.close();
});

const create = (body: Record<string, unknown> = {}) =>
  api('POST', '{repo}/check-runs', { name: 'gauntlet', head_sha: SHA, ...body });

describe('check runs', () => {
  it('create → get → update round-trips as GitHub shapes them, valid against the schema', async () => {
    gh.seedPull(12, { headSha: SHA });
    const created = await create({ status: 'in_progress', output: { title: 'Running', summary: 'started' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'gauntlet',
      head_sha: SHA,
      status: 'in_progress',
      conclusion: null,
      completed_at: null,
      app: { slug: 'github-actions', id: 15368 },
      output: { title: 'Running', summary: 'started', text: null, annotations_count: 0 },
      pull_requests: [{ number: 12, head: { sha: SHA } }],
    });
    expect(created.body.id).toBeGreaterThan(2 ** 32);
    expect(created.body.url).toBe(`${gh.url}/repos/${gh.owner}/${gh.repo}/check-runs/${created.body.id}`);

    const id = created.body.id as number;
    const got = await api('GET', `{repo}/check-runs/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);

    const updated = await api('PATCH', `{repo}/check-runs/${id}`, {
      conclusion: 'failure',
      output: { title: 'Done', summary: '2 failures', text: 'details' },
    });
    expect(updated.status).toBe(200);
    // A conclusion completes the run.
    expect(updated.body).toMatchObject({ status: 'completed', conclusion: 'failure', output: { text: 'details' } });
    expect(updated.body.completed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(gh.store.checkRuns).toHaveLength(1);
    expect(gh.violations).toEqual([]);
  });

  it('accumulates annotations across PATCHes and lists them', async () => {
    const { body: run } = await create({ output: { title: 't', summary: 's', annotations: annotations(50) } });
    for (let i = 0; i < 2; i++) {
      const res = await api('PATCH', `{repo}/check-runs/${run.id}`, {
        output: { summary: `batch ${i}`, annotations: annotations(50, 'failure') },
      });
      expect(res.status).toBe(200);
    }
    const final = await api('GET', `{repo}/check-runs/${run.id}`);
    expect(final.body.output.annotations_count).toBe(150);
    expect(gh.store.annotations.get(run.id)).toHaveLength(150);
    const page = await api('GET', `{repo}/check-runs/${run.id}/annotations?per_page=100&page=2`);
    expect(page.body).toHaveLength(50);
    expect(page.body[0]).toMatchObject({ annotation_level: 'failure', blob_href: expect.stringContaining(SHA) });
    expect(gh.violations).toEqual([]);
  });

  it('refuses more than 50 annotations per request with GitHub’s 422, and records the schema violation', async () => {
    const res = await create({ output: { title: 't', summary: 's', annotations: annotations(51) } });
    expect(res.status).toBe(422);
    expect(res.body.message).toBe('Invalid request.\n\nNo more than 50 items are allowed; 51 were supplied.');
    expect(gh.store.checkRuns).toHaveLength(0);
    expect(gh.violations).toEqual([expect.stringContaining('/output/annotations must NOT have more than 50 items')]);
  });

  it('refuses a summary or text over 65535 characters, and multi-byte text over 65535 bytes', async () => {
    const ok = await create({ output: { title: 't', summary: 'x'.repeat(65535) } });
    expect(ok.status).toBe(201);

    const long = await create({ output: { title: 't', summary: 's', text: 'x'.repeat(65536) } });
    expect(long.status).toBe(422);
    expect(long.body.message).toBe('Invalid request.\n\nOnly 65535 characters are allowed; 65536 were supplied.');

    const patch = await api('PATCH', `{repo}/check-runs/${ok.body.id}`, { output: { summary: 'y'.repeat(70000) } });
    expect(patch.status).toBe(422);

    const emoji = await create({ output: { title: 't', summary: '😀'.repeat(20000) } });
    expect(emoji.status).toBe(422);
    expect(emoji.body.errors[0]).toMatchObject({
      field: 'summary',
      message: 'summary exceeds a maximum bytesize of 65535',
    });
    // Over-length strings break the schema's maxLength; the byte limit is not in the schema.
    expect(gh.violations).toHaveLength(2);
  });

  it('lists check runs for a ref: check_name, filter=latest|all, newest first, total_count', async () => {
    const first = await create({ name: 'lint' });
    const second = await create({ name: 'lint', conclusion: 'success' });
    await create({ name: 'test' });
    await api('POST', '{repo}/check-runs', { name: 'lint', head_sha: 'b'.repeat(40) });

    const latest = await api('GET', `{repo}/commits/${SHA}/check-runs`);
    expect(latest.body.total_count).toBe(2);
    expect(latest.body.check_runs.map((r: { name: string }) => r.name).sort()).toEqual(['lint', 'test']);

    const all = await api('GET', `{repo}/commits/${SHA}/check-runs?check_name=lint&filter=all`);
    expect(all.body.check_runs.map((r: { id: number }) => r.id)).toEqual([second.body.id, first.body.id]);

    const byName = await api('GET', `{repo}/commits/${SHA}/check-runs?check_name=lint`);
    expect(byName.body).toMatchObject({ total_count: 1, check_runs: [{ id: second.body.id }] });

    const completed = await api('GET', `{repo}/commits/${SHA}/check-runs?status=completed&filter=all`);
    expect(completed.body.total_count).toBe(1);

    gh.seedPull(3, { headSha: SHA });
    const byBranch = await api('GET', '{repo}/commits/feature-3/check-runs');
    expect(byBranch.body.total_count).toBe(2);
    const unknown = await api('GET', '{repo}/commits/no-such-branch/check-runs');
    expect(unknown.status).toBe(422);
    expect(gh.violations).toEqual([]);
  });

  it('requires a conclusion to complete, a real SHA, and an existing run', async () => {
    expect((await create({ status: 'completed' })).status).toBe(422);
    expect((await create({ head_sha: 'main' })).body.message).toBe('No commit found for SHA: main');
    expect((await api('GET', '{repo}/check-runs/123')).status).toBe(404);
    expect((await api('PATCH', '{repo}/check-runs/123', { status: 'in_progress' })).status).toBe(404);
    expect(gh.violations).toEqual([]);
  });
});
