/**
 * GitHub access: the report (check run, PR comment section, job summary) and, on GitHub-hosted or self-hosted
 * runners, the current job's creation time, from which a shard measures its fixed cost (queueing, checkout,
 * install: everything before the first test) for the timing store.
 */
import { neutralize, type Logger } from '@gauntlet/action-kit';
import {
  createOctokit,
  findCurrentJob,
  publishReport,
  reportContextOfRun,
  type GitHubClient,
  type PublishResult,
  type SummaryWriter,
} from '@gauntlet/github';
import { ACTION_NAME } from './constants.js';
import type { RunContext } from './context.js';
import type { ReportInputs } from './inputs.js';
import type { BuiltReport } from './report.js';

export function githubClient(token: string, ctx: RunContext, logger: Logger): GitHubClient {
  return createOctokit(token, { baseUrl: ctx.apiUrl, logger, userAgent: `gauntlet-${ACTION_NAME}` });
}

/**
 * When the job running this step was created (ms), or undefined. Only asked on a real runner (RUNNER_NAME is set),
 * with a short deadline; any failure (no `actions: read`, GHES without the endpoint) just means "unknown".
 */
export async function jobCreatedAt(
  octokit: GitHubClient,
  ctx: RunContext,
  runnerName: string,
  logger: Logger,
): Promise<number | undefined> {
  const answer = await findCurrentJob(octokit, { ...ctx, runnerName }, 10_000);
  if (!answer.found) {
    logger.debug(`Could not read this job's start time: ${neutralize(answer.reason)}`);
    return undefined;
  }
  const created = answer.job.created_at ? Date.parse(answer.job.created_at) : NaN;
  return Number.isFinite(created) ? created : undefined;
}

export async function publish(
  built: BuiltReport,
  report: ReportInputs,
  token: string | undefined,
  ctx: RunContext,
  logger: Logger,
  summary: SummaryWriter,
): Promise<PublishResult | undefined> {
  if (!report.enabled) {
    await summary.write(built.summaryDoc.render({ max: 1_000_000, measure: (t) => Buffer.byteLength(t, 'utf8') }));
    return undefined;
  }
  if (!token) {
    logger.warning('No github-token: the report goes to the job summary only.');
    await summary.write(built.summaryDoc.render({ max: 1_000_000, measure: (t) => Buffer.byteLength(t, 'utf8') }));
    return undefined;
  }
  return publishReport({
    octokit: githubClient(token, ctx, logger),
    logger,
    context: reportContextOfRun(ctx),
    section: { action: ACTION_NAME, title: report.checkName, markdown: built.doc, summaryMarkdown: built.summaryDoc },
    checkRun: {
      name: report.checkName,
      conclusion: built.conclusion,
      title: built.title,
      summary: built.doc,
      annotations: built.annotations,
      maxAnnotations: report.maxAnnotations,
      detailsUrl: `${ctx.serverUrl}/${ctx.owner}/${ctx.repo}/actions/runs/${ctx.runId}/attempts/${ctx.runAttempt}`,
    },
    summaryWriter: summary,
    comment: report.comment ? {} : false,
    secrets: [token],
  });
}
