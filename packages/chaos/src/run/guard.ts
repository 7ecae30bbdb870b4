import { UserError, errorMessage } from '@gauntlet/action-kit';
import type { KubeClient } from '@gauntlet/kube';
import type { PrometheusClient, SloCheckResult } from '@gauntlet/slo';
import type { ProbeSpec, TargetSpec } from '../experiment/model.js';
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

/** What the built-in probes need besides their spec; a probe whose part is missing is refused when the guard is made. */
export interface ProbeEnvironment {
  /** ready probes: the cluster, the run's namespace and the experiment's targets. */
  readonly kube?: KubeClient;
  readonly defaultNamespace?: string;
  readonly targets?: readonly TargetSpec[];
  /** prometheus probes (the action's prometheus-url connection). */
  readonly prometheus?: PrometheusClient;
  /** command probes: their working directory (the workspace) and environment (default: commandEnv()). */
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => number;
}

export interface GuardOptions {
  /** Evaluates the experiment's SLOs once (evaluateSlos with the run's client and SLO set); absent: no SLOs. */
  readonly evaluateSlos?: (signal?: AbortSignal) => Promise<SloCheckResult>;
  readonly probes: readonly ProbeSpec[];
  readonly environment?: ProbeEnvironment;
  /** Runners by probe kind, over the built-in ones (tests, plug-ins). */
  readonly runners?: Partial<Record<ProbeSpec['kind'], ProbeRunner>>;
}

/** The built-in runners the environment allows, and for each kind it does not, what is missing. */
function builtInRunners(env: ProbeEnvironment): {
  runners: Partial<Record<ProbeSpec['kind'], ProbeRunner>>;
  missing: Partial<Record<ProbeSpec['kind'], string>>;
} {
  const runners: Partial<Record<ProbeSpec['kind'], ProbeRunner>> = {
    http: (probe, signal) => httpProbe(probe as Extract<ProbeSpec, { kind: 'http' }>, signal),
    command: async (probe, signal) =>
      (await import('./probes/command.js')).commandProbe(
        probe as Extract<ProbeSpec, { kind: 'command' }>,
        { ...(env.cwd ? { cwd: env.cwd } : {}), ...(env.env ? { env: env.env } : {}) },
        signal,
      ),
  };
  const missing: Partial<Record<ProbeSpec['kind'], string>> = {};
  const { kube, defaultNamespace, prometheus } = env;
  if (kube && defaultNamespace) {
    const targets = new Map((env.targets ?? []).map((t) => [t.name, t]));
    runners.ready = async (probe, signal) =>
      (await import('./probes/ready.js')).readyProbe(
        probe as Extract<ProbeSpec, { kind: 'ready' }>,
        { client: kube, defaultNamespace, targets },
        signal,
      );
  } else missing.ready = 'a Kubernetes connection (kubeconfig) and namespace';
  if (prometheus) {
    const now = env.now ?? Date.now;
    runners.prometheus = async (probe, signal) =>
      (await import('./probes/prometheus.js')).prometheusProbe(
        probe as Extract<ProbeSpec, { kind: 'prometheus' }>,
        prometheus,
        now,
        signal,
      );
  } else missing.prometheus = 'a Prometheus connection (prometheus-url)';
  return { runners, missing };
}

/** A guard over SLOs and probes, observed together at each interval. */
export function createGuard(options: GuardOptions): Guard {
  const builtIn = builtInRunners(options.environment ?? {});
  const runners: Partial<Record<ProbeSpec['kind'], ProbeRunner>> = { ...builtIn.runners, ...options.runners };
  for (const probe of options.probes) {
    if (!runners[probe.kind]) {
      const missing = builtIn.missing[probe.kind];
      throw new UserError(
        missing
          ? `probe ${probe.name}: a ${probe.kind} probe needs ${missing}`
          : `probe ${probe.name}: ${probe.kind} probes are not supported in this version of chaos-gate`,
      );
    }
  }
  return {
    async observe(signal) {
      const parts: Promise<Observation>[] = options.probes.map((probe) =>
        runners[probe.kind]!(probe, signal).catch((error: unknown) => {
          if (signal?.aborted) throw error;
          return { state: 'unknown' as const, reason: `probe ${probe.name} failed: ${errorMessage(error)}` };
        }),
      );
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
