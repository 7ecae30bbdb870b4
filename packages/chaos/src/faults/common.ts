import { createHash } from 'node:crypto';
import { collectionPath, type KubeObject } from '@gauntlet/kube';
import type { FaultSpec } from '../experiment/model.js';
import { resourceTypeOf } from './revert.js';
import {
  CHAOS_ANNOTATIONS,
  CHAOS_LABELS,
  MANAGED_BY,
  type CreatedObject,
  type FaultContext,
  type LedgerEntry,
} from './types.js';

/** A DNS-label name for an object a fault creates, unique per run, experiment and fault. */
export function chaosObjectName(ctx: Pick<FaultContext, 'runId' | 'experiment'>, fault: Pick<FaultSpec, 'id'>): string {
  const hash = createHash('sha256').update(`${ctx.runId}\0${ctx.experiment}\0${fault.id}`).digest('hex').slice(0, 10);
  return `gauntlet-chaos-${fault.id}-${hash}`;
}

/** Labels and annotations that mark an object as this run's, with the instant after which a reaper removes it. */
export function chaosMetadata(entry: LedgerEntry): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
} {
  return {
    labels: {
      [CHAOS_LABELS.run]: entry.runId,
      [CHAOS_LABELS.fault]: entry.faultId,
      [CHAOS_LABELS.managedBy]: MANAGED_BY,
    },
    annotations: { [CHAOS_ANNOTATIONS.expires]: entry.expiresAt },
  };
}

/** A fresh ledger entry: expiry is the fault's duration plus a grace period, after which the reaper may act. */
export function newEntry(
  fault: FaultSpec,
  ctx: FaultContext,
  namespace: string,
  extra: Partial<LedgerEntry> = {},
): LedgerEntry {
  return {
    runId: ctx.runId,
    experiment: ctx.experiment,
    faultId: fault.id,
    type: fault.type,
    namespace,
    expiresAt: new Date(ctx.now() + fault.durationMs + 10 * 60_000).toISOString(),
    created: [],
    scaled: [],
    deletedPods: [],
    state: 'planned',
    ...(ctx.dryRun ? { dryRun: true } : {}),
    ...extra,
  };
}

export function dryRunQuery(ctx: Pick<FaultContext, 'dryRun'>): Record<string, string> {
  return ctx.dryRun ? { dryRun: 'All' } : {};
}

export function namespaceOf(ctx: FaultContext, targetName: string): string {
  const target = ctx.targets.get(targetName);
  if (!target) throw new Error(`unknown target ${targetName}`);
  return target.namespace ?? ctx.defaultNamespace;
}

export function targetOf(ctx: FaultContext, targetName: string) {
  const target = ctx.targets.get(targetName);
  if (!target) throw new Error(`unknown target ${targetName}`);
  return target;
}

/** The entry of a fault that is one resource of a foreign chaos tool (Chaos Mesh, Litmus), named for the run. */
export function foreignEntry(
  fault: FaultSpec,
  ctx: FaultContext,
  resource: Pick<CreatedObject, 'apiVersion' | 'kind' | 'plural'>,
): LedgerEntry {
  const namespace = ctx.defaultNamespace;
  return newEntry(fault, ctx, namespace, {
    created: [{ ...resource, namespace, name: chaosObjectName(ctx, fault) }],
  });
}

/** Creates the entry's foreign resource (a server-side dry run when asked) and records its uid for the delete. */
export async function createForeign(ctx: FaultContext, entry: LedgerEntry, body: KubeObject): Promise<void> {
  const object = entry.created[0]!;
  const created = await ctx.client.request<KubeObject>({
    method: 'POST',
    path: collectionPath(resourceTypeOf(object), object.namespace),
    query: dryRunQuery(ctx),
    body,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  if (!ctx.dryRun) object.uid = created.metadata?.uid;
}
