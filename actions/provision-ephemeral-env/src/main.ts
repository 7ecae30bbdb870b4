/**
 * The main step. The runtime has masked the token and the raw kubeconfig input and parsed the inputs; this refuses
 * fork-triggered privileged events, loads the kubeconfig (registering every secret in it) and runs the mode. The
 * runtime's cancellation signal (SIGINT, then SIGTERM) aborts the work; mode up then requests deletion of what it
 * created at once (the post step finishes the job).
 */
import { UserError } from '@gauntlet/action-kit';
import type { ActionRuntime } from '@gauntlet/action-runtime';
import { mapLimit } from '@gauntlet/kube';
import { State } from './constants.js';
import { runContextOf, type RunContext } from './context.js';
import { connectCluster } from './credentials.js';
import { down } from './down.js';
import type { Inputs } from './inputs.js';
import type { ModeArgs } from './mode-args.js';
import { reap } from './reap.js';
import { publishEnvironmentReport } from './report.js';
import { up } from './up.js';

export async function main(inputs: Inputs, rt: ActionRuntime): Promise<void> {
  // First, so the post step knows the job was cancelled even if the environment had just become ready.
  const recordCancel = (): void => rt.saveState(State.cancelled, 'true');
  if (rt.signal.aborted) recordCancel();
  else rt.signal.addEventListener('abort', recordCancel, { once: true });
  const ctx = runContextOf(rt.run, rt.env);
  // Refused before the kubeconfig is even parsed: a fork's event never gets as far as our cluster credentials.
  // (The raw input is already masked whole; its individual secrets are registered when it is parsed below.)
  if (inputs.mode === 'up' && ctx.forkEvent && !inputs.allowForkEvents) {
    throw new UserError(
      `refusing to provision for ${ctx.forkEvent}: that event runs with this repository's secrets, so a fork's manifests would be deployed with your cluster credentials. Use the pull_request event, or set allow-fork-events: true if you have reviewed the risk.`,
    );
  }
  const cluster = await connectCluster(inputs, rt);
  const args: ModeArgs = {
    inputs,
    ctx,
    rt,
    cluster,
    publish: (report) => publishEnvironmentReport(rt, inputs, report),
  };
  switch (inputs.mode) {
    case 'up':
      return up(args);
    case 'down':
      return down(args);
    case 'reap':
      return reap(args, (numbers) => pullRequestStates(rt, ctx, numbers));
  }
}

/** Most pull requests looked up per reaper run (one GET each); the rest wait for their expiry or the next run. */
const MAX_PULL_LOOKUPS = 100;

async function pullRequestStates(
  rt: ActionRuntime,
  ctx: RunContext,
  numbers: readonly number[],
): Promise<Map<number, 'open' | 'closed'>> {
  const states = new Map<number, 'open' | 'closed'>();
  if (numbers.length === 0) return states;
  const octokit = rt.github();
  if (!octokit) {
    rt.logger.warning('no github-token: closed pull requests cannot be detected; only expired environments are reaped');
    return states;
  }
  let failures = 0;
  await mapLimit(numbers.slice(0, MAX_PULL_LOOKUPS), 4, async (pull_number) => {
    try {
      const { data } = await octokit.rest.pulls.get({ owner: ctx.owner, repo: ctx.repo, pull_number });
      states.set(pull_number, data.state === 'closed' ? 'closed' : 'open');
    } catch {
      failures++;
    }
  });
  if (failures > 0)
    rt.logger.warning(
      `${failures} pull request(s) could not be looked up; their environments are kept until they expire`,
    );
  return states;
}
