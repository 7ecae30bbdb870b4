// Chaos Mesh's real controller-manager on the kwok test bed: PodChaos pod-kill and pod-failure act through the
// API, so on process-backed pods they really remove capacity; pod-failure recovers when its duration ends.
// NetworkChaos needs chaos-daemon on real nodes: on the test bed it goes as far as the controller's status.
import { AppsV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureChaosMesh,
  getTestbed,
  processBackedDeployment,
  startProcessPods,
  type ProcessPods,
} from '@gauntlet/testbed';
import { createNamespace, deleteNamespace, eventually } from './helpers.js';

const tb = getTestbed();
const group = { group: 'chaos-mesh.org', version: 'v1alpha1' };

interface ChaosStatus {
  status?: {
    conditions?: Array<{ type: string; status: string }>;
    experiment?: { containerRecords?: Array<{ id: string; phase: string }> };
  };
}
const condition = (o: ChaosStatus, type: string): string | undefined =>
  o.status?.conditions?.find((c) => c.type === type)?.status;

describe.skipIf(!tb.kwok)('Chaos Mesh controller-manager on the test bed', () => {
  let kc: KubeConfig;
  let ns: string;
  let custom: CustomObjectsApi;
  let pods: ProcessPods;

  beforeAll(async () => {
    await ensureChaosMesh(); // a cold machine builds it first (minutes, with progress lines)
    kc = tb.kubeConfig();
    custom = kc.makeApiClient(CustomObjectsApi);
    ns = await createNamespace(kc, 'tb-chaosmesh');
    pods = await startProcessPods({ kubeConfig: kc, namespaces: [ns] });
    await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
      namespace: ns,
      body: processBackedDeployment('web', 2),
    });
    await pods.waitFor('2 web processes', () => pods.processes().length === 2);
  }, 30 * 60_000);
  afterAll(async () => {
    await pods?.close();
    if (ns) {
      // Chaos objects carry a finalizer the controller removes; delete them while it still runs.
      for (const plural of ['podchaos', 'networkchaos'])
        await custom.deleteCollectionNamespacedCustomObject({ ...group, namespace: ns, plural }).catch(() => {});
      await deleteNamespace(kc, ns);
    }
  });

  const create = (plural: string, body: object) =>
    custom.createNamespacedCustomObject({ ...group, namespace: ns, plural, body });
  const read = async (plural: string, name: string) =>
    (await custom.getNamespacedCustomObject({ ...group, namespace: ns, plural, name })) as ChaosStatus;

  it('pod-kill deletes one pod: its process stops, and the ReplicaSet replaces it', async () => {
    const before = pods.processes();
    await create('podchaos', {
      apiVersion: 'chaos-mesh.org/v1alpha1',
      kind: 'PodChaos',
      metadata: { name: 'kill-one' },
      spec: { action: 'pod-kill', mode: 'one', selector: { namespaces: [ns], labelSelectors: { app: 'web' } } },
    });
    const injected = await eventually('PodChaos kill-one AllInjected', async () => {
      const o = await read('podchaos', 'kill-one');
      return condition(o, 'AllInjected') === 'True' ? o : undefined;
    });
    const killed = injected.status?.experiment?.containerRecords?.[0]?.id.split('/')[1];
    expect(before.map((p) => p.name)).toContain(killed);
    await pods.waitFor('the killed pod has no process', () => !pods.processes().some((p) => p.name === killed));
    await pods.waitFor('a replacement process', () => pods.processes().length === 2);
  });

  it('pod-failure pauses a pod (no process) for its duration, then recovers it', async () => {
    await create('podchaos', {
      apiVersion: 'chaos-mesh.org/v1alpha1',
      kind: 'PodChaos',
      metadata: { name: 'fail-one' },
      spec: {
        action: 'pod-failure',
        mode: 'one',
        duration: '8s',
        selector: { namespaces: [ns], labelSelectors: { app: 'web' } },
      },
    });
    const injected = await eventually('PodChaos fail-one AllInjected', async () => {
      const o = await read('podchaos', 'fail-one');
      return condition(o, 'AllInjected') === 'True' ? o : undefined;
    });
    const failed = injected.status?.experiment?.containerRecords?.[0]?.id.split('/')[1];
    await pods.waitFor('the failed pod has no process', () => !pods.processes().some((p) => p.name === failed));
    expect(pods.processes()).toHaveLength(1);
    await eventually('PodChaos fail-one AllRecovered', async () =>
      condition(await read('podchaos', 'fail-one'), 'AllRecovered') === 'True' ? true : undefined,
    );
    await pods.waitFor('the recovered pod serves again', () => pods.processes().some((p) => p.name === failed));
  });

  it('NetworkChaos is selected by the controller but cannot be injected without chaos-daemon', async () => {
    await create('networkchaos', {
      apiVersion: 'chaos-mesh.org/v1alpha1',
      kind: 'NetworkChaos',
      metadata: { name: 'delay' },
      spec: {
        action: 'delay',
        mode: 'all',
        duration: '30s',
        delay: { latency: '100ms' },
        selector: { namespaces: [ns], labelSelectors: { app: 'web' } },
      },
    });
    const selected = await eventually('NetworkChaos delay Selected', async () => {
      const o = await read('networkchaos', 'delay');
      return condition(o, 'Selected') === 'True' ? o : undefined;
    });
    expect(condition(selected, 'AllInjected')).not.toBe('True');
  });
});
