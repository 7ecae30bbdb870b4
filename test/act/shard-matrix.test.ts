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
import { freePort, pullRequestEvent, pushEvent, startShopScenario, type ShopScenario } from '@gauntlet/act-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let scenario: ShopScenario;

beforeAll(async () => {
  scenario = await startShopScenario({ label: 'shard-matrix.yml', seed: 9, pr: 7 });
}, 600_000);

afterAll(async () => {
  await scenario?.close();
});

function testLines(file: string): Promise<string[]> {
  return readFile(file, 'utf8').then(
    (text) => text.split('\n').filter((l) => l !== ''),
    () => [],
  );
}

describe('shard-matrix.yml under act', () => {
  it('push to main: plans with estimates, merges and saves the timings', async () => {
    await scenario.repo.checkout('main');
    const run = await scenario.harness.run({
      workflow: 'shard-matrix.yml',
      repo: scenario.repo,
      event: 'push',
      payload: pushEvent(scenario.repo),
      cacheDir: scenario.cacheDir,
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
    expect(
      scenario.gh.store.checkRuns
        .filter((c) => c.head_sha === scenario.repo.mainSha)
        .map((c) => [c.name, c.conclusion]),
    ).toEqual([['Tests', 'success']]);
    expect(scenario.gh.store.comments).toEqual([]);
    expect(scenario.gh.violations).toEqual([]);
  }, 600_000);

  it('pull request: plans with the timings the push saved; one check run and one sticky comment', async () => {
    await scenario.repo.checkout('pr');
    const testLog = path.join(scenario.harness.workDir, 'pr-tests.log');
    const run = await scenario.harness.run({
      workflow: 'shard-matrix.yml',
      repo: scenario.repo,
      event: 'pull_request',
      payload: pullRequestEvent(scenario.repo, { number: 7, action: 'opened' }),
      cacheDir: scenario.cacheDir,
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

    const checks = scenario.gh.store.checkRuns.filter((c) => c.head_sha === scenario.repo.prHeadSha);
    expect(checks.map((c) => [c.name, c.status, c.conclusion])).toEqual([['Tests', 'completed', 'success']]);
    const comments = scenario.commentsOn();
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('8 tests');
    expect(scenario.gh.violations).toEqual([]);
  }, 600_000);

  it('a failed shard re-run runs only the tests that failed, and the merge then passes', async () => {
    await scenario.repo.checkout('pr');
    const port = await freePort();
    const payments = `http://127.0.0.1:${port}`;
    const firstLog = path.join(scenario.harness.workDir, 'attempt-1-tests.log');
    const first = await scenario.harness.run({
      workflow: 'shard-matrix.yml',
      repo: scenario.repo,
      event: 'pull_request',
      payload: pullRequestEvent(scenario.repo, { number: 7, action: 'synchronize' }),
      cacheDir: scenario.cacheDir,
      env: { SHOP_PAYMENTS_URL: payments, SHOP_TEST_LOG: firstLog },
    });
    expect(first.job('plan').conclusion).toBe('success');
    const matrix = JSON.parse(first.job('plan').outputs['plan']!['matrix']!) as { shard: number[] };
    const failed = matrix.shard.filter((shard) => first.job('test', { shard }).conclusion === 'failure');
    expect(failed).toHaveLength(1);
    expect(first.job('merge').conclusion).toBe('failure');
    expect((await testLines(firstLog)).length).toBe(8 + 2); // payments ran 3 times: retries: 2
    const failedCheck = scenario.gh.store.checkRuns.filter((c) => c.head_sha === scenario.repo.prHeadSha).at(-1)!;
    expect(failedCheck.conclusion).toBe('failure');

    // The payment service is back; "Re-run failed jobs": attempt 2 of the same run, the failed shard and the merge.
    const server: Server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ authorised: req.method === 'POST' && req.url === '/authorise' }));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const secondLog = path.join(scenario.harness.workDir, 'attempt-2-tests.log');
      const second = await scenario.harness.run({
        workflow: 'shard-matrix.yml',
        repo: scenario.repo,
        event: 'pull_request',
        payload: pullRequestEvent(scenario.repo, { number: 7, action: 'synchronize' }),
        cacheDir: scenario.cacheDir,
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
    const checks = scenario.gh.store.checkRuns.filter((c) => c.head_sha === scenario.repo.prHeadSha);
    expect(checks.at(-1)!.conclusion).toBe('success');
    expect(scenario.commentsOn()).toHaveLength(1);
    expect(scenario.gh.violations).toEqual([]);
  }, 900_000);
});
