/**
 * What a mode (up, down, reap) is given: its inputs, the run context, the action runtime every action gets, the
 * cluster and the report. main.ts fills it in on the runner; the integration tests fill it in with the same runtime
 * on a TestHost, a recording client and a report recorder.
 */
import type { ActionRuntime } from '@gauntlet/action-runtime';
import type { KubeClient, LoadedKubeConfig } from '@gauntlet/kube';
import type { RunContext } from './context.js';
import type { Inputs } from './inputs.js';
import type { EnvironmentReport } from './report.js';

export interface Cluster {
  /** The kubeconfig, loaded (and its secrets registered) before anything was logged. */
  readonly kube: LoadedKubeConfig;
  /** Builds the Kubernetes client; called only once a cluster request is due (after identity and state are saved). */
  connect(): Promise<KubeClient>;
}

export interface ModeArgs {
  readonly inputs: Inputs;
  readonly ctx: RunContext;
  readonly rt: ActionRuntime;
  readonly cluster: Cluster;
  /** Publishes the report through the runtime (check run, PR comment section, job summary). Never throws. */
  readonly publish: (report: EnvironmentReport) => Promise<void>;
}
