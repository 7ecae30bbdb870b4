/** chaos-gate, as the runtime builds every action: its secret inputs, its one input parser, main and post steps. */
import { defineAction } from '@gauntlet/action-runtime';
import { brokerSecrets } from '@gauntlet/events';
import { kubeconfigInputSecrets } from '@gauntlet/kube';
import { PROMETHEUS_SECRET_INPUTS } from '@gauntlet/slo';
import { ACTION } from './constants.js';
import { parseInputs } from './inputs.js';
import { main } from './main.js';
import { post } from './post.js';

export default defineAction({
  name: ACTION,
  secretInputs: [
    ...PROMETHEUS_SECRET_INPUTS,
    { name: 'kubeconfig', secrets: kubeconfigInputSecrets },
    { name: 'brokers', secrets: brokerSecrets },
  ],
  parseInputs: (reader, run) => parseInputs(reader, run.workspace),
  main,
  post: (rt, _inputs, reader) => post(rt, reader),
});
