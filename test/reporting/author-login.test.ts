/** Who "we" are: the login that decides which comments are ours. */
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import { type GitHubStandIn } from '@gauntlet/github-api-standin';
import { client, context, HEAD_SHA, ourComments, publish, standIn } from './helpers.js';

let gh: GitHubStandIn;
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

describe('author login', () => {
  it('uses viewer { login } for a personal token, and finds that user’s comment again', async () => {
    const pat = `ghp_${'p'.repeat(36)}`;
    gh = await standIn({ tokens: { [pat]: { login: 'release-bot', type: 'User' } } });
    gh.seedPull(41, { headSha: HEAD_SHA });
    for (let attempt = 1; attempt <= 3; attempt++) {
      const logger = new RecordingLogger();
      await publish(gh, {
        octokit: client(gh, logger, pat),
        logger,
        context: context(gh, 41, 1, attempt),
        section: { action: 'slo-check', title: 'SLO', markdown: `a${attempt}` },
      });
    }
    expect(ourComments(gh, 41, 'release-bot')).toHaveLength(1);
    expect(ourComments(gh, 41, 'release-bot')[0]!.body).toContain('a3');
  });

  it('falls back to github-actions[bot] when the token may not ask', async () => {
    gh = await standIn();
    gh.seedPull(42, { headSha: HEAD_SHA });
    gh.faults.add({ kind: 'forbidden-integration', path: '^/graphql$' });
    for (let attempt = 1; attempt <= 3; attempt++) {
      await publish(gh, {
        context: context(gh, 42, 1, attempt),
        section: { action: 'slo-check', title: 'SLO', markdown: `b${attempt}` },
      });
    }
    expect(ourComments(gh, 42, 'github-actions[bot]')).toHaveLength(1);
    expect(ourComments(gh, 42)[0]!.body).toContain('b3');
  });
});
