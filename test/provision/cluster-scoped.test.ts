/**
 * Cluster-scoped objects of a stack (allow-cluster-scoped: true) do not outlive the environment: the issue's
 * ClusterRoleBinding that gives the environment's default ServiceAccount cluster-admin is recorded on the namespace
 * and deleted, by uid, by down, by a failed up and by the reaper. An existing object of the same name that the
 * environment did not create is refused before anything is applied, and one replaced since the apply is left alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy, getTestbed } from '@gauntlet/testbed';
import { type Clock, sleepUntilDone } from '@gauntlet/action-kit';
import { type KubeClient, type KubeObject, environmentName } from './kube-exports.js';
import {
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
let kubeconfig: string;
let admin: KubeClient;
let nextPr = 1;
const leftovers: string[] = [];

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const base = {
  manifests: 'fixtures/cluster-scoped/*.yaml',
  'allow-cluster-scoped': 'true',
  timeout: '1m',
  'capacity-check': 'false',
  'max-environments': '0',
  'delete-timeout': '30s',
};
// Down asks for the namespace's deletion and does not wait for it: what is under test are the cluster-scoped
// objects, deleted before the namespace, not how fast a loaded test bed finishes terminating it.

beforeAll(async () => {
  ensureBuilt();
  proxy = await FaultProxy.forKubeconfig(tb.kubeconfig);
  kubeconfig = proxy.kubeConfig().exportConfig();
  admin = await adminClient(tb.kubeconfig);
});

afterAll(async () => {
  for (const path of leftovers) await admin.request({ method: 'DELETE', path }).catch(() => undefined);
  await cleanupRepository(admin, repositoryId);
  admin.close();
  await proxy.close();
});

function names(pr: number): { namespace: string; binding: string; role: string } {
  const namespace = environmentName({ repositoryId, target: { kind: 'pr', number: pr } });
  const binding = `${RBAC}/clusterrolebindings/${namespace}-admin`;
  const role = `${RBAC}/clusterroles/${namespace}-reader`;
  leftovers.push(binding, role);
  return { namespace, binding, role };
}

/** Every DELETE of a cluster-scoped RBAC object carried a uid precondition. */
function unguardedDeletes(): string[] {
  return proxy.requests
    .filter((r) => r.method === 'DELETE' && r.path.startsWith(`${RBAC}/cluster`))
    .filter((r) => !(JSON.parse(r.body || '{}') as { preconditions?: { uid?: string } }).preconditions?.uid)
    .map((r) => r.path);
}

