/**
 * The one sticky PR comment, shared by the four actions, each owning one section.
 *
 * GitHub offers no conditional update for comments, so concurrent writers (parallel jobs) converge instead of
 * locking:
 *
 * 1. List every comment on the PR (all pages) and keep those that start with our marker AND are authored by our
 *    login. Foreign comments carrying the marker are never parsed, edited or deleted.
 * 2. None: create one. A create without a clear answer (5xx, reset, timeout) is not retried: the next round lists
 *    again and finds it if it was applied.
 * 3. One or more: the oldest is the comment. Merge the sections of all of ours (newest revision of each wins) with
 *    our own, write the result to the oldest if it changed, and delete the newer duplicates (ours by construction).
 * 4. Wait a settle interval, then list again. Done when exactly one of ours remains and it holds our section (or
 *    a newer revision of it). A writer that read before our write and wrote after it would have erased our
 *    section; the re-read after the settle interval sees that and writes it back.
 *
 * The settle interval bounds the race: a writer's read-to-write window is far shorter than it (both are on the
 * same API), so an overwrite based on a stale read lands before we look again.
 */
import { type Logger } from '@gauntlet/action-kit';
import { learnAuthorLogin, resolveAuthorLogin, sameLogin } from './author-login.js';
import {
  compareRevisions,
  composeBody,
  isStickyBody,
  mergeSections,
  parseSections,
  type DraftSection,
  type Revision,
  type Section,
  stickyMarker,
} from './comment-sections.js';
import { COMMENT_BODY_LIMIT, type Limit } from './limits.js';
import { type GitHubClient } from './octokit.js';
import { asReportingError, classifyFailure } from './request-errors.js';

export interface StickyCommentTarget {
  readonly owner: string;
  readonly repo: string;
  readonly issueNumber: number;
}

export interface StickyCommentOptions {
  /** Which sticky comment (default 'gauntlet'); separate pipelines on one PR use separate keys. */
  readonly key?: string;
  /** Our login, when the token cannot tell (a GitHub App's `<slug>[bot]`). */
  readonly authorLogin?: string;
  /** Pause between our write and the re-read that verifies it (default 3,000 ms; jittered up to +50 %). */
  readonly settleMs?: number;
  /** Rounds of list → write → settle before giving up on convergence (default 6). */
  readonly maxRounds?: number;
  readonly limit?: Limit;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Our section, its content rendered for whatever budget the other sections leave. */
export interface SectionUpdate {
  readonly name: string;
  readonly revision: Revision;
  readonly render: (limit: Limit) => string;
}

export interface StickyCommentResult {
  readonly status: 'created' | 'updated' | 'unchanged';
  readonly id: number;
  readonly url?: string;
  /** False when the rounds ran out before a re-read confirmed our section. */
  readonly converged: boolean;
  readonly duplicatesRemoved: number;
  /** True when a newer run already owned our section, so our content was not written. */
  readonly superseded: boolean;
}

interface OurComment {
  id: number;
  body: string;
  html_url: string;
  created_at: string;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function listOurComments(
  octokit: GitHubClient,
  target: StickyCommentTarget,
  marker: string,
  login: string,
): Promise<OurComment[]> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    per_page: 100,
  });
  return comments
    .filter((c) => sameLogin(c.user?.login, login) && isStickyBody(c.body, marker))
    .map((c) => ({ id: c.id, body: c.body ?? '', html_url: c.html_url, created_at: c.created_at }))
    .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id);
}

export async function upsertStickyComment(
  octokit: GitHubClient,
  logger: Logger,
  target: StickyCommentTarget,
  update: SectionUpdate,
  options: StickyCommentOptions = {},
): Promise<StickyCommentResult> {
  const marker = stickyMarker(options.key);
  const limit = options.limit ?? COMMENT_BODY_LIMIT;
  const settleMs = options.settleMs ?? 3_000;
  const maxRounds = options.maxRounds ?? 6;
  const sleep = options.sleep ?? defaultSleep;
  const settle = () => sleep(settleMs * (1 + Math.random() / 2));
  const base = { owner: target.owner, repo: target.repo };

  const ours: DraftSection = update;
  let login = await resolveAuthorLogin(octokit, logger, options.authorLogin);
  let status: StickyCommentResult['status'] = 'unchanged';
  let wrote = false;
  let duplicatesRemoved = 0;
  let last: OurComment | undefined;

  try {
    for (let round = 0; round < maxRounds; round++) {
      const found = await listOurComments(octokit, target, marker, login);
      if (found.length === 0) {
        try {
          const { data } = await octokit.rest.issues.createComment({
            ...base,
            issue_number: target.issueNumber,
            body: composeBody(marker, [ours], limit),
          });
          learnAuthorLogin(octokit, data.user?.login);
          login = data.user?.login ?? login;
          last = { id: data.id, body: data.body ?? '', html_url: data.html_url, created_at: data.created_at };
          status = 'created';
        } catch (error) {
          if (classifyFailure(error).kind !== 'unknown-outcome') throw error;
          logger.info('Creating the PR comment had no clear answer; looking for it again before any retry.');
          status = 'created'; // if it turns up, it is the one we just made
        }
        wrote = true;
        await settle();
        continue;
      }

      const [oldest, ...newer] = found as [OurComment, ...OurComment[]];
      last = oldest;
      const current = parseSections(oldest.body).find((s) => s.name === ours.name);
      const superseded = current !== undefined && compareRevisions(current.revision, ours.revision) > 0;
      const holdsOurs = current !== undefined && compareRevisions(current.revision, ours.revision) >= 0;
      if (newer.length === 0 && holdsOurs && (wrote || superseded)) {
        return { status, id: oldest.id, url: oldest.html_url, converged: true, duplicatesRemoved, superseded };
      }

      const merged = mergeSections<Section | DraftSection>(...found.map((c) => parseSections(c.body)), [ours]);
      const body = composeBody(marker, merged, limit);
      if (body !== oldest.body) {
        try {
          await octokit.rest.issues.updateComment({ ...base, comment_id: oldest.id, body });
          if (status === 'unchanged') status = 'updated';
        } catch (error) {
          // Deleted under us by another writer's dedupe: list again.
          if (classifyFailure(error).kind !== 'not-found') throw error;
        }
      }
      for (const duplicate of newer) {
        try {
          await octokit.rest.issues.deleteComment({ ...base, comment_id: duplicate.id });
          duplicatesRemoved++;
        } catch (error) {
          if (classifyFailure(error).kind !== 'not-found') throw error; // another writer removed it first
        }
      }
      wrote = true;
      await settle();
    }
  } catch (error) {
    throw asReportingError('PR comment', error);
  }
  logger.info(`The PR comment did not settle after ${maxRounds} rounds of concurrent updates.`);
  if (last === undefined) throw asReportingError('PR comment', new Error('no comment could be created'));
  return { status, id: last.id, url: last.html_url, converged: false, duplicatesRemoved, superseded: false };
}
