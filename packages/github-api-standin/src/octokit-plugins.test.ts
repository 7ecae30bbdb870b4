/**
 * The fault knobs are only useful if real client logic recognises them: @octokit/plugin-throttling must classify the
 * rate-limit faults, and @octokit/plugin-retry must retry 5xx and connection resets. Retry delays are scaled to
 * milliseconds so the test stays fast.
 */
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubStandIn } from './index.js';
import type { GitHubStandIn } from './types.js';

let gh: GitHubStandIn;

beforeEach(async () => {
  gh = await startGitHubStandIn();
});
afterEach(async () => {
  await gh.close();
});

function client(events: string[]) {
  return getOctokit(
    gh.token,
    {
      baseUrl: gh.url,
      retry: { retryAfterBaseValue: 1 },
      throttle: {
        retryAfterBaseValue: 1,
        onRateLimit: (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) => {
          events.push(`primary:${retryAfter}`);
          return retryCount < 1;
        },
        onSecondaryRateLimit: (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) => {
          events.push(`secondary:${retryAfter}`);
          return retryCount < 1;
        },
      },
    },
    throttling,
    retry,
  );
}

const list = (octokit: ReturnType<typeof client>) =>
  octokit.rest.issues.listComments({ owner: gh.owner, repo: gh.repo, issue_number: 1 });

describe('fault knobs meet @octokit/plugin-throttling and plugin-retry', () => {
  it('a primary rate limit is recognised from x-ratelimit-remaining: 0 and its reset time', async () => {
    const events: string[] = [];
    gh.faults.add({ kind: 'primary-rate-limit', resetAfterSeconds: 2, times: 1 });
    expect((await list(client(events))).status).toBe(200);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/^primary:[23]$/);
  });

  it('a secondary rate limit is recognised, with retry-after or the fallback', async () => {
    const events: string[] = [];
    gh.faults.add({ kind: 'secondary-rate-limit', retryAfterSeconds: 7, times: 1 });
    gh.faults.add({ kind: 'secondary-rate-limit', status: 429, times: 1 });
    expect((await list(client(events))).status).toBe(200);
    expect((await list(client(events))).status).toBe(200);
    expect(events).toEqual(['secondary:7', 'secondary:60']);
  });

  it('plugin-retry retries a 502 and a connection reset', async () => {
    gh.faults.add({ kind: 'status', status: 502, times: 1, method: 'GET' });
    expect((await list(client([]))).status).toBe(200);
    gh.faults.add({ kind: 'connection-reset', times: 1, method: 'GET' });
    expect((await list(client([]))).status).toBe(200);
    expect(gh.requests.map((r) => r.status)).toEqual([502, 200, 0, 200]);
    expect(gh.violations).toEqual([]);
  });
});
