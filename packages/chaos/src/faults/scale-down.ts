import { objectPath, type KubeObject } from '@gauntlet/kube';
import type { FaultSpec } from '../experiment/model.js';
import { dryRunQuery, namespaceOf, newEntry, targetOf } from './common.js';
import { resolveTarget, workloadType } from './targets.js';
import { CHAOS_ANNOTATIONS, type FaultBackend, type ScaledObject } from './types.js';

type ScaleDown = Extract<FaultSpec, { type: 'scale-down' }>;

const ANNOTATION_PATH = `/metadata/annotations/${CHAOS_ANNOTATIONS.restore.replace('/', '~1')}`;

/** Scale-down: spec.replicas lowered with the uid tested in the patch; the exact count is restored and compared. */
export const scaleDownBackend: FaultBackend<ScaleDown> = {
  async plan(fault, ctx) {
    const namespace = namespaceOf(ctx, fault.target);
    const target = targetOf(ctx, fault.target);
    if (target.kind === 'Pod')
      throw new Error(
        `scale-down ${fault.id}: target '${target.name}' must be a Deployment, StatefulSet or ReplicaSet`,
      );
    const workloads = await resolveTarget(ctx.client, target, namespace, ctx.signal);
    const chosen = new Set(
      ctx.limitTargets(
        workloads.map((w) => w.metadata?.name ?? ''),
        target,
      ),
    );
    const scaled: ScaledObject[] = workloads
      .filter((w) => chosen.has(w.metadata?.name ?? ''))
      .map((w) => ({
        kind: target.kind as ScaledObject['kind'],
        namespace,
        name: w.metadata!.name!,
        uid: w.metadata!.uid!,
        replicasBefore: (w.spec as { replicas?: number } | undefined)?.replicas ?? 1,
        replicasDuring: fault.replicas,
      }))
      .filter((s) => s.replicasBefore > s.replicasDuring);
    return newEntry(fault, ctx, namespace, { target, scaled });
  },
  async inject(_fault, entry, ctx) {
    for (const object of entry.scaled) {
      const path = objectPath(workloadType(object.kind), object.namespace, object.name);
      const live = await ctx.client.get<KubeObject>(path, undefined, ctx.signal);
      const restore = JSON.stringify({ replicas: object.replicasBefore, run: entry.runId, expires: entry.expiresAt });
      const annotationOp = live.metadata?.annotations
        ? { op: 'add', path: ANNOTATION_PATH, value: restore }
        : { op: 'add', path: '/metadata/annotations', value: { [CHAOS_ANNOTATIONS.restore]: restore } };
      await ctx.client.request({
        method: 'PATCH',
        path,
        query: dryRunQuery(ctx),
        contentType: 'application/json-patch+json',
        body: [
          { op: 'test', path: '/metadata/uid', value: object.uid },
          { op: 'test', path: '/spec/replicas', value: object.replicasBefore },
          { op: 'replace', path: '/spec/replicas', value: object.replicasDuring },
          annotationOp,
        ],
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      ctx.log(
        `scaled ${object.kind} ${object.name} from ${object.replicasBefore} to ${object.replicasDuring}${ctx.dryRun ? ' (dry run)' : ''}`,
      );
    }
  },
  async verifyInjected(_fault, entry, ctx) {
    if (entry.scaled.length === 0)
      return { ok: false, detail: 'no workload to scale down (none matched, or already at or below the count)' };
    if (ctx.dryRun) return { ok: true, detail: 'accepted by the server (dry run)' };
    const seen: string[] = [];
    for (const object of entry.scaled) {
      const live = await ctx.client.getOptional<KubeObject>(
        objectPath(workloadType(object.kind), object.namespace, object.name),
        ctx.signal,
      );
      const replicas = (live?.spec as { replicas?: number } | undefined)?.replicas;
      if (replicas !== object.replicasDuring)
        return {
          ok: false,
          detail: `${object.kind} ${object.name} has ${replicas} replicas, not ${object.replicasDuring}`,
        };
      seen.push(`${object.kind} ${object.name} replicas ${object.replicasBefore} → ${replicas}`);
    }
    return { ok: true, detail: seen.join('; ') };
  },
  describe(fault) {
    return `scale-down ${fault.target} to ${fault.replicas}`;
  },
};
