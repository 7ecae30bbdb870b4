/**
 * Shared set-up for the shard-and-run integration tests: the real bundle through the local runner, on a copy of
 * the sample suite, reporting to the GitHub stand-in.
 */
import { cp, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GitHubStandIn } from '@gauntlet/github-api-standin';
import { runActionLocally, type RunOptions, type RunResult } from '@gauntlet/local-runner';

export const ROOT = path.resolve(import.meta.dirname, '../..');
/** The action folder; GAUNTLET_SHARD_ACTION_DIR points at a private copy of the built action (concurrent builds). */
export const ACTION_DIR = process.env['GAUNTLET_SHARD_ACTION_DIR'] ?? path.join(ROOT, 'actions/shard-and-run');
export const SAMPLE_SUITE = path.join(import.meta.dirname, 'fixtures/sample-suite');
/** A pytest suite (flaky and failing tests) for pytest's own JUnit. */
export const PYTEST_SUITE = path.join(import.meta.dirname, 'fixtures/pytest-suite');
export const RSPEC_SUITE = path.join(import.meta.dirname, 'fixtures/rspec-suite');
export const HEAD_SHA = 'd00d'.padEnd(40, '5');

/** node:test with a readable log and a JUnit report at junit.xml. */
export const NODE_TEST_COMMAND =
  'node --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=junit.xml {files}';

export async function sampleWorkspace(suite: string = SAMPLE_SUITE): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'shard-it-'));
  await cp(suite, dir, { recursive: true });
  return dir;
}

export function prEvent(gh: GitHubStandIn | undefined, pr: number): RunOptions['event'] {
  return {
    name: 'pull_request',
    payload: {
      number: pr,
      pull_request: { number: pr, head: { sha: HEAD_SHA } },
      repository: { full_name: gh ? `${gh.owner}/${gh.repo}` : 'o/r', default_branch: 'main' },
    },
  };
}

export function pushEvent(): RunOptions['event'] {
  return {
    name: 'push',
    payload: { ref: 'refs/heads/main', repository: { full_name: 'o/r', default_branch: 'main' } },
  };
}

export interface ActionRun {
  workspace: string;
  inputs: Record<string, string>;
  gh?: GitHubStandIn;
  event?: RunOptions['event'];
  env?: Record<string, string>;
  runId?: number;
  runAttempt?: number;
  cancelAfterMs?: number;
  /** Start cancelling (cancelAfterMs later) only once this is true: see the local runner's cancelWhen. */
  cancelWhen?: () => Promise<boolean>;
  /** The runner's SIGINT → SIGTERM → SIGKILL gaps after cancelAfterMs (compressed by default). */
  signalScheduleMs?: { sigintToSigterm: number; sigtermToSigkill: number };
  skipPost?: boolean;
  /** RUNNER_NAME, by which the action finds its own job in the jobs API. */
  runnerName?: string;
}

export function runShardAction(options: ActionRun): Promise<RunResult> {
  const gh = options.gh;
  return runActionLocally({
    actionDir: ACTION_DIR,
    workspace: options.workspace,
    inputs: { 'github-token': gh?.token ?? '', ...options.inputs },
    ...(options.event ? { event: options.event } : gh ? { event: prEvent(gh, 7) } : {}),
    env: {
      GITHUB_REPOSITORY: gh ? `${gh.owner}/${gh.repo}` : 'o/r',
      GITHUB_RUN_ID: String(options.runId ?? 500),
      GITHUB_RUN_ATTEMPT: String(options.runAttempt ?? 1),
      GITHUB_REF: options.event?.name === 'push' ? 'refs/heads/main' : 'refs/pull/7/merge',
      ...(gh ? { GITHUB_API_URL: gh.url } : {}),
      ...options.env,
    },
    ...(options.cancelWhen === undefined ? {} : { cancelWhen: options.cancelWhen }),
    ...(options.cancelAfterMs === undefined
      ? {}
      : {
          cancelAfterMs: options.cancelAfterMs,
          signalScheduleMs: options.signalScheduleMs ?? { sigintToSigterm: 750, sigtermToSigkill: 250 },
        }),
    skipPost: options.skipPost ?? true,
    ...(options.runnerName === undefined ? {} : { runnerName: options.runnerName }),
  });
}

/** The workflow commands a step printed whose text includes `needle` (forged commands from untrusted data). */
export function commandsMentioning(result: RunResult, needle: string): string[] {
  return result.main.commands.filter((c) => JSON.stringify(c).includes(needle)).map((c) => c.name);
}

/** Runs plan → every shard → merge, as the matrix workflow does. */
export async function matrixFlow(
  workspace: string,
  options: {
    shards: number;
    gh?: GitHubStandIn;
    command?: string;
    planInputs?: Record<string, string>;
    runInputs?: Record<string, string>;
    env?: Record<string, string>;
  },
): Promise<{ plan: RunResult; runs: RunResult[]; merge: RunResult }> {
  const common = { workspace, ...(options.gh ? { gh: options.gh } : {}), ...(options.env ? { env: options.env } : {}) };
  const plan = await runShardAction({
    ...common,
    inputs: {
      mode: 'plan',
      tests: 'tests/**/*.test.mjs',
      shards: String(options.shards),
      timings: 'false',
      ...options.planInputs,
    },
  });
  const runs: RunResult[] = [];
  for (let i = 1; i <= options.shards; i++) {
    runs.push(
      await runShardAction({
        ...common,
        inputs: {
          mode: 'run',
          shard: `${i}/${options.shards}`,
          plan: 'gauntlet-shard-plan.json',
          'plan-id': plan.outputs['plan-id'] ?? '',
          command: options.command ?? NODE_TEST_COMMAND,
          'junit-path': 'junit.xml',
          ...options.runInputs,
        },
      }),
    );
  }
  const merge = await runShardAction({
    ...common,
    inputs: { mode: 'merge', plan: 'gauntlet-shard-plan.json', timings: 'false' },
  });
  return { plan, runs, merge };
}
