/**
 * The dynamic queue's state in a ConfigMap of the namespace the team already runs (no new service): read returns
 * the state and its resourceVersion; compare-and-swap creates the ConfigMap (409 AlreadyExists = someone else was
 * first) or replaces it with the resourceVersion that was read (409 Conflict = someone wrote in between). The
 * optimistic concurrency is the API server's own.
 *
 * Every write stamps the same identity, so the merge (cleanup.ts) and an external reaper can find the queue
 * and prove it is this run's before deleting it:
 * - labels (what selectors find): managed-by=shard-and-run, component=queue, run-id, run-attempt, plan;
 * - annotations (checked before any delete): owner (repository, run, attempt and plan in one value), repository,
 *   created-at, expires-at and ttl-seconds, as provision-ephemeral-env stamps its namespaces. expires-at slides:
 *   it is QUEUE_TTL_MS after the latest write, so a queue in use (a live worker renews its lease every
 *   lease-timeout/3) never looks expired, and one abandoned by a cancelled run expires a day after its last write.
 */
import { UserError } from '@gauntlet/action-kit';
import { collectionPath, isConflict, objectPath, types, type KubeClient, type KubeObject } from '@gauntlet/kube';
import type { QueueState, QueueStore, Versioned } from '@gauntlet/sharding';
import { MANAGED_BY, MANAGER } from '../kubernetes/manifests.js';
import { identityHash, type RunIdentity } from '../../run-identity.js';

export const STATE_KEY = 'state.json';
const MAX_STATE_BYTES = 900 * 1024;

/**
 * How long after its latest write a queue counts as abandoned. A matrix job waits at most 24 hours for a runner
 * (self-hosted; hosted jobs start sooner), and every job of an attempt is queued before any worker writes, so no
 * worker of the attempt can still start once the queue has been idle this long.
 */
export const QUEUE_TTL_MS = 24 * 3_600_000;

export const QueueLabels = {
  managedBy: MANAGED_BY,
  component: 'gauntlet.dev/component',
  runId: 'gauntlet.dev/run-id',
  runAttempt: 'gauntlet.dev/run-attempt',
  plan: 'gauntlet.dev/plan',
} as const;
export const QUEUE_COMPONENT = 'queue';

export const QueueAnnotations = {
  owner: 'gauntlet.dev/owner',
  repository: 'gauntlet.dev/repository',
  createdAt: 'gauntlet.dev/created-at',
  expiresAt: 'gauntlet.dev/expires-at',
  ttl: 'gauntlet.dev/ttl-seconds',
} as const;

export function queueName(identity: RunIdentity): string {
  return `gauntlet-queue-${identityHash(identity)}`;
}

/** The owner annotation's value: the whole identity, which the name only hashes. */
export function queueOwner(identity: RunIdentity): string {
  return `${identity.repository}/runs/${identity.runId}/attempts/${identity.runAttempt}/plans/${identity.planId}`;
}

export function queueLabels(identity: RunIdentity): Record<string, string> {
  return {
    [QueueLabels.managedBy]: MANAGER,
    [QueueLabels.component]: QUEUE_COMPONENT,
    [QueueLabels.runId]: String(identity.runId),
    [QueueLabels.runAttempt]: String(identity.runAttempt),
    [QueueLabels.plan]: identity.planId,
  };
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Labels and annotations of a queue written at `now`; `createdAt` is kept from the first write. */
export function queueMetadata(
  identity: RunIdentity,
  now: number,
  createdAt?: string,
): { labels: Record<string, string>; annotations: Record<string, string> } {
  return {
    labels: queueLabels(identity),
    annotations: {
      [QueueAnnotations.owner]: queueOwner(identity),
      [QueueAnnotations.repository]: identity.repository,
      [QueueAnnotations.createdAt]:
        createdAt !== undefined && ISO_TIME.test(createdAt) ? createdAt : new Date(now).toISOString(),
      [QueueAnnotations.expiresAt]: new Date(now + QUEUE_TTL_MS).toISOString(),
      [QueueAnnotations.ttl]: String(QUEUE_TTL_MS / 1000),
    },
  };
}

export class ConfigMapQueueStore implements QueueStore {
  /** Counters for logs and tests. */
  reads = 0;
  writes = 0;
  conflicts = 0;
  readonly name: string;
  /** created-at as the queue records it (kept across replaces). */
  private createdAt: string | undefined;
  /** The ConfigMap's uid as last read or written: the owner of the stored batches (batch-results.ts). */
  private uid: string | undefined;

  constructor(
    private readonly api: KubeClient,
    private readonly namespace: string,
    private readonly identity: RunIdentity,
    private readonly now: () => number = Date.now,
  ) {
    this.name = queueName(identity);
  }

  /** The queue ConfigMap's name and uid, once it has been read or written. */
  owner(): { name: string; uid: string } | undefined {
    return this.uid === undefined ? undefined : { name: this.name, uid: this.uid };
  }

  async read(): Promise<Versioned<QueueState>> {
    this.reads++;
    const cm = await this.api.getOptional(objectPath(types.configMap, this.namespace, this.name));
    if (!cm) return { state: null, version: '' };
    this.createdAt = cm.metadata?.annotations?.[QueueAnnotations.createdAt] ?? this.createdAt;
    this.uid = cm.metadata?.uid ?? this.uid;
    const text = (cm['data'] as Record<string, string> | undefined)?.[STATE_KEY];
    if (text === undefined) throw new UserError(`the queue ConfigMap ${this.name} has no state`);
    let state: QueueState;
    try {
      state = JSON.parse(text) as QueueState;
    } catch {
      throw new UserError(`the queue ConfigMap ${this.name} holds unreadable state`);
    }
    return { state, version: cm.metadata?.resourceVersion ?? '' };
  }

  async compareAndSwap(state: QueueState, version: string): Promise<boolean> {
    const text = JSON.stringify(state);
    if (Buffer.byteLength(text) > MAX_STATE_BYTES) {
      throw new UserError(
        `the queue state is larger than a ConfigMap can hold; plan with granularity "file" or fewer items`,
      );
    }
    const body: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        ...queueMetadata(this.identity, this.now(), version ? this.createdAt : undefined),
        ...(version ? { resourceVersion: version } : {}),
      },
      data: { [STATE_KEY]: text },
    };
    try {
      const written =
        version === ''
          ? await this.api.request({ method: 'POST', path: collectionPath(types.configMap, this.namespace), body })
          : await this.api.request({
              method: 'PUT',
              path: objectPath(types.configMap, this.namespace, this.name),
              body,
            });
      this.uid = written?.metadata?.uid ?? this.uid;
      this.writes++;
      return true;
    } catch (error) {
      if (isConflict(error)) {
        this.conflicts++;
        return false;
      }
      throw error;
    }
  }
}
