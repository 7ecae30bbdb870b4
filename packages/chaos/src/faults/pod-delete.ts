import { isNotFound, objectPath, types, type KubeObject } from '@gauntlet/kube';
import type { FaultSpec } from '../experiment/model.js';
import { dryRunQuery, namespaceOf, newEntry, targetOf } from './common.js';
import { isReadyPod, podsOfTarget } from './targets.js';
import type { FaultBackend, FaultContext, LedgerEntry } from './types.js';

type PodDelete = Extract<FaultSpec, { type: 'pod-delete' | 'pod-failure' }>;

const lastRound = new WeakMap<LedgerEntry, number>();

/** Deletes the chosen pods, each by uid (a pod re-created under the same name is never hit by an old decision). */
async function deleteRound(fault: PodDelete, entry: LedgerEntry, ctx: FaultContext): Promise<void> {
  const target = targetOf(ctx, fault.target);
  const pods = await podsOfTarget(ctx.client, target, entry.namespace, ctx.signal);
  const chosen = new Set(
    ctx.limitTargets(
      pods.map((p) => p.metadata?.name ?? ''),
      target,
    ),
  );
  const forced = fault.type === 'pod-failure' || fault.mode === 'forced';
  for (const pod of pods.filter((p) => chosen.has(p.metadata?.name ?? ''))) {
    const name = pod.metadata!.name!;
    const uid = pod.metadata!.uid!;
    try {
      await ctx.client.request({
        method: 'DELETE',
        path: objectPath(types.pod, entry.namespace, name),
        query: dryRunQuery(ctx),
        // The API server reads a DELETE's options from its body when there is one and then ignores the query, so
        // dryRun must be in the body too (with the query alone, a dry run deleted the pods for real).
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          preconditions: { uid },
          ...(ctx.dryRun ? { dryRun: ['All'] } : {}),
          ...(forced ? { gracePeriodSeconds: 0 } : {}),
        },
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      entry.deletedPods.push({ name, uid });
      ctx.log(`deleted pod ${name}${forced ? ' (forced)' : ''}${ctx.dryRun ? ' (dry run)' : ''}`);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  lastRound.set(entry, ctx.now());
}

/** Pod delete (graceful or forced, repeated at an interval) and pod failure (a forced delete of the chosen pods). */
export const podDeleteBackend: FaultBackend<PodDelete> = {
  async plan(fault, ctx) {
    const namespace = namespaceOf(ctx, fault.target);
    const target = targetOf(ctx, fault.target);
    const pods = await podsOfTarget(ctx.client, target, namespace, ctx.signal);
    return newEntry(fault, ctx, namespace, { target, readyBefore: pods.filter(isReadyPod).length });
  },
  async inject(fault, entry, ctx) {
    await deleteRound(fault, entry, ctx);
  },
  async tick(fault, entry, ctx) {
    if (fault.type !== 'pod-delete' || fault.intervalMs === undefined) return;
    if (ctx.now() - (lastRound.get(entry) ?? 0) >= fault.intervalMs) await deleteRound(fault, entry, ctx);
  },
  async verifyInjected(_fault, entry, ctx) {
    if (entry.deletedPods.length === 0) return { ok: false, detail: 'no pod was deleted (no live pod matched)' };
    if (ctx.dryRun) return { ok: true, detail: `${entry.deletedPods.length} pod(s) accepted for deletion (dry run)` };
    const still: string[] = [];
    for (const pod of entry.deletedPods) {
      const live = await ctx.client.getOptional<KubeObject>(
        objectPath(types.pod, entry.namespace, pod.name),
        ctx.signal,
      );
      if (live && live.metadata?.uid === pod.uid && !live.metadata.deletionTimestamp) still.push(pod.name);
    }
    return still.length
      ? { ok: false, detail: `still running: ${still.join(', ')}` }
      : { ok: true, detail: `deleted: ${entry.deletedPods.map((p) => p.name).join(', ')}` };
  },
  describe(fault, entry) {
    return `${fault.type} ${fault.target} (${entry.deletedPods.length} pod(s) deleted so far)`;
  },
};
