import { UserError } from '@gauntlet/action-kit';
import {
  collectionPath,
  isNotFound,
  labelSelectorMatches,
  objectPath,
  types,
  type KubeObject,
  type ResourceType,
} from '@gauntlet/kube';
import type { FaultSpec } from '../experiment/model.js';
import { BlastRadiusError } from '../errors.js';
import { chaosMetadata, createForeign, foreignEntry } from './common.js';
import { pollObject } from './poll.js';
import type { FaultBackend, FaultContext, LedgerEntry, Verification } from './types.js';

// One model member for both kinds of foreign resource; this backend takes the Chaos Mesh ones.
type ChaosMeshFault = Extract<FaultSpec, { type: 'chaos-mesh' | 'litmus' }>;

const API_VERSION = 'chaos-mesh.org/v1alpha1';
/** Never honoured: it makes the controller drop its finalizer without recovering the targets. */
const CLEAN_FINALIZER = 'chaos-mesh.chaos-mesh.org/cleanFinalizer';
/** Chaos Mesh's pause: the controller recovers every record and says AllRecovered, and the object stays to be read. */
const PAUSE = 'experiment.chaos-mesh.org/pause';
/** Selector fields that reach beyond a namespace list we can force; refused by name. */
const UNBOUNDED_SELECTORS = ['namespaceSelectors', 'nodes', 'nodeSelectors', 'clusterScoped'];
/**
 * The per-pod objects through which the controller hands rules to chaos-daemon (NetworkChaos, IOChaos, HTTPChaos):
 * each rule names its chaos as `source` (namespace/name). A rule of ours left in one is a fault still in the data
 * plane, whatever the chaos object's status says.
 */
const DATA_PLANE = [
  { plural: 'podnetworkchaos', lists: ['ipsets', 'iptables', 'tcs'] },
  { plural: 'podiochaos', lists: ['actions'] },
  { plural: 'podhttpchaos', lists: ['rules'] },
] as const;

export function typeOf(kind: string): ResourceType {
  return { group: 'chaos-mesh.org', version: 'v1alpha1', kind, plural: kind.toLowerCase(), namespaced: true };
}

const durationOf = (ms: number): string => `${Math.max(1, Math.ceil(ms / 1000))}s`;

type Selector = Record<string, unknown>;

/** A selector with its namespaces forced to `namespace`; anything that reaches further is refused. */
function confineSelector(raw: unknown, where: string, field: string, namespace: string): Selector {
  const selector = { ...((raw ?? {}) as Selector) };
  for (const key of UNBOUNDED_SELECTORS)
    if (key in selector)
      throw new BlastRadiusError(`${where}: ${field}.${key} reaches beyond the allowed namespaces; refused`);
  const listed = selector['namespaces'];
  if (listed !== undefined) {
    const outside = (Array.isArray(listed) ? listed : [listed]).filter((n) => n !== namespace);
    if (outside.length)
      throw new BlastRadiusError(
        `${where}: ${field}.namespaces names ${outside.join(', ')}, outside the run's namespace ${namespace}`,
      );
  }
  const pods = selector['pods'];
  if (pods && typeof pods === 'object') {
    const outside = Object.keys(pods).filter((n) => n !== namespace);
    if (outside.length)
      throw new BlastRadiusError(`${where}: ${field}.pods names namespace ${outside.join(', ')}; refused`);
  }
  selector['namespaces'] = [namespace];
  return selector;
}

/**
 * The resource as it is applied: the selector's namespaces (and a NetworkChaos `target`'s) forced to the run's
 * namespace (a selector naming another, or one that reaches wider, is refused before any write), `duration`
 * always the fault's (so it expires by itself after a SIGKILL), our labels and expiry, and never the
 * cleanFinalizer annotation.
 */
