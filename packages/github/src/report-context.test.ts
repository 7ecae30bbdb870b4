import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readWorkflowRun } from '@gauntlet/action-kit';
import { describe, expect, it } from 'vitest';
import { reportContextOfRun } from './report-context.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'report-context-'));
function run(eventName: string, payload: unknown) {
  const file = path.join(dir, `${eventName}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(payload));
  return readWorkflowRun({
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: file,
    GITHUB_SHA: 'merge',
    GITHUB_REPOSITORY: 'o/r',
    GITHUB_RUN_ID: '1',
    GITHUB_RUN_ATTEMPT: '2',
  });
}

describe('report context', () => {
  it('uses the PR head SHA, not the merge commit', () => {
    const ctx = reportContextOfRun(run('pull_request', { pull_request: { number: 5, head: { sha: 'head' } } }));
    expect(ctx).toMatchObject({ owner: 'o', repo: 'r', prNumber: 5, headSha: 'head', runId: 1, runAttempt: 2 });
  });

  it('uses the workflow_run head for fork reports and GITHUB_SHA for pushes', () => {
    expect(reportContextOfRun(run('workflow_run', { workflow_run: { head_sha: 'wr' } })).headSha).toBe('wr');
    const push = reportContextOfRun(run('push', {}));
    expect(push.headSha).toBe('merge');
    expect(push.prNumber).toBeUndefined();
  });

  it('takes a PR number given as an input over the event', () => {
    expect(reportContextOfRun(run('push', {}), 12).prNumber).toBe(12);
  });
});
