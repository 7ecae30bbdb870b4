import { UserError } from '@gauntlet/action-kit';
import { collectionPath, objectPath, type KubeObject, type ResourceType } from '@gauntlet/kube';
import type { FaultSpec } from '../experiment/model.js';
import { BlastRadiusError } from '../errors.js';
import { chaosMetadata, chaosObjectName, dryRunQuery, newEntry } from './common.js';
import type { FaultBackend, FaultContext, LedgerEntry, Verification } from './types.js';

// One model member for both kinds of foreign resource; this backend takes the Chaos Mesh ones.
type ChaosMeshFault = Extract<FaultSpec, { type: 'chaos-mesh' | 'litmus' }>;

const API_VERSION = 'chaos-mesh.org/v1alpha1';
/** Never honoured: it makes the controller drop its finalizer without recovering the targets. */
const CLEAN_FINALIZER = 'chaos-mesh.chaos-mesh.org/cleanFinalizer';
/** Selector fields that reach beyond a namespace list we can force; refused by name. */
const UNBOUNDED_SELECTORS = ['namespaceSelectors', 'nodes', 'nodeSelectors', 'clusterScoped'];

function typeOf(kind: string): ResourceType {
  return { group: 'chaos-mesh.org', version: 'v1alpha1', kind, plural: kind.toLowerCase(), namespaced: true };
}

const durationOf = (ms: number): string => `${Math.max(1, Math.ceil(ms / 1000))}s`;

/**
 * The resource as it is applied: the selector's namespaces forced to the run's namespace (a selector naming
 * another, or one that reaches wider, is refused before any write), `duration` always the fault's (so it expires
 * by itself after a SIGKILL), our labels and expiry, and never the cleanFinalizer annotation.
 */
export function chaosMeshBody(fault: ChaosMeshFault, entry: LedgerEntry, namespace: string): KubeObject {
  const kind = String(fault.resource['kind']);
  const where = `fault ${fault.id} (${kind})`;
  const meta = (fault.resource['metadata'] ?? {}) as { annotations?: Record<string, string>; namespace?: string };
  if (meta.annotations && CLEAN_FINALIZER in meta.annotations)
    throw new UserError(`${where}: metadata.annotations.${CLEAN_FINALIZER} is never applied (it skips recovery)`);
  if (meta.namespace !== undefined && meta.namespace !== namespace)
    throw new BlastRadiusError(
      `${where}: metadata.namespace ${meta.namespace} is not the run's namespace ${namespace}`,
    );
  const spec = { ...((fault.resource['spec'] ?? {}) as Record<string, unknown>) };
  const selector = { ...((spec['selector'] ?? {}) as Record<string, unknown>) };
  for (const key of UNBOUNDED_SELECTORS)
    if (key in selector)
      throw new BlastRadiusError(`${where}: spec.selector.${key} reaches beyond the allowed namespaces; refused`);
  const listed = selector['namespaces'];
  if (listed !== undefined) {
    const outside = (Array.isArray(listed) ? listed : [listed]).filter((n) => n !== namespace);
    if (outside.length)
      throw new BlastRadiusError(
        `${where}: spec.selector.namespaces names ${outside.join(', ')}, outside the run's namespace ${namespace}`,
      );
  }
  const pods = selector['pods'];
  if (pods && typeof pods === 'object') {
    const outside = Object.keys(pods).filter((n) => n !== namespace);
    if (outside.length)
      throw new BlastRadiusError(`${where}: spec.selector.pods names namespace ${outside.join(', ')}; refused`);
  }
  selector['namespaces'] = [namespace];
  const duration = durationOf(fault.durationMs);
  if (spec['duration'] !== undefined && spec['duration'] !== duration)
    throw new UserError(
      `${where}: spec.duration ${JSON.stringify(spec['duration'])} differs from the fault's duration ${duration}; give one`,
    );
  spec['selector'] = selector;
  spec['duration'] = duration;
  const { labels, annotations } = chaosMetadata(entry);
  return {
    apiVersion: API_VERSION,
    kind,
    metadata: { name: entry.created[0]!.name, namespace, labels, annotations: { ...meta.annotations, ...annotations } },
    spec,
  };
}

