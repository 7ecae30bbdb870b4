import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startGitHubStandIn, type GitHubStandIn } from '@gauntlet/github-api-standin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEAD_SHA, matrixFlow, RSPEC_SUITE, sampleWorkspace } from './helpers.js';

/**
 * Real RSpec (Debian's ruby-rspec, with ruby-rspec-junit-formatter) through the bundle: plan from
 * `rspec --dry-run --format json` by test, shards run by example id, JUnit from rspec_junit_formatter merged.
 * rspec_junit_formatter names a case by full description and the file of its top-level group, which is how the
 * listing names a test, so results, retries and timings match the plan.
 */
let gh: GitHubStandIn;

beforeAll(async () => {
  gh = await startGitHubStandIn({ seed: 17 });
  gh.seedPull(9, { headSha: HEAD_SHA });
});

afterAll(async () => {
  await gh?.close();
});

const COMMAND = 'rspec --format progress --format RspecJunitFormatter --out junit.xml {tests}';

describe('RSpec through the bundle', () => {
  it('plans examples from --dry-run, runs them by id, retries only the failures, merges every case', async () => {
    const workspace = await sampleWorkspace(RSPEC_SUITE);
    const { plan, runs, merge } = await matrixFlow(workspace, {
      shards: 2,
      gh,
      command: COMMAND,
      planInputs: { runner: 'rspec', discovery: 'runner', command: COMMAND, tests: '' },
      runInputs: { retries: '2' },
    });
    expect(plan.main.exitCode, plan.main.rawOutput).toBe(0);
    const planJson = JSON.parse(await readFile(path.join(workspace, 'gauntlet-shard-plan.json'), 'utf8'));
    expect(planJson.granularity).toBe('test');
    // 8 examples; the two "Math adds" are one test (JUnit cannot tell them apart), run by both ids.
    expect(planJson.tests.total).toBe(7);
    expect(planJson.selectors['spec/math_spec.rb::Math adds']).toBe('./spec/math_spec.rb[1:1,1:2]');
    expect(planJson.selectors['spec/math_spec.rb::Math Array behaves like a collection is enumerable']).toBe(
      './spec/math_spec.rb[1:4:1:1]',
    );

    // Every shard ran its examples by id (RSpec says so: "Run options: include {:ids=>…}"), never a whole file.
    for (const r of runs) expect(r.main.log.join('\n')).toMatch(/Run options: include \{:ids=>/);

    // Retry 1 runs the two failing examples, retry 2 only the one still failing: 3 in all.
    const retries = runs.flatMap((r) =>
      r.main.log.flatMap((l) => {
        const m = /Retry (\d) of 2: running (\d+) item/.exec(l);
        return m ? [{ retry: Number(m[1]), items: Number(m[2]) }] : [];
      }),
    );
    expect(retries.filter((r) => r.retry === 2)).toEqual([{ retry: 2, items: 1 }]);
    expect(retries.reduce((sum, r) => sum + r.items, 0)).toBe(3);

    expect(merge.main.exitCode, merge.main.rawOutput).toBe(1);
    expect(merge.outputs).toMatchObject({ failed: '1', flaky: '1', 'missing-shards': '' });
    expect(merge.main.rawOutput).not.toMatch(/had no test case|run by no (shard|worker)/);
    const check = gh.store.checkRuns.find((c) => c.name === 'Tests');
    const annotations = gh.store.annotations.get(check!.id) ?? [];
    expect(annotations.map((a) => a.path)).toEqual(['spec/flaky_spec.rb']);
    expect(annotations[0]!.title).toContain('Flaky is always broken');
  });
});
