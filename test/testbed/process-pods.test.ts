// Process-backed pods on the kwok test bed: a Deployment's pods become real loopback processes behind a
// balancer for their Service, Prometheus scrapes them, and deleting pods, scaling down and partition policies
// really remove capacity.
import {
  AppsV1Api,
  CoreV1Api,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getTestbed,
  httpStatus,
  processBackedDeployment,
  processPodKeys,
  prometheusValue,
  startProcessPods,
  ToxiproxyClient,
  type ProcessPods,
} from '@gauntlet/testbed';
import { createNamespace, deleteNamespace, eventually } from './helpers.js';

const tb = getTestbed();

const get = httpStatus;
const promValue = (query: string) => prometheusValue(tb.prometheusUrl, query);

describe.skipIf(!tb.kwok || !tb.prometheusTargetsDir)('process-backed pods', () => {
  let kc: KubeConfig;
  let ns: string;
  let apps: AppsV1Api;
  let core: CoreV1Api;
  let net: NetworkingV1Api;
  let pods: ProcessPods;
  const scale = (name: string, replicas: number) =>
    apps.patchNamespacedDeploymentScale(
      { name, namespace: ns, body: { spec: { replicas } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );

  beforeAll(async () => {
    kc = tb.kubeConfig();
    apps = kc.makeApiClient(AppsV1Api);
    core = kc.makeApiClient(CoreV1Api);
    net = kc.makeApiClient(NetworkingV1Api);
    ns = await createNamespace(kc, 'tb-procpods');
    pods = await startProcessPods({
      kubeConfig: kc,
      namespaces: [ns],
      ...(tb.prometheusTargetsDir ? { prometheusTargetsDir: tb.prometheusTargetsDir } : {}),
      log: (line) => process.stderr.write(`${line}\n`),
    });
    const deployment = (name: string, replicas: number, labels: Record<string, string>) =>
      processBackedDeployment(name, replicas, {
        labels,
        annotations: { [processPodKeys.job]: `pp-${name}`, [processPodKeys.prefix]: 'pp' },
        containerPort: 8080,
      });
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('web', 3, { app: 'web' }) });
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('client', 1, { app: 'client' }) });
    await core.createNamespacedService({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
      },
    });
  });
  afterAll(async () => {
    await pods?.close();
    await deleteNamespace(kc, ns);
  });

  it('runs one process per Running pod, balances the Service over them, and Prometheus scrapes them', async () => {
    await pods.waitFor('3 web backends', () => pods.backends(ns, 'web').length === 3);
    expect(pods.problems()).toEqual([]);
    const address = await pods.serviceAddress(ns, 'web');
    const statuses = await Promise.all(Array.from({ length: 6 }, () => get(address)));
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    // Round robin: every backend served.
    const counts = await Promise.all(
      pods.backends(ns, 'web').map(async (b) => {
        const text = await (await fetch(`http://${b.address}/metrics`)).text();
        return Number(/pp_http_requests_total\{code="200"\} (\d+)/.exec(text)?.[1]);
      }),
    );
    expect(counts.every((c) => c >= 1)).toBe(true);
    const up = await eventually('Prometheus sees 3 web targets up', async () =>
      (await promValue(`sum(up{job="pp-web",namespace="${ns}"})`)) === 3 ? true : undefined,
    );
    expect(up).toBe(true);
  });

  it('a deleted pod loses its process; scaling to zero leaves the Service with no capacity', async () => {
    const before = pods.processes().filter((p) => p.name.startsWith('web-'));
    const victim = before[0]!;
    await core.deleteNamespacedPod({ name: victim.name, namespace: ns, gracePeriodSeconds: 0 });
    await pods.waitFor('victim process stopped', () => !pods.processes().some((p) => p.uid === victim.uid));
    expect(await get(victim.address)).toBe('refused');
    await scale('web', 0);
    await pods.waitFor('no web backends', () => pods.backends(ns, 'web').length === 0);
    const address = await pods.serviceAddress(ns, 'web');
    expect(await get(address)).toBe('refused');
    await eventually('the balancer metrics count refused connections', async () => {
      const text = await (await fetch(pods.metricsUrl)).text();
      return /testbed_service_connections_total\{namespace="[^"]+",service="web",outcome="no_backend"\} [1-9]/.test(
        text,
      ) && text.includes(`testbed_service_backends{namespace="${ns}",service="web"} 0`)
        ? true
        : undefined;
    });
    await scale('web', 2);
    await pods.waitFor('2 web backends again', () => pods.backends(ns, 'web').length === 2);
    expect(await get(address)).toBe(200);
  });

  it('a partition NetworkPolicy cuts traffic from the client pod, also on open connections, and deleting it restores it', async () => {
    await pods.waitFor('client process', () => pods.processes().some((p) => p.name.startsWith('client-')));
    const client = pods.processes().find((p) => p.name.startsWith('client-'))!;
    const asClient = await pods.serviceAddress(ns, 'web', { fromPod: { namespace: ns, name: client.name } });
    const external = await pods.serviceAddress(ns, 'web');
    expect(await get(asClient)).toBe(200);
    // A raw connection opened before the partition
    const { connect } = await import('node:net');
    const open = connect({ host: '127.0.0.1', port: Number(asClient.split(':')[1]) });
    await new Promise((r) => open.once('connect', r));
    const closed = new Promise<void>((r) => open.once('close', () => r()));
    open.on('error', () => {});
    await net.createNamespacedNetworkPolicy({
      namespace: ns,
      body: {
        metadata: { name: 'partition-client-web' },
        spec: {
          podSelector: { matchLabels: { app: 'web' } },
          policyTypes: ['Ingress'],
          ingress: [
            { _from: [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['client'] }] } }] },
          ],
        },
      },
    });
    await closed; // the balancer cut the already open connection
    await eventually('client partitioned', async () => ((await get(asClient)) === 'refused' ? true : undefined));
    // The policy admits pods other than the client; an external client is no pod, so it is refused too.
    expect(await get(external)).toBe('refused');
    await net.deleteNamespacedNetworkPolicy({ name: 'partition-client-web', namespace: ns });
    await eventually('partition lifted', async () => ((await get(asClient)) === 200 ? true : undefined));
  });

  it('Toxiproxy in front of the balancer: a toxic cuts the real service, removing it restores it', async () => {
    const toxi = new ToxiproxyClient(tb.toxiproxyUrl);
    const name = `pp-${ns}`;
    const proxy = await toxi.createProxy(name, await pods.serviceAddress(ns, 'web'));
    try {
      expect(await get(proxy.listen)).toBe(200);
      await toxi.addToxic(name, { name: 'cut', type: 'reset_peer', attributes: { timeout: 0 } });
      expect(await get(proxy.listen)).toBe('refused');
      await toxi.removeToxic(name, 'cut');
      expect(await get(proxy.listen)).toBe(200);
    } finally {
      await toxi.deleteProxy(name);
    }
  });

  it('a pod with a forged command annotation gets no process and a problem naming the annotation', async () => {
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: {
          name: 'forged',
          labels: { [processPodKeys.process]: 'true' },
          annotations: { [processPodKeys.command]: 'sh -c "touch /tmp/pwned"' },
        },
        spec: { containers: [{ name: 'main', image: 'gauntlet.dev/sample:1' }] },
      },
    });
    await pods.waitFor('a problem for the forged pod', () => pods.problems().some((p) => p.includes('forged')));
    expect(pods.problems().join('\n')).toMatch(/gauntlet\.dev\/process-command: .* is not a command name/);
    expect(pods.processes().some((p) => p.name === 'forged')).toBe(false);
  });
});
