/** A create that times out on our side may still be applied: the next find must see it, never a second create. */
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import { type GitHubStandIn } from '@gauntlet/github-api-standin';
import { client, context, HEAD_SHA, ourComments, publish, standIn } from './helpers.js';

let gh: GitHubStandIn;
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

describe('timeouts', () => {
  it('a slow create past our timeout leaves one comment and one check run', async () => {
    gh = await standIn();
    gh.seedPull(51, { headSha: HEAD_SHA });
    gh.faults.add({ kind: 'latency', ms: 400, method: 'POST', path: '/comments$', times: 1 });
    gh.faults.add({ kind: 'latency', ms: 400, method: 'POST', path: '/check-runs$', times: 1 });
    const logger = new RecordingLogger();
    const { result } = await publish(gh, {
      octokit: client(gh, logger, gh.token, { requestTimeoutMs: 150 }),
      logger,
      context: { ...context(gh, 51), serverUrl: 'https://github.com' },
      section: { action: 'chaos-gate', title: 'Chaos', markdown: 'ok' },
      checkRun: { name: 'Gauntlet / chaos', conclusion: 'success', title: 'ok', summary: 'ok' },
      settleMs: 600,
      comment: {},
    });
    const runs = gh.store.checkRuns.filter((r) => r.name === 'Gauntlet / chaos');
    console.log(
      `timeouts: comment ${result.comment.status}, check run ${result.checkRun.status}; comments = ${ourComments(gh, 51).length}, check runs = ${runs.length}`,
    );
    expect(ourComments(gh, 51)).toHaveLength(1);
    expect(runs).toHaveLength(1);
    expect(runs[0]?.details_url).toBe(`https://github.com/${gh.owner}/${gh.repo}/actions/runs/1000/attempts/1`);
  });
});
