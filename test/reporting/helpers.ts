/**
 * Shared set-up for the reporting integration tests: a fresh GitHub stand-in per test, clients with shrunk time
 * (one "second" of Retry-After or back-off is 1 ms, writes are not spaced), and readers for what ended up stored.
 */
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import {
  createOctokit,
  type CreateOctokitOptions,
  type GitHubClient,
  MemorySummaryWriter,
  parseSections,
  publishReport,
  type PublishReportOptions,
  type ReportContext,
  stickyMarker,
} from '@gauntlet/github';
import { type GitHubStandIn, startGitHubStandIn, type StartOptions } from '@gauntlet/github-api-standin';

export const MARKER = stickyMarker();
export const HEAD_SHA = 'a'.repeat(40);
export const MERGE_SHA = 'b'.repeat(40);

export async function standIn(options: StartOptions = {}): Promise<GitHubStandIn> {
  return startGitHubStandIn({ seed: 7, ...options });
}

/**
 * One GITHUB_TOKEN per workflow run, as on GitHub: the stand-in enforces the 1,000 requests/hour of an installation
 * token, which a hundred simulated runs on one token would exceed.
 */
export function runTokens(count: number): NonNullable<StartOptions['tokens']> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [
      `ghs_run${String(i).padStart(32, '0')}`,
      { login: 'github-actions[bot]', type: 'Bot' as const },
    ]),
  );
}

export function runToken(i: number): string {
  return `ghs_run${String(i).padStart(32, '0')}`;
}

export function client(
  gh: GitHubStandIn,
  logger = new RecordingLogger(),
  token = gh.token,
  overrides: Partial<CreateOctokitOptions> = {},
): GitHubClient {
  return createOctokit(token, {
    baseUrl: gh.url,
    logger,
    secondMs: 1,
    writeSpacingMs: 0,
    requestTimeoutMs: 10_000,
    ...overrides,
  });
}

export function context(gh: GitHubStandIn, prNumber: number, runId = 1000, runAttempt = 1): ReportContext {
  return { owner: gh.owner, repo: gh.repo, prNumber, headSha: HEAD_SHA, runId, runAttempt };
}

/** Fast convergence settings for the sticky comment (the stand-in answers in microseconds). */
export const FAST_COMMENT = { settleMs: 25 } as const;

export async function publish(
  gh: GitHubStandIn,
  options: Partial<PublishReportOptions> & Pick<PublishReportOptions, 'context' | 'section'>,
) {
  const logger = (options.logger as RecordingLogger | undefined) ?? new RecordingLogger();
  const summaryWriter = (options.summaryWriter as MemorySummaryWriter | undefined) ?? new MemorySummaryWriter();
  const result = await publishReport({
    octokit: options.octokit ?? client(gh, logger),
    logger,
    summaryWriter,
    comment: FAST_COMMENT,
    settleMs: FAST_COMMENT.settleMs,
    ...options,
  });
  return { result, logger, summaryWriter };
}

/** Comments on a PR that carry our marker and are authored by `login`. */
export function ourComments(gh: GitHubStandIn, prNumber: number, login = gh.login) {
  return gh.store.comments.filter(
    (c) => c.issue_url.endsWith(`/issues/${prNumber}`) && c.user?.login === login && (c.body ?? '').startsWith(MARKER),
  );
}

export function sectionsOf(body: string | undefined) {
  return parseSections(body ?? '');
}

/** Requests that are not pagination follow-ups (page > 1). */
export function countedRequests(gh: GitHubStandIn, from = 0) {
  return gh.requests.slice(from).filter((r) => !(Number(r.query['page'] ?? '1') > 1));
}
