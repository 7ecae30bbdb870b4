/**
 * Admission rejections are causes, not slow rollouts (issue 11, provision 1 and 3), on the real API server: a pod
 * spec that Pod Security rejects, pods beyond the quota, and a LoadBalancer Service the quota forbids each fail the
 * step with the server's reason and the input that sets the guardrail, long before the deadline, and the cause is
 * in the log, not only in the job summary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy, getTestbed } from '@gauntlet/testbed';
import type { KubeClient } from './kube-exports.js';
import {
  adminClient,
  cleanupRepository,
  ensureBuilt,
  pullRequestEvent,
  randomRepositoryId,
  runBundle,
  runInProcess,
} from './harness.js';

const tb = getTestbed();
const repositoryId = randomRepositoryId();
let admin: KubeClient;
let proxy: FaultProxy;
let kubeconfig: string;
let nextPr = 1;

beforeAll(async () => {
  ensureBuilt();
  admin = await adminClient(tb.kubeconfig);
  proxy = await FaultProxy.forKubeconfig(tb.kubeconfig);
  kubeconfig = proxy.kubeConfig().exportConfig();
});

afterAll(async () => {
  await cleanupRepository(admin, repositoryId);
  admin.close();
  await proxy.close();
});

// A deadline far beyond the test's own timeout: a verdict can only come from the rejection, never the deadline.
const base = { timeout: '30m', 'capacity-check': 'false', 'max-environments': '0', 'delete-timeout': '0' };

describe('admission rejections', () => {
  it('Pod Security rejects every pod: fails with the cause in the log, through the bundle', async () => {
    const run = await runBundle({
      inputs: { ...base, manifests: 'fixtures/admission/pod-security/*.yaml', kubeconfig },
      event: pullRequestEvent(repositoryId, nextPr++),
    });
    const log = run.main.log.join('\n');
    expect(run.main.exitCode).not.toBe(0);
    expect(run.outputs.status).toBe('failed');
    expect(log).toMatch(
      /deployment\/frontend failed: pods are rejected by Pod Security admission: .*violates PodSecurity "restricted/,
    );
    expect(log).toMatch(/the Pod Security level is set by the input pod-security/);
    expect(log).not.toMatch(/not ready within/);
  });

  it('pods beyond the quota: fails naming the quota and the input, not a slow rollout', async () => {
    const run = await runInProcess({
      inputs: {
        ...base,
        manifests: 'fixtures/small/*.yaml',
        variables: 'REPLICAS=3',
        'resource-quota': 'pods: "1"',
        kubeconfig,
      },
      event: pullRequestEvent(repositoryId, nextPr++),
    });
    expect(run.ok).toBe(false);
    const message = String(run.error);
    expect(message).toMatch(
      /deployment\/api failed: pods exceed the namespace's quota: .*exceeded quota: gauntlet-quota/,
    );
    expect(message).toMatch(/the environment's quota is set by the input resource-quota/);
  });

  // Their controllers report a refused pod only as a FailedCreate event (no condition): before, each waited out the
  // deadline as "0 of 1 ready" / "0 active".
  it.each([
    ['statefulset/db', 'pod-security-statefulset'],
    ['daemonset/agent', 'pod-security-daemonset'],
    ['job/migrate', 'pod-security-job'],
  ])('%s whose pods Pod Security rejects fails at once, from its FailedCreate event', async (target, fixture) => {
    const run = await runInProcess({
      inputs: { ...base, manifests: `fixtures/admission/${fixture}/*.yaml`, kubeconfig },
      event: pullRequestEvent(repositoryId, nextPr++),
    });
    expect(run.ok).toBe(false);
    const message = String(run.error);
    expect(message).toContain(`${target} failed: pods are rejected by Pod Security admission: `);
    expect(message).toMatch(/violates PodSecurity "restricted/);
    expect(message).toMatch(/the Pod Security level is set by the input pod-security/);
    expect(message).not.toMatch(/not ready within/);
  });

  it('a StatefulSet beyond the quota fails naming the quota and the input (FailedCreate event)', async () => {
    const run = await runInProcess({
      inputs: {
        ...base,
        manifests: 'fixtures/admission/quota-statefulset/*.yaml',
        'resource-quota': 'pods: "1"',
        kubeconfig,
      },
      event: pullRequestEvent(repositoryId, nextPr++),
    });
    expect(run.ok).toBe(false);
    const message = String(run.error);
    expect(message).toMatch(
      /statefulset\/db failed: pods exceed the namespace's quota: .*exceeded quota: gauntlet-quota/,
    );
    expect(message).toMatch(/the environment's quota is set by the input resource-quota/);
  });

  it('a LoadBalancer Service under the default quota: "exceeds quota services.loadbalancers=0", not a permissions error', async () => {
    const run = await runInProcess({
      inputs: { ...base, manifests: 'fixtures/admission/load-balancer/*.yaml', kubeconfig },
      event: pullRequestEvent(repositoryId, nextPr++),
    });
    expect(run.ok).toBe(false);
    const message = String(run.error);
    expect(message).toMatch(
      /service\/frontend-external: exceeds quota services\.loadbalancers=0(, services\.nodeports=0)? \(ResourceQuota gauntlet-quota/,
    );
    expect(message).toMatch(/set by the input resource-quota/);
    expect(message).not.toMatch(/may not apply|permission/);
  });

  it('resource-quota is merged over the defaults (issue 11, provision 5): one raised limit lets the LoadBalancer in, null removes a limit, the rest stay', async () => {
    const run = await runInProcess({
      inputs: {
        ...base,
        manifests: 'fixtures/admission/load-balancer-only/*.yaml',
        kubeconfig,
        'resource-quota': 'services.loadbalancers: "1"\nservices.nodeports: "1"\npersistentvolumeclaims: null',
      },
      event: pullRequestEvent(repositoryId, nextPr++),
    });
    expect(run.ok, String(run.error)).toBe(true);
    const namespace = run.outputs.namespace as string;
    const quota = await admin.get<{ spec?: { hard?: Record<string, string> } }>(
      `/api/v1/namespaces/${namespace}/resourcequotas/gauntlet-quota`,
    );
    // The whole default mapping but the changes: the two raised, persistentvolumeclaims gone, nothing pasted.
    expect(quota.spec?.hard).toEqual({
      'requests.cpu': '4',
      'requests.memory': '8Gi',
      'limits.cpu': '16',
      'limits.memory': '32Gi',
      pods: '60',
      services: '40',
      'services.loadbalancers': '1',
      'services.nodeports': '1',
    });
  });

  it('a schema error that server-side apply answers with 500 fails at once: one request, no retries', async () => {
    proxy.clearRequests();
    const run = await runInProcess({
      inputs: { ...base, manifests: 'fixtures/admission/schema-500/*.yaml', kubeconfig },
      event: pullRequestEvent(repositoryId, nextPr++),
    });
    expect(run.ok).toBe(false);
    expect(String(run.error)).toMatch(/deployment\/api: rejected as invalid: .*\.spec\.replicas: expected numeric/);
    expect(proxy.findRequests({ method: 'PATCH', path: /\/deployments\/api$/ })).toHaveLength(1);
  });
});
