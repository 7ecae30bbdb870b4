import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runActionLocally, type RunResult } from '@gauntlet/local-runner';
import { beforeAll, describe, expect, it } from 'vitest';
import { snapshotBundle } from '../../scripts/bundle-snapshot.js';

/**
 * slo-files through the real bundle: every pattern and every match stays in the workspace (no absolute pattern,
 * no .., no symlink out, no FIFO that would hang the read), and a parse error quotes no text of the file. These
 * all fail before Prometheus is asked, so the URL is never reached.
 */
const CANARY = 'canary-slo-file-secret-5d1e08';
let actionDir: string;
let workspace: string;
let outside: string;

const GOOD = `slos:
  - name: availability
    ratio: { bad: 'errors_total', total: 'requests_total' }
    objective: { target: 99% }
`;

beforeAll(() => {
  actionDir = snapshotBundle('slo-check', [
    'actions/slo-check/src',
    'packages/slo/src',
    'packages/action-kit/src',
    'packages/action-runtime/src',
    'packages/github/src',
  ]);
  const top = mkdtempSync(path.join(tmpdir(), 'slo-files-'));
  workspace = path.join(top, 'workspace');
  outside = path.join(top, 'outside');
  mkdirSync(path.join(workspace, 'slo'), { recursive: true });
  mkdirSync(path.join(workspace, 'bad'), { recursive: true });
  mkdirSync(path.join(workspace, 'linked'), { recursive: true });
  mkdirSync(path.join(workspace, 'fifo'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(workspace, 'slo', 'ok.yaml'), GOOD);
  // Not YAML, with a credential on the line the parser stops at.
  writeFileSync(path.join(workspace, 'bad', 'slo.yaml'), `slos: [\n  { token: ${CANARY} {{{\n`);
  writeFileSync(path.join(outside, 'secret.yaml'), `slos: [\n  { token: ${CANARY} {{{\n`);
  symlinkSync(path.join(outside, 'secret.yaml'), path.join(workspace, 'linked', 'slo.yaml'));
  symlinkSync(outside, path.join(workspace, 'outside-dir'));
  execFileSync('mkfifo', [path.join(workspace, 'fifo', 'slo.yaml')]);
}, 600_000);

function run(sloFiles: string): Promise<RunResult> {
  return runActionLocally({
    actionDir,
    workspace,
    inputs: { 'prometheus-url': 'http://127.0.0.1:9', 'slo-files': sloFiles, report: 'false' },
    event: { name: 'push', payload: { repository: { full_name: 'acme/shop' } } },
    env: { GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '901' },
  });
}

function expectRefused(result: RunResult, pattern: RegExp): void {
  expect(result.main.exitCode, result.main.rawOutput).toBe(1);
  expect(result.main.rawOutput).toMatch(pattern);
  expect(result.main.rawOutput).not.toContain(CANARY);
  expect(JSON.stringify(result.outputs)).not.toContain(CANARY);
}

describe('slo-check slo-files confinement (real bundle)', () => {
  it('refuses .. and absolute patterns before reading anything', async () => {
    expectRefused(await run('../outside/secret.yaml'), /Input 'slo-files'.*leaves the workspace/);
    expectRefused(await run(path.join(outside, 'secret.yaml')), /Input 'slo-files'.*absolute pattern/);
  });

  it('refuses a match that is a symlink out of the workspace, or lies under one', async () => {
    expectRefused(await run('linked/*.yaml'), /Input 'slo-files'.*leads outside the workspace/);
    expectRefused(await run('outside-dir/secret.yaml'), /Input 'slo-files'.*leads outside the workspace/);
  });

  it('a FIFO is not a file: named, never opened (a blocking open would hang the step)', async () => {
    expectRefused(await run('fifo/slo.yaml'), /Input 'slo-files'.*matches no file/);
  });

  it('a parse error names the file and position and quotes none of its text', async () => {
    expectRefused(await run('bad/slo.yaml'), /bad\/slo\.yaml.*not valid YAML/);
  });

  it('reads a file inside the workspace (and gets as far as Prometheus)', async () => {
    const result = await run('slo/*.yaml');
    expect(result.main.rawOutput).toContain('Evaluating 1 SLO');
  });
});
