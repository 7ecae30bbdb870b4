/**
 * The PR's manifests cannot weaken the guardrails (issue 10), against the real API server through the bundle:
 * - stack objects named like a guardrail or bookkeeping object (the quota raised to 100k pods and 50 load
 *   balancers, the default-deny policy turned allow-all, the lease renewed until 2099) are refused before anything
 *   is applied, as are stack objects carrying the action's ownership marks;
 * - guardrails changed by someone else between runs are put back on the next up (a changed field, an added field);
 * - a guardrail changed while the stack is being applied fails the run, and is re-asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '@gauntlet/action-kit/testing';
import { FaultProxy, getTestbed } from '@gauntlet/testbed';
import { type KubeClient, type KubeObject, environmentName, repositoryHash } from './kube-exports.js';
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

beforeAll(async () => {
  ensureBuilt();
  proxy = await FaultProxy.forKubeconfig(tb.kubeconfig);
  kubeconfig = proxy.kubeConfig().exportConfig();
  admin = await adminClient(tb.kubeconfig);
});

afterAll(async () => {
  await cleanupRepository(admin, repositoryId);
  admin.close();
  await proxy.close();
});

const base = {
  variables: `REPLICAS=1\nREPOSITORY_HASH=${repositoryHash(repositoryId)}`,
  timeout: '2m',
  'capacity-check': 'false',
  'max-environments': '0',
};
const withAttack = (file: string): string => `fixtures/small/*.yaml\nfixtures/attacks/${file}`;

const quotaPath = (ns: string): string => `/api/v1/namespaces/${ns}/resourcequotas/gauntlet-quota`;
const denyPath = (ns: string): string =>
  `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/gauntlet-default-deny`;

type Quota = { spec: { hard: Record<string, string> } };
type Policy = { spec: { ingress?: unknown[]; egress?: unknown[]; policyTypes?: string[] } };

describe('stack objects that collide with the guardrails are refused before anything is applied', () => {
  it.each([
    [
      'a ResourceQuota raising the quota to 100k pods and 50 load balancers',
      'quota.yaml',
      'ResourceQuota/gauntlet-quota',
    ],
    [
      'a NetworkPolicy turning default-deny into allow-all',
      'network-policy.yaml',
      'NetworkPolicy/gauntlet-default-deny',
    ],
    ['a Lease renewed until 2099', 'lease.yaml', 'Lease/gauntlet-environment'],
    ['a ResourceQuota carrying our ownership labels', 'copied-marks.yaml', 'ResourceQuota/not-ours'],
  ])('%s', async (_name, file, object) => {
    const pr = nextPr++;
    const namespace = environmentName({ repositoryId, target: { kind: 'pr', number: pr } });
    proxy.clearRequests();
    const run = await runBundle({
      inputs: { ...base, manifests: withAttack(file), kubeconfig },
      event: pullRequestEvent(repositoryId, pr),
    });
    const log = run.main.log.join('\n');
    expect(run.main.exitCode, log).not.toBe(0);
    // The error names the file, the document and the object.
    expect(log).toContain(`fixtures/attacks/${file}#1: ${object}`);
    // Nothing was applied: no namespace, and no write of any kind.
    expect(proxy.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(await admin.getOptional(`/api/v1/namespaces/${namespace}`)).toBeUndefined();
    expect(trafficViolations(proxy.requests)).toEqual([]);
  });

  it('the lease attack: a 1-minute environment does not outlive the reaper', async () => {
    const pr = nextPr++;
    const namespace = environmentName({ repositoryId, target: { kind: 'pr', number: pr } });
    await runBundle({
      inputs: { ...base, manifests: withAttack('lease.yaml'), kubeconfig, ttl: '1m' },
      event: pullRequestEvent(repositoryId, pr),
    });
    const reaped = await runInProcess({
      inputs: { mode: 'reap', kubeconfig },
      event: { name: 'schedule', payload: { repository: { id: Number(repositoryId) } } },
      clock: new FakeClock({ start: Date.now() + 5 * 60_000 }),
    });
    expect(reaped.ok, String(reaped.error)).toBe(true);
    const ns = await admin.getOptional<KubeObject>(`/api/v1/namespaces/${namespace}`);
    expect(ns === undefined || ns.metadata?.deletionTimestamp !== undefined).toBe(true);
  });
});

describe('the reaper takes expiry from what the stack cannot write', () => {
  it('a workload renewing the real lease until 2099 does not keep a 1-minute environment; a re-up does', async () => {
    const pr = nextPr++;
    const event = pullRequestEvent(repositoryId, pr);
    const first = await runInProcess({
      inputs: { ...base, manifests: 'fixtures/small/*.yaml', kubeconfig, ttl: '1m' },
      event,
    });
    expect(first.ok, String(first.error)).toBe(true);
    const namespace = environmentName({ repositoryId, target: { kind: 'pr', number: pr } });
    const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/gauntlet-environment`;
    // What a stack workload does once a stack Role grants it update on leases (another field manager).
    await admin.request({
      method: 'PATCH',
      path: leasePath,
      query: { fieldManager: 'stack-workload' },
      contentType: 'application/merge-patch+json',
      body: { spec: { renewTime: '2099-01-01T00:00:00.000000Z', leaseDurationSeconds: 86_400 } },
    });
    const reapAt = (ms: number) =>
      runInProcess({
        inputs: { mode: 'reap', kubeconfig, 'dry-run': 'true', 'reap-closed': 'false' },
        event: { name: 'schedule', payload: { repository: { id: Number(repositoryId) } } },
        clock: new FakeClock({ start: Date.now() + ms }),
      });
    const dry = await reapAt(5 * 60_000);
    expect(dry.ok, String(dry.error)).toBe(true);
    const reaped = JSON.parse(dry.outputs['reaped'] ?? '{}') as { wouldDelete?: string[] };
    expect(reaped.wouldDelete).toContain(namespace);
    expect(dry.logger.text()).toMatch(/its lease claims 2099-01-0\S+, ignored/);
    // A second up (ttl 1h) renews the namespace's own expires-at: five minutes on, it is live.
    const before = (await admin.get<KubeObject>(`/api/v1/namespaces/${namespace}`)).metadata?.annotations?.[
      'gauntlet.dev/expires-at'
    ];
    const again = await runInProcess({
      inputs: { ...base, manifests: 'fixtures/small/*.yaml', kubeconfig, ttl: '1h' },
      event,
    });
    expect(again.ok, String(again.error)).toBe(true);
    const after = (await admin.get<KubeObject>(`/api/v1/namespaces/${namespace}`)).metadata?.annotations?.[
      'gauntlet.dev/expires-at'
    ];
    expect(Date.parse(after ?? '')).toBeGreaterThan(Date.parse(before ?? ''));
    const live = await reapAt(5 * 60_000);
    expect(JSON.parse(live.outputs['reaped'] ?? '{}').wouldDelete ?? []).not.toContain(namespace);
  });
});

describe('guardrails changed by someone else are put back', () => {
  it('on the next up: a changed quota and an allow-all rule added to the default-deny policy', async () => {
    const pr = nextPr++;
    const event = pullRequestEvent(repositoryId, pr);
    const first = await runBundle({ inputs: { ...base, manifests: 'fixtures/small/*.yaml', kubeconfig }, event });
    expect(first.main.exitCode, first.main.log.join('\n')).toBe(0);
    const namespace = first.outputs.namespace as string;
    const quotaBefore = await admin.get<Quota & KubeObject>(quotaPath(namespace));
    // Someone with access to the namespace (another field manager) raises the quota and opens the policy.
    await admin.request({
      method: 'PATCH',
      path: quotaPath(namespace),
      query: { fieldManager: 'kubectl-edit' },
      contentType: 'application/merge-patch+json',
      body: { spec: { hard: { pods: '100000', 'services.loadbalancers': '50' } } },
    });
    await admin.request({
      method: 'PATCH',
      path: denyPath(namespace),
      query: { fieldManager: 'kubectl-edit' },
      contentType: 'application/merge-patch+json',
      body: { spec: { ingress: [{}], egress: [{}] } },
    });
    const second = await runBundle({ inputs: { ...base, manifests: 'fixtures/small/*.yaml', kubeconfig }, event });
    const log = second.main.log.join('\n');
    expect(second.main.exitCode, log).toBe(0);
    expect(log).toMatch(/guardrail re-asserted: resourcequota\/gauntlet-quota: .*kubectl-edit/);
    expect(log).toMatch(/guardrail re-asserted: networkpolicy\/gauntlet-default-deny: .*ingress.*kubectl-edit/);
    const quota = await admin.get<Quota & KubeObject>(quotaPath(namespace));
    expect(quota.spec.hard).toEqual(quotaBefore.spec.hard);
    expect(quota.metadata?.uid).toBe(quotaBefore.metadata?.uid);
    const policy = await admin.get<Policy>(denyPath(namespace));
    expect(policy.spec.ingress).toBeUndefined();
    expect(policy.spec.egress).toBeUndefined();
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    // A third run finds nothing to repair, and changes nothing.
    const policyVersion = (await admin.get<KubeObject>(denyPath(namespace))).metadata?.resourceVersion;
    proxy.clearRequests();
    const third = await runBundle({ inputs: { ...base, manifests: 'fixtures/small/*.yaml', kubeconfig }, event });
    expect(third.main.exitCode, third.main.log.join('\n')).toBe(0);
    expect(third.main.log.join('\n')).not.toMatch(/re-asserted/);
    expect((await admin.get<KubeObject>(denyPath(namespace))).metadata?.resourceVersion).toBe(policyVersion);
    expect(trafficViolations(proxy.requests)).toEqual([]);
  });

  it('while the stack is applied: the run fails, names the guardrail, and re-asserts it', async () => {
    const pr = nextPr++;
    const namespace = environmentName({ repositoryId, target: { kind: 'pr', number: pr } });
    proxy.clearRules();
    proxy.clearRequests();
    // The stack's Deployment apply is held for a while; meanwhile the quota is raised behind the action's back.
    proxy.addRule({
      name: 'hold-deployment',
      method: 'PATCH',
      path: /\/deployments\/api$/,
      times: 1,
      delayMs: 3_000,
      action: { type: 'forward' },
    });
    const tamper = (async () => {
      for (let i = 0; i < 1_000; i++) {
        if (proxy.requests.some((r) => r.fault === 'hold-deployment')) {
          await admin.request({
            method: 'PATCH',
            path: quotaPath(namespace),
            query: { fieldManager: 'mallory' },
            contentType: 'application/merge-patch+json',
            body: { spec: { hard: { pods: '100000' } } },
          });
          return true;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      return false;
    })();
    const run = await runBundle({
      inputs: { ...base, manifests: 'fixtures/small/*.yaml', kubeconfig },
      event: pullRequestEvent(repositoryId, pr),
    });
    proxy.clearRules();
    expect(await tamper).toBe(true);
    const log = run.main.log.join('\n');
    expect(run.main.exitCode, log).not.toBe(0);
    expect(log).toMatch(
      /the guardrails changed while the stack was applied: resourcequota\/gauntlet-quota was changed/,
    );
    expect(run.outputs.status).toBe('failed');
    // The quota was put back (taken back from mallory's field manager) after the stack, and the environment this
    // run created was torn down.
    const tamperedAt = proxy.requests.find((r) => r.fault === 'hold-deployment')?.seq ?? 0;
    const reasserted = proxy.requests.filter(
      (r) => r.path === quotaPath(namespace) && r.method === 'PATCH' && r.seq > tamperedAt,
    );
    expect(reasserted.map((r) => r.query.force?.[0] ?? 'false')).toEqual(['false', 'true']);
    const ns = await admin.getOptional<KubeObject>(`/api/v1/namespaces/${namespace}`);
    expect(ns === undefined || ns.metadata?.deletionTimestamp !== undefined).toBe(true);
  });
});
