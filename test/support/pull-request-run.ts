/**
 * The event and environment of a `pull_request` run against the GitHub API stand-in, as the runner gives them to
 * an action: the event payload the action reads its PR and head SHA from, and the variables that name the API,
 * the repository and the run. One home for the bundle-run tests of every action.
 */
import type { GitHubStandIn } from '@gauntlet/github-api-standin';

export interface PullRequestRunOptions {
  readonly pr: number;
  readonly head: string;
  /** The labels in the event (as they were when the run started; later ones are read from the API). */
  readonly labels?: readonly string[];
  /** A fixed run id; by default a random one, so runs of one test file never share a check run or a cache key. */
  readonly runId?: string;
}

export interface PullRequestRun {
  readonly event: { name: 'pull_request'; payload: Record<string, unknown> };
  readonly env: Record<string, string>;
}

export function pullRequestRun(github: GitHubStandIn, options: PullRequestRunOptions): PullRequestRun {
  const fullName = `${github.owner}/${github.repo}`;
  return {
    event: {
      name: 'pull_request',
      payload: {
        number: options.pr,
        pull_request: {
          number: options.pr,
          head: { sha: options.head },
          labels: (options.labels ?? []).map((name) => ({ name })),
        },
        repository: { full_name: fullName },
      },
    },
    env: {
      GITHUB_API_URL: github.url,
      GITHUB_REPOSITORY: fullName,
      GITHUB_RUN_ID: options.runId ?? String(Math.floor(Math.random() * 1e9)),
      GITHUB_RUN_ATTEMPT: '1',
    },
  };
}
