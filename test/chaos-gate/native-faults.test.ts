/**
 * The native Kubernetes faults on the real API server and controllers: each is injected, checked as in effect,
 * reverted from its ledger entry alone (as the post step does), and checked as reverted against what was there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestbed } from '@gauntlet/testbed';
import { KubeClient, collectionPath, objectPath, types, type KubeObject } from '@gauntlet/kube';
import {
  isReadyPod,
  loadBackend,
  loadExperiments,
  reapLeftovers,
  revertLedger,
  revertEntry,
  verifyReverted,
  type FaultContext,
  type FaultSpec,
  type LedgerEntry,
} from '@gauntlet/chaos';
import { eventually, uniqueName } from '../support/polling.js';

let client: KubeClient;
let ns: string;
const log: string[] = [];

async function deployment(name: string, replicas: number): Promise<void> {
  const labels = { app: name };
  await client.request({
    method: 'POST',
    path: collectionPath(types.deployment, ns),
    body: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10' }] },
        },
      },
    },
  });
  await settled(name, replicas);
}

/**
 * The Deployment has settled at `replicas` ready pods: the controller has seen the latest spec, and exactly that
 * many live pods are Ready. The Deployment's status alone is not enough: right after a scale-down is reverted, it can
 * still show the old ready count before the controller has acted on either change.
 */
async function settled(name: string, replicas: number): Promise<void> {
  await eventually(`${name} settled at ${replicas} ready`, async () => {
    const d = await client.get<KubeObject>(objectPath(types.deployment, ns, name));
    const status = (d.status ?? {}) as { observedGeneration?: number; readyReplicas?: number; replicas?: number };
    if ((status.observedGeneration ?? 0) < (d.metadata?.generation ?? 1)) return false;
    if (status.readyReplicas !== replicas || status.replicas !== replicas) return false;
    const pods = await client.list(collectionPath(types.pod, ns), { labelSelector: `app=${name}` });
    return pods.items.filter(isReadyPod).length === replicas && pods.items.length === replicas;
  });
}

beforeAll(async () => {
  client = await KubeClient.create(getTestbed().kubeConfig());
  ns = uniqueName('chaos-native');
  await client.request({
    method: 'POST',
    path: collectionPath(types.namespace),
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
  });
  await eventually('default service account', () =>
    client.getOptional(objectPath(types.serviceAccount, ns, 'default')),
  );
  await Promise.all([deployment('web', 3), deployment('db', 1)]);
});

afterAll(async () => {
  await client.request({ method: 'DELETE', path: objectPath(types.namespace, undefined, ns) }).catch(() => undefined);
  client.close();
});

function experiment(faults: string, name = 'e', extraTargets = ''): { fault: FaultSpec; ctx: FaultContext } {
  const [e] = loadExperiments(
    `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: ${name} }
spec:
  targets:
    - { name: web-pods, kind: Pod, selector: { app: web } }
    - { name: web, kind: Deployment, selector: { app: web } }
    - { name: db-pods, kind: Pod, selector: { app: db } }
${extraTargets}  steps: [{ faults: [${faults}] }]
`,
    'test.yaml',
  );
  const fault = e!.steps[0]!.faults[0]!;
  const ctx: FaultContext = {
    client,
    runId: uniqueName('run'),
    experiment: e!.name,
    targets: new Map(e!.targets.map((t) => [t.name, t])),
    defaultNamespace: ns,
    dryRun: false,
    // One pod per pod fault; a NetworkPolicy cannot hit a subset, so network faults are allowed all they select.
    limitTargets: (candidates) => (fault.type.startsWith('pod-') ? candidates.slice(0, 1) : [...candidates]),
    log: (line) => log.push(line),
    now: Date.now,
  };
  return { fault, ctx };
}

async function lifecycle(fault: FaultSpec, ctx: FaultContext): Promise<{ entry: LedgerEntry; injected: string }> {
  const backend = await loadBackend(fault.type);
  const entry = await backend.plan(fault, ctx);
  const saved = JSON.parse(JSON.stringify(entry)) as LedgerEntry; // what the state holds before the write
  expect(saved.state).toBe('planned');
  await backend.inject(fault, entry, ctx);
  const injected = await backend.verifyInjected(fault, entry, ctx);
  expect(injected.ok, injected.detail).toBe(true);
  // Revert from a serialised copy: the post step has nothing else.
  const copy = JSON.parse(JSON.stringify(entry)) as LedgerEntry;
  await revertEntry(copy, { client, log: (l) => log.push(l) });
  const reverted = await verifyReverted(copy, { client, log: (l) => log.push(l) });
  expect(reverted.ok, reverted.detail).toBe(true);
  return { entry, injected: injected.detail };
}

