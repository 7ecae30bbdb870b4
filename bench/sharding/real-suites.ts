/**
 * Real suites through the bundled action: plan → every shard → merge, in rounds, with the timings saved between
 * rounds in the Actions cache (the loopback cache stand-in the integration tests use, so the bundle's real
 * @actions/cache client runs). Round 1 plans from counts (no timings yet), rounds 2 and 3 from the saved timings
 * and the cost model calibrated on the earlier rounds, round 4 from counts again (a second count-based sample,
 * later in time, for load drift); a last plan-only step gives the lower bound from everything measured.
 *
 *   pnpm exec tsx bench/sharding/real-suites.ts <suite.json> [more.json …]
 *
 * A suite file: { "name", "workspace" (an installed checkout), "shards", "command" (with {files} or {tests}),
 * "runner", "tests" (a glob) or "listCommand", "granularity"?, "env"? }. The checkouts are not in the repository
 * (fetch them, install their dependencies from their registry); see README.md (e) for the ones measured.
 * Shards run one after another, so each one's wall time is its own; the machine's load is printed beside.
 */
import { copyFile, readFile, readdir, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { runActionLocally, type RunResult } from '@gauntlet/local-runner';
import { startFakeCache } from '../../test/shard-and-run/fake-cache.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ACTION_DIR = path.join(ROOT, 'actions/shard-and-run');

interface Suite {
  name: string;
  workspace: string;
  shards: number;
  command: string;
  runner: string;
  tests?: string;
  listCommand?: string;
  granularity?: string;
  env?: Record<string, string>;
}

interface RoundFigures {
  round: number;
  basis: string;
  predicted: number;
  lowerBound: number;
  actual: number;
  perShard: number[];
  costModel: string;
}

const push = {
  name: 'push',
  payload: { ref: 'refs/heads/main', repository: { full_name: 'o/r', default_branch: 'main' } },
};

async function step(suite: Suite, env: Record<string, string>, runId: number, inputs: Record<string, string>) {
  const result: RunResult = await runActionLocally({
    actionDir: ACTION_DIR,
    workspace: suite.workspace,
    inputs: { 'github-token': '', report: 'false', ...inputs },
    event: push,
    env: {
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_RUN_ID: String(runId),
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_REF: 'refs/heads/main',
      ...env,
      ...suite.env,
    },
    skipPost: true,
  });
  if (result.main.exitCode !== 0 && inputs['mode'] === 'plan') {
    throw new Error(`${suite.name}: ${inputs['mode']} failed\n${result.main.rawOutput.slice(-3000)}`);
  }
  return result;
}

function planInputs(suite: Suite, timings: boolean): Record<string, string> {
  return {
    mode: 'plan',
    shards: String(suite.shards),
    runner: suite.runner,
    command: suite.command,
    timings: timings ? 'true' : 'false',
    ...(suite.tests ? { tests: suite.tests } : { tests: '', discovery: 'runner' }),
    ...(suite.listCommand ? { 'list-command': suite.listCommand } : {}),
    ...(suite.granularity ? { granularity: suite.granularity } : {}),
  };
}

async function shardSeconds(workspace: string): Promise<number[]> {
  const dir = path.join(workspace, 'gauntlet-shard-results');
  const out: number[] = [];
  for (const entry of (await readdir(dir)).sort()) {
    const meta = JSON.parse(await readFile(path.join(dir, entry, 'result.json'), 'utf8')) as {
      shard: number;
      durationSeconds: number;
    };
    out[meta.shard - 1] = meta.durationSeconds;
  }
  return out;
}

async function round(suite: Suite, env: Record<string, string>, n: number, timings: boolean): Promise<RoundFigures> {
  await rm(path.join(suite.workspace, 'gauntlet-shard-results'), { recursive: true, force: true });
  const runId = 9000 + n;
  const plan = await step(suite, env, runId, planInputs(suite, timings));
  // Kept per round, to read afterwards what each plan predicted per shard and which cost model it used.
  await copyFile(
    path.join(suite.workspace, 'gauntlet-shard-plan.json'),
    path.join(suite.workspace, `gauntlet-shard-plan.round-${n}.json`),
  );
  const planJson = JSON.parse(await readFile(path.join(suite.workspace, 'gauntlet-shard-plan.json'), 'utf8')) as {
    predictedMakespanSeconds: number;
    lowerBoundSeconds: number;
    tests: { timed: number };
    costModel?: {
      perRunSeconds: number;
      perFileSeconds: number;
      perTestSeconds?: number;
      testTimeScale: number;
      samples: number;
    };
  };
  for (let i = 1; i <= suite.shards; i++) {
    const started = Date.now();
    const run = await step(suite, env, runId, {
      mode: 'run',
      shard: `${i}/${suite.shards}`,
      plan: 'gauntlet-shard-plan.json',
      'plan-id': plan.outputs['plan-id'] ?? '',
      command: suite.command,
      'junit-path': 'junit.xml',
      'fail-on-failure': 'false',
    });
    process.stdout.write(
      `  ${suite.name} round ${n} shard ${i}/${suite.shards}: ${((Date.now() - started) / 1000).toFixed(1)} s (load ${loadavg()[0]!.toFixed(1)})${run.main.exitCode === 0 ? '' : ` exit ${run.main.exitCode}`}\n`,
    );
  }
  const merge = await step(suite, env, runId, {
    mode: 'merge',
    plan: 'gauntlet-shard-plan.json',
    timings: timings || n === 1 ? 'true' : 'false',
    'fail-on-failure': 'false',
  });
  const perShard = await shardSeconds(suite.workspace);
  const model = planJson.costModel;
  return {
    round: n,
    basis: timings && planJson.tests.timed > 0 ? 'timings' : 'counts',
    predicted: planJson.predictedMakespanSeconds,
    lowerBound: planJson.lowerBoundSeconds,
    actual: Math.max(...perShard),
    perShard,
    costModel: model
      ? `${model.perFileSeconds.toFixed(2)} s/file + ${((model.perTestSeconds ?? 0) * 1000).toFixed(2)} ms/test + ${model.perRunSeconds.toFixed(2)} s/run + ${model.testTimeScale.toFixed(2)}×JUnit (${model.samples} runs)`
      : '–',
    ...(merge.outputs['tests'] ? {} : {}),
  };
}

/**
 * The lower bound for plans of whole files: besides total / shards and the longest file, some shard runs at least
 * ⌈files / shards⌉ files, so it takes at least the sum of that many of the cheapest (each file's cost in the cost
 * model's terms, its per-file set-up included), plus one command start. Undefined when the plan splits a file
 * (then pieces pay the file's set-up again, and this counting does not hold).
 */
function wholeFileBound(
  plan: {
    costModel?: { perRunSeconds: number };
    shards: { items: { file: string; tests?: string[]; seconds: number }[] }[];
  },
  shards: number,
): number | undefined {
  const items = plan.shards.flatMap((s) => s.items);
  if (items.some((i) => i.tests !== undefined) || items.length === 0) return undefined;
  const costs = items.map((i) => i.seconds).sort((a, b) => a - b);
  const total = costs.reduce((a, b) => a + b, 0);
  const perShard = Math.ceil(costs.length / shards);
  const cheapest = costs.slice(0, perShard).reduce((a, b) => a + b, 0);
  return (plan.costModel?.perRunSeconds ?? 0) + Math.max(total / shards, costs[costs.length - 1]!, cheapest);
}

async function measure(suite: Suite): Promise<void> {
  const cache = await startFakeCache();
  try {
    const rounds: RoundFigures[] = [];
    rounds.push(await round(suite, cache.env, 1, false));
    rounds.push(await round(suite, cache.env, 2, true));
    rounds.push(await round(suite, cache.env, 3, true));
    rounds.push(await round(suite, cache.env, 4, false));
    // The bound from everything measured: what the next plan, with every round's samples and timings, says.
    await step(suite, cache.env, 9100, planInputs(suite, true));
    const last = JSON.parse(await readFile(path.join(suite.workspace, 'gauntlet-shard-plan.json'), 'utf8')) as {
      lowerBoundSeconds: number;
      costModel?: { perRunSeconds: number };
      shards: { items: { file: string; tests?: string[]; seconds: number }[] }[];
    };
    const lb = last.lowerBoundSeconds;
    const whole = wholeFileBound(last, suite.shards);
    console.log(
      `\n${suite.name}, ${suite.shards} shards; lower bound from measured costs ${lb.toFixed(2)} s` +
        (whole === undefined
          ? ''
          : `; for whole files ${whole.toFixed(2)} s (some shard runs ⌈files / shards⌉ of them: at least the sum of that many of the cheapest)`),
    );
    console.log(
      '| round | plan from | predicted | actual | actual / LB | actual / whole-file LB | per shard | cost model used |',
    );
    console.log('|---:|---|---:|---:|---:|---:|---|---|');
    for (const r of rounds) {
      console.log(
        `| ${r.round} | ${r.basis} | ${r.predicted.toFixed(2)} s | ${r.actual.toFixed(2)} s | ${(r.actual / lb).toFixed(2)} | ${whole === undefined ? '–' : (r.actual / whole).toFixed(2)} | ${r.perShard.map((s) => s.toFixed(1)).join(' / ')} | ${r.costModel} |`,
      );
    }
  } finally {
    await cache.close();
  }
}

for (const file of process.argv.slice(2)) {
  const suite = JSON.parse(await readFile(file, 'utf8')) as Suite;
  await measure(suite);
}
