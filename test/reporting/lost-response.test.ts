/** RP-05: a write applied by the server whose answer is lost (502 or reset) must not be repeated blindly. */
import { afterEach, describe, expect, it } from 'vitest';
import { type GitHubStandIn } from '@gauntlet/github-api-standin';
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import { client, context, HEAD_SHA, ourComments, publish, runToken, runTokens, standIn } from './helpers.js';

let gh: GitHubStandIn;
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

describe('lost responses', () => {
  it('RP-05: 100 trials of lost create/update answers leave 0 duplicate comments, check runs or annotations', async () => {
    gh = await standIn({ tokens: runTokens(100) });
    const trials = 100;
    let duplicateComments = 0;
    let duplicateCheckRuns = 0;
    let duplicateAnnotations = 0;
    let warnings = 0;
    const annotations = Array.from({ length: 120 }, (_, i) => ({
      path: `src/f${i}.ts`,
      startLine: 1,
      level: 'warning' as const,
      message: `m${i}`,
    }));
    for (let trial = 0; trial < trials; trial++) {
      const pr = 100 + trial;
      gh.seedPull(pr, { headSha: HEAD_SHA });
      // Vary which write loses its answer, and how: a 502 after commit, or a reset after commit.
      const lost =
        trial % 2 === 0
          ? ({ kind: 'lost-response' } as const)
          : ({ kind: 'connection-reset', afterWrite: true } as const);
      gh.faults.clear();
      gh.faults.add({ ...lost, method: 'POST', path: `/issues/${pr}/comments$`, times: 1 });
      gh.faults.add({ ...lost, method: 'POST', path: '/check-runs$', times: 1 });
      if (trial % 3 === 0) gh.faults.add({ ...lost, method: 'PATCH', path: '/check-runs/\\d+$', times: 1 });
      if (trial % 4 === 0) gh.faults.add({ ...lost, method: 'PATCH', path: '/issues/comments/\\d+$', times: 1 });
      const runId = 5000 + trial;
      const checkRun = {
        name: 'Gauntlet / shard-and-run',
        conclusion: 'failure' as const,
        title: 't',
        summary: 's',
        annotations,
        maxAnnotations: 120,
      };
      // First writer creates; a second one (another action) updates the same comment.
      const octokit = client(gh, new RecordingLogger(), runToken(trial));
      const first = await publish(gh, {
        octokit,
        context: context(gh, pr, runId),
        section: { action: 'shard-and-run', title: 'Tests', markdown: `trial ${trial}` },
        checkRun,
      });
      const second = await publish(gh, {
        octokit,
        context: context(gh, pr, runId),
        section: { action: 'slo-check', title: 'SLO', markdown: `trial ${trial} slo` },
      });
      warnings += [first, second].filter((p) => p.result.warning).length;
      const comments = ourComments(gh, pr);
      duplicateComments += Math.max(0, comments.length - 1);
      const runs = gh.store.checkRuns.filter((r) => r.external_id === `gauntlet:shard-and-run:${runId}:1`);
      duplicateCheckRuns += Math.max(0, runs.length - 1);
      for (const run of runs)
        duplicateAnnotations += Math.max(0, (gh.store.annotations.get(run.id)?.length ?? 0) - 120);
      expect(comments).toHaveLength(1);
      expect(comments[0]!.body).toContain(`trial ${trial} slo`);
      expect(comments[0]!.body).toContain(`trial ${trial}\n`);
      expect(runs).toHaveLength(1);
      expect(gh.store.annotations.get(runs[0]!.id)).toHaveLength(120);
    }
    const faulted = gh.requests.filter((r) => r.fault === 'lost-response' || r.fault === 'connection-reset').length;
    console.log(
      `RP-05: ${trials} trials, ${faulted} lost answers: duplicate comments = ${duplicateComments}, ` +
        `duplicate check runs = ${duplicateCheckRuns}, duplicate annotations = ${duplicateAnnotations}, warnings = ${warnings}`,
    );
    expect(duplicateComments + duplicateCheckRuns + duplicateAnnotations).toBe(0);
    expect(warnings).toBe(0);
  });
});
