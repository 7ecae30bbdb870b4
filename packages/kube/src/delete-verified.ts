/**
 * Deleting exactly the object the caller read and checked: the uid and resourceVersion preconditions make the API
 * server refuse (409 Conflict, thrown) if the object was replaced or changed since, so a check of ownership can never
 * be raced into deleting something else. A 404 means it is already gone.
 */
import type { KubeObject, KubeRequest } from './client.js';
import { KubeApiError } from './errors.js';
import { objectPath, type ResourceType } from './resources.js';

export type VerifiedDeleteOutcome = 'deleted' | 'already-gone';

/** Anything that can send a request: a KubeClient, or a narrower seam of one in tests. */
export interface RequestSender {
  request(request: KubeRequest): Promise<unknown>;
}

export async function deleteVerified(
  client: RequestSender,
  type: ResourceType,
  verified: KubeObject,
  options: { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan'; signal?: AbortSignal } = {},
): Promise<VerifiedDeleteOutcome> {
  const { name, uid, namespace, resourceVersion } = verified.metadata ?? {};
  if (!name || !uid) throw new Error(`deleteVerified: the ${type.kind} must have been read from the server`);
  try {
    await client.request({
      method: 'DELETE',
      path: objectPath(type, type.namespaced ? namespace : undefined, name),
      body: {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
        preconditions: { uid, ...(resourceVersion ? { resourceVersion } : {}) },
      },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return 'deleted';
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return 'already-gone';
    throw error;
  }
}