describe('native faults', () => {
  it('scale-down lowers the replicas and restores the exact count', async () => {
    const { fault, ctx } = experiment('{ type: scale-down, target: web, replicas: 1, duration: 10s }');
    const { entry } = await lifecycle(fault, ctx);
    expect(entry.scaled).toEqual([expect.objectContaining({ name: 'web', replicasBefore: 3, replicasDuring: 1 })]);
    const d = await client.get<KubeObject>(objectPath(types.deployment, ns, 'web'));
    expect((d.spec as { replicas: number }).replicas).toBe(3);
    expect(d.metadata?.annotations?.['gauntlet.dev/chaos-restore']).toBeUndefined();
    await settled('web', 3);
  });

  it('pod-delete deletes the chosen pod by uid and the workload recovers', async () => {
    const { fault, ctx } = experiment('{ type: pod-delete, target: web-pods, duration: 10s, mode: forced }');
    const { entry } = await lifecycle(fault, ctx);
    expect(entry.deletedPods).toHaveLength(1);
    expect(entry.readyBefore).toBe(3);
    await settled('web', 3);
  });

  it('network-partition and dns-failure are NetworkPolicies created and deleted by uid', async () => {
    for (const spec of [
      '{ type: network-partition, target: db-pods, from: web-pods, direction: both, duration: 10s }',
      '{ type: dns-failure, target: web-pods, duration: 10s }',
    ]) {
      const { fault, ctx } = experiment(spec);
      const { entry } = await lifecycle(fault, ctx);
      expect(entry.created[0]!.uid).toBeTruthy();
      const left = await client.list(collectionPath(types.networkPolicy, ns), {
        labelSelector: 'gauntlet.dev/chaos-run',
      });
      expect(left.items).toHaveLength(0);
    }
  });

  it('a NetworkPolicy over more pods than the limits allow is refused before any write; over no pod, not injected', async () => {
    const { fault, ctx } = experiment('{ type: dns-failure, target: web-pods, duration: 10s }');
    const backend = await loadBackend(fault.type);
    const limited = { ...ctx, limitTargets: (candidates: readonly string[]) => candidates.slice(0, 2) };
    await expect(backend.plan(fault, limited)).rejects.toThrow(
      /dns-failure\) would cut all 3 pods its NetworkPolicy selects .* allow 2: a NetworkPolicy cannot hit a subset/,
    );
    const none = experiment(
      '{ type: network-partition, target: nobody, duration: 10s }',
      'e',
      '    - { name: nobody, kind: Pod, selector: { app: nobody } }\n',
    );
    const entry = await backend.plan(none.fault, none.ctx);
    await backend.inject(none.fault, entry, none.ctx);
    const verdict = await backend.verifyInjected(none.fault, entry, none.ctx);
    expect(verdict).toEqual({ ok: false, detail: expect.stringMatching(/selects no live pod/) });
    await revertEntry(entry, { client, log: () => undefined });
    expect((await verifyReverted(entry, { client, log: () => undefined })).ok).toBe(true);
  });

  it('a partition another policy defeats is reported as not in effect, and still reverted', async () => {
    await client.request({
      method: 'POST',
      path: collectionPath(types.networkPolicy, ns),
      body: {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'allow-all-ingress' },
        spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] },
      },
    });
    const { fault, ctx } = experiment('{ type: network-partition, target: db-pods, duration: 10s }');
    const backend = await loadBackend(fault.type);
    const entry = await backend.plan(fault, ctx);
    await backend.inject(fault, entry, ctx);
    const verdict = await backend.verifyInjected(fault, entry, ctx);
    expect(verdict.ok).toBe(false);
    expect(verdict.detail).toMatch(/allow-all-ingress also selects the target/);
    await revertEntry(entry, { client, log: () => undefined });
    expect((await verifyReverted(entry, { client, log: () => undefined })).ok).toBe(true);
    await client.request({ method: 'DELETE', path: objectPath(types.networkPolicy, ns, 'allow-all-ingress') });
  });

  it('resource-exhaustion fills the pod headroom with a ResourceQuota, removed after', async () => {
    const { fault, ctx } = experiment('{ type: resource-exhaustion, duration: 10s }');
    const { injected } = await lifecycle(fault, ctx);
    expect(injected).toMatch(/pods used 4 of 4/);
  });

  it('a revert never deletes an object of the same name that another run made', async () => {
    const { fault, ctx } = experiment('{ type: dns-failure, target: web-pods, duration: 10s }');
    const backend = await loadBackend(fault.type);
    const entry = await backend.plan(fault, ctx);
    const foreign = { ...entry, runId: 'someone-else' };
    await backend.inject(fault, entry, ctx);
    const lines = await revertEntry(foreign, { client, log: () => undefined });
    expect(lines.join('\n')).toMatch(/left alone/);
    expect(await client.getOptional(objectPath(types.networkPolicy, ns, entry.created[0]!.name))).toBeDefined();
    await revertEntry(entry, { client, log: () => undefined });
    expect(await client.getOptional(objectPath(types.networkPolicy, ns, entry.created[0]!.name))).toBeUndefined();
  });

  it('dry-run persists nothing', async () => {
    const { fault, ctx } = experiment('{ type: scale-down, target: web, replicas: 0, duration: 10s }');
    const dry = { ...ctx, dryRun: true };
    const backend = await loadBackend(fault.type);
    const entry = await backend.plan(fault, dry);
    await backend.inject(fault, entry, dry);
    expect((await backend.verifyInjected(fault, entry, dry)).ok).toBe(true);
    const d = await client.get<KubeObject>(objectPath(types.deployment, ns, 'web'));
    expect((d.spec as { replicas: number }).replicas).toBe(3);
  });

  it('the post step reverts every entry from the saved ledger, and the reaper what a SIGKILL left', async () => {
    const revertCtx = { client, log: () => undefined };
    // Post step: entries as saved in the state (one injected, one whose uid was never saved).
    const a = experiment('{ type: scale-down, target: web, replicas: 1, duration: 10s }');
    const b = experiment('{ type: dns-failure, target: web-pods, duration: 10s }');
    const entries: LedgerEntry[] = [];
    for (const { fault, ctx } of [a, b]) {
      const backend = await loadBackend(fault.type);
      const entry = await backend.plan(fault, ctx);
      await backend.inject(fault, entry, ctx);
      entries.push(
        JSON.parse(
          JSON.stringify({ ...entry, state: 'planned', created: entry.created.map(({ uid: _uid, ...o }) => o) }),
        ) as LedgerEntry,
      );
    }
    const post = await revertLedger(entries, revertCtx);
    expect(post).toEqual({ reverted: 2, problems: [] });
    const d = await client.get<KubeObject>(objectPath(types.deployment, ns, 'web'));
    expect((d.spec as { replicas: number }).replicas).toBe(3);
    await settled('web', 3);

    // SIGKILL: the ledger is lost; only the cluster's labels and annotations remain.
    for (const { fault, ctx } of [a, b]) {
      const backend = await loadBackend(fault.type);
      await backend.inject(fault, await backend.plan(fault, ctx), ctx);
    }
    const early = await reapLeftovers(revertCtx, { namespaces: [ns], now: Date.now() });
    expect(early.join('\n')).toMatch(/not expired/);
    expect(
      await client.list(collectionPath(types.networkPolicy, ns), { labelSelector: 'gauntlet.dev/chaos-run' }),
    ).toMatchObject({ items: [expect.anything()] });
    const late = await reapLeftovers(revertCtx, { namespaces: [ns], now: Date.now() + 3_600_000 });
    expect(late.join('\n')).toMatch(/NetworkPolicy .*: deleted/);
    expect(late.join('\n')).toMatch(/Deployment .*web: replicas restored to 3/);
    expect(
      (await client.list(collectionPath(types.networkPolicy, ns), { labelSelector: 'gauntlet.dev/chaos-run' })).items,
    ).toHaveLength(0);
    const restored = await client.get<KubeObject>(objectPath(types.deployment, ns, 'web'));
    expect((restored.spec as { replicas: number }).replicas).toBe(3);
    expect(restored.metadata?.annotations?.['gauntlet.dev/chaos-restore']).toBeUndefined();
  });
});
