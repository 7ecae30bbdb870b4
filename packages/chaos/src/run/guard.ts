import { UserError, errorMessage } from '@gauntlet/action-kit';
import type { SloCheckResult } from '@gauntlet/slo';
import type { ProbeSpec } from '../experiment/model.js';
import type { ObservedState } from '../policy.js';

export interface Observation {
  readonly state: ObservedState;
  /** The probe or SLO and the numbers that decided the state. */
  readonly reason: string;
}

/** What the runner asks at each interval: before the faults, during them, and while waiting for recovery. */
export interface Guard {
  observe(signal?: AbortSignal): Promise<Observation>;
}

const RANK: Record<ObservedState, number> = { steady: 0, degraded: 1, unknown: 2, breached: 3 };

/** The worst of several observations (breached > unknown > degraded > steady), with every non-steady reason. */
export function worstObservation(observations: readonly Observation[]): Observation {
  if (observations.length === 0) return { state: 'unknown', reason: 'nothing to observe (no SLO and no probe)' };
  const worst = observations.reduce((a, b) => (RANK[b.state] > RANK[a.state] ? b : a));
  const reasons = observations.filter((o) => o.state !== 'steady').map((o) => o.reason);
  return {
    state: worst.state,
    reason: reasons.length ? reasons.join('; ') : observations.map((o) => o.reason).join('; '),
  };
}

/** slo-check's gate as a guard state: fail → breached, inconclusive (no data) → unknown, warn → degraded. */
export function observationOfSlos(result: SloCheckResult): Observation {
  if (result.verdict === 'inconclusive') return { state: 'unknown', reason: `SLOs inconclusive: ${result.reason}` };
  if (result.gate === 'fail') return { state: 'breached', reason: `SLOs breached: ${result.reason}` };
  if (result.gate === 'warn') return { state: 'degraded', reason: `SLOs degraded: ${result.reason}` };
  return { state: 'steady', reason: `SLOs met: ${result.reason}` };
}

export type ProbeRunner = (probe: ProbeSpec, signal?: AbortSignal) => Promise<Observation>;

/** An HTTP probe: the status must be one of expectStatus; a refused connection or timeout is a breach. */
export async function httpProbe(
  probe: Extract<ProbeSpec, { kind: 'http' }>,
  signal?: AbortSignal,
): Promise<Observation> {
  const timeout = AbortSignal.timeout(probe.timeoutMs);
  try {
    const response = await fetch(probe.url, {
      method: probe.method,
      redirect: 'manual',
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    await response.body?.cancel();
    return probe.expectStatus.includes(response.status)
      ? { state: 'steady', reason: `probe ${probe.name}: HTTP ${response.status}` }
      : {
          state: 'breached',
          reason: `probe ${probe.name}: HTTP ${response.status}, expected ${probe.expectStatus.join(' or ')}`,
        };
  } catch (error) {
    if (signal?.aborted) throw error;
    return {
      state: 'breached',
      reason: `probe ${probe.name}: ${timeout.aborted ? `no answer in ${probe.timeoutMs} ms` : errorMessage(error)}`,
    };
  }
}

export interface GuardOptions {
  /** Evaluates the experiment's SLOs once (evaluateSlos with the run's client and SLO set); absent: no SLOs. */
  readonly evaluateSlos?: (signal?: AbortSignal) => Promise<SloCheckResult>;
  readonly probes: readonly ProbeSpec[];
  /** Runners by probe kind; http is built in. A probe kind without a runner is refused when the guard is made. */
  readonly runners?: Partial<Record<ProbeSpec['kind'], ProbeRunner>>;
}

/** A guard over SLOs and probes, observed together at each interval. */
export function createGuard(options: GuardOptions): Guard {
  const runners: Partial<Record<ProbeSpec['kind'], ProbeRunner>> = {
    http: (probe, signal) => httpProbe(probe as Extract<ProbeSpec, { kind: 'http' }>, signal),
    ...options.runners,
  };
  for (const probe of options.probes) {
    if (!runners[probe.kind]) {
      throw new UserError(`probe ${probe.name}: ${probe.kind} probes are not supported in this version of chaos-gate`);
    }
  }
  return {
    async observe(signal) {
      const parts: Promise<Observation>[] = options.probes.map((probe) => runners[probe.kind]!(probe, signal));
      if (options.evaluateSlos) {
        parts.push(
          options.evaluateSlos(signal).then(observationOfSlos, (error: unknown) => {
            if (error instanceof UserError || signal?.aborted) throw error;
            return { state: 'unknown' as const, reason: `SLO evaluation failed: ${errorMessage(error)}` };
          }),
        );
      }
      return worstObservation(await Promise.all(parts));
    },
  };
}
