/**
 * Public types of the stand-in. GitHub object shapes come from the @octokit/openapi-types major that @actions/github's
 * Octokit uses, so stored objects and Octokit responses are interchangeable in tests (IDs are `number`, not bigint).
 */
import type { components } from '@octokit/openapi-types';

export type CheckRun = components['schemas']['check-run'];
export type CheckAnnotation = components['schemas']['check-annotation'];
export type IssueComment = components['schemas']['issue-comment'];
export type PullRequest = components['schemas']['pull-request'];
export type SimpleUser = components['schemas']['simple-user'];
export type Repository = components['schemas']['repository'];
export type PrivateUser = components['schemas']['private-user'];
export type Integration = NonNullable<components['schemas']['nullable-integration']>;
export type WorkflowJob = components['schemas']['job'];
export type WorkflowJobStep = NonNullable<WorkflowJob['steps']>[number];

export interface TokenSpec {
  login: string;
  /** 'Bot' (an installation token such as GITHUB_TOKEN) or 'User' (a PAT). Default 'User'. */
  type?: 'Bot' | 'User';
  /** Every write (POST/PATCH/PUT/DELETE, GraphQL mutation) answers 403 "Resource not accessible by integration", as for a fork PR's GITHUB_TOKEN. */
  readOnly?: boolean;
  /** Whether GET /user answers 200. Default: true for 'User', false for 'Bot' (GitHub answers 403 to installation tokens). */
  canReadUser?: boolean;
  /**
   * Whether the token has `actions: read`, which the jobs API needs. Default true. False answers 403 "Resource not
   * accessible by integration" (Bot) or "… by personal access token" (User), as for a GITHUB_TOKEN whose workflow
   * sets `permissions:` without `actions: read`.
   */
  canReadActions?: boolean;
}

/** A step of a seeded job, as the jobs API lists it. */
export interface JobStepSeed {
  name: string;
  /** Default: 'completed' when a conclusion is given, else 'queued'. */
  status?: 'queued' | 'in_progress' | 'completed';
  /** success, failure, cancelled or skipped once completed; null (the default) before. */
  conclusion?: string | null;
}

/** A job of a workflow run attempt, for GET …/actions/runs/{run_id}/attempts/{attempt_number}/jobs. */
export interface JobSeed {
  /** GITHUB_RUN_ID of the run the job belongs to. */
  runId: number;
  /** GITHUB_RUN_ATTEMPT; default 1. Seeding attempt n makes attempts 1…n of the run exist. */
  runAttempt?: number;
  /** Default 'build'. */
  name?: string;
  /** Default 'in_progress' (the job running the step under test), or 'completed' when a conclusion is given. */
  status?: WorkflowJob['status'];
  conclusion?: WorkflowJob['conclusion'];
  /**
   * The runner's name (RUNNER_NAME on it). Default: 'GitHub Actions N' once the job has a runner, null while it is
   * queued, waiting, requested or pending.
   */
  runnerName?: string | null;
  /** Default: now. GitHub timestamps have second precision. */
  createdAt?: Date | string;
  /** When a runner picked the job up; default createdAt (GitHub sends created_at here while the job is queued). */
  startedAt?: Date | string;
  /** Default: now once the job is completed, else null. */
  completedAt?: Date | string | null;
  steps?: readonly JobStepSeed[];
  headSha?: string;
  headBranch?: string;
  workflowName?: string;
  /** runs-on labels; default ['ubuntu-latest']. */
  labels?: string[];
}

export interface StartOptions {
  /** Seeds generated IDs, SHAs and probabilistic faults. Default 1. */
  seed?: number;
  owner?: string;
  repo?: string;
  /** Extra accepted tokens, keyed by the token string. The default token is always accepted too. */
  tokens?: Record<string, TokenSpec>;
}

/** Which requests a fault rule applies to, and how often. */
export interface FaultMatch {
  /** HTTP method, case-insensitive. Omitted: any method. */
  method?: string;
  /** Tested against the request path without the query string (e.g. /repos/o/r/check-runs). A string is a RegExp source. Omitted: any path. */
  path?: RegExp | string;
  /** Fire on at most this many matching requests, then stay dormant. Omitted: unlimited. */
  times?: number;
  /** Each matching request fires with this probability, drawn from the seeded RNG. Omitted: 1. */
  probability?: number;
}

