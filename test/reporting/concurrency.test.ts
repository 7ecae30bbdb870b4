/** RP-02: parallel jobs writing their sections at once converge to one comment holding the newest of each. */
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import { COMMENT_BODY_LIMIT, composeBody, MemorySummaryWriter, publishReport } from '@gauntlet/github';
import { type GitHubStandIn } from '@gauntlet/github-api-standin';
import {
  client,
  context,
  FAST_COMMENT,
  HEAD_SHA,
  MARKER,
  ourComments,
  runToken,
  runTokens,
  sectionsOf,
  standIn,
} from './helpers.js';

let gh: GitHubStandIn;
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

const WRITERS = [
  { action: 'provision-ephemeral-env', attempt: 1 },
  { action: 'shard-and-run', attempt: 1 },
  { action: 'chaos-gate', attempt: 1 },
  { action: 'slo-check', attempt: 1 },
  // A re-run attempt of slo-check racing the first: its (newer) content must win.
  { action: 'slo-check', attempt: 2 },
] as const;

describe('concurrent writers', () => {
  it('RP-02: 5 concurrent writers leave 1 comment with the newest content of every section (20 rounds)', async () => {
    const rounds = 20;
    gh = await standIn({ tokens: runTokens(rounds * WRITERS.length) });
    let converged = 0;
    let maxComments = 0;
    let duplicatesCreated = 0;
    let warnings = 0;
    for (let round = 0; round < rounds; round++) {
      const pr = 300 + round;
      gh.seedPull(pr, { headSha: HEAD_SHA });
      // Odd rounds: the comment exists already (a previous push), so all five race to PATCH it: lost updates.
      if (round % 2 === 1) {
        const old = WRITERS.map((w) => ({
          name: w.action,
          revision: { runId: 1, runAttempt: 1, timeMs: 1 },
          content: 'stale',
        }));
        gh.seedComments(pr, 1, { login: gh.login, body: () => composeBody(MARKER, old, COMMENT_BODY_LIMIT) });
      }
      // Some latency on reads and writes shuffles who reads before whom.
      gh.faults.clear();
      gh.faults.add({ kind: 'latency', ms: 3, probability: 0.5 });
      const creates = gh.requests.filter((r) => r.operationId === 'issues/create-comment').length;
      const results = await Promise.all(
        WRITERS.map((w, i) => {
          const logger = new RecordingLogger();
          return publishReport({
            octokit: client(gh, logger, runToken(round * WRITERS.length + i)),
            logger,
            context: context(gh, pr, 9000 + round, w.attempt),
            section: { action: w.action, title: w.action, markdown: `${w.action} attempt ${w.attempt} round ${round}` },
            summaryWriter: new MemorySummaryWriter(),
            comment: FAST_COMMENT,
            settleMs: FAST_COMMENT.settleMs,
          });
        }),
      );
      warnings += results.filter((r) => r.warning).length;
      duplicatesCreated += Math.max(
        0,
        gh.requests.filter((r) => r.operationId === 'issues/create-comment').length - creates - 1,
      );
      const comments = ourComments(gh, pr);
      maxComments = Math.max(maxComments, comments.length);
      const sections = new Map(sectionsOf(comments[0]?.body).map((s) => [s.name, s.content]));
      const complete =
        comments.length === 1 &&
        sections.size === 4 &&
        WRITERS.filter((w) => w.attempt === 1 && w.action !== 'slo-check').every((w) =>
          sections.get(w.action)?.includes(`${w.action} attempt 1 round ${round}`),
        ) &&
        (sections.get('slo-check')?.includes(`slo-check attempt 2 round ${round}`) ?? false);
      if (complete) converged++;
    }
    console.log(
      `RP-02: ${converged}/${rounds} rounds converged to 1 comment with the newest content of all 4 sections; ` +
        `max comments after a round = ${maxComments}; racing duplicate creates (cleaned up) = ${duplicatesCreated}; warnings = ${warnings}`,
    );
    expect(converged).toBe(rounds);
    expect(maxComments).toBe(1);
    expect(warnings).toBe(0);
  });
});
