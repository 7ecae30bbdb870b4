/**
 * The dynamic queue's state in a ConfigMap of the namespace the team already runs (no new service): read returns
 * the state and its resourceVersion; compare-and-swap creates the ConfigMap (409 AlreadyExists = someone else was
 * first) or replaces it with the resourceVersion that was read (409 Conflict = someone wrote in between). The
 * optimistic concurrency is the API server's own.
 */
import { createHash } from 'node:crypto';
import { UserError } from '@gauntlet/action-kit';
import { collectionPath, isConflict, objectPath, types, type KubeClient, type KubeObject } from '@gauntlet/kube';
import type { QueueState, QueueStore, Versioned } from '@gauntlet/sharding';
import { MANAGED_BY, MANAGER } from './manifests.js';

const STATE_KEY = 'state.json';
const MAX_STATE_BYTES = 900 * 1024;

export function queueName(parts: { repository: string; runId: number; runAttempt: number; planId: string }): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([parts.repository, parts.runId, parts.runAttempt, parts.planId]))
    .digest('hex');
  return `gauntlet-queue-${hash.slice(0, 10)}`;
}

export class ConfigMapQueueStore implements QueueStore {
  /** Counters for logs and tests. */
  reads = 0;
  writes = 0;
  conflicts = 0;

  constructor(
    private readonly api: KubeClient,
    private readonly namespace: string,
    private readonly name: string,
    private readonly labels: Record<string, string>,
  ) {}

  async read(): Promise<Versioned<QueueState>> {
    this.reads++;
    const cm = await this.api.getOptional(objectPath(types.configMap, this.namespace, this.name));
    if (!cm) return { state: null, version: '' };
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
        labels: { [MANAGED_BY]: MANAGER, ...this.labels },
        ...(version ? { resourceVersion: version } : {}),
      },
      data: { [STATE_KEY]: text },
    };
    try {
      if (version === '')
        await this.api.request({ method: 'POST', path: collectionPath(types.configMap, this.namespace), body });
      else
        await this.api.request({ method: 'PUT', path: objectPath(types.configMap, this.namespace, this.name), body });
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
