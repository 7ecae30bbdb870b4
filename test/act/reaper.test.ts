/**
 * workflows-examples/provision-reaper.yml, unchanged, under nektos/act against the test bed's real API server, over
 * a small inventory of namespaces: this repository's environments expired, live, for a closed pull request, marked
 * keep, and another repository's expired one (same labels, other repository id: never ours to touch).
 * - manual run (workflow_dispatch, dry-run left at its default true): the reaped output names exactly the due
 *   environments as wouldDelete, deletes nothing, and the Summary step prints it with jq;
 * - the hourly schedule: deletes exactly the expired and the closed ones; the live, kept and foreign ones stay.
 */
import { readFileSync } from 'node:fs';
import {
  scheduleEvent,
  startShopScenario,
  workflowDispatchEvent,
  type ShopScenario,
  type WorkflowRunResult,
} from '@gauntlet/act-harness';
import { getTestbed } from '@gauntlet/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, cleanupRepository, randomRepositoryId, seedEnvironment } from '../provision/harness.js';
import {
  environmentName,
  labels,
  ownershipMetadata,
  type KubeClient,
  type KubeObject,
} from '../provision/kube-exports.js';

let scenario: ShopScenario;
let admin: KubeClient;
const repoId = randomRepositoryId();
const otherRepoId = randomRepositoryId();

type Kind = 'expired' | 'live' | 'closed' | 'kept' | 'foreign';
const inventory = new Map<string, Kind>();
const due = (kind: Kind) => kind === 'expired' || kind === 'closed';

beforeAll(async () => {
  scenario = await startShopScenario({ label: 'provision-reaper.yml', seed: 31 });
  await scenario.repo.checkout('main');
  admin = await adminClient(getTestbed().kubeconfig);

  const now = Date.now();
  const past = { now: now - 4 * 86_400_000, ttlMs: 86_400_000 };
  const future = { now, ttlMs: 86_400_000 };
  const kinds: Kind[] = ['expired', 'live', 'closed', 'kept', 'foreign', 'expired', 'live'];
  for (const [i, kind] of kinds.entries()) {
    const number = 300 + i;
    const identity = {
      repositoryId: kind === 'foreign' ? otherRepoId : repoId,
      target: { kind: 'pr' as const, number },
    };
    const meta = ownershipMetadata(identity, kind === 'live' || kind === 'closed' ? future : past);
    if (kind === 'kept') meta.labels[labels.keep] = 'true';
    const body: KubeObject = { metadata: { name: environmentName(identity), ...meta } };
    // Ours as an earlier up leaves them: the namespace and its creation record.
    if (kind === 'foreign') await admin.request({ method: 'POST', path: '/api/v1/namespaces', body });
    else await seedEnvironment(admin, repoId, body);
    inventory.set(body.metadata!.name!, kind);
    scenario.gh.seedPull(number, { state: kind === 'closed' ? 'closed' : 'open' });
  }
}, 600_000);

afterAll(async () => {
  if (admin) {
    await cleanupRepository(admin, repoId);
    await cleanupRepository(admin, otherRepoId);
    admin.close();
  }
  await scenario?.close();
});

function secrets(): Record<string, string> {
  return { PREVIEW_KUBECONFIG: readFileSync(getTestbed().kubeconfig, 'utf8') };
}

interface Reaped {
  deleted: string[];
  wouldDelete: string[];
  failed: unknown[];
}

function reapedOutput(run: WorkflowRunResult): Reaped {
  const reap = run.job('reap');
  expect(reap.conclusion, reap.log.slice(-40).join('\n')).toBe('success');
  const outputs = Object.values(reap.outputs).find((o) => o['reaped'] !== undefined);
  expect(outputs, JSON.stringify(reap.outputs)).toBeDefined();
  return JSON.parse(outputs!['reaped']!) as Reaped;
}

async function alive(name: string): Promise<boolean> {
  const ns = await admin.getOptional<KubeObject>(`/api/v1/namespaces/${name}`);
  return ns !== undefined && ns.metadata?.deletionTimestamp === undefined;
}

const dueNames = () =>
  [...inventory]
    .filter(([, kind]) => due(kind))
    .map(([name]) => name)
    .sort();

describe('provision-reaper.yml under act', () => {
  it('manual run with the default dry-run: names the due environments, deletes nothing, prints the summary', async () => {
    const run = await scenario.harness.run({
      workflow: 'provision-reaper.yml',
      repo: scenario.repo,
      event: 'workflow_dispatch',
      // GitHub fills in the input's default (true) when the run is started from the UI without changing it.
      payload: workflowDispatchEvent(scenario.repo, { 'dry-run': 'true' }, { repoId: Number(repoId) }),
      cacheDir: scenario.cacheDir,
      secrets: secrets(),
    });
    const reaped = reapedOutput(run);
    expect(reaped.deleted).toEqual([]);
    expect([...reaped.wouldDelete].sort()).toEqual(dueNames());
    for (const name of inventory.keys()) expect(await alive(name), name).toBe(true);
    // The Summary step pretty-prints the output with jq: the user sees the same names in the log.
    const summaryLog = run.job('reap').log.join('\n');
    for (const name of dueNames()) expect(summaryLog).toContain(`"${name}"`);
    expect(scenario.gh.violations).toEqual([]);
  }, 600_000);

  it('the hourly schedule: deletes exactly the expired and closed ones; live, kept and foreign ones stay', async () => {
    const run = await scenario.harness.run({
      workflow: 'provision-reaper.yml',
      repo: scenario.repo,
      event: 'schedule',
      payload: scheduleEvent(scenario.repo, '17 * * * *', { repoId: Number(repoId) }),
      cacheDir: scenario.cacheDir,
      secrets: secrets(),
    });
    const reaped = reapedOutput(run);
    expect([...reaped.deleted].sort()).toEqual(dueNames());
    expect(reaped.failed).toEqual([]);
    for (const [name, kind] of inventory) expect(await alive(name), `${name} (${kind})`).toBe(!due(kind));
    expect(scenario.gh.violations).toEqual([]);
  }, 600_000);
});
