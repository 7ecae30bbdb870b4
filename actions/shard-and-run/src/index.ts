/** Entry points of shard-and-run for the shared bundle: the main step and the post step. */
import {
  appendJobSummary,
  getActionsLogger,
  getState,
  registerSecret,
  runAction,
  runPostStep,
  saveState,
  setOutput,
} from '@gauntlet/action-kit/runner';
import { InputReader } from '@gauntlet/action-kit';
import { ACTION_NAME, State } from './constants.js';
import { parseKubeconfigInput } from './inputs.js';
import { run } from './main.js';

export async function main(): Promise<void> {
  await runAction(ACTION_NAME, () =>
    run({
      logger: getActionsLogger(),
      setOutput,
      summary: { write: appendJobSummary },
      registerSecret,
      saveState,
    }),
  );
}

export async function post(): Promise<void> {
  await runPostStep(ACTION_NAME, async () => {
    // Only the Kubernetes backend leaves anything to clean up; the other modes never load its code here.
    if (!getState(State.kubeRoot) || getState(State.cleaned) === 'true') return;
    const { kubernetesCleanup } = await import('./kubernetes/backend.js');
    const kubeconfig = parseKubeconfigInput(new InputReader(), process.env['GITHUB_WORKSPACE'] ?? process.cwd());
    await kubernetesCleanup(getState, kubeconfig, getActionsLogger(), registerSecret);
  });
}

export default { main, post };
