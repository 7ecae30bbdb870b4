/**
 * The merge's clean-up of the queue ConfigMaps (configmap-store.ts) its run left behind: with no new in-cluster
 * component, the job that runs after every worker deletes the queue, so a long-lived namespace does not collect one
 * ConfigMap (up to ~1 MiB) per run attempt.
 *
 * Only what this run created is deleted. The candidates are listed by label (managed-by=shard-and-run,
 * component=queue, this run's id and plan); each is then checked on its own: the labels again, its name (a hash of
 * repository, run, attempt and plan, recomputed here), the owner and repository annotations, and the plan inside its
 * state. The delete carries the uid and resourceVersion that were checked, so an object that changed (a worker
 * wrote) or was replaced since is not deleted. A queue already gone is fine; every failure is a warning.
 *
 * Never while a worker may still use it. A worker that finds no queue creates a fresh one and would run every test
 * again, so the current attempt's queue is deleted only when the results show that no worker of this attempt can
 * still claim from it:
 * - every worker (1..n) sent a result in this run (an earlier attempt counts: re-running failed jobs runs only
 *   some workers again, the others have finished for good), and
 * - no lease in the queue is live (renewed within lease-timeout, plus a minute for clock skew) and held by a worker
 *   without a result of this attempt.
 * Otherwise (the merge did not wait for the workers, results were not downloaded, a runner died before uploading)
 * the queue is kept with a warning and expires on its own (expires-at, a day after its last write). Queues of
 * earlier attempts are always finished: GitHub starts a re-run only once the whole previous attempt has ended.
 */
import { type Logger } from '@gauntlet/action-kit';
import {
  collectionPath,
  deleteVerified,
  formatKubeError,
  isConflict,
  isKept,
  labelSelector,
  types,
  type KubeClient,
  type KubeList,
  type KubeObject,
  type KubeRequest,
} from '@gauntlet/kube';
import type { QueueState } from '@gauntlet/sharding';
import type { KubeconfigInput } from '../../inputs.js';
import { connect } from '../kubernetes/connect.js';
import { MANAGER } from '../kubernetes/manifests.js';
import type { RunIdentity } from '../../run-identity.js';
import { QUEUE_COMPONENT, QueueAnnotations, QueueLabels, STATE_KEY, queueName, queueOwner } from './configmap-store.js';

/** Leases are stamped by the workers' clocks; one that expired less than this ago may still be renewed. */
export const LEASE_SKEW_MS = 60_000;

/** What the merge knows about the workers from their results. */
export interface WorkerReports {
  /** Number of workers (the plan's shard count). */
  readonly total: number;
  /** Workers with a result of this run and plan, any attempt up to the current one. */
  readonly reported: ReadonlySet<number>;
  /** Workers with a result of the current attempt. */
  readonly reportedThisAttempt: ReadonlySet<number>;
}

export type QueueVerdict =
  | { readonly action: 'delete'; readonly reason: string }
  | { readonly action: 'keep'; readonly reason: string }
  | { readonly action: 'gone'; readonly reason: string }
  | { readonly action: 'foreign'; readonly reason: string };

/** The selector the merge lists with: this run's and plan's queues, nothing else (never empty). */
export function queueSelector(run: Pick<RunIdentity, 'runId' | 'planId'>): string {
  return labelSelector()
    .eq(QueueLabels.managedBy, MANAGER)
    .eq(QueueLabels.component, QUEUE_COMPONENT)
    .eq(QueueLabels.runId, String(run.runId))
    .eq(QueueLabels.plan, run.planId)
    .toString();
}

const ATTEMPT = /^[1-9][0-9]{0,8}$/;
const WORKER = /^worker-([1-9][0-9]{0,2})$/;

/**
 * Is this ConfigMap a queue of this run and plan? Returns its attempt, or why not. Reasons never quote values from
 * the object (it may be anyone's).
 */
