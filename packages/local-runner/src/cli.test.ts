import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ActionMetadata } from './action-metadata.js';
import { actionUsage, argumentProblems, parseArguments } from './cli.js';

const metadata: ActionMetadata = {
  name: 'demo',
  description: '',
  inputs: {
    mode: { default: 'up' },
    kubeconfig: { required: true },
    'github-token': { default: '${{ github.token }}' },
  },
  outputs: {},
  runs: { using: 'node24', main: 'dist/main.js' },
};

describe('gauntlet run arguments', () => {
  it('defaults the workspace to the current directory and the summary under gauntlet-run/', async () => {
    const parsed = await parseArguments(['run', 'demo']);
    expect(parsed.options.workspace).toBe(process.cwd());
    expect(parsed.summaryFile).toBe(path.resolve('gauntlet-run', 'summary.md'));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lr-ws-'));
    const given = await parseArguments(['run', 'demo', '--workspace', dir, '--summary', path.join(dir, 's.md')]);
    expect(given.options.workspace).toBe(dir);
    expect(given.summaryFile).toBe(path.join(dir, 's.md'));
    await expect(parseArguments(['run', 'demo', '--workspace', path.join(dir, 'missing')])).rejects.toThrow(
      /is not a directory/,
    );
  });

  it('names an unknown input, and the usage lists the real ones', () => {
    expect(argumentProblems(metadata, { inputs: { 'working-directory': '.' } })).toEqual([
      "action 'demo' has no input 'working-directory'",
    ]);
    const usage = actionUsage(metadata);
    expect(usage).toContain('Inputs of demo:\n  mode (default "up")\n  kubeconfig (required)\n  github-token');
  });

  it('says a token needs an API URL instead of failing later on a made-up address', () => {
    expect(argumentProblems(metadata, { env: { GITHUB_TOKEN: 't' } })[0]).toMatch(
      /--env GITHUB_TOKEN\) but no API URL: add --env GITHUB_API_URL=https:\/\/api.github.com/,
    );
    expect(argumentProblems(metadata, { inputs: { 'github-token': 't' } })[0]).toMatch(/--input github-token/);
    expect(argumentProblems(metadata, { env: { GITHUB_TOKEN: 't', GITHUB_API_URL: 'http://127.0.0.1:1' } })).toEqual(
      [],
    );
  });
});
