/**
 * What a mode needs from the outside world, as an interface: the runner adapter in main.ts fills it with the real
 * thing (outputs, state, secrets, reporting, the signal that fires on SIGINT/SIGTERM), tests with recorders.
 */
import type { Logger } from '@gauntlet/action-kit';
import type { Clock, KubeClient, LoadedKubeConfig } from '@gauntlet/kube';
import type { RunContext } from './context.js';
import type { Inputs } from './inputs.js';
import type { EnvironmentReport } from './report.js';

export interface Runtime {
  readonly logger: Logger;
  readonly clock: Clock;
  /** Aborts on cancellation (SIGINT/SIGTERM from the runner). */
  readonly signal: AbortSignal;
  setOutput(name: string, value: string): void;
  saveState(name: string, value: string): void;
  registerSecret(value: string): void;
  /** Publishes the report (check run, PR comment section, job summary). Never throws. */
  publish(report: EnvironmentReport): Promise<void>;
  /** The kubeconfig, loaded (and its secrets registered) before anything was logged. */
  readonly kube: LoadedKubeConfig;
  /** Builds the Kubernetes client; called only once a cluster request is due (after identity and state are saved). */
  connect(): Promise<KubeClient>;
}

export interface ModeArgs {
  inputs: Inputs;
  ctx: RunContext;
  rt: Runtime;
}
