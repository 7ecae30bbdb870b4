import { UserError } from '@gauntlet/action-kit';
import {
  KubeApiError,
  collectionPath,
  isNotFound,
  objectPath,
  types,
  type KubeObject,
  type ResourceType,
} from '@gauntlet/kube';
import type { FaultSpec } from '../experiment/model.js';
import { BlastRadiusError } from '../errors.js';
import { chaosMetadata, createForeign, foreignEntry } from './common.js';
import { pollObject, pollUntil } from './poll.js';
import type { FaultBackend, FaultContext, FaultOutcome, LedgerEntry, Verification } from './types.js';

// One model member for both kinds of foreign resource; this backend takes the LitmusChaos ones.
type LitmusFault = Extract<FaultSpec, { type: 'chaos-mesh' | 'litmus' }>;

const API_VERSION = 'litmuschaos.io/v1alpha1';
export const chaosEngineType: ResourceType = {
  group: 'litmuschaos.io',
  version: 'v1alpha1',
  kind: 'ChaosEngine',
  plural: 'chaosengines',
  namespaced: true,
};
const chaosResultType: ResourceType = { ...chaosEngineType, kind: 'ChaosResult', plural: 'chaosresults' };

/** How long the operator may take to start, judge or stop an engine before we say it did not. */
const SETTLE_MS = 30_000;
/**
 * Experiment env that would aim the experiment past the engine's `appinfo` (which the operator hands to each
 * experiment as APP_NAMESPACE, APP_LABEL and APP_KIND): refused, so the forced appinfo is what decides.
 */
const APPINFO_ENV = ['APP_NAMESPACE', 'APP_LABEL', 'APP_KIND', 'TARGETS'];
/** Env that aims an experiment at nodes: node faults are only the native, opt-in ones. */
const NODE_ENV = ['TARGET_NODE', 'TARGET_NODES', 'NODE_LABEL'];
/** ChaosResult phases of an experiment still going (anything else is an end: Completed, Stopped, Error). */
const LIVE_PHASES = new Set(['', 'Initialized', 'Running', 'Awaited']);

type Env = { name: string; value?: string }[];
interface EngineExperiment {
  name: string;
  spec?: { components?: { env?: Env } } & Record<string, unknown>;
}
interface Engine extends KubeObject {
  spec?: { engineState?: string; appinfo?: { applabel?: string }; experiments?: EngineExperiment[] };
  status?: { engineStatus?: string };
}
interface ResultStatus {
  phase?: string;
  verdict?: string;
  failStep?: string;
  probeSuccessPercentage?: string;
}
interface Result extends KubeObject {
  status?: { experimentStatus?: ResultStatus; experimentstatus?: ResultStatus };
}

const secondsOf = (ms: number): string => String(Math.max(1, Math.ceil(ms / 1000)));
const envValue = (e: EngineExperiment, name: string): string | undefined =>
  e.spec?.components?.env?.find((v) => v.name === name)?.value;

/**
 * The ChaosEngine as it is applied: in the run's namespace, `appinfo.appns` forced to it (another is refused
 * before any write) with an `applabel` required (the pods it can hit are counted against the limits),
 * `engineState: active`, every experiment's TOTAL_CHAOS_DURATION the fault's (so it ends by itself after a
 * SIGKILL), our labels and expiry. Env that would retarget an experiment (another namespace, nodes) is refused.
 */
