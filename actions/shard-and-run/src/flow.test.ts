import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseJUnitXml } from '@gauntlet/sharding';
import { describe, expect, it } from 'vitest';
import { FIXTURE_SUITE, NODE_TEST_COMMAND, runInProcess, tempWorkspace } from './test-helpers.js';

/**
 * The matrix flow in-process on the sample suite: plan → run every shard → merge. The suite has a test that always
 * fails and one that fails on the first try only.
 */
describe('plan → run → merge on the sample suite', () => {
  it('runs every test exactly once, retries failures, marks the flaky test and fails on the real failure', async () => {
    const workspace = await tempWorkspace(FIXTURE_SUITE);
    const plan = await runInProcess({ workspace, inputs: { mode: 'plan', tests: 'tests/**/*.test.mjs', shards: '3' } });
    expect(plan.error).toBeUndefined();
    expect(JSON.parse(plan.outputs['matrix']!)).toEqual({
      shard: [1, 2, 3],
      shardTotal: [3],
      planId: [plan.outputs['plan-id']],
    });

    const runs = [];
    for (const i of [1, 2, 3]) {
      runs.push(
        await runInProcess({
          workspace,
          inputs: {
            mode: 'run',
            shard: `${i}/3`,
            plan: 'gauntlet-shard-plan.json',
            command: NODE_TEST_COMMAND,
            'junit-path': 'junit.xml',
          },
        }),
      );
    }
    const failedShards = runs.filter((r) => r.error);
    expect(failedShards).toHaveLength(1); // the shard with the always-failing test
    expect(failedShards[0]!.error!.message).toMatch(/1 test failed/);

    const merge = await runInProcess({ workspace, inputs: { mode: 'merge', plan: 'gauntlet-shard-plan.json' } });
    expect(merge.error?.message).toBe('1 test failed');
    expect(merge.outputs).toMatchObject({
      conclusion: 'failure',
      tests: '12',
      failed: '1',
      flaky: '1',
      skipped: '1',
      'missing-shards': '',
    });
    const merged = parseJUnitXml(await readFile(path.join(workspace, 'gauntlet-junit.xml'), 'utf8'));
    const names = merged.suites.flatMap((s) => s.cases.map((c) => `${c.file}::${c.name}`)).sort();
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(12);
    const flaky = merged.suites.flatMap((s) => s.cases).find((c) => c.name === 'talks to a slow dependency');
    expect(flaky?.status).toBe('flaky');
    const summary = merge.summary.text();
    expect(summary).toContain('```mermaid');
    expect(summary).toContain('Flaky');
    expect(summary).toContain('reverses a palindrome');
  });
});

describe('the runner a shard uses', () => {
  const pytestSuite = path.resolve(import.meta.dirname, '../../../test/shard-and-run/fixtures/pytest-suite');
  const planInputs = {
    mode: 'plan',
    runner: 'pytest',
    discovery: 'runner',
    'list-command': 'python3 -m pytest --collect-only -q -p no:cacheprovider',
    command: 'python3 -m pytest -q -p no:cacheprovider {tests}',
    shards: '2',
  };
  const run = (workspace: string, extra: Record<string, string>) =>
    runInProcess({
      workspace,
      inputs: {
        mode: 'run',
        shard: '1/2',
        plan: 'gauntlet-shard-plan.json',
        command: 'python3 -m pytest -q -p no:cacheprovider {tests}',
        ...extra,
      },
      env: { PYTHONDONTWRITEBYTECODE: '1' },
    });

  it('is the plan’s when the run step does not name one, and a different one is refused before anything runs', async () => {
    const workspace = await tempWorkspace(pytestSuite);
    const plan = await runInProcess({ workspace, inputs: planInputs });
    expect(plan.error).toBeUndefined();
    expect(JSON.parse(await readFile(path.join(workspace, 'gauntlet-shard-plan.json'), 'utf8')).runner).toBe('pytest');

    const generic = await run(workspace, { runner: 'generic' });
    expect(generic.error?.message).toMatch(/runner.*is generic, but the plan was made for pytest/);
    expect(generic.logger.text()).not.toMatch(/passed|failed in/);

    const inherited = await run(workspace, {});
    // Shard 1 runs its own node ids only, never whole files (which would run tests planned on shard 2).
    const log = inherited.logger.text();
    const ran = Number(/(\d+) passed/.exec(log)?.[1] ?? 0) + Number(/(\d+) failed/.exec(log)?.[1] ?? 0);
    const planned = JSON.parse(await readFile(path.join(workspace, 'gauntlet-shard-plan.json'), 'utf8')).shards[0].items
      .length;
    expect(planned).toBeGreaterThan(0);
    expect(ran).toBe(planned);
  });
});

describe('plan mode refuses what cannot be right', () => {
  it('fails when discovery finds no tests, unless allow-no-tests says an empty suite is meant', async () => {
    const workspace = await tempWorkspace(FIXTURE_SUITE);
    const inputs = { mode: 'plan', tests: 'spec/**/*.test.mjs', shards: '2' };
    const refused = await runInProcess({ workspace, inputs });
    expect(refused.error?.message).toMatch(/allow-no-tests.*found no tests; check the tests globs/);
    expect(refused.outputs['matrix']).toBeUndefined();
    const allowed = await runInProcess({ workspace, inputs: { ...inputs, 'allow-no-tests': 'true' } });
    expect(allowed.error).toBeUndefined();
    expect(allowed.logger.text()).toContain('No tests were discovered');
  });

  it('refuses granularity "test" for a runner that cannot select tests before the listing runs', async () => {
    const workspace = await tempWorkspace(FIXTURE_SUITE);
    const marker = path.join(workspace, 'listing-ran');
    const result = await runInProcess({
      workspace,
      inputs: {
        mode: 'plan',
        runner: 'vitest',
        discovery: 'runner',
        'list-command': `node -e "require('fs').writeFileSync(process.argv[1], '')" ${marker}`,
        granularity: 'test',
        command: 'npx vitest run {tests}',
      },
    });
    expect(result.error?.message).toMatch(/granularity.*"test" needs a runner that can run single tests/);
    await expect(stat(marker)).rejects.toThrow();
  });

  it('counts files as files and tests as tests', async () => {
    const workspace = await tempWorkspace(FIXTURE_SUITE);
    const plan = await runInProcess({ workspace, inputs: { mode: 'plan', tests: 'tests/**/*.test.mjs', shards: '2' } });
    expect(plan.logger.text()).toMatch(/Discovered 5 files \(globs\)/);
  });
});
