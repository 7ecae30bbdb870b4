/**
 * The main step: parse inputs, load the kubeconfig and register every secret in it before the first log line,
 * refuse fork-triggered privileged events, then run the mode. SIGINT/SIGTERM from the runner abort the work; mode
 * up then requests deletion of what it created at once (the post step finishes the job).
 */
import { UserError, type Logger } from '@gauntlet/action-kit';
import { appendJobSummary, getActionsLogger, registerSecret, saveState, setOutput } from '@gauntlet/action-kit/runner';
import {
  JOB_SUMMARY_LIMIT,
  createOctokit,
  framed,
  publishReport,
  renderWithin,
  reportContextOfRun,
} from '@gauntlet/github';
import { KubeClient, kubeConfigSecrets, mapLimit, systemClock, type LoadedKubeConfig } from '@gauntlet/kube';
import { ACTION, State } from './constants.js';
import { maskAndLoadCredentials, maskRawCredentials } from './credentials.js';
import { readRunContext, type RunContext } from './context.js';
import { down } from './down.js';
import { parseInputs, type Inputs } from './inputs.js';
import { reap } from './reap.js';
import { renderReport, type EnvironmentReport } from './report.js';
import type { Runtime } from './runtime.js';
import { up } from './up.js';

export async function run(): Promise<void> {
  const logger = getActionsLogger();
  const inputs = parseInputs();
  maskRawCredentials(inputs);
  const ctx = readRunContext();
  // Refused before the kubeconfig is even parsed: a fork's event never gets as far as our cluster credentials.
  // (The raw input is already masked whole; its individual secrets are registered when it is parsed below.)
  if (inputs.mode === 'up' && ctx.forkEvent && !inputs.allowForkEvents) {
    throw new UserError(
      `refusing to provision for ${ctx.forkEvent}: that event runs with this repository's secrets, so a fork's manifests would be deployed with your cluster credentials. Use the pull_request event, or set allow-fork-events: true if you have reviewed the risk.`,
    );
  }
  const kube = await maskAndLoadCredentials(inputs);
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) return;
    // First, so the post step knows the job was cancelled even if the environment had just become ready.
    saveState(State.cancelled, 'true');
    logger.info(`received ${signal}: cancelling`);
    controller.abort(new Error(`cancelled by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const rt = runtime(logger, inputs, ctx, kube, controller.signal);
  switch (inputs.mode) {
    case 'up':
      return up({ inputs, ctx, rt });
    case 'down':
      return down({ inputs, ctx, rt });
    case 'reap':
      return reap({ inputs, ctx, rt }, (numbers) => pullRequestStates(logger, inputs, ctx, numbers));
  }
}

function githubToken(inputs: Inputs): string | undefined {
  return inputs.githubToken ?? process.env.GITHUB_TOKEN;
}

export function runtime(
  logger: Logger,
  inputs: Inputs,
  ctx: RunContext,
  kube: LoadedKubeConfig,
  signal: AbortSignal,
): Runtime {
  return {
    logger,
    clock: systemClock,
    signal,
    kube,
    setOutput: (name, value) => setOutput(name, value),
    saveState: (name, value) => saveState(name, value),
    registerSecret: (value) => registerSecret(value),
    connect: () => KubeClient.create(kube.kubeConfig, { userAgent: `gauntlet/${ACTION}` }),
    publish: (report) => publish(logger, inputs, ctx, kube, report),
  };
}

async function publish(
  logger: Logger,
  inputs: Inputs,
  ctx: RunContext,
  kube: LoadedKubeConfig,
  report: EnvironmentReport,
): Promise<void> {
  if (!inputs.report) return;
  const rendered = renderReport(report);
  const token = githubToken(inputs);
  const secrets = [...kubeConfigSecrets(kube.kubeConfig), inputs.kubeconfig, token];
  try {
    if (!token) {
      const head = `### ${rendered.section.title}\n\n`;
      await appendJobSummary(
        renderWithin(
          framed(head, rendered.section.summaryMarkdown ?? rendered.section.markdown, ''),
          JOB_SUMMARY_LIMIT,
        ),
      );
      return;
    }
    const octokit = createOctokit(token, { logger, baseUrl: ctx.apiUrl, userAgent: `gauntlet/${ACTION}` });
    await publishReport({
      octokit,
      logger,
      context: reportContextOfRun(ctx, inputs.prNumber),
      section: rendered.section,
      ...(rendered.checkRun ? { checkRun: rendered.checkRun } : {}),
      summaryWriter: { write: (markdown) => appendJobSummary(markdown) },
      secrets,
    });
  } catch (error) {
    logger.warning(`the report could not be published: ${error instanceof Error ? error.name : 'error'}`);
  }
}

/** Most pull requests looked up per reaper run (one GET each); the rest wait for their expiry or the next run. */
const MAX_PULL_LOOKUPS = 100;

async function pullRequestStates(
  logger: Logger,
  inputs: Inputs,
  ctx: RunContext,
  numbers: readonly number[],
): Promise<Map<number, 'open' | 'closed'>> {
  const states = new Map<number, 'open' | 'closed'>();
  if (numbers.length === 0) return states;
  const token = githubToken(inputs);
  if (!token) {
    logger.warning('no github-token: closed pull requests cannot be detected; only expired environments are reaped');
    return states;
  }
  const octokit = createOctokit(token, { logger, baseUrl: ctx.apiUrl, userAgent: `gauntlet/${ACTION}` });
  let failures = 0;
  await mapLimit(numbers.slice(0, MAX_PULL_LOOKUPS), 4, async (pull_number) => {
    try {
      const { data } = await octokit.rest.pulls.get({ owner: ctx.owner, repo: ctx.repo, pull_number });
      states.set(pull_number, data.state === 'closed' ? 'closed' : 'open');
    } catch {
      failures++;
    }
  });
  if (failures > 0)
    logger.warning(`${failures} pull request(s) could not be looked up; their environments are kept until they expire`);
  return states;
}
