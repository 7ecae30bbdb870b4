/**
 * Chaos Mesh kinds that need chaos-daemon (NetworkChaos, StressChaos), through the test bed's real controller,
 * which has no daemon on kwok nodes: tested up to the controller's status. NetworkChaos is accepted (Selected, its
 * per-pod rules written with our source) and not injected, with the controller's reason, as soon as it has failed
 * twice on every target; its revert is honestly incomplete (the controller cannot clear rules without a daemon,
 * and we never force its finalizer). StressChaos is not injected with its reason and reverts cleanly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChaosMesh, getTestbed } from '@gauntlet/testbed';
import { KubeClient, objectPath, types, type KubeObject } from '@gauntlet/kube';
import { loadBackend, loadExperiments, revertEntry, type FaultContext } from '@gauntlet/chaos';
// Not in the package's index: the Chaos Mesh backend is loaded lazily, only by runs that use it.
import { dataPlaneProblems } from '../../packages/chaos/src/faults/chaos-mesh.js';
import { eventually, uniqueName } from '../support/polling.js';
import { createWebNamespace } from './web-namespace.js';

const tb = getTestbed();
const MESH = '/apis/chaos-mesh.org/v1alpha1/namespaces';
let client: KubeClient;
let ns: string;

function fault(resource: string) {
  const [e] = loadExperiments(
    `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: daemon-kinds }
spec:
  steps: [{ faults: [{ type: chaos-mesh, duration: 60s, resource: ${resource} }] }]
`,
    'daemon-kinds.yaml',
  );
  const ctx: FaultContext = {
    client,
    runId: uniqueName('run'),
    experiment: e!.name,
    targets: new Map(),
    defaultNamespace: ns,
    dryRun: false,
    limitTargets: (candidates) => [...candidates],
    log: () => undefined,
    now: Date.now,
  };
  return { fault: e!.steps[0]!.faults[0]!, ctx };
}

describe.skipIf(!tb.kwok)('Chaos Mesh daemon kinds on a cluster without chaos-daemon', () => {
  beforeAll(async () => {
    await ensureChaosMesh();
    client = await KubeClient.create(tb.kubeConfig());
    ns = uniqueName('chaos-mesh-daemon');
    await createWebNamespace(client, ns, 2, { waitForPods: true });
  }, 30 * 60_000);

  afterAll(async () => {
    // Test-only cleanup, as the cluster's admin: what the controller cannot clear without a daemon (the product
    // never removes a finalizer).
    for (const kind of ['networkchaos', 'podnetworkchaos']) {
      for (const o of (await client.list(`${MESH}/${ns}/${kind}`)).items) {
        const path = `${MESH}/${ns}/${kind}/${o.metadata?.name}`;
        await client.request({
          method: 'PATCH',
          path,
          contentType: 'application/merge-patch+json',
          body: { metadata: { finalizers: null } },
        });
        await client.request({ method: 'DELETE', path }).catch(() => undefined);
      }
    }
    await client
      ?.request({ method: 'DELETE', path: objectPath(types.namespace, undefined, ns) })
      .catch(() => undefined);
    client?.close();
  });

  it("NetworkChaos: accepted, not injected with the controller's reason, revert incomplete and said so", async () => {
    const { fault: f, ctx } = fault(
      `{ kind: NetworkChaos, spec: { action: partition, mode: all, selector: { labelSelectors: { app: web } }, direction: to, target: { mode: all, selector: { labelSelectors: { app: web } } } } }`,
    );
    const backend = await loadBackend('chaos-mesh');
    const entry = await backend.plan(f, ctx);
    await backend.inject(f, entry, ctx);
    const name = entry.created[0]!.name;
    const injected = await backend.verifyInjected(f, entry, ctx);
    expect(injected.ok).toBe(false);
    expect(injected.detail).toMatch(
      /not injected by the controller \(.*Selected=True.*AllInjected=False.*\): the controller failed to apply it to \d+ of \d+ targets \(each 2\+ times\): cannot find daemonIP on node/,
    );
    // Accepted: the controller selected the pods and wrote its per-pod rules, each naming our chaos as source.
    const rules = await dataPlaneProblems({ client }, ns, name);
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.every((p) => / still holds (ipsets|iptables) rule .* of /.test(p))).toBe(true);

    const lines = await backend.revert!(f, entry, ctx);
    expect(lines.join('\n')).toMatch(/paused, not recovered \(.*never injected on any target \(.*cannot find daemonIP/);
    await revertEntry(JSON.parse(JSON.stringify(entry)), { client, log: () => undefined });
    const reverted = await backend.verifyReverted!(f, entry, ctx);
    expect(reverted.ok).toBe(false);
    expect(reverted.detail).toMatch(/the controller never said AllRecovered \(.*never injected on any target/);
    // Never forced: the object waits on the controller's finalizer.
    const live = await client.getOptional<KubeObject>(`${MESH}/${ns}/networkchaos/${name}`);
    expect(live?.metadata?.deletionTimestamp).toBeDefined();
    expect(live?.metadata?.finalizers?.length).toBeGreaterThan(0);
  });

  it("StressChaos: not injected with the controller's reason, and reverted cleanly", async () => {
    const { fault: f, ctx } = fault(
      `{ kind: StressChaos, spec: { mode: one, selector: { labelSelectors: { app: web } }, stressors: { cpu: { workers: 1, load: 50 } } } }`,
    );
    const backend = await loadBackend('chaos-mesh');
    const entry = await backend.plan(f, ctx);
    await backend.inject(f, entry, ctx);
    const injected = await backend.verifyInjected(f, entry, ctx);
    expect(injected.ok).toBe(false);
    expect(injected.detail).toMatch(/failed to apply it to 1 of 1 targets \(each 2\+ times\): container .* not found/);
    expect((await backend.revert!(f, entry, ctx)).join('\n')).toMatch(/paused, AllRecovered/);
    await revertEntry(JSON.parse(JSON.stringify(entry)), { client, log: () => undefined });
    const reverted = await backend.verifyReverted!(f, entry, ctx);
    expect(reverted.ok, reverted.detail).toBe(true);
    await eventually('no StressChaos left', async () =>
      (await client.list(`${MESH}/${ns}/stresschaos`)).items.length === 0 ? true : undefined,
    );
  });
});
