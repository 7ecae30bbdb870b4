/**
 * workflows-examples/chaos-game-day.yml, unchanged, under nektos/act against the test bed: the staging namespace
 * (shop-staging, as the example names it) runs the shop's web Deployment as process-backed pods (real loopback
 * processes behind a per-Service balancer, scraped by the test bed's Prometheus with the namespace label), with
 * steady traffic; the fixture's chaos/game-day/web-pod-delete.yaml is the three-line experiment of the example's
 * header. The Monday schedule (dry-run false):
 * - chaos-gate deletes one web pod (max-percentage 34 of 3) under the fixture's SLOs and passes;
 * - the journal and JUnit the step outputs are uploaded as the chaos-game-day artifact, and the journal read back
 *   from it records exactly one pod deleted, a web pod of shop-staging that is gone;
 * - the reap step succeeds; nothing of the run is left and web is back at 3 replicas;
 * - report is false: no check run and no comment reach the API (there is no pull request).
 */
import { readFileSync } from 'node:fs';
import { readArtifact, scheduleEvent, startShopScenario, type ShopScenario } from '@gauntlet/act-harness';
import { KubeClient, collectionPath, objectPath, types, type KubeObject } from '@gauntlet/kube';
import { getTestbed, processBackedDeployment, startProcessPods, type ProcessPods } from '@gauntlet/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/polling.js';

const tb = getTestbed();
const NAMESPACE = 'shop-staging';

let scenario: ShopScenario;
let client: KubeClient;
let pods: ProcessPods;
let traffic: NodeJS.Timeout | undefined;

async function namespaceGone(): Promise<void> {
  await eventually(
    `namespace ${NAMESPACE} gone`,
    async () => (await client.getOptional(objectPath(types.namespace, undefined, NAMESPACE))) === undefined,
    180_000,
  );
}

