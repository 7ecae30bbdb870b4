/**
 * workflows-examples/shard-queue.yml, unchanged, under nektos/act on the shop fixture (vitest suite), with the queue
 * in the test bed's real API server (namespace ci-test-queues, as the example's QUEUE_NAMESPACE says):
 * - QUEUE_KUBECONFIG authenticates as a ServiceAccount holding exactly the permissions the example's header lists
 *   (get/create/update configmaps for the workers, list/delete configmaps for the merge), nothing more;
 * - a pull request run: plan → queue workers → merge all succeed, every test runs exactly once, the merge deletes
 *   the run's queue ConfigMap, and the report is one "Tests" check run and one sticky comment (0 OpenAPI violations).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pullRequestEvent, startShopScenario, type ShopScenario } from '@gauntlet/act-harness';
import { getTestbed } from '@gauntlet/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, serviceAccountKubeconfig } from '../provision/harness.js';
import type { KubeClient, KubeObject } from '../provision/kube-exports.js';

const QUEUE_NAMESPACE = 'ci-test-queues';
const PR = 41;

let scenario: ShopScenario;
let admin: KubeClient;
let queueAccount: Awaited<ReturnType<typeof serviceAccountKubeconfig>>;
let createdNamespace = false;

beforeAll(async () => {
  scenario = await startShopScenario({ label: 'shard-queue.yml', seed: 41, pr: PR });
  admin = await adminClient(getTestbed().kubeconfig);
  if ((await admin.getOptional(`/api/v1/namespaces/${QUEUE_NAMESPACE}`)) === undefined) {
    await admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: QUEUE_NAMESPACE } } });
    createdNamespace = true;
  }
  // The example's documented permissions, and only those.
  queueAccount = await serviceAccountKubeconfig(admin, getTestbed().kubeconfig, [
    { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'update', 'list', 'delete'] },
  ]);
}, 600_000);

afterAll(async () => {
  await queueAccount?.cleanup();
  if (admin) {
    if (createdNamespace)
      await admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${QUEUE_NAMESPACE}` }).catch(() => undefined);
    admin.close();
  }
  await scenario?.close();
});

async function queueConfigMaps(): Promise<string[]> {
  const list = await admin.list<KubeObject>(`/api/v1/namespaces/${QUEUE_NAMESPACE}/configmaps`, {
    labelSelector: 'gauntlet.dev/managed-by=shard-and-run',
  });
  return list.items.filter((cm) => cm.metadata?.deletionTimestamp === undefined).map((cm) => cm.metadata!.name!);
}

describe('shard-queue.yml under act', () => {
  it('pull request: workers pull every test once from the queue, the merge deletes it and reports once', async () => {
    await scenario.repo.checkout('pr');
    const before = new Set(await queueConfigMaps());
    const testLog = path.join(scenario.harness.workDir, 'queue-tests.log');
    const run = await scenario.harness.run({
      workflow: 'shard-queue.yml',
      repo: scenario.repo,
      event: 'pull_request',
      payload: pullRequestEvent(scenario.repo, { number: PR, action: 'opened' }),
      cacheDir: scenario.cacheDir,
      secrets: { QUEUE_KUBECONFIG: queueAccount.kubeconfig },
      env: { SHOP_TEST_LOG: testLog },
    });
    const tail = (id: string) =>
      run.jobs
        .filter((j) => j.id === id)
        .flatMap((j) => j.log.slice(-30))
        .join('\n');
    expect(run.job('plan').conclusion, tail('plan')).toBe('success');
    const matrix = JSON.parse(run.job('plan').outputs['plan']!['matrix']!) as { shard: number[] };
    expect(matrix.shard.length).toBeGreaterThanOrEqual(1);
    for (const shard of matrix.shard) {
      const worker = run.job('test', { shard });
      expect(worker.conclusion, tail('test')).toBe('success');
      expect(worker.log.join('\n')).toMatch(/gauntlet-queue-[0-9a-f]+/);
    }
    const merge = run.job('merge');
    expect(merge.conclusion, tail('merge')).toBe('success');
    const outputs = Object.values(merge.outputs).find((o) => o['tests'] !== undefined)!;
    expect(outputs).toMatchObject({ tests: '8', passed: '8', failed: '0', conclusion: 'success' });
    expect(run.exitCode).toBe(0);

    // Each of the 8 tests ran exactly once across the workers.
    const ran = (await readFile(testLog, 'utf8')).split('\n').filter((l) => l !== '');
    expect(ran).toHaveLength(8);
    expect(new Set(ran).size).toBe(8);

    // The run's queue is gone (only queues that existed before, of other runs, may remain).
    expect((await queueConfigMaps()).filter((name) => !before.has(name))).toEqual([]);

    const checks = scenario.gh.store.checkRuns.filter((c) => c.head_sha === scenario.repo.prHeadSha);
    expect(checks.map((c) => [c.name, c.status, c.conclusion])).toEqual([['Tests', 'completed', 'success']]);
    const comments = scenario.commentsOn();
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('8 tests');
    expect(scenario.gh.violations).toEqual([]);
  }, 900_000);
});