export function chaosMeshBody(fault: ChaosMeshFault, entry: LedgerEntry, namespace: string): KubeObject {
  const kind = String(fault.resource['kind']);
  const where = `fault ${fault.id} (${kind})`;
  const meta = (fault.resource['metadata'] ?? {}) as { annotations?: Record<string, string>; namespace?: string };
  if (meta.annotations && CLEAN_FINALIZER in meta.annotations)
    throw new UserError(`${where}: metadata.annotations.${CLEAN_FINALIZER} is never applied (it skips recovery)`);
  if (meta.annotations && PAUSE in meta.annotations)
    throw new UserError(`${where}: metadata.annotations.${PAUSE} is ours (the revert pauses to recover)`);
  if (meta.namespace !== undefined && meta.namespace !== namespace)
    throw new BlastRadiusError(
      `${where}: metadata.namespace ${meta.namespace} is not the run's namespace ${namespace}`,
    );
  const spec = { ...((fault.resource['spec'] ?? {}) as Record<string, unknown>) };
  spec['selector'] = confineSelector(spec['selector'], where, 'spec.selector', namespace);
  if (spec['target'] !== undefined) {
    const target = { ...(spec['target'] as Record<string, unknown>) };
    target['selector'] = confineSelector(target['selector'], where, 'spec.target.selector', namespace);
    spec['target'] = target;
  }
  const duration = durationOf(fault.durationMs);
  if (spec['duration'] !== undefined && spec['duration'] !== duration)
    throw new UserError(
      `${where}: spec.duration ${JSON.stringify(spec['duration'])} differs from the fault's duration ${duration}; give one`,
    );
  spec['duration'] = duration;
  const { labels, annotations } = chaosMetadata(entry);
  return {
    apiVersion: API_VERSION,
    kind,
    metadata: { name: entry.created[0]!.name, namespace, labels, annotations: { ...meta.annotations, ...annotations } },
    spec,
  };
}

/**
 * The pods a Chaos Mesh selector can pick in the namespace, by name: every live pod its label, expression,
 * annotation and `pods` parts match (field and phase selectors only narrow further, so this is never fewer
 * than the controller picks from). An empty selector is the whole namespace, as it is for Chaos Mesh.
 */
async function candidatePods(
  ctx: FaultContext,
  namespace: string,
  selector: Selector,
  where: string,
): Promise<KubeObject[]> {
  const pods = (await ctx.client.list(collectionPath(types.pod, namespace), {}, ctx.signal)).items;
  const matchLabels = (selector['labelSelectors'] ?? {}) as Record<string, string>;
  const matchExpressions = (selector['expressionSelectors'] ?? []) as {
    key: string;
    operator: string;
    values?: string[];
  }[];
  const annotations = Object.entries((selector['annotationSelectors'] ?? {}) as Record<string, string>);
  const named = (selector['pods'] as Record<string, string[]> | undefined)?.[namespace];
  return pods.filter((p) => {
    if (p.metadata?.deletionTimestamp) return false;
    if (named && !named.includes(p.metadata?.name ?? '')) return false;
    if (annotations.some(([k, v]) => p.metadata?.annotations?.[k] !== v)) return false;
    try {
      return labelSelectorMatches({ matchLabels, matchExpressions }, p.metadata?.labels, {
        empty: 'everything',
        unknownOperator: 'throw',
      });
    } catch (error) {
      throw new UserError(`${where}: spec.selector.expressionSelectors: ${(error as Error).message}`);
    }
  });
}

/** How many of `n` candidates Chaos Mesh's `mode` can hit at most (its own rounding: ceil for the percentages). */
function modeHits(mode: unknown, value: unknown, n: number, where: string, field: string): number {
  const number = (): number => {
    const v = Number(value);
    if (typeof value !== 'string' || !Number.isInteger(v) || v <= 0)
      throw new UserError(
        `${where}: ${field}.value ${JSON.stringify(value)} is not a positive whole number (a string)`,
      );
    return v;
  };
  switch (mode) {
    case 'one':
      return Math.min(1, n);
    case 'all':
      return n;
    case 'fixed':
      return Math.min(number(), n);
    case 'fixed-percent':
    case 'random-max-percent': {
      const p = number();
      if (p > 100) throw new UserError(`${where}: ${field}.value ${p} is above 100 (percent)`);
      return Math.ceil((n * p) / 100);
    }
    default:
      throw new UserError(
        `${where}: ${field}.mode ${JSON.stringify(mode)} is not one of one, all, fixed, fixed-percent, random-max-percent`,
      );
  }
}

