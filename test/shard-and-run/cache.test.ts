import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { RunResult } from '@gauntlet/local-runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeCache, type CacheFault, type FakeCache } from './fake-cache.js';
import { NODE_TEST_COMMAND, prEvent, pushEvent, runShardAction, sampleWorkspace } from './helpers.js';

/**
 * Timings in the Actions cache (SH-08, CA-01..CA-09) through the real @actions/cache 6 client in the bundle,
 * against a loopback stand-in of the cache service. Timings are saved only from trusted runs and restored on every
 * run; every cache fault degrades to "no timings" and leaves the run otherwise unchanged: the same plan as without
 * any timings, every test run once, the same verdict.
 */
let cache: FakeCache;
beforeAll(async () => {
  cache = await startFakeCache();
});
afterAll(async () => {
  await cache?.close();
});

type Event = 'push' | 'pr';
const event = (e: Event) => (e === 'push' ? pushEvent() : prEvent(undefined, 7));

async function plan(
  workspace: string,
  on: Event,
  extra: Record<string, string> = {},
  env: Record<string, string> = cache.env,
) {
  return runShardAction({
    workspace,
    event: event(on),
    env,
    inputs: { mode: 'plan', tests: 'tests/**/*.test.mjs', shards: '2', ...extra },
  });
}

async function runShards(workspace: string): Promise<void> {
  for (const i of [1, 2]) {
    await runShardAction({
      workspace,
      inputs: {
        mode: 'run',
        shard: `${i}/2`,
        plan: 'gauntlet-shard-plan.json',
        command: NODE_TEST_COMMAND,
        'junit-path': 'junit.xml',
      },
    });
  }
}

async function merge(
  workspace: string,
  on: Event,
  extra: Record<string, string> = {},
  env: Record<string, string> = cache.env,
) {
  return runShardAction({
    workspace,
    event: event(on),
    env,
    inputs: { mode: 'merge', plan: 'gauntlet-shard-plan.json', ...extra },
  });
}

function verdict(result: RunResult) {
  const { conclusion, tests, failed, flaky, skipped } = result.outputs;
  return { exitCode: result.main.exitCode, conclusion, tests, failed, flaky, skipped };
}

let baselinePlanId = '';
let baselineVerdict: ReturnType<typeof verdict>;

