/**
 * The login our comments are authored as. The sticky comment is only ever found among comments by this login:
 * anybody can paste our marker into a comment of their own, and such comments must never be edited or parsed.
 *
 * GraphQL `viewer { login }` answers for personal tokens and, where GitHub allows it, for app tokens (one call,
 * unlike GET /user, which refuses every installation token). A GITHUB_TOKEN may be refused there too; it comments as
 * github-actions[bot], which is the fallback. A GitHub App should pass its `<slug>[bot]` login explicitly. Once we
 * create a comment, its author is authoritative and replaces the guess.
 */
import { type Logger } from '@gauntlet/action-kit';
import { type GitHubClient } from './octokit.js';
import { classifyFailure } from './request-errors.js';

export const GITHUB_ACTIONS_LOGIN = 'github-actions[bot]';

const known = new WeakMap<GitHubClient, string>();

export async function resolveAuthorLogin(octokit: GitHubClient, logger: Logger, override?: string): Promise<string> {
  if (override) return override;
  const cached = known.get(octokit);
  if (cached) return cached;
  let login = GITHUB_ACTIONS_LOGIN;
  try {
    const data = await octokit.graphql<{ viewer?: { login?: string } }>('query { viewer { login } }');
    if (data.viewer?.login) login = data.viewer.login;
  } catch (error) {
    logger.debug(
      `viewer { login } unavailable (${classifyFailure(error).description}); assuming ${GITHUB_ACTIONS_LOGIN}.`,
    );
  }
  known.set(octokit, login);
  return login;
}

/** Records the login GitHub actually attributed a write to. */
export function learnAuthorLogin(octokit: GitHubClient, login: string | undefined): void {
  if (login) known.set(octokit, login);
}

export function sameLogin(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase();
}
