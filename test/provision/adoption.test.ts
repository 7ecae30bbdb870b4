/**
 * Adoption needs proof (issue 10): a namespace that carries the environment's labels and annotations is adopted only
 * when the creation record our own earlier run wrote in the records namespace names its uid. The forged
 * namespace (pre-created by someone else with the marks copied, the repository id being public; Pod Security at
 * privileged; a planted RoleBinding) is refused, untouched; so is one re-created by someone else under the name of a
 * deleted environment of ours (the record holds the old uid). Our own namespace is adopted, and every guardrail is
 * re-asserted before the stack is applied: Pod Security put back, the planted binding reported with what it grants.
 * Mode down needs the same proof: it refuses to delete either look-alike, with not one write. Bindings outside the
 * namespace that grant to its ServiceAccounts (made in advance for its deterministic name) are reported too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy, getTestbed } from '@gauntlet/testbed';
import { type KubeClient, type KubeObject, environmentName, ownershipMetadata } from './kube-exports.js';
import {
  RECORDS_NAMESPACE,
  adminClient,
  cleanupRepository,
  ensureBuilt,
  pullRequestEvent,
  randomRepositoryId,
  runBundle,
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

/** Bindings a test made outside the environments (cluster-wide, or in another namespace), deleted after it. */
const outsideBindings: string[] = [];

afterAll(async () => {
  for (const path of outsideBindings) await admin.request({ method: 'DELETE', path }).catch(() => undefined);
  await cleanupRepository(admin, repositoryId);
  admin.close();
  await proxy.close();
});

const UP_INPUTS = {
  manifests: 'fixtures/small/*.yaml',
  variables: 'REPLICAS=1',
  'capacity-check': 'false',
  'max-environments': '0',
  timeout: '2m',
};

const recordPath = (name: string): string => `/api/v1/namespaces/${RECORDS_NAMESPACE}/configmaps/gauntlet-env-${name}`;

/** Everything but reads sent to the namespace or inside it. */
const mutating = (namespace: string) =>
  proxy.requests.filter(
    (r) =>
      r.method !== 'GET' &&
      (r.path === `/api/v1/namespaces/${namespace}` || r.path.includes(`/namespaces/${namespace}/`)),
  );

/** A stranger's namespace with every mark of this environment copied, privileged, with a RoleBinding planted. */
async function forgeLookAlike(pr: number): Promise<string> {
  const identity = { repositoryId, target: { kind: 'pr' as const, number: pr } };
  const name = environmentName(identity);
  const marks = ownershipMetadata(identity, { now: Date.now(), ttlMs: 86_400_000, runId: '1', runAttempt: '1' });
  await admin.request({
    method: 'POST',
    path: '/api/v1/namespaces',
    body: {
      metadata: {
        name,
        labels: { ...marks.labels, 'pod-security.kubernetes.io/enforce': 'privileged' },
        annotations: { ...marks.annotations, 'gauntlet.dev/created-by-run': '1-1' },
      },
    },
  });
  await plantBinding(name);
  return name;
}

