/**
 * Creation records whose namespace is gone (deleted behind the action's back, or a run killed between its claim and
 * its create) would stay in the records namespace for ever: the reaper deletes them. Only records of this repository
 * (listRecords checks its label, its repository-id and that its name is the one of the namespace it names), and only
 * when the namespace is verified gone: not there, or there with another uid (a uid is never reused, so the namespace
 * the record proved no longer exists). A pending record (no uid yet) of an absent namespace is deleted only once it
 * is older than PENDING_GRACE_MS, so the claim of a run about to create its namespace is left alone. Each delete has
 * the record's uid and resourceVersion as preconditions: a record re-claimed since it was listed stays.
 */
import { type Logger, isAbortError } from '@gauntlet/action-kit';
import { type KubeClient, type KubeObject, formatKubeError, isConflict, objectPath, types } from '@gauntlet/kube';
import { type RecordObject, deleteRecordObject } from './creation-records.js';

/** How old a pending record of an absent namespace must be to count as orphaned (an up claims, then creates). */
export const PENDING_GRACE_MS = 3_600_000;

export interface OrphanOptions {
  records: ReadonlyMap<string, RecordObject>;
  /** The namespaces the reaper listed by label: a record of one of these (same uid) needs no read. */
  listed: readonly KubeObject[];
  recordsNamespace: string;
  dryRun: boolean;
  now: number;
  logger: Logger;
  signal?: AbortSignal;
}

/** Whether `record` no longer proves any namespace, given what the server says of its namespace (undefined: absent). */
export function isOrphan(record: RecordObject, namespace: KubeObject | undefined, now: number): boolean {
  const uid = record.data?.uid;
  if (namespace) return uid !== undefined && uid !== '' && namespace.metadata?.uid !== uid;
  if (uid) return true;
  const claimed = Date.parse(record.metadata?.creationTimestamp ?? '');
  return Number.isFinite(claimed) && now - claimed >= PENDING_GRACE_MS;
}

export async function reapOrphanRecords(
  client: KubeClient,
  options: OrphanOptions,
): Promise<{ deleted: string[]; failed: string[] }> {
  const listed = new Map(options.listed.map((ns) => [ns.metadata?.name ?? '', ns]));
  const deleted: string[] = [];
  const failed: string[] = [];
  for (const record of options.records.values()) {
    const name = record.data?.namespace ?? '';
    const recordName = record.metadata?.name ?? '';
    try {
      // A listed namespace with the record's uid is the live environment: no read needed.
      const seen = listed.get(name);
      if (seen && seen.metadata?.uid === record.data?.uid) continue;
      const namespace =
        seen ?? (await client.getOptional(objectPath(types.namespace, undefined, name), options.signal));
      if (!isOrphan(record, namespace, options.now)) continue;
      if (options.dryRun) {
        options.logger.info(`would delete creation record ${recordName}: its namespace ${name} is gone`);
        deleted.push(recordName);
        continue;
      }
      const ok = await deleteRecordObject(client, record, {
        recordsNamespace: options.recordsNamespace,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (!ok) continue;
      options.logger.info(`deleted creation record ${recordName}: its namespace ${name} is gone`);
      deleted.push(recordName);
    } catch (error) {
      if (isAbortError(error)) throw error;
      // Changed since it was listed (claimed again by an up): it is that run's now.
      if (isConflict(error)) continue;
      options.logger.warning(
        `creation record ${recordName} could not be checked or deleted: ${formatKubeError(error)}`,
      );
      failed.push(`${recordName}: ${formatKubeError(error)}`);
    }
  }
  return { deleted, failed };
}
