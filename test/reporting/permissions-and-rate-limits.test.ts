/** RP-07 (fork PR, read-only token), RP-11 (one permission missing), RP-06 (rate limits). */
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import { type PublishReportOptions } from '@gauntlet/github';
import { type GitHubStandIn } from '@gauntlet/github-api-standin';
import { client, context, HEAD_SHA, ourComments, publish, standIn } from './helpers.js';

let gh: GitHubStandIn;
afterEach(async () => {
  expect(gh.violations).toEqual([]);
  await gh.close();
});

const FORK_TOKEN = `ghs_${'f'.repeat(36)}`;
const section = { action: 'shard-and-run', title: 'Tests', markdown: '**3** failed' };
const checkRun = {
  name: 'Gauntlet / shard-and-run',
  conclusion: 'failure' as const,
  title: '3 failed',
  summary: '**3** failed',
};

/** What an action does with its own verdict: the exit code never depends on reporting. */
async function runAction(options: Parameters<typeof publish>[1], testsFailed: boolean) {
  const published = await publish(gh, options);
  return { exitCode: testsFailed ? 1 : 0, ...published };
}

function writes(from: number) {
  // POST /graphql carries the viewer query, a read.
  return gh.requests.slice(from).filter((r) => r.method !== 'GET' && r.operationId !== 'graphql');
}

describe('permissions', () => {
  it('RP-07: a fork PR (read-only token) gets the job summary only, one warning, the same exit code', async () => {
    gh = await standIn({ tokens: { [FORK_TOKEN]: { login: 'github-actions[bot]', type: 'Bot', readOnly: true } } });
    gh.seedPull(21, { headSha: HEAD_SHA, headRepoFullName: 'forker/gauntlet' });
    gh.seedPull(22, { headSha: HEAD_SHA });
    const forkLogger = new RecordingLogger();
    const fork = await runAction(
      { octokit: client(gh, forkLogger, FORK_TOKEN), logger: forkLogger, context: context(gh, 21), section, checkRun },
      true,
    );
    const same = await runAction({ context: context(gh, 22), section, checkRun }, true);
    const warnings = fork.logger.messages('warning');
    console.log(
      `RP-07: fork → comment ${fork.result.comment.status}, check run ${fork.result.checkRun.status}, summary ${fork.result.summary.status}; ` +
        `warnings = ${warnings.length}; exit code fork/non-fork = ${fork.exitCode}/${same.exitCode}; comments on the fork PR = ${ourComments(gh, 21).length}`,
    );
    console.log(`RP-07 warning: ${warnings[0]}`);
    expect(fork.result.summary.status).toBe('written');
    expect(fork.summaryWriter.text()).toContain('**3** failed');
    expect(fork.result.comment.status).toBe('failed');
    expect(fork.result.checkRun.status).toBe('failed');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/fork pull requests get a read-only token/);
    expect(fork.exitCode).toBe(same.exitCode);
    expect(same.result.warning).toBeUndefined();
  });

  it('RP-11: without checks:write the comment is still written, and vice versa, each with one warning', async () => {
    gh = await standIn();
    gh.seedPull(23, { headSha: HEAD_SHA });
    gh.seedPull(24, { headSha: HEAD_SHA });

    gh.faults.add({ kind: 'forbidden-integration', path: '/check-runs' });
    let from = gh.requests.length;
    const noChecks = await publish(gh, { context: context(gh, 23, 1), section, checkRun });
    const noChecksWrites = writes(from)
      .filter((r) => r.status < 300)
      .map((r) => r.operationId);

    gh.faults.clear();
    gh.faults.add({ kind: 'forbidden-integration', path: '/issues/' });
    from = gh.requests.length;
    const noComments = await publish(gh, { context: context(gh, 24, 2), section, checkRun });
    const noCommentsWrites = writes(from)
      .filter((r) => r.status < 300)
      .map((r) => r.operationId);

    console.log(
      `RP-11: no checks:write → successful writes [${noChecksWrites.join(', ')}], warnings = ${noChecks.logger.messages('warning').length}; ` +
        `no pull-requests:write → successful writes [${noCommentsWrites.join(', ')}], warnings = ${noComments.logger.messages('warning').length}`,
    );
    expect(noChecks.result.comment.status).toBe('created');
    expect(noChecks.result.checkRun.status).toBe('failed');
    expect(noChecksWrites).toEqual(['issues/create-comment']);
    expect(noChecks.logger.messages('warning')).toHaveLength(1);
    expect(noComments.result.checkRun.status).toBe('created');
    expect(noComments.result.comment.status).toBe('failed');
    expect(noCommentsWrites).toEqual(['checks/create']);
    expect(noComments.logger.messages('warning')).toHaveLength(1);
  });
});

