/**
 * The one call the four actions make to report: a section of the sticky PR comment, optionally a check run, and
 * the job summary. Reporting never decides an action's exit code: every reporting failure (fork PR, read-only
 * token, missing permission, rate limit given up on, outage) is caught, the other targets still get their write,
 * and exactly one warning says what could not be written and where the report is instead. Only programming errors
 * (an invalid section name) throw.
 */
import { type Logger } from '@gauntlet/action-kit';
import { type CheckRunInput, checkRunExternalId, publishCheckRun } from './check-run.js';
import { SECTION_NAME, neutralizeMarkers } from './comment-sections.js';
import { type SummaryWriter } from './job-summary.js';
import { JOB_SUMMARY_LIMIT } from './limits.js';
import { escapeMarkdown } from './markdown-escape.js';
import { type GitHubClient } from './octokit.js';
import { createRedactor } from './redactor.js';
import { framed, type Renderable, renderWithin } from './renderable.js';
import { type ReportContext } from './report-context.js';
import { asReportingError, type FailureKind } from './request-errors.js';
import { type StickyCommentOptions, upsertStickyComment } from './sticky-comment.js';

export interface ReportSection {
  /** The action's name; also the section's name in the comment (lower-case, digits, dashes). */
  readonly action: string;
  /** Plain text; escaped. */
  readonly title: string;
  /** The section body: trusted Markdown whose untrusted parts were encoded, or a budgeted MarkdownDoc. */
  readonly markdown: Renderable;
  /** A fuller version for the job summary (1 MB instead of 65 KB); defaults to `markdown`. */
  readonly summaryMarkdown?: Renderable;
}

export interface PublishReportOptions {
  /** Absent without a token: only the job summary is written (the check run and the comment are skipped). */
  readonly octokit?: GitHubClient;
  readonly logger: Logger;
  readonly context: ReportContext;
  readonly section: ReportSection;
  readonly checkRun?: CheckRunInput;
  readonly summaryWriter?: SummaryWriter;
  /** Sticky comment tuning; `false` skips the comment. */
  readonly comment?: StickyCommentOptions | false;
  /** Values that must appear in no payload (tokens, keys); removed from everything we send. */
  readonly secrets?: readonly (string | undefined)[];
  /**
   * Pause before looking again after a write without a clear answer, and before re-reading the comment to confirm
   * a write (default 3,000 ms; `comment.settleMs` overrides it for the comment). Tests shrink it.
   */
  readonly settleMs?: number;
  /** Clock for section revisions (default Date.now). */
  readonly now?: () => number;
}

export type TargetStatus = 'created' | 'updated' | 'unchanged' | 'written' | 'skipped' | 'failed';

export interface TargetOutcome {
  readonly status: TargetStatus;
  readonly id?: number;
  readonly url?: string;
  /** Why it was skipped or failed (safe to log). */
  readonly reason?: string;
  readonly failure?: FailureKind;
}

export interface PublishResult {
  readonly comment: TargetOutcome;
  readonly checkRun: TargetOutcome;
  readonly summary: TargetOutcome;
  /** The single warning logged, if any target failed. */
  readonly warning?: string;
}

const WHERE: Record<'comment' | 'checkRun' | 'summary', string> = {
  comment: 'the PR comment',
  checkRun: 'the check run',
  summary: 'the job summary',
};