/**
 * `mode` against the blast-radius limits, before any write: how many pods the mode can hit (all of them for
 * `mode: all`) may not exceed what max-targets, max-percentage and blastRadius allow of the selector's
 * candidates. Chaos Mesh picks the pods itself, so a mode beyond the limits is refused rather than bounded
 * silently; the error gives the `fixed` mode that fits.
 */
async function assertModeWithinLimits(
  fault: ChaosMeshFault,
  ctx: FaultContext,
  body: KubeObject,
  namespace: string,
): Promise<Map<string, string[]>> {
  const where = `fault ${fault.id} (${String(fault.resource['kind'])})`;
  const spec = body.spec as Record<string, unknown>;
  const images = new Map<string, string[]>();
  const parts: [string, Record<string, unknown>][] = [['spec', spec]];
  if (spec['target'] !== undefined) parts.push(['spec.target', spec['target'] as Record<string, unknown>]);
  for (const [field, part] of parts) {
    const pods = await candidatePods(ctx, namespace, part['selector'] as Selector, where);
    const names = pods.map((p) => p.metadata?.name ?? '').sort();
    const hits = modeHits(part['mode'], part['value'], names.length, where, field);
    const allowed = ctx.limitTargets(names, { name: `${fault.id}-${field}`, kind: 'Pod' }).length;
    if (hits > allowed)
      throw new BlastRadiusError(
        `${where}: ${field}.mode ${String(part['mode'])}${part['value'] === undefined ? '' : ` ${JSON.stringify(part['value'])}`} can hit ${hits} of the ${names.length} pods its selector matches in '${namespace}', and the blast-radius limits (max-targets, max-percentage, blastRadius) allow ${allowed}: Chaos Mesh picks the pods itself, so use mode: fixed with value: "${allowed}" or narrow the selector`,
      );
    for (const p of pods)
      images.set(
        p.metadata?.uid ?? '',
        ((p.spec as { containers?: { image?: string }[] } | undefined)?.containers ?? []).map((c) => c.image ?? ''),
      );
  }
  return images;
}

interface ChaosStatus {
  status?: {
    conditions?: { type: string; status: string; reason?: string }[];
    experiment?: {
      containerRecords?: {
        id: string;
        phase: string;
        injectedCount?: number;
        events?: { type: string; operation: string; message?: string }[];
      }[];
    };
  };
}

/** Failed applies per target after which the controller's own reason is the answer (it retries for ever). */
const FAILED_APPLIES = 2;

/**
 * Why the controller cannot inject, once it has tried: every target record not injected has failed to apply at
 * least FAILED_APPLIES times (NetworkChaos, StressChaos and the other daemon kinds on a cluster without
 * chaos-daemon, an unsupported action). Its last messages; undefined while it may still succeed.
 */
export function injectionFailure(o: ChaosStatus | undefined): string | undefined {
  const records = o?.status?.experiment?.containerRecords ?? [];
  const stuck = records.filter((r) => r.phase !== 'Injected');
  if (!stuck.length) return undefined;
  const failed = stuck.map((r) => (r.events ?? []).filter((e) => e.type === 'Failed' && e.operation === 'Apply'));
  if (failed.some((f) => f.length < FAILED_APPLIES)) return undefined;
  const messages = [...new Set(failed.map((f) => f.at(-1)?.message || 'no message'))];
  return `the controller failed to apply it to ${stuck.length} of ${records.length} targets (each ${FAILED_APPLIES}+ times): ${messages.join('; ')}`;
}
const condition = (o: ChaosStatus | undefined, type: string): string | undefined =>
  o?.status?.conditions?.find((c) => c.type === type)?.status;
const conditionsOf = (o: ChaosStatus | undefined): string =>
  (o?.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).join(', ') || 'no status';

/**
 * Paused, and never applied to any target (every record failed to apply, none ever injected): the controller will
 * not say AllRecovered (on a cluster without chaos-daemon it keeps its records and finalizer until a daemon can
 * clear them), so waiting longer shows nothing more. The reason, for the revert's verdict.
 */