export function queueAttempt(cm: KubeObject, run: RunIdentity): { attempt: number } | { reason: string } {
  const meta = cm.metadata ?? {};
  const l = meta.labels ?? {};
  const a = meta.annotations ?? {};
  if (l[QueueLabels.managedBy] !== MANAGER) return { reason: `label ${QueueLabels.managedBy} does not match` };
  if (l[QueueLabels.component] !== QUEUE_COMPONENT) return { reason: `label ${QueueLabels.component} does not match` };
  if (l[QueueLabels.runId] !== String(run.runId)) return { reason: `label ${QueueLabels.runId} does not match` };
  if (l[QueueLabels.plan] !== run.planId) return { reason: `label ${QueueLabels.plan} does not match` };
  const attemptText = l[QueueLabels.runAttempt] ?? '';
  if (!ATTEMPT.test(attemptText)) return { reason: `label ${QueueLabels.runAttempt} is missing or not a number` };
  const identity: RunIdentity = { ...run, runAttempt: Number(attemptText) };
  if (meta.name !== queueName(identity)) return { reason: 'the name is not the one this run gives its queue' };
  if (a[QueueAnnotations.owner] !== queueOwner(identity))
    return { reason: `annotation ${QueueAnnotations.owner} does not match` };
  if (a[QueueAnnotations.repository] !== run.repository)
    return { reason: `annotation ${QueueAnnotations.repository} does not match` };
  if (!meta.uid) return { reason: 'it has no uid' };
  const state = queueState(cm);
  if (state !== undefined && state.planId !== run.planId) return { reason: 'its state belongs to another plan' };
  return { attempt: identity.runAttempt };
}

/** The queue's state, or undefined when it is missing or unreadable. */
function queueState(cm: KubeObject): QueueState | undefined {
  const text = (cm['data'] as Record<string, string> | undefined)?.[STATE_KEY];
  if (typeof text !== 'string') return undefined;
  try {
    const state = JSON.parse(text) as QueueState;
    return state && typeof state === 'object' && Array.isArray(state.leases) ? state : undefined;
  } catch {
    return undefined;
  }
}

function list(numbers: Iterable<number>): string {
  return [...numbers].sort((x, y) => x - y).join(', ');
}

/** What to do with one listed ConfigMap, as a pure function of it, the run, the workers' results and the time. */
export function decideQueue(
  cm: KubeObject,
  run: RunIdentity,
  workers: WorkerReports | undefined,
  now: number,
): QueueVerdict {
  const ours = queueAttempt(cm, run);
  if ('reason' in ours) return { action: 'foreign', reason: ours.reason };
  if (cm.metadata?.deletionTimestamp) return { action: 'gone', reason: 'already being deleted' };
  if (isKept(cm)) return { action: 'keep', reason: 'marked gauntlet.dev/keep' };
  if (ours.attempt > run.runAttempt)
    return { action: 'keep', reason: `it belongs to a later attempt (${ours.attempt})` };
  if (ours.attempt < run.runAttempt) return { action: 'delete', reason: `attempt ${ours.attempt} of this run is over` };
  if (!workers) return { action: 'keep', reason: 'no worker results tell whether every worker has finished' };
  const missing: number[] = [];
  for (let i = 1; i <= workers.total; i++) if (!workers.reported.has(i)) missing.push(i);
  if (missing.length) {
    return {
      action: 'keep',
      reason: `worker(s) ${list(missing)} sent no result, so one may still start and must find this queue rather than create a fresh one`,
    };
  }
  const state = queueState(cm);
  const allThisAttempt = [...Array(workers.total).keys()].every((i) => workers.reportedThisAttempt.has(i + 1));
  if (!state) {
    return allThisAttempt
      ? { action: 'delete', reason: 'every worker of this attempt has finished' }
      : { action: 'keep', reason: 'its state is unreadable, so live leases cannot be ruled out' };
  }
  // Leases come from JSON a worker wrote: read them defensively; an unreadable holder counts as alive.
  const live = new Set<string>();
  for (const lease of state.leases as readonly unknown[]) {
    const { expiresAt, worker } = (lease ?? {}) as { expiresAt?: unknown; worker?: unknown };
    if (typeof expiresAt === 'number' && expiresAt + LEASE_SKEW_MS <= now) continue;
    const index = WORKER.exec(typeof worker === 'string' ? worker : '');
    if (!index) live.add('(unknown)');
    else if (!workers.reportedThisAttempt.has(Number(index[1]))) live.add(index[1]!);
  }
  if (live.size) {
    return {
      action: 'keep',
      reason: `worker(s) ${[...live].sort((x, y) => Number(x) - Number(y)).join(', ')} still hold a live lease and sent no result for this attempt`,
    };
  }
  return { action: 'delete', reason: 'every worker has finished' };
}

