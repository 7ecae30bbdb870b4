/**
 * The main step. Everything is loaded and validated before the first write: the experiment files, the SLOs, the
 * allow-list, every fault backend and every guard, and the cluster is reached once. Then each experiment runs
 * under its guard (steady state before, guard during, recovery after), with every fault in the action's state
 * before it is injected, so the post step can revert from the state alone. The report, JUnit and journal are
 * written whatever happened; the step fails unless every experiment passed.
 */
import { InputError, UserError, errorMessage, writeFileInside } from '@gauntlet/action-kit';
import type { ActionRuntime } from '@gauntlet/action-runtime';
import {
  assertInsideAllowList,
  chooseTargets,
  combineLimits,
  loadBackend,
  preflightExperiment,
  runExperiment,
  type ExperimentResult,
  type ExperimentSpec,
  type FaultBackend,
  type FaultSpec,
  type Guard,
  type LedgerEntry,
  type RunDeps,
} from '@gauntlet/chaos';
import { connect as connectKube, type KubeClient, type KubeconfigInput } from '@gauntlet/kube';
import { createPrometheusClient, loadSlos, readSloSources, type PrometheusClient, type SloSet } from '@gauntlet/slo';
import { ACTION, Outputs, State } from './constants.js';
import { prepareEvents, usesEvents, type EventsPlugin } from './events.js';
import { loadExperimentFiles } from './files.js';
import { autoSelect, saveHistory, type AutoSelected } from './auto-select.js';
import { guardFor, sloChoiceFor } from './guard.js';
import type { Inputs, RunInputs } from './inputs.js';
import { killSwitch } from './kill-switch.js';
import { reachCluster } from './reach.js';
import { overallVerdict, type RunSummary } from './verdict.js';
import { publishRunReport, writeArtifacts } from './report.js';

export async function main(inputs: Inputs, rt: ActionRuntime): Promise<void> {
  if (inputs.mode === 'reap') {
    const { reap } = await import('./reap.js');
    return reap(inputs, rt);
  }
  return runMode(inputs, rt);
}

/** The run's id on cluster objects (a label value): the workflow run and attempt, never user text. */
export function chaosRunId(rt: ActionRuntime): string {
  return `gh-${rt.run.runId}-${rt.run.runAttempt}`;
}

/** The cluster through @gauntlet/kube's one connect: every secret it loads or sends registered, our user agent. */
export function connect(
  kubeconfig: KubeconfigInput | undefined,
  rt: Pick<ActionRuntime, 'registerSecret' | 'userAgent'>,
): Promise<KubeClient> {
  return connectKube({ kubeconfig, registerSecret: rt.registerSecret, userAgent: rt.userAgent });
}

interface Prepared {
  readonly experiments: readonly ExperimentSpec[];
  readonly auto?: AutoSelected;
  readonly guards: ReadonlyMap<string, Guard>;
  readonly client: KubeClient;
  /** Event probes and faults, with their brokers reached; closed when the run ends. */
  readonly events?: EventsPlugin;
}