describe('cluster-scoped objects of a stack', () => {
  it('are recorded on the namespace with their uids and deleted by down, through the bundle', async () => {
    const pr = nextPr++;
    const { namespace, binding, role } = names(pr);
    proxy.clearRequests();
    const event = pullRequestEvent(repositoryId, pr);
    const up = await runBundle({ inputs: { ...base, kubeconfig }, event });
    expect(up.main.exitCode, up.main.log.join('\n')).toBe(0);
    const crb = await admin.get(binding);
    expect(crb.metadata?.labels?.['gauntlet.dev/environment']).toBe(namespace);
    const ns = await admin.get(`/api/v1/namespaces/${namespace}`);
    const record = JSON.parse(ns.metadata?.annotations?.['gauntlet.dev/cluster-objects'] ?? '[]') as Array<{
      kind: string;
      uid?: string;
    }>;
    expect(record.map((r) => [r.kind, r.uid])).toEqual(
      expect.arrayContaining([
        ['ClusterRoleBinding', crb.metadata?.uid],
        ['ClusterRole', (await admin.get(role)).metadata?.uid],
      ]),
    );
    const down = await runBundle({
      inputs: { mode: 'down', kubeconfig, 'delete-timeout': '0', 'fail-on-stuck': 'false' },
      event,
    });
    expect(down.main.exitCode, down.main.log.join('\n')).toBe(0);
    expect(await admin.getOptional(binding)).toBeUndefined();
    expect(await admin.getOptional(role)).toBeUndefined();
    expect(down.main.log.join('\n')).toMatch(/deleted cluster-scoped ClusterRoleBinding\//);
    expect(unguardedDeletes()).toEqual([]);
    expect(trafficViolations(proxy.requests)).toEqual([]);
  });

  it('are deleted when up fails (inline teardown)', async () => {
    const pr = nextPr++;
    const { binding, role } = names(pr);
    const run = await runInProcess({
      inputs: {
        ...base,
        kubeconfig,
        manifests: 'fixtures/cluster-scoped/*.yaml\nfixtures/crashloop/*.yaml',
        timeout: '4s',
      },
      event: pullRequestEvent(repositoryId, pr),
    });
    expect(run.ok).toBe(false);
    expect(run.logger.text()).toMatch(/recorded 2 cluster-scoped object\(s\)/);
    expect(await admin.getOptional(binding)).toBeUndefined();
    expect(await admin.getOptional(role)).toBeUndefined();
  });

  it('are deleted by the reaper with the expired environment', async () => {
    const pr = nextPr++;
    const { namespace, binding } = names(pr);
    const up = await runInProcess({
      inputs: { ...base, kubeconfig, ttl: '1m' },
      event: pullRequestEvent(repositoryId, pr),
    });
    expect(up.ok, String(up.error)).toBe(true);
    expect(await admin.getOptional(binding)).toBeDefined();
    const reap = await runInProcess({
      inputs: { mode: 'reap', kubeconfig },
      event: { name: 'schedule', payload: { repository: { id: Number(repositoryId) } } },
      clock: new ShiftedClock(2 * 60_000),
    });
    expect(reap.ok, String(reap.error)).toBe(true);
    expect(JSON.parse(reap.outputs.reaped ?? '{}').deleted).toContain(namespace);
    expect(await admin.getOptional(binding)).toBeUndefined();
  });

  it('an existing object of the same name that is not ours is refused, untouched, before the stack is applied', async () => {
    const pr = nextPr++;
    const { namespace, binding } = names(pr);
    const planted = await admin.request<KubeObject>({
      method: 'POST',
      path: `${RBAC}/clusterrolebindings`,
      body: {
        metadata: { name: `${namespace}-admin`, labels: { 'gauntlet.dev/environment': namespace } },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'User', name: 'someone-else' }],
      },
    });
    const run = await runInProcess({ inputs: { ...base, kubeconfig }, event: pullRequestEvent(repositoryId, pr) });
    expect(run.ok).toBe(false);
    expect(String(run.error)).toMatch(
      new RegExp(
        `ClusterRoleBinding/${namespace}-admin \\(cluster-scoped\\) already exists and was not created by this environment`,
      ),
    );
    const after = await admin.get(binding);
    expect(after.metadata?.uid).toBe(planted.metadata?.uid);
    expect(after.metadata?.resourceVersion).toBe(planted.metadata?.resourceVersion);
    // Nothing of the stack was applied, and the namespace this run created is gone again.
    // (The creation record of the namespace, in the records namespace, is the run's own bookkeeping, not the stack.)
    expect(
      run.requests.filter(
        (r) => r.method === 'PATCH' && r.path.startsWith(`/api/v1/namespaces/${namespace}/configmaps/`),
      ),
    ).toEqual([]);
    const left = await admin.getOptional(`/api/v1/namespaces/${namespace}`);
    expect(left === undefined || Boolean(left.metadata?.deletionTimestamp)).toBe(true);
  });

  it('one replaced since the apply is left alone; one recorded without its uid (killed mid-apply) is found by its marks', async () => {
    const pr = nextPr++;
    const { namespace, binding, role } = names(pr);
    const event = pullRequestEvent(repositoryId, pr);
    const up = await runInProcess({ inputs: { ...base, kubeconfig }, event });
    expect(up.ok, String(up.error)).toBe(true);
    // Someone replaces the binding (a new object, a new uid) ...
    await admin.request({ method: 'DELETE', path: binding });
    const replacement = await admin.request<KubeObject>({
      method: 'POST',
      path: `${RBAC}/clusterrolebindings`,
      body: {
        metadata: { name: `${namespace}-admin` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'User', name: 'someone-else' }],
      },
    });
    // ... and the record lost the role's uid, as when up is killed between the apply and the second record.
    const ns = await admin.get(`/api/v1/namespaces/${namespace}`);
    const record = (
      JSON.parse(ns.metadata?.annotations?.['gauntlet.dev/cluster-objects'] ?? '[]') as Array<Record<string, string>>
    ).map(({ uid: _uid, ...rest }) => rest);
    await admin.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${namespace}`,
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { 'gauntlet.dev/cluster-objects': JSON.stringify(record) } } },
    });
    const down = await runInProcess({
      inputs: { mode: 'down', kubeconfig, 'delete-timeout': '0', 'fail-on-stuck': 'false' },
      event,
    });
    expect(down.ok, String(down.error)).toBe(true);
    expect((await admin.get(binding)).metadata?.uid).toBe(replacement.metadata?.uid);
    expect(down.logger.text()).toMatch(/ClusterRoleBinding\/\S+ recorded by \S+ is no longer the object/);
    expect(await admin.getOptional(role)).toBeUndefined();
  });
});

/** The real clock moved forward: the reaper sees the environment past its expiry. */
class ShiftedClock implements Clock {
  constructor(private readonly shiftMs: number) {}
  now(): number {
    return Date.now() + this.shiftMs;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const until = Date.now() + Math.max(0, ms);
    return sleepUntilDone(() => until - Date.now(), signal);
  }
}
