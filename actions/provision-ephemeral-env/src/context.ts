/**
 * The workflow run this step belongs to, from the runner's environment and event file: which repository (by its
 * numeric id), which pull request or ref, which commit, which run — and whether the event runs code or secrets on
 * behalf of a fork, which we refuse by default.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '@gauntlet/action-kit';
import type { ReportContext } from '@gauntlet/github';
import { type EnvironmentIdentity } from '@gauntlet/kube';

export interface RunContext {
  readonly eventName: string;
  readonly ref: string;
  readonly owner: string;
  readonly repo: string;
  /** GitHub's numeric repository id; undefined when neither the event nor GITHUB_REPOSITORY_ID has it. */
  readonly repositoryId: string | undefined;
  readonly runId: number;
  readonly runAttempt: number;
  readonly sha: string;
  readonly headSha: string;
  readonly prNumber: number | undefined;
  readonly serverUrl: string;
  readonly apiUrl: string;
  readonly workspace: string;
  /** Set when the event carries a fork's code or identity into a privileged context. */
  readonly forkEvent: string | undefined;
}

interface RepoRef {
  full_name?: string;
  fork?: boolean;
}

interface EventPayload {
  number?: number;
  pull_request?: { number?: number; head?: { sha?: string; repo?: RepoRef | null }; base?: { repo?: RepoRef } };
  workflow_run?: { head_sha?: string; pull_requests?: Array<{ number?: number }>; head_repository?: RepoRef | null };
  repository?: { id?: number; full_name?: string };
}

function readEvent(file: string | undefined): EventPayload {
  if (!file) return {};
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 1 ? n : fallback;
}

/**
 * pull_request_target and workflow_run run the base repository's workflow with its secrets; when the head comes
 * from another repository, provisioning would deploy a stranger's manifests with our cluster credentials.
 */
function forkEventOf(eventName: string, event: EventPayload): string | undefined {
  const base = event.repository?.full_name;
  if (eventName === 'pull_request_target') {
    const head = event.pull_request?.head?.repo;
    if (!head || head.full_name !== (event.pull_request?.base?.repo?.full_name ?? base) || head.fork === true) {
      return `${eventName} from ${head?.full_name ? 'the fork' : 'a deleted or unknown head repository'}`;
    }
  }
  if (eventName === 'workflow_run') {
    const head = event.workflow_run?.head_repository;
    if (!head || head.full_name !== base || head.fork === true) return `${eventName} triggered by a fork`;
  }
  return undefined;
}

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const event = readEvent(env.GITHUB_EVENT_PATH);
  const eventName = env.GITHUB_EVENT_NAME ?? 'workflow_dispatch';
  const [owner = 'local', repo = 'repository'] = (env.GITHUB_REPOSITORY ?? 'local/repository').split('/');
  const sha = env.GITHUB_SHA ?? '0'.repeat(40);
  const prNumber =
    event.pull_request?.number ??
    event.workflow_run?.pull_requests?.[0]?.number ??
    (eventName.startsWith('pull_request') ? event.number : undefined);
  const idFromEvent = event.repository?.id;
  const repositoryId =
    typeof idFromEvent === 'number' && Number.isSafeInteger(idFromEvent)
      ? String(idFromEvent)
      : /^[1-9][0-9]{0,19}$/.test(env.GITHUB_REPOSITORY_ID ?? '')
        ? env.GITHUB_REPOSITORY_ID
        : undefined;
  return {
    eventName,
    ref: env.GITHUB_REF ?? '',
    owner,
    repo,
    repositoryId,
    runId: positiveInt(env.GITHUB_RUN_ID, 1),
    runAttempt: positiveInt(env.GITHUB_RUN_ATTEMPT, 1),
    sha,
    headSha: event.pull_request?.head?.sha ?? event.workflow_run?.head_sha ?? sha,
    prNumber: typeof prNumber === 'number' && Number.isSafeInteger(prNumber) && prNumber > 0 ? prNumber : undefined,
    serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com',
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
    forkEvent: forkEventOf(eventName, event),
  };
}

export function requireRepositoryId(ctx: RunContext): string {
  if (!ctx.repositoryId)
    throw new UserError(
      'the repository id is unknown: the event has no repository.id and GITHUB_REPOSITORY_ID is not set',
    );
  return ctx.repositoryId;
}

/** The environment this run is about: the PR (input or event), else the pushed ref. */
export function identityFor(
  ctx: RunContext,
  prNumber: number | undefined,
  prefix: string | undefined,
): EnvironmentIdentity {
  const repositoryId = requireRepositoryId(ctx);
  const number = prNumber ?? ctx.prNumber;
  const base = prefix ? { prefix } : {};
  if (number !== undefined) return { repositoryId, target: { kind: 'pr', number }, ...base };
  if (!ctx.ref)
    throw new UserError('no pull request and no ref: set pr-number, or run on a pull_request or push event');
  return { repositoryId, target: { kind: 'ref', ref: ctx.ref }, ...base };
}

export function reportContextOf(ctx: RunContext, prNumber?: number): ReportContext {
  const number = prNumber ?? ctx.prNumber;
  return {
    owner: ctx.owner,
    repo: ctx.repo,
    ...(number === undefined ? {} : { prNumber: number }),
    headSha: ctx.headSha,
    runId: ctx.runId,
    runAttempt: ctx.runAttempt,
    serverUrl: ctx.serverUrl,
  };
}