/** Everything that can be wrong with the inputs, found before any write. */
async function prepare(inputs: RunInputs, rt: ActionRuntime): Promise<Prepared & { prometheus?: PrometheusClient }> {
  const workspace = rt.run.workspace;
  const experiments = await loadExperimentFiles(inputs.experiments, workspace);
  assertInsideAllowList(experiments, { defaultNamespace: inputs.namespace, allowed: inputs.allowedNamespaces });
  for (const experiment of experiments) {
    for (const step of experiment.steps) {
      for (const fault of step.faults) {
        if (fault.type !== 'event') await loadBackend(fault.type);
        if (fault.type === 'toxiproxy' && inputs.toxiproxyUrl === undefined)
          throw new InputError(
            'toxiproxy-url',
            `is required: experiment ${experiment.name} (${experiment.origin}) has a toxiproxy fault on proxy '${fault.proxy}'`,
          );
      }
    }
  }
  let slos: SloSet | undefined;
  if (inputs.slos !== undefined || inputs.sloFiles.length > 0) {
    slos = loadSlos(await readSloSources(inputs.slos, inputs.sloFiles, workspace));
  }
  const prometheus = inputs.prometheus
    ? createPrometheusClient({
        url: inputs.prometheus.url,
        registerSecret: rt.registerSecret,
        timeoutMs: Math.min(30_000, Math.max(2_000, inputs.intervalMs)),
        logger: rt.logger,
        headers: inputs.prometheus.headers,
        proxyEnv: rt.env,
        ...(inputs.prometheus.auth ? { auth: inputs.prometheus.auth } : {}),
      })
    : undefined;
  const vars: Record<string, string> = {
    namespace: inputs.namespace,
    ...(rt.run.prNumber !== undefined ? { pr: String(rt.run.prNumber) } : {}),
    sha: rt.run.headSha,
    ...inputs.vars,
  };
  for (const experiment of experiments) sloChoiceFor(experiment, slos);
  // The files are checked before the kubeconfig is read (a bad file is named first); creating the client reaches
  // nothing, and the probes' guards need it.
  const client = await connect(inputs.kubeconfig, rt);
  const guards = new Map<string, Guard>();
  let events: EventsPlugin | undefined;
  let auto: AutoSelected | undefined;
  try {
    // Every event definition read and every broker it uses reached before anything is written.
    if (usesEvents(experiments))
      events = await prepareEvents(experiments, inputs.brokers, {
        runId: chaosRunId(rt),
        log: (line) => rt.logger.info(line),
        now: () => rt.clock.now(),
      });
    if (inputs.auto) {
      // Reads only (the graph, the rates, the history file); the picks are validated like files' experiments.
      auto = await autoSelect(inputs.auto, {
        client,
        ...(prometheus ? { prometheus } : {}),
        namespace: inputs.namespace,
        workspace,
        seed: chaosRunId(rt),
        nowMs: rt.clock.now(),
        recoveryTimeoutMs: inputs.recoveryTimeoutMs ?? 120_000,
      });
      for (const note of auto.notes) rt.logger.info(`auto-targets: ${note}`);
      for (const experiment of auto.experiments) {
        if (experiments.some((e) => e.name === experiment.name))
          throw new UserError(`auto-targets picked '${experiment.name}', which an experiment file also defines`);
        for (const step of experiment.steps) for (const fault of step.faults) await loadBackend(fault.type);
        sloChoiceFor(experiment, slos);
      }
      assertInsideAllowList(auto.experiments, {
        defaultNamespace: inputs.namespace,
        allowed: inputs.allowedNamespaces,
      });
      experiments.push(...auto.experiments);
    }
    for (const experiment of experiments) {
      guards.set(
        experiment.name,
        guardFor(experiment, {
          ...(slos ? { slos } : {}),
          ...(prometheus ? { prometheus } : {}),
          vars,
          sloWindowMs: inputs.sloWindowMs,
          minRequests: inputs.minRequests,
          scrapeIntervalMs: inputs.scrapeIntervalMs,
          logger: rt.logger,
          ...(events ? { eventRunner: events.runner } : {}),
          // ready, Prometheus and command probes (a Chaos Toolkit hypothesis uses all three) need these.
          environment: {
            kube: client,
            defaultNamespace: inputs.namespace,
            targets: experiment.targets,
            ...(prometheus ? { prometheus } : {}),
            cwd: workspace,
            now: () => rt.clock.now(),
          },
        }),
      );
    }
  } catch (error) {
    client.close();
    await events?.close();
    throw error;
  }
  return {
    experiments,
    guards,
    client,
    ...(events ? { events } : {}),
    ...(auto ? { auto } : {}),
    ...(prometheus ? { prometheus } : {}),
  };
}

