import { cp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startGitHubStandIn, type GitHubStandIn } from '@gauntlet/github-api-standin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runActionLocally } from '@gauntlet/local-runner';
import { runShardDemo } from './demo.js';
import { ACTION_DIR, HEAD_SHA, matrixFlow, prEvent, runShardAction, sampleWorkspace } from './helpers.js';

/**
 * The matrix flow end to end: the real bundle through the local runner (plan job → matrix run jobs → merge job) on
 * the sample suite, reporting to the GitHub stand-in, which checks every request against GitHub's OpenAPI.
 */
let gh: GitHubStandIn;

beforeAll(async () => {
  gh = await startGitHubStandIn({ seed: 5 });
  for (const pr of [7, 8]) gh.seedPull(pr, { headSha: HEAD_SHA });
});

afterAll(async () => {
  await gh?.close();
});

describe('plan → run → merge through the bundle', () => {
  it('runs every test once, retries, marks the flaky test, and reports the failure at its file and line', async () => {
    const workspace = await sampleWorkspace();
    const { plan, runs, merge } = await matrixFlow(workspace, { shards: 3, gh });
    expect(plan.main.exitCode, plan.main.rawOutput).toBe(0);
    expect(JSON.parse(plan.outputs['matrix'] ?? '')).toEqual({
      shard: [1, 2, 3],
      shardTotal: [3],
      planId: [plan.outputs['plan-id']],
    });
    expect(JSON.parse(plan.outputs['plan'] ?? '').id).toBe(plan.outputs['plan-id']);
    expect(runs.map((r) => r.main.exitCode).sort()).toEqual([0, 0, 1]);
    const failedRun = runs.find((r) => r.main.exitCode === 1)!;
    expect(failedRun.main.commands.find((c) => c.name === 'error')?.message).toMatch(
      /^shard-and-run: shard \d\/3: 1 test failed$/,
    );

    expect(merge.main.exitCode, merge.main.rawOutput).toBe(1);
    expect(merge.outputs).toMatchObject({
      conclusion: 'failure',
      tests: '12',
      failed: '1',
      flaky: '1',
      skipped: '1',
      'missing-shards': '',
    });
    expect(merge.main.commands.find((c) => c.name === 'error')?.message).toBe('shard-and-run: 1 test failed');

    // Check run "Tests" on the PR head, with the failure annotated at its line.
    const check = gh.store.checkRuns.find((c) => c.name === 'Tests');
    expect(check).toMatchObject({ head_sha: HEAD_SHA, conclusion: 'failure' });
    const annotations = gh.store.annotations.get(check!.id) ?? [];
    expect(annotations.map((a) => [a.path, a.start_line, a.annotation_level])).toEqual([
      ['tests/strings.test.mjs', 7, 'failure'],
    ]);
    expect(annotations[0]!.title).toContain('reverses a palindrome-free string');

    // The PR comment section: totals, failures, flaky, slowest, the gantt with the bound and a recommendation.
    const comment = gh.store.comments.find((c) => (c.body ?? '').includes('shard-and-run'));
    const body = comment?.body ?? '';
    for (const part of [
      '| 12 | 9 | 1 | 1 | 1 | 3 |',
      '#### Failures',
      '#### Flaky',
      '#### Slowest tests',
      '```mermaid',
      'lower bound',
      '**Recommended:**',
    ]) {
      expect(body).toContain(part);
    }
    expect(merge.summary).toContain('#### Shard balance');
    expect(gh.violations).toEqual([]);
  });

  // SH-09: a bad shard input stops the step before any test runs.
  it.each(['0/3', '4/3', 'a/b', '-1', '1/0'])('refuses shard %j before running anything', async (shard) => {
    const workspace = await sampleWorkspace();
    await writeFile(path.join(workspace, 'plan.json'), '{}');
    const result = await runShardAction({
      workspace,
      inputs: {
        mode: 'run',
        shard,
        plan: 'plan.json',
        command: `node -e 'require("fs").writeFileSync("ran", "x")' {files}`,
      },
    });
    expect(result.main.exitCode).toBe(1);
    const errors = result.main.commands.filter((c) => c.name === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/^shard-and-run: Input 'shard': /);
    await expect(stat(path.join(workspace, 'ran'))).rejects.toThrow();
    await expect(stat(path.join(workspace, 'gauntlet-shard-results'))).rejects.toThrow();
  });

  it('SH-05/06: a missing shard and a cancelled shard fail the merge by name; a duplicated result counts once', async () => {
    const workspace = await sampleWorkspace();
    const plan = await runShardAction({
      workspace,
      inputs: { mode: 'plan', tests: 'tests/**/*.test.mjs', shards: '3', timings: 'false' },
    });
    expect(plan.main.exitCode).toBe(0);
    const run = (i: number, command: string, cancelAfterMs?: number) =>
      runShardAction({
        workspace,
        inputs: { mode: 'run', shard: `${i}/3`, plan: 'gauntlet-shard-plan.json', command, 'fail-on-failure': 'false' },
        ...(cancelAfterMs ? { cancelAfterMs } : {}),
      });
    expect((await run(1, `node -e '' {files}`)).main.exitCode).toBe(0);

    // Shard 2 never reports (the runner died, or fail-fast cancelled it before it started).
    const missing = await runShardAction({ workspace, inputs: { mode: 'merge', plan: 'gauntlet-shard-plan.json' } });
    expect(missing.main.exitCode).toBe(1);
    expect(missing.outputs['missing-shards']).toBe('2,3');
    expect(missing.summary).toContain('missing: no result');
    // The merged JUnit does not read green: every file planned on shards 2 and 3 is an error that says why.
    const planned = JSON.parse(await readFile(path.join(workspace, 'gauntlet-shard-plan.json'), 'utf8'));
    const notRunFiles = planned.shards
      .slice(1)
      .flatMap((s: { items: { file: string }[] }) => s.items.map((i) => i.file));
    const junit = await readFile(path.join(workspace, 'gauntlet-junit.xml'), 'utf8');
    expect(junit).toMatch(new RegExp(`errors="${notRunFiles.length}"`));
    expect(junit).toContain('not run: shard 2 sent no result');
    expect(missing.summary).toContain('Did not run');

    // Shard 3 is cancelled while its tests run: it records that, and the merge says so.
    const cancelled = await run(3, `node -e 'setTimeout(() => {}, 60000)' {files}`, 1500);
    expect(cancelled.conclusion).toBe('cancelled');
    expect(cancelled.main.log.join('\n')).toContain('Received SIGINT');
    expect(
      JSON.parse(
        await readFile(path.join(workspace, 'gauntlet-shard-results/shard-3-of-3-attempt-1/result.json'), 'utf8'),
      ).status,
    ).toBe('cancelled');
    expect((await run(2, `node -e '' {files}`)).main.exitCode).toBe(0);

    // A duplicated artifact (the same shard and attempt uploaded twice) is de-duplicated.
    await cp(
      path.join(workspace, 'gauntlet-shard-results/shard-1-of-3-attempt-1'),
      path.join(workspace, 'gauntlet-shard-results/copy/shard-1-of-3-attempt-1'),
      {
        recursive: true,
      },
    );
    const merge = await runShardAction({ workspace, inputs: { mode: 'merge', plan: 'gauntlet-shard-plan.json' } });
    expect(merge.main.exitCode).toBe(1);
    expect(merge.outputs['missing-shards']).toBe('3');
    expect(merge.main.commands.find((c) => c.name === 'error')?.message).toBe('shard-and-run: 1 shard cancelled (3)');
    expect(
      merge.main.commands.some((c) => c.name === 'warning' && /Shard 1 attempt 1 arrived 2 times/.test(c.message)),
    ).toBe(true);
    expect(await readdir(path.join(workspace, 'gauntlet-shard-results'))).toHaveLength(4);
  });

  it('a re-run attempt with rerun: failed runs only the failures of the previous attempt', async () => {
    const workspace = await sampleWorkspace();
    const { plan, runs } = await matrixFlow(workspace, { shards: 2, gh });
    const failing = runs.findIndex((r) => r.main.exitCode === 1) + 1;
    expect(failing).toBeGreaterThan(0);
    const again = await runShardAction({
      workspace,
      gh,
      event: prEvent(gh, 8),
      runAttempt: 2,
      inputs: {
        mode: 'run',
        shard: `${failing}/2`,
        plan: 'gauntlet-shard-plan.json',
        'plan-id': plan.outputs['plan-id'] ?? '',
        command: 'node --test --test-reporter=junit --test-reporter-destination=junit.xml {files}',
        'junit-path': 'junit.xml',
        rerun: 'failed',
        retries: '0',
      },
    });
    expect(again.main.log.join('\n')).toMatch(/re-running only the 1 item that failed in attempt 1/);
    expect(again.outputs['tests']).toBe('3'); // strings.test.mjs only
    const merge = await runShardAction({
      workspace,
      gh,
      event: prEvent(gh, 8),
      runAttempt: 2,
      inputs: { mode: 'merge', plan: 'gauntlet-shard-plan.json' },
    });
    expect(merge.outputs).toMatchObject({ tests: '12', failed: '1', flaky: '1' });
    expect(gh.violations).toEqual([]);
  });

  it('the demo’s steps (runShardDemo) run plan, three shards and merge with every path under one directory', async () => {
    const pr = 9;
    gh.seedPull(pr, { headSha: HEAD_SHA });
    const demo = await runShardDemo((_, inputs, workspace) =>
      // Every step in the demo's one directory, as the demo's runStep does.
      runActionLocally({
        actionDir: ACTION_DIR,
        workspace,
        inputs: { 'github-token': gh.token, ...inputs },
        event: prEvent(gh, pr),
        env: { GITHUB_API_URL: gh.url, GITHUB_REPOSITORY: `${gh.owner}/${gh.repo}`, GITHUB_RUN_ID: '4242' },
        skipPost: true,
      }),
    );
    expect(demo.plan.main.exitCode).toBe(0);
    expect(demo.merge.outputs).toMatchObject({ tests: '12', failed: '1', flaky: '1' });
    expect(
      gh.store.comments.some((c) => c.issue_url.endsWith(`/issues/${pr}`) && (c.body ?? '').includes('```mermaid')),
    ).toBe(true);
    expect(gh.violations).toEqual([]);
  });
});
