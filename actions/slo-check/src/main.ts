/**
 * The main step: load the SLO definitions, evaluate them against Prometheus, set the outputs, publish the report,
 * and fail the step when the gate blocks (unless a reviewed label overrides it).
 */
import { UserError, withGroup, type WorkflowRun } from '@gauntlet/action-kit';
import type { ActionRuntime } from '@gauntlet/action-runtime';
import { createPrometheusClient, evaluateSlos, loadSlos, readSloSources, toJsonOutput } from '@gauntlet/slo';
import { Outputs } from './constants.js';
import type { Inputs } from './inputs.js';
import { checkRunFor, headline, reportDocument, type GateOverride } from './report.js';

export async function main(inputs: Inputs, rt: ActionRuntime): Promise<void> {
  const { logger, run } = rt;
  const slos = loadSlos(await readSloSources(inputs.slos, inputs.sloFiles, run.workspace));
  // The environment's identity fills the usual template variables unless the user set them.
  const vars: Record<string, string> = {
    ...(inputs.namespace ? { namespace: inputs.namespace } : {}),
    ...(run.prNumber !== undefined ? { pr: String(run.prNumber) } : {}),
    sha: run.headSha,
    ...inputs.vars,
  };
  const client = createPrometheusClient({
    url: inputs.prometheus.url,
    registerSecret: rt.registerSecret,
    timeoutMs: inputs.timeoutMs,
    logger,
    headers: inputs.prometheus.headers,
    proxyEnv: rt.env,
    ...(inputs.prometheus.auth ? { auth: inputs.prometheus.auth } : {}),
  });
  logger.info(
    `Evaluating ${slos.slos.length} SLO${slos.slos.length === 1 ? '' : 's'} against ${new URL(inputs.prometheus.url).host}${client.proxy ? ` via proxy ${client.proxy}` : ''}`,
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
  for (const slo of result.slos) {
    logger.info(`${slo.verdict.padEnd(12)} ${slo.name}: ${slo.reason}`);
    for (const note of slo.notes) logger.info(`${' '.repeat(12)} note: ${note}`);
  }

  const blocking = result.gate === 'fail' || (inputs.failOn === 'warn' && result.gate === 'warn');
  const override = blocking ? overrideOf(inputs.overrideLabel, run) : undefined;
  rt.setOutput(Outputs.overridden, String(override !== undefined));
  rt.setOutput(Outputs.verdict, result.verdict);
  rt.setOutput(Outputs.gate, result.gate);
  rt.setOutput(Outputs.score, result.score.toFixed(1));
  rt.setOutput(Outputs.result, toJsonOutput(result));

  const published = await rt.report({
    title: 'SLO gate',
    markdown: reportDocument(result, override ? { override } : {}),
    summaryMarkdown: reportDocument(result, { forSummary: true, ...(override ? { override } : {}) }),
    checkRun: checkRunFor(result, inputs.checkName, override),
    post: inputs.report,
  });
  logger.debug(
    `report: comment ${published.comment.status}, check run ${published.checkRun.status}, summary ${published.summary.status}`,
  );

  if (!blocking && result.gate !== 'pass') {
    // A gate that lets the step pass on a warning (a warn verdict, or inconclusive: warn with Prometheus down)
    // must still be seen: a warning annotation in the log and the run, next to the neutral check run.
    logger.warning(`${headline(result)}; the step passes because it gates as warn. ${result.reason}`);
  }
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
function overrideOf(label: string | undefined, run: WorkflowRun): GateOverride | undefined {
  const labels: unknown = run.event.pull_request?.labels;
  if (!label || !Array.isArray(labels)) return undefined;
  const wanted = label.toLowerCase();
  const found = labels.some((l: unknown) => {
    const name = (l as { name?: unknown } | null)?.name;
    return typeof name === 'string' && name.toLowerCase() === wanted;
  });
  return found ? { label } : undefined;
}