async function plantBinding(namespace: string): Promise<void> {
  await admin.request({
    method: 'POST',
    path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`,
    body: {
      metadata: { name: 'planted' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'mallory' }],
    },
  });
}

async function waitGone(name: string): Promise<void> {
  for (let i = 0; i < 600 && (await admin.getOptional(`/api/v1/namespaces/${name}`)); i++)
    await new Promise((r) => setTimeout(r, 100));
}

describe('adopting an existing namespace needs our creation record of its uid', () => {
  it('a forged look-alike (copied marks, privileged, planted RoleBinding) is refused through the bundle, untouched', async () => {
    const name = await forgeLookAlike(5);
    const before = await admin.get<KubeObject>(`/api/v1/namespaces/${name}`);
    proxy.clearRequests();
    const run = await runBundle({
      inputs: { ...UP_INPUTS, kubeconfig: proxy.kubeConfig().exportConfig() },
      event: pullRequestEvent(repositoryId, 5),
    });
    expect(run.main.exitCode).not.toBe(0);
    const log = run.main.log.join('\n');
    expect(log).toContain(
      `namespace ${name} carries this environment's labels and annotations, but nothing proves this action created it: there is no creation record of it (ConfigMap ${RECORDS_NAMESPACE}/gauntlet-env-${name})`,
    );
    expect(log).toMatch(/it is never adopted or touched/);
    expect(run.post?.exitCode).toBe(0);
    // Not one write to it or inside it (no Pod Security patch, no guardrail, no stack object, no delete).
    expect(mutating(name)).toEqual([]);
    const after = await admin.get<KubeObject>(`/api/v1/namespaces/${name}`);
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    expect(after.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('privileged');
    // No record was written for it either: a refusal leaves nothing that could later count as proof.
    expect(await admin.getOptional(recordPath(name))).toBeUndefined();
    expect(trafficViolations(proxy.requests)).toEqual([]);
  });

  it('our own namespace is adopted: Pod Security put back before the stack, the planted RoleBinding reported', async () => {
    const kubeconfig = proxy.kubeConfig().exportConfig();
    const first = await runInProcess({
      inputs: { ...UP_INPUTS, kubeconfig },
      event: pullRequestEvent(repositoryId, 6),
    });
    expect(first.ok, String(first.error)).toBe(true);
    const name = environmentName({ repositoryId, target: { kind: 'pr', number: 6 } });
    const ns = await admin.get<KubeObject>(`/api/v1/namespaces/${name}`);
    const record = await admin.get<KubeObject & { data?: Record<string, string> }>(recordPath(name));
    expect(record.data).toMatchObject({ namespace: name, uid: ns.metadata?.uid, 'repository-id': repositoryId });
    // Someone with access to the namespace lowers its Pod Security and plants a binding between two runs.
    await admin.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${name}`,
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } },
    });
    await plantBinding(name);
    proxy.clearRequests();
    const run = await runInProcess({ inputs: { ...UP_INPUTS, kubeconfig }, event: pullRequestEvent(repositoryId, 6) });
    expect(run.ok, String(run.error)).toBe(true);
    const log = run.logger.text();
    expect(log).toContain(`adopting this pull request's existing namespace ${name}`);
    expect(log).toMatch(
      /Pod Security re-asserted on \S+: pod-security\.kubernetes\.io\/enforce was "privileged", now restricted/,
    );
    expect(log).toMatch(/RoleBinding\/planted grants ClusterRole\/admin to User\/mallory: not declared by the stack/);
    const adopted = await admin.get<KubeObject>(`/api/v1/namespaces/${name}`);
    expect(adopted.metadata?.uid).toBe(ns.metadata?.uid);
    expect(adopted.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    // The labels were put back before any stack object was applied, and the record was read before that.
    const requests = proxy.requests;
    const proof = requests.findIndex((r) => r.method === 'GET' && r.path === recordPath(name));
    const patched = requests.findIndex((r) => r.method === 'PATCH' && r.path === `/api/v1/namespaces/${name}`);
    const firstStack = requests.findIndex((r) => r.method === 'PATCH' && r.path.includes('/deployments/'));
    expect(proof).toBeGreaterThanOrEqual(0);
    expect(proof).toBeLessThan(patched);
    expect(patched).toBeLessThan(firstStack);
    expect(trafficViolations(requests)).toEqual([]);

    // Down deletes the namespace and its record.
    const gone = await runInProcess({
      inputs: { mode: 'down', kubeconfig, 'delete-timeout': '60s' },
      event: pullRequestEvent(repositoryId, 6),
    });
    expect(gone.ok, String(gone.error)).toBe(true);
    expect(await admin.getOptional(recordPath(name))).toBeUndefined();
  });

  it('mode down refuses a forged look-alike through the bundle: not deleted, not one write to it', async () => {
    const name = await forgeLookAlike(8);
    const before = await admin.get<KubeObject>(`/api/v1/namespaces/${name}`);
    proxy.clearRequests();
    const run = await runBundle({
      inputs: { mode: 'down', kubeconfig: proxy.kubeConfig().exportConfig(), 'delete-timeout': '10s' },
      event: pullRequestEvent(repositoryId, 8),
    });
    expect(run.main.exitCode).not.toBe(0);
    const log = run.main.log.join('\n');
    expect(log).toContain(
      `namespace ${name} carries this environment's labels and annotations, but nothing proves this action created it: there is no creation record of it (ConfigMap ${RECORDS_NAMESPACE}/gauntlet-env-${name})`,
    );
    expect(log).toContain('so it was not deleted');
    expect(mutating(name)).toEqual([]);
    expect(proxy.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    const after = await admin.get<KubeObject>(`/api/v1/namespaces/${name}`);
    expect(after.metadata?.deletionTimestamp).toBeUndefined();
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });

  it('bindings made in advance for the deterministic name, outside the namespace, are reported after up', async () => {
    const name = environmentName({ repositoryId, target: { kind: 'pr', number: 9 } });
    const rbac = '/apis/rbac.authorization.k8s.io/v1';
    const crb = `gauntlet-test-inherit-${repositoryId}`;
    const rb = `gauntlet-test-reach-in-${repositoryId}`;
    const roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' };
    outsideBindings.push(`${rbac}/clusterrolebindings/${crb}`, `${rbac}/namespaces/default/rolebindings/${rb}`);
    await admin.request({
      method: 'POST',
      path: `${rbac}/clusterrolebindings`,
      body: {
        metadata: { name: crb },
        roleRef,
        subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: name }],
      },
    });
    await admin.request({
      method: 'POST',
      path: `${rbac}/namespaces/default/rolebindings`,
      body: {
        metadata: { name: rb },
        roleRef,
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: `system:serviceaccounts:${name}` }],
      },
    });
    const run = await runInProcess({
      inputs: { ...UP_INPUTS, kubeconfig: proxy.kubeConfig().exportConfig() },
      event: pullRequestEvent(repositoryId, 9),
    });
    expect(run.ok, String(run.error)).toBe(true);
    const log = run.logger.text();
    expect(log).toContain(
      `ClusterRoleBinding/${crb} grants ClusterRole/view to ServiceAccount/${name}/default: not declared by the stack nor created by this action`,
    );
    expect(log).toContain(
      `RoleBinding/default/${rb} grants ClusterRole/view to Group/system:serviceaccounts:${name}: not declared by the stack`,
    );
  });

  it('a namespace re-created by someone else under the name of a deleted environment of ours is refused (uid differs)', async () => {
    const kubeconfig = proxy.kubeConfig().exportConfig();
    const first = await runInProcess({
      inputs: { ...UP_INPUTS, kubeconfig },
      event: pullRequestEvent(repositoryId, 7),
    });
    expect(first.ok, String(first.error)).toBe(true);
    const name = environmentName({ repositoryId, target: { kind: 'pr', number: 7 } });
    // Deleted behind the action's back (its record stays), then forged again with the same marks.
    await admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${name}` });
    await waitGone(name);
    await forgeLookAlike(7);
    proxy.clearRequests();
    const run = await runInProcess({ inputs: { ...UP_INPUTS, kubeconfig }, event: pullRequestEvent(repositoryId, 7) });
    expect(run.ok).toBe(false);
    expect(String(run.error)).toContain(
      `its uid is not the one in the creation record (ConfigMap ${RECORDS_NAMESPACE}/gauntlet-env-${name}): this namespace was created by someone else`,
    );
    expect(mutating(name)).toEqual([]);
    // Nor will down delete it: the record names the deleted namespace's uid.
    const down = await runInProcess({
      inputs: { mode: 'down', kubeconfig, 'delete-timeout': '10s' },
      event: pullRequestEvent(repositoryId, 7),
    });
    expect(down.ok).toBe(false);
    expect(String(down.error)).toMatch(/its uid is not the one in the creation record .*so it was not deleted/);
    expect(mutating(name)).toEqual([]);
    expect((await admin.get<KubeObject>(`/api/v1/namespaces/${name}`)).metadata?.deletionTimestamp).toBeUndefined();
  });
});
