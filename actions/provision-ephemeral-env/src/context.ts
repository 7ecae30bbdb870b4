/**
 * The workflow run this step belongs to, from the runner's environment and event file: which repository (by its
 * numeric id), which pull request or ref, which commit, which run — and whether the event runs code or secrets on
 * behalf of a fork, which we refuse by default.
 */
import { UserError, readWorkflowRun, type EventPayload, type WorkflowRun } from '@gauntlet/action-kit';
import { type EnvironmentIdentity } from '@gauntlet/kube';

export interface RunContext extends WorkflowRun {
  /** GitHub's numeric repository id; undefined when neither the event nor GITHUB_REPOSITORY_ID has it. */
  readonly repositoryId: string | undefined;
  /** Set when the event carries a fork's code or identity into a privileged context. */
  readonly forkEvent: string | undefined;
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
  return runContextOf(readWorkflowRun(env), env);
}

/** The run context of the runtime's workflow run (the event is read once). */
export function runContextOf(run: WorkflowRun, env: NodeJS.ProcessEnv): RunContext {
  const idFromEvent = run.event.repository?.id;
  const repositoryId =
    typeof idFromEvent === 'number' && Number.isSafeInteger(idFromEvent)
      ? String(idFromEvent)
      : /^[1-9][0-9]{0,19}$/.test(env.GITHUB_REPOSITORY_ID ?? '')
        ? env.GITHUB_REPOSITORY_ID
        : undefined;
  return { ...run, repositoryId, forkEvent: forkEventOf(run.eventName, run.event) };
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
