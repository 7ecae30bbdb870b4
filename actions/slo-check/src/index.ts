/** slo-check, as the runtime builds every action: its secret inputs, its one input parser and its main step. */
import { defineAction } from '@gauntlet/action-runtime';
import { ACTION } from './constants.js';
import { PROMETHEUS_SECRET_INPUTS } from '@gauntlet/slo';
import { parseInputs } from './inputs.js';
import { main } from './main.js';

export default defineAction({
  name: ACTION,
  secretInputs: PROMETHEUS_SECRET_INPUTS,
  parseInputs: (reader) => parseInputs(reader),
  main,
});
