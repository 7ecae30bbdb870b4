/**
 * Webhook payloads for act's event file (`-e`), with the fields GitHub sends that the examples and the actions read:
 * the pull request's number, head and base (SHA, ref, repository), its state, and the repository with its default
 * branch.
 */
import type { FixtureRepo } from './fixture-repo.js';

function repository(repo: FixtureRepo, id: number) {
  const [owner = '', name = ''] = repo.fullName.split('/');
  return {
    id,
    name,
    full_name: repo.fullName,
    fork: false,
    default_branch: 'main',
    private: false,
    owner: { login: owner, type: 'Organization' },
    html_url: `https://github.com/${repo.fullName}`,
  };
}

export type PullRequestAction = 'opened' | 'synchronize' | 'reopened' | 'closed';

export function pullRequestEvent(
  repo: FixtureRepo,
  options: { number: number; action: PullRequestAction; merged?: boolean; repoId?: number },
): Record<string, unknown> {
  const repoObject = repository(repo, options.repoId ?? 4242);
  const closed = options.action === 'closed';
  return {
    action: options.action,
    number: options.number,
    pull_request: {
      number: options.number,
      state: closed ? 'closed' : 'open',
      merged: closed && options.merged === true,
      title: 'Checkout v2',
      user: { login: 'shop-developer', type: 'User' },
      labels: [],
      head: { sha: repo.prHeadSha, ref: repo.prBranch, label: `acme:${repo.prBranch}`, repo: repoObject },
      base: { sha: repo.mainSha, ref: 'main', label: 'acme:main', repo: repoObject },
    },
    repository: repoObject,
    sender: { login: 'shop-developer', type: 'User' },
  };
}

export function pushEvent(repo: FixtureRepo, options: { repoId?: number } = {}): Record<string, unknown> {
  return {
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: repo.mainSha,
    head_commit: { id: repo.mainSha, message: 'The shop' },
    repository: repository(repo, options.repoId ?? 4242),
    sender: { login: 'shop-developer', type: 'User' },
  };
}

export function scheduleEvent(
  repo: FixtureRepo,
  cron: string,
  options: { repoId?: number } = {},
): Record<string, unknown> {
  return { schedule: cron, repository: repository(repo, options.repoId ?? 4242) };
}

export function workflowDispatchEvent(
  repo: FixtureRepo,
  inputs: Record<string, string>,
  options: { repoId?: number } = {},
): Record<string, unknown> {
  return { inputs, ref: 'refs/heads/main', repository: repository(repo, options.repoId ?? 4242) };
}
