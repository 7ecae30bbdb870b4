/**
 * The host a step runs in: the GitHub runner (runner-host.ts, the only module that touches @actions/core) or a test
 * (testing/test-host.ts). The runtime is built on top of it, so an action's code runs the same in both.
 */
import type { Clock, InputSource, Logger } from '@gauntlet/action-kit';
import type { CreateOctokitOptions, GitHubClient, SummaryWriter } from '@gauntlet/github';

export type CancelSignal = 'SIGINT' | 'SIGTERM';

export interface RunnerHost {
  /** The step's environment: GITHUB_* (the workflow run), RUNNER_*, and whatever the workflow sets. */
  readonly env: NodeJS.ProcessEnv;
  /** Where inputs come from (INPUT_<NAME> on the runner). */
  readonly input: InputSource;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly summary: SummaryWriter;
  setOutput(name: string, value: string): void;
  saveState(name: string, value: string): void;
  /** What the main step saved (STATE_<name> in the post step); '' when nothing was saved. */
  getState(name: string): string;
  /** Registers one value with the log masker. */
  setSecret(value: string): void;
  /** Marks the step failed; `error` is what was thrown (tests keep it, the runner prints its message). */
  setFailed(message: string, error: unknown): void;
  /** Subscribes to the runner's cancellation (SIGINT, then SIGTERM); returns the unsubscribe. */
  onCancel(listener: (signal: CancelSignal) => void): () => void;
  /** Called once the step is done, after all awaited work. */
  exit(): void;
  /** Builds the GitHub client for a token (tests point it at a stand-in and shrink its waits). */
  githubClient?(token: string, defaults: CreateOctokitOptions): GitHubClient;
  /** The report's pause before looking again after an unclear write (tests shrink it; default 3 s). */
  readonly reportSettleMs?: number;
}
