import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { identityFor, readRunContext } from './context.js';

function env(eventName: string, payload: unknown, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ctx-')), 'event.json');
  writeFileSync(file, JSON.stringify(payload));
  return {
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: file,
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_RUN_ID: '55',
    GITHUB_RUN_ATTEMPT: '2',
    GITHUB_SHA: 'f'.repeat(40),
    GITHUB_REF: 'refs/pull/7/merge',
    ...extra,
  };
}

describe('readRunContext', () => {
  it('reads the PR, its head SHA and the repository id from a pull_request event', () => {
    const ctx = readRunContext(
      env('pull_request', {
        number: 7,
        pull_request: { number: 7, head: { sha: 'a'.repeat(40) } },
        repository: { id: 123, full_name: 'acme/shop' },
      }),
    );
    expect(ctx).toMatchObject({
      prNumber: 7,
      headSha: 'a'.repeat(40),
      repositoryId: '123',
      runId: 55,
      runAttempt: 2,
      forkEvent: undefined,
    });
    expect(identityFor(ctx, undefined, 'pv')).toEqual({
      repositoryId: '123',
      target: { kind: 'pr', number: 7 },
      prefix: 'pv',
    });
  });

  it('keys push events by ref and falls back to GITHUB_REPOSITORY_ID', () => {
    const ctx = readRunContext(
      env('push', { ref: 'refs/heads/main' }, { GITHUB_REF: 'refs/heads/main', GITHUB_REPOSITORY_ID: '99' }),
    );
    expect(identityFor(ctx, undefined, undefined)).toEqual({
      repositoryId: '99',
      target: { kind: 'ref', ref: 'refs/heads/main' },
    });
    expect(identityFor(ctx, 12, undefined).target).toEqual({ kind: 'pr', number: 12 });
  });

  it('NS-19: flags pull_request_target and workflow_run from forks, not same-repository ones', () => {
    const base = { repository: { id: 1, full_name: 'acme/shop' } };
    const fork = readRunContext(
      env('pull_request_target', {
        ...base,
        pull_request: {
          number: 3,
          head: { repo: { full_name: 'mallory/shop', fork: true } },
          base: { repo: { full_name: 'acme/shop' } },
        },
      }),
    );
    expect(fork.forkEvent).toMatch(/pull_request_target/);
    const deleted = readRunContext(
      env('pull_request_target', {
        ...base,
        pull_request: { number: 3, head: { repo: null }, base: { repo: { full_name: 'acme/shop' } } },
      }),
    );
    expect(deleted.forkEvent).toMatch(/deleted or unknown/);
    const same = readRunContext(
      env('pull_request_target', {
        ...base,
        pull_request: {
          number: 3,
          head: { repo: { full_name: 'acme/shop' } },
          base: { repo: { full_name: 'acme/shop' } },
        },
      }),
    );
    expect(same.forkEvent).toBeUndefined();
    const run = readRunContext(
      env('workflow_run', { ...base, workflow_run: { head_repository: { full_name: 'mallory/shop' } } }),
    );
    expect(run.forkEvent).toMatch(/workflow_run/);
    expect(
      readRunContext(
        env('pull_request', {
          ...base,
          pull_request: { number: 3, head: { repo: { full_name: 'mallory/shop', fork: true } } },
        }),
      ).forkEvent,
    ).toBeUndefined();
  });

  it('ignores a malformed event file and an invalid repository id', () => {
    const ctx = readRunContext({ GITHUB_EVENT_PATH: '/nonexistent', GITHUB_REPOSITORY_ID: '12a' });
    expect(ctx.repositoryId).toBeUndefined();
    expect(() => identityFor(ctx, 1, undefined)).toThrow(/repository id/);
  });
});
