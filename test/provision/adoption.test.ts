/**
 * The forged namespace: pre-created by someone else with the environment's labels and annotations copied
 * (the repository id is public), Pod Security at privileged and a planted RoleBinding. It is adopted (the marks are
 * all there is to go by; see the README), but every guardrail is re-asserted before the stack is applied: the Pod
 * Security level is put back, and the planted binding is reported with what it grants to whom.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy, getTestbed } from '@gauntlet/testbed';
import { type KubeClient, type KubeObject, environmentName, ownershipMetadata } from './kube-exports.js';
import {
  adminClient,
  cleanupRepository,
  ensureBuilt,
  pullRequestEvent,
  randomRepositoryId,
  runInProcess,
  trafficViolations,
} from './harness.js';

const tb = getTestbed();
const repositoryId = randomRepositoryId();
let proxy: FaultProxy;
let admin: KubeClient;

beforeAll(async () => {
  ensureBuilt();
  proxy = await FaultProxy.forKubeconfig(tb.kubeconfig);
  admin = await adminClient(tb.kubeconfig);
});

afterAll(async () => {
  await cleanupRepository(admin, repositoryId);
  admin.close();
  await proxy.close();
});

describe('adopting a look-alike namespace', () => {
  it('puts Pod Security back before the stack and reports the planted RoleBinding', async () => {
    const identity = { repositoryId, target: { kind: 'pr' as const, number: 5 } };
    const name = environmentName(identity);
    const marks = ownershipMetadata(identity, { now: Date.now(), ttlMs: 86_400_000, runId: '1', runAttempt: '1' });
    await admin.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: {
        metadata: {
          name,
          labels: { ...marks.labels, 'pod-security.kubernetes.io/enforce': 'privileged' },
          annotations: marks.annotations,
        },
      },
    });
    await admin.request({
      method: 'POST',
      path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${name}/rolebindings`,
      body: {
        metadata: { name: 'planted' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'mallory' }],
      },
    });
    proxy.clearRequests();
    const run = await runInProcess({
      inputs: {
        manifests: 'fixtures/small/*.yaml',
        variables: 'REPLICAS=1',
        kubeconfig: proxy.kubeConfig().exportConfig(),
        'capacity-check': 'false',
        'max-environments': '0',
        timeout: '2m',
      },
      event: pullRequestEvent(repositoryId, 5),
    });
    expect(run.ok, String(run.error)).toBe(true);
    const log = run.logger.text();
    expect(log).toMatch(
      /Pod Security re-asserted on \S+: pod-security\.kubernetes\.io\/enforce was "privileged", now restricted/,
    );
    expect(log).toMatch(/RoleBinding\/planted grants ClusterRole\/admin to User\/mallory: not declared by the stack/);
    const ns = await admin.get<KubeObject>(`/api/v1/namespaces/${name}`);
    expect(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    // The labels were put back before any stack object was applied.
    const requests = proxy.requests;
    const patched = requests.findIndex((r) => r.method === 'PATCH' && r.path === `/api/v1/namespaces/${name}`);
    const firstStack = requests.findIndex((r) => r.method === 'PATCH' && r.path.includes('/deployments/'));
    expect(patched).toBeGreaterThanOrEqual(0);
    expect(patched).toBeLessThan(firstStack);
    expect(trafficViolations(requests)).toEqual([]);
  });
});
