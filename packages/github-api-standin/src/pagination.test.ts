import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubStandIn } from './index.js';
import { apiClient, SHA, type ApiCall } from './test-client.js';
import type { GitHubStandIn } from './types.js';

let gh: GitHubStandIn;
let api: ApiCall;

beforeEach(async () => {
  gh = await startGitHubStandIn();
  api = apiClient(gh);
  gh.seedComments(7, 250, { login: 'octocat', body: (i) => `comment ${i}` });
});
afterEach(async () => {
  await gh.close();
});

/** Parses a Link header into rel → URL, keeping the order GitHub sends them in. */
function links(header: string | null): [string, string][] {
  if (!header) return [];
  return header.split(', ').map((part) => {
    const match = /^<([^>]+)>; rel="(\w+)"$/.exec(part);
    if (!match) throw new Error(`malformed Link part: ${part}`);
    return [match[2]!, match[1]!];
  });
}

const pageOf = (url: string) => new URL(url).searchParams.get('page');

describe('issue comment pagination over 250 comments', () => {
  it('pages of 100 with prev/next/last/first Link relations as GitHub sends them', async () => {
    const base = `${gh.url}/repositories/${gh.repoId}/issues/7/comments`;
    const first = await api('GET', '{repo}/issues/7/comments?per_page=100');
    expect(first.body).toHaveLength(100);
    expect(first.headers.get('link')).toBe(
      `<${base}?per_page=100&page=2>; rel="next", <${base}?per_page=100&page=3>; rel="last"`,
    );

    const second = await api('GET', '{repo}/issues/7/comments?per_page=100&page=2');
    expect(links(second.headers.get('link')).map(([rel, url]) => [rel, pageOf(url)])).toEqual([
      ['prev', '1'],
      ['next', '3'],
      ['last', '3'],
      ['first', '1'],
    ]);

    const third = await api('GET', '{repo}/issues/7/comments?per_page=100&page=3');
    expect(third.body).toHaveLength(50);
    expect(links(third.headers.get('link')).map(([rel, url]) => [rel, pageOf(url)])).toEqual([
      ['prev', '2'],
      ['first', '1'],
    ]);

    const beyond = await api('GET', '{repo}/issues/7/comments?per_page=100&page=4');
    expect(beyond.body).toEqual([]);
    expect(links(beyond.headers.get('link')).map(([rel]) => rel)).toEqual(['prev', 'first']);
    expect(gh.violations).toEqual([]);
  });

  it('following rel="next" (the /repositories/{id} form) visits every comment once, in ascending ID order', async () => {
    const seen: number[] = [];
    let next: string | undefined = `${gh.url}/repos/${gh.owner}/${gh.repo}/issues/7/comments?per_page=100`;
    let pages = 0;
    while (next) {
      const res = await api('GET', next);
      expect(res.status).toBe(200);
      seen.push(...res.body.map((c: { id: number }) => c.id));
      next = links(res.headers.get('link')).find(([rel]) => rel === 'next')?.[1];
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(gh.requests.slice(1).every((r) => r.path.startsWith(`/repositories/${gh.repoId}/`))).toBe(true);
    expect(gh.violations).toEqual([]);
  });

  it('defaults to 30 per page, caps per_page at 100, keeps other query parameters in links', async () => {
    const byDefault = await api('GET', '{repo}/issues/7/comments');
    expect(byDefault.body).toHaveLength(30);
    expect(pageOf(links(byDefault.headers.get('link')).find(([rel]) => rel === 'last')![1])).toBe('9');

    const capped = await api('GET', '{repo}/issues/7/comments?per_page=500');
    expect(capped.body).toHaveLength(100);

    const since = gh.store.comments[0]!.updated_at;
    const withSince = await api('GET', `{repo}/issues/7/comments?since=${since}&per_page=100`);
    const nextUrl = new URL(links(withSince.headers.get('link'))[0]![1]);
    expect(nextUrl.searchParams.get('since')).toBe(since);
    expect(gh.violations).toEqual([]);
  });

  it('sends no Link header when everything fits on one page', async () => {
    const res = await api('GET', '{repo}/issues/7/comments?per_page=100&page=1');
    expect(res.headers.get('link')).not.toBeNull();
    gh.seedComments(8, 3);
    expect((await api('GET', '{repo}/issues/8/comments')).headers.get('link')).toBeNull();
  });
});

describe('check run pagination', () => {
  it('paginates list-for-ref with total_count over all pages', async () => {
    for (let i = 0; i < 5; i++) await api('POST', '{repo}/check-runs', { name: `job ${i}`, head_sha: SHA });
    const res = await api('GET', `{repo}/commits/${SHA}/check-runs?per_page=2&page=3`);
    expect(res.body.total_count).toBe(5);
    expect(res.body.check_runs).toHaveLength(1);
    expect(links(res.headers.get('link')).map(([rel]) => rel)).toEqual(['prev', 'first']);
    expect(gh.violations).toEqual([]);
  });
});
