import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startGitHubStandIn, type GitHubStandIn } from '@gauntlet/github-api-standin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NODE_TEST_COMMAND, runShardAction, sampleWorkspace } from './helpers.js';

/**
 * The per-shard fixed cost through the bundle: on a runner (RUNNER_NAME set) each shard reads its own job from the
 * Actions jobs API (the GitHub stand-in, validated against GitHub's OpenAPI) and records the time from the job's
 * creation — queueing included — to its first test in its timing partial; the merge feeds the shards' median to its
 * shard-count recommendation. Without `actions: read` the shards still run and the fixed cost stays unmeasured.
 */
const NO_ACTIONS_TOKEN = 'ghs_NoActionsReadPermission0000000000000';
const TESTS = 'tests/math.test.mjs\ntests/api.test.mjs\ntests/slow.test.mjs';
let gh: GitHubStandIn;

beforeAll(async () => {
  gh = await startGitHubStandIn({
    seed: 11,
    tokens: { [NO_ACTIONS_TOKEN]: { login: 'github-actions[bot]', type: 'Bot', canReadActions: false } },
  });
  gh.seedPull(7, { headSha: 'd00d'.padEnd(40, '5') });
});

afterAll(async () => {
  await gh?.close();
});

interface Flow {
  workspace: string;
  runs: Awaited<ReturnType<typeof runShardAction>>[];
  merge: Awaited<ReturnType<typeof runShardAction>>;
  partials: Array<{ overheadSeconds?: number }>;
}

/** plan → two shards on their own runners → merge, in run `runId`, with `token` for every step. */
async function flow(runId: number, token: string): Promise<Flow> {
  const workspace = await sampleWorkspace();
  const common = { workspace, gh, runId, inputs: { 'github-token': token } };
  const plan = await runShardAction({
    ...common,
    inputs: { ...common.inputs, mode: 'plan', tests: TESTS, shards: '2', timings: 'false' },
  });
  expect(plan.main.exitCode, plan.main.rawOutput).toBe(0);
  const runs = [];
  for (const shard of [1, 2]) {
    const run = await runShardAction({
      ...common,
      runnerName: `runner-${runId}-${shard}`,
      inputs: {
        ...common.inputs,
        mode: 'run',
        shard: `${shard}/2`,
        plan: 'gauntlet-shard-plan.json',
        'plan-id': plan.outputs['plan-id'] ?? '',
        command: NODE_TEST_COMMAND,
        'junit-path': 'junit.xml',
      },
    });
    expect(run.main.exitCode, run.main.rawOutput).toBe(0);
    runs.push(run);
  }
  const partials = await Promise.all(
    [1, 2].map(async (shard) =>
      JSON.parse(
        await readFile(
          path.join(workspace, `gauntlet-shard-results/shard-${shard}-of-2-attempt-1/timings.json`),
          'utf8',
        ),
      ),
    ),
  );
  const merge = await runShardAction({
    ...common,
    inputs: { ...common.inputs, mode: 'merge', plan: 'gauntlet-shard-plan.json', timings: 'false' },
  });
  expect(merge.main.exitCode, merge.main.rawOutput).toBe(0);
  return { workspace, runs, merge, partials };
}

/** The run's jobs as the API shows them while the shards run: a finished plan job and one job per shard. */
function seedRun(runId: number, createdSecondsAgo: [number, number]): void {
  const now = Date.now();
  gh.seedJob({ runId, name: 'plan', runnerName: `runner-${runId}-plan`, conclusion: 'success' });
  createdSecondsAgo.forEach((ago, i) =>
    gh.seedJob({
      runId,
      name: `shard (${i + 1})`,
      runnerName: `runner-${runId}-${i + 1}`,
      createdAt: new Date(now - ago * 1000),
      // Picked up by a runner 40 s later: the fixed cost counts the queueing too.
      startedAt: new Date(now - (ago - 40) * 1000),
      steps: [
        { name: 'Set up job', conclusion: 'success' },
        { name: 'Run shard', status: 'in_progress' },
      ],
    }),
  );
}

const jobRequests = (runId: number) =>
  gh.requests.filter(
    (r) => r.operationId === 'actions/list-jobs-for-workflow-run-attempt' && r.path.includes(`/${runId}/`),
  );

describe('shard fixed cost from the jobs API', () => {
  it('each shard records job creation → first test in its partial; the merge recommends from their median', async () => {
    const runId = 6101;
    seedRun(runId, [150, 240]);
    const { partials, merge } = await flow(runId, gh.token);
    const overheads = partials.map((p) => p.overheadSeconds);
    // From created_at (150 s and 240 s ago), not started_at (40 s later): plus the few seconds until the first test.
    expect(overheads[0]).toBeGreaterThanOrEqual(150);
    expect(overheads[0]).toBeLessThan(150 + 60);
    expect(overheads[1]).toBeGreaterThanOrEqual(240);
    expect(overheads[1]).toBeLessThan(240 + 60);
    expect(jobRequests(runId).map((r) => [r.status, r.query['per_page']])).toEqual([
      [200, '100'],
      [200, '100'],
    ]);

    // Of two shards the lower median, as merge-mode takes it.
    const median = Math.min(...(overheads as number[]));
    expect(merge.summary).toContain(
      `fixed cost ${Math.round(median)} s per shard (median of 2 shard starts in this run)`,
    );
    expect(gh.violations).toEqual([]);
  });

  it('without actions: read the shards still pass, the partials carry no fixed cost, the merge uses the default', async () => {
    const runId = 6102;
    seedRun(runId, [150, 240]);
    const { partials, runs, merge } = await flow(runId, NO_ACTIONS_TOKEN);
    expect(partials.map((p) => 'overheadSeconds' in p)).toEqual([false, false]);
    expect(partials.every((p) => Object.keys((p as { tests: object }).tests).length > 0)).toBe(true);
    for (const run of runs) {
      expect(run.outputs['conclusion']).toBe('success');
      expect(run.main.commands.filter((c) => c.name === 'warning' || c.name === 'error')).toEqual([]);
      expect(
        run.main.commands.some((c) => c.name === 'debug' && c.message.includes("Could not read this job's start time")),
      ).toBe(true);
    }
    expect(jobRequests(runId).map((r) => r.status)).toEqual([403, 403]);
    expect(merge.summary).toContain('per shard (default, no history yet)');
    expect(gh.violations).toEqual([]);
  });
});
