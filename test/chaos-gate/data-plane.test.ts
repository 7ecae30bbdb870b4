/**
 * chaos-gate's native faults against a data plane that exists: process-backed pods on the test bed (real loopback
 * processes behind a balancer that honours NetworkPolicies). A fault that is "in effect" must really remove capacity
 * or cut traffic, and Prometheus must see it; after the revert, traffic and capacity come back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getTestbed,
  httpStatus,
  processBackedDeployment,
  prometheusValue,
  startProcessPods,
  type ProcessPods,
} from '@gauntlet/testbed';
import { KubeClient, collectionPath, objectPath, types } from '@gauntlet/kube';
import {
  loadBackend,
  loadExperiments,
  revertEntry,
  verifyReverted,
  type FaultContext,
  type LedgerEntry,
} from '@gauntlet/chaos';
import { eventually, uniqueName } from '../support/polling.js';

const tb = getTestbed();
let client: KubeClient;
let ns: string;
let pods: ProcessPods;

const status = httpStatus;
const promValue = (query: string) => prometheusValue(tb.prometheusUrl, query);

async function workload(name: string, replicas: number): Promise<void> {
  const labels = { app: name };
  await client.request({
    method: 'POST',
    path: collectionPath(types.deployment, ns),
    body: processBackedDeployment(name, replicas, { labels }),
  });
  await client.request({
    method: 'POST',
    path: collectionPath(types.service, ns),
    body: { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: labels, ports: [{ port: 80 }] } },
  });
}

function context(faults: string): {
  fault: ReturnType<typeof loadExperiments>[number]['steps'][number]['faults'][number];
  ctx: FaultContext;
} {
  const [e] = loadExperiments(
    `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: data-plane }
spec:
  targets:
    - { name: web-pods, kind: Pod, selector: { app: web } }
    - { name: web, kind: Deployment, selector: { app: web } }
    - { name: db-pods, kind: Pod, selector: { app: db } }
  steps: [{ faults: [${faults}] }]
`,
    'data-plane.yaml',
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
      // One pod per pod fault; a NetworkPolicy cannot hit a subset, so network faults are allowed all they select.
      limitTargets: (candidates) => (fault.type.startsWith('pod-') ? candidates.slice(0, 1) : [...candidates]),
      log: () => undefined,
      now: Date.now,
    },
  };
}

async function inject(faults: string): Promise<LedgerEntry> {
  const { fault, ctx } = context(faults);
  const backend = await loadBackend(fault.type);
  const entry = await backend.plan(fault, ctx);
  await backend.inject(fault, entry, ctx);
  const verdict = await backend.verifyInjected(fault, entry, ctx);
  expect(verdict.ok, verdict.detail).toBe(true);
  return entry;
}

async function revert(entry: LedgerEntry): Promise<void> {
  await revertEntry(entry, { client, log: () => undefined });
  expect((await verifyReverted(entry, { client, log: () => undefined })).ok).toBe(true);
}

describe.skipIf(!tb.kwok || !tb.prometheusTargetsDir)('native faults on a real data plane', () => {
  let web: { pod: string }[];
  let clientPod: string;

  beforeAll(async () => {
    client = await KubeClient.create(tb.kubeConfig());
    ns = uniqueName('chaos-data');
    await client.request({
      method: 'POST',
      path: collectionPath(types.namespace),
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    });
    await eventually('default service account', () =>
      client.getOptional(objectPath(types.serviceAccount, ns, 'default')),
    );
    pods = await startProcessPods({
      kubeConfig: tb.kubeConfig(),
      namespaces: [ns],
      ...(tb.prometheusTargetsDir ? { prometheusTargetsDir: tb.prometheusTargetsDir } : {}),
    });
    await Promise.all([workload('web', 3), workload('db', 1)]);
    await pods.waitFor(
      '3 web and 1 db backends',
      () => pods.backends(ns, 'web').length === 3 && pods.backends(ns, 'db').length === 1,
    );
    web = pods.backends(ns, 'web');
    clientPod = web[0]!.pod;
  });

  afterAll(async () => {
    await pods?.close();
    await client
      ?.request({ method: 'DELETE', path: objectPath(types.namespace, undefined, ns) })
      .catch(() => undefined);
    client?.close();
  });

  it('scale-down removes capacity Prometheus sees, and the restore brings it back', async () => {
    const backends = `testbed_service_backends{namespace="${ns}",service="web"}`;
    await eventually('Prometheus sees 3 web backends', async () =>
      (await promValue(backends)) === 3 ? true : undefined,
    );
    const entry = await inject('{ type: scale-down, target: web, replicas: 1, duration: 30s }');
    await pods.waitFor('1 web backend', () => pods.backends(ns, 'web').length === 1);
    await eventually('Prometheus sees 1 web backend', async () =>
      (await promValue(backends)) === 1 ? true : undefined,
    );
    await revert(entry);
    await pods.waitFor('3 web backends again', () => pods.backends(ns, 'web').length === 3);
    await eventually('Prometheus sees 3 again', async () => ((await promValue(backends)) === 3 ? true : undefined));
  });

  it("pod-delete (forced) stops the deleted pod's process; the ReplicaSet brings a new one", async () => {
    const before = pods.processes().filter((p) => p.name.startsWith('web-'));
    const entry = await inject('{ type: pod-delete, target: web-pods, duration: 10s, mode: forced }');
    const deleted = entry.deletedPods.map((p) => p.name);
    expect(deleted).toHaveLength(1);
    await pods.waitFor('the deleted pod has no process', () => !pods.processes().some((p) => p.name === deleted[0]));
    expect(before.some((p) => p.name === deleted[0])).toBe(true);
    await revert(entry);
    await pods.waitFor('3 web backends again', () => pods.backends(ns, 'web').length === 3);
  });

  it('network-partition cuts web → db through the balancer, and its revert restores it', async () => {
    clientPod = pods.backends(ns, 'web')[0]!.pod;
    const asWeb = await pods.serviceAddress(ns, 'db', { fromPod: { namespace: ns, name: clientPod } });
    expect(await status(asWeb)).toBe(200);
    const entry = await inject(
      '{ type: network-partition, target: db-pods, from: web-pods, direction: both, duration: 30s }',
    );
    await eventually('web → db refused', async () => ((await status(asWeb)) === 'refused' ? true : undefined));
    await revert(entry);
    await eventually('web → db served again', async () => ((await status(asWeb)) === 200 ? true : undefined));
  });

  it('dns-failure leaves non-DNS traffic alone (only port 53 is denied)', async () => {
    const asWeb = await pods.serviceAddress(ns, 'db', { fromPod: { namespace: ns, name: clientPod } });
    const entry = await inject('{ type: dns-failure, target: web-pods, duration: 30s }');
    const name = entry.created[0]!.name;
    await pods.waitFor('the balancer enforces the dns-failure policy', () => pods.policyNames(ns).includes(name));
    expect(pods.problems()).toEqual([]);
    expect(await status(asWeb)).toBe(200);
    await revert(entry);
  });
});
