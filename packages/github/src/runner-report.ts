import { context } from '@actions/github';
import type { Logger } from '@gauntlet/action-kit';
import type { SummaryWriter } from './job-summary.js';
import { createOctokit } from './octokit.js';
import { publishReport, type PublishResult, type ReportSection } from './publish-report.js';
import type { CheckRunInput } from './check-run.js';
import { reportContextFrom, type ReportContext } from './report-context.js';

/**
 * The one call an action makes to report from inside the runner: the PR and head commit come from the event
 * (github.context), the client from the action's token, and the job summary from the writer the action kit gives.
 * Without a token, or with `post: false`, only the job summary is written. It never throws for reporting trouble.
 */
export interface RunnerReportOptions {
  readonly token: string | undefined;
  readonly logger: Logger;
  readonly section: ReportSection;
  readonly checkRun?: CheckRunInput;
  readonly summaryWriter: SummaryWriter;
  /** Post to GitHub (check run and comment); false writes the job summary only. */
  readonly post?: boolean;
  readonly secrets?: readonly (string | undefined)[];
}

export function runnerReportContext(): ReportContext {
  return reportContextFrom(context);
}

export async function publishFromRunner(options: RunnerReportOptions): Promise<PublishResult> {
  const reportContext = runnerReportContext();
  const post = (options.post ?? true) && options.token !== undefined && options.token !== '';
  const octokit = createOctokit(options.token ?? 'no-token', {
    logger: options.logger,
    ...(process.env.GITHUB_API_URL ? { baseUrl: process.env.GITHUB_API_URL } : {}),
  });
  return publishReport({
    octokit,
    logger: options.logger,
    context: reportContext,
    section: options.section,
    summaryWriter: options.summaryWriter,
    secrets: [options.token, ...(options.secrets ?? [])],
    ...(post && options.checkRun ? { checkRun: options.checkRun } : {}),
    ...(post ? {} : { comment: false as const }),
  });
}
