/**
 * The stand-in's repository and its data: check runs, annotations, issue comments, pull requests, workflow jobs.
 * Handlers read and mutate it; tests read it through GitHubStandIn.store.
 */
import { authorAssociation, label, nodeId, repository, simpleUser, timestamp, WEB_URL } from './github-objects.js';
import { randomHex, randomInt, type Rng } from './rng.js';
import type { CheckAnnotation, CheckRun, IssueComment, PullRequest, Repository } from './types.js';
import { WorkflowJobStore } from './workflow-jobs.js';

export interface WorldConfig {
  apiUrl: string;
  owner: string;
  repo: string;
  rng: Rng;
}

export class World {
  readonly apiUrl: string;
  readonly owner: string;
  readonly repo: string;
  readonly repoId: number;
  readonly repository: Repository;
  readonly checkRuns: CheckRun[] = [];
  readonly comments: IssueComment[] = [];
  readonly pulls = new Map<number, PullRequest>();
  /** Labels of issues and pull requests set by a test (setLabels); a pull request's also show on it. */
  readonly issueLabels = new Map<number, PullRequest['labels']>();
  readonly annotations = new Map<number, CheckAnnotation[]>();
  readonly workflowJobs: WorkflowJobStore;
  private readonly rng: Rng;
  private readonly checkSuites = new Map<string, number>();
  // Real IDs: comment IDs passed 2^31 in 2024 and check-run IDs passed 2^32, so clients must not assume int32.
  private nextCommentId: number;
  private nextCheckRunId: number;
  private nextCheckSuiteId: number;
  private nextPullId: number;

  constructor(config: WorldConfig) {
    this.apiUrl = config.apiUrl;
    this.owner = config.owner;
    this.repo = config.repo;
    this.rng = config.rng;
    this.repoId = randomInt(this.rng, 600_000_000, 900_000_000);
    this.repository = repository(this.apiUrl, this.owner, this.repo, this.repoId);
    this.nextCommentId = randomInt(this.rng, 2_400_000_000, 2_600_000_000);
    this.nextCheckRunId = randomInt(this.rng, 30_000_000_000, 40_000_000_000);
    this.nextCheckSuiteId = randomInt(this.rng, 28_000_000_000, 29_000_000_000);
    this.nextPullId = randomInt(this.rng, 2_000_000_000, 2_200_000_000);
    this.workflowJobs = new WorkflowJobStore({
      repoApi: this.repoApi,
      fullName: this.fullName,
      rng: this.rng,
      newId: () => this.newCheckRunId(),
      sha: () => this.sha(),
    });
  }

  get fullName(): string {
    return `${this.owner}/${this.repo}`;
  }

  get repoApi(): string {
    return `${this.apiUrl}/repos/${this.owner}/${this.repo}`;
  }

  /** GitHub resolves owner/repo case-insensitively. */
  isThisRepo(owner: unknown, repo: unknown): boolean {
    return (
      String(owner).toLowerCase() === this.owner.toLowerCase() && String(repo).toLowerCase() === this.repo.toLowerCase()
    );
  }

  /** GitHub's pagination links address a repository by ID: /repositories/{id}/… */
  linkBase(requestUrl: URL): URL {
    const url = new URL(requestUrl.toString());
    url.pathname = url.pathname.replace(/^\/repos\/[^/]+\/[^/]+/, `/repositories/${this.repoId}`);
    return url;
  }

  /** Gaps between IDs, because GitHub IDs are global across repositories. */
  private step(): number {
    return randomInt(this.rng, 1, 5000);
  }

  newCommentId(): number {
    return (this.nextCommentId += this.step());
  }

  newCheckRunId(): number {
    return (this.nextCheckRunId += this.step());
  }

  /** The Actions app keeps one check suite per head SHA for the runs it creates. */
  checkSuiteFor(headSha: string): number {
    let id = this.checkSuites.get(headSha);
    if (id === undefined) {
      id = this.nextCheckSuiteId += this.step();
      this.checkSuites.set(headSha, id);
    }
    return id;
  }

  sha(): string {
    return randomHex(this.rng, 40);
  }

  newComment(
    issueNumber: number,
    login: string,
    userType: 'Bot' | 'User',
    body: string,
    at = new Date(),
  ): IssueComment {
    const id = this.newCommentId();
    const url = `${this.repoApi}/issues/comments/${id}`;
    const kind = this.pulls.has(issueNumber) ? 'pull' : 'issues';
    const comment: IssueComment = {
      id,
      node_id: nodeId('IC', id),
      url,
      html_url: `${WEB_URL}/${this.fullName}/${kind}/${issueNumber}#issuecomment-${id}`,
      body,
      user: simpleUser(this.apiUrl, login, userType),
      created_at: timestamp(at),
      updated_at: timestamp(at),
      issue_url: `${this.repoApi}/issues/${issueNumber}`,
      author_association: authorAssociation(login, this.owner),
      performed_via_github_app: null,
      reactions: {
        url: `${url}/reactions`,
        total_count: 0,
        '+1': 0,
        '-1': 0,
        laugh: 0,
        hooray: 0,
        confused: 0,
        heart: 0,
        rocket: 0,
        eyes: 0,
      },
    };
    this.comments.push(comment);
    return comment;
  }

  /** Replaces the labels of an issue or pull request, as a person adding or removing them on github.com would. */
  setLabels(issueNumber: number, names: readonly string[]): void {
    const labels = [...new Set(names)].map((name) => label(this.apiUrl, this.fullName, name));
    this.issueLabels.set(issueNumber, labels);
    const pr = this.pulls.get(issueNumber);
    if (pr) {
      pr.labels = labels;
      pr.updated_at = timestamp();
    }
  }

