import {
  collectionPath,
  deleteVerified,
  isNotFound,
  isConflict,
  objectPath,
  types,
  type KubeObject,
  type ResourceType,
} from '@gauntlet/kube';
import {
  CHAOS_ANNOTATIONS,
  CHAOS_LABELS,
  type CreatedObject,
  type LedgerEntry,
  type RevertContext,
  type ScaledObject,
  type Verification,
} from './types.js';

export function resourceTypeOf(object: Pick<CreatedObject, 'apiVersion' | 'kind' | 'plural'>): ResourceType {
  const [group, version] = object.apiVersion.includes('/')
    ? (object.apiVersion.split('/') as [string, string])
    : ['', object.apiVersion];
  return { group, version, kind: object.kind, plural: object.plural, namespaced: true };
}

function scaledType(kind: ScaledObject['kind']): ResourceType {
  return kind === 'Deployment' ? types.deployment : kind === 'StatefulSet' ? types.statefulSet : types.replicaSet;
}

/**
 * Deletes an object we created, by uid, and only when it carries this run's label: an object of the same name that
 * someone else made (or re-made) is never touched. Returns what happened, for the journal.
 */
async function deleteCreated(object: CreatedObject, entry: LedgerEntry, ctx: RevertContext): Promise<string> {
  const type = resourceTypeOf(object);
  // The delete carries the resourceVersion read here; a controller writing the object's status meanwhile (the
  // quota controller recounting a ResourceQuota) makes it a 409, so read again and retry a few times.
  for (let attempt = 1; ; attempt++) {
    const live = await ctx.client.getOptional<KubeObject>(objectPath(type, object.namespace, object.name), ctx.signal);
    if (!live) return `${object.kind} ${object.name}: already gone`;
    const labels = live.metadata?.labels ?? {};
    if (labels[CHAOS_LABELS.run] !== entry.runId || (object.uid !== undefined && live.metadata?.uid !== object.uid)) {
      return `${object.kind} ${object.name}: left alone (not created by run ${entry.runId})`;
    }
    try {
      const outcome = await deleteVerified(ctx.client, type, live, ctx.signal ? { signal: ctx.signal } : {});
      return `${object.kind} ${object.name}: ${outcome}`;
    } catch (error) {
      if (!isConflict(error) || attempt >= 5) throw error;
    }
  }
}

/** Restores the replicas exactly, with the uid tested in the same patch (a re-created workload is left alone). */
async function restoreScaled(object: ScaledObject, ctx: RevertContext): Promise<string> {
  const type = scaledType(object.kind);
  const live = await ctx.client.getOptional<KubeObject>(objectPath(type, object.namespace, object.name), ctx.signal);
  if (!live) return `${object.kind} ${object.name}: gone (nothing to restore)`;
  if (live.metadata?.uid !== object.uid)
    return `${object.kind} ${object.name}: re-created since (uid differs), left alone`;
  const annotations = live.metadata?.annotations ?? {};
  const patch: unknown[] = [
    { op: 'test', path: '/metadata/uid', value: object.uid },
    { op: 'replace', path: '/spec/replicas', value: object.replicasBefore },
  ];
  if (Object.hasOwn(annotations, CHAOS_ANNOTATIONS.restore)) {
    patch.push({ op: 'remove', path: `/metadata/annotations/${CHAOS_ANNOTATIONS.restore.replace('/', '~1')}` });
  }
  await ctx.client.request({
    method: 'PATCH',
    path: objectPath(type, object.namespace, object.name),
    contentType: 'application/json-patch+json',
    body: patch,
    idempotent: true,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  return `${object.kind} ${object.name}: replicas restored to ${object.replicasBefore}`;
}

/** Reverts every change of an entry; each part is attempted even when another fails, and failures are thrown last. */
export async function revertEntry(entry: LedgerEntry, ctx: RevertContext): Promise<string[]> {
  // A dry run persisted nothing: there is nothing to undo, and verifyReverted (reads only) shows it.
  if (entry.dryRun) return ['dry run: nothing persisted, so no revert is written'];
  const lines: string[] = [];
  const errors: unknown[] = [];
  for (const object of entry.created) {
    try {
      lines.push(await deleteCreated(object, entry, ctx));
    } catch (error) {
      if (!isNotFound(error)) errors.push(error);
    }
  }
  for (const object of entry.scaled) {
    try {
      lines.push(await restoreScaled(object, ctx));
    } catch (error) {
      errors.push(error);
    }
  }
  if (entry.toxics?.length) {
    const { ToxiproxyClient } = await import('./toxiproxy/client.js');
    for (const toxic of entry.toxics) {
      try {
        const outcome = await new ToxiproxyClient(toxic.apiUrl).removeToxic(toxic.proxy, toxic.name, ctx.signal);
        lines.push(`toxic ${toxic.name} on ${toxic.proxy}: ${outcome}`);
      } catch (error) {
        errors.push(error);
      }
    }
  }
  if (errors.length) throw errors[0];
  return lines;
}

/** After a revert: what we created is gone and what we changed is as it was. */
export async function verifyReverted(entry: LedgerEntry, ctx: RevertContext): Promise<Verification> {
  const problems: string[] = [];
  const seen: string[] = [];
  for (const object of entry.created) {
    const live = await ctx.client.getOptional<KubeObject>(
      objectPath(resourceTypeOf(object), object.namespace, object.name),
      ctx.signal,
    );
    if (live && live.metadata?.labels?.[CHAOS_LABELS.run] === entry.runId && !live.metadata.deletionTimestamp) {
      problems.push(`${object.kind} ${object.name} still exists`);
    } else seen.push(`${object.kind} ${object.name} gone`);
  }
  for (const object of entry.scaled) {
    const live = await ctx.client.getOptional<KubeObject>(
      objectPath(scaledType(object.kind), object.namespace, object.name),
      ctx.signal,
    );
    if (!live || live.metadata?.uid !== object.uid) continue;
    const replicas = (live.spec as { replicas?: number } | undefined)?.replicas;
    if (replicas !== object.replicasBefore)
      problems.push(`${object.kind} ${object.name} has ${replicas} replicas, not ${object.replicasBefore}`);
    else seen.push(`${object.kind} ${object.name} replicas ${replicas} (as before)`);
  }
  if (entry.toxics?.length) {
    const { ToxiproxyClient } = await import('./toxiproxy/client.js');
    for (const toxic of entry.toxics) {
      const proxy = await new ToxiproxyClient(toxic.apiUrl).proxy(toxic.proxy, ctx.signal);
      if (proxy?.toxics.some((t) => t.name === toxic.name))
        problems.push(`toxic ${toxic.name} still on ${toxic.proxy}`);
      else seen.push(`toxic ${toxic.name} gone from ${toxic.proxy}`);
    }
  }
  return problems.length
    ? { ok: false, detail: problems.join('; ') }
    : { ok: true, detail: seen.join('; ') || 'nothing to restore' };
}

/** Lists objects of a type carrying a chaos run label in a namespace (the reaper's view). */
export async function listLabelled(ctx: RevertContext, type: ResourceType, namespace: string): Promise<KubeObject[]> {
  return (await ctx.client.list(collectionPath(type, namespace), { labelSelector: CHAOS_LABELS.run }, ctx.signal))
    .items;
}
