/**
 * The report publisher every action gets: its section of the sticky PR comment, its check run on the PR head
 * commit, and the job summary, all through @gauntlet/github's publishReport. One fallback when there is no token
 * (a fork PR's read-only run, a workflow that clears github-token): the job summary and exactly one warning. It
 * never throws: a step's verdict is its own, never a reporting failure.
 */
import type { Logger, WorkflowRun } from '@gauntlet/action-kit';
import {
  publishReport,
  reportContextOfRun,
  type CheckRunInput,
  type GitHubClient,
  type PublishResult,
  type Renderable,
  type StickyCommentOptions,
  type SummaryWriter,
} from '@gauntlet/github';

export interface ActionReport {
  /** The section's heading (plain text; escaped). */
  readonly title: string;
  /** The section: trusted Markdown whose untrusted parts were encoded, or a budgeted MarkdownDoc. */
  readonly markdown: Renderable;
  /** A fuller version for the job summary (1 MB instead of 65 KB); defaults to `markdown`. */
  readonly summaryMarkdown?: Renderable;
  readonly checkRun?: CheckRunInput;
  /** Sticky comment tuning; false: no PR comment. */
  readonly comment?: StickyCommentOptions | false;
  /** The pull request to comment on when an input names it; default: the event's. */
  readonly prNumber?: number;
  /** false: the job summary only (the action's report input is off); no warning. */
  readonly post?: boolean;
}

export type ReportPublisher = (report: ActionReport) => Promise<PublishResult>;

export interface ReportPublisherDeps {
  readonly action: string;
  readonly logger: Logger;
  readonly run: WorkflowRun;
  readonly summary: SummaryWriter;
  /** The client, or undefined when the step has no token. */
  readonly github: () => GitHubClient | undefined;
  /** Every value registered as a secret: none may appear in anything we send. */
  readonly secrets: () => readonly string[];
  /** Test knob: publishReport's settle pause. */
  readonly settleMs?: number;
}

export const NO_TOKEN_WARNING = 'No github-token: the report is in the job summary only (no check run, no PR comment).';

export function reportPublisher(deps: ReportPublisherDeps): ReportPublisher {
  return async (report) => {
    const post = report.post !== false;
    try {
      const octokit = post ? deps.github() : undefined;
      const result = await publishReport({
        ...(octokit ? { octokit } : {}),
        logger: deps.logger,
        context: reportContextOfRun(deps.run, report.prNumber),
        section: {
          action: deps.action,
          title: report.title,
          markdown: report.markdown,
          ...(report.summaryMarkdown === undefined ? {} : { summaryMarkdown: report.summaryMarkdown }),
        },
        ...(report.checkRun && octokit ? { checkRun: report.checkRun } : {}),
        comment: octokit ? (report.comment ?? {}) : false,
        summaryWriter: deps.summary,
        secrets: deps.secrets(),
        ...(deps.settleMs === undefined ? {} : { settleMs: deps.settleMs }),
      });
      if (post && !octokit) deps.logger.warning(NO_TOKEN_WARNING);
      return result;
    } catch (error) {
      // publishReport catches every reporting failure; what is left is a bug, and still not the step's verdict.
      const reason = `the report could not be published: ${error instanceof Error ? error.name : 'error'}`;
      deps.logger.warning(reason);
      const failed = { status: 'failed' as const, reason };
      return { comment: failed, checkRun: failed, summary: failed, warning: reason };
    }
  };
}
