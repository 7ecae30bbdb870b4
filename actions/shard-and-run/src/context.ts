/**
 * The workflow run this step belongs to, read from the runner's environment and event file, and the trust decision
 * for timing data: only runs of code that is already on a trusted branch may write the timing store, so a pull
 * request can never poison the timings every later plan is built from.
 */
import { readWorkflowRun, type WorkflowRun } from '@gauntlet/action-kit';

export interface RunContext extends WorkflowRun {
  readonly defaultBranch?: string;
  readonly runnerTemp: string;
}

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  return runContextOf(readWorkflowRun(env), env);
}

/** The run context of a workflow run the runtime already read. */
export function runContextOf(run: WorkflowRun, env: NodeJS.ProcessEnv): RunContext {
  const defaultBranch = run.event.repository?.default_branch;
  return {
    ...run,
    ...(typeof defaultBranch === 'string' && defaultBranch !== '' ? { defaultBranch } : {}),
    runnerTemp: env['RUNNER_TEMP'] ?? env['TMPDIR'] ?? '/tmp',
  };
}

/** Events whose code is already on the branch they run for. Everything else (PRs, workflow_run, comments) is not. */
const TRUSTED_EVENTS = new Set(['push', 'schedule', 'workflow_dispatch']);

export interface TrustDecision {
  readonly trusted: boolean;
  readonly reason: string;
}

/**
 * May this run write the timing store? Only a push, schedule or manual run on the default branch or on a ref the
 * workflow names in `trusted-refs`. Pull requests never may, whatever their branch is called.
 */
export function timingTrust(ctx: RunContext, trustedRefs: readonly string[]): TrustDecision {
  if (!TRUSTED_EVENTS.has(ctx.eventName)) {
    return {
      trusted: false,
      reason: `a ${ctx.eventName} run never writes timings (only push, schedule and manual runs)`,
    };
  }
  const defaultRef = ctx.defaultBranch ? `refs/heads/${ctx.defaultBranch}` : undefined;
  if (defaultRef !== undefined && ctx.ref === defaultRef)
    return { trusted: true, reason: 'a run on the default branch' };
  if (trustedRefs.includes(ctx.ref)) return { trusted: true, reason: 'a run on a ref named in trusted-refs' };
  return {
    trusted: false,
    reason: defaultRef
      ? 'the ref is neither the default branch nor named in trusted-refs'
      : 'the default branch is unknown (no repository in the event) and the ref is not named in trusted-refs',
  };
}
