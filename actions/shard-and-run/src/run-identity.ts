/**
 * The run attempt and plan that the objects a run leaves in a cluster belong to: the Kubernetes backend's root
 * ConfigMap and Job, and the queue's ConfigMaps. Their names hash the whole identity, so they are stable for one
 * run attempt and plan, unique across them, and carry no text a pull request controls.
 */
import { createHash } from 'node:crypto';
import type { RunContext } from './context.js';

export interface RunIdentity {
  /** owner/name */
  readonly repository: string;
  readonly runId: number;
  readonly runAttempt: number;
  readonly planId: string;
}

export function runIdentity(
  ctx: Pick<RunContext, 'owner' | 'repo' | 'runId' | 'runAttempt'>,
  planId: string,
): RunIdentity {
  return { repository: `${ctx.owner}/${ctx.repo}`, runId: ctx.runId, runAttempt: ctx.runAttempt, planId };
}

/** 10 hex digits of a hash of the whole identity, for object names. */
export function identityHash(identity: RunIdentity): string {
  return createHash('sha256')
    .update(JSON.stringify([identity.repository, identity.runId, identity.runAttempt, identity.planId]))
    .digest('hex')
    .slice(0, 10);
}
