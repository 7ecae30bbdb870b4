/**
 * One check run per (name, PR head SHA, workflow run attempt), created or updated idempotently.
 *
 * The check run is attached to the PR's head commit (`pull_request.head.sha`), not GITHUB_SHA, which on
 * pull_request events is a merge commit nobody looks at. It is found again by name + head SHA + external_id,
 * where external_id encodes action, run id and attempt, so a re-run attempt gets its own check run and a retried
 * step finds the one it already made. A create whose answer was lost (5xx after commit) is followed by another
 * look, never by a blind second create. Annotations go in batches of 50; a batch whose answer was lost is
 * resumed from the check run's own `annotations_count`, so none is sent twice.
 */
import { type Logger } from '@gauntlet/action-kit';
import {
  ANNOTATION_MESSAGE_MAX,
  ANNOTATION_RAW_DETAILS_MAX,
  ANNOTATION_TITLE_MAX,
  ANNOTATIONS_PER_REQUEST,
  CHECK_OUTPUT_LIMIT,
  CHECK_TITLE_MAX,
  shrink,
} from './limits.js';
import { type GitHubClient } from './octokit.js';
import { type Redactor } from './redactor.js';
import { type Renderable, renderWithin } from './renderable.js';
import { asReportingError, classifyFailure } from './request-errors.js';
import { plainText } from './untrusted-text.js';

export type CheckConclusion =
  'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required';

export interface Annotation {
  readonly path: string;
  readonly startLine: number;
  readonly endLine?: number;
  readonly level: 'notice' | 'warning' | 'failure';
  readonly message: string;
  readonly title?: string;
  readonly rawDetails?: string;
}

export interface CheckRunInput {
  readonly name: string;
  /** Omit for a run still in progress. */
  readonly conclusion?: CheckConclusion;
  readonly title: string;
  readonly summary: Renderable;
  readonly text?: Renderable;
  readonly annotations?: readonly Annotation[];
  /** Most annotations sent in total (default 50, one request). The rest are counted in the summary. */
  readonly maxAnnotations?: number;
  readonly detailsUrl?: string;
}

export interface CheckRunTarget {
  readonly owner: string;
  readonly repo: string;
  readonly headSha: string;
  readonly externalId: string;
}

export interface CheckRunResult {
  readonly status: 'created' | 'updated';
  readonly id: number;
  readonly url?: string;
  readonly annotationsSent: number;
  readonly annotationsOmitted: number;
}

interface ApiAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
  raw_details?: string;
}

interface FoundRun {
  id: number;
  html_url?: string | null;
  annotationsCount: number;
}

/** external_id for one action in one workflow run attempt. */
export function checkRunExternalId(action: string, runId: number, runAttempt: number): string {
  return `gauntlet:${action}:${runId}:${runAttempt}`;
}

function toApiAnnotation(a: Annotation, redact: Redactor): ApiAnnotation {
  const startLine = Math.max(1, Math.floor(a.startLine));
  const out: ApiAnnotation = {
    // Paths are repository-relative; anything else would be rejected or point outside the diff.
    path: plainText(a.path, 1_000).replace(/^\/+/, '').replace(/\\/g, '/') || '.',
    start_line: startLine,
    end_line: Math.max(startLine, Math.floor(a.endLine ?? startLine)),
    annotation_level: a.level,
    message: redact(plainText(a.message, ANNOTATION_MESSAGE_MAX)) || '(no message)',
  };
  if (a.title) out.title = redact(plainText(a.title, ANNOTATION_TITLE_MAX));
  if (a.rawDetails) out.raw_details = redact(plainText(a.rawDetails, ANNOTATION_RAW_DETAILS_MAX));
  return out;
}

async function findCheckRun(
  octokit: GitHubClient,
  target: CheckRunTarget,
  name: string,
): Promise<FoundRun | undefined> {
  const runs = await octokit.paginate(octokit.rest.checks.listForRef, {
    owner: target.owner,
    repo: target.repo,
    ref: target.headSha,
    check_name: name,
    filter: 'all', // 'latest' would hide the runs of earlier attempts, and ours may not be the latest
    per_page: 100,
  });
  const run = runs.find((r) => r.name === name && r.head_sha === target.headSha && r.external_id === target.externalId);
  return run && { id: run.id, html_url: run.html_url, annotationsCount: run.output?.annotations_count ?? 0 };
}