/** The workflow run attempt that wrote a report: where a reader goes for logs and artifacts. */
export function runUrl(context: ReportContext): string | undefined {
  if (!context.serverUrl || !/^https?:\/\//.test(context.serverUrl)) return undefined;
  const path = [context.owner, context.repo].map(encodeURIComponent).join('/');
  return `${context.serverUrl.replace(/\/+$/, '')}/${path}/actions/runs/${context.runId}/attempts/${context.runAttempt}`;
}

function footer(context: ReportContext): string {
  const run = `run ${context.runId}, attempt ${context.runAttempt}, commit ${context.headSha.slice(0, 7)}`;
  const url = runUrl(context);
  // The link is built from the runner's own context (numbers and a repository name), never from untrusted text.
  return `\n\n<sub>${url ? `[${escapeMarkdown(run)}](${url})` : escapeMarkdown(run)}</sub>`;
}

export async function publishReport(options: PublishReportOptions): Promise<PublishResult> {
  const { octokit, logger, context, section } = options;
  if (!SECTION_NAME.test(section.action))
    throw new TypeError(`Invalid section name: ${JSON.stringify(section.action)}`);
  const redact = createRedactor(options.secrets ?? []);
  const head = `### ${escapeMarkdown(section.title)}\n\n`;
  const body = (content: Renderable) => framed(head, content, footer(context));

  // 1. The job summary first: it is the report of last resort and needs no permission.
  let summary: TargetOutcome = { status: 'skipped', reason: 'no summary writer' };
  if (options.summaryWriter) {
    try {
      const text = redact(renderWithin(body(section.summaryMarkdown ?? section.markdown), JOB_SUMMARY_LIMIT));
      await options.summaryWriter.write(text);
      summary = { status: 'written' };
    } catch (error) {
      summary = { status: 'failed', reason: asReportingError('job summary', error).message };
    }
  }

  // 2. The check run, on the PR head commit.
  let checkRun: TargetOutcome = { status: 'skipped', reason: octokit ? 'not requested' : 'no token' };
  if (options.checkRun && octokit) {
    try {
      const result = await publishCheckRun(
        octokit,
        logger,
        {
          owner: context.owner,
          repo: context.repo,
          headSha: context.headSha,
          externalId: checkRunExternalId(section.action, context.runId, context.runAttempt),
        },
        { ...(runUrl(context) ? { detailsUrl: runUrl(context) } : {}), ...options.checkRun },
        redact,
        options.settleMs === undefined ? {} : { settleMs: options.settleMs },
      );
      checkRun = { status: result.status, id: result.id, ...(result.url ? { url: result.url } : {}) };
    } catch (error) {
      const failure = asReportingError('check run', error);
      checkRun = { status: 'failed', reason: failure.message, failure: failure.failure.kind };
    }
  }

  // 3. Our section of the sticky comment.
  let comment: TargetOutcome = { status: 'skipped', reason: 'not a pull request' };
  if (options.comment === false) comment = { status: 'skipped', reason: 'disabled' };
  else if (!octokit) comment = { status: 'skipped', reason: 'no token' };
  else if (context.prNumber !== undefined) {
    try {
      const render = body(section.markdown);
      const result = await upsertStickyComment(
        octokit,
        logger,
        { owner: context.owner, repo: context.repo, issueNumber: context.prNumber },
        {
          name: section.action,
          revision: { runId: context.runId, runAttempt: context.runAttempt, timeMs: (options.now ?? Date.now)() },
          render: (limit) => neutralizeMarkers(redact(render(limit))),
        },
        { ...(options.settleMs === undefined ? {} : { settleMs: options.settleMs }), ...(options.comment ?? {}) },
      );
      comment = { status: result.status, id: result.id, ...(result.url ? { url: result.url } : {}) };
    } catch (error) {
      const failure = asReportingError('PR comment', error);
      comment = { status: 'failed', reason: failure.message, failure: failure.failure.kind };
    }
  }

  const outcomes = { comment, checkRun, summary };
  const failed = (Object.keys(outcomes) as (keyof typeof outcomes)[]).filter((k) => outcomes[k].status === 'failed');
  if (failed.length === 0) return outcomes;

  const written = (Object.keys(outcomes) as (keyof typeof outcomes)[])
    .filter((k) => ['created', 'updated', 'unchanged', 'written'].includes(outcomes[k].status))
    .map((k) => WHERE[k]);
  const permission = failed.some((k) => outcomes[k].failure === 'permission');
  const warning =
    `Could not write ${failed.map((k) => WHERE[k]).join(' or ')} (${failed.map((k) => outcomes[k].reason).join('; ')}). ` +
    (permission ? 'The token may not have that permission (fork pull requests get a read-only token). ' : '') +
    (written.length > 0 ? `The report is in ${written.join(' and ')}.` : 'The report could not be written anywhere.');
  logger.warning(warning);
  return { ...outcomes, warning };
}
