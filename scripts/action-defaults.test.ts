/**
 * "Defaults live in action.yml": the runner fills them in, so the parsers' own fallbacks for an input left out (the
 * local runner, the tests, a step that clears an input) must be exactly those defaults. For every action and each of
 * its modes, parsing with every action.yml default given must equal parsing with none given. Defaults that are
 * expressions (`${{ github.token }}`) are the runner's to evaluate and stay out, and so are the inputs an action
 * documents as "cleared means off": the runner always passes their default, so an empty one is the user's choice.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputReader } from '../packages/action-kit/src/index.js';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parseInputs as chaosGate } from '../actions/chaos-gate/src/inputs.js';
import { parseInputs as provision } from '../actions/provision-ephemeral-env/src/inputs.js';
import { parseInputs as shardAndRun } from '../actions/shard-and-run/src/inputs.js';
import { parseInputs as sloCheck } from '../actions/slo-check/src/inputs.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORKSPACE = '/ws';

type Values = Record<string, string>;
const reader = (values: Values): InputReader => new InputReader((name) => values[name]);

interface ActionCase {
  readonly parse: (values: Values) => unknown;
  /** The fewest inputs each mode needs. */
  readonly modes: readonly Values[];
  /** Inputs whose empty value turns the feature off, not back to the default. */
  readonly clearedMeansOff?: readonly string[];
}

const ACTIONS: Record<string, ActionCase> = {
  'chaos-gate': {
    parse: (values) => chaosGate(reader(values), WORKSPACE),
    // No kill-switch label or ConfigMap.
    clearedMeansOff: ['halt-label', 'halt-configmap'],
    modes: [
      { namespace: 'ci', experiments: 'chaos/*.yaml' },
      { mode: 'reap', namespace: 'ci' },
    ],
  },
  'provision-ephemeral-env': {
    parse: (values) => provision(reader(values), WORKSPACE),
    // No quota and no limit range (inputs.ts); no cap on live environments (the parser reads a cleared one as 0).
    clearedMeansOff: ['resource-quota', 'limit-range', 'max-environments'],
    modes: [{ manifests: 'k8s/*.yaml' }, { mode: 'down' }, { mode: 'reap' }],
  },
  'shard-and-run': {
    parse: (values) => shardAndRun(reader(values), WORKSPACE, {}),
    modes: [
      { mode: 'plan', tests: 'x' },
      { mode: 'run', shard: '1/2', plan: 'plan.json', command: 'npx vitest run {files}' },
      { mode: 'merge' },
    ],
  },
  'slo-check': {
    parse: (values) => sloCheck(reader(values)),
    modes: [{ 'prometheus-url': 'http://prometheus:9090', 'slo-files': 'slos.yaml' }],
  },
};

function literalDefaults(action: string, clearedMeansOff: readonly string[]): Values {
  const yml = load(readFileSync(path.join(root, 'actions', action, 'action.yml'), 'utf8')) as {
    inputs?: Record<string, { default?: string | number | boolean }>;
  };
  const defaults: Values = {};
  for (const [name, spec] of Object.entries(yml.inputs ?? {})) {
    if (spec.default === undefined || String(spec.default).includes('${{') || clearedMeansOff.includes(name)) continue;
    defaults[name] = String(spec.default);
  }
  return defaults;
}

describe('every action falls back to the defaults its action.yml declares', () => {
  it('covers every action in actions/', () => {
    const actions = readdirSync(path.join(root, 'actions'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(Object.keys(ACTIONS).sort()).toEqual(actions.sort());
  });

  it.each(Object.keys(ACTIONS))('%s', (action) => {
    const { parse, modes, clearedMeansOff = [] } = ACTIONS[action]!;
    const defaults = literalDefaults(action, clearedMeansOff);
    for (const given of modes) expect(parse({ ...defaults, ...given }), JSON.stringify(given)).toEqual(parse(given));
  });
});
