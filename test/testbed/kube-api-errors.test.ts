// What a mock API server would not reproduce: admission, server-side apply conflicts, validation, and
// namespace finalization, all answered by the real kube-apiserver.
import {
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestbed } from '@gauntlet/testbed';
import { apiError, busybox, createNamespace, deleteNamespace, eventually, uniqueName } from './helpers.js';

describe('kubernetes API semantics', () => {
  let kc: KubeConfig;
  let core: CoreV1Api;
  let ns: string;

  beforeAll(async () => {
    kc = getTestbed().kubeConfig();
    core = kc.makeApiClient(CoreV1Api);
    ns = await createNamespace(kc, 'tb-api');
  });
  afterAll(async () => deleteNamespace(kc, ns));

  it('a ResourceQuota rejects an over-quota pod with 403 from admission', async () => {
    const quotaNs = await createNamespace(kc, 'tb-quota');
    try {
      await core.createNamespacedResourceQuota({
        namespace: quotaNs,
        body: { metadata: { name: 'small' }, spec: { hard: { 'requests.cpu': '100m', pods: '5' } } },
      });
      // Admission only enforces a quota once the quota controller has computed its status.
      await eventually('quota status computed', async () => {
        const q = await core.readNamespacedResourceQuota({ name: 'small', namespace: quotaNs });
        return q.status?.hard?.['requests.cpu'] ? q : undefined;
      });
      const err = await apiError(() =>
        core.createNamespacedPod({
          namespace: quotaNs,
          body: {
            metadata: { name: 'too-big' },
            spec: { containers: [{ ...busybox('sleep 3600'), resources: { requests: { cpu: '500m' } } }] },
          },
        }),
      );
      expect(err.code).toBe(403);
      expect(err.status.reason).toBe('Forbidden');
      expect(err.status.message).toContain('exceeded quota: small');
    } finally {
      await deleteNamespace(kc, quotaNs);
    }
  });

  it('server-side apply of a field owned by another manager returns 409 naming the manager', async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const name = uniqueName('ssa');
    const cm = (value: string): V1ConfigMap => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: ns },
      data: { owned: value },
    });
    await objects.patch(cm('a'), undefined, undefined, 'owner-a', false, PatchStrategy.ServerSideApply);
    const err = await apiError(() =>
      objects.patch(cm('b'), undefined, undefined, 'owner-b', false, PatchStrategy.ServerSideApply),
    );
    expect(err.code).toBe(409);
    expect(err.status.reason).toBe('Conflict');
    expect(err.status.message).toContain('owner-a');
    expect(err.status.message).toContain('.data.owned');
    // The conflicting write changed nothing.
    const now = await core.readNamespacedConfigMap({ name, namespace: ns });
    expect(now.data?.owned).toBe('a');
  });

  it('an invalid object returns 422 naming the field', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const err = await apiError(() =>
      apps.createNamespacedDeployment({
        namespace: ns,
        body: {
          metadata: { name: 'invalid' },
          spec: {
            replicas: -1,
            selector: { matchLabels: { app: 'x' } },
            template: {
              metadata: { labels: { app: 'x' } },
              spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] },
            },
          },
        },
      }),
    );
    expect(err.code).toBe(422);
    expect(err.status.reason).toBe('Invalid');
    expect(err.status.details?.causes?.map((c) => c.field)).toContain('spec.replicas');
  });

  it('a deleted namespace passes through Terminating and disappears', async () => {
    const doomed = await createNamespace(kc, 'tb-doomed');
    // A finalizer on content holds the namespace in Terminating until we release it, so the phase is
    // observable however fast the namespace controller is (and shows the "stuck finalizer" condition).
    const hold = 'gauntlet.dev/hold';
    await core.createNamespacedConfigMap({
      namespace: doomed,
      body: { metadata: { name: 'content', finalizers: [hold] } },
    });
    await core.deleteNamespace({ name: doomed });
    const terminating = await eventually('namespace Terminating with finalizers remaining', async () => {
      const n = await core.readNamespace({ name: doomed });
      const remaining = n.status?.conditions?.find((c) => c.type === 'NamespaceFinalizersRemaining');
      return n.status?.phase === 'Terminating' && remaining?.status === 'True' ? n : undefined;
    });
    expect(terminating.metadata?.deletionTimestamp).toBeTruthy();
    expect(terminating.spec?.finalizers).toContain('kubernetes');
    // Content cannot be added while the namespace terminates (403 from the NamespaceLifecycle admission).
    const refused = await apiError(() =>
      core.createNamespacedConfigMap({ namespace: doomed, body: { metadata: { name: 'late' } } }),
    );
    expect(refused.code).toBe(403);
    expect(refused.status.message).toContain('being terminated');

    await core.patchNamespacedConfigMap(
      { name: 'content', namespace: doomed, body: [{ op: 'remove', path: '/metadata/finalizers' }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    const gone = await eventually('namespace gone', async () => {
      try {
        await core.readNamespace({ name: doomed });
        return undefined;
      } catch (e) {
        return (e as { code?: number }).code === 404;
      }
    });
    expect(gone).toBe(true);
  });
});
