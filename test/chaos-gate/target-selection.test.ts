/**
 * Target selection on the test bed: the dependency graph read from a real API server (Services, Deployments, a
 * ConfigMap the caller reads its database URL from), request rates from a real Prometheus, ranked with a history,
 * and each pick an experiment the loader accepts. Reads only: the namespace holds nothing of ours afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  emptyHistory,
  experimentDocumentFor,
  loadExperiments,
  rankPairs,
  readDependencyGraph,
  recordOutcome,
  trafficByService,
} from '@gauntlet/chaos';
import { KubeClient, collectionPath, objectPath, types } from '@gauntlet/kube';
import { createPrometheusClient } from '@gauntlet/slo';
import { getTestbed } from '@gauntlet/testbed';
import { uniqueName } from '../support/polling.js';

const tb = getTestbed();
let client: KubeClient;
let ns: string;

function deployment(name: string, env: Record<string, string>, configMap?: string): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { tier: 'shop' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'main',
              image: 'example/shop:1',
              env: Object.entries(env).map(([n, value]) => ({ name: n, value })),
              ...(configMap ? { envFrom: [{ configMapRef: { name: configMap } }] } : {}),
            },
          ],
        },
      },
    },
  };
}

describe('target selection against the test bed', () => {
  beforeAll(async () => {
    client = await KubeClient.create(tb.kubeConfig());
    ns = uniqueName('chaos-select');
    const post = (type: (typeof types)[keyof typeof types], body: Record<string, unknown>): Promise<unknown> =>
      client.request({ method: 'POST', path: collectionPath(type, type === types.namespace ? undefined : ns), body });
    await post(types.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await post(types.configMap, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'checkout-config' },
      data: { DATABASE_URL: `postgres://db.${ns}.svc.cluster.local:5432/shop` },
    });
    await post(types.deployment, deployment('front', { CHECKOUT_URL: 'http://checkout/api' }));
    await post(types.deployment, deployment('checkout', { PAYMENTS: 'payments:443' }, 'checkout-config'));
    await post(types.deployment, deployment('payments', { DB: `db.${ns}:5432` }));
    await post(types.deployment, deployment('db', {}));
    for (const name of ['front', 'checkout', 'payments', 'db'])
      await post(types.service, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name },
        spec: { selector: { app: name }, ports: [{ port: 80 }] },
      });
  });

  afterAll(async () => {
    await client
      ?.request({ method: 'DELETE', path: objectPath(types.namespace, undefined, ns) })
      .catch(() => undefined);
    client?.close();
  });

  it('builds the graph from the cluster, weights it with Prometheus rates, and explains every pick', async () => {
    const graph = await readDependencyGraph(client, ns);
    expect(graph.edges.map((e) => `${e.from}->${e.to}`).sort()).toEqual([
      'checkout->db',
      'checkout->payments',
      'front->checkout',
      'payments->db',
    ]);
    const prometheus = createPrometheusClient({ url: tb.prometheusUrl, registerSecret: () => {}, timeoutMs: 10_000 });
    // A real Prometheus evaluating a query whose series carry a service label (as a per-service rate() would).
    const rates = await trafficByService(
      prometheus,
      'label_replace(vector(80), "service", "db", "", "") or label_replace(vector(5), "service", "payments", "", "")',
      'service',
      Date.now(),
    );
    expect(rates.problem).toBeUndefined();
    expect([...rates.traffic!]).toEqual([
      ['db', 80],
      ['payments', 5],
    ]);
    const failed = await trafficByService(prometheus, 'sum(rate(', 'service', Date.now());
    expect(failed.traffic).toBeUndefined();
    expect(failed.problem).toMatch(/request rates unavailable/);

    const nowMs = Date.now();
    const history = recordOutcome(emptyHistory(), 'db/network-partition', {
      verdict: 'pass',
      atMs: nowMs - 3_600_000,
      durationMs: 45_000,
    });
    const selection = rankPairs({
      graph,
      guarded: ['front'],
      traffic: rates.traffic!,
      history,
      nowMs,
      seed: 'gh-1-1',
      k: 2,
      budgetMs: 5 * 60_000,
      defaultDurationMs: 60_000,
    });
    expect(selection.picked).toHaveLength(2);
    const partition = selection.ranked.find((p) => p.key === 'db/network-partition')!;
    expect(partition.reasons).toEqual(
      expect.arrayContaining(['fan-in 2 (called by checkout, payments)', '80 req/s into db', 'last tested 1 h ago']),
    );
    expect(partition.estimatedMs).toBe(45_000);
    for (const pick of selection.picked) {
      const [experiment] = loadExperiments(JSON.stringify(experimentDocumentFor(pick, 30)), 'auto');
      expect(experiment!.description).toContain('picked:');
    }
  });
});
