/**
 * What a run shard (`mode: run`) and a queue worker (`mode: queue`) share around their tests: the plan they run
 * checked against the inputs, the one way they execute items, their earlier attempts in results-dir, and the
 * result written with the step's outputs. The Kubernetes backend checks the command and picks the runner the same
 * way.
 */
import { InputError } from '@gauntlet/action-kit';
import type { Plan, PlanItem } from '@gauntlet/sharding';
import { RUNNERS, type RunnerAdapter, type RunnerName } from '@gauntlet/test-runners';
import { CommandEnv, Inputs, Outputs } from './constants.js';
import type { ModeDeps } from './deps.js';
import { executeItems, type ExecutionResult } from './execute.js';
import type { ExecutionInputs, QueueModeInputs, RunModeInputs } from './inputs.js';
import { loadPlan, planFileReader, planSplitsFiles } from './plan-io.js';
import { directoryTransport, readResultDirectory, type ShardResult } from './results.js';
import { countsOf } from './shard-result.js';

type ShardStepInputs = RunModeInputs | QueueModeInputs;

/** Checks that the command can run this plan's items without running any test twice. */
export function checkCommandFitsPlan(plan: Plan, execution: ExecutionInputs): void {
  const command = execution.command;
  if (!planSplitsFiles(plan)) return;
  if (!command.hasTests) {
    throw new InputError(
      Inputs.command,
      'the plan splits files into single tests, so the command needs {tests} (with {files} two shards would run the same file)',
    );
  }
  const runner = adapterFor(execution, plan);
  if (!runner.selectsTests) {
    throw new InputError(
      Inputs.runner,
      `is ${runner.name}, which passes whole files, but the plan splits files into single tests: every shard would run those files whole; set the runner the plan was made with`,
    );
  }
}

/**
 * The runner adapter: {tests} carries test ids in the form the runner takes them. The `runner` input when set, else
 * the one the plan was made for (so a run step need not repeat it), else generic. Both set and different is an
 * error: the plan's test ids are in its runner's form.
 */
export function adapterFor(execution: ExecutionInputs, plan: Pick<Plan, 'runner'>): RunnerAdapter {
  const input = execution.runner;
  const planned = plan.runner as RunnerName | undefined;
  if (input !== undefined && planned !== undefined && input !== planned) {
    throw new InputError(
      Inputs.runner,
      `is ${input}, but the plan was made for ${planned}; leave it empty or match the plan`,
    );
  }
  return RUNNERS[input ?? planned ?? 'generic'];
}

/** The plan file, refused when `plan-id` names another plan or the command cannot run its items; and its runner. */
export async function loadShardPlan(
  inputs: ShardStepInputs,
  deps: ModeDeps,
): Promise<{ plan: Plan; runner: RunnerAdapter }> {
  const plan = await loadPlan(inputs.plan, planFileReader(inputs, deps.ctx.workspace));
  if (inputs.planId !== undefined && inputs.planId !== plan.id) {
    throw new InputError(
      Inputs.planId,
      `is ${inputs.planId}, but the plan file holds plan ${plan.id}: the artifact is from another run`,
    );
  }
  checkCommandFitsPlan(plan, inputs.execution);
  return { plan, runner: adapterFor(inputs.execution, plan) };
}

export type ItemExecutor = (items: readonly PlanItem[], label: string) => Promise<ExecutionResult>;

/** Runs items with the step's command, retries, timeout and the shard's environment variables. */
export function shardExecutor(
  inputs: ShardStepInputs,
  deps: ModeDeps,
  plan: Plan,
  runner: RunnerAdapter,
): ItemExecutor {
  const { execution, shard } = inputs;
  return (items, label) =>
    executeItems({
      items,
      command: execution.command,
      runner,
      ...(plan.selectors === undefined ? {} : { selectors: plan.selectors }),
      cwd: inputs.workingDirectory,
      ...(execution.junitPath === undefined ? {} : { junitPath: execution.junitPath }),
      retries: execution.retries,
      ...(execution.timeoutMs === undefined ? {} : { timeoutMs: execution.timeoutMs }),
      env: {
        [CommandEnv.shardIndex]: String(shard.index),
        [CommandEnv.shardTotal]: String(shard.total),
        [CommandEnv.attempt]: String(deps.ctx.runAttempt),
        [CommandEnv.planId]: plan.id,
      },
      logger: deps.logger,
      signal: deps.signal,
      label,
      shardIndex: shard.index,
      shardTotal: shard.total,
    });
}

/**
 * This shard's results from earlier attempts of the run, oldest first; none on a first attempt. Only results of
 * this plan count: one that names no plan cannot be told apart from another run's artifact.
 */
export async function earlierAttempts(inputs: ShardStepInputs, deps: ModeDeps, plan: Plan): Promise<ShardResult[]> {
  if (deps.ctx.runAttempt <= 1) return [];
  const results = await readResultDirectory(inputs.resultsDir, inputs.workingDirectory, deps.logger);
  return results
    .filter(
      (r) =>
        r.meta.shard === inputs.shard.index &&
        r.meta.shardTotal === inputs.shard.total &&
        r.meta.attempt < deps.ctx.runAttempt &&
        r.meta.planId === plan.id,
    )
    .sort((a, b) => a.meta.attempt - b.meta.attempt);
}

export type ShardConclusion = 'success' | 'failure' | 'cancelled';

/** Writes the result to results-dir and sets the step's result outputs; returns the directory and the counts. */
export async function writeShardResult(
  inputs: ShardStepInputs,
  deps: ModeDeps,
  result: Omit<ShardResult, 'origin'>,
  conclusion: ShardConclusion,
): Promise<{ dir: string; counts: ReturnType<typeof countsOf> }> {
  const dir = await directoryTransport(inputs.resultsDir, inputs.workingDirectory, {
    workspace: deps.ctx.workspace,
    alsoUnder: inputs.alsoUnder,
  }).write(result);
  const counts = countsOf(result.junit);
  deps.setOutput(Outputs.resultDir, dir);
  deps.setOutput(Outputs.tests, counts.tests);
  deps.setOutput(Outputs.passed, counts.passed);
  deps.setOutput(Outputs.failed, counts.failed);
  deps.setOutput(Outputs.flaky, counts.flaky);
  deps.setOutput(Outputs.skipped, counts.skipped);
  deps.setOutput(Outputs.conclusion, conclusion);
  return { dir, counts };
}