export function litmusEngineBody(fault: LitmusFault, entry: LedgerEntry, namespace: string): Engine {
  const where = `fault ${fault.id} (ChaosEngine)`;
  const meta = (fault.resource['metadata'] ?? {}) as { annotations?: Record<string, string>; namespace?: string };
  if (meta.namespace !== undefined && meta.namespace !== namespace)
    throw new BlastRadiusError(
      `${where}: metadata.namespace ${meta.namespace} is not the run's namespace ${namespace}`,
    );
  const spec = { ...((fault.resource['spec'] ?? {}) as Record<string, unknown>) };
  if (spec['engineState'] !== undefined && spec['engineState'] !== 'active')
    throw new UserError(
      `${where}: spec.engineState ${JSON.stringify(spec['engineState'])}: the run starts the engine (active) and stops it to revert; leave it out`,
    );
  spec['engineState'] = 'active';
  const appinfo = { ...((spec['appinfo'] ?? {}) as Record<string, unknown>) };
  if (appinfo['appns'] !== undefined && appinfo['appns'] !== namespace)
    throw new BlastRadiusError(
      `${where}: spec.appinfo.appns ${JSON.stringify(appinfo['appns'])} is not the run's namespace ${namespace}`,
    );
  if (typeof appinfo['applabel'] !== 'string' || !appinfo['applabel'].trim())
    throw new UserError(
      `${where}: spec.appinfo.applabel (a label selector such as app=web) is required: the pods it matches are counted against the blast-radius limits`,
    );
  appinfo['appns'] = namespace;
  spec['appinfo'] = appinfo;
  const experiments = spec['experiments'];
  if (!Array.isArray(experiments) || experiments.length === 0)
    throw new UserError(`${where}: spec.experiments needs at least one experiment`);
  const duration = secondsOf(fault.durationMs);
  spec['experiments'] = (experiments as EngineExperiment[]).map((e, i) => {
    const at = `${where}: spec.experiments[${i}]`;
    if (typeof e?.name !== 'string' || !e.name) throw new UserError(`${at}.name is required`);
    const env: Env = [...(e.spec?.components?.env ?? [])];
    for (const v of env) {
      if (APPINFO_ENV.includes(v.name))
        throw new UserError(`${at}.spec.components.env ${v.name}: set spec.appinfo instead (the run forces it)`);
      if (NODE_ENV.includes(v.name))
        throw new BlastRadiusError(
          `${at}.spec.components.env ${v.name} aims at nodes; refused (node faults are opt-in native faults)`,
        );
    }
    const given = env.find((v) => v.name === 'TOTAL_CHAOS_DURATION');
    if (given && String(given.value) !== duration)
      throw new UserError(
        `${at}.spec.components.env TOTAL_CHAOS_DURATION ${JSON.stringify(given.value)} differs from the fault's duration ${duration}s; give one`,
      );
    if (!given) env.push({ name: 'TOTAL_CHAOS_DURATION', value: duration });
    return { ...e, spec: { ...e.spec, components: { ...e.spec?.components, env } } };
  });
  const { labels, annotations } = chaosMetadata(entry);
  return {
    apiVersion: API_VERSION,
    kind: 'ChaosEngine',
    metadata: { name: entry.created[0]!.name, namespace, labels, annotations: { ...meta.annotations, ...annotations } },
    spec,
  };
}

/**
 * How many of `names` (the applabel's live pods) an experiment can hit, as Litmus picks them: the pods TARGET_PODS
 * names (each must be a candidate), else PODS_AFFECTED_PERC of them, floored and at least one (0, the default,
 * means one pod).
 */
export function litmusHits(e: EngineExperiment, names: readonly string[], at: string): number {
  const targetPods = envValue(e, 'TARGET_PODS');
  if (targetPods !== undefined && targetPods.trim()) {
    const named = targetPods
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    const stray = named.filter((n) => !names.includes(n));
    if (stray.length)
      throw new BlastRadiusError(
        `${at}: TARGET_PODS names ${stray.join(', ')}, not among the pods spec.appinfo.applabel matches`,
      );
    return named.length;
  }
  const raw = envValue(e, 'PODS_AFFECTED_PERC') ?? '0';
  const p = Number(raw);
  if (!Number.isInteger(p) || p < 0 || p > 100)
    throw new UserError(`${at}: PODS_AFFECTED_PERC ${JSON.stringify(raw)} is not a whole percentage (0-100)`);
  return names.length === 0 ? 0 : Math.max(1, Math.floor((names.length * p) / 100));
}

/** The applabel's live pods in the namespace, by name (the API server parses the selector). */
async function candidatePods(ctx: FaultContext, namespace: string, applabel: string, where: string): Promise<string[]> {
  try {
    const pods = await ctx.client.list(collectionPath(types.pod, namespace), { labelSelector: applabel }, ctx.signal);
    return pods.items
      .filter((p) => !p.metadata?.deletionTimestamp)
      .map((p) => p.metadata?.name ?? '')
      .sort();
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 400)
      throw new UserError(
        `${where}: spec.appinfo.applabel ${JSON.stringify(applabel)} is not a label selector: ${error.message}`,
      );
    throw error;
  }
}

/** In-process only: how many pods the applabel matched at plan, and how the engine ended when reverted. */
const candidatesAtPlan = new WeakMap<LedgerEntry, number>();
const endedAtRevert = new WeakMap<LedgerEntry, string>();

interface Snapshot {
  engine?: Engine;
  results: { experiment: string; status?: ResultStatus }[];
}

const experimentsOf = (fault: LitmusFault): string[] =>
  ((fault.resource['spec'] as { experiments?: { name?: string }[] } | undefined)?.experiments ?? []).map((e) =>
    String(e.name),
  );

/**
 * The engine and each experiment's ChaosResult (`<engine>-<experiment>`, and of this engine when its chaosUID
 * says so), read whether or not the engine is still there.
 */
