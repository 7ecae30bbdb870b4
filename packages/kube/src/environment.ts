/**
 * Ephemeral environment identity: the namespace name, and the labels and annotations that say whose it is.
 *
 * The name is derived only from hashes and numbers, never from branch text:
 *   pull requests: [<prefix>-]pr-<repo6>-<number>         e.g. pr-3f9a1c-42
 *   pushed refs:   [<prefix>-]ref-<repo6>-<ref10>         e.g. ref-3f9a1c-0b1d2e3f4a
 * where repo6 is the first 6 hex digits of sha256("gauntlet/repository/" + repository id) and ref10 the first 10
 * of sha256("gauntlet/ref/" + repository id + "/" + ref). The prefix is a validated DNS label of at most 20
 * characters. The result always matches ENVIRONMENT_NAME and is at most 63 characters.
 *
 * Ownership is two independent marks that must both match before we mutate or delete anything: labels (managed-by,
 * repository hash, PR number — what selectors find) and the owner annotation (the full environment key — what a
 * look-alike with copied labels cannot fake without knowing the repository id).
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from './client.js';
import { isDns1123Label } from './names.js';

export const PREFIX_PATTERN = /^[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?$/;
export const PR_NAME_PATTERN = /^(?:[a-z0-9](?:[-a-z0-9]{0,18}[a-z0-9])?-)?pr-[a-z0-9]{6}-[0-9]{1,10}$/;
export const REF_NAME_PATTERN = /^(?:[a-z0-9](?:[-a-z0-9]{0,18}[a-z0-9])?-)?ref-[a-z0-9]{6}-[a-z0-9]{10}$/;
/** Every name this module can produce matches this. */
export const ENVIRONMENT_NAME = new RegExp(`${PR_NAME_PATTERN.source}|${REF_NAME_PATTERN.source}`);

export const MANAGED_BY = 'gauntlet-provision';
export const labels = {
  managedBy: 'app.kubernetes.io/managed-by',
  repository: 'gauntlet.dev/repository',
  pr: 'gauntlet.dev/pr',
  keep: 'gauntlet.dev/keep',
} as const;
export const annotations = {
  owner: 'gauntlet.dev/owner',
  repositoryId: 'gauntlet.dev/repository-id',
  repository: 'gauntlet.dev/repository-name',
  prefix: 'gauntlet.dev/name-prefix',
  pr: 'gauntlet.dev/pr',
  ref: 'gauntlet.dev/ref',
  headSha: 'gauntlet.dev/head-sha',
  runId: 'gauntlet.dev/run-id',
  runAttempt: 'gauntlet.dev/run-attempt',
  createdBy: 'gauntlet.dev/created-by-run',
  createdAt: 'gauntlet.dev/created-at',
  expiresAt: 'gauntlet.dev/expires-at',
  ttl: 'gauntlet.dev/ttl-seconds',
  keep: 'gauntlet.dev/keep',
} as const;

export type EnvironmentTarget = { kind: 'pr'; number: number } | { kind: 'ref'; ref: string };

export interface EnvironmentIdentity {
  /** GitHub's numeric repository id (stable across renames), as a string. */
  repositoryId: string;
  target: EnvironmentTarget;
  prefix?: string;
}

export class IdentityError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'IdentityError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

const REPOSITORY_ID = /^[1-9][0-9]{0,19}$/;

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function validateIdentity(identity: EnvironmentIdentity): EnvironmentIdentity {
  if (!REPOSITORY_ID.test(identity.repositoryId))
    throw new IdentityError(`invalid repository id ${JSON.stringify(String(identity.repositoryId).slice(0, 40))}`);
  if (identity.prefix !== undefined && !PREFIX_PATTERN.test(identity.prefix)) {
    throw new IdentityError(
      `invalid name prefix ${JSON.stringify(identity.prefix.slice(0, 40))}: use 1-20 lower-case letters, digits and '-'`,
    );
  }
  if (identity.target.kind === 'pr') {
    const n = identity.target.number;
    if (!Number.isSafeInteger(n) || n < 1 || n > 9_999_999_999)
      throw new IdentityError(`invalid pull request number ${String(n)}`);
  } else if (
    typeof identity.target.ref !== 'string' ||
    identity.target.ref === '' ||
    identity.target.ref.length > 1024
  ) {
    throw new IdentityError('invalid ref');
  }
  return identity;
}

