/**
 * Namespace lifecycle: delete exactly the object we verified (uid and resourceVersion preconditions), then wait for
 * it to finish terminating. A namespace that does not go away is reported with its remaining finalizers and
 * conditions — we never call /finalize and never remove finalizers.
 */
import type { KubeClient, KubeObject } from './client.js';
import { deleteVerified } from './delete-verified.js';
import { objectPath, types } from './resources.js';

export interface NamespaceCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface StuckNamespace {
  name: string;
  phase: string;
  finalizers: string[];
  conditions: NamespaceCondition[];
}

export async function getNamespace(
  client: KubeClient,
  name: string,
  signal?: AbortSignal,
): Promise<KubeObject | undefined> {
  return client.getOptional(objectPath(types.namespace, undefined, name), signal);
}

export type DeleteOutcome = 'deleted' | 'already-gone' | 'already-terminating';

/**
 * Deletes the namespace `verified` (as read and checked by the caller). The preconditions make the API server refuse
 * the delete (409) if the object changed since it was checked; the caller re-reads and re-checks then.
 */
export async function deleteVerifiedNamespace(
  client: KubeClient,
  verified: KubeObject,
  signal?: AbortSignal,
): Promise<DeleteOutcome> {
  if (verified.metadata?.deletionTimestamp) return 'already-terminating';
  return deleteVerified(client, types.namespace, verified, {
    propagationPolicy: 'Background',
    ...(signal ? { signal } : {}),
  });
}

export interface WaitGoneOptions {
  deadline: number;
  signal?: AbortSignal;
  /** First and maximum poll interval. */
  minIntervalMs?: number;
  maxIntervalMs?: number;
}

/** Polls until the namespace with this uid is gone (404, or replaced by a new one), or reports why it is stuck. */
export async function waitForNamespaceGone(
  client: KubeClient,
  name: string,
  uid: string,
  options: WaitGoneOptions,
): Promise<{ gone: true } | { gone: false; stuck: StuckNamespace }> {
  let interval = options.minIntervalMs ?? 250;
  for (;;) {
    const current = await getNamespace(client, name, options.signal);
    if (!current || current.metadata?.uid !== uid) return { gone: true };
    if (client.clock.now() + interval > options.deadline) return { gone: false, stuck: describeStuck(current) };
    await client.clock.sleep(interval, options.signal);
    interval = Math.min(options.maxIntervalMs ?? 2_000, Math.round(interval * 1.6));
  }
}

export function describeStuck(namespace: KubeObject): StuckNamespace {
  const spec = (namespace.spec ?? {}) as { finalizers?: string[] };
  const status = (namespace.status ?? {}) as { phase?: string; conditions?: NamespaceCondition[] };
  return {
    name: namespace.metadata?.name ?? '',
    phase: status.phase ?? 'Unknown',
    finalizers: [...(spec.finalizers ?? []), ...(namespace.metadata?.finalizers ?? [])],
    conditions: (status.conditions ?? []).map((c) => ({
      type: c.type,
      status: c.status,
      ...(c.reason ? { reason: c.reason } : {}),
      ...(c.message ? { message: c.message.slice(0, 1_000) } : {}),
    })),
  };
}