function neverApplied(o: ChaosStatus | undefined): string | undefined {
  if (condition(o, 'Paused') !== 'True') return undefined;
  if ((o?.status?.experiment?.containerRecords ?? []).some((r) => (r.injectedCount ?? 0) > 0)) return undefined;
  const failure = injectionFailure(o);
  return failure && `never injected on any target (${failure})`;
}

/**
 * How long the controller may take to inject, or to recover and drop its finalizer, before we say it did not. The
 * polls end as soon as the controller answers, so the bound only costs time when it never does; a busy controller
 * (its work queue is rate-limited) took more than 20 s to select two pods on a loaded 2-core test bed.
 */
const SETTLE_MS = 60_000;

/** In-process only: the candidates' images before the fault (by pod uid), and what the pause showed. */
const imagesBefore = new WeakMap<LedgerEntry, Map<string, string[]>>();
const recoveredAtPause = new WeakMap<LedgerEntry, string>();
const unrecoveredAtPause = new WeakMap<LedgerEntry, string>();

/**
 * The data plane after the controller says recovered: no pod that was a candidate still runs an image other than
 * its own or carries Chaos Mesh's saved-image annotation for this chaos (pod-failure swaps images), and no per-pod
 * rule object (PodNetworkChaos, PodIOChaos, PodHttpChaos) holds a rule whose source is this chaos. Problems, each
 * naming the object.
 */
export async function dataPlaneProblems(
  ctx: Pick<FaultContext, 'client' | 'signal'>,
  namespace: string,
  chaosName: string,
  before: ReadonlyMap<string, string[]> = new Map(),
): Promise<string[]> {
  const problems: string[] = [];
  const source = `${namespace}/${chaosName}`;
  for (const pod of (await ctx.client.list(collectionPath(types.pod, namespace), {}, ctx.signal)).items) {
    const name = pod.metadata?.name ?? '';
    const saved = Object.keys(pod.metadata?.annotations ?? {}).filter((k) => k.startsWith(`chaos-mesh-${chaosName}-`));
    if (saved.length) problems.push(`pod ${name} still carries ${saved.join(', ')}`);
    const was = before.get(pod.metadata?.uid ?? '');
    const now = ((pod.spec as { containers?: { image?: string }[] } | undefined)?.containers ?? []).map(
      (c) => c.image ?? '',
    );
    if (was && JSON.stringify(was) !== JSON.stringify(now))
      problems.push(`pod ${name} runs ${now.join(', ')} (was ${was.join(', ')})`);
  }
  for (const kind of DATA_PLANE) {
    let items: KubeObject[];
    try {
      items = (
        await ctx.client.list(`/apis/chaos-mesh.org/v1alpha1/namespaces/${namespace}/${kind.plural}`, {}, ctx.signal)
      ).items;
    } catch (error) {
      if (isNotFound(error)) continue; // that CRD is not installed: nothing of it can hold a rule
      throw error;
    }
    for (const object of items) {
      const spec = (object.spec ?? {}) as Record<string, unknown>;
      for (const list of kind.lists) {
        const rules = (spec[list] ?? []) as { name?: string; source?: string }[];
        for (const rule of rules.filter((r) => r.source === source))
          problems.push(
            `${kind.plural} ${object.metadata?.name} still holds ${list} rule ${rule.name ?? '?'} of ${source}`,
          );
      }
    }
  }
  return problems;
}

