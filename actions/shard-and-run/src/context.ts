/**
 * The workflow run this step belongs to, read from the runner's environment and event file, and the trust decision
 * for timing data: only runs of code that is already on a trusted branch may write the timing store, so a pull
 * request can never poison the timings every later plan is built from.
 */
import { readFileSync } from 'node:fs';
import type { ReportContext } from '@gauntlet/github';

export interface RunContext {
  readonly eventName: string;
  /** e.g. refs/heads/main, refs/pull/7/merge. */
  readonly ref: string;
  readonly defaultBranch?: string;
  readonly owner: string;
  readonly repo: string;
  readonly runId: number;
  readonly runAttempt: number;
  readonly sha: string;
  /** The PR head commit on PR events (GITHUB_SHA is a merge commit there), else GITHUB_SHA. */
  readonly headSha: string;
  readonly prNumber?: number;
  readonly serverUrl: string;
  readonly apiUrl: string;
  readonly workspace: string;
  readonly runnerTemp: string;
}

interface EventPayload {
  pull_request?: { number?: number; head?: { sha?: string } };
  workflow_run?: { head_sha?: string; pull_requests?: { number?: number }[] };
  repository?: { default_branch?: string };
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

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const event = readEvent(env['GITHUB_EVENT_PATH']);
  const [owner = 'local', repo = 'repository'] = (env['GITHUB_REPOSITORY'] ?? 'local/repository').split('/');
  const sha = env['GITHUB_SHA'] ?? '0'.repeat(40);
  const prNumber = event.pull_request?.number ?? event.workflow_run?.pull_requests?.[0]?.number;
  const defaultBranch = event.repository?.default_branch;
  return {
    eventName: env['GITHUB_EVENT_NAME'] ?? 'workflow_dispatch',
    ref: env['GITHUB_REF'] ?? '',
    ...(typeof defaultBranch === 'string' && defaultBranch !== '' ? { defaultBranch } : {}),
    owner,
    repo,
    runId: positiveInt(env['GITHUB_RUN_ID'], 1),
    runAttempt: positiveInt(env['GITHUB_RUN_ATTEMPT'], 1),
    sha,
    headSha: event.pull_request?.head?.sha ?? event.workflow_run?.head_sha ?? sha,
    ...(typeof prNumber === 'number' ? { prNumber } : {}),
    serverUrl: env['GITHUB_SERVER_URL'] ?? 'https://github.com',
    apiUrl: env['GITHUB_API_URL'] ?? 'https://api.github.com',
    workspace: env['GITHUB_WORKSPACE'] ?? process.cwd(),
    runnerTemp: env['RUNNER_TEMP'] ?? env['TMPDIR'] ?? '/tmp',
  };
}

export function reportContextOf(ctx: RunContext): ReportContext {
  return {
    owner: ctx.owner,
    repo: ctx.repo,
    ...(ctx.prNumber === undefined ? {} : { prNumber: ctx.prNumber }),
    headSha: ctx.headSha,
    runId: ctx.runId,
    runAttempt: ctx.runAttempt,
    serverUrl: ctx.serverUrl,
  };
}

/** Events whose code is already on the branch they run for. Everything else (PRs, workflow_run, comments) is not. */
const TRUSTED_EVENTS = new Set(['push', 'schedule', 'workflow_dispatch']);

export interface TrustDecision {
  readonly trusted: boolean;
  readonly reason: string;
}

/**
 * May this run write the timing store? Only a push, schedule or manual run on the default branch or on a ref the
 * workflow names in `trusted-refs`. Pull requests never may, whatever their branch is called.
 */
export function timingTrust(ctx: RunContext, trustedRefs: readonly string[]): TrustDecision {
  if (!TRUSTED_EVENTS.has(ctx.eventName)) {
    return {
      trusted: false,
      reason: `a ${ctx.eventName} run never writes timings (only push, schedule and manual runs)`,
    };
  }
  const defaultRef = ctx.defaultBranch ? `refs/heads/${ctx.defaultBranch}` : undefined;
  if (defaultRef !== undefined && ctx.ref === defaultRef)
    return { trusted: true, reason: 'a run on the default branch' };
  if (trustedRefs.includes(ctx.ref)) return { trusted: true, reason: 'a run on a ref named in trusted-refs' };
  return {
    trusted: false,
    reason: defaultRef
      ? 'the ref is neither the default branch nor named in trusted-refs'
      : 'the default branch is unknown (no repository in the event) and the ref is not named in trusted-refs',
  };
}