  /** The labels of an issue or pull request; undefined when there is no such issue. */
  labelsOn(issueNumber: number): PullRequest['labels'] | undefined {
    return this.issueLabels.get(issueNumber) ?? this.pulls.get(issueNumber)?.labels;
  }

  commentsOn(issueNumber: number): IssueComment[] {
    const issueUrl = `${this.repoApi}/issues/${issueNumber}`;
    // Ascending by ID, as GitHub lists issue comments.
    return this.comments.filter((c) => c.issue_url === issueUrl).sort((a, b) => a.id - b.id);
  }

  /** pull_requests on a check run: open PRs of this repository whose head is the run's SHA (forks never appear). */
  pullRequestsFor(headSha: string): CheckRun['pull_requests'] {
    const minimalRepo = { id: this.repoId, url: this.repoApi, name: this.repo };
    return [...this.pulls.values()]
      .filter((pr) => pr.head.sha === headSha && pr.head.repo?.id === this.repoId && pr.state === 'open')
      .map((pr) => ({
        id: pr.id,
        number: pr.number,
        url: pr.url,
        head: { ref: pr.head.ref, sha: pr.head.sha, repo: minimalRepo },
        base: { ref: pr.base.ref, sha: pr.base.sha, repo: minimalRepo },
      }));
  }

  seedPull(
    number: number,
    fields: { headSha?: string; headRepoFullName?: string; state?: 'open' | 'closed' } = {},
  ): PullRequest {
    const id = (this.nextPullId += this.step());
    const headFullName = fields.headRepoFullName ?? this.fullName;
    const [headOwner = this.owner, headName = this.repo] = headFullName.split('/');
    const isFork = headFullName.toLowerCase() !== this.fullName.toLowerCase();
    const headRepo = isFork
      ? repository(this.apiUrl, headOwner, headName, this.repoId + 1 + number, true)
      : this.repository;
    const author = simpleUser(this.apiUrl, isFork ? headOwner : 'octocat');
    const state = fields.state ?? 'open';
    const created = timestamp(new Date(Date.now() - 3_600_000));
    const url = `${this.repoApi}/pulls/${number}`;
    const html = `${WEB_URL}/${this.fullName}/pull/${number}`;
    const headRef = `feature-${number}`;
    const pr: PullRequest = {
      url,
      id,
      node_id: nodeId('PR', id),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: `${this.repoApi}/issues/${number}`,
      commits_url: `${url}/commits`,
      review_comments_url: `${url}/comments`,
      review_comment_url: `${this.repoApi}/pulls/comments{/number}`,
      comments_url: `${this.repoApi}/issues/${number}/comments`,
      statuses_url: `${this.repoApi}/statuses/${fields.headSha ?? ''}`,
      number,
      state,
      locked: false,
      title: `Change #${number}`,
      user: author,
      body: null,
      labels: [],
      milestone: null,
      active_lock_reason: null,
      created_at: created,
      updated_at: created,
      closed_at: state === 'closed' ? timestamp() : null,
      merged_at: null,
      merge_commit_sha: null,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: {
        label: `${headOwner}:${headRef}`,
        ref: headRef,
        sha: fields.headSha ?? this.sha(),
        user: headRepo.owner,
        repo: headRepo,
      },
      base: {
        label: `${this.owner}:main`,
        ref: 'main',
        sha: this.sha(),
        user: this.repository.owner,
        repo: this.repository,
      },
      _links: {
        self: { href: url },
        html: { href: html },
        issue: { href: `${this.repoApi}/issues/${number}` },
        comments: { href: `${this.repoApi}/issues/${number}/comments` },
        review_comments: { href: `${url}/comments` },
        review_comment: { href: `${this.repoApi}/pulls/comments{/number}` },
        commits: { href: `${url}/commits` },
        statuses: { href: `${this.repoApi}/statuses/${fields.headSha ?? ''}` },
      },
      author_association: isFork ? 'CONTRIBUTOR' : 'MEMBER',
      auto_merge: null,
      draft: false,
      merged: false,
      mergeable: true,
      rebaseable: true,
      mergeable_state: 'clean',
      merged_by: null,
      comments: 0,
      review_comments: 0,
      maintainer_can_modify: isFork,
      commits: 1,
      additions: 10,
      deletions: 2,
      changed_files: 1,
    };
    pr.statuses_url = `${this.repoApi}/statuses/${pr.head.sha}`;
    pr._links.statuses.href = pr.statuses_url;
    this.pulls.set(number, pr);
    return pr;
  }

  newCheckRun(
    fields: Omit<
      CheckRun,
      'id' | 'node_id' | 'url' | 'html_url' | 'check_suite' | 'app' | 'output' | 'pull_requests'
    > & {
      output: { title: string | null; summary: string | null; text: string | null };
      app: CheckRun['app'];
    },
  ): CheckRun {
    const id = this.newCheckRunId();
    const url = `${this.repoApi}/check-runs/${id}`;
    const run: CheckRun = {
      ...fields,
      id,
      node_id: nodeId('CR', id),
      url,
      html_url: `${WEB_URL}/${this.fullName}/runs/${id}`,
      details_url: fields.details_url ?? `${WEB_URL}/${this.fullName}/runs/${id}`,
      check_suite: { id: this.checkSuiteFor(fields.head_sha) },
      output: { ...fields.output, annotations_count: 0, annotations_url: `${url}/annotations` },
      pull_requests: this.pullRequestsFor(fields.head_sha),
    };
    this.checkRuns.push(run);
    this.annotations.set(id, []);
    return run;
  }
}
