import { errorMessage } from '@gauntlet/action-kit';
import type { ExperimentSpec, FaultSpec } from '../experiment/model.js';
import { Trajectory, DEFAULT_POLICY, type PolicyLimits, type TrajectoryStep } from '../policy.js';
import { revertEntry, verifyReverted } from '../faults/revert.js';
import type { FaultBackend, FaultContext, LedgerEntry, RevertContext } from '../faults/types.js';
import type { Guard, Observation } from './guard.js';

/** Never "pass" unless every fault took effect, the guard held and the steady state came back. */
export type ExperimentVerdict = 'pass' | 'fail' | 'halted' | 'not-injected' | 'inconclusive' | 'not-started';

export interface JournalEvent {
  readonly atMs: number;
  readonly event: string;
  readonly detail: string;
}

export interface ExperimentResult {
  readonly name: string;
  readonly verdict: ExperimentVerdict;
  readonly reason: string;
  readonly before?: Observation;
  readonly trajectory: readonly TrajectoryStep[];
  readonly after?: Observation;
  /** From the last revert to the first steady observation, when it recovered. */
  readonly timeToRecoveryMs?: number;
  readonly entries: readonly LedgerEntry[];
  readonly journal: readonly JournalEvent[];
}

export interface RunDeps {
  /** Fault context without the experiment's own parts (targets, name). */
  readonly context: Omit<FaultContext, 'experiment' | 'targets'>;
  readonly guard: Guard;
  /** Saves the ledger (the action's state) — called before every write, so the post step can revert. */
  readonly saveLedger: (entries: readonly LedgerEntry[]) => void | Promise<void>;
  readonly loadBackend: (type: FaultSpec['type']) => Promise<FaultBackend>;
  readonly intervalMs: number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The kill switch (halt label, halt ConfigMap): a reason when a halt is requested. */
  readonly haltRequested?: () => Promise<string | undefined>;
  readonly policy?: PolicyLimits;
}

interface Active {
  fault: FaultSpec;
  backend: FaultBackend;
  entry: LedgerEntry;
}

/**
 * Runs one experiment: steady state before, then each step (its faults in parallel) under the guard with the policy
 * deciding at each interval, the revert of every fault on every path out (the `finally`), then recovery. An abort
 * (SIGINT/SIGTERM in the action) stops the wait and still reverts, with a signal-free context.
 */
export async function runExperiment(experiment: ExperimentSpec, deps: RunDeps): Promise<ExperimentResult> {
  const { context } = deps;
  const now = context.now;
  const journal: JournalEvent[] = [];
  const note = (event: string, detail: string): void => {
    journal.push({ atMs: now(), event, detail });
    context.log(`${experiment.name}: ${event}: ${detail}`);
  };
  const ctx = faultContextOf(experiment, context);
  const revertCtx: RevertContext = { client: context.client, log: context.log };
  const trajectory = new Trajectory(deps.policy ?? DEFAULT_POLICY);
  const entries: LedgerEntry[] = [];
  const result = (
    verdict: ExperimentVerdict,
    reason: string,
    extra: Partial<ExperimentResult> = {},
  ): ExperimentResult => ({
    name: experiment.name,
    verdict,
    reason,
    trajectory: trajectory.steps,
    entries,
    journal,
    ...extra,
  });

  const halt = await deps.haltRequested?.();
  if (halt) return result('halted', `not started: ${halt}`);
  await planEveryStep(experiment, ctx, deps.loadBackend);
  const before = await deps.guard.observe(context.signal);
  note('steady-state before', `${before.state}: ${before.reason}`);
  if (before.state === 'unknown')
    return result('inconclusive', `not started: no data before the faults (${before.reason})`, { before });
  if (before.state !== 'steady') return result('not-started', `not started: not steady (${before.reason})`, { before });

  let lastRevertAt = now();
  for (const [index, step] of experiment.steps.entries()) {
    const active: Active[] = [];
    let outcome: ExperimentResult | undefined;
    try {
      // Plan every fault of the step (reads only), save the ledger, and only then write.
      for (const fault of step.faults) {
        const backend = await deps.loadBackend(fault.type);
        const entry = await backend.plan(fault, ctx);
        active.push({ fault, backend, entry });
        entries.push(entry);
      }
      await deps.saveLedger(entries);
      for (const a of active) {
        await a.backend.inject(a.fault, a.entry, ctx);
        a.entry.state = 'injected';
        await deps.saveLedger(entries);
        note('injected', a.backend.describe(a.fault, a.entry));
      }
      for (const a of active) {
        const verified = await a.backend.verifyInjected(a.fault, a.entry, ctx);
        note(verified.ok ? 'in effect' : 'not in effect', `${a.fault.id}: ${verified.detail}`);
        if (!verified.ok) {
          outcome = result(
            'not-injected',
            `step ${index + 1}, ${a.fault.id} (${a.fault.type}) did not take effect: ${verified.detail}`,
            { before },
          );
          break;
        }
      }
      const durationMs = Math.max(...step.faults.map((f) => f.durationMs));
      const startedAt = now();
      while (!outcome && now() - startedAt < durationMs) {
        await deps.sleep(Math.min(deps.intervalMs, Math.max(0, startedAt + durationMs - now())), context.signal);
        const halted = await deps.haltRequested?.();
        if (halted) {
          note('halt', halted);
          outcome = result('halted', `halted by the kill switch: ${halted}`, { before });
          break;
        }
        for (const a of active) await a.backend.tick?.(a.fault, a.entry, ctx);
        const seen = await deps.guard.observe(context.signal);
        const decision = trajectory.observe(now(), seen.state, seen.reason);
        note('guard', `${seen.state} → ${decision}: ${seen.reason}`);
        if (decision === 'rollback') outcome = result('fail', `halted on ${seen.state}: ${seen.reason}`, { before });
        if (decision === 'escalate')
          outcome = result('inconclusive', `no data during the faults: ${seen.reason}`, { before });
      }
      for (const a of outcome ? [] : active) {
        const own = await a.backend.outcome?.(a.fault, a.entry, ctx);
        if (!own) continue;
        note('fault verdict', `${a.fault.id}: ${own.detail}`);
        if (!own.ok) {
          outcome = result(
            own.inconclusive ? 'inconclusive' : 'fail',
            `step ${index + 1}, ${a.fault.id} (${a.fault.type}): ${own.detail}`,
            { before },
          );
          break;
        }
      }
    } catch (error) {
      note('error', errorMessage(error));
      throw error;
    } finally {
      try {
        await revertAll(active, ctx, revertCtx, note);
      } finally {
        // Saved whatever the revert did, so the post step retries only what is not verified as reverted.
        await deps.saveLedger(entries);
        lastRevertAt = now();
      }
    }
    if (outcome) return outcome;
  }

  // Recovery: the steady state must come back within the recovery timeout.
  const deadline = now() + experiment.recoveryTimeoutMs;
  let after: Observation;
  for (;;) {
    after = await deps.guard.observe(context.signal);
    if (after.state === 'steady') {
      const timeToRecoveryMs = now() - lastRevertAt;
      note('recovered', `after ${timeToRecoveryMs} ms: ${after.reason}`);
      return result(
        'pass',
        `every fault took effect, the guard held, and the steady state returned in ${timeToRecoveryMs} ms`,
        {
          before,
          after,
          timeToRecoveryMs,
        },
      );
    }
    if (now() >= deadline) break;
    await deps.sleep(Math.min(deps.intervalMs, Math.max(0, deadline - now())), context.signal);
  }
  note('not recovered', `${after.state}: ${after.reason}`);
  return after.state === 'unknown'
    ? result('inconclusive', `no data after the faults: ${after.reason}`, { before, after })
    : result('fail', `not recovered within ${experiment.recoveryTimeoutMs} ms: ${after.reason}`, { before, after });
}

