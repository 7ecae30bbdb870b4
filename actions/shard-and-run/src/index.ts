/** shard-and-run, as the runtime builds every action: its one input parser, its main step and its post step. */
import { defineAction, type DefinedAction } from '@gauntlet/action-runtime';
import { kubeconfigInputSecrets } from '@gauntlet/kube';
import { ACTION_NAME, Inputs as InputNames, State } from './constants.js';
import { parseInputs, parseKubeconfigInput, type Inputs } from './inputs.js';
import { main, type ShardAndRunOptions } from './main.js';

export function shardAndRun(options: ShardAndRunOptions = {}): DefinedAction<Inputs> {
  return defineAction({
    name: ACTION_NAME,
    // The kubeconfig content is masked whole before anything parses it (queue and kubernetes modes).
    secretInputs: [{ name: InputNames.kubeconfig, secrets: kubeconfigInputSecrets }],
    parseInputs: (reader, run) => parseInputs(reader, run.workspace),
    main: (inputs, rt) => main(inputs, rt, options),
    post: async (rt, _inputs, reader) => {
      // Only the Kubernetes backend leaves anything to clean up; the other modes never load its code here.
      if (!rt.getState(State.kubeRoot) || rt.getState(State.cleaned) === 'true') return;
      const { kubernetesCleanup } = await import('./modes/kubernetes/backend.js');
      // The kubeconfig alone: the post step must not trip over inputs that only the main step needed.
      const kubeconfig = parseKubeconfigInput(reader, rt.run.workspace);
      await kubernetesCleanup(rt.getState, kubeconfig, rt.logger, rt.registerSecret);
    },
  });
}

export default shardAndRun();
