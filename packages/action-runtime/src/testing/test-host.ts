/**
 * A RunnerHost that records: inputs from a map, outputs, state, registered secrets, the job summary and the
 * failure in memory; cancellation on demand. runStep() runs an action's step on it with the real runtime, so the
 * secret masking, input parsing, error boundary and report fallback under test are the ones the runner gets.
 */
import { systemClock, type Clock } from '@gauntlet/action-kit';
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import { MemorySummaryWriter, createOctokit, type CreateOctokitOptions, type GitHubClient } from '@gauntlet/github';
import type { DefinedAction } from '../define-action.js';
import type { CancelSignal, RunnerHost } from '../host.js';
import type { Step } from '../runtime.js';

export interface TestHostOptions {
  /** Input values by name, as the runner passes them (action.yml defaults are not filled in here). */
  readonly inputs?: Readonly<Record<string, string>>;
  /** The step's environment (GITHUB_*, RUNNER_*); nothing of this process's own leaks in. */
  readonly env?: Readonly<Record<string, string>>;
  /** State the main step saved (for a post step). */
  readonly state?: Readonly<Record<string, string>>;
  readonly clock?: Clock;
  /** Aborting it cancels the step as the runner's SIGINT would. */
  readonly cancel?: AbortSignal;
  /** Overrides of the GitHub client the runtime builds (a stand-in's short waits). */
  readonly github?: Partial<CreateOctokitOptions>;
  /** The report's settle pause (default here 10 ms: the stand-in answers at once). */
  readonly reportSettleMs?: number;
}

export class TestHost implements RunnerHost {
  readonly env: NodeJS.ProcessEnv;
  readonly logger = new RecordingLogger();
  readonly clock: Clock;
  readonly summary = new MemorySummaryWriter();
  readonly outputs: Record<string, string> = {};
  readonly state: Record<string, string>;
  /** Every value given to the masker, in order. */
  readonly secrets: string[] = [];
  /** The failure message, when the step failed. */
  failed: string | undefined;
  /** What the step threw, when it failed. */
  error: unknown;
  exited = false;
  readonly reportSettleMs: number;
  private readonly inputs: Readonly<Record<string, string>>;

  constructor(private readonly options: TestHostOptions = {}) {
    this.inputs = options.inputs ?? {};
    this.env = { ...options.env };
    this.state = { ...options.state };
    this.clock = options.clock ?? systemClock;
    this.reportSettleMs = options.reportSettleMs ?? 10;
  }

  input = (name: string): string | undefined => this.inputs[name];
  setOutput(name: string, value: string): void {
    this.outputs[name] = value;
  }
  saveState(name: string, value: string): void {
    this.state[name] = value;
  }
  getState(name: string): string {
    return this.state[name] ?? '';
  }
  setSecret(value: string): void {
    this.secrets.push(value);
  }
  setFailed(message: string, error: unknown): void {
    this.failed = message;
    this.error = error;
  }
  onCancel(listener: (signal: CancelSignal) => void): () => void {
    const signal = this.options.cancel;
    if (!signal) return () => undefined;
    const fire = (): void => listener('SIGINT');
    if (signal.aborted) queueMicrotask(fire);
    else signal.addEventListener('abort', fire, { once: true });
    return () => signal.removeEventListener('abort', fire);
  }
  exit(): void {
    this.exited = true;
  }
  githubClient(token: string, defaults: CreateOctokitOptions): GitHubClient {
    return createOctokit(token, { ...defaults, ...this.options.github });
  }
}

/** Runs one step of an action on a fresh TestHost and returns the host to assert on. */
export async function runStep<I>(
  action: DefinedAction<I>,
  step: Step,
  options: TestHostOptions = {},
): Promise<TestHost> {
  const host = new TestHost(options);
  await action[step](host);
  return host;
}
