import { describe, expect, it } from 'vitest';
import type { KubeClient } from '@gauntlet/kube';
import { loadExperiments } from '../experiment/load.js';
import type { FaultBackend, LedgerEntry } from '../faults/types.js';
import { newEntry } from '../faults/common.js';
import type { Guard, Observation } from './guard.js';
import { runExperiment, type RunDeps } from './run-experiment.js';

const [experiment] = loadExperiments(
  `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: e }
spec:
  targets: [{ name: web, selector: { app: web } }]
  steps: [{ faults: [{ type: pod-delete, target: web, duration: 10s }, { type: dns-failure, target: web, duration: 10s }] }]
  recoveryTimeout: 20s
`,
  'e.yaml',
);

/** A scripted world: the guard answers from a list (the last answer repeats), time advances only in sleep. */
function world(
  answers: Observation['state'][],
  options: {
    inEffect?: boolean;
    injectThrows?: boolean;
    halt?: number;
    /** In-process revert hooks (an events relay): their calls are recorded; `hookThrows` makes the first throw. */
    hooks?: { hookThrows?: boolean; stillRunning?: boolean };
    /** The fault's own verdict (a Litmus ChaosResult), asked once the duration has passed. */
    outcome?: { ok: boolean; inconclusive?: boolean; detail: string };
  } = {},
) {
  let clock = 0;
  let observed = 0;
  const saved: string[][] = [];
  const injected: string[] = [];
  const guard: Guard = {
    observe() {
      const state = answers[Math.min(observed++, answers.length - 1)]!;
      return Promise.resolve({ state, reason: `observation ${observed}: ${state}` });
    },
  };
  const backend: FaultBackend = {
    plan: (fault, ctx) => Promise.resolve(newEntry(fault, ctx, 'ns')),
    inject(fault) {
      if (options.injectThrows) return Promise.reject(new Error('boom'));
      injected.push(fault.id);
      return Promise.resolve();
    },
    verifyInjected: () =>
      Promise.resolve({ ok: options.inEffect ?? true, detail: options.inEffect === false ? 'nothing matched' : 'ok' }),
    describe: (fault) => fault.id,
  };
  const hookCalls: string[] = [];
  if (options.outcome) {
    const outcome = options.outcome;
    backend.outcome = (fault) => {
      hookCalls.push(`outcome ${fault.id}`);
      return Promise.resolve(outcome);
    };
  }
  if (options.hooks) {
    const hooks = options.hooks;
    backend.revert = (fault, _entry, ctx) => {
      hookCalls.push(`revert ${fault.id}${ctx.signal ? ' with a signal' : ''}`);
      if (hooks.hookThrows && hookCalls.length === 1) return Promise.reject(new Error('relay would not stop'));
      return Promise.resolve([`relay ${fault.id} stopped`]);
    };
    backend.verifyReverted = (fault) => {
      hookCalls.push(`verify ${fault.id}`);
      return Promise.resolve(
        hooks.stillRunning ? { ok: false, detail: 'the relay still runs' } : { ok: true, detail: 'relay stopped' },
      );
    };
  }
  const controller = new AbortController();
  const deps: RunDeps = {
    context: {
      client: {} as KubeClient,
      runId: 'run-1',
      defaultNamespace: 'ns',
      dryRun: false,
      limitTargets: (c) => [...c],
      log: () => undefined,
      now: () => clock,
      signal: controller.signal,
    },
    guard,
    saveLedger: (entries: readonly LedgerEntry[]) => {
      saved.push(entries.map((e) => `${e.faultId}:${e.state}`));
    },
    loadBackend: () => Promise.resolve(backend),
    intervalMs: 2_000,
    sleep: (ms, signal) => {
      if (signal?.aborted) return Promise.reject(new Error('aborted'));
      clock += ms;
      return Promise.resolve();
    },
    haltRequested: () =>
      Promise.resolve(options.halt !== undefined && clock >= options.halt ? 'label chaos-halt on the PR' : undefined),
  };
  return { deps, saved, injected, hookCalls, controller, now: () => clock };
}