export type FaultKind =
  /** Apply the request (the write happens), then answer 502: the "5xx after the write was applied" case. */
  | { kind: 'lost-response' }
  /** Answer this status without applying the request. Body defaults to a GitHub-style error object. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  /** Primary rate limit: x-ratelimit-remaining 0, x-ratelimit-reset now+resetAfterSeconds (default 1). Status default 403. */
  | { kind: 'primary-rate-limit'; status?: 403 | 429; resetAfterSeconds?: number }
  /** Secondary rate limit: 403 "You have exceeded a secondary rate limit", with retry-after only if retryAfterSeconds is set. */
  | { kind: 'secondary-rate-limit'; status?: 403 | 429; retryAfterSeconds?: number }
  /** 403 "Resource not accessible by integration" (a fork PR's read-only GITHUB_TOKEN). */
  | { kind: 'forbidden-integration' }
  /** TCP reset instead of a response; afterWrite applies the request first. */
  | { kind: 'connection-reset'; afterWrite?: boolean }
  /** Delay the response by ms, then answer normally (combines with one other matching rule). */
  | { kind: 'latency'; ms: number };

export type FaultRule = FaultMatch & FaultKind;

export interface RecordedRequest {
  method: string;
  /** As requested, e.g. /repos/o/r/issues/1/comments (a /repositories/{id}/… alias is recorded as sent). */
  path: string;
  query: Record<string, string>;
  /** Lower-cased request headers, without authorization. */
  headers: Record<string, string>;
  /** Parsed JSON body, or undefined when there was none. */
  body: unknown;
  /** Response status; 0 when the connection was reset instead. */
  status: number;
  /** The GitHub operationId served ('graphql' for POST /graphql), undefined for an unknown route. */
  operationId?: string;
  /** The fault that shaped the response, if any. */
  fault?: FaultKind['kind'];
}

export interface GitHubStandIn {
  /** e.g. http://127.0.0.1:PORT — use as GITHUB_API_URL / Octokit baseUrl. */
  url: string;
  /** The default accepted token (login 'github-actions[bot]', type Bot, like GITHUB_TOKEN). */
  token: string;
  login: string;
  owner: string;
  repo: string;
  repoId: number;
  /** The @octokit/openapi version the validating subset was extracted from. */
  openapiVersion: string;
  requests: RecordedRequest[];
  /** Every request or response that broke GitHub's schema, and every unknown route. Tests assert it is empty. */
  violations: string[];
  faults: { add(rule: FaultRule): void; clear(): void };
  store: {
    checkRuns: CheckRun[];
    comments: IssueComment[];
    pulls: Map<number, PullRequest>;
    /** Annotations per check run id, accumulated across create and every update. */
    annotations: Map<number, CheckAnnotation[]>;
    /** Seeded workflow jobs, every run and attempt, as the jobs API serves them (mutable: changes show at once). */
    jobs: WorkflowJob[];
  };
  seedPull(number: number, fields?: { headSha?: string; headRepoFullName?: string; state?: 'open' | 'closed' }): void;
  /** Replaces the labels of an issue or pull request (served by the issue-labels API and on the pull request). */
  setLabels(issueNumber: number, names: readonly string[]): void;
  seedComments(issueNumber: number, count: number, opts?: { login?: string; body?: (i: number) => string }): void;
  /** Adds a job to a run attempt (creating the run) and returns it as the jobs API will serve it. */
  seedJob(seed: JobSeed): WorkflowJob;
  /**
   * Changes a seeded job between requests, with the same defaults as seedJob: `steps` replaces the step list, a
   * conclusion completes the job. Returns the job.
   */
  updateJob(jobId: number, changes: Partial<Omit<JobSeed, 'runId' | 'runAttempt'>>): WorkflowJob;
  close(): Promise<void>;
}
