/**
 * Test-only helpers (never imported by the action itself): run a mode in-process with inputs from a map, a
 * RecordingLogger, captured outputs and job summary, and a fixture workspace; and a node:test suite generator.
 */
import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RecordingLogger } from '@gauntlet/action-kit/testing';
import { runStep } from '@gauntlet/action-runtime/testing';
import type { MemorySummaryWriter } from '@gauntlet/github';
import { shardAndRun } from './index.js';
import type { CacheLibrary } from './timings-cache.js';

export const FIXTURE_SUITE = path.resolve(import.meta.dirname, '../../../test/shard-and-run/fixtures/sample-suite');

/** The node:test command for a suite whose JUnit goes to junit.xml. */
export const NODE_TEST_COMMAND =
  'node --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=junit.xml {files}';

export async function tempWorkspace(from?: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gauntlet-shard-'));
  if (from) await cp(from, dir, { recursive: true });
  return dir;
}

export interface InProcessRun {
  readonly logger: RecordingLogger;
  readonly outputs: Record<string, string>;
  readonly summary: MemorySummaryWriter;
  readonly state: Record<string, string>;
  readonly error?: Error;
}

export interface InProcessOptions {
  readonly workspace: string;
  readonly inputs: Record<string, string>;
  readonly env?: Record<string, string>;
  readonly cacheLibrary?: () => Promise<CacheLibrary>;
  readonly signal?: AbortSignal;
}

/** Runs the action's main step in this process (no bundle), like the runner would with these inputs. */
export async function runInProcess(options: InProcessOptions): Promise<InProcessRun> {
  const inputs: Record<string, string> = { 'github-token': '', timings: 'false', ...options.inputs };
  const env: Record<string, string> = {
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_REPOSITORY: 'gauntlet-org/gauntlet',
    GITHUB_RUN_ID: '100',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_REF: 'refs/pull/7/merge',
    RUNNER_TEMP: os.tmpdir(),
    ...options.env,
  };
  const action = shardAndRun(options.cacheLibrary ? { cacheLibrary: options.cacheLibrary } : {});
  const host = await runStep(action, 'main', { inputs, env, ...(options.signal ? { cancel: options.signal } : {}) });
  const error = host.failed === undefined ? undefined : asError(host.error, host.failed);
  return {
    logger: host.logger,
    outputs: host.outputs,
    summary: host.summary,
    state: host.state,
    ...(error ? { error } : {}),
  };
}

function asError(thrown: unknown, message: string): Error {
  return thrown instanceof Error ? thrown : new Error(message);
}

/** Writes a node:test file with the given test names; names are embedded as JSON string literals. */
export async function writeNodeTestFile(
  dir: string,
  file: string,
  tests: readonly { name: string; fails?: boolean; flaky?: boolean; ms?: number }[],
): Promise<void> {
  const body = tests
    .map(
      (t) =>
        `test(${JSON.stringify(t.name)}, async () => {\n` +
        (t.ms ? `  await new Promise((r) => setTimeout(r, ${t.ms}));\n` : '') +
        (t.fails ? `  assert.fail(${JSON.stringify(`failure of ${t.name}`)});\n` : '') +
        (t.flaky ? `  assert.ok((process.env.GAUNTLET_RETRY ?? '0') !== '0', 'first try');\n` : '') +
        '});\n',
    )
    .join('');
  await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
  await writeFile(
    path.join(dir, file),
    `import assert from 'node:assert/strict';\nimport test from 'node:test';\n${body}`,
  );
}