async function snapshot(
  ctx: Pick<FaultContext, 'client' | 'signal'>,
  fault: LitmusFault,
  entry: LedgerEntry,
): Promise<Snapshot> {
  const object = entry.created[0]!;
  const engine = await ctx.client.getOptional<Engine>(
    objectPath(chaosEngineType, object.namespace, object.name),
    ctx.signal,
  );
  const results = [];
  for (const experiment of experimentsOf(fault)) {
    const result = await ctx.client.getOptional<Result>(
      objectPath(chaosResultType, object.namespace, `${object.name}-${experiment}`.slice(0, 253)),
      ctx.signal,
    );
    const uid = result?.metadata?.labels?.['chaosUID'];
    const ours = result && (uid === undefined || uid === object.uid);
    const status = ours ? (result.status?.experimentStatus ?? result.status?.experimentstatus) : undefined;
    results.push({ experiment, ...(status ? { status } : {}) });
  }
  return engine ? { engine, results } : { results };
}

const phaseOf = (r: Snapshot['results'][number]): string => r.status?.phase ?? '';
const describeSnapshot = (s: Snapshot): string =>
  [
    `engineStatus ${s.engine?.status?.engineStatus ?? (s.engine ? 'unset' : 'gone')}`,
    ...s.results.map(
      (r) => `${r.experiment} ${r.status ? `${phaseOf(r)}/${r.status.verdict ?? '?'}` : 'no ChaosResult'}`,
    ),
  ].join(', ');

/** Pods of the engine (runner, experiment and helper pods carry its uid as `chaosUID`) still running. */
async function enginePodsLeft(ctx: Pick<FaultContext, 'client' | 'signal'>, entry: LedgerEntry): Promise<string[]> {
  const object = entry.created[0]!;
  if (!object.uid) return [];
  const pods = await ctx.client.list(
    collectionPath(types.pod, object.namespace),
    { labelSelector: `chaosUID=${object.uid}` },
    ctx.signal,
  );
  return pods.items
    .filter((p) => !p.metadata?.deletionTimestamp)
    .filter((p) => !['Succeeded', 'Failed'].includes(String((p.status as { phase?: string } | undefined)?.phase)))
    .map((p) => `pod ${p.metadata?.name} of the engine still runs`);
}