async function runMode(inputs: RunInputs, rt: ActionRuntime): Promise<void> {
  const { logger } = rt;
  const startedAt = rt.clock.now();
  const prepared = await prepare(inputs, rt);
  const { client, events } = prepared;
  const backendOf = async (type: FaultSpec['type']): Promise<FaultBackend> => {
    const backend = type === 'event' && events ? events.backend : await loadBackend(type);
    // The events plug-in learns while any fault is injected (its lag probes with afterFaults wait for the revert).
    return events ? events.watch(backend) : backend;
  };
  const runId = chaosRunId(rt);
  const contextFor = (experiment: ExperimentSpec): RunDeps['context'] => {
    const limits = combineLimits(inputs.limits, experiment.blastRadius);
    return {
      client,
      runId,
      defaultNamespace: inputs.namespace,
      dryRun: inputs.dryRun,
      limitTargets: (candidates, target) =>
        chooseTargets(candidates, limits, `${runId}/${experiment.name}/${target.name}`),
      log: (line) => logger.info(line),
      signal: rt.signal,
      now: () => rt.clock.now(),
      ...(inputs.toxiproxyUrl ? { toxiproxyUrl: inputs.toxiproxyUrl } : {}),
    };
  };
  logger.info(
    `${prepared.experiments.length} experiment${prepared.experiments.length === 1 ? '' : 's'} validated; allowed namespaces: ${inputs.allowedNamespaces.join(', ')}${inputs.dryRun ? ' (dry run: server-side, nothing persists)' : ''}`,
  );
  for (const experiment of prepared.experiments) {
    for (const note of experiment.notes ?? []) logger.info(`${experiment.origin}: ${experiment.name}: ${note}`);
  }
  const results: ExperimentResult[] = [];
  let failure: unknown;
  try {
    const haltRequested = killSwitch({
      client,
      namespaces: inputs.allowedNamespaces,
      ...(inputs.haltConfigMap ? { configMap: inputs.haltConfigMap } : {}),
      ...(inputs.haltLabel ? { label: inputs.haltLabel } : {}),
      run: rt.run,
      github: rt.github,
      logger,
    });
    // Reaching the cluster (and reading the halt ConfigMap) once before anything: an unreachable cluster or a
    // missing permission is a clear error while nothing has been written.
    await reachCluster(client, inputs.allowedNamespaces, rt.signal);
    await haltRequested();
    // Every fault of every experiment planned (reads only) before the first write of the run: a refusal in a later
    // step or experiment is an error while nothing has been touched.
    for (const experiment of prepared.experiments)
      await preflightExperiment(experiment, { context: contextFor(experiment), loadBackend: backendOf });

    const done: LedgerEntry[] = [];
    const saveLedger = (entries: readonly LedgerEntry[]): void => rt.saveState(State.ledger, [...done, ...entries]);
    rt.saveState(State.ledger, []);
    for (const [index, experiment] of prepared.experiments.entries()) {
      if (rt.signal.aborted) break;
      logger.info(`Experiment ${index + 1}/${prepared.experiments.length}: ${experiment.name}`);
      const spec: ExperimentSpec =
        inputs.recoveryTimeoutMs === undefined
          ? experiment
          : { ...experiment, recoveryTimeoutMs: inputs.recoveryTimeoutMs };
      try {
        const result = await runExperiment(spec, {
          context: contextFor(experiment),
          guard: prepared.guards.get(experiment.name)!,
          saveLedger,
          loadBackend: backendOf,
          intervalMs: inputs.intervalMs,
          sleep: (ms, signal) => rt.clock.sleep(ms, signal),
          haltRequested,
        });
        done.push(...result.entries);
        saveLedger([]);
        results.push(result);
        logger.info(`${experiment.name}: ${result.verdict}: ${result.reason}`);
      } catch (error) {
        const cancelled = rt.signal.aborted;
        results.push({
          name: experiment.name,
          verdict: cancelled ? 'halted' : 'fail',
          reason: cancelled ? `cancelled: ${errorMessage(rt.signal.reason)}` : `error: ${errorMessage(error)}`,
          trajectory: [],
          entries: [],
          journal: [{ atMs: rt.clock.now(), event: cancelled ? 'cancelled' : 'error', detail: errorMessage(error) }],
        });
        failure = error;
        break;
      }
    }
  } finally {
    client.close();
    await events?.close();
  }
  for (const experiment of prepared.experiments.slice(results.length)) {
    results.push({
      name: experiment.name,
      verdict: 'not-started',
      reason: 'not run: an earlier experiment was cancelled or ended with an error',
      trajectory: [],
      entries: [],
      journal: [],
    });
  }

  if (prepared.auto && !inputs.dryRun)
    await saveHistory(prepared.auto, results, {
      ...(inputs.auto?.historyPath ? { historyPath: inputs.auto.historyPath } : {}),
      workspace: rt.run.workspace,
      run: rt.run,
      nowMs: rt.clock.now(),
      logger,
    });
  const summary: RunSummary = {
    runId,
    ...(prepared.auto ? { selection: prepared.auto.selection } : {}),
    startedAtMs: startedAt,
    finishedAtMs: rt.clock.now(),
    dryRun: inputs.dryRun,
    namespaces: inputs.allowedNamespaces,
    experiments: prepared.experiments,
    results,
    verdict: overallVerdict(results),
  };
  const files = await writeArtifacts(summary, inputs, rt.run.workspace, writeFileInside);
  rt.setOutput(Outputs.verdict, summary.verdict);
  rt.setOutput(Outputs.journal, files.journal);
  rt.setOutput(Outputs.junit, files.junit);
  rt.setOutput(
    Outputs.results,
    results.map((r) => ({ name: r.name, verdict: r.verdict, reason: r.reason, timeToRecoveryMs: r.timeToRecoveryMs })),
  );
  if (failure === undefined && results.every((r) => r.entries.every((e) => e.state === 'reverted')))
    rt.saveState(State.clean, 'true');
  await publishRunReport(summary, inputs, rt);

  if (failure !== undefined) throw failure instanceof Error ? failure : new Error(errorMessage(failure));
  if (summary.verdict !== 'pass' && !inputs.dryRun) {
    const bad = results.filter((r) => r.verdict !== 'pass');
    throw new UserError(
      `${bad.length} of ${results.length} experiment${results.length === 1 ? '' : 's'} did not pass: ${bad.map((r) => `${r.name} ${r.verdict} (${r.reason})`).join('; ')}`,
    );
  }
  logger.info(`${ACTION}: ${summary.verdict}`);
}