describe('timings in the Actions cache', () => {
  it('baseline: without the cache', async () => {
    const ws = await sampleWorkspace();
    const p = await plan(ws, 'pr', { timings: 'false' }, {});
    await runShards(ws);
    const m = await merge(ws, 'pr', { timings: 'false' }, {});
    baselinePlanId = p.outputs['plan-id'] ?? '';
    baselineVerdict = verdict(m);
    expect(baselineVerdict).toEqual({
      exitCode: 1,
      conclusion: 'failure',
      tests: '12',
      failed: '1',
      flaky: '1',
      skipped: '1',
    });
  });

  it('a trusted push saves the merged timings; a pull request restores them but never saves', async () => {
    cache.fault = 'none';
    const push = await sampleWorkspace();
    await plan(push, 'push');
    await runShards(push);
    const from = cache.calls.length;
    const saved = await merge(push, 'push');
    expect(verdict(saved)).toEqual(baselineVerdict);
    expect(cache.calls.slice(from)).toEqual([
      'GetCacheEntryDownloadURL',
      'CreateCacheEntry',
      'upload',
      'FinalizeCacheEntryUpload',
    ]);
    expect(cache.entries.filter((e) => e.finalized)).toHaveLength(1);
    expect(cache.entries[0]!.key).toMatch(/^gauntlet-shard-timings-v1-[0-9a-f]{16}-[0-9a-f]{16}$/);
    expect(saved.summary).toContain('Timings from this run were saved');
    // The shards' command runs calibrated the cost model, and the report says so.
    expect(saved.summary).toMatch(
      /Calibrated with this run: .* per file, .*fitted on \d+ command runs.*the next plan uses it/,
    );
    await expect(stat(path.join(push, '.gauntlet-shard-timings'))).rejects.toThrow();

    const pr = await sampleWorkspace();
    const restored = await plan(pr, 'pr');
    expect(restored.main.log.join('\n')).toContain('Timings restored from the Actions cache.');
    expect(JSON.parse(restored.outputs['plan'] ?? '{}').tests.timed).toBeGreaterThan(0);
    // The next plan's seconds include what was learned, and its summary says so.
    expect(JSON.parse(restored.outputs['plan'] ?? '{}').costModel.samples).toBeGreaterThanOrEqual(2);
    expect(restored.summary).toContain('Seconds include the cost model');
    await runShards(pr);
    const before = cache.calls.length;
    const prMerge = await merge(pr, 'pr');
    expect(verdict(prMerge)).toEqual(baselineVerdict);
    expect(cache.calls.slice(before)).not.toContain('CreateCacheEntry');
    expect(prMerge.main.log.join('\n')).toContain('a pull_request run never writes timings');
  });

  // SH-08 / CA-01, 02, 04b, 05, 06: restore faults leave the plan exactly as without timings.
  it.each<[string, CacheFault | 'absent', Record<string, string>]>([
    ['CA-01 service absent', 'absent', {}],
    ['CA-02 429', 'rate-limit', {}],
    ['CA-04b connection reset', 'reset', {}],
    ['CA-05 stuck download', 'stuck-download', { 'cache-timeout': '3s' }],
    ['CA-06 corrupt archive', 'corrupt-archive', {}],
  ])('%s: planning goes on without timings, and the run is otherwise unchanged', async (_, fault, extra) => {
    cache.fault = fault === 'absent' ? 'none' : fault;
    const ws = await sampleWorkspace();
    const p = await plan(ws, 'pr', extra, fault === 'absent' ? {} : cache.env);
    expect(p.main.exitCode, p.main.rawOutput).toBe(0);
    expect(p.outputs['plan-id']).toBe(baselinePlanId);
    if (fault === 'stuck-download') {
      // Bounded by our own timeout, not the library's 10-minute segment timeout.
      expect(p.main.commands.some((c) => c.name === 'warning' && /took longer than 3 s/.test(c.message))).toBe(true);
    }
    if (fault === 'absent') {
      // One line, no warning.
      const lines = p.main.log.filter((l) => /cache/i.test(l));
      expect(lines).toEqual([
        'The Actions cache service is not available here; timings are neither restored nor saved.',
      ]);
    } else {
      expect(p.main.commands.filter((c) => c.name === 'warning').length).toBeGreaterThanOrEqual(1);
    }
    await expect(stat(path.join(ws, '.gauntlet-shard-timings'))).rejects.toThrow();
    cache.fault = 'none';
    await runShards(ws);
    expect(verdict(await merge(ws, 'pr'))).toEqual(baselineVerdict);
  });

  it('CA-04: 503 on every attempt: the library retries 5 times, then the plan goes on without timings', async () => {
    cache.fault = 'unavailable';
    const ws = await sampleWorkspace();
    const from = cache.calls.length;
    const p = await plan(ws, 'pr');
    expect(p.outputs['plan-id']).toBe(baselinePlanId);
    expect(cache.calls.slice(from)).toEqual(Array(5).fill('GetCacheEntryDownloadURL'));
    cache.fault = 'none';
  }, 120_000);

  // CA-02, 03, 04b, 08: save faults on a trusted run: the verdict is the tests', not the cache's.
  it.each<[string, CacheFault]>([
    ['CA-02 429', 'rate-limit'],
    ['CA-03 reservation conflict', 'reserve-conflict'],
    ['CA-04b connection reset', 'reset'],
    ['CA-08 read-only token', 'write-denied'],
  ])('%s on save: the merge’s outcome is unchanged', async (_, fault) => {
    cache.fault = 'none';
    const ws = await sampleWorkspace();
    await plan(ws, 'push');
    await runShards(ws);
    cache.fault = fault;
    const m = await merge(ws, 'push');
    expect(verdict(m)).toEqual(baselineVerdict);
    expect(m.main.commands.filter((c) => c.name === 'error').map((c) => c.message)).toEqual([
      'shard-and-run: 1 test failed',
    ]);
    cache.fault = 'none';
  });

  it('CA-09: no timing partial at all (the runner crashed before writing one): nothing to save, no error', async () => {
    const ws = await sampleWorkspace();
    await plan(ws, 'push');
    for (const i of [1, 2]) {
      await runShardAction({
        workspace: ws,
        inputs: {
          mode: 'run',
          shard: `${i}/2`,
          plan: 'gauntlet-shard-plan.json',
          command: `node -e 'process.exit(3)' {files}`,
        },
      });
    }
    const from = cache.calls.length;
    const m = await merge(ws, 'push');
    expect(m.main.exitCode).toBe(1);
    expect(m.main.log.join('\n')).toContain('No timing partials from any shard; the timing store is unchanged.');
    expect(cache.calls.slice(from)).toEqual([]);
  });
});
