import { collectionPath, objectPath, types, type KubeObject } from '@gauntlet/kube';
import type { FaultSpec } from '../experiment/model.js';
import { chaosMetadata, chaosObjectName, dryRunQuery, newEntry } from './common.js';
import type { FaultBackend } from './types.js';

type Exhaustion = Extract<FaultSpec, { type: 'resource-exhaustion' }>;

/** A pod the quota will go on counting: not finished and not being deleted (a terminating pod frees its slot). */
function isActivePod(pod: KubeObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

/**
 * Resource exhaustion: a ResourceQuota whose `pods` limit is the number of pods there now, so no new pod can be
 * created (every quota of a namespace applies, so ours closes the headroom whatever the others allow).
 */
export const quotaBackend: FaultBackend<Exhaustion> = {
  plan(fault, ctx) {
    const namespace = fault.namespace ?? ctx.defaultNamespace;
    const entry = newEntry(fault, ctx, namespace);
    entry.created.push({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      plural: 'resourcequotas',
      namespace,
      name: chaosObjectName(ctx, fault),
    });
    return Promise.resolve(entry);
  },
  async inject(_fault, entry, ctx) {
    const object = entry.created[0]!;
    const pods = (await ctx.client.list(collectionPath(types.pod, entry.namespace), {}, ctx.signal)).items.filter(
      isActivePod,
    );
    const created = await ctx.client.request<KubeObject>({
      method: 'POST',
      path: collectionPath(types.resourceQuota, entry.namespace),
      query: dryRunQuery(ctx),
      body: {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: object.name, ...chaosMetadata(entry) },
        spec: { hard: { pods: String(pods.length) } },
      },
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if (!ctx.dryRun) object.uid = created.metadata?.uid;
    ctx.log(`created ResourceQuota ${object.name} (pods: ${pods.length})${ctx.dryRun ? ' (dry run)' : ''}`);
  },
  async verifyInjected(_fault, entry, ctx) {
    const object = entry.created[0]!;
    if (ctx.dryRun) return { ok: true, detail: `ResourceQuota ${object.name} accepted (dry run)` };
    // The quota controller fills status.hard once it has counted, and recounts as pods come and go (a pod that
    // was terminating when we counted leaves): until used reaches hard the headroom is not closed, so wait for it.
    let last = '';
    for (let attempt = 0; attempt < 20; attempt++) {
      const live = await ctx.client.getOptional<KubeObject>(
        objectPath(types.resourceQuota, entry.namespace, object.name),
        ctx.signal,
      );
      if (!live || live.metadata?.uid !== object.uid)
        return { ok: false, detail: `ResourceQuota ${object.name} is not there` };
      const status = live.status as { hard?: Record<string, string>; used?: Record<string, string> } | undefined;
      if (status?.hard?.['pods'] !== undefined && status.used?.['pods'] !== undefined) {
        last = `pods used ${status.used['pods']} of ${status.hard['pods']}`;
        if (Number(status.used['pods']) >= Number(status.hard['pods'])) return { ok: true, detail: last };
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return {
      ok: false,
      detail: last
        ? `ResourceQuota ${object.name} leaves headroom: ${last}`
        : `the quota controller has not counted ResourceQuota ${object.name}`,
    };
  },
  describe(fault) {
    return `resource-exhaustion ${fault.namespace ?? ''}`.trim();
  },
};