export const chaosMeshBackend: FaultBackend<ChaosMeshFault> = {
  async plan(fault, ctx) {
    const namespace = ctx.defaultNamespace;
    const kind = String(fault.resource['kind']);
    const entry = foreignEntry(fault, ctx, { apiVersion: API_VERSION, kind, plural: typeOf(kind).plural });
    // Both refuse before the step's first write (and, through the experiment's preflight, before its first).
    const body = chaosMeshBody(fault, entry, namespace);
    imagesBefore.set(entry, await assertModeWithinLimits(fault, ctx, body, namespace));
    return entry;
  },
  async inject(fault, entry, ctx) {
    await createForeign(ctx, entry, chaosMeshBody(fault, entry, entry.created[0]!.namespace));
  },
  async verifyInjected(_fault, entry, ctx): Promise<Verification> {
    if (ctx.dryRun) return { ok: true, detail: 'dry run: accepted by the API server' };
    const object = entry.created[0]!;
    const live = await pollObject<KubeObject & ChaosStatus>(
      ctx,
      objectPath(typeOf(object.kind), object.namespace, object.name),
      SETTLE_MS,
      (o) => condition(o, 'AllInjected') === 'True' || injectionFailure(o) !== undefined,
    );
    if (condition(live, 'AllInjected') === 'True')
      return { ok: true, detail: `${object.kind} ${object.name}: AllInjected` };
    const failure = injectionFailure(live);
    return {
      ok: false,
      detail: `${object.kind} ${object.name} not injected by the controller (${conditionsOf(live)})${failure ? `: ${failure}` : ''}`,
    };
  },
  describe(fault, entry) {
    return `${String(fault.resource['kind'])} ${entry.created[0]!.name} for ${durationOf(fault.durationMs)}`;
  },
  /**
   * Before the ledger's delete: pause the chaos (uid tested in the patch), so the controller recovers every
   * record while the object is still there, and wait for its AllRecovered. The delete that follows then only
   * removes a recovered object; after a SIGKILL the post step's delete still makes the controller recover
   * before it drops its finalizer.
   */
  async revert(_fault, entry, ctx) {
    if (ctx.dryRun || entry.created[0]?.uid === undefined) return [];
    const object = entry.created[0];
    const path = objectPath(typeOf(object.kind), object.namespace, object.name);
    try {
      await ctx.client.request({
        method: 'PATCH',
        path,
        contentType: 'application/json-patch+json',
        body: [
          { op: 'test', path: '/metadata/uid', value: object.uid },
          { op: 'add', path: `/metadata/annotations/${PAUSE.replace('/', '~1')}`, value: 'true' },
        ],
      });
    } catch (error) {
      if (isNotFound(error)) return [`${object.kind} ${object.name}: already gone`];
      throw error;
    }
    const live = await pollObject<KubeObject & ChaosStatus>(
      ctx,
      path,
      SETTLE_MS,
      (o) => !o || condition(o, 'AllRecovered') === 'True' || neverApplied(o) !== undefined,
    );
    if (live && condition(live, 'AllRecovered') === 'True') {
      recoveredAtPause.set(entry, `AllRecovered when paused`);
      return [`${object.kind} ${object.name}: paused, AllRecovered`];
    }
    const why = `${live ? conditionsOf(live) : 'gone'}${neverApplied(live) ? `; ${neverApplied(live)}` : ''}`;
    unrecoveredAtPause.set(entry, why);
    return [`${object.kind} ${object.name}: paused, not recovered (${why})`];
  },
  /**
   * Recovery counts only when the controller said AllRecovered (seen while paused, before the delete) AND the
   * object is gone or still says so AND the data plane is clean; never a delete we forced.
   */
  async verifyReverted(_fault, entry, ctx): Promise<Verification> {
    if (ctx.dryRun) return { ok: true, detail: 'dry run: nothing persisted' };
    const object = entry.created[0]!;
    const seen = recoveredAtPause.get(entry);
    if (!seen) {
      const why = unrecoveredAtPause.get(entry);
      return {
        ok: false,
        detail: `${object.kind} ${object.name}: the controller never said AllRecovered${why ? ` (${why})` : ''}`,
      };
    }
    const live = await pollObject<KubeObject & ChaosStatus>(
      ctx,
      objectPath(typeOf(object.kind), object.namespace, object.name),
      SETTLE_MS,
      (o) => !o || o.metadata?.uid !== object.uid,
    );
    const gone = !live || live.metadata?.uid !== object.uid;
    if (!gone && condition(live, 'AllRecovered') !== 'True')
      return { ok: false, detail: `${object.kind} ${object.name}: no longer AllRecovered (${conditionsOf(live)})` };
    const problems = await dataPlaneProblems(ctx, object.namespace, object.name, imagesBefore.get(entry));
    if (problems.length)
      return {
        ok: false,
        detail: `${object.kind} ${object.name}: ${seen}, but the data plane is not clean: ${problems.join('; ')}`,
      };
    return {
      ok: true,
      detail: `${object.kind} ${object.name}: ${seen}, ${gone ? 'gone' : 'finalizer still pending'}, data plane clean`,
    };
  },
};
