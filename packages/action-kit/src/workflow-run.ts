/**
 * The workflow run a step belongs to, from the runner's environment variables and the event file
 * (GITHUB_EVENT_PATH). Each action extends this with what only it needs (fork detection, timing trust), so the
 * rules every action must agree on live here once: the PR head SHA rather than the merge commit, the PR number of
 * pull_request*, workflow_run and issue-less events, and safe defaults when run outside Actions.
 */
import { readFileSync } from 'node:fs';

export interface RepositoryRef {
  readonly id?: number;
  readonly full_name?: string;
  readonly fork?: boolean;
  readonly default_branch?: string;
}

/** The parts of a webhook payload the actions read; everything is optional because any event may lack it. */
export interface EventPayload {
  readonly number?: number;
  readonly pull_request?: {
    readonly number?: number;
    readonly labels?: ReadonlyArray<{ readonly name?: unknown }>;
    readonly head?: { readonly sha?: string; readonly repo?: RepositoryRef | null };
    readonly base?: { readonly repo?: RepositoryRef };
  };
  readonly workflow_run?: {
    readonly head_sha?: string;
    readonly pull_requests?: ReadonlyArray<{ readonly number?: number }>;
    readonly head_repository?: RepositoryRef | null;
  };
  readonly repository?: RepositoryRef;
}

export interface WorkflowRun {
  readonly eventName: string;
  /** e.g. refs/heads/main, refs/pull/7/merge. */
  readonly ref: string;
  readonly owner: string;
  readonly repo: string;
  readonly runId: number;
  readonly runAttempt: number;
  /** GITHUB_SHA: on pull_request events, the merge commit GitHub made for the run. */
  readonly sha: string;
  /** The PR head commit on PR and workflow_run events, else GITHUB_SHA: where check runs must go. */
  readonly headSha: string;
  readonly prNumber: number | undefined;
  readonly serverUrl: string;
  readonly apiUrl: string;
  readonly workspace: string;
  /** The event payload, `{}` when the file is missing or unreadable. */
  readonly event: EventPayload;
}

/** The event file, or `{}`: a missing or corrupt file (local runs, odd runners) must not crash an action. */
export function readEventPayload(file: string | undefined): EventPayload {
  if (!file) return {};
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 1 ? n : fallback;
}

function pullRequestNumber(eventName: string, event: EventPayload): number | undefined {
  const n =
    event.pull_request?.number ??
    event.workflow_run?.pull_requests?.[0]?.number ??
    (eventName.startsWith('pull_request') ? event.number : undefined);
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export function readWorkflowRun(env: NodeJS.ProcessEnv = process.env): WorkflowRun {
  const event = readEventPayload(env.GITHUB_EVENT_PATH);
  const eventName = env.GITHUB_EVENT_NAME ?? 'workflow_dispatch';
  const [owner = 'local', repo = 'repository'] = (env.GITHUB_REPOSITORY ?? 'local/repository').split('/');
  const sha = env.GITHUB_SHA ?? '0'.repeat(40);
  return {
    eventName,
    ref: env.GITHUB_REF ?? '',
    owner,
    repo,
    runId: positiveInt(env.GITHUB_RUN_ID, 1),
    runAttempt: positiveInt(env.GITHUB_RUN_ATTEMPT, 1),
    sha,
    headSha: event.pull_request?.head?.sha ?? event.workflow_run?.head_sha ?? sha,
    prNumber: pullRequestNumber(eventName, event),
    serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com',
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
    event,
  };
}
