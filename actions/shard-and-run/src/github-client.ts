/**
 * GitHub access: the report (check run, PR comment section, job summary) and, on GitHub-hosted or self-hosted
 * runners, the current job's creation time, from which a shard measures its fixed cost (queueing, checkout,
 * install: everything before the first test) for the timing store.
 */
import { errorMessage, neutralize, type Logger } from '@gauntlet/action-kit';
import {
  createOctokit,
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
  try {
    const jobs = await Promise.race([
      octokit.paginate(octokit.rest.actions.listJobsForWorkflowRunAttempt, {
        owner: ctx.owner,
        repo: ctx.repo,
        run_id: ctx.runId,
        attempt_number: ctx.runAttempt,
        per_page: 100,
      }),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000).unref()),
    ]);
    const job = jobs?.find((j) => j.runner_name === runnerName && j.status === 'in_progress');
    const created = job?.created_at ? Date.parse(job.created_at) : NaN;
    return Number.isFinite(created) ? created : undefined;
  } catch (error) {
    logger.debug(`Could not read this job's start time: ${neutralize(errorMessage(error))}`);
    return undefined;
  }
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
