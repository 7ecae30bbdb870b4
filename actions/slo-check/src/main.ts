import { context } from '@actions/github';
import { InputReader, UserError, withGroup } from '@gauntlet/action-kit';
import { appendJobSummary, getActionsLogger, registerSecret, setOutput } from '@gauntlet/action-kit/runner';
import { publishFromRunner } from '@gauntlet/github';
import { createPrometheusClient, evaluateSlos, loadSlos, toJsonOutput } from '@gauntlet/slo';
import { ACTION, Outputs } from './constants.js';
import { parseInputs } from './inputs.js';
import { loadSources } from './load-definitions.js';
import { checkRunFor, headline, reportDocument, type GateOverride } from './report.js';

/** Secrets are masked before anything else runs, so not even an input error can print one. */
const SECRET_INPUTS = ['prometheus-token', 'prometheus-password', 'github-token'];

export async function run(): Promise<void> {
  const logger = getActionsLogger();
  const reader = new InputReader();
  for (const name of SECRET_INPUTS) registerSecret(reader.raw(name));
  for (const value of Object.values(safeKeyValues(reader, 'prometheus-headers'))) registerSecret(value);
  const inputs = parseInputs(reader);

  const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const slos = loadSlos(await loadSources(inputs.slos, inputs.sloFiles, workspace));
  const pull = context.payload.pull_request as
    { number?: number; head?: { sha?: string }; labels?: unknown } | undefined;
  // The environment's identity fills the usual template variables unless the user set them.
  const vars: Record<string, string> = {
    ...(inputs.namespace ? { namespace: inputs.namespace } : {}),
    ...(pull?.number !== undefined ? { pr: String(pull.number) } : {}),
    sha: pull?.head?.sha ?? context.sha,
    ...inputs.vars,
  };
  const client = createPrometheusClient({
    url: inputs.prometheusUrl,
    registerSecret,
    timeoutMs: inputs.timeoutMs,
    logger,
    headers: inputs.headers,
    ...(inputs.auth ? { auth: inputs.auth } : {}),
  });
  logger.info(
    `Evaluating ${slos.slos.length} SLO${slos.slos.length === 1 ? '' : 's'} against ${new URL(inputs.prometheusUrl).host}`,
  );
  const result = await withGroup(logger, 'Prometheus queries', () =>
    evaluateSlos({
      slos,
      client,
      logger,
      vars,
      minRequests: inputs.minRequests,
      scrapeIntervalMs: inputs.scrapeIntervalMs,
      minCoverage: inputs.minCoverage,
      inconclusive: inputs.inconclusive,
      allowWarnings: inputs.allowWarnings,
      ...(inputs.burnRates ? {} : { burnRate: false as const }),
      ...(inputs.baselineVars ? { baselineVars: inputs.baselineVars } : {}),
      ...(inputs.startedAtMs !== undefined ? { startedAtMs: inputs.startedAtMs } : {}),
      ...(inputs.windowMs !== undefined ? { windowOverride: { kind: 'duration' as const, ms: inputs.windowMs } } : {}),
    }),
  );
  for (const slo of result.slos) logger.info(`${slo.verdict.padEnd(12)} ${slo.name}: ${slo.reason}`);

  const blocking = result.gate === 'fail' || (inputs.failOn === 'warn' && result.gate === 'warn');
  const override = blocking ? overrideOf(inputs.overrideLabel, pull) : undefined;
  setOutput(Outputs.overridden, String(override !== undefined));
  setOutput(Outputs.verdict, result.verdict);
  setOutput(Outputs.gate, result.gate);
  setOutput(Outputs.score, result.score.toFixed(1));
  setOutput(Outputs.result, toJsonOutput(result));

  const published = await publishFromRunner({
    token: inputs.githubToken,
    logger,
    post: inputs.report,
    summaryWriter: { write: appendJobSummary },
    section: {
      action: ACTION,
      title: 'SLO gate',
      markdown: reportDocument(result, override ? { override } : {}),
      summaryMarkdown: reportDocument(result, { forSummary: true, ...(override ? { override } : {}) }),
    },
    checkRun: checkRunFor(result, inputs.checkName, override),
    secrets: [
      inputs.auth?.type === 'bearer' ? inputs.auth.token : inputs.auth?.password,
      ...Object.values(inputs.headers),
    ],
  });
  logger.debug(
    `report: comment ${published.comment.status}, check run ${published.checkRun.status}, summary ${published.summary.status}`,
  );

  if (blocking && override) {
    logger.warning(
      `${headline(result)}. Overridden by the pull request label ${JSON.stringify(override.label)}: the step passes.`,
    );
  } else if (blocking) {
    throw new UserError(`${headline(result)}. ${result.reason}`);
  }
}

/**
 * The override applies when the pull request carries the label (GitHub compares label names case-insensitively).
 * Only people with triage access can label a pull request, so a fork's author cannot let their own change through.
 */
function overrideOf(label: string | undefined, pull: { labels?: unknown } | undefined): GateOverride | undefined {
  if (!label || !Array.isArray(pull?.labels)) return undefined;
  const wanted = label.toLowerCase();
  const found = pull.labels.some(
    (l: unknown) =>
      typeof (l as { name?: unknown }).name === 'string' && (l as { name: string }).name.toLowerCase() === wanted,
  );
  return found ? { label } : undefined;
}

/** Header values must be masked even when the headers input is malformed, before parseInputs reports it. */
function safeKeyValues(reader: InputReader, name: string): Record<string, string> {
  try {
    return reader.keyValues(name);
  } catch {
    registerSecret(reader.raw(name));
    return {};
  }
}
