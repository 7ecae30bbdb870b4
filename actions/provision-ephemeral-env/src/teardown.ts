/**
 * Teardown, used inline (failure of up), by the post step, by mode down and on cancellation. It deletes only a
 * namespace that is ours by label AND annotation AND that our creation record proves we created (its uid, or the
 * pending claim of the run that created it), with uid/resourceVersion preconditions so the object deleted is the
 * object checked. It waits for termination only when asked, and reports a stuck namespace's finalizers and
 * conditions without ever touching them.
 */
import { type Logger, UserError } from '@gauntlet/action-kit';
import {
  type EnvironmentIdentity,
  type KubeClient,
  type StuckNamespace,
  OwnershipError,
  annotations,
  deleteVerifiedNamespace,
  environmentName,
  getNamespace,
  isConflict,
  verifyOwnership,
  waitForNamespaceGone,
} from '@gauntlet/kube';
import { deleteClusterObjects } from './cluster-objects.js';
import { dropRecord, proveCreation, readRecord, recordWhere, unprovenMessage } from './creation-records.js';

export type TeardownOutcome =
  | { result: 'absent'; namespace: string }
  | { result: 'not-created-by-this-run'; namespace: string }
  | { result: 'deleted'; namespace: string; gone: boolean; stuck?: StuckNamespace };

export interface TeardownOptions {
  /** Only delete when the namespace was created by this run (post step, inline teardown, cancellation). */
  onlyIfCreatedBy?: string;
  /**
   * A create of the namespace may still commit (it was in flight when up was cancelled): when the namespace is not
   * there, look again until this clock time before concluding it is absent.
   */
  mayStillAppearUntil?: number;
  /** Wait for the namespace to be gone, up to this clock time. */
  waitUntil?: number;
  /** The records namespace: the namespace's creation record is deleted with it. */
  recordsNamespace: string;
  signal?: AbortSignal;
  logger: Logger;
}

export async function teardown(
  client: KubeClient,
  identity: EnvironmentIdentity,
  options: TeardownOptions,
): Promise<TeardownOutcome> {
  const name = environmentName(identity);
  for (let attempt = 0; ; attempt++) {
    const current = await getNamespace(client, name, options.signal);
    if (!current) {
      if (options.mayStillAppearUntil === undefined || client.clock.now() >= options.mayStillAppearUntil)
        return { result: 'absent', namespace: name };
      if (attempt === 0)
        options.logger.info(`namespace ${name} is not there, but its create was in flight; looking again`);
      await client.clock.sleep(500, options.signal);
      continue;
    }
    const ownership = verifyOwnership(current, identity);
    if (!ownership.ours)
      throw new OwnershipError(`namespace ${name} is not this environment's (${ownership.reason}); it was not deleted`);
    if (
      options.onlyIfCreatedBy !== undefined &&
      current.metadata?.annotations?.[annotations.createdBy] !== options.onlyIfCreatedBy
    ) {
      return { result: 'not-created-by-this-run', namespace: name };
    }
    // The marks can be copied onto any namespace: only our creation record of its uid proves it ours to delete.
    const records = {
      recordsNamespace: options.recordsNamespace,
      ...(options.signal ? { signal: options.signal } : {}),
    };
    const record = await readRecord(client, name, records);
    const proof = proveCreation(current, record, recordWhere(name, options.recordsNamespace));
    const uid = current.metadata?.uid ?? '';
    const waitForGone = async (): Promise<TeardownOutcome> => {
      if (options.waitUntil === undefined) return { result: 'deleted', namespace: name, gone: false };
      const waited = await waitForNamespaceGone(client, name, uid, {
        deadline: options.waitUntil,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return waited.gone
        ? { result: 'deleted', namespace: name, gone: true }
        : { result: 'deleted', namespace: name, gone: false, stuck: waited.stuck };
    };
    if (!proof.proven) {
      if (current.metadata?.deletionTimestamp === undefined)
        throw new OwnershipError(unprovenMessage(name, proof.reason, 'it was not deleted'));
      // Already terminating without a record: the delete that an earlier down, post step or reaper requested
      // dropped the record with it (a stuck namespace is then met again by the next down). Nothing is left to
      // delete, so nothing is written: only its end is waited for and reported, as the first down did.
      options.logger.info(`namespace ${name} is already terminating (its creation record went with that delete)`);
      return waitForGone();
    }
    // Cluster-scoped objects first: their record lives on the namespace, which must outlast them.
    const cluster = await deleteClusterObjects(client, current, identity, options.signal);
    for (const what of cluster.deleted) options.logger.info(`deleted cluster-scoped ${what} of ${name}`);
    for (const what of cluster.leftAlone)
      options.logger.warning(
        `cluster-scoped ${what} recorded by ${name} is no longer the object the environment applied (another uid, or not its marks); left untouched`,
      );
    if (cluster.failed.length > 0)
      throw new UserError(
        `cluster-scoped objects of ${name} could not be deleted: ${cluster.failed.join('; ')}. The namespace is kept so that its record of them survives; the post step, mode down and the reaper retry`,
      );
    let outcome;
    try {
      outcome = await deleteVerifiedNamespace(client, current, options.signal);
    } catch (error) {
      // The namespace changed between our check and the delete: check again (a bounded number of times).
      if (isConflict(error) && attempt < 3) continue;
      throw error;
    }
    if (outcome === 'already-gone') return { result: 'absent', namespace: name };
    await dropRecord(client, current, options.recordsNamespace, options.logger, options.signal, record);
    options.logger.info(
      outcome === 'deleted' ? `deletion of namespace ${name} requested` : `namespace ${name} is already terminating`,
    );
    return waitForGone();
  }
}

/** What keeps a namespace terminating: its phase, finalizers and conditions, for the line that says it is left. */
export function describeStuckNamespace(stuck: StuckNamespace | undefined): string {
  if (!stuck) return 'no details';
  const conditions = stuck.conditions.map(
    (c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}${c.message ? `: ${c.message}` : ''}`,
  );
  return `phase ${stuck.phase}; finalizers: ${stuck.finalizers.join(', ') || 'none'}; conditions: ${conditions.join('; ') || 'none'}`;
}
