/**
 * The workflow run this step belongs to, read from the runner's environment and event file, with what only
 * shard-and-run needs besides it (RUNNER_TEMP). Who may write the timing store is action-kit's
 * writeTrust, the rule chaos-gate's selection history follows too.
 */
import { readWorkflowRun, type WorkflowRun } from '@gauntlet/action-kit';

export interface RunContext extends WorkflowRun {
  readonly runnerTemp: string;
}

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  return runContextOf(readWorkflowRun(env), env);
}

/** The run context of a workflow run the runtime already read. */
export function runContextOf(run: WorkflowRun, env: NodeJS.ProcessEnv): RunContext {
  return {
    ...run,
    runnerTemp: env['RUNNER_TEMP'] ?? env['TMPDIR'] ?? '/tmp',
  };
}