interface ChaosStatus {
  status?: { conditions?: { type: string; status: string; reason?: string }[] };
}
const condition = (o: ChaosStatus | undefined, type: string): string | undefined =>
  o?.status?.conditions?.find((c) => c.type === type)?.status;

/** Polls the live resource until `done` says so or `ms` pass; the last object read. */
async function poll(
  ctx: FaultContext,
  path: string,
  ms: number,
  done: (o: (KubeObject & ChaosStatus) | undefined) => boolean,
): Promise<(KubeObject & ChaosStatus) | undefined> {
  const until = ctx.now() + ms;
  for (;;) {
    const live = await ctx.client.getOptional<KubeObject & ChaosStatus>(path, ctx.signal);
    if (done(live) || ctx.now() >= until) return live;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** How long the controller may take to inject, or to recover and drop its finalizer, before we say it did not. */
const SETTLE_MS = 20_000;

export const chaosMeshBackend: FaultBackend<ChaosMeshFault> = {
  // eslint-disable-next-line @typescript-eslint/require-await -- a refusal must be a rejection, as every plan's is
  async plan(fault, ctx) {
    const namespace = ctx.defaultNamespace;
    const kind = String(fault.resource['kind']);
    const entry = newEntry(fault, ctx, namespace, {
      created: [
        { apiVersion: API_VERSION, kind, plural: typeOf(kind).plural, namespace, name: chaosObjectName(ctx, fault) },
      ],
    });
    chaosMeshBody(fault, entry, namespace); // refuses before the step's first write
    return entry;
  },
  async inject(fault, entry, ctx) {
    const object = entry.created[0]!;
    const created = await ctx.client.request<KubeObject>({
      method: 'POST',
      path: collectionPath(typeOf(object.kind), object.namespace),
      query: dryRunQuery(ctx),
      body: chaosMeshBody(fault, entry, object.namespace),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if (!ctx.dryRun) object.uid = created.metadata?.uid;
  },
  async verifyInjected(_fault, entry, ctx): Promise<Verification> {
    if (ctx.dryRun) return { ok: true, detail: 'dry run: accepted by the API server' };
    const object = entry.created[0]!;
    const live = await poll(
      ctx,
      objectPath(typeOf(object.kind), object.namespace, object.name),
      SETTLE_MS,
      (o) => condition(o, 'AllInjected') === 'True',
    );
    if (condition(live, 'AllInjected') === 'True')
      return { ok: true, detail: `${object.kind} ${object.name}: AllInjected` };
    const seen = (live?.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).join(', ') || 'no status';
    return { ok: false, detail: `${object.kind} ${object.name} not injected by the controller (${seen})` };
  },
  describe(fault, entry) {
    return `${String(fault.resource['kind'])} ${entry.created[0]!.name} for ${durationOf(fault.durationMs)}`;
  },
  /**
   * Recovery counts only when the controller says so: the resource gone (its finalizer is removed only after the
   * controller recovered every target) or AllRecovered, never a delete we forced.
   */
  async verifyReverted(_fault, entry, ctx): Promise<Verification> {
    if (ctx.dryRun) return { ok: true, detail: 'dry run: nothing persisted' };
    const object = entry.created[0]!;
    const live = await poll(
      ctx,
      objectPath(typeOf(object.kind), object.namespace, object.name),
      SETTLE_MS,
      (o) => !o || o.metadata?.uid !== object.uid,
    );
    if (!live || live.metadata?.uid !== object.uid)
      return { ok: true, detail: `${object.kind} ${object.name}: recovered by the controller and gone` };
    return condition(live, 'AllRecovered') === 'True'
      ? { ok: true, detail: `${object.kind} ${object.name}: AllRecovered (finalizer still pending)` }
      : { ok: false, detail: `${object.kind} ${object.name}: the controller has not recovered its targets yet` };
  },
};