export function repositoryHash(repositoryId: string): string {
  return sha256(`gauntlet/repository/${repositoryId}`).slice(0, 6);
}

/** The namespace name; throws unless it matches ENVIRONMENT_NAME (it always does for a valid identity). */
export function environmentName(identity: EnvironmentIdentity): string {
  validateIdentity(identity);
  const head = identity.prefix ? `${identity.prefix}-` : '';
  const repo = repositoryHash(identity.repositoryId);
  const name =
    identity.target.kind === 'pr'
      ? `${head}pr-${repo}-${identity.target.number}`
      : `${head}ref-${repo}-${sha256(`gauntlet/ref/${identity.repositoryId}/${identity.target.ref}`).slice(0, 10)}`;
  if (!ENVIRONMENT_NAME.test(name) || !isDns1123Label(name))
    throw new IdentityError('derived name does not match the documented pattern');
  return name;
}

/** The value of the owner annotation: the full identity, which a label copy cannot forge. */
export function environmentKey(identity: EnvironmentIdentity): string {
  const target =
    identity.target.kind === 'pr'
      ? `pr/${identity.target.number}`
      : `ref/${sha256(`gauntlet/ref/${identity.repositoryId}/${identity.target.ref}`).slice(0, 16)}`;
  return `${identity.repositoryId}/${target}${identity.prefix ? `/${identity.prefix}` : ''}`;
}

export interface RunInfo {
  repository?: string;
  headSha?: string;
  runId?: string;
  runAttempt?: string;
  now: number;
  ttlMs: number;
}

/** Labels and annotations stamped on the namespace at creation. Branch text appears only in an annotation. */
export function ownershipMetadata(
  identity: EnvironmentIdentity,
  run: RunInfo,
): { labels: Record<string, string>; annotations: Record<string, string> } {
  validateIdentity(identity);
  const result = {
    labels: {
      [labels.managedBy]: MANAGED_BY,
      [labels.repository]: repositoryHash(identity.repositoryId),
      ...(identity.target.kind === 'pr' ? { [labels.pr]: String(identity.target.number) } : {}),
    },
    annotations: {
      [annotations.owner]: environmentKey(identity),
      [annotations.repositoryId]: identity.repositoryId,
      ...(identity.prefix ? { [annotations.prefix]: identity.prefix } : {}),
      ...(identity.target.kind === 'pr'
        ? { [annotations.pr]: String(identity.target.number) }
        : { [annotations.ref]: identity.target.ref.slice(0, 1024) }),
      ...(run.repository ? { [annotations.repository]: run.repository.slice(0, 200) } : {}),
      ...(run.headSha && /^[0-9a-f]{7,64}$/i.test(run.headSha) ? { [annotations.headSha]: run.headSha } : {}),
      ...(run.runId ? { [annotations.runId]: run.runId } : {}),
      ...(run.runAttempt ? { [annotations.runAttempt]: run.runAttempt } : {}),
      [annotations.createdBy]: runKey(run),
      [annotations.createdAt]: new Date(run.now).toISOString(),
      [annotations.expiresAt]: new Date(run.now + run.ttlMs).toISOString(),
      [annotations.ttl]: String(Math.round(run.ttlMs / 1000)),
    },
  };
  return result;
}

export function runKey(run: Pick<RunInfo, 'runId' | 'runAttempt'>): string {
  return `${run.runId ?? 'local'}.${run.runAttempt ?? '1'}`;
}

export interface OwnershipVerdict {
  ours: boolean;
  /** Why not, for the error message (never includes values from the object). */
  reason?: string;
}

