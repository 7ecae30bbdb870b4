/**
 * Chaos Mesh faults through its real chaos-controller-manager on the test bed (built from its Go module; PodChaos
 * acts through the API, so it works on kwok pods): the resource is applied with its selector forced into the run's
 * namespace and `duration` always set, counted as injected only on AllInjected, reverted from the ledger entry
 * alone (delete by uid, never cleanFinalizer) and counted as recovered only once the controller has recovered it
 * and dropped its finalizer. Selectors that reach outside the namespace are refused before any write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChaosMesh, getTestbed } from '@gauntlet/testbed';
import { KubeClient, collectionPath, objectPath, types, type KubeObject } from '@gauntlet/kube';
import {
  loadBackend,
  loadExperiments,
  revertEntry,
  verifyReverted,
  type FaultContext,
  type FaultSpec,
  type LedgerEntry,
} from '@gauntlet/chaos';
import { eventually, uniqueName } from '../support/polling.js';

const tb = getTestbed();
let client: KubeClient;
let ns: string;
const log: string[] = [];

function experiment(resource: string): { fault: FaultSpec; ctx: FaultContext } {
  const [e] = loadExperiments(
    `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: mesh }
spec:
  targets: [{ name: web-pods, kind: Pod, selector: { app: web } }]
  steps: [{ faults: [{ type: chaos-mesh, duration: 30s, resource: ${resource} }] }]
`,
    'mesh.yaml',
  );
  const fault = e!.steps[0]!.faults[0]!;
  return {
    fault,
    ctx: {
      client,
      runId: uniqueName('run'),
      experiment: e!.name,
      targets: new Map(e!.targets.map((t) => [t.name, t])),
      defaultNamespace: ns,
      dryRun: false,
      limitTargets: (candidates) => [...candidates],
      log: (line) => log.push(line),
      now: Date.now,
    },
  };
}

const podChaos = (extra = '') =>
  `{ kind: PodChaos, spec: { action: pod-failure, mode: one, selector: { labelSelectors: { app: web }${extra} } } }`;

describe.skipIf(!tb.kwok)('Chaos Mesh faults via its controller', () => {
  beforeAll(async () => {
    await ensureChaosMesh();
    client = await KubeClient.create(tb.kubeConfig());
    ns = uniqueName('chaos-mesh-fault');
    await client.request({
      method: 'POST',
      path: collectionPath(types.namespace),
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    });
    await client.request({
      method: 'POST',
      path: collectionPath(types.deployment, ns),
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', labels: { app: 'web' } },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'main', image: 'gauntlet.dev/sample:1' }] },
          },
        },
      },
    });
  }, 30 * 60_000);

  afterAll(async () => {
    await client
      ?.request({ method: 'DELETE', path: objectPath(types.namespace, undefined, ns) })
      .catch(() => undefined);
    client?.close();
  });

  it('PodChaos pod-failure: forced namespace and duration, AllInjected, reverted and recovered by the controller', async () => {
    const { fault, ctx } = experiment(podChaos());
    const backend = await loadBackend('chaos-mesh');
    const entry = await backend.plan(fault, ctx);
    await backend.inject(fault, entry, ctx);
    const plural = entry.created[0]!.plural;
    const applied = await client.get<KubeObject>(
      `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns}/${plural}/${entry.created[0]!.name}`,
    );
    expect(applied.spec).toMatchObject({ duration: '30s', selector: { namespaces: [ns] } });
    expect(applied.metadata?.labels?.['gauntlet.dev/chaos-run']).toBe(ctx.runId);
    expect(applied.metadata?.annotations?.['chaos-mesh.chaos-mesh.org/cleanFinalizer']).toBeUndefined();
    const injected = await backend.verifyInjected(fault, entry, ctx);
    expect(injected.ok, injected.detail).toBe(true);

    // The post step's view: the serialised entry only.
    const copy = JSON.parse(JSON.stringify(entry)) as LedgerEntry;
    await revertEntry(copy, { client, log: (l) => log.push(l) });
    expect((await verifyReverted(copy, { client, log: (l) => log.push(l) })).ok).toBe(true);
    const recovered = await backend.verifyReverted!(fault, entry, ctx);
    expect(recovered.ok, recovered.detail).toBe(true);
    expect(recovered.detail).toMatch(/recovered by the controller and gone|AllRecovered/);
    await eventually('no PodChaos left', async () =>
      (await client.list(`/apis/chaos-mesh.org/v1alpha1/namespaces/${ns}/${plural}`)).items.length === 0
        ? true
        : undefined,
    );
  });

  it('refuses, before any write, selectors outside the namespace, cleanFinalizer and a second duration', async () => {
    const backend = await loadBackend('chaos-mesh');
    for (const [resource, message] of [
      [podChaos(', namespaces: [kube-system]'), /outside the run's namespace/],
      [podChaos(', namespaceSelectors: { team: a }'), /namespaceSelectors reaches beyond/],
      [podChaos(', pods: { kube-system: [etcd] }'), /pods names namespace kube-system/],
      [
        `{ kind: PodChaos, metadata: { annotations: { chaos-mesh.chaos-mesh.org/cleanFinalizer: forced } }, spec: { action: pod-kill, mode: one, selector: {} } }`,
        /cleanFinalizer is never applied/,
      ],
      [`{ kind: PodChaos, spec: { action: pod-kill, mode: one, duration: 5m, selector: {} } }`, /differs from/],
    ] as const) {
      const { fault, ctx } = experiment(resource);
      await expect(backend.plan(fault, ctx)).rejects.toThrow(message);
    }
    const list = await client.list(`/apis/chaos-mesh.org/v1alpha1/namespaces/${ns}/podchaos`);
    expect(list.items).toEqual([]);
  });
});
