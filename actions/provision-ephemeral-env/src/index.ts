/** provision-ephemeral-env, as the runtime builds every action: its secret inputs, its one input parser, main and post. */
import { defineAction } from '@gauntlet/action-runtime';
import { kubeconfigInputSecrets } from '@gauntlet/kube';
import { ACTION, Inputs } from './constants.js';
import { parseInputs } from './inputs.js';
import { main } from './main.js';
import { post } from './post.js';

export default defineAction({
  name: ACTION,
  secretInputs: [{ name: Inputs.kubeconfig, secrets: kubeconfigInputSecrets }],
  parseInputs: (reader, run) => parseInputs(reader, run.workspace),
  main,
  post: (rt, inputs) => post(rt, inputs),
});
