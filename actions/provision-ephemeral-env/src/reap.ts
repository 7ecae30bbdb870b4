/**
 * Mode reap (for a scheduled workflow): list this repository's environments by their ownership labels, confirm each
 * by its annotations, and delete those past their expiry or whose pull request is closed — except those marked to
 * keep, and those that no creation record proves ours (the marks can be copied onto any namespace: such a one is
 * reported, never deleted). Creation records whose namespace is gone are deleted too (orphan-records.ts).
 * Dry-run reports what would be deleted. Three list requests (namespaces, leases, creation records; paginated); per
 * namespace reaped, its delete and its record's; per orphan candidate, one read of its namespace. Deciding what is
 * due takes no per-namespace reads.
 */
import { isAbortError } from '@gauntlet/action-kit';
import {
  formatKubeError,
  isConflict,
  type KubeObject,
  MANAGED_BY,
  collectionPath,
  deleteVerifiedNamespace,
  expiresAt,
  identityOf,
  isKept,
  leaseClaim,
  labelSelector,
  labels,
  mapLimit,
  repositoryHash,
  types,
} from '@gauntlet/kube';
import { deleteClusterObjects } from './cluster-objects.js';
import {
  type RecordObject,
  dropRecord,
  listRecords,
  proveCreation,
  recordName,
  recordWhere,
} from './creation-records.js';
import { reapOrphanRecords } from './orphan-records.js';
import { Guardrail, Outputs } from './constants.js';
import { requireRepositoryId } from './context.js';
import type { ReapRow } from './report.js';
import type { ModeArgs } from './mode-args.js';

/** The state of each asked pull request that could be found out; missing numbers are unknown (only expiry counts). */
export type PullRequestStates = (numbers: readonly number[]) => Promise<Map<number, 'open' | 'closed'>>;

export interface ReapDecisionInput {
  namespaces: readonly KubeObject[];
  leases: readonly KubeObject[];
  repositoryId: string;
  pulls: ReadonlyMap<number, 'open' | 'closed'>;
  now: number;
  /** The repository's creation records by ConfigMap name; undefined when they could not be listed. */
  records: ReadonlyMap<string, RecordObject> | undefined;
  recordsNamespace: string;
}

export interface ReapDecision extends ReapRow {
  object?: KubeObject;
  record?: RecordObject;
}

/** The decision for every listed namespace, as a pure function (unit-tested over randomized inventories). */
export function decideReap(input: ReapDecisionInput): ReapDecision[] {
  const leases = new Map<string, KubeObject>();
  for (const lease of input.leases) {
    if (lease.metadata?.name === Guardrail.lease && lease.metadata.namespace)
      leases.set(lease.metadata.namespace, lease);
  }
  const rows: ReapDecision[] = [];
  for (const ns of input.namespaces) {
    const name = ns.metadata?.name ?? '';
    const identity = identityOf(ns, input.repositoryId);
    if (!identity) continue; // not ours: not even listed in the report
    const pr = identity.target.kind === 'pr' ? identity.target.number : undefined;
    const expiry = expiresAt(ns);
    // The lease is reported when it claims a later expiry, never obeyed: the stack can be given write access to it.
    const claim = leaseClaim(leases.get(name));
    const ignored =
      claim !== undefined && expiry !== undefined && claim > expiry
        ? `; its lease claims ${new Date(claim).toISOString()}, ignored (writable from inside the environment)`
        : '';
    const base = {
      namespace: name,
      ...(pr !== undefined ? { pr } : {}),
      ...(expiry !== undefined ? { expiresAt: new Date(expiry).toISOString() } : {}),
    };
    if (ns.metadata?.deletionTimestamp) {
      rows.push({ ...base, decision: 'terminating', reason: 'already being deleted' });
      continue;
    }
    if (isKept(ns)) {
      rows.push({ ...base, decision: 'kept', reason: `marked ${labels.keep}` });
      continue;
    }
    const expired = expiry !== undefined && expiry <= input.now;
    const closed = pr !== undefined && input.pulls.get(pr) === 'closed';
    if (expired || closed) {
      const record = input.records?.get(recordName(name));
      const proof = input.records
        ? proveCreation(ns, record, recordWhere(name, input.recordsNamespace))
        : { proven: false as const, reason: 'the creation records could not be listed' };
      if (!proof.proven) {
        rows.push({
          ...base,
          decision: 'unproven',
          reason: `due, but nothing proves this action created it (${proof.reason}); never deleted on its marks alone`,
        });
        continue;
      }
      rows.push({
        ...base,
        decision: 'would delete',
        reason: [expired ? 'expired' : '', closed ? 'pull request closed' : ''].filter(Boolean).join(', ') + ignored,
        object: ns,
        ...(record ? { record } : {}),
      });
    } else {
      rows.push({ ...base, decision: 'live', reason: expiry === undefined ? 'no expiry recorded' : 'not expired' });
    }
  }
  return rows;
}

