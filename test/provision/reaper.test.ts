/**
 * NS-14: the reaper over a randomized inventory of namespaces — ours expired, ours live, ours for closed pull
 * requests, ours marked keep, ours whose lease claims a renewal (still due), foreign look-alikes with our name
 * pattern and labels, perfect forgeries (every mark copied, expired) with no creation record or the record of an
 * earlier namespace of the name, another repository's environments, kube-system and default — deletes exactly
 * ours-and-due, through the real bundle and the GitHub stand-in for pull request states. "Ours" is what an earlier up
 * leaves: the namespace and its creation record. Creation records whose namespace is gone are deleted (this
 * repository's only). Then dry-run and the request budget.
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
  RECORDS_NAMESPACE,
  adminClient,
  cleanupRepository,
  ensureBuilt,
  randomRepositoryId,
  runBundle,
  seedEnvironment,
  trafficViolations,
  writeRecord,
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
  | 'forged-expired'
  | 'forged-reborn'
  | 'unrelated';
// 'renewed': expired, with a lease that claims a renewal. Due all the same: the lease is in the namespace, where a
// stack workload can be given write access to it, so the reaper takes expiry from the namespace only.
const due = new Set<Kind>(['expired', 'closed', 'renewed']);

const rng = seededRandom;

async function createNamespace(body: KubeObject, record: boolean): Promise<KubeObject> {
  created.push(body.metadata?.name as string);
  if (record) return seedEnvironment(admin, repositoryId, body);
  return admin.request<KubeObject>({ method: 'POST', path: '/api/v1/namespaces', body });
}

const recordPath = (namespace: string): string =>
  `/api/v1/namespaces/${RECORDS_NAMESPACE}/configmaps/gauntlet-env-${namespace}`;

describe('NS-14: the reaper over a randomized inventory', () => {
  const expected = new Map<string, Kind>();
  /** Records whose namespace is gone: this repository's (to be deleted) and another's (never ours to touch). */
  const orphans: string[] = [];
  let foreignOrphan = '';

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
      'forged-expired',
      'forged-reborn',
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
        case 'forged-expired':
        case 'forged-reborn':
          body = { metadata: { name: environmentName(identity), ...ownershipMetadata(identity, past) } };
          break;
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
      const recorded = ['expired', 'live', 'closed', 'kept-expired', 'renewed'].includes(kind);
      const namespace = await createNamespace(body, recorded);
      expected.set(body.metadata?.name as string, kind);
      // The record of an earlier namespace of this name, deleted since: it proves nothing about this one.
      if (kind === 'forged-reborn') {
        await writeRecord(admin, repositoryId, namespace, `deleted-${number}`);
        orphans.push(`gauntlet-env-${namespace.metadata?.name}`);
      }
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
    const gone = environmentName({ repositoryId, target: { kind: 'pr', number: 99_999 } });
    await writeRecord(admin, repositoryId, { metadata: { name: gone } }, 'gone-uid');
    orphans.push(`gauntlet-env-${gone}`);
    foreignOrphan = environmentName({ repositoryId: otherRepositoryId, target: { kind: 'pr', number: 99_999 } });
    await writeRecord(admin, otherRepositoryId, { metadata: { name: foreignOrphan } }, 'gone-uid');
    expect(expected.size).toBeGreaterThanOrEqual(200);
    expect([...expected.values()].filter((k) => k.startsWith('forged')).length).toBeGreaterThan(10);
  });

  it('dry-run deletes nothing and names exactly the due environments', async () => {
    proxy.clearRequests();
    const run = await runBundle({
      inputs: { mode: 'reap', kubeconfig, 'dry-run': 'true', report: 'true', 'github-token': github.token },
      event: { name: 'schedule', payload: { repository: { id: Number(repositoryId) } } },
      env: { GITHUB_API_URL: github.url },
    });
    expect(run.main.exitCode, run.main.log.join('\n')).toBe(0);
    const reaped = JSON.parse(run.outputs.reaped ?? '{}') as {
      wouldDelete: string[];
      deleted: string[];
      unproven: string[];
      orphanRecords: string[];
    };
    const want = [...expected]
      .filter(([, kind]) => due.has(kind))
      .map(([name]) => name)
      .sort();
    expect(reaped.deleted).toEqual([]);
    expect([...reaped.wouldDelete].sort()).toEqual(want);
    // The perfect forgeries are due by their marks, and left: nothing proves them ours.
    const forged = [...expected].filter(([, kind]) => kind.startsWith('forged')).map(([name]) => name);
    expect([...reaped.unproven].sort()).toEqual(forged.sort());
    expect([...reaped.orphanRecords].sort()).toEqual([...orphans].sort());
    expect(run.main.log.join('\n')).toMatch(
      /reaper: namespace \S+ is left: due, but nothing proves this action created it \(there is no creation record of it/,
    );
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
    const deleted = proxy.requests.filter((r) => r.method === 'DELETE');
    const deletes = deleted.filter((r) => r.path.startsWith('/api/v1/namespaces/') && r.path.split('/').length === 5);
    const recordDeletes = deleted.filter((r) => r.path.includes('/configmaps/')).map((r) => r.path.split('/').at(-1));
    expect(deletes.length + recordDeletes.length).toBe(deleted.length);
    const namespaceDeletes = deletes.map((r) => r.path.split('/').at(-1) as string);
    const want = new Set([...expected].filter(([, kind]) => due.has(kind)).map(([name]) => name));
    const truePositives = namespaceDeletes.filter((name) => want.has(name)).length;
    const precision = namespaceDeletes.length === 0 ? 1 : truePositives / namespaceDeletes.length;
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
    // Every reaped namespace's record went with it, and so did exactly this repository's orphaned records.
    expect([...recordDeletes].sort()).toEqual(
      [...namespaceDeletes.map((name) => `gauntlet-env-${name}`), ...orphans].sort(),
    );
    for (const name of namespaceDeletes) expect(await admin.getOptional(recordPath(name))).toBeUndefined();
    expect(await admin.getOptional(recordPath(foreignOrphan))).toBeDefined();
    // The request budget: three lists (paginated at most once more each); per namespace reaped its delete and its
    // record's, no read; one read of the namespace of an orphan candidate not listed (the one whose namespace is gone).
    const gets = proxy.requests.filter((r) => r.method === 'GET');
    expect(gets.filter((r) => r.path.includes('/configmaps/gauntlet-env-'))).toEqual([]);
    expect(gets.length).toBeLessThanOrEqual(6 + 1);
    expect(trafficViolations(proxy.requests)).toEqual([]);
    expect(github.violations).toEqual([]);
  });
});
