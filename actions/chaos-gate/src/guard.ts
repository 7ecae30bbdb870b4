import { UserError, type Logger } from '@gauntlet/action-kit';
import {
  createGuard,
  nearestName,
  type ExperimentSpec,
  type Guard,
  type ProbeEnvironment,
  type ProbeRunner,
} from '@gauntlet/chaos';
import { evaluateSlos, type PrometheusClient, type SloSet } from '@gauntlet/slo';

export interface GuardInputs {
  readonly slos?: SloSet;
  readonly prometheus?: PrometheusClient;
  readonly vars: Readonly<Record<string, string>>;
  readonly sloWindowMs: number;
  readonly minRequests: number;
  readonly scrapeIntervalMs: number;
  readonly logger: Logger;
  /** The cluster, namespace, targets, Prometheus and workspace the experiment's probes run against. */
  readonly environment?: ProbeEnvironment;
  /** The events plug-in's runner of `event:` probes, when the run has brokers. */
  readonly eventRunner?: ProbeRunner;
}

/**
 * The SLOs an experiment's guard evaluates (all of them by default), refusing an unknown SLO name and an experiment
 * with nothing to observe. Needs no connection, so it runs before the kubeconfig is read.
 */
export function sloChoiceFor(experiment: ExperimentSpec, slos: SloSet | undefined): SloSet | undefined {
  const all = slos?.slos ?? [];
  const wanted = experiment.steadyState.slos;
  let chosen = all;
  if (wanted !== 'all') {
    const names = all.map((s) => s.name);
    for (const name of wanted) {
      if (!names.includes(name)) {
        const near = nearestName(name, names);
        throw new UserError(
          `${experiment.origin}: experiment '${experiment.name}': steadyState.slos names '${name}', which is not among the SLOs given (${names.join(', ') || 'none: set slos or slo-files'})${near ? `; did you mean '${near}'?` : ''}`,
        );
      }
    }
    chosen = all.filter((s) => wanted.includes(s.name));
  }
  if (chosen.length === 0 && experiment.steadyState.probes.length + experiment.haltProbes.length === 0) {
    throw new UserError(
      `${experiment.origin}: experiment '${experiment.name}' has no steady state to observe: give the action slos or slo-files, or the experiment steadyState.probes (without either its verdict could only be inconclusive)`,
    );
  }
  return chosen.length ? { ...slos!, slos: chosen } : undefined;
}

/**
 * The guard of one experiment: the SLOs it names (all of them by default) evaluated over a short window at each
 * observation, with slo-check's model and burn rates, plus its steady-state and halt probes. Built before any
 * write, so an unknown SLO name or an unsupported probe is an error while nothing has been touched. An experiment
 * with nothing to observe is refused: its verdict could only be inconclusive.
 */
export function guardFor(experiment: ExperimentSpec, inputs: GuardInputs): Guard {
  const set = sloChoiceFor(experiment, inputs.slos);
  const probes = [...experiment.steadyState.probes, ...experiment.haltProbes];
  const client = inputs.prometheus;
  return createGuard({
    probes,
    ...(inputs.environment ? { environment: inputs.environment } : {}),
    ...(inputs.eventRunner ? { runners: { event: inputs.eventRunner } } : {}),
    ...(set && client
      ? {
          evaluateSlos: (signal?: AbortSignal) =>
            evaluateSlos({
              slos: set,
              client,
              logger: inputs.logger,
              vars: inputs.vars,
              minRequests: inputs.minRequests,
              scrapeIntervalMs: inputs.scrapeIntervalMs,
              windowOverride: { kind: 'duration', ms: inputs.sloWindowMs },
              ...(signal ? { signal } : {}),
            }),
        }
      : {}),
  });
}
