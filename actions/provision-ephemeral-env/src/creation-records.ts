/**
 * Proof that an environment namespace was created by this action: a creation record, one ConfigMap per environment
 * in the records namespace (input records-namespace, default gauntlet-system: where the action's ServiceAccount
 * lives), holding the namespace's uid.
 *
 * Why there: the namespace's own labels and annotations prove nothing, since whoever creates a namespace writes them
 * (and the repository id they hold is public). The records namespace is written only by the action: the stack is
 * applied into the environment namespace alone (a namespaced object naming another namespace is refused), the
 * stack's workloads get no access to it, and the documented RBAC grants ConfigMaps there to the action's
 * ServiceAccount only. A uid is assigned by the API server and never reused, so a namespace deleted and re-created by
 * someone else under the same name does not match the record of ours.
 *
 * The record is claimed (name and run, no uid) before the namespace create and completed with the uid after it, so
 * a run killed between the two still leaves proof the next run can check: the pending record names the run that
 * created the namespace (its created-by-run annotation) and is older than the namespace (both server times).
 */
import { type Logger, UserError, isAbortError } from '@gauntlet/action-kit';
import {
  type EnvironmentIdentity,
  type KubeClient,
  type KubeObject,
  KubeApiError,
  MANAGED_BY,
  annotations,
  collectionPath,
  formatKubeError,
  isAlreadyExists,
  isNotFound,
  labelSelector,
  labels,
  objectPath,
  repositoryHash,
  types,
} from '@gauntlet/kube';

export const DEFAULT_RECORDS_NAMESPACE = 'gauntlet-system';
const RECORD_PREFIX = 'gauntlet-env-';

export interface RecordObject extends KubeObject {
  data?: Record<string, string>;
}

export interface RecordOptions {
  recordsNamespace: string;
  signal?: AbortSignal;
  deadline?: number;
}

/** The record's ConfigMap name for an environment namespace (63 characters at most, so this is at most 76). */
export function recordName(namespace: string): string {
  return `${RECORD_PREFIX}${namespace}`;
}

/** Where a record lives, in words, for messages. */
export function recordWhere(namespace: string, recordsNamespace: string): string {
  return `ConfigMap ${recordsNamespace}/${recordName(namespace)}`;
}

function send(options: RecordOptions): { signal?: AbortSignal; deadline?: number } {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
  };
}

/**
 * The records namespace must be there before a record is written. The documented RBAC creates it; with a kubeconfig
 * that may create namespaces it is created here when missing (the test bed, a cluster admin's kubeconfig).
 */
export async function ensureRecordsNamespace(
  client: KubeClient,
  options: RecordOptions,
): Promise<'exists' | 'created'> {
  const path = objectPath(types.namespace, undefined, options.recordsNamespace);
  const existing = await client.getOptional(path, options.signal);
  if (existing?.metadata?.deletionTimestamp)
    throw new UserError(
      `the records namespace ${options.recordsNamespace} (input records-namespace) is terminating; creation records cannot be written`,
    );
  if (existing) return 'exists';
  try {
    await client.request({
      method: 'POST',
      path: collectionPath(types.namespace),
      body: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: options.recordsNamespace, labels: { [labels.managedBy]: MANAGED_BY } },
      },
      ...send(options),
    });
    return 'created';
  } catch (error) {
    if (isAlreadyExists(error)) return 'exists';
    throw error;
  }
}

