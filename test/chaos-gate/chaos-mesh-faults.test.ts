/**
 * Chaos Mesh faults through its real chaos-controller-manager on the test bed (built from its Go module; PodChaos
 * acts through the API, so it works on kwok pods): the resource is applied with its selector forced into the run's
 * namespace and `duration` always set, counted as injected only on AllInjected, reverted from the ledger entry
 * alone (delete by uid, never cleanFinalizer) and counted as recovered only once the controller has recovered it
 * and dropped its finalizer. Selectors that reach outside the namespace are refused before any write.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureChaosMesh, getTestbed } from '@gauntlet/testbed';
import { KubeClient, collectionPath, objectPath, types, type KubeObject } from '@gauntlet/kube';
import {
  isReadyPod,
  loadBackend,
  loadExperiments,
  reapLeftovers,
  revertEntry,
  verifyReverted,
  type FaultContext,
  type FaultSpec,
  type LedgerEntry,
} from '@gauntlet/chaos';
// Not in the package's index: the Chaos Mesh backend is loaded lazily, only by runs that use it.
import { dataPlaneProblems } from '../../packages/chaos/src/faults/chaos-mesh.js';
import { eventually, uniqueName } from '../support/polling.js';
import { createWebNamespace } from './web-namespace.js';

const tb = getTestbed();
let client: KubeClient;
let ns: string;
const log: string[] = [];

function experiment(
  resource: string,
  limit: (candidates: readonly string[]) => string[] = (candidates) => [...candidates],
): { fault: FaultSpec; ctx: FaultContext } {
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
      limitTargets: limit,
      log: (line) => log.push(line),
      now: Date.now,
    },
  };
}

const podChaos = (extra = '') =>
  `{ kind: PodChaos, spec: { action: pod-failure, mode: one, selector: { labelSelectors: { app: web }${extra} } } }`;

async function webPods(): Promise<{ name: string; images: string[]; annotations: string[] }[]> {
  const pods = await client.list(collectionPath(types.pod, ns), { labelSelector: 'app=web' });
  return pods.items
    .filter((p) => !p.metadata?.deletionTimestamp)
    .map((p) => ({
      name: p.metadata?.name ?? '',
      images: ((p.spec as { containers?: { image?: string }[] }).containers ?? []).map((c) => c.image ?? ''),
      annotations: Object.keys(p.metadata?.annotations ?? {}),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

describe.skipIf(!tb.kwok)('Chaos Mesh faults via its controller', () => {
  beforeAll(async () => {
    await ensureChaosMesh();
    client = await KubeClient.create(tb.kubeConfig());
    ns = uniqueName('chaos-mesh-fault');
    await createWebNamespace(client, ns, 2);
    // Chaos Mesh selects pods as they are when the chaos is applied: a pod kwok has not started yet is selected
    // but never injected (Selected=True, AllInjected=False for the whole settle time), so the first test waits.
    await eventually('2 web pods ready', async () => {
      const pods = await client.list(collectionPath(types.pod, ns), { labelSelector: 'app=web' });
      return pods.items.length === 2 && pods.items.every(isReadyPod) ? true : undefined;
    });
  }, 30 * 60_000);

  // A test that fails half-way leaves its chaos behind; remove it (the controller recovers before it drops the
  // finalizer) so the next test starts from an empty namespace and fails only on its own account.
  afterEach(async () => {
    for (const plural of ['podchaos', 'networkchaos']) {
      const path = `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns}/${plural}`;
      for (const o of (await client.list(path)).items)
        await client.request({ method: 'DELETE', path: `${path}/${o.metadata?.name}` }).catch(() => undefined);
      await eventually(`no ${plural} left`, async () =>
        (await client.list(path)).items.length === 0 ? true : undefined,
      );
    }
  });

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

    const swapped = await webPods();
    expect(swapped.filter((p) => p.images.join() !== 'gauntlet.dev/sample:1')).toHaveLength(1);
    // Not recovered until the controller says so: nothing has said AllRecovered yet.
    expect((await backend.verifyReverted!(fault, entry, ctx)).detail).toMatch(/never said AllRecovered/);

    // The in-process revert pauses the chaos and waits for AllRecovered; then the ledger's delete (the post step's
    // view: the serialised entry only).
    expect((await backend.revert!(fault, entry, ctx)).join('; ')).toMatch(/paused, AllRecovered/);
    const copy = JSON.parse(JSON.stringify(entry)) as LedgerEntry;
    await revertEntry(copy, { client, log: (l) => log.push(l) });
    expect((await verifyReverted(copy, { client, log: (l) => log.push(l) })).ok).toBe(true);
    const recovered = await backend.verifyReverted!(fault, entry, ctx);
    expect(recovered.ok, recovered.detail).toBe(true);
    expect(recovered.detail).toMatch(/AllRecovered when paused, (gone|finalizer still pending), data plane clean/);
    const restored = await webPods();
    expect(restored.map((p) => p.images.join())).toEqual(['gauntlet.dev/sample:1', 'gauntlet.dev/sample:1']);
    expect(restored.flatMap((p) => p.annotations.filter((a) => a.startsWith('chaos-mesh-')))).toEqual([]);
    await eventually('no PodChaos left', async () =>
      (await client.list(`/apis/chaos-mesh.org/v1alpha1/namespaces/${ns}/${plural}`)).items.length === 0
        ? true
        : undefined,
    );
  });

  it('a data plane left dirty (a saved-image annotation, a per-pod rule of ours) is named, whatever the status says', async () => {
    const chaos = 'gauntlet-forged';
    const [pod] = await webPods();
    const key = `chaos-mesh-${chaos}-pod-failure-main-normal-image`;
    await client.request({
      method: 'PATCH',
      path: objectPath(types.pod, ns, pod!.name),
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { [key]: 'gauntlet.dev/sample:1' } } },
    });
    await client.request({
      method: 'POST',
      path: `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns}/podnetworkchaos`,
      body: {
        apiVersion: 'chaos-mesh.org/v1alpha1',
        kind: 'PodNetworkChaos',
        metadata: { name: pod!.name },
        spec: { iptables: [{ name: 'forged-rule', direction: 'input', source: `${ns}/${chaos}`, ipsets: [] }] },
      },
    });
    const problems = await dataPlaneProblems({ client }, ns, chaos);
    expect(problems).toEqual([
      `pod ${pod!.name} still carries ${key}`,
      `podnetworkchaos ${pod!.name} still holds iptables rule forged-rule of ${ns}/${chaos}`,
    ]);
    // Another chaos's rules are not ours to judge.
    expect(await dataPlaneProblems({ client }, ns, 'gauntlet-other')).toEqual([]);
    await client.request({
      method: 'DELETE',
      path: `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns}/podnetworkchaos/${pod!.name}`,
    });
    await client.request({
      method: 'PATCH',
      path: objectPath(types.pod, ns, pod!.name),
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { [key]: null } } },
    });
    expect(await dataPlaneProblems({ client }, ns, chaos)).toEqual([]);
  });

  it('mode against the blast-radius limits: all, fixed and percentages beyond them are refused before any write', async () => {
    const backend = await loadBackend('chaos-mesh');
    const one = (candidates: readonly string[]): string[] => candidates.slice(0, 1);
    const mode = (m: string): string =>
      `{ kind: PodChaos, spec: { action: pod-kill, ${m}, selector: { labelSelectors: { app: web } } } }`;
    for (const [m, hits] of [
      ['mode: all', 2],
      ['mode: fixed, value: "2"', 2],
      ['mode: random-max-percent, value: "100"', 2],
      ['mode: fixed-percent, value: "51"', 2],
    ] as const) {
      const { fault, ctx } = experiment(mode(m), one);
      await expect(backend.plan(fault, ctx), m).rejects.toThrow(
        new RegExp(`can hit ${hits} of the 2 pods its selector matches .* allow 1: .*mode: fixed with value: "1"`),
      );
    }
    for (const m of ['mode: one', 'mode: fixed, value: "1"', 'mode: fixed-percent, value: "50"']) {
      const { fault, ctx } = experiment(mode(m), one);
      await expect(backend.plan(fault, ctx), m).resolves.toBeDefined();
    }
    // An empty selector is the whole namespace for Chaos Mesh, and counted so.
    const empty = experiment(`{ kind: PodChaos, spec: { action: pod-kill, mode: all, selector: {} } }`, one);
    await expect(backend.plan(empty.fault, empty.ctx)).rejects.toThrow(/can hit 2 of the 2 pods/);
    // A NetworkChaos target selector is confined and limited like the selector.
    const net = (target: string): string =>
      `{ kind: NetworkChaos, spec: { action: partition, mode: one, selector: { labelSelectors: { app: web } }, direction: both, target: ${target} } }`;
    const outside = experiment(net('{ mode: one, selector: { namespaces: [kube-system] } }'), one);
    await expect(backend.plan(outside.fault, outside.ctx)).rejects.toThrow(
      /spec\.target\.selector\.namespaces names kube-system/,
    );
    const wide = experiment(net('{ mode: all, selector: { labelSelectors: { app: web } } }'), one);
    await expect(backend.plan(wide.fault, wide.ctx)).rejects.toThrow(/spec\.target\.mode all can hit 2/);
    for (const plural of ['podchaos', 'networkchaos'])
      expect((await client.list(`/apis/chaos-mesh.org/v1alpha1/namespaces/${ns}/${plural}`)).items).toEqual([]);
  });

  it('the reaper deletes our expired Chaos Mesh objects by uid and leaves the rest', async () => {
    const { fault, ctx } = experiment(podChaos());
    const backend = await loadBackend('chaos-mesh');
    const entry = await backend.plan(fault, ctx);
    await backend.inject(fault, entry, ctx);
    expect((await backend.verifyInjected(fault, entry, ctx)).ok).toBe(true);
    await client.request({
      method: 'POST',
      path: `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns}/podchaos`,
      body: {
        apiVersion: 'chaos-mesh.org/v1alpha1',
        kind: 'PodChaos',
        metadata: { name: 'someone-elses' },
        spec: { action: 'pod-kill', mode: 'one', duration: '1s', selector: { labelSelectors: { app: 'nobody' } } },
      },
    });
    const name = entry.created[0]!.name;
    const early = await reapLeftovers({ client, log: () => undefined }, { namespaces: [ns], now: Date.now() });
    expect(early).toContain(`PodChaos ${ns}/${name}: not expired (run ${ctx.runId}), left`);
    const late = await reapLeftovers(
      { client, log: () => undefined },
      { namespaces: [ns], now: Date.now() + 3_600_000 },
    );
    expect(late).toContain(`PodChaos ${ns}/${name}: deleted`);
    expect(late.join('\n')).not.toMatch(/someone-elses/);
    await eventually('our PodChaos recovered and gone, the other left', async () => {
      const names = (await client.list(`/apis/chaos-mesh.org/v1alpha1/namespaces/${ns}/podchaos`)).items.map(
        (o) => o.metadata?.name,
      );
      return names.length === 1 && names[0] === 'someone-elses' ? true : undefined;
    });
    expect(await dataPlaneProblems({ client }, ns, name)).toEqual([]);
    expect((await webPods()).map((p) => p.images.join())).toEqual(['gauntlet.dev/sample:1', 'gauntlet.dev/sample:1']);
    await client.request({
      method: 'DELETE',
      path: `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns}/podchaos/someone-elses`,
    });
    await eventually('the other PodChaos gone', async () =>
      (await client.list(`/apis/chaos-mesh.org/v1alpha1/namespaces/${ns}/podchaos`)).items.length === 0
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
