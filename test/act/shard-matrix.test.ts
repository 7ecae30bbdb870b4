/**
 * workflows-examples/shard-matrix.yml, unchanged, under nektos/act on the shop fixture (vitest suite):
 * - a push to main plans with estimates, runs, merges and saves the timings to the Actions cache (act's v1 server);
 * - the next pull request run plans with those timings, and reports one "Tests" check run and one sticky comment;
 * - a run whose payment service is down fails; its re-run (attempt 2 of the same run, the failed shard only, with the
 *   service back) runs ONLY the test that failed (rerun: failed), and the merge then passes.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { ActHarness, freePort, pullRequestEvent, pushEvent, type FixtureRepo } from '@gauntlet/act-harness';
import { startGitHubStandIn, type GitHubStandIn } from '@gauntlet/github-api-standin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let gh: GitHubStandIn;
let harness: ActHarness;
let repo: FixtureRepo;
let cacheDir: string;

beforeAll(async () => {
  gh = await startGitHubStandIn({ seed: 9, owner: 'acme', repo: 'shop' });
  harness = await ActHarness.start({ github: gh });
  repo = await harness.repo('shop');
  gh.seedPull(7, { headSha: repo.prHeadSha });
  cacheDir = await harness.cacheDir('shop');
}, 600_000);

afterAll(async () => {
  const summary = harness?.summary();
  if (summary) process.stderr.write(`[act] shard-matrix.yml runs: ${JSON.stringify(summary)}\n`);
  await harness?.close();
  await gh?.close();
});

function testLines(file: string): Promise<string[]> {
  return readFile(file, 'utf8').then(
    (text) => text.split('\n').filter((l) => l !== ''),
    () => [],
  );
}

describe('shard-matrix.yml under act', () => {
  it('push to main: plans with estimates, merges and saves the timings', async () => {
    await repo.checkout('main');
    const run = await harness.run({
      workflow: 'shard-matrix.yml',
      repo,
      event: 'push',
      payload: pushEvent(repo),
      cacheDir,
    });
    expect(run.jobs.map((j) => [j.id, j.conclusion])).toEqual(
      expect.arrayContaining([
        ['plan', 'success'],
        ['test', 'success'],
        ['merge', 'success'],
      ]),
    );
    expect(run.job('plan').log.join('\n')).toContain('No timings in the Actions cache yet');
    const merge = run.job('merge');
    expect(merge.log.join('\n')).toContain('Timings saved to the Actions cache.');
    const mergeOutputs = Object.values(merge.outputs).find((o) => o['tests'] !== undefined)!;
    expect(mergeOutputs).toMatchObject({ tests: '8', passed: '8', failed: '0', conclusion: 'success' });
    // The push reports its check run on main's commit; there is no pull request to comment on.
    expect(gh.store.checkRuns.filter((c) => c.head_sha === repo.mainSha).map((c) => [c.name, c.conclusion])).toEqual([
      ['Tests', 'success'],
    ]);
    expect(gh.store.comments).toEqual([]);
    expect(gh.violations).toEqual([]);
  }, 600_000);

  it('pull request: plans with the timings the push saved; one check run and one sticky comment', async () => {
    await repo.checkout('pr');
    const testLog = path.join(harness.workDir, 'pr-tests.log');
    const run = await harness.run({
      workflow: 'shard-matrix.yml',
      repo,
      event: 'pull_request',
      payload: pullRequestEvent(repo, { number: 7, action: 'opened' }),
      cacheDir,
      env: { SHOP_TEST_LOG: testLog },
    });
    expect(run.exitCode).toBe(0);
    const plan = run.job('plan');
    expect(plan.conclusion).toBe('success');
    expect(plan.log.join('\n')).toMatch(/4 tests \(4 with timings/);
    const matrix = JSON.parse(plan.outputs['plan']!['matrix']!) as { shard: number[] };
    expect(matrix.shard.length).toBeGreaterThanOrEqual(1);
    for (const shard of matrix.shard) expect(run.job('test', { shard }).conclusion).toBe('success');
    expect(run.job('merge').conclusion).toBe('success');
    expect((await testLines(testLog)).length).toBe(8);

    const checks = gh.store.checkRuns.filter((c) => c.head_sha === repo.prHeadSha);
    expect(checks.map((c) => [c.name, c.status, c.conclusion])).toEqual([['Tests', 'completed', 'success']]);
    const comments = gh.store.comments.filter((c) => c.issue_url.endsWith('/issues/7'));
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('8 tests');
    expect(gh.violations).toEqual([]);
  }, 600_000);

  it('a failed shard re-run runs only the tests that failed, and the merge then passes', async () => {
    await repo.checkout('pr');
    const port = await freePort();
    const payments = `http://127.0.0.1:${port}`;
    const firstLog = path.join(harness.workDir, 'attempt-1-tests.log');
    const first = await harness.run({
      workflow: 'shard-matrix.yml',
      repo,
      event: 'pull_request',
      payload: pullRequestEvent(repo, { number: 7, action: 'synchronize' }),
      cacheDir,
      env: { SHOP_PAYMENTS_URL: payments, SHOP_TEST_LOG: firstLog },
    });
    expect(first.job('plan').conclusion).toBe('success');
    const matrix = JSON.parse(first.job('plan').outputs['plan']!['matrix']!) as { shard: number[] };
    const failed = matrix.shard.filter((shard) => first.job('test', { shard }).conclusion === 'failure');
    expect(failed).toHaveLength(1);
    expect(first.job('merge').conclusion).toBe('failure');
    expect((await testLines(firstLog)).length).toBe(8 + 2); // payments ran 3 times: retries: 2
    const failedCheck = gh.store.checkRuns.filter((c) => c.head_sha === repo.prHeadSha).at(-1)!;
    expect(failedCheck.conclusion).toBe('failure');

    // The payment service is back; "Re-run failed jobs": attempt 2 of the same run, the failed shard and the merge.
    const server: Server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ authorised: req.method === 'POST' && req.url === '/authorise' }));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const secondLog = path.join(harness.workDir, 'attempt-2-tests.log');
      const second = await harness.run({
        workflow: 'shard-matrix.yml',
        repo,
        event: 'pull_request',
        payload: pullRequestEvent(repo, { number: 7, action: 'synchronize' }),
        cacheDir,
        run: first.run,
        attempt: 2,
        job: 'merge',
        matrix: { shard: failed.map(String) },
        env: { SHOP_PAYMENTS_URL: payments, SHOP_TEST_LOG: secondLog },
      });
      const leg = second.job('test', { shard: failed[0] });
      expect(leg.conclusion).toBe('success');
      expect(leg.log.join('\n')).toMatch(/re-running only the 1 item that failed in attempt 1/);
      expect(await testLines(secondLog)).toEqual(['payments: authorises a card payment']);
      const merge = second.job('merge');
      expect(merge.conclusion).toBe('success');
      const outputs = Object.values(merge.outputs).find((o) => o['tests'] !== undefined)!;
      expect(outputs).toMatchObject({ tests: '8', failed: '0', conclusion: 'success' });
    } finally {
      server.close();
    }
    const checks = gh.store.checkRuns.filter((c) => c.head_sha === repo.prHeadSha);
    expect(checks.at(-1)!.conclusion).toBe('success');
    expect(gh.store.comments.filter((c) => c.issue_url.endsWith('/issues/7'))).toHaveLength(1);
    expect(gh.violations).toEqual([]);
  }, 900_000);
});