export interface CheckRunTiming {
  /**
   * Pause before looking again after a create without a clear answer (default 3,000 ms): a request we gave up on
   * may still be applied a moment later, and a look that comes too early would create a second check run.
   */
  readonly settleMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function publishCheckRun(
  octokit: GitHubClient,
  logger: Logger,
  target: CheckRunTarget,
  input: CheckRunInput,
  redact: Redactor,
  timing: CheckRunTiming = {},
): Promise<CheckRunResult> {
  const settle = () => (timing.sleep ?? defaultSleep)(timing.settleMs ?? 3_000);
  const all = input.annotations ?? [];
  const cap = Math.max(0, input.maxAnnotations ?? ANNOTATIONS_PER_REQUEST);
  const annotations = all.slice(0, cap).map((a) => toApiAnnotation(a, redact));
  const omitted = all.length - annotations.length;

  const note =
    omitted > 0 ? `\n\n_${annotations.length} of ${all.length} annotations shown; ${omitted} more omitted._` : '';
  const summary = redact(
    renderWithin(input.summary, shrink(CHECK_OUTPUT_LIMIT, CHECK_OUTPUT_LIMIT.measure(note))) + note,
  );
  const output = {
    title: redact(plainText(input.title, CHECK_TITLE_MAX)) || input.name,
    summary,
    ...(input.text === undefined ? {} : { text: redact(renderWithin(input.text, CHECK_OUTPUT_LIMIT)) }),
  };
  const state = input.conclusion
    ? { status: 'completed' as const, conclusion: input.conclusion, completed_at: new Date().toISOString() }
    : { status: 'in_progress' as const };
  const base = { owner: target.owner, repo: target.repo };
  const firstBatch = annotations.slice(0, ANNOTATIONS_PER_REQUEST);

  let run: FoundRun | undefined;
  let status: CheckRunResult['status'] = 'updated';
  try {
    run = await findCheckRun(octokit, target, input.name);
    if (run === undefined) {
      for (let attempt = 0; attempt < 2 && run === undefined; attempt++) {
        try {
          const { data } = await octokit.rest.checks.create({
            ...base,
            name: input.name,
            head_sha: target.headSha,
            external_id: target.externalId,
            ...(input.detailsUrl ? { details_url: input.detailsUrl } : {}),
            ...state,
            output: { ...output, annotations: firstBatch },
          });
          run = { id: data.id, html_url: data.html_url, annotationsCount: firstBatch.length };
          status = 'created';
        } catch (error) {
          if (classifyFailure(error).kind !== 'unknown-outcome') throw error;
          // The create may have been applied: look before trying again.
          logger.info(`Creating check run '${input.name}' had no clear answer; looking for it before any retry.`);
          await settle();
          run = await findCheckRun(octokit, target, input.name);
          if (run) status = 'created';
          else if (attempt === 1) throw error;
        }
      }
    } else {
      // Ours already (a retried step, or a create whose answer was lost): update it in place. Annotations it
      // already holds are ours, in our order; only the remainder is sent.
      await octokit.rest.checks.update({ ...base, check_run_id: run.id, ...state, output });
    }
    if (run === undefined) throw new Error('unreachable: check run neither found nor created');

    let sent = Math.min(run.annotationsCount, annotations.length);
    let stalls = 0;
    while (sent < annotations.length) {
      const batch = annotations.slice(sent, sent + ANNOTATIONS_PER_REQUEST);
      try {
        const { data } = await octokit.rest.checks.update({
          ...base,
          check_run_id: run.id,
          output: { ...output, annotations: batch },
          // Annotations append: a blind retry would add a batch twice. Resume from annotations_count instead.
          request: { retries: 0 },
        });
        sent = Math.max(sent + batch.length, Math.min(data.output?.annotations_count ?? 0, annotations.length));
      } catch (error) {
        if (classifyFailure(error).kind !== 'unknown-outcome' || ++stalls > 3) throw error;
        await settle();
        const { data } = await octokit.rest.checks.get({ ...base, check_run_id: run.id });
        sent = Math.min(data.output?.annotations_count ?? sent, annotations.length);
      }
    }
    return {
      status,
      id: run.id,
      ...(run.html_url ? { url: run.html_url } : {}),
      annotationsSent: sent,
      annotationsOmitted: omitted,
    };
  } catch (error) {
    throw asReportingError(`check run '${input.name}'`, error);
  }
}
