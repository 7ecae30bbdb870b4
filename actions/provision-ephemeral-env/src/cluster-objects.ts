/**
 * Cluster-scoped objects of a stack (allow-cluster-scoped: true) outlive the namespace unless they are deleted one by
 * one, and their names are deterministic: a ClusterRoleBinding left behind by one environment would be inherited by
 * the next environment of the same pull request. So every cluster-scoped object the environment applies is
 *
 * - refused if it already exists and is not one this environment recorded (an apply would take over, and teardown
 *   then delete, someone else's object);
 * - recorded in an annotation of the environment's namespace BEFORE it is applied (kind, resource and name: a kill
 *   mid-apply leaves a record), and again with its uid once applied. The namespace is cluster-scoped, and stack
 *   objects may not be Namespaces, so no namespaced stack object or workload can rewrite the record;
 * - marked with the environment's labels and owner annotation;
 * - deleted before the namespace, by down, the post step, a failed up and the reaper, each with a uid
 *   precondition; an object whose uid is not the recorded one (replaced by someone else) is left alone and reported.
 *   If one cannot be deleted the namespace is kept, so the record survives for the next attempt.
 */
import { UserError } from '@gauntlet/action-kit';
import {
  type EnvironmentIdentity,
  type KubeClient,
  type KubeObject,
  type PlannedObject,
  type ResourceType,
  MANAGED_BY,
  annotations,
  deleteVerified,
  environmentKey,
  formatKubeError,
  isDns1123Subdomain,
  labels,
  objectPath,
  repositoryHash,
  types,
} from '@gauntlet/kube';

/** The namespace annotation holding the record (JSON array of ClusterObjectRecord). */
export const CLUSTER_OBJECTS_ANNOTATION = 'gauntlet.dev/cluster-objects';
/** The label on each cluster-scoped object naming the environment (namespace) that applied it. */
export const ENVIRONMENT_LABEL = 'gauntlet.dev/environment';

export interface ClusterObjectRecord {
  group: string;
  version: string;
  kind: string;
  plural: string;
  name: string;
  /** Known once the object was applied; absent in the record written before the apply. */
  uid?: string;
}

const MAX_RECORDS = 500;

/** The record on a namespace; entries that are not well-formed are dropped (they could only name nothing of ours). */
export function readClusterRecord(namespace: KubeObject): ClusterObjectRecord[] {
  const raw = namespace.metadata?.annotations?.[CLUSTER_OBJECTS_ANNOTATION];
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const out: ClusterObjectRecord[] = [];
  for (const entry of parsed.slice(0, MAX_RECORDS)) {
    if (entry === null || typeof entry !== 'object') continue;
    const e = entry as Record<string, unknown>;
    const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    const [group, version, kind, plural, name, uid] = [e.group, e.version, e.kind, e.plural, e.name, e.uid].map(str);
    if (group === undefined || !version || !kind || !plural || !name) continue;
    if (!/^[a-z0-9.-]{0,253}$/.test(group) || !/^v[0-9a-z]{1,20}$/.test(version) || !/^[a-z0-9]{1,63}$/.test(plural))
      continue;
    if (!/^[A-Za-z0-9]{1,63}$/.test(kind) || !isDns1123Subdomain(name)) continue;
    out.push({ group, version, kind, plural, name, ...(uid && /^[0-9a-f-]{1,64}$/.test(uid) ? { uid } : {}) });
  }
  return out;
}

function typeOf(record: Pick<ClusterObjectRecord, 'group' | 'version' | 'kind' | 'plural'>): ResourceType {
  return { group: record.group, version: record.version, kind: record.kind, plural: record.plural, namespaced: false };
}

function sameObject(a: Pick<ClusterObjectRecord, 'group' | 'plural' | 'name'>, b: typeof a): boolean {
  return a.group === b.group && a.plural === b.plural && a.name === b.name;
}

export function describeRecord(record: Pick<ClusterObjectRecord, 'kind' | 'name'>): string {
  return `${record.kind}/${record.name}`;
}

/** The cluster-scoped part of a plan. */
export function clusterScoped(plan: readonly PlannedObject[]): PlannedObject[] {
  return plan.filter((p) => !p.type.namespaced);
}

/** The environment's marks on a cluster-scoped object (labels and owner annotation), added to a copy of its body. */
export function markClusterObject(planned: PlannedObject, identity: EnvironmentIdentity, namespace: string): void {
  const meta = planned.object.metadata ?? {};
  planned.object = {
    ...planned.object,
    metadata: {
      ...meta,
      labels: {
        ...meta.labels,
        [labels.managedBy]: MANAGED_BY,
        [labels.repository]: repositoryHash(identity.repositoryId),
        [ENVIRONMENT_LABEL]: namespace,
      },
      annotations: { ...meta.annotations, [annotations.owner]: environmentKey(identity) },
    },
  };
}