describe.skipIf(!tb.kwok || !tb.prometheusTargetsDir)('chaos-game-day.yml under act', () => {
  beforeAll(async () => {
    scenario = await startShopScenario({ label: 'chaos-game-day.yml', seed: 61 });
    await scenario.repo.checkout('main');
    client = await KubeClient.create(tb.kubeConfig());
    // The example names its namespace: one left by an interrupted run of this file goes first.
    await client
      .request({ method: 'DELETE', path: objectPath(types.namespace, undefined, NAMESPACE) })
      .catch(() => undefined);
    await namespaceGone();
    await client.request({
      method: 'POST',
      path: collectionPath(types.namespace),
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } },
    });
    await eventually('default service account', () =>
      client.getOptional(objectPath(types.serviceAccount, NAMESPACE, 'default')),
    );
    pods = await startProcessPods({
      kubeConfig: tb.kubeConfig(),
      namespaces: [NAMESPACE],
      prometheusTargetsDir: tb.prometheusTargetsDir!,
    });
    // The shop's metric names (slos/shop.yaml), a healthy service.
    await client.request({
      method: 'POST',
      path: collectionPath(types.deployment, NAMESPACE),
      body: processBackedDeployment('web', 3, {
        labels: { app: 'web' },
        annotations: { 'gauntlet.dev/process-prefix': 'shop', 'gauntlet.dev/process-latency-ms': '20' },
      }),
    });
    await client.request({
      method: 'POST',
      path: collectionPath(types.service, NAMESPACE),
      body: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web' },
        spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
      },
    });
    await pods.waitFor('3 web backends', () => pods.backends(NAMESPACE, 'web').length === 3);
    const web = await pods.serviceAddress(NAMESPACE, 'web');
    traffic = setInterval(() => {
      for (let i = 0; i < 5; i++)
        fetch(`http://${web}/work`).then(
          (r) => r.text(),
          () => undefined,
        );
    }, 200);
    // History in Prometheus before the game day starts, as a staging namespace has: the steady state is read over
    // the SLOs' window (2m at a 1 s scrape interval) and needs 90 % of its steps covered, so a fresh namespace is
    // rightly inconclusive. Wait until the window is covered.
    await eventually(
      'the web pods scraped by Prometheus',
      async () => {
        const q = encodeURIComponent(`sum(shop_http_requests_total{namespace="${NAMESPACE}"})`);
        const body = (await (await fetch(`${tb.prometheusUrl}/api/v1/query?query=${q}`)).json()) as {
          data?: { result?: unknown[] };
        };
        return (body.data?.result?.length ?? 0) > 0;
      },
      120_000,
    );
    const covered = `count_over_time(sum(shop_http_requests_total{namespace="${NAMESPACE}"})[150s:5s])`;
    scenario.harness.progress(
      "chaos-game-day: waiting for 150 s of the web pods' metrics in Prometheus (the SLO window)",
    );
    await eventually(
      'the SLO window covered with data',
      async () => {
        const q = encodeURIComponent(covered);
        const body = (await (await fetch(`${tb.prometheusUrl}/api/v1/query?query=${q}`)).json()) as {
          data?: { result?: { value: [number, string] }[] };
        };
        const steps = Number(body.data?.result?.[0]?.value[1] ?? 0);
        return steps >= 30;
      },
      300_000,
    );
  }, 600_000);

  afterAll(async () => {
    if (traffic) clearInterval(traffic);
    await pods?.close();
    await client
      ?.request({ method: 'DELETE', path: objectPath(types.namespace, undefined, NAMESPACE) })
      .catch(() => undefined);
    client?.close();
    await scenario?.close();
  });

  it('the Monday schedule: one web pod deleted under the SLO guard, a pass, artifacts uploaded, nothing left', async () => {
    const run = await scenario.harness.run({
      workflow: 'chaos-game-day.yml',
      repo: scenario.repo,
      event: 'schedule',
      payload: scheduleEvent(scenario.repo, '0 9 * * 1'),
      cacheDir: scenario.cacheDir,
      secrets: { STAGING_KUBECONFIG: readFileSync(tb.kubeconfig, 'utf8') },
      vars: { PROMETHEUS_URL: tb.prometheusUrl, PROMETHEUS_SCRAPE_INTERVAL: '1s' },
    });
    const job = run.job('game-day');
    expect(
      job.conclusion,
      job.log
        .filter((l) => !l.includes('⚙'))
        .slice(-80)
        .join('\n'),
    ).toBe('success');
    const outputs = Object.values(job.outputs).find((o) => o['verdict'] !== undefined);
    expect(outputs, JSON.stringify(job.outputs)).toBeDefined();
    expect(outputs!['verdict']).toBe('pass');
    const log = job.log.join('\n');
    expect(log).toMatch(/pod-delete/);

    // The journal and JUnit went up as the chaos-game-day artifact (act's artifact server); the journal, as a user
    // downloading it reads it, says the game day deleted exactly one pod: a web pod of shop-staging.
    const artifact = await readArtifact(run.run, 'chaos-game-day');
    const names = [...artifact.keys()];
    expect(
      names.some((n) => n.endsWith('.xml')),
      names.join(', '),
    ).toBe(true);
    const journalFile = names.find((n) => n.endsWith('.json'));
    expect(journalFile, names.join(', ')).toBeDefined();
    const journal = JSON.parse(artifact.get(journalFile!)!.toString('utf8')) as {
      verdict: string;
      dryRun: boolean;
      experiments: {
        verdict: string;
        faults: { type: string; namespace: string; deletedPods: { name: string; uid: string }[] }[];
      }[];
    };
    expect(journal).toMatchObject({ verdict: 'pass', dryRun: false });
    const faults = journal.experiments.flatMap((e) => e.faults);
    expect(faults.map((f) => [f.type, f.namespace])).toEqual([['pod-delete', NAMESPACE]]);
    const deleted = faults.flatMap((f) => f.deletedPods);
    expect(deleted, JSON.stringify(deleted)).toHaveLength(1);
    expect(deleted[0]!.name).toMatch(/^web-/);
    // That pod (by uid) no longer exists: its ReplicaSet replaced it.
    const live = await client.list(collectionPath(types.pod, NAMESPACE), { labelSelector: 'app=web' });
    expect(live.items.map((p) => p.metadata?.uid)).not.toContain(deleted[0]!.uid);

    // Nothing of the run is left, and web is whole again.
    for (const type of [types.networkPolicy, types.resourceQuota, types.configMap]) {
      const left = await client.list(collectionPath(type, NAMESPACE), { labelSelector: 'gauntlet.dev/chaos-run' });
      expect(left.items.map((o) => o.metadata?.name)).toEqual([]);
    }
    const web = await client.get<KubeObject>(objectPath(types.deployment, NAMESPACE, 'web'));
    expect((web.spec as { replicas: number }).replicas).toBe(3);
    await pods.waitFor('3 web backends again', () => pods.backends(NAMESPACE, 'web').length === 3);

    // report: 'false' and no pull request: the API saw no check run and no comment.
    expect(scenario.gh.store.checkRuns).toEqual([]);
    expect(scenario.gh.store.comments).toEqual([]);
    expect(scenario.gh.violations).toEqual([]);
  }, 900_000);
});
