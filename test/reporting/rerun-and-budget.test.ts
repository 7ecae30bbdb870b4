/** RP-01 (re-runs), RP-10 (PR head SHA, not the merge commit), RP-12 (API budget). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readWorkflowRun } from '@gauntlet/action-kit';
import { reportContextOfRun } from '@gauntlet/github';
import { type GitHubStandIn } from '@gauntlet/github-api-standin';
import { countedRequests, HEAD_SHA, MERGE_SHA, ourComments, publish, sectionsOf, standIn } from './helpers.js';

let gh: GitHubStandIn;
const eventDir = mkdtempSync(path.join(os.tmpdir(), 'rerun-event-'));
let events = 0;
function eventFile(payload: unknown): string {
  const file = path.join(eventDir, `event-${++events}.json`);
  writeFileSync(file, JSON.stringify(payload));
  return file;
}
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

describe('re-runs of one PR head', () => {
  it('RP-01/RP-10/RP-12: 20 re-runs keep one comment and one check run per attempt, on the head SHA, within budget', async () => {
    gh = await standIn();
    gh.seedPull(7, { headSha: HEAD_SHA });
    const annotations = Array.from({ length: 50 }, (_, i) => ({
      path: `src/t${i}.ts`,
      startLine: i + 1,
      level: 'failure' as const,
      message: `failed ${i}`,
    }));
    let maxCalls = 0;
    for (let attempt = 1; attempt <= 20; attempt++) {
      const from = gh.requests.length;
      // The event as the runner gives it: GITHUB_SHA is the merge commit, the PR head is in the payload.
      const ctx = reportContextOfRun(
        readWorkflowRun({
          GITHUB_EVENT_NAME: 'pull_request',
          GITHUB_EVENT_PATH: eventFile({ pull_request: { number: 7, head: { sha: HEAD_SHA } } }),
          GITHUB_SHA: MERGE_SHA,
          GITHUB_RUN_ID: '4242',
          GITHUB_RUN_ATTEMPT: String(attempt),
          GITHUB_REPOSITORY: `${gh.owner}/${gh.repo}`,
        }),
      );
      const { result } = await publish(gh, {
        context: ctx,
        section: { action: 'slo-check', title: 'SLO check', markdown: `attempt ${attempt}` },
        checkRun: { name: 'Gauntlet / slo-check', conclusion: 'success', title: 'ok', summary: 'ok', annotations },
      });
      expect(result.warning).toBeUndefined();
      expect(result.comment.status).toBe(attempt === 1 ? 'created' : 'updated');
      expect(result.checkRun.status).toBe('created');
      maxCalls = Math.max(maxCalls, countedRequests(gh, from).length);
    }
    // A retried step within one attempt finds its own check run and comment again.
    await publish(gh, {
      context: { owner: gh.owner, repo: gh.repo, prNumber: 7, headSha: HEAD_SHA, runId: 4242, runAttempt: 20 },
      section: { action: 'slo-check', title: 'SLO check', markdown: 'attempt 20 again' },
      checkRun: { name: 'Gauntlet / slo-check', conclusion: 'success', title: 'ok', summary: 'ok', annotations },
    });

    const comments = ourComments(gh, 7);
    const perAttempt = new Map<string, number>();
    for (const run of gh.store.checkRuns)
      perAttempt.set(run.external_id ?? '', (perAttempt.get(run.external_id ?? '') ?? 0) + 1);
    const creates = gh.requests.filter((r) => r.operationId === 'checks/create');
    const onHead = creates.filter((r) => (r.body as { head_sha?: string }).head_sha === HEAD_SHA).length;
    const annotationsPerRun = [...gh.store.annotations.values()].map((a) => a.length);
    console.log(
      `RP-01: comments with marker = ${comments.length}; check runs = ${gh.store.checkRuns.length} for 20 attempts; ` +
        `max check runs per external_id = ${Math.max(...perAttempt.values())}; annotations per run = ${Math.max(...annotationsPerRun)}`,
    );
    console.log(`RP-10: check-run creates on the PR head SHA = ${onHead}/${creates.length} (100%)`);
    console.log(`RP-12: max REST calls per run (pagination excluded) = ${maxCalls} (budget 10)`);
    expect(comments).toHaveLength(1);
    expect(sectionsOf(comments[0]!.body)[0]!.content).toContain('attempt 20 again');
    expect(gh.store.checkRuns).toHaveLength(20);
    expect([...perAttempt.values()].every((n) => n === 1)).toBe(true);
    expect(annotationsPerRun.every((n) => n === 50)).toBe(true);
    expect(onHead).toBe(creates.length);
    expect(maxCalls).toBeLessThanOrEqual(10);
  });
});
