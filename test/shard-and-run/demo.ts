/**
 * shard-and-run in the demo: the matrix flow (plan → 3 shards → merge) on the sample suite, which has a test that
 * always fails and one that is flaky, so the report shows failures, a flaky test, the slowest tests and the gantt
 * of predicted against actual shard times.
 *
 * `run` executes one step of the action with the given inputs (the demo's runStep, which adds the pull_request
 * event and the GitHub stand-in). Every path is under `directory`, passed as working-directory, so steps need not
 * share a workspace. Wire it in scripts/demo/steps.ts as:
 *
 *   step('shard-and-run', async (ctx) => {
 *     await runShardDemo((name, inputs) => runStep(ctx, name, 'shard-and-run', inputs));
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
export function shardDemoInputs(directory: string, shards: number, planId: string) {
  const common = { 'working-directory': directory, timings: 'false' };
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
  run: (step: string, inputs: Record<string, string>) => Promise<RunResult>,
  options: { shards?: number; directory?: string } = {},
): Promise<ShardDemo> {
  const shards = options.shards ?? 3;
  const directory = options.directory ?? (await mkdtemp(path.join(os.tmpdir(), 'gauntlet-shard-demo-')));
  await cp(DEMO_SUITE, directory, { recursive: true });
  const plan = await run('shard-plan', shardDemoInputs(directory, shards, '').plan);
  const planId = plan.outputs['plan-id'] ?? '';
  const inputs = shardDemoInputs(directory, shards, planId);
  const results: RunResult[] = [];
  for (let i = 1; i <= shards; i++) results.push(await run(`shard-${i}`, inputs.shard(i)));
  const merge = await run('shard-merge', inputs.merge);
  return { directory, plan, shards: results, merge };
}
