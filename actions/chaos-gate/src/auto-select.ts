/**
 * auto-targets: experiments picked from the environment's dependency graph instead of (or besides) files. The
 * graph is read (list only), request rates come from the traffic query when there is one, and the history of past
 * outcomes comes from a workspace file the workflow restores from the Actions cache. The file is written back only
 * by trusted runs (push, schedule or manual on the default branch), so a pull request cannot teach the selection
 * to skip a weak spot.
 */
import { existsSync } from 'node:fs';
import {
  errorMessage,
  neutralize,
  readFileInside,
  writeFileInside,
  writeTrust,
  type Logger,
} from '@gauntlet/action-kit';
import type { WorkflowRun } from '@gauntlet/action-kit';
import {
  experimentDocumentFor,
  loadExperiments,
  parseHistory,
  rankPairs,
  readDependencyGraph,
  recordOutcome,
  serializeHistory,
  trafficByService,
  type ExperimentResult,
  type ExperimentSpec,
  type Selection,
  type SelectionHistory,
} from '@gauntlet/chaos';
import type { KubeClient } from '@gauntlet/kube';
import type { PrometheusClient } from '@gauntlet/slo';

export interface AutoSelectInputs {
  /** How many (target, fault) pairs to run, at most. */
  readonly k: number;
  readonly budgetMs: number;
  /** Each picked fault's duration; its estimate in the budget adds the recovery timeout. */
  readonly faultDurationMs: number;
  readonly guardedServices: readonly string[];
  readonly trafficQuery?: string;
  readonly trafficLabel: string;
  /** Absolute path inside the workspace. */
  readonly historyPath?: string;
}

export interface AutoSelected {
  readonly selection: Selection;
  readonly experiments: ExperimentSpec[];
  /** Experiment name → history pair key. */
  readonly pairs: ReadonlyMap<string, string>;
  readonly history: SelectionHistory;
  readonly notes: readonly string[];
}

const MAX_HISTORY_BYTES = 4 * 1024 * 1024;

export async function autoSelect(
  inputs: AutoSelectInputs,
  deps: {
    client: KubeClient;
    prometheus?: PrometheusClient;
    namespace: string;
    workspace: string;
    seed: string;
    nowMs: number;
    recoveryTimeoutMs: number;
  },
): Promise<AutoSelected> {
  const notes: string[] = [];
  const graph = await readDependencyGraph(deps.client, deps.namespace);
  let traffic: Map<string, number> | undefined;
  if (inputs.trafficQuery !== undefined) {
    if (!deps.prometheus) throw new Error('traffic-query needs prometheus-url');
    const rates = await trafficByService(deps.prometheus, inputs.trafficQuery, inputs.trafficLabel, deps.nowMs);
    traffic = rates.traffic;
    if (rates.problem) notes.push(rates.problem);
  }
  let text: string | undefined;
  if (inputs.historyPath && existsSync(inputs.historyPath))
    text = await readFileInside(deps.workspace, inputs.historyPath, { maxBytes: MAX_HISTORY_BYTES });
  const { history, problem } = parseHistory(text);
  if (problem) notes.push(`history: ${problem}`);
  const selection = rankPairs({
    graph,
    guarded: inputs.guardedServices,
    ...(traffic ? { traffic } : {}),
    history,
    nowMs: deps.nowMs,
    seed: deps.seed,
    k: inputs.k,
    budgetMs: inputs.budgetMs,
    defaultDurationMs: inputs.faultDurationMs + deps.recoveryTimeoutMs,
  });
  const experiments: ExperimentSpec[] = [];
  const pairs = new Map<string, string>();
  for (const pick of selection.picked) {
    const [experiment] = loadExperiments(
      JSON.stringify(experimentDocumentFor(pick, Math.round(inputs.faultDurationMs / 1000))),
      'auto-targets',
    );
    experiments.push(experiment!);
    pairs.set(experiment!.name, pick.key);
  }
  if (selection.picked.length === 0)
    notes.push(
      `no (target, fault) pair to pick: the graph of ${deps.namespace} has ${graph.workloads.length} workload(s)`,
    );
  return { selection, experiments, pairs, history, notes };
}

/** Adds the picked experiments' outcomes and writes the file, when the run is trusted; never fails the run. */
export async function saveHistory(
  selected: AutoSelected,
  results: readonly ExperimentResult[],
  options: { historyPath?: string; workspace: string; run: WorkflowRun; nowMs: number; logger: Logger },
): Promise<void> {
  if (!options.historyPath) return;
  const trust = writeTrust(options.run, { writes: 'the history' });
  if (!trust.trusted) {
    options.logger.info(`Selection history not written: ${trust.reason}.`);
    return;
  }
  let history = selected.history;
  for (const result of results) {
    const key = selected.pairs.get(result.name);
    if (!key) continue;
    const times = result.journal.map((j) => j.atMs);
    const durationMs = times.length ? Math.max(...times) - Math.min(...times) : 0;
    history = recordOutcome(history, key, { verdict: result.verdict, atMs: options.nowMs, durationMs });
  }
  try {
    await writeFileInside(options.workspace, options.historyPath, serializeHistory(history));
    options.logger.info(`Selection history written (${trust.reason}).`);
  } catch (error) {
    options.logger.warning(`Selection history not written: ${neutralize(errorMessage(error))}`);
  }
}
