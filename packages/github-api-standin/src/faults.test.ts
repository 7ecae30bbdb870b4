import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubStandIn } from './index.js';
import { apiClient, type ApiCall } from './test-client.js';
import type { GitHubStandIn } from './types.js';

let gh: GitHubStandIn;
let api: ApiCall;

beforeEach(async () => {
  gh = await startGitHubStandIn({ seed: 7 });
  api = apiClient(gh);
});
afterEach(async () => {
  await gh.close();
});

const postComment = (body = 'hi') => api('POST', '{repo}/issues/1/comments', { body });

describe('fault knobs', () => {
  it('lost-response applies the write, then answers 502 — for `times` requests only', async () => {
    gh.faults.add({ kind: 'lost-response', method: 'POST', path: /\/issues\/\d+\/comments$/, times: 1 });
    const lost = await postComment('first');
    expect(lost.status).toBe(502);
    expect(gh.store.comments.map((c) => c.body)).toEqual(['first']);
    expect((await postComment('second')).status).toBe(201);
    expect(gh.requests.map((r) => [r.status, r.fault])).toEqual([
      [502, 'lost-response'],
      [201, undefined],
    ]);
    expect(gh.violations).toEqual([]);
  });

  it('answers any status with optional headers and body, without applying the request', async () => {
    gh.faults.add({ kind: 'status', status: 503, headers: { 'retry-after': '2' }, times: 1 });
    const unavailable = await postComment();
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBe('2');
    expect(unavailable.body).toMatchObject({ message: 'Service Unavailable', status: '503' });
    expect(gh.store.comments).toHaveLength(0);

    gh.faults.add({ kind: 'status', status: 422, body: { message: 'Validation Failed', errors: [] }, times: 1 });
    expect(await postComment()).toMatchObject({ status: 422, body: { message: 'Validation Failed', errors: [] } });
    gh.faults.add({ kind: 'status', status: 500, body: '<html>unicorn</html>', times: 1 });
    expect(await postComment()).toMatchObject({ status: 500, body: '<html>unicorn</html>' });
    expect(gh.store.comments).toHaveLength(0);
  });

  it.each([403, 429] as const)(
    'primary rate limit (%i) sets x-ratelimit-remaining 0 and a reset time',
    async (status) => {
      gh.faults.add({ kind: 'primary-rate-limit', status, resetAfterSeconds: 30, times: 1 });
      const res = await api('GET', '{repo}/issues/1/comments');
      expect(res.status).toBe(status);
      expect(res.body.message).toBe('API rate limit exceeded for installation ID 52147296.');
      expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
      const reset = Number(res.headers.get('x-ratelimit-reset'));
      expect(reset - Date.now() / 1000).toBeGreaterThan(28);
      expect(reset - Date.now() / 1000).toBeLessThanOrEqual(31);
      expect((await api('GET', '{repo}/issues/1/comments')).status).toBe(200);
    },
  );

  it('secondary rate limit: 403 with the GitHub message, with or without retry-after', async () => {
    gh.faults.add({ kind: 'secondary-rate-limit', retryAfterSeconds: 60, times: 1 });
    gh.faults.add({ kind: 'secondary-rate-limit', times: 1 });
    const withRetry = await postComment();
    expect(withRetry.status).toBe(403);
    expect(withRetry.body.message).toMatch(/^You have exceeded a secondary rate limit\./);
    expect(withRetry.headers.get('retry-after')).toBe('60');
    // Unlike the primary limit, remaining quota is not zero.
    expect(withRetry.headers.get('x-ratelimit-remaining')).not.toBe('0');
    const without = await postComment();
    expect(without.status).toBe(403);
    expect(without.headers.get('retry-after')).toBeNull();
    expect(gh.store.comments).toHaveLength(0);
  });

  it('forbidden-integration: 403 "Resource not accessible by integration"', async () => {
    gh.faults.add({ kind: 'forbidden-integration', method: 'post' });
    expect(await postComment()).toMatchObject({
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    expect((await api('GET', '{repo}/issues/1/comments')).status).toBe(200);
  });

  it('connection-reset: the client sees a network error; afterWrite applies the write first', async () => {
    gh.faults.add({ kind: 'connection-reset', method: 'POST', times: 1 });
    await expect(postComment('lost')).rejects.toThrow();
    expect(gh.store.comments).toHaveLength(0);

    gh.faults.add({ kind: 'connection-reset', method: 'POST', times: 1, afterWrite: true });
    await expect(postComment('applied')).rejects.toThrow();
    expect(gh.store.comments.map((c) => c.body)).toEqual(['applied']);
    expect(gh.requests.map((r) => [r.status, r.fault])).toEqual([
      [0, 'connection-reset'],
      [0, 'connection-reset'],
    ]);
    expect((await postComment('ok')).status).toBe(201);
  });

  it('latency delays the answer and combines with another fault', async () => {
    gh.faults.add({ kind: 'latency', ms: 150, path: '/comments$' });
    gh.faults.add({ kind: 'status', status: 502, times: 1 });
    let started = Date.now();
    expect((await api('GET', '{repo}/issues/1/comments')).status).toBe(502);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    started = Date.now();
    expect((await api('GET', '{repo}/issues/1/comments')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    // A request the rule does not match is not delayed: the stand-in records which fault it applied (no timing
    // upper bound, which a loaded machine breaks).
    await api('GET', '/rate_limit');
    expect(gh.requests.slice(-2).map((r) => r.fault)).toEqual(['latency', undefined]);
  });

  it('matches by method and path; clear() removes every rule', async () => {
    gh.faults.add({ kind: 'status', status: 500, method: 'PATCH', path: /\/issues\/comments\/\d+$/ });
    const created = await postComment();
    expect(created.status).toBe(201);
    expect((await api('PATCH', `{repo}/issues/comments/${created.body.id}`, { body: 'x' })).status).toBe(500);
    expect((await api('PATCH', `{repo}/issues/comments/${created.body.id}`, { body: 'x' })).status).toBe(500);
    gh.faults.clear();
    expect((await api('PATCH', `{repo}/issues/comments/${created.body.id}`, { body: 'x' })).status).toBe(200);
  });

  it('probabilistic faults follow the seed: same seed, same sequence', async () => {
    const run = async (standIn: GitHubStandIn) => {
      standIn.faults.add({ kind: 'status', status: 502, probability: 0.3 });
      const call = apiClient(standIn);
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await call('GET', '{repo}/issues/1/comments')).status);
      return statuses;
    };
    const twin = await startGitHubStandIn({ seed: 7 });
    const other = await startGitHubStandIn({ seed: 8 });
    try {
      const [a, b, c] = [await run(gh), await run(twin), await run(other)];
      expect(a).toEqual(b);
      expect(a).not.toEqual(c);
      const failures = a.filter((s) => s === 502).length;
      expect(failures).toBeGreaterThan(3);
      expect(failures).toBeLessThan(25);
    } finally {
      await twin.close();
      await other.close();
    }
  });

  it('rejects a probability outside [0, 1]', () => {
    expect(() => gh.faults.add({ kind: 'lost-response', probability: 2 })).toThrow(RangeError);
  });
});