describe('runExperiment', () => {
  it('is not started when the steady state does not hold, and writes nothing', async () => {
    const w = world(['degraded']);
    const r = await runExperiment(experiment!, w.deps);
    expect(r.verdict).toBe('not-started');
    expect(r.reason).toMatch(/not started: not steady/);
    expect(w.saved).toEqual([]);
  });

  it('no data before is inconclusive, never a pass', async () => {
    expect((await runExperiment(experiment!, world(['unknown']).deps)).verdict).toBe('inconclusive');
  });

  it('a harmless fault passes with the time to recovery', async () => {
    const w = world(['steady']);
    const r = await runExperiment(experiment!, w.deps);
    expect(r.verdict).toBe('pass');
    expect(r.timeToRecoveryMs).toBe(0);
    expect(r.trajectory.every((s) => s.decision === 'continue')).toBe(true);
    expect(r.entries.map((e) => e.state)).toEqual(['reverted', 'reverted']);
  });

  it('records the ledger before the first write', async () => {
    const w = world(['steady']);
    await runExperiment(experiment!, w.deps);
    expect(w.saved[0]).toEqual(['s1f1:planned', 's1f2:planned']);
    expect(w.saved.at(-1)).toEqual(['s1f1:reverted', 's1f2:reverted']);
  });

  it('a breach halts: fail with the reason, every fault reverted', async () => {
    const w = world(['steady', 'steady', 'breached']);
    const r = await runExperiment(experiment!, w.deps);
    expect(r.verdict).toBe('fail');
    expect(r.reason).toMatch(/halted on breached: observation 3/);
    expect(r.trajectory.map((s) => s.decision)).toEqual(['continue', 'rollback']);
    expect(r.entries.every((e) => e.state === 'reverted')).toBe(true);
  });

  it('no data during the faults escalates to inconclusive', async () => {
    const r = await runExperiment(experiment!, world(['steady', 'unknown']).deps);
    expect(r.verdict).toBe('inconclusive');
    expect(r.trajectory.map((s) => s.decision)).toEqual(['continue', 'escalate']);
  });

  it('a fault that does not take effect is not injected, and reverted', async () => {
    const r = await runExperiment(experiment!, world(['steady'], { inEffect: false }).deps);
    expect(r.verdict).toBe('not-injected');
    expect(r.reason).toMatch(/s1f1 \(pod-delete\) did not take effect: nothing matched/);
    expect(r.entries.every((e) => e.state === 'reverted')).toBe(true);
  });

  it('the kill switch halts within one interval', async () => {
    const w = world(['steady'], { halt: 4_000 });
    const r = await runExperiment(experiment!, w.deps);
    expect(r.verdict).toBe('halted');
    expect(w.now()).toBe(4_000);
    expect(r.entries.every((e) => e.state === 'reverted')).toBe(true);
  });

  it('not recovered within the timeout fails', async () => {
    const r = await runExperiment(
      experiment!,
      world(['steady', 'steady', 'steady', 'steady', 'steady', 'steady', 'degraded']).deps,
    );
    expect(r.verdict).toBe('fail');
    expect(r.reason).toMatch(/not recovered within 20000 ms/);
  });

  it('an exception or an abort still reverts every planned fault', async () => {
    const thrown = world(['steady'], { injectThrows: true });
    await expect(runExperiment(experiment!, thrown.deps)).rejects.toThrow('boom');
    expect(thrown.saved.at(-1)).toEqual(['s1f1:reverted', 's1f2:reverted']);
    const aborted = world(['steady']);
    aborted.controller.abort();
    await expect(runExperiment(experiment!, aborted.deps)).rejects.toThrow('aborted');
    expect(aborted.saved.at(-1)).toEqual(['s1f1:reverted', 's1f2:reverted']);
  });

  it('in-process revert hooks run on every path out, without the abort signal, before the ledger check', async () => {
    const passed = world(['steady'], { hooks: {} });
    const r = await runExperiment(experiment!, passed.deps);
    expect(r.verdict).toBe('pass');
    expect(passed.hookCalls).toEqual(['revert s1f1', 'verify s1f1', 'revert s1f2', 'verify s1f2']);
    expect(r.journal.filter((j) => j.event === 'reverted').map((j) => j.detail)).toEqual([
      's1f1: relay s1f1 stopped; relay stopped',
      's1f2: relay s1f2 stopped; relay stopped',
    ]);

    const aborted = world(['steady'], { hooks: {} });
    aborted.controller.abort();
    await expect(runExperiment(experiment!, aborted.deps)).rejects.toThrow('aborted');
    expect(aborted.hookCalls).toContain('revert s1f1');
    expect(aborted.hookCalls.every((c) => !c.includes('signal'))).toBe(true);

    const thrown = world(['steady'], { injectThrows: true, hooks: {} });
    await expect(runExperiment(experiment!, thrown.deps)).rejects.toThrow('boom');
    expect(thrown.hookCalls.filter((c) => c.startsWith('revert'))).toEqual(['revert s1f1', 'revert s1f2']);
  });

  it('a hook that fails or leaves the fault running makes the revert incomplete, and the others still revert', async () => {
    const failing = world(['steady'], { hooks: { hookThrows: true } });
    await expect(runExperiment(experiment!, failing.deps)).rejects.toThrow(
      /revert incomplete .*s1f1: relay would not stop/,
    );
    expect(failing.saved.at(-1)).toEqual(['s1f1:failed', 's1f2:reverted']);

    const running = world(['steady'], { hooks: { stillRunning: true } });
    await expect(runExperiment(experiment!, running.deps)).rejects.toThrow(/s1f1: the relay still runs/);
    expect(running.saved.at(-1)).toEqual(['s1f1:failed', 's1f2:failed']);
  });

  it("a fault's own verdict decides after the duration: Fail fails, none is inconclusive, Pass lets recovery judge", async () => {
    const failed = world(['steady'], { outcome: { ok: false, detail: 'ChaosResult x: verdict Fail' } });
    const r = await runExperiment(experiment!, failed.deps);
    expect(r.verdict).toBe('fail');
    expect(r.reason).toBe('step 1, s1f1 (pod-delete): ChaosResult x: verdict Fail');
    // The first failing verdict decides; every fault is still reverted.
    expect(failed.hookCalls).toEqual(['outcome s1f1']);
    expect(r.entries.map((e) => e.state)).toEqual(['reverted', 'reverted']);
    const none = world(['steady'], { outcome: { ok: false, inconclusive: true, detail: 'Litmus gave no verdict' } });
    expect((await runExperiment(experiment!, none.deps)).verdict).toBe('inconclusive');
    const passed = world(['steady'], { outcome: { ok: true, detail: 'ChaosResult verdict Pass' } });
    const p = await runExperiment(experiment!, passed.deps);
    expect(p.verdict).toBe('pass');
    expect(passed.hookCalls).toEqual(['outcome s1f1', 'outcome s1f2']);
    expect(p.journal.filter((j) => j.event === 'fault verdict').map((j) => j.detail)).toEqual([
      's1f1: ChaosResult verdict Pass',
      's1f2: ChaosResult verdict Pass',
    ]);
    // A breach during the faults decides first: the verdict is not asked.
    const breached = world(['steady', 'breached'], { outcome: { ok: true, detail: 'Pass' } });
    expect((await runExperiment(experiment!, breached.deps)).verdict).toBe('fail');
    expect(breached.hookCalls).toEqual([]);
  });
});
