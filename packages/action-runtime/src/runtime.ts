/**
 * What every action step receives: the outside world as one object. Actions never reach for process.env, signals,
 * @actions/core or @actions/github themselves, so the same code runs on the runner, in the local runner and in
 * tests (testing/), and the rules every action must agree on (PR head SHA, secret masking before first use, one
 * cancellation signal, one user agent, the no-token fallback of the report) are written here once.
 */
import {
  maskSecret,
  readWorkflowRun,
  stripControls,
  type Clock,
  type Logger,
  type WorkflowRun,
} from '@gauntlet/action-kit';
import { createOctokit, type GitHubClient, type PublishResult, type SummaryWriter } from '@gauntlet/github';
import type { CancelSignal, RunnerHost } from './host.js';
import { reportPublisher, type ActionReport } from './report.js';

export type Step = 'main' | 'post';

export interface ActionRuntime {
  /** The action's name (its folder under actions/). */
  readonly action: string;
  readonly step: Step;
  readonly logger: Logger;
  readonly clock: Clock;
  /**
   * Aborted when the runner cancels the step (SIGINT, then SIGTERM); its reason is an Error naming the signal.
   * Listeners run in the order they were added, so an action that must record the cancellation first adds its
   * listener first.
   */
  readonly signal: AbortSignal;
  /** The workflow run: event, repository, PR number, PR head SHA (never the merge commit), run id and attempt. */
  readonly run: WorkflowRun;
  /** The step's environment (RUNNER_NAME, RUNNER_TEMP, KUBECONFIG, …), read-only by convention. */
  readonly env: NodeJS.ProcessEnv;
  /** `gauntlet/<action>` (main) or `gauntlet/<action>-post`: the one spelling for every client we build. */
  readonly userAgent: string;
  readonly setOutput: (name: string, value: string | number | boolean | object) => void;
  readonly saveState: (name: string, value: string | object) => void;
  /** What the main step saved; '' when nothing was. */
  readonly getState: (name: string) => string;
  /**
   * Registers a secret with the log masker (the whole value and each substantial line) before its first use, and
   * with the report's redactor. Registering a value twice is a no-op.
   */
  readonly registerSecret: (value: string | undefined) => void;
  /** The job summary, for writes outside the report. */
  readonly summary: SummaryWriter;
  /** The github-token input (else GITHUB_TOKEN); registered as a secret before the inputs were parsed. */
  readonly githubToken: string | undefined;
  /** A GitHub client with the token, or undefined without one. Built once. */
  readonly github: () => GitHubClient | undefined;
  /**
   * Publishes the action's report: its PR comment section, its check run and the job summary. Without a token:
   * the job summary and one warning. Never throws.
   */
  readonly report: (report: ActionReport) => Promise<PublishResult>;
}

export interface RuntimeHandle {
  readonly runtime: ActionRuntime;
  /** Stops listening for cancellation. */
  readonly dispose: () => void;
}

/** The input every action takes for reporting (default `${{ github.token }}` in action.yml). */
export const GITHUB_TOKEN_INPUT = 'github-token';

/** Secrets shorter than this get a warning when registered. */
export const MIN_SAFE_SECRET_LENGTH = 8;

export function createRuntime(action: string, step: Step, host: RunnerHost): RuntimeHandle {
  const { logger } = host;
  const registered = new Set<string>();
  const registerSecret = (value: string | undefined): void => {
    const trimmed = value?.trim();
    if (!trimmed || registered.has(trimmed)) return;
    registered.add(trimmed);
    maskSecret((piece) => host.setSecret(piece), trimmed);
    // The log shows untrusted text with its control characters stripped: a secret holding one would reach the log
    // in its control-free form, which the runner must mask too.
    const clean = stripControls(trimmed).trim();
    if (clean && clean !== trimmed && !registered.has(clean)) {
      registered.add(clean);
      maskSecret((piece) => host.setSecret(piece), clean);
    }
    // Never naming the value: a short secret is masked wherever its characters occur, which shreds the log and
    // shows where they stood; say so, so it can be replaced by a longer one.
    if (clean.length < MIN_SAFE_SECRET_LENGTH)
      logger.warning(
        `a secret of ${clean.length} characters was registered: too short to mask safely (every occurrence of those characters in the log is masked). Use secrets of at least ${MIN_SAFE_SECRET_LENGTH} characters`,
      );
  };
  const githubToken = host.input(GITHUB_TOKEN_INPUT)?.trim() || host.env.GITHUB_TOKEN?.trim() || undefined;
  registerSecret(githubToken);

  const controller = new AbortController();
  const onCancel = (signal: CancelSignal): void => {
    if (controller.signal.aborted) return;
    logger.info(`Received ${signal}: cancelling.`);
    controller.abort(new Error(`cancelled by ${signal}`));
  };
  const unsubscribe = host.onCancel(onCancel);

  const run = readWorkflowRun(host.env);
  const userAgent = `gauntlet/${action}${step === 'post' ? '-post' : ''}`;
  let client: GitHubClient | undefined;
  const github = (): GitHubClient | undefined => {
    if (!githubToken) return undefined;
    const defaults = { logger, baseUrl: run.apiUrl, userAgent };
    client ??= host.githubClient ? host.githubClient(githubToken, defaults) : createOctokit(githubToken, defaults);
    return client;
  };

  const runtime: ActionRuntime = {
    action,
    step,
    logger,
    clock: host.clock,
    signal: controller.signal,
    run,
    env: host.env,
    userAgent,
    setOutput: (name, value) => host.setOutput(name, typeof value === 'object' ? JSON.stringify(value) : String(value)),
    saveState: (name, value) => host.saveState(name, typeof value === 'string' ? value : JSON.stringify(value)),
    getState: (name) => host.getState(name),
    registerSecret,
    summary: host.summary,
    githubToken,
    github,
    report: reportPublisher({
      action,
      logger,
      run,
      summary: host.summary,
      github,
      secrets: () => [...registered],
      ...(host.reportSettleMs === undefined ? {} : { settleMs: host.reportSettleMs }),
    }),
  };
  return { runtime, dispose: unsubscribe };
}
