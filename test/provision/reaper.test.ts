/**
 * NS-14: the reaper over a randomized inventory of namespaces — ours expired, ours live, ours for closed pull
 * requests, ours marked keep, ours whose lease claims a renewal (still due), foreign look-alikes with our name pattern and labels, another
 * repository's environments, kube-system and default — deletes exactly ours-and-due, through the real bundle and
 * the GitHub stand-in for pull request states. Then dry-run and the request budget.
 */
import { seededRandom } from '@gauntlet/action-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '@gauntlet/github-api-standin';
import { FaultProxy, getTestbed } from '@gauntlet/testbed';
import {
  type KubeClient,
  type KubeObject,
  annotations,
  environmentName,
  labels,
  ownershipMetadata,
  repositoryHash,
} from './kube-exports.js';
import {
  adminClient,
  cleanupRepository,
  ensureBuilt,
  randomRepositoryId,
  runBundle,
  trafficViolations,
} from './harness.js';

const tb = getTestbed();
const repositoryId = randomRepositoryId();
const otherRepositoryId = randomRepositoryId();
const size = Number(process.env.GAUNTLET_NS14_SIZE ?? 220);
let proxy: FaultProxy;
let kubeconfig: string;
let admin: KubeClient;
let github: GitHubStandIn;
const created: string[] = [];

beforeAll(async () => {
  ensureBuilt();
  proxy = await FaultProxy.forKubeconfig(tb.kubeconfig);
  kubeconfig = proxy.kubeConfig().exportConfig();
  admin = await adminClient(tb.kubeconfig);
  github = await startGitHubStandIn({ owner: 'acme', repo: 'shop' });
});