export interface CleanupOptions {
  readonly namespace: string;
  readonly run: RunIdentity;
  readonly workers: WorkerReports | undefined;
  readonly logger: Logger;
  /** Report, delete nothing (keep-resources). */
  readonly dryRun?: boolean;
  readonly now?: () => number;
  readonly signal?: AbortSignal;
}

/** The two calls the clean-up makes (a KubeClient, or a fake in tests). */
export interface QueueCleanupApi {
  list(path: string, query?: KubeRequest['query'], signal?: AbortSignal): Promise<KubeList>;
  request(request: KubeRequest): Promise<unknown>;
}

export interface CleanupOutcome {
  readonly deleted: string[];
  readonly kept: string[];
  readonly foreign: string[];
  readonly failed: string[];
}

/** Deletes this run's finished queues in the namespace. Never throws: every failure is a warning. */
export async function cleanUpQueues(api: QueueCleanupApi, options: CleanupOptions): Promise<CleanupOutcome> {
  const { namespace, run, logger } = options;
  const out: CleanupOutcome = { deleted: [], kept: [], foreign: [], failed: [] };
  const where = `in namespace ${namespace}`;
  let items: KubeObject[];
  try {
    items = (
      await api.list(collectionPath(types.configMap, namespace), { labelSelector: queueSelector(run) }, options.signal)
    ).items;
  } catch (error) {
    logger.warning(`Queue clean-up: could not list the queue ConfigMaps ${where}: ${formatKubeError(error)}`);
    return out;
  }
  if (items.length === 0) {
    logger.info(`Queue clean-up: no queue of this run ${where} (already deleted, or never created).`);
    return out;
  }
  const now = (options.now ?? Date.now)();
  for (const cm of items) {
    const name = cm.metadata?.name ?? '(unnamed)';
    const verdict = decideQueue(cm, run, options.workers, now);
    switch (verdict.action) {
      case 'foreign':
        out.foreign.push(name);
        logger.warning(
          `Queue clean-up: ConfigMap ${name} ${where} carries this run's queue labels but is not its queue (${verdict.reason}); left alone.`,
        );
        continue;
      case 'gone':
        logger.info(`Queue clean-up: ${name} is ${verdict.reason}.`);
        continue;
      case 'keep': {
        out.kept.push(name);
        const expires = cm.metadata?.annotations?.[QueueAnnotations.expiresAt];
        logger.warning(
          `Queue clean-up: kept ${name} ${where}: ${verdict.reason}.` +
            (expires && !Number.isNaN(Date.parse(expires))
              ? ` It expires at ${new Date(Date.parse(expires)).toISOString()} (${QueueAnnotations.expiresAt}).`
              : ''),
        );
        continue;
      }
      case 'delete':
        break;
    }
    if (options.dryRun) {
      out.kept.push(name);
      logger.info(`Queue clean-up: would delete ${name} ${where} (${verdict.reason}); keep-resources is set.`);
      continue;
    }
    try {
      const outcome = await deleteVerified(api, types.configMap, cm, options.signal ? { signal: options.signal } : {});
      out.deleted.push(name);
      logger.info(
        outcome === 'deleted'
          ? `Queue clean-up: deleted ${name} ${where} (${verdict.reason}).`
          : `Queue clean-up: ${name} was already gone.`,
      );
    } catch (error) {
      if (isConflict(error)) {
        // The precondition failed: someone wrote to it (or replaced it) after it was read. Never guess: keep it.
        out.kept.push(name);
        logger.warning(
          `Queue clean-up: kept ${name} ${where}: it changed after it was checked (a worker is still writing to it?).`,
        );
      } else {
        out.failed.push(name);
        logger.warning(`Queue clean-up: could not delete ${name} ${where}: ${formatKubeError(error)}`);
      }
    }
  }
  return out;
}

/** The merge's entry: connect with the workers' kubeconfig, clean up, close. Never throws. */
export async function cleanUpRunQueues(
  kubeconfig: KubeconfigInput | undefined,
  registerSecret: (value: string | undefined) => void,
  options: CleanupOptions,
): Promise<CleanupOutcome | undefined> {
  let api: KubeClient;
  try {
    api = await connect(kubeconfig, registerSecret);
  } catch (error) {
    options.logger.warning(
      `Queue clean-up: could not connect to the cluster (${formatKubeError(error)}); the queue is left to expire.`,
    );
    return undefined;
  }
  try {
    return await cleanUpQueues(api, options);
  } finally {
    api.close();
  }
}
