// Shared helpers for the test-bed tests: unique namespaces with cleanup, polling, API error parsing.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

import { eventually, uniqueName } from '../support/polling.js';

export { eventually, uniqueName };

/** Creates a namespace and waits for its default service account (pods cannot be created before it). */
export async function createNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = uniqueName(prefix);
  await core.createNamespace({ body: { metadata: { name, labels: { 'gauntlet.dev/test': 'testbed' } } } });
  await eventually(`service account default in ${name}`, () =>
    core.readNamespacedServiceAccount({ name: 'default', namespace: name }),
  );
  return name;
}

export async function deleteNamespace(kc: KubeConfig, name: string): Promise<void> {
  try {
    await kc.makeApiClient(CoreV1Api).deleteNamespace({ name });
  } catch {
    /* already gone */
  }
}

export interface ApiError {
  code: number;
  status: { reason?: string; message?: string; details?: { causes?: { field?: string; message?: string }[] } };
}

/** Runs `call`, expects it to fail with an ApiException, returns its code and parsed Status body. */
export async function apiError(call: () => Promise<unknown>): Promise<ApiError> {
  try {
    await call();
  } catch (e) {
    const err = e as { code?: number; body?: unknown };
    if (typeof err.code !== 'number') throw e;
    const body =
      typeof err.body === 'string'
        ? (JSON.parse(err.body) as ApiError['status'])
        : ((err.body ?? {}) as ApiError['status']);
    return { code: err.code, status: body };
  }
  throw new Error('expected the API call to fail, it succeeded');
}

/** A container that behaves the same on kwok (stages decide) and on a real cluster (the command decides). */
export function busybox(command: string): { name: string; image: string; command: string[]; resources: object } {
  return {
    name: 'main',
    image: 'busybox:1.36',
    command: ['sh', '-c', command],
    resources: { requests: { cpu: '10m', memory: '16Mi' } },
  };
}
