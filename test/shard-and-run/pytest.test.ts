import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startGitHubStandIn, type GitHubStandIn } from '@gauntlet/github-api-standin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEAD_SHA, matrixFlow, PYTEST_SUITE, sampleWorkspace } from './helpers.js';

/**
 * Real pytest in its default configuration through the bundle (plan → 2 shards → merge), as the flagship
 * pipeline.yml runs it. pytest ≥ 6 writes xunit2 JUnit, which names no files: before its classnames were mapped
 * back to node ids, the merge warned that planned files had no test case, annotations pointed at
 * `tests.test_flaky`, retries re-ran every item, and recorded timings never matched a discovered test.
 */
let gh: GitHubStandIn;

beforeAll(async () => {
  gh = await startGitHubStandIn({ seed: 13 });
  gh.seedPull(7, { headSha: HEAD_SHA });
});

afterAll(async () => {
  await gh?.close();
});

const COMMAND = 'python3 -m pytest -q -p no:cacheprovider --junitxml=junit.xml {tests}';

describe('pytest (default xunit2 JUnit) through the bundle', () => {
  it('matches every case to its node id: retries only the failures, flaky marked, annotations at the file', async () => {
    const workspace = await sampleWorkspace(PYTEST_SUITE);
    const { plan, runs, merge } = await matrixFlow(workspace, {
      shards: 2,
      gh,
      command: COMMAND,
      planInputs: {
        runner: 'pytest',
        discovery: 'runner',
        'list-command': 'python3 -m pytest --collect-only -q -p no:cacheprovider',
        command: COMMAND,
        tests: '',
      },
      runInputs: { retries: '2' },
      env: { PYTHONDONTWRITEBYTECODE: '1' },
    });
    expect(plan.main.exitCode, plan.main.rawOutput).toBe(0);
    const planJson = JSON.parse(await readFile(path.join(workspace, 'gauntlet-shard-plan.json'), 'utf8'));
    expect(planJson.granularity).toBe('test');
    expect(planJson.tests.total).toBe(7);

    // Retry 1 runs the two failing tests (on one shard or two), retry 2 only the one still failing: 3 in all.
    const retries = runs.flatMap((r) =>
      r.main.log.flatMap((l) => {
        const m = /Retry (\d) of 2: running (\d+) item/.exec(l);
        return m ? [{ retry: Number(m[1]), items: Number(m[2]) }] : [];
      }),
    );
    expect(retries.filter((r) => r.retry === 2)).toEqual([{ retry: 2, items: 1 }]);
    expect(retries.reduce((sum, r) => sum + r.items, 0)).toBe(3);

    expect(merge.main.exitCode, merge.main.rawOutput).toBe(1);
    expect(merge.outputs).toMatchObject({ tests: '7', failed: '1', flaky: '1', 'missing-shards': '' });
    expect(merge.main.rawOutput).not.toMatch(/had no test case|run by no (shard|worker)/);
    const check = gh.store.checkRuns.find((c) => c.name === 'Tests');
    const annotations = gh.store.annotations.get(check!.id) ?? [];
    expect(annotations.map((a) => a.path)).toEqual(['tests/test_flaky.py']);
    expect(annotations[0]!.title).toContain('test_always_broken');
  });
});