export async function reap(
  { inputs, ctx, rt, cluster, publish }: ModeArgs,
  pullRequestStates: PullRequestStates,
): Promise<void> {
  const repositoryId = requireRepositoryId(ctx);
  const selector = labelSelector()
    .eq(labels.managedBy, MANAGED_BY)
    .eq(labels.repository, repositoryHash(repositoryId))
    .toString();
  const client = await cluster.connect();
  const notes: string[] = [];
  try {
    const recordsNamespace = inputs.recordsNamespace;
    const [namespaces, leases, records] = await Promise.all([
      client.list(collectionPath(types.namespace), { labelSelector: selector }, rt.signal),
      client.list(collectionPath(types.lease), { labelSelector: selector }, rt.signal).catch((error: unknown) => {
        notes.push(`leases could not be listed (${formatKubeError(error)}); expiry from namespace annotations only`);
        return { items: [] as KubeObject[] };
      }),
      listRecords(client, repositoryId, { recordsNamespace, signal: rt.signal }).catch((error: unknown) => {
        if (isAbortError(error)) throw error;
        notes.push(
          `the creation records in ${recordsNamespace} could not be listed (${formatKubeError(error)}); no environment can be proven ours, so none is deleted`,
        );
        return undefined;
      }),
    ]);
    let pulls = new Map<number, 'open' | 'closed'>();
    const decide = (): ReapDecision[] =>
      decideReap({
        namespaces: namespaces.items,
        leases: leases.items,
        repositoryId,
        pulls,
        now: rt.clock.now(),
        records,
        recordsNamespace,
      });
    if (inputs.reapClosed) {
      // Only environments that expiry alone would keep need their pull request's state.
      const numbers = [
        ...new Set(
          decide()
            .filter((r) => r.decision === 'live' && r.pr !== undefined)
            .map((r) => r.pr as number),
        ),
      ].sort((a, b) => a - b);
      pulls = await pullRequestStates(numbers).catch(() => new Map<number, 'open' | 'closed'>());
      const unknown = numbers.filter((n) => !pulls.has(n)).length;
      if (unknown > 0) {
        notes.push(
          `the state of ${unknown} pull request(s) could not be found out; those environments are kept until they expire`,
        );
      }
    }
    const rows = decide();
    const due = rows.filter((r) => r.decision === 'would delete');
    rt.logger.info(
      `reaper: ${rows.length} environments of this repository, ${due.length} due${inputs.dryRun ? ' (dry run: nothing is deleted)' : ''}`,
    );
    for (const row of rows.filter((r) => r.decision === 'unproven'))
      rt.logger.warning(`reaper: namespace ${row.namespace} is left: ${row.reason}`);
    if (!inputs.dryRun) {
      await mapLimit(due, 8, async (row) => {
        try {
          const namespace = row.object as KubeObject;
          const identity = identityOf(namespace, repositoryId);
          if (!identity) throw new Error('it is not an environment of this repository');
          const clusterObjects = await deleteClusterObjects(client, namespace, identity, rt.signal);
          for (const what of clusterObjects.deleted)
            rt.logger.info(`deleted cluster-scoped ${what} of ${row.namespace}`);
          for (const what of clusterObjects.leftAlone)
            rt.logger.warning(`cluster-scoped ${what} of ${row.namespace} is not the recorded object; left untouched`);
          if (clusterObjects.failed.length > 0)
            throw new Error(
              `cluster-scoped objects could not be deleted (${clusterObjects.failed.join('; ')}); namespace kept`,
            );
          const outcome = await deleteVerifiedNamespace(client, namespace, rt.signal);
          row.decision = 'deleted';
          if (outcome === 'already-gone') row.reason += '; already gone';
          else await dropRecord(client, namespace, recordsNamespace, rt.logger, rt.signal, row.record);
          rt.logger.info(`deleted ${row.namespace} (${row.reason})`);
        } catch (error) {
          if (isConflict(error)) {
            // Changed since it was listed (the precondition failed): look again on the next run, never guess now.
            row.decision = 'live';
            row.reason = 'changed since it was listed; left for the next run';
            return;
          }
          row.decision = 'failed';
          row.reason = `${row.reason}; delete failed: ${formatKubeError(error)}`;
          rt.logger.warning(`could not delete ${row.namespace}: ${formatKubeError(error)}`);
        }
      });
    } else {
      for (const row of due) rt.logger.info(`would delete ${row.namespace} (${row.reason})`);
    }
    const orphans = records
      ? await reapOrphanRecords(client, {
          records,
          listed: namespaces.items,
          recordsNamespace,
          dryRun: inputs.dryRun,
          now: rt.clock.now(),
          logger: rt.logger,
          signal: rt.signal,
        })
      : { deleted: [], failed: [] };
    if (orphans.deleted.length > 0)
      notes.push(
        `${inputs.dryRun ? 'would delete' : 'deleted'} ${orphans.deleted.length} creation record(s) whose namespace is gone: ${orphans.deleted.join(', ')}`,
      );
    for (const failure of orphans.failed) notes.push(`creation record ${failure}`);
    const summary = {
      dryRun: inputs.dryRun,
      deleted: rows.filter((r) => r.decision === 'deleted').map((r) => r.namespace),
      wouldDelete: rows.filter((r) => r.decision === 'would delete').map((r) => r.namespace),
      kept: rows.filter((r) => r.decision === 'kept').map((r) => r.namespace),
      failed: rows.filter((r) => r.decision === 'failed').map((r) => r.namespace),
      unproven: rows.filter((r) => r.decision === 'unproven').map((r) => r.namespace),
      orphanRecords: orphans.deleted,
      live: rows.filter((r) => r.decision === 'live').length,
    };
    rt.setOutput(Outputs.reaped, JSON.stringify(summary));
    await publish({
      kind: 'reap',
      dryRun: inputs.dryRun,
      rows: rows.map(({ object: _object, record: _record, ...row }) => row),
      notes,
    });
    if (summary.failed.length > 0)
      throw new Error(`${summary.failed.length} environment(s) could not be deleted: ${summary.failed.join(', ')}`);
  } finally {
    client.close();
  }
}
