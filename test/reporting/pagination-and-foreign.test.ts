/** RP-03 (our comment on page 3 of 250) and RP-04 (an attacker's comment carrying our marker). */
import { afterEach, describe, expect, it } from 'vitest';
import { COMMENT_BODY_LIMIT, composeBody } from '@gauntlet/github';
import { type GitHubStandIn } from '@gauntlet/github-api-standin';
import { context, HEAD_SHA, MARKER, ourComments, publish, standIn } from './helpers.js';

let gh: GitHubStandIn;
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

const oldBody = composeBody(
  MARKER,
  [
    { name: 'slo-check', revision: { runId: 1, runAttempt: 1, timeMs: 1 }, content: 'old slo' },
    { name: 'chaos-gate', revision: { runId: 1, runAttempt: 1, timeMs: 1 }, content: 'chaos from run 1' },
  ],
  COMMENT_BODY_LIMIT,
);

describe('finding our comment', () => {
  it('RP-03/RP-04: finds ours on page 3 of 250 and never touches foreign comments with our marker', async () => {
    gh = await standIn();
    gh.seedPull(9, { headSha: HEAD_SHA });
    // 200 comments first, some of them by an attacker pasting our marker (and a body that parses as sections).
    const attackerBody = oldBody.replace('old slo', 'attacker text');
    gh.seedComments(9, 200, { login: 'mallory', body: (i) => (i % 10 === 0 ? attackerBody : `comment ${i}`) });
    gh.seedComments(9, 1, { login: gh.login, body: () => oldBody });
    // Another bot writing as github-actions[bot], with our marker only quoted inside its text: not ours.
    gh.seedComments(9, 49, { login: gh.login, body: (i) => `Other workflow ${i}: we saw ${MARKER}` });
    const ours = ourComments(gh, 9);
    expect(ours).toHaveLength(1);
    const ourId = ours[0]!.id;
    const position = gh.store.comments
      .filter((c) => c.issue_url.endsWith('/issues/9'))
      .findIndex((c) => c.id === ourId);

    const { result } = await publish(gh, {
      context: context(gh, 9, 2),
      section: { action: 'slo-check', title: 'SLO', markdown: 'new slo' },
    });

    const after = ourComments(gh, 9);
    const pages = gh.requests
      .filter((r) => r.operationId === 'issues/list-comments')
      .map((r) => r.query['page'] ?? '1');
    const writes = gh.requests.filter(
      (r) => ['POST', 'PATCH', 'DELETE'].includes(r.method) && r.path.includes('/comments'),
    );
    const foreignIds = new Set(gh.store.comments.filter((c) => c.id !== ourId).map((c) => String(c.id)));
    const foreignWrites = writes.filter((r) => foreignIds.has(r.path.split('/').pop() ?? '')).length;
    const attackerUntouched = gh.store.comments.filter(
      (c) => c.user?.login === 'mallory' && c.body === attackerBody,
    ).length;
    console.log(
      `RP-03: our comment at position ${position + 1} of 250 (page ${Math.floor(position / 100) + 1}); pages listed ${pages.join(',')}; ` +
        `comments with marker by us = ${after.length}; creates = ${writes.filter((r) => r.method === 'POST').length}`,
    );
    console.log(
      `RP-04: PATCH/DELETE on foreign comments = ${foreignWrites}; attacker comments unchanged = ${attackerUntouched}/20`,
    );
    expect(result.comment).toMatchObject({ status: 'updated', id: ourId });
    expect(after).toHaveLength(1);
    expect(after[0]!.body).toContain('new slo');
    expect(after[0]!.body).toContain('chaos from run 1');
    expect(after[0]!.body).not.toContain('attacker text');
    expect(writes.filter((r) => r.method === 'POST')).toHaveLength(0);
    expect(foreignWrites).toBe(0);
    expect(attackerUntouched).toBe(20);
  });
});