/** Writes the record to the namespace: a JSON patch guarded by the namespace's uid, so it lands on that object only. */
export async function writeClusterRecord(
  client: KubeClient,
  namespace: KubeObject,
  records: readonly ClusterObjectRecord[],
  options: { signal?: AbortSignal; deadline?: number; fieldManager: string },
): Promise<KubeObject> {
  const name = namespace.metadata?.name ?? '';
  return client.request<KubeObject>({
    method: 'PATCH',
    path: objectPath(types.namespace, undefined, name),
    contentType: 'application/json-patch+json',
    query: { fieldManager: options.fieldManager },
    body: [
      { op: 'test', path: '/metadata/uid', value: namespace.metadata?.uid },
      ...(namespace.metadata?.annotations ? [] : [{ op: 'add', path: '/metadata/annotations', value: {} }]),
      {
        op: 'add',
        path: `/metadata/annotations/${CLUSTER_OBJECTS_ANNOTATION.replace('/', '~1')}`,
        value: JSON.stringify(records),
      },
    ],
    // A JSON patch with a uid test is safe to send twice.
    idempotent: true,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
  });
}

/**
 * Before the apply: refuses an existing object the record does not hold (by uid), then records every planned one.
 * Returns the namespace as patched (its record now holds the whole plan).
 */
export async function recordBeforeApply(
  client: KubeClient,
  namespace: KubeObject,
  planned: readonly PlannedObject[],
  options: { signal?: AbortSignal; deadline?: number; fieldManager: string },
): Promise<{ namespace: KubeObject; records: ClusterObjectRecord[] }> {
  const existing = readClusterRecord(namespace);
  const records: ClusterObjectRecord[] = [...existing];
  for (const p of planned) {
    const wanted = { ...p.type, name: p.name };
    const current = await client.getOptional<KubeObject>(objectPath(p.type, undefined, p.name), options.signal);
    const recorded = existing.find((r) => sameObject(r, wanted));
    if (current && (!recorded?.uid || recorded.uid !== current.metadata?.uid)) {
      throw new UserError(
        `${p.type.kind}/${p.name} (cluster-scoped) already exists and was not created by this environment; it is left untouched and nothing of the stack was applied. Rename it in the stack, or delete it if it is a leftover`,
      );
    }
    if (!recorded)
      records.push({
        group: p.type.group,
        version: p.type.version,
        kind: p.type.kind,
        plural: p.type.plural,
        name: p.name,
      });
  }
  if (records.length > MAX_RECORDS)
    throw new UserError(`the stack has more than ${MAX_RECORDS} cluster-scoped objects; that is not supported`);
  const patched = await writeClusterRecord(client, namespace, records, options);
  return { namespace: patched, records };
}

/** After the apply: the record with each applied object's uid. */
export async function recordAfterApply(
  client: KubeClient,
  namespace: KubeObject,
  records: readonly ClusterObjectRecord[],
  applied: ReadonlyArray<{ planned: PlannedObject; result: KubeObject }>,
  options: { signal?: AbortSignal; deadline?: number; fieldManager: string },
): Promise<KubeObject> {
  const updated = records.map((r) => {
    const hit = applied.find(
      (a) => !a.planned.type.namespaced && sameObject(r, { ...a.planned.type, name: a.planned.name }),
    );
    const uid = hit?.result.metadata?.uid;
    return uid ? { ...r, uid } : r;
  });
  return writeClusterRecord(client, namespace, updated, options);
}

export interface ClusterCleanup {
  deleted: string[];
  /** Recorded objects that exist but are not the ones recorded (another uid, or no uid and not our marks). */
  leftAlone: string[];
  failed: string[];
}

/**
 * Deletes every recorded cluster-scoped object that is still the one this environment applied: with a uid recorded,
 * only that uid; without one (killed between the apply and the second record), only an object carrying this
 * environment's label and owner annotation, deleted with its own uid as precondition.
 */
export async function deleteClusterObjects(
  client: KubeClient,
  namespace: KubeObject,
  identity: EnvironmentIdentity,
  signal?: AbortSignal,
): Promise<ClusterCleanup> {
  const result: ClusterCleanup = { deleted: [], leftAlone: [], failed: [] };
  const name = namespace.metadata?.name ?? '';
  for (const record of readClusterRecord(namespace)) {
    const type = typeOf(record);
    const what = describeRecord(record);
    try {
      const current = await client.getOptional<KubeObject>(objectPath(type, undefined, record.name), signal);
      if (!current) continue;
      const meta = current.metadata ?? {};
      const marked =
        meta.labels?.[ENVIRONMENT_LABEL] === name && meta.annotations?.[annotations.owner] === environmentKey(identity);
      const ours = record.uid ? meta.uid === record.uid : marked;
      if (!ours) {
        result.leftAlone.push(what);
        continue;
      }
      const outcome = await deleteVerified(
        client,
        type,
        { metadata: { name: record.name, uid: meta.uid } },
        {
          propagationPolicy: 'Background',
          ...(signal ? { signal } : {}),
        },
      );
      if (outcome === 'deleted') result.deleted.push(what);
    } catch (error) {
      result.failed.push(`${what}: ${formatKubeError(error)}`);
    }
  }
  return result;
}
