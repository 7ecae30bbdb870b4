/**
 * What an environment re-asserts and reports about its namespace, on every up (and so on every adoption): the
 * namespace may have been changed since it was created, or created by someone else with copied marks.
 * - Pod Security labels: put back to the `pod-security` level (a JSON patch guarded by the namespace's uid);
 * - bindings the stack did not declare and the action did not create that grant access to the environment or to its
 *   ServiceAccounts: reported (foreign-access.ts).
 */
import { annotations, type KubeClient, type KubeObject, objectPath, types } from '@gauntlet/kube';
import { podSecurityLabels } from './guardrails.js';
import type { PodSecurityLevel } from './inputs.js';

/** Puts the Pod Security labels back to `level`; returns what was changed, in words (empty when nothing was). */
export async function reassertPodSecurity(
  client: KubeClient,
  namespace: KubeObject,
  level: PodSecurityLevel,
  options: { signal?: AbortSignal; deadline?: number; fieldManager: string },
): Promise<string[]> {
  const wanted = podSecurityLabels(level);
  const labels = namespace.metadata?.labels ?? {};
  const changed = Object.entries(wanted).filter(([key, value]) => labels[key] !== value);
  if (changed.length === 0) return [];
  await client.request({
    method: 'PATCH',
    path: objectPath(types.namespace, undefined, namespace.metadata?.name ?? ''),
    contentType: 'application/json-patch+json',
    query: { fieldManager: options.fieldManager },
    body: [
      { op: 'test', path: '/metadata/uid', value: namespace.metadata?.uid },
      ...(namespace.metadata?.labels ? [] : [{ op: 'add', path: '/metadata/labels', value: {} }]),
      ...changed.map(([key, value]) => ({
        op: 'add',
        path: `/metadata/labels/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
        value,
      })),
    ],
    idempotent: true,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
  });
  return changed.map(([key, value]) => `${key} was ${JSON.stringify(labels[key] ?? 'unset')}, now ${value}`);
}

/**
 * Sets the namespace's expires-at to `expiresAt` (a JSON patch guarded by its uid): the one expiry the reaper reads.
 * Each up renews it, since the Lease in the namespace, which the stack can be granted access to, is never trusted.
 */
export async function renewExpiry(
  client: KubeClient,
  namespace: KubeObject,
  expiresAt: string,
  options: { signal?: AbortSignal; deadline?: number; fieldManager: string },
): Promise<void> {
  await client.request({
    method: 'PATCH',
    path: objectPath(types.namespace, undefined, namespace.metadata?.name ?? ''),
    contentType: 'application/json-patch+json',
    query: { fieldManager: options.fieldManager },
    body: [
      { op: 'test', path: '/metadata/uid', value: namespace.metadata?.uid },
      ...(namespace.metadata?.annotations ? [] : [{ op: 'add', path: '/metadata/annotations', value: {} }]),
      { op: 'add', path: `/metadata/annotations/${annotations.expiresAt.replace(/\//g, '~1')}`, value: expiresAt },
    ],
    idempotent: true,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
  });
}
