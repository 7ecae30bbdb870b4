/**
 * shard-and-run in the demo: the matrix flow (plan → 3 shards → merge) on the sample suite, which has a test that
 * always fails and one that is flaky, so the report shows failures, a flaky test, the slowest tests and the gantt
 * of predicted against actual shard times.
 *
 * `run` executes one step of the action with the given inputs (the demo's runStep, which adds the pull_request
 * event and the GitHub stand-in) in `directory` as its workspace: path inputs are confined to the workspace, so
 * the steps share it as a job's steps do. Wire it in scripts/demo/steps.ts as:
 *
 *   step('shard-and-run', async (ctx) => {
 *     await runShardDemo((name, inputs, workspace) => runStep(ctx, name, 'shard-and-run', inputs, {}, workspace));
 *   }),
 */
import { cp, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunResult } from '@gauntlet/local-runner';

export const DEMO_SUITE = path.join(import.meta.dirname, 'fixtures/sample-suite');

/** node:test with a readable log and a JUnit report at junit.xml. */
export const DEMO_COMMAND =
  'node --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=junit.xml {files}';

export interface ShardDemo {
  directory: string;
  plan: RunResult;
  shards: RunResult[];
  merge: RunResult;
}

/** The exact inputs of each demo step, for documentation and for callers with their own runner. */
export function shardDemoInputs(shards: number, planId: string) {
  const common = { timings: 'false' };
  return {
    plan: { ...common, mode: 'plan', tests: 'tests/**/*.test.mjs', shards: String(shards), command: DEMO_COMMAND },
    shard: (i: number) => ({
      ...common,
      mode: 'run',
      shard: `${i}/${shards}`,
      plan: 'gauntlet-shard-plan.json',
      'plan-id': planId,
      command: DEMO_COMMAND,
      'junit-path': 'junit.xml',
      retries: '1',
    }),
    merge: { ...common, mode: 'merge', plan: 'gauntlet-shard-plan.json' },
  };
}

export async function runShardDemo(
  /** Runs one step with `workspace` as its workspace (every step shares the one directory, as a job's steps do). */
  run: (step: string, inputs: Record<string, string>, workspace: string) => Promise<RunResult>,
  options: { shards?: number; directory?: string } = {},
): Promise<ShardDemo> {
  const shards = options.shards ?? 3;
  const directory = options.directory ?? (await mkdtemp(path.join(os.tmpdir(), 'gauntlet-shard-demo-')));
  await cp(DEMO_SUITE, directory, { recursive: true });
  const plan = await run('shard-plan', shardDemoInputs(shards, '').plan, directory);
  const planId = plan.outputs['plan-id'] ?? '';
  const inputs = shardDemoInputs(shards, planId);
  const results: RunResult[] = [];
  for (let i = 1; i <= shards; i++) results.push(await run(`shard-${i}`, inputs.shard(i), directory));
  const merge = await run('shard-merge', inputs.merge, directory);
  return { directory, plan, shards: results, merge };
}
