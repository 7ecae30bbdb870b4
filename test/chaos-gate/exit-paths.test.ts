/**
 * CH-09: rollback on every exit path — success, failure (a breach), halt (the kill switch), timeout (the steady
 * state never returns within the recovery timeout), an exception thrown in our code (the guard, a backend's inject,
 * verify or tick) and cancel (the action's abort signal, as SIGINT/SIGTERM raise it) — × 20 seeds. Each run uses the
 * real fault backends against the test bed's API server and Toxiproxy (scale-down, partition and DNS-failure
 * NetworkPolicies, quota, toxic); only the guard's answers, the kill switch and the clock are scripted, and the seed
 * picks the interval at which the path is taken (and, for exceptions, where). After every run: nothing of ours left,
 * and every fault that was injected has its "reverted" line.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom, randomInt } from '@gauntlet/action-kit';
import {
  loadBackend,
  loadExperiments,
  runExperiment,
  type ExperimentResult,
  type FaultBackend,
  type Guard,
  type Observation,
} from '@gauntlet/chaos';
import { getTestbed } from '@gauntlet/testbed';
import { uniqueName } from '../support/polling.js';
import { killExperiment, leftovers, resetBed, startKillBed, type KillBed } from './kill-trial.js';

const tb = getTestbed();
const SEEDS = Number(process.env.GAUNTLET_CHAOS_SEEDS ?? 20);
const INTERVAL_MS = 500;
/** Two steps of 2.5 s at 500 ms: 5 guard intervals each. */
const INTERVALS = 10;

type ExitPath = 'success' | 'failure' | 'halt' | 'timeout' | 'exception' | 'cancel';
const PATHS: readonly ExitPath[] = ['success', 'failure', 'halt', 'timeout', 'exception', 'cancel'];

interface PathRun {
  readonly verdict: string;
  readonly threw?: string;
  readonly injected: string[];
  readonly reverted: string[];
  readonly left: string[];
  readonly at: string;
}

let bed: KillBed;

async function runPath(exit: ExitPath, seed: number): Promise<PathRun> {
  const random = seededRandom(seed);
  /** The guard interval (1-based, counted across steps) at which the path is taken. */
  const at = randomInt(random, 1, INTERVALS + 1);
  const throwIn = (['guard', 'inject', 'verifyInjected', 'tick'] as const)[randomInt(random, 0, 4)]!;
  const throwFault = randomInt(random, 0, 3);
  const [experiment] = loadExperiments(killExperiment(bed.proxy), 'kill.yaml');
  const planned = experiment!.steps.reduce((n, step) => n + step.faults.length, 0);
  let clock = Date.now();
  let intervals = 0;
  let faultsSeen = 0;
  const controller = new AbortController();
  const lines: string[] = [];
  const bug = (where: string): Error => new Error(`seeded bug in our code (${where})`);
  const guard: Guard = {
    observe() {
      if (exit === 'exception' && throwIn === 'guard' && intervals === at) return Promise.reject(bug('guard'));
      if (intervals >= INTERVALS && exit === 'timeout')
        return Promise.resolve<Observation>({ state: 'degraded', reason: 'p99 still 900 ms' });
      const breached = exit === 'failure' && intervals === at;
      return Promise.resolve<Observation>(
        breached ? { state: 'breached', reason: 'error rate 12% > 1%' } : { state: 'steady', reason: 'ok' },
      );
    },
  };
  const seededBackend = async (type: Parameters<typeof loadBackend>[0]): Promise<FaultBackend> => {
    const real = await loadBackend(type);
    if (exit !== 'exception' || throwIn === 'guard') return real;
    // runExperiment first loads every fault's backend to plan all steps before its first write (7254f44); the
    // seeded bug goes in the backends it loads afterwards to run the steps, in step order.
    const index = faultsSeen++ - planned;
    if (index < 0) return real;
    // A tick can only throw while its step runs: step 1 has faults 0-2 (intervals 1-5), step 2 faults 3-4.
    const hit = throwIn === 'tick' ? index === (at <= 5 ? throwFault : 3 + (throwFault % 2)) : index % 3 === throwFault;
    return {
      ...real,
      inject: (f, e, c) => (hit && throwIn === 'inject' ? Promise.reject(bug('inject')) : real.inject(f, e, c)),
      verifyInjected: (f, e, c) =>
        hit && throwIn === 'verifyInjected' ? Promise.reject(bug('verifyInjected')) : real.verifyInjected(f, e, c),
      tick: (f, e, c) =>
        hit && throwIn === 'tick' && intervals >= at
          ? Promise.reject(bug('tick'))
          : (real.tick?.(f, e, c) ?? Promise.resolve()),
    };
  };
  let result: ExperimentResult | undefined;
  let threw: string | undefined;
  try {
    result = await runExperiment(
      { ...experiment!, recoveryTimeoutMs: 2_000 },
      {
        context: {
          client: bed.client,
          runId: `exit-${exit}-${seed}`,
          defaultNamespace: bed.namespace,
          dryRun: false,
          limitTargets: (candidates) => [...candidates],
          log: (line) => lines.push(line),
          signal: controller.signal,
          now: () => clock,
          toxiproxyUrl: bed.toxiproxyUrl,
        },
        guard,
        saveLedger: () => undefined,
        loadBackend: seededBackend,
        intervalMs: INTERVAL_MS,
        sleep: (ms, signal) => {
          intervals++;
          if (exit === 'cancel' && intervals === at) controller.abort(new Error('cancelled by SIGINT'));
          if (signal?.aborted) return Promise.reject(signal.reason as Error);
          clock += ms;
          return Promise.resolve();
        },
        haltRequested: () =>
          Promise.resolve(
            exit === 'halt' && intervals >= at ? 'the pull request has the label "chaos-halt"' : undefined,
          ),
      },
    );
  } catch (error) {
    threw = error instanceof Error ? error.message : String(error);
  }
  const ids = (event: string): string[] =>
    lines.filter((l) => l.startsWith(`kill-points: ${event}: `)).map((l) => /: (s\d+f\d+)/.exec(l)?.[1] ?? l);
  const injected = lines.filter((l) => l.startsWith('kill-points: injected: '));
  const left = await leftovers(bed);
  if (left.length) await resetBed(bed);
  return {
    verdict: result?.verdict === 'not-injected' ? `not-injected (${result.reason})` : (result?.verdict ?? 'threw'),
    ...(threw !== undefined ? { threw } : {}),
    injected,
    reverted: ids('reverted'),
    left,
    at: `interval ${at}${exit === 'exception' ? ` in ${throwIn} of fault ${throwFault}` : ''}`,
  };
}