export async function readRecord(
  client: KubeClient,
  namespace: string,
  options: RecordOptions,
): Promise<RecordObject | undefined> {
  try {
    return await client.getOptional<RecordObject>(
      objectPath(types.configMap, options.recordsNamespace, recordName(namespace)),
      options.signal,
    );
  } catch (error) {
    // The records namespace itself missing reads as no record.
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function recordData(
  namespace: string,
  identity: EnvironmentIdentity,
  run: string,
  uid?: string,
): Record<string, string> {
  return { namespace, 'repository-id': identity.repositoryId, run, ...(uid ? { uid } : {}) };
}

/**
 * Before the namespace create: the record names the environment and this run, without a uid yet. A record already
 * there is replaced only while the namespace it would prove is absent (left from a deleted namespace, or a run killed
 * before its create); when the namespace exists by now, a concurrent run created it and its record is left alone.
 */
export async function claimRecord(
  client: KubeClient,
  identity: EnvironmentIdentity,
  namespace: string,
  run: string,
  options: RecordOptions,
): Promise<void> {
  const body = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: recordName(namespace),
      namespace: options.recordsNamespace,
      labels: { [labels.managedBy]: MANAGED_BY, [labels.repository]: repositoryHash(identity.repositoryId) },
    },
    data: recordData(namespace, identity, run),
  };
  try {
    await client.request({
      method: 'POST',
      path: collectionPath(types.configMap, options.recordsNamespace),
      body,
      ...send(options),
    });
    return;
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
  const existing = await readRecord(client, namespace, options);
  if (!existing || existing.data?.run === run) return;
  if (await client.getOptional(objectPath(types.namespace, undefined, namespace), options.signal)) return;
  try {
    // Replaced only if it is still the record we read (a concurrent claim wins).
    await client.request({
      method: 'PATCH',
      path: objectPath(types.configMap, options.recordsNamespace, recordName(namespace)),
      contentType: 'application/json-patch+json',
      body: [
        { op: 'test', path: '/metadata/resourceVersion', value: existing.metadata?.resourceVersion },
        { op: 'replace', path: '/data', value: body.data },
      ],
      ...send(options),
    });
  } catch (error) {
    if (!(error instanceof KubeApiError) || (error.status !== 409 && error.status !== 422 && error.status !== 404))
      throw error;
  }
}

/** After our own create of the namespace returned it (or a pending record proved it ours): the record gets its uid. */
export async function completeRecord(
  client: KubeClient,
  identity: EnvironmentIdentity,
  created: KubeObject,
  options: RecordOptions,
): Promise<void> {
  const namespace = created.metadata?.name ?? '';
  const uid = created.metadata?.uid ?? '';
  const run = created.metadata?.annotations?.[annotations.createdBy] ?? '';
  const data = recordData(namespace, identity, run, uid);
  try {
    await client.request({
      method: 'PATCH',
      path: objectPath(types.configMap, options.recordsNamespace, recordName(namespace)),
      contentType: 'application/merge-patch+json',
      body: { data },
      idempotent: true,
      ...send(options),
    });
  } catch (error) {
    if (!isNotFound(error)) throw error;
    // The claim was lost (deleted by a teardown racing us): write the whole record.
    await client.request({
      method: 'POST',
      path: collectionPath(types.configMap, options.recordsNamespace),
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: recordName(namespace),
          namespace: options.recordsNamespace,
          labels: { [labels.managedBy]: MANAGED_BY, [labels.repository]: repositoryHash(identity.repositoryId) },
        },
        data,
      },
      ...send(options),
    });
  }
}

export type CreationProof = { proven: true; pending: boolean } | { proven: false; reason: string };

/**
 * Whether `namespace` (as read from the server) is the one our record names: the same uid, or a pending record of
 * the run that created it, claimed before it existed.
 */
export function proveCreation(namespace: KubeObject, record: RecordObject | undefined, where: string): CreationProof {
  const uid = namespace.metadata?.uid;
  if (!record?.data) return { proven: false, reason: `there is no creation record of it (${where})` };
  const data = record.data;
  if (data.namespace !== namespace.metadata?.name)
    return { proven: false, reason: `the creation record (${where}) names another namespace` };
  if (data.uid) {
    return data.uid === uid
      ? { proven: true, pending: false }
      : {
          proven: false,
          reason: `its uid is not the one in the creation record (${where}): this namespace was created by someone else`,
        };
  }
  const createdBy = namespace.metadata?.annotations?.[annotations.createdBy];
  const nsTime = Date.parse(namespace.metadata?.creationTimestamp ?? '');
  const recordTime = Date.parse(record.metadata?.creationTimestamp ?? '');
  if (
    createdBy &&
    data.run === createdBy &&
    Number.isFinite(nsTime) &&
    Number.isFinite(recordTime) &&
    nsTime >= recordTime
  )
    return { proven: true, pending: true };
  return {
    proven: false,
    reason: `the creation record (${where}) has no uid yet and does not name the run that created this namespace before it existed`,
  };
}