function faultContextOf(experiment: ExperimentSpec, context: RunDeps['context']): FaultContext {
  return { ...context, experiment: experiment.name, targets: new Map(experiment.targets.map((t) => [t.name, t])) };
}

/**
 * Plans every fault of every step once and discards the entries (plans only read), so whatever a plan refuses — a
 * NetworkPolicy over more pods than the limits allow, a Chaos Mesh `mode` beyond max-targets, a selector reaching
 * outside the namespace, a missing proxy — is refused before the experiment's first write, not when step 2 is
 * planned after step 1 has written. Each step is planned again when it starts (the cluster may have changed).
 */
async function planEveryStep(
  experiment: ExperimentSpec,
  ctx: FaultContext,
  loadBackend: RunDeps['loadBackend'],
): Promise<void> {
  for (const step of experiment.steps)
    for (const fault of step.faults) await (await loadBackend(fault.type)).plan(fault, ctx);
}

/** {@link planEveryStep} for an experiment not yet started: the action runs it for every experiment before any. */
export async function preflightExperiment(
  experiment: ExperimentSpec,
  deps: Pick<RunDeps, 'context' | 'loadBackend'>,
): Promise<void> {
  await planEveryStep(experiment, faultContextOf(experiment, deps.context), deps.loadBackend);
}

/** Reverts every fault (each attempted even when another fails) and compares with what was there before. */
async function revertAll(
  active: readonly Active[],
  faultCtx: FaultContext,
  ctx: RevertContext,
  note: (event: string, detail: string) => void,
): Promise<void> {
  const failures: string[] = [];
  // The in-process hooks get a signal-free context: an abort must not stop a revert half way.
  const hookCtx: FaultContext = withoutSignal(faultCtx);
  for (const a of active) {
    try {
      // The hook failing must not skip the ledger's revert: both are attempted, the hook's error thrown after.
      let hookError: unknown;
      const lines: string[] = [];
      try {
        lines.push(...((await a.backend.revert?.(a.fault, a.entry, hookCtx)) ?? []));
      } catch (error) {
        hookError = error;
      }
      lines.push(...(await revertEntry(a.entry, ctx)));
      if (hookError !== undefined) throw hookError instanceof Error ? hookError : new Error(errorMessage(hookError));
      const own = await a.backend.verifyReverted?.(a.fault, a.entry, hookCtx);
      const ledger = await verifyReverted(a.entry, ctx);
      const checks = own ? [own, ledger].filter((c) => !c.ok || c.detail !== 'nothing to restore') : [ledger];
      const check = { ok: own?.ok !== false && ledger.ok, detail: checks.map((c) => c.detail).join('; ') };
      a.entry.state = check.ok ? 'reverted' : 'failed';
      note(check.ok ? 'reverted' : 'revert incomplete', `${a.fault.id}: ${[...lines, check.detail].join('; ')}`);
      if (!check.ok) failures.push(`${a.fault.id}: ${check.detail}`);
    } catch (error) {
      a.entry.state = 'failed';
      failures.push(`${a.fault.id}: ${errorMessage(error)}`);
      note('revert failed', `${a.fault.id}: ${errorMessage(error)}`);
    }
  }
  if (failures.length)
    throw new Error(`revert incomplete (the post step and the reaper retry it): ${failures.join('; ')}`);
}

function withoutSignal(ctx: FaultContext): FaultContext {
  const copy: { -readonly [K in keyof FaultContext]?: FaultContext[K] } = { ...ctx };
  delete copy.signal;
  return copy as FaultContext;
}