export const litmusBackend: FaultBackend<LitmusFault> = {
  async plan(fault, ctx) {
    const namespace = ctx.defaultNamespace;
    const entry = foreignEntry(fault, ctx, {
      apiVersion: API_VERSION,
      kind: 'ChaosEngine',
      plural: chaosEngineType.plural,
    });
    // Both refuse before the step's first write (and, through the experiment's preflight, before its first).
    const body = litmusEngineBody(fault, entry, namespace);
    const where = `fault ${fault.id} (ChaosEngine)`;
    const names = await candidatePods(ctx, namespace, body.spec!.appinfo!.applabel!, where);
    for (const [i, e] of body.spec!.experiments!.entries()) {
      const at = `${where}: spec.experiments[${i}] (${e.name})`;
      const hits = litmusHits(e, names, at);
      const allowed = ctx.limitTargets(names, { name: `${fault.id}-${e.name}`, kind: 'Pod' }).length;
      if (hits > allowed)
        throw new BlastRadiusError(
          `${at} can hit ${hits} of the ${names.length} pods spec.appinfo.applabel matches in '${namespace}', and the blast-radius limits (max-targets, max-percentage, blastRadius) allow ${allowed}: Litmus picks the pods itself, so lower PODS_AFFECTED_PERC, name fewer TARGET_PODS or narrow the applabel`,
        );
    }
    candidatesAtPlan.set(entry, names.length);
    return entry;
  },
  async inject(fault, entry, ctx) {
    // Zero targets never means all (nor an engine that does nothing): nothing is written, and it is not injected.
    if (candidatesAtPlan.get(entry) === 0) return;
    await createForeign(ctx, entry, litmusEngineBody(fault, entry, entry.created[0]!.namespace));
  },
  /** In effect once the operator has initialized the engine and every experiment's ChaosResult is running (or done). */
  async verifyInjected(fault, entry, ctx): Promise<Verification> {
    if (ctx.dryRun) return { ok: true, detail: 'dry run: accepted by the API server' };
    const object = entry.created[0]!;
    if (candidatesAtPlan.get(entry) === 0)
      return { ok: false, detail: `ChaosEngine ${object.name}: spec.appinfo.applabel matches no pod (zero targets)` };
    const started = (s: Snapshot): boolean =>
      ['initialized', 'completed'].includes(s.engine?.status?.engineStatus ?? '') &&
      s.results.length > 0 &&
      s.results.every((r) => ['Running', 'Completed'].includes(phaseOf(r)));
    const seen = await pollUntil(ctx, SETTLE_MS, () => snapshot(ctx, fault, entry), started);
    return started(seen)
      ? { ok: true, detail: `ChaosEngine ${object.name}: ${describeSnapshot(seen)}` }
      : {
          ok: false,
          detail: `ChaosEngine ${object.name} not started by the Litmus operator (${describeSnapshot(seen)})`,
        };
  },
  /** Litmus's own verdict: every ChaosResult Pass; a Fail fails the experiment; none in time is inconclusive. */
  async outcome(fault, entry, ctx): Promise<FaultOutcome> {
    if (ctx.dryRun) return { ok: true, detail: 'dry run: no ChaosResult' };
    const object = entry.created[0]!;
    const ended = (s: Snapshot): boolean =>
      s.results.length > 0 && s.results.every((r) => r.status && !LIVE_PHASES.has(phaseOf(r)));
    const seen = await pollUntil(ctx, SETTLE_MS, () => snapshot(ctx, fault, entry), ended);
    const failed = seen.results.filter((r) => r.status?.verdict === 'Fail');
    if (failed.length)
      return {
        ok: false,
        detail: failed
          .map(
            (r) =>
              `ChaosResult ${object.name}-${r.experiment}: verdict Fail at ${JSON.stringify(r.status?.failStep ?? '?')} (probeSuccessPercentage ${r.status?.probeSuccessPercentage ?? '?'})`,
          )
          .join('; '),
      };
    if (ended(seen) && seen.results.every((r) => r.status?.verdict === 'Pass'))
      return { ok: true, detail: `ChaosResult verdict Pass (${describeSnapshot(seen)})` };
    return { ok: false, inconclusive: true, detail: `Litmus gave no verdict (${describeSnapshot(seen)})` };
  },
  describe(fault, entry) {
    return `ChaosEngine ${entry.created[0]!.name} (${experimentsOf(fault).join(', ')}) for ${secondsOf(fault.durationMs)}s`;
  },
  /**
   * Before the ledger's delete: stop the engine (engineState stop, uid tested in the patch), Litmus's abort, and
   * wait until the operator says stopped (or completed). After a SIGKILL, the post step's delete by uid makes
   * the operator's finalizer end the experiment instead.
   */
  async revert(_fault, entry, ctx) {
    const object = entry.created[0];
    if (ctx.dryRun || object?.uid === undefined) return [];
    const path = objectPath(chaosEngineType, object.namespace, object.name);
    const done = (o: Engine | undefined): boolean =>
      !o || ['stopped', 'completed'].includes(o.status?.engineStatus ?? '');
    const live = await ctx.client.getOptional<Engine>(path);
    if (!live) return [`ChaosEngine ${object.name}: already gone`];
    if (!done(live)) {
      try {
        await ctx.client.request({
          method: 'PATCH',
          path,
          contentType: 'application/json-patch+json',
          body: [
            { op: 'test', path: '/metadata/uid', value: object.uid },
            { op: 'add', path: '/spec/engineState', value: 'stop' },
          ],
        });
      } catch (error) {
        if (isNotFound(error)) return [`ChaosEngine ${object.name}: already gone`];
        throw error;
      }
    }
    const after = done(live) ? live : await pollObject<Engine>(ctx, path, SETTLE_MS, done);
    const state = after?.status?.engineStatus;
    if (after && done(after)) {
      endedAtRevert.set(entry, `engine ${state}`);
      return [`ChaosEngine ${object.name}: ${done(live) ? state : `stopped (engineStatus ${state})`}`];
    }
    return [
      `ChaosEngine ${object.name}: stop asked, not stopped (${after ? `engineStatus ${state ?? 'unset'}` : 'gone'})`,
    ];
  },
  /**
   * Recovered only when the operator said stopped or completed (seen before the delete), no ChaosResult is still
   * running, and no pod of the engine is left; the engine itself is gone or going (its finalizer).
   */
  async verifyReverted(fault, entry, ctx): Promise<Verification> {
    if (ctx.dryRun) return { ok: true, detail: 'dry run: nothing persisted' };
    const object = entry.created[0]!;
    // Never created (zero targets, or inject failed before the reply): the ledger's check covers it by name.
    if (object.uid === undefined) return { ok: true, detail: `ChaosEngine ${object.name}: not created by this run` };
    const seen = endedAtRevert.get(entry);
    if (!seen) return { ok: false, detail: `ChaosEngine ${object.name}: the operator never said stopped or completed` };
    const now = await snapshot(ctx, fault, entry);
    const problems = [
      ...now.results
        .filter((r) => LIVE_PHASES.has(phaseOf(r)) && r.status)
        .map((r) => `ChaosResult of ${r.experiment} still ${phaseOf(r)}`),
      ...(await enginePodsLeft(ctx, entry)),
    ];
    if (problems.length)
      return { ok: false, detail: `ChaosEngine ${object.name}: ${seen}, but ${problems.join('; ')}` };
    return { ok: true, detail: `ChaosEngine ${object.name}: ${seen}, no experiment or pod of it left` };
  },
};
