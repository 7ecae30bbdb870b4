import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkActionManifest, checkActionManifests, disallowedInDefault } from './action-manifests.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The bug shard-and-run shipped: expressions in an input's and an output's description. */
const BUGGY = `name: Example
description: An action
inputs:
  shard:
    description: This shard as index/total, e.g. \${{ matrix.shard }}/\${{ matrix.shardTotal }}.
    required: false
    default: ''
  github-token:
    description: Token
    default: \${{ github.token }}
outputs:
  matrix:
    description: 'Plan mode: \${{ fromJSON(needs.plan.outputs.matrix) }}'
runs:
  using: node24
  main: dist/index.js
`;

describe('action manifest check', () => {
  it('finds every expression in a description, with its file and line', () => {
    const problems = checkActionManifest(BUGGY, 'actions/example/action.yml');
    expect(problems.map((p) => [p.line, p.message.split(':')[0]])).toEqual([
      [5, 'inputs.shard.description'],
      [13, 'outputs.matrix.description'],
    ]);
    expect(problems[0]?.file).toBe('actions/example/action.yml');
    expect(problems[0]?.message).toContain('Unrecognized named-value');
  });

  it('finds expressions in block scalars and in runs', () => {
    const text = `name: x
description: |
  Uses \${{ github.token }} here.
runs:
  using: node24
  main: \${{ github.action_path }}/dist/index.js
`;
    expect(checkActionManifest(text, 'a.yml').map((p) => p.line)).toEqual([3, 6]);
  });

  it('allows in a default only the contexts the runner allows there', () => {
    expect(disallowedInDefault('github.token')).toEqual([]);
    expect(disallowedInDefault("format('{0}-{1}', runner.os, matrix.shard)")).toEqual([]);
    expect(disallowedInDefault("hashFiles('**/package-lock.json')")).toEqual([]);
    expect(disallowedInDefault('env.TOKEN')).toEqual(['env']);
    expect(disallowedInDefault('secrets.TOKEN || inputs.x')).toEqual(['secrets', 'inputs']);
    expect(disallowedInDefault('success()')).toEqual(['success()']);
    expect(disallowedInDefault("'steps.x' && github.sha")).toEqual([]);
    const text = `name: x
description: y
inputs:
  token:
    description: t
    default: \${{ secrets.GITHUB_TOKEN }}
runs:
  using: node24
  main: dist/index.js
`;
    const problems = checkActionManifest(text, 'a.yml');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 6 });
    expect(problems[0]?.message).toContain('secrets');
  });

  it('names a runtime the runner does not have and an input without a description', () => {
    const text = `name: x
description: y
inputs:
  a:
    required: false
runs:
  using: node12
  main: dist/index.js
`;
    expect(checkActionManifest(text, 'a.yml').map((p) => [p.line, p.message.split(':')[0]])).toEqual([
      [7, 'runs.using'],
      [4, 'inputs.a'],
    ]);
  });

  it('passes every action of this repository', () => {
    expect(checkActionManifests(root)).toEqual([]);
  });
});