describe('rate limits', () => {
  async function limited(rule: Parameters<GitHubStandIn['faults']['add']>[0], pr: number) {
    gh.seedPull(pr, { headSha: HEAD_SHA });
    gh.faults.clear();
    gh.faults.add(rule);
    const logger = new RecordingLogger();
    const from = gh.requests.length;
    const options: Partial<PublishReportOptions> & Pick<PublishReportOptions, 'context' | 'section'> = {
      octokit: client(gh, logger, gh.token, { maxWaitSeconds: 60 }),
      logger,
      context: context(gh, pr, pr),
      section,
    };
    const { result, summaryWriter } = await publish(gh, options);
    const creates = gh.requests.slice(from).filter((r) => r.operationId === 'issues/create-comment').length;
    const waits = logger
      .messages('info')
      .filter((m) => /waiting/.test(m))
      .map((m) => Number(/waiting (\d+) s/.exec(m)?.[1]));
    return { result, summaryWriter, creates, waits, warnings: logger.messages('warning') };
  }

  it('RP-06: waits as told (at most 60 s, at most 2 retries), then degrades to the job summary', async () => {
    gh = await standIn();
    const retryAfter = await limited(
      { kind: 'secondary-rate-limit', retryAfterSeconds: 7, method: 'POST', path: '/comments$', times: 2 },
      31,
    );
    const fallback = await limited({ kind: 'secondary-rate-limit', method: 'POST', path: '/comments$', times: 1 }, 32);
    const persistent = await limited(
      { kind: 'secondary-rate-limit', retryAfterSeconds: 5, method: 'POST', path: '/comments$' },
      33,
    );
    const primary = await limited(
      { kind: 'primary-rate-limit', resetAfterSeconds: 120, method: 'POST', path: '/comments$' },
      34,
    );
    const line = (name: string, r: Awaited<ReturnType<typeof limited>>) =>
      `${name}: comment ${r.result.comment.status}, requests ${r.creates}, waits [${r.waits.join(', ')}] s, summary ${r.result.summary.status}, warnings ${r.warnings.length}`;
    console.log(`RP-06 ${line('secondary, retry-after 7 ×2', retryAfter)}`);
    console.log(`RP-06 ${line('secondary, no retry-after', fallback)}`);
    console.log(`RP-06 ${line('secondary, persistent', persistent)}`);
    console.log(`RP-06 ${line('primary, reset in 120 s', primary)}`);
    expect(retryAfter.result.comment.status).toBe('created');
    expect(retryAfter.creates).toBe(3);
    expect(retryAfter.waits).toEqual([7, 7]);
    expect(fallback.waits).toEqual([60]);
    expect(fallback.result.comment.status).toBe('created');
    expect(persistent.creates).toBe(3); // the first try and 2 retries, no more
    expect(persistent.result.comment.status).toBe('failed');
    expect(persistent.result.summary.status).toBe('written');
    expect(persistent.warnings).toHaveLength(1);
    expect(primary.creates).toBe(1); // 120 s is beyond the bound: no retry at all
    expect(primary.result.comment.status).toBe('failed');
    expect(primary.warnings).toHaveLength(1);
    expect(ourComments(gh, 33)).toHaveLength(0);
  });
});
