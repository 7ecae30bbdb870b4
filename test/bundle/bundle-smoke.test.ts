import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { runActionLocally } from '@gauntlet/local-runner';
import { describe, expect, it } from 'vitest';

/**
 * Every committed bundle starts under Node 24 through the local runner and turns bad input into one clear error
 * with exit code 1 and no stack trace. A green ncc build is no proof a bundle runs (webpackMissingModule stubs).
 */
const root = path.resolve(import.meta.dirname, '../..');
const actions = readdirSync(path.join(root, 'actions')).filter((name) =>
  existsSync(path.join(root, 'actions', name, 'action.yml')),
);

describe('bundles', () => {
  it('run on Node 24', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
  });

  it.each(actions)('%s starts and fails cleanly on an invalid mode-like input', async (name) => {
    const result = await runActionLocally({
      actionDir: path.join(root, 'actions', name),
      // An input every action validates strictly; an unknown value must be a user error, not a crash.
      inputs: { 'github-token': '' },
      skipPost: true,
      env: { GAUNTLET_SMOKE: '1' },
    });
    const errors = result.main.commands.filter((c) => c.name === 'error');
    expect(result.main.exitCode, result.main.rawOutput).toBe(1);
    expect(errors.length, result.main.rawOutput).toBeGreaterThanOrEqual(1);
    expect(errors[0]?.message).toMatch(new RegExp(`^${name}: `));
    expect(result.main.rawOutput).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
    expect(result.main.rawOutput).not.toMatch(/webpackMissingModule|Cannot find module/);
  });
});
