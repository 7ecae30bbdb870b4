import { describe, expect, it } from 'vitest';
import type { WorkflowRun } from './workflow-run.js';
import { writeTrust } from './write-trust.js';

function run(eventName: string, ref: string, defaultBranch: string | null = 'main'): WorkflowRun {
  return {
    eventName,
    ref,
    owner: 'acme',
    repo: 'shop',
    runId: 1,
    runAttempt: 1,
    sha: 'b'.repeat(40),
    headSha: 'b'.repeat(40),
    prNumber: undefined,
    serverUrl: 'https://github.com',
    apiUrl: 'https://api.github.com',
    workspace: '/w',
    event: defaultBranch === null ? {} : { repository: { default_branch: defaultBranch } },
  };
}

const timings = (trustedRefs: readonly string[] = []) => ({ writes: 'timings', trustedRefs });

describe('writeTrust', () => {
  it('trusts pushes, schedules and manual runs on the default branch', () => {
    for (const event of ['push', 'schedule', 'workflow_dispatch']) {
      expect(writeTrust(run(event, 'refs/heads/main'), timings())).toEqual({
        trusted: true,
        reason: 'a run on the default branch',
      });
      expect(writeTrust(run(event, 'refs/heads/main'), { writes: 'the history' }).trusted).toBe(true);
    }
  });

  it('trusts refs named in trusted-refs, and nothing else', () => {
    expect(writeTrust(run('push', 'refs/heads/release'), timings(['refs/heads/release'])).trusted).toBe(true);
    const feature = writeTrust(run('push', 'refs/heads/feature'), timings(['refs/heads/release']));
    expect(feature).toEqual({
      trusted: false,
      reason: 'the ref is neither the default branch nor named in trusted-refs',
    });
  });

  it('never trusts pull requests and their kin, even from a branch called main or a ref named trusted', () => {
    for (const event of ['pull_request', 'pull_request_target', 'workflow_run', 'merge_group', 'issue_comment']) {
      const decision = writeTrust(run(event, 'refs/heads/main'), timings(['refs/heads/main']));
      expect(decision.trusted).toBe(false);
      expect(decision.reason).toBe(`a ${event} run never writes timings (only push, schedule and manual runs)`);
      expect(writeTrust(run(event, 'refs/heads/main'), { writes: 'the history' }).reason).toContain(
        'never writes the history',
      );
    }
  });

  it('names trusted-refs only for an action that has the input', () => {
    expect(writeTrust(run('push', 'refs/heads/feature'), { writes: 'the history' }).reason).toBe(
      'the ref is not the default branch',
    );
    expect(writeTrust(run('push', 'refs/heads/main', null), { writes: 'the history' }).reason).toBe(
      'the default branch is unknown (no repository in the event)',
    );
    expect(writeTrust(run('push', 'refs/heads/main', null), timings()).reason).toBe(
      'the default branch is unknown (no repository in the event) and the ref is not named in trusted-refs',
    );
  });

  it('trusts nothing on a missing default branch, an empty ref or an empty branch name', () => {
    expect(writeTrust(run('push', 'refs/heads/', ''), timings()).trusted).toBe(false);
    expect(writeTrust(run('push', '', null), timings([''])).trusted).toBe(false);
    expect(writeTrust(run('push', 'refs/heads/main', null), timings()).trusted).toBe(false);
  });

  it('never shows an event name that is not one of the runner’s words', () => {
    for (const forged of ['::error::x', 'push\n::warning::y', '##[set-output name=a]b', 'x'.repeat(500)]) {
      const decision = writeTrust(run(forged, 'refs/heads/main'), timings(['refs/heads/main']));
      expect(decision.trusted).toBe(false);
      expect(decision.reason).toBe(
        'a run of an unrecognised event never writes timings (only push, schedule and manual runs)',
      );
    }
  });
});
