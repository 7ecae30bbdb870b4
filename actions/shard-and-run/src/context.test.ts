import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunContext, timingTrust } from './context.js';

async function ctx(event: string, ref: string, payload: unknown) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ctx-'));
  await writeFile(path.join(dir, 'event.json'), JSON.stringify(payload));
  return readRunContext({
    GITHUB_EVENT_NAME: event,
    GITHUB_REF: ref,
    GITHUB_EVENT_PATH: path.join(dir, 'event.json'),
    GITHUB_SHA: 'b'.repeat(40),
  });
}

describe('timingTrust', () => {
  const repo = { repository: { default_branch: 'main' } };
  it('trusts pushes, schedules and manual runs on the default branch', async () => {
    for (const event of ['push', 'schedule', 'workflow_dispatch']) {
      expect(timingTrust(await ctx(event, 'refs/heads/main', repo), []).trusted).toBe(true);
    }
  });
  it('trusts refs named in trusted-refs, and nothing else', async () => {
    expect(timingTrust(await ctx('push', 'refs/heads/release', repo), ['refs/heads/release']).trusted).toBe(true);
    expect(timingTrust(await ctx('push', 'refs/heads/feature', repo), ['refs/heads/release']).trusted).toBe(false);
  });
  it('never trusts pull requests, even from a branch called main', async () => {
    for (const event of ['pull_request', 'pull_request_target', 'workflow_run', 'merge_group', 'issue_comment']) {
      const decision = timingTrust(await ctx(event, 'refs/heads/main', repo), ['refs/heads/main']);
      expect(decision.trusted).toBe(false);
      expect(decision.reason).toContain(event);
    }
  });
  it('reads the PR head SHA and number from the event', async () => {
    const c = await ctx('pull_request', 'refs/pull/7/merge', {
      pull_request: { number: 7, head: { sha: 'a'.repeat(40) } },
    });
    expect(c.headSha).toBe('a'.repeat(40));
    expect(c.prNumber).toBe(7);
    expect(c.sha).toBe('b'.repeat(40));
  });
});
