import { errorMessage } from '@gauntlet/action-kit';
import {
  KubeApiError,
  collectionPath,
  deleteVerified,
  objectPath,
  types,
  type KubeObject,
  type ResourceType,
} from '@gauntlet/kube';
import { CHAOS_MESH_KINDS } from '../experiment/faults.js';
import { revertEntry, verifyReverted } from './revert.js';
import { CHAOS_ANNOTATIONS, CHAOS_LABELS, type LedgerEntry, type RevertContext } from './types.js';

/**
 * The post step's revert: every ledger entry not yet reverted (planned ones too — the process may have died
 * between the write and saving its uid) is reverted and compared with what was there before.
 */
export async function revertLedger(
  entries: readonly LedgerEntry[],
  ctx: RevertContext,
): Promise<{ reverted: number; problems: string[] }> {
  let reverted = 0;
  const problems: string[] = [];
  for (const entry of entries) {
    if (entry.state === 'reverted') continue;
    try {
      for (const line of await revertEntry(entry, ctx)) ctx.log(`${entry.experiment} ${entry.faultId}: ${line}`);
      const check = await verifyReverted(entry, ctx);
      if (check.ok) {
        entry.state = 'reverted';
        reverted++;
      } else problems.push(`${entry.experiment} ${entry.faultId}: ${check.detail}`);
    } catch (error) {
      problems.push(`${entry.experiment} ${entry.faultId}: ${errorMessage(error)}`);
    }
  }
  return { reverted, problems };
}

export interface ReapOptions {
  readonly namespaces: readonly string[];
  /** Epoch ms; objects whose expiry annotation is at or before it are reverted. */
  readonly now: number;
  /** Report only. */
  readonly dryRun?: boolean;
  /** Toxiproxy APIs whose toxics of ours past their expiry (the name carries it) are removed. */
  readonly toxiproxyUrls?: readonly string[];
  /** Only the toxics of these proxies (every proxy when absent): a Toxiproxy shared by several runs. */
  readonly proxies?: readonly string[];
}

const CREATED_TYPES: readonly ResourceType[] = [types.networkPolicy, types.resourceQuota];
const SCALED_TYPES: readonly ResourceType[] = [types.deployment, types.statefulSet, types.replicaSet];

function expired(object: KubeObject, now: number): boolean {
  const at = Date.parse(object.metadata?.annotations?.[CHAOS_ANNOTATIONS.expires] ?? '');
  return Number.isFinite(at) && at <= now;
}

/**
 * The reaper (mode reap, and the last line after a SIGKILL): finds what chaos runs left in the namespaces by our
 * labels and annotations, and reverts what has expired. Created objects are deleted by uid; a workload whose
 * restore annotation we wrote gets its replicas back, the uid tested in the patch. Nothing without our marks is
 * touched, and an object whose expiry cannot be read is left (and reported), never guessed.
 */
export async function reapLeftovers(ctx: RevertContext, options: ReapOptions): Promise<string[]> {
  const report: string[] = [];
  for (const namespace of options.namespaces) {
    for (const type of CREATED_TYPES) {
      const items = (
        await ctx.client.list(collectionPath(type, namespace), { labelSelector: CHAOS_LABELS.run }, ctx.signal)
      ).items;
      for (const object of items) {
        const name = `${type.kind} ${namespace}/${object.metadata?.name}`;
        if (!expired(object, options.now)) {
          report.push(`${name}: not expired (run ${object.metadata?.labels?.[CHAOS_LABELS.run]}), left`);
          continue;
        }
        if (options.dryRun) report.push(`${name}: would delete`);
        else report.push(`${name}: ${await deleteVerified(ctx.client, type, object)}`);
      }
    }
    report.push(...(await reapForeign(ctx, namespace, options)));
    for (const type of SCALED_TYPES) {
      for (const object of (await ctx.client.list(collectionPath(type, namespace), {}, ctx.signal)).items) {
        const raw = object.metadata?.annotations?.[CHAOS_ANNOTATIONS.restore];
        if (raw === undefined) continue;
        const name = `${type.kind} ${namespace}/${object.metadata?.name}`;
        let restore: { replicas?: unknown; expires?: unknown };
        try {
          restore = JSON.parse(raw) as typeof restore;
        } catch {
          report.push(`${name}: unreadable ${CHAOS_ANNOTATIONS.restore} annotation, left`);
          continue;
        }
        const at = Date.parse(String(restore.expires));
        if (!Number.isInteger(restore.replicas) || !Number.isFinite(at)) {
          report.push(`${name}: incomplete ${CHAOS_ANNOTATIONS.restore} annotation, left`);
          continue;
        }
        if (at > options.now) {
          report.push(`${name}: not expired, left`);
          continue;
        }
        if (options.dryRun) {
          report.push(`${name}: would restore ${String(restore.replicas)} replicas`);
          continue;
        }
        await ctx.client.request({
          method: 'PATCH',
          path: objectPath(type, namespace, object.metadata!.name!),
          contentType: 'application/json-patch+json',
          body: [
            { op: 'test', path: '/metadata/uid', value: object.metadata?.uid },
            { op: 'replace', path: '/spec/replicas', value: restore.replicas },
            { op: 'remove', path: `/metadata/annotations/${CHAOS_ANNOTATIONS.restore.replace('/', '~1')}` },
          ],
          ...(ctx.signal ? { signal: ctx.signal } : {}),
        });
        report.push(`${name}: replicas restored to ${String(restore.replicas)}`);
      }
    }
  }
  for (const url of options.toxiproxyUrls ?? []) report.push(...(await reapToxics(url, options, ctx.signal)));
  return report;
}

