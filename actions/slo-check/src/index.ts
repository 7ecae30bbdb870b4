/** slo-check, as the runtime builds every action: its secret inputs, its one input parser and its main step. */
import { defineAction } from '@gauntlet/action-runtime';
import { ACTION } from './constants.js';
import { headerSecrets, parseInputs } from './inputs.js';
import { main } from './main.js';

export default defineAction({
  name: ACTION,
  secretInputs: ['prometheus-token', 'prometheus-password', { name: 'prometheus-headers', secrets: headerSecrets }],
  parseInputs: (reader) => parseInputs(reader),
  main,
});