/** Label AND annotation check of a namespace against the identity that wants to touch it. */
export function verifyOwnership(namespace: KubeObject, identity: EnvironmentIdentity): OwnershipVerdict {
  const meta = namespace.metadata ?? {};
  const l = meta.labels ?? {};
  const a = meta.annotations ?? {};
  if (meta.name !== environmentName(identity))
    return { ours: false, reason: 'the name does not match this environment' };
  if (l[labels.managedBy] !== MANAGED_BY)
    return { ours: false, reason: `label ${labels.managedBy} is not ${MANAGED_BY}` };
  if (l[labels.repository] !== repositoryHash(identity.repositoryId))
    return { ours: false, reason: `label ${labels.repository} belongs to another repository` };
  if (identity.target.kind === 'pr' && l[labels.pr] !== String(identity.target.number))
    return { ours: false, reason: `label ${labels.pr} names another pull request` };
  if (a[annotations.owner] !== environmentKey(identity))
    return { ours: false, reason: `annotation ${annotations.owner} does not match` };
  if (a[annotations.repositoryId] !== identity.repositoryId)
    return { ours: false, reason: `annotation ${annotations.repositoryId} does not match` };
  return { ours: true };
}

/**
 * For the reaper, which starts from a namespace and not from an identity: reconstructs the identity from the
 * annotations, then runs the same two-mark check, so a namespace with our labels but another repository's id (or a
 * hand-made look-alike) is never ours.
 */
export function identityOf(namespace: KubeObject, repositoryId: string): EnvironmentIdentity | undefined {
  const a = namespace.metadata?.annotations ?? {};
  if (a[annotations.repositoryId] !== repositoryId) return undefined;
  const owner = a[annotations.owner] ?? '';
  const prefix = a[annotations.prefix];
  const match = /^([0-9]+)\/pr\/([0-9]{1,10})(?:\/([a-z0-9-]{1,20}))?$/.exec(owner);
  let identity: EnvironmentIdentity | undefined;
  if (match && match[1] === repositoryId && match[3] === prefix) {
    identity = { repositoryId, target: { kind: 'pr', number: Number(match[2]) }, ...(prefix ? { prefix } : {}) };
  } else {
    const ref = a[annotations.ref];
    if (ref !== undefined) identity = { repositoryId, target: { kind: 'ref', ref }, ...(prefix ? { prefix } : {}) };
  }
  if (!identity) return undefined;
  try {
    return verifyOwnership(namespace, identity).ours ? identity : undefined;
  } catch {
    return undefined;
  }
}

/**
 * When the environment expires: the namespace's expires-at annotation, which each up sets (the namespace is
 * cluster-scoped and the stack may not contain a Namespace, so nothing in the environment can write it). Never the
 * Lease in the namespace: a stack Role may grant its own workload update on leases, and a workload renewing the
 * lease would keep the environment alive for ever.
 */
export function expiresAt(namespace: KubeObject): number | undefined {
  const value = Date.parse(namespace.metadata?.annotations?.[annotations.expiresAt] ?? '');
  return Number.isFinite(value) ? value : undefined;
}

/** What a lease claims as the expiry (renewTime + leaseDurationSeconds), for reports only: anyone in it can write it. */
export function leaseClaim(lease: KubeObject | undefined): number | undefined {
  const spec = lease?.spec as { renewTime?: string; leaseDurationSeconds?: number } | undefined;
  if (!spec?.renewTime || typeof spec.leaseDurationSeconds !== 'number') return undefined;
  const value = Date.parse(spec.renewTime) + spec.leaseDurationSeconds * 1000;
  return Number.isFinite(value) ? value : undefined;
}

export function isKept(namespace: KubeObject): boolean {
  const values = [namespace.metadata?.labels?.[labels.keep], namespace.metadata?.annotations?.[annotations.keep]];
  return values.some((value) => ['true', 'yes', '1'].includes((value ?? '').trim().toLowerCase()));
}