/**
 * After the namespace `deleted` was deleted: its record goes too, if it is the record of that namespace (its uid, or
 * pending for the run that created it); a record of another namespace of the name is left. Never fails teardown.
 */
export async function deleteRecord(
  client: KubeClient,
  deleted: KubeObject,
  options: RecordOptions,
  known?: RecordObject,
): Promise<'deleted' | 'absent' | 'kept'> {
  const name = deleted.metadata?.name ?? '';
  const record = known ?? (await readRecord(client, name, options));
  if (!record) return 'absent';
  if (!proveCreation(deleted, record, '').proven) return 'kept';
  return (await deleteRecordObject(client, record, options)) ? 'deleted' : 'absent';
}

/** Deletes exactly the record object read (uid and resourceVersion preconditions); false when it is gone. */
export async function deleteRecordObject(
  client: KubeClient,
  record: RecordObject,
  options: RecordOptions,
): Promise<boolean> {
  try {
    await client.request({
      method: 'DELETE',
      path: objectPath(types.configMap, options.recordsNamespace, record.metadata?.name ?? ''),
      body: {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        preconditions: { uid: record.metadata?.uid, resourceVersion: record.metadata?.resourceVersion },
      },
      ...send(options),
    });
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/**
 * The sentence for a namespace with this environment's marks that no record proves ours: what is wrong, and what
 * the action does not do to it (`refusal`: "it is never adopted or touched", "it was not deleted").
 */
export function unprovenMessage(namespace: string, reason: string, refusal: string): string {
  return `namespace ${namespace} carries this environment's labels and annotations, but nothing proves this action created it: ${reason}. Labels can be copied by anyone who may create namespaces, so ${refusal}; if it is an environment made before creation records existed, delete it by hand (kubectl delete namespace ${namespace})`;
}

/** The creation records of one repository, by ConfigMap name (the label selector finds them, one paginated list). */
export async function listRecords(
  client: KubeClient,
  repositoryId: string,
  options: RecordOptions,
): Promise<Map<string, RecordObject>> {
  const selector = labelSelector()
    .eq(labels.managedBy, MANAGED_BY)
    .eq(labels.repository, repositoryHash(repositoryId))
    .toString();
  const list = await client.list<RecordObject>(
    collectionPath(types.configMap, options.recordsNamespace),
    { labelSelector: selector },
    options.signal,
  );
  const records = new Map<string, RecordObject>();
  for (const record of list.items) {
    const name = record.metadata?.name ?? '';
    // Only a record that is what claimRecord writes: named after the namespace it names, of this repository.
    if (record.data?.['repository-id'] === repositoryId && name === recordName(record.data.namespace ?? ''))
      records.set(name, record);
  }
  return records;
}

/** The creation record of a namespace whose deletion was requested; trouble is a warning (the record is inert). */
export async function dropRecord(
  client: KubeClient,
  deleted: KubeObject,
  recordsNamespace: string,
  logger: Logger,
  signal?: AbortSignal,
  known?: RecordObject,
): Promise<void> {
  try {
    await deleteRecord(client, deleted, { recordsNamespace, ...(signal ? { signal } : {}) }, known);
  } catch (error) {
    if (isAbortError(error)) throw error;
    logger.warning(
      `the creation record of ${deleted.metadata?.name ?? ''} could not be deleted (${formatKubeError(error)}); it names a uid no other namespace can have`,
    );
  }
}