const EXPECTED: Record<ExitPath, (r: PathRun) => boolean> = {
  success: (r) => r.verdict === 'pass',
  failure: (r) => r.verdict === 'fail',
  halt: (r) => r.verdict === 'halted',
  timeout: (r) => r.verdict === 'fail',
  exception: (r) => r.verdict === 'threw' && /seeded bug/.test(r.threw ?? ''),
  cancel: (r) => r.verdict === 'threw' && /cancelled by SIGINT|aborted/i.test(r.threw ?? ''),
};

describe.skipIf(!tb.kwok || !tb.toxiproxyUrl)('rollback on every exit path', () => {
  beforeAll(async () => {
    bed = await startKillBed({
      kubeConfig: tb.kubeConfig(),
      kubeconfigPath: tb.kubeconfig,
      toxiproxyUrl: tb.toxiproxyUrl,
      actionDir: path.resolve(import.meta.dirname, '../../actions/chaos-gate'),
      namespace: uniqueName('chaos-exit'),
    });
  });

  afterAll(async () => {
    await bed?.close();
  });

  it.each(PATHS)(
    `%s × ${SEEDS} seeds: the path's verdict, every injected fault reverted, 0 leftovers`,
    async (exit) => {
      const runs: string[] = [];
      const bad: string[] = [];
      for (let seed = 1; seed <= SEEDS; seed++) {
        const r = await runPath(exit, 9_000 + seed);
        const line = `${exit} seed ${seed} (${r.at}): ${r.verdict}${r.threw ? ` (${r.threw})` : ''}, ${r.injected.length} injected, reverted [${r.reverted.join(',')}], left [${r.left.join('; ')}]`;
        runs.push(line);
        if (!EXPECTED[exit](r) || r.left.length > 0 || r.reverted.length < r.injected.length) bad.push(line);
      }
      expect(bad, runs.join('\n')).toEqual([]);
      // The runs did inject: a rollback that had nothing to undo proves nothing.
      expect(runs.filter((l) => !/, 0 injected/.test(l)).length, runs.join('\n')).toBeGreaterThan(SEEDS / 2);
    },
  );
});