/** The foreign chaos tools' resources a run creates: every Chaos Mesh kind, and Litmus's ChaosEngine. */
const FOREIGN_TYPES: readonly ResourceType[] = [
  ...CHAOS_MESH_KINDS.map((kind) => ({
    group: 'chaos-mesh.org',
    version: 'v1alpha1',
    kind,
    plural: kind.toLowerCase(),
    namespaced: true,
  })),
  { group: 'litmuschaos.io', version: 'v1alpha1', kind: 'ChaosEngine', plural: 'chaosengines', namespaced: true },
];

/**
 * Our Chaos Mesh objects and Litmus ChaosEngines (by our run label) past their expiry, deleted by uid: the
 * controller (Chaos Mesh's, or Litmus's operator through its finalizer) then recovers their targets before the
 * object goes. Their duration has normally ended them already; this removes the object and anything a controller
 * that was down missed. A cluster without the tool (404) has none; an identity without list on them (403) is
 * reported, since the documented base Role covers only the native faults.
 */
async function reapForeign(ctx: RevertContext, namespace: string, options: ReapOptions): Promise<string[]> {
  const report: string[] = [];
  const notInstalled = new Set<string>();
  for (const type of FOREIGN_TYPES) {
    if (notInstalled.has(type.group)) continue;
    let items: KubeObject[];
    try {
      items = (await ctx.client.list(collectionPath(type, namespace), { labelSelector: CHAOS_LABELS.run }, ctx.signal))
        .items;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) {
        notInstalled.add(type.group); // the tool is not installed
        continue;
      }
      if (error instanceof KubeApiError && error.status === 403) {
        report.push(
          `${type.kind} in ${namespace}: not listed (forbidden; grant list and delete on ${type.group} to reap them)`,
        );
        continue;
      }
      throw error;
    }
    for (const object of items) {
      const name = `${type.kind} ${namespace}/${object.metadata?.name}`;
      if (!expired(object, options.now))
        report.push(`${name}: not expired (run ${object.metadata?.labels?.[CHAOS_LABELS.run]}), left`);
      else if (options.dryRun) report.push(`${name}: would delete`);
      else report.push(`${name}: ${await deleteVerified(ctx.client, type, object)}`);
    }
  }
  return report;
}

/** Toxics whose name is ours and whose expiry has passed; any other toxic, or one still live, is left. */
async function reapToxics(url: string, options: ReapOptions, signal?: AbortSignal): Promise<string[]> {
  const { ToxiproxyClient } = await import('./toxiproxy/client.js');
  const { toxicExpiry, TOXIC_PREFIX } = await import('./toxiproxy/names.js');
  const client = new ToxiproxyClient(url);
  const report: string[] = [];
  for (const proxy of await client.proxies(signal)) {
    if (options.proxies && !options.proxies.includes(proxy.name)) continue;
    for (const toxic of proxy.toxics) {
      if (!toxic.name.startsWith(TOXIC_PREFIX)) continue;
      const name = `toxic ${proxy.name}/${toxic.name}`;
      const at = toxicExpiry(toxic.name);
      if (at === undefined) report.push(`${name}: no readable expiry, left`);
      else if (at > options.now) report.push(`${name}: not expired, left`);
      else if (options.dryRun) report.push(`${name}: would remove`);
      else report.push(`${name}: ${await client.removeToxic(proxy.name, toxic.name, signal)}`);
    }
  }
  return report;
}
