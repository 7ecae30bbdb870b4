import { describe, expect, it } from 'vitest';
import { headShaOf, reportContextFrom } from './report-context.js';

const base = { eventName: 'pull_request', sha: 'merge', runId: 1, runAttempt: 2, repo: { owner: 'o', repo: 'r' } };

describe('report context', () => {
  it('uses the PR head SHA, not the merge commit', () => {
    const ctx = reportContextFrom({ ...base, payload: { pull_request: { number: 5, head: { sha: 'head' } } } });
    expect(ctx).toEqual({ owner: 'o', repo: 'r', prNumber: 5, headSha: 'head', runId: 1, runAttempt: 2 });
  });

  it('uses the workflow_run head for fork reports and GITHUB_SHA for pushes', () => {
    expect(headShaOf({ sha: 'x', payload: { workflow_run: { head_sha: 'wr' } } })).toBe('wr');
    const push = reportContextFrom({ ...base, eventName: 'push', payload: {} });
    expect(push.headSha).toBe('merge');
    expect(push.prNumber).toBeUndefined();
  });
});