afterAll(async () => {
  for (const name of created)
    await admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${name}` }).catch(() => undefined);
  await cleanupRepository(admin, repositoryId);
  await cleanupRepository(admin, otherRepositoryId);
  admin.close();
  await proxy.close();
  await github.close();
});

type Kind =
  | 'expired'
  | 'live'
  | 'closed'
  | 'kept-expired'
  | 'renewed'
  | 'lookalike-labels'
  | 'lookalike-owner'
  | 'other-repo'
  | 'our-labels-other-id'
  | 'unrelated';
// 'renewed': expired, with a lease that claims a renewal. Due all the same: the lease is in the namespace, where a
// stack workload can be given write access to it, so the reaper takes expiry from the namespace only.
const due = new Set<Kind>(['expired', 'closed', 'renewed']);

const rng = seededRandom;

async function createNamespace(body: KubeObject): Promise<void> {
  await admin.request({ method: 'POST', path: '/api/v1/namespaces', body });
  created.push(body.metadata?.name as string);
}

describe('NS-14: the reaper over a randomized inventory', () => {
  const expected = new Map<string, Kind>();

  it(`builds an inventory of ${size} namespaces (seed 1414)`, async () => {
    const random = rng(1414);
    const now = Date.now();
    const kinds: Kind[] = [
      'expired',
      'live',
      'closed',
      'kept-expired',
      'renewed',
      'lookalike-labels',
      'lookalike-owner',
      'other-repo',
      'our-labels-other-id',
      'unrelated',
    ];
    let pr = 1;
    let ours = 0;
    for (let i = 0; i < size; i++) {
      // At most 90 of ours, so every live one's pull request can be looked up in one reaper run.
      let kind = kinds[Math.floor(random() * kinds.length)] as Kind;
      const isOurs = ['expired', 'live', 'closed', 'kept-expired', 'renewed'].includes(kind);
      if (isOurs && ours >= 90) kind = 'unrelated';
      const number = pr++;
      const identity = { repositoryId, target: { kind: 'pr' as const, number } };
      const past = { now: now - 4 * 86_400_000, ttlMs: 86_400_000 };
      const future = { now, ttlMs: 86_400_000 };
      let body: KubeObject;
      switch (kind) {
        case 'expired':
        case 'kept-expired':
        case 'renewed':
        case 'live':
        case 'closed': {
          ours++;
          const meta = ownershipMetadata(identity, kind === 'live' || kind === 'closed' ? future : past);
          if (kind === 'kept-expired') meta.labels[labels.keep] = 'true';
          body = { metadata: { name: environmentName(identity), ...meta } };
          github.seedPull(number, { state: kind === 'closed' ? 'closed' : 'open' });
          break;
        }
        case 'lookalike-labels': {
          const meta = ownershipMetadata(identity, past);
          body = { metadata: { name: environmentName(identity), labels: meta.labels } };
          break;
        }
        case 'lookalike-owner': {
          const meta = ownershipMetadata(identity, past);
          meta.annotations[annotations.owner] = `${repositoryId}/pr/${number + 100_000}`;
          body = { metadata: { name: environmentName(identity), ...meta } };
          break;
        }
        case 'other-repo': {
          const other = { repositoryId: otherRepositoryId, target: { kind: 'pr' as const, number } };
          body = { metadata: { name: environmentName(other), ...ownershipMetadata(other, past) } };
          break;
        }
        case 'our-labels-other-id': {
          const meta = ownershipMetadata(identity, past);
          meta.annotations[annotations.repositoryId] = otherRepositoryId;
          body = { metadata: { name: environmentName(identity), ...meta } };
          break;
        }
        case 'unrelated':
          body = {
            metadata: {
              name: `unrelated-${repositoryHash(repositoryId)}-${number}`,
              labels: { [labels.managedBy]: 'someone-else' },
            },
          };
          break;
      }
      await createNamespace(body);
      expected.set(body.metadata?.name as string, kind);
      if (kind === 'renewed') {
        const name = body.metadata?.name as string;
        await admin.request({
          method: 'POST',
          path: `/apis/coordination.k8s.io/v1/namespaces/${name}/leases`,
          body: {
            metadata: {
              name: 'gauntlet-environment',
              labels: { [labels.managedBy]: 'gauntlet-provision', [labels.repository]: repositoryHash(repositoryId) },
            },
            spec: {
              holderIdentity: 'test',
              renewTime: new Date(now).toISOString().replace('Z', '000Z'),
              leaseDurationSeconds: 86_400,
            },
          },
        });
      }
    }
    expect(expected.size).toBeGreaterThanOrEqual(200);
  });

  it('dry-run deletes nothing and names exactly the due environments', async () => {
    proxy.clearRequests();
    const run = await runBundle({
      inputs: { mode: 'reap', kubeconfig, 'dry-run': 'true', report: 'true', 'github-token': github.token },
      event: { name: 'schedule', payload: { repository: { id: Number(repositoryId) } } },
      env: { GITHUB_API_URL: github.url },
    });
    expect(run.main.exitCode, run.main.log.join('\n')).toBe(0);
    const reaped = JSON.parse(run.outputs.reaped ?? '{}') as { wouldDelete: string[]; deleted: string[] };
    const want = [...expected]
      .filter(([, kind]) => due.has(kind))
      .map(([name]) => name)
      .sort();
    expect(reaped.deleted).toEqual([]);
    expect([...reaped.wouldDelete].sort()).toEqual(want);
    expect(proxy.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(run.summary).toContain('dry run');
  });

  it('deletes exactly ours-and-due: precision and recall 100%', async () => {
    proxy.clearRequests();
    const run = await runBundle({
      inputs: { mode: 'reap', kubeconfig, report: 'true', 'github-token': github.token },
      event: { name: 'schedule', payload: { repository: { id: Number(repositoryId) } } },
      env: { GITHUB_API_URL: github.url },
    });
    expect(run.main.exitCode, run.main.log.join('\n')).toBe(0);
    const deletes = proxy.requests.filter((r) => r.method === 'DELETE').map((r) => r.path.split('/').at(-1) as string);
    const want = new Set([...expected].filter(([, kind]) => due.has(kind)).map(([name]) => name));
    const truePositives = deletes.filter((name) => want.has(name)).length;
    const precision = deletes.length === 0 ? 1 : truePositives / deletes.length;
    const recall = want.size === 0 ? 1 : truePositives / want.size;
    const kinds = [...expected.values()].reduce<Record<string, number>>(
      (acc, k) => ({ ...acc, [k]: (acc[k] ?? 0) + 1 }),
      {},
    );
    console.info(
      `NS-14: inventory ${expected.size} (${JSON.stringify(kinds)}); deleted ${deletes.length}; precision ${(precision * 100).toFixed(1)}%, recall ${(recall * 100).toFixed(1)}%; kube requests ${proxy.requests.length}`,
    );
    expect(precision).toBe(1);
    expect(recall).toBe(1);
    // Every namespace that was not due is untouched, including kube-system and default.
    for (const [name, kind] of expected) {
      const ns = await admin.getOptional<KubeObject>(`/api/v1/namespaces/${name}`);
      if (due.has(kind)) expect(ns === undefined || ns.metadata?.deletionTimestamp !== undefined, name).toBe(true);
      else expect(ns?.metadata?.deletionTimestamp, `${name} (${kind})`).toBeUndefined();
    }
    for (const system of ['kube-system', 'default'])
      expect((await admin.get<KubeObject>(`/api/v1/namespaces/${system}`)).metadata?.deletionTimestamp).toBeUndefined();
    // The request budget: two lists (paginated at most once more each), and per namespace reaped one delete and one
    // read of its creation record (none here is recorded, so no record delete).
    const gets = proxy.requests.filter((r) => r.method === 'GET');
    const recordReads = gets.filter((r) => r.path.includes('/configmaps/gauntlet-env-'));
    expect(recordReads.length).toBe(deletes.length);
    expect(gets.length - recordReads.length).toBeLessThanOrEqual(4);
    expect(trafficViolations(proxy.requests)).toEqual([]);
    expect(github.violations).toEqual([]);
  });
});
