/**
 * workflows-examples/shard-kubernetes.yml, unchanged, under nektos/act against the test bed (kwok API server):
 * - the PR is opened: the e2e job provisions the `e2e` environment, plans the Playwright suite, runs it as an Indexed
 *   Job in that namespace (the shard pods' container is ShardPodSimulator: the pod's real /gauntlet/run.sh, with its
 *   env, on this machine, in a copy of the shop with its dependencies installed, playing the e2e image), merges and
 *   reports: every test passes, the pods ran on the spot node (node-selector and toleration honoured) under the
 *   environment's quota and LimitRange, the run's Job and ConfigMaps are deleted, and the report is two check runs
 *   and one sticky comment with 0 OpenAPI violations;
 * - the PR is closed: only the teardown job runs, and the environment is gone.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { pullRequestEvent, startShopScenario, type FixtureRepo, type ShopScenario } from '@gauntlet/act-harness';
import { getTestbed, nodeKeys } from '@gauntlet/testbed';
import type { KubeClient } from '@gauntlet/kube';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, cleanupRepository, environmentsOf, randomRepositoryId } from '../provision/harness.js';
import { ShardPodSimulator } from '../shard-and-run/kwok-pods.js';
import { eventually } from '../support/polling.js';

const run = promisify(execFile);
const PR = 51;

let scenario: ShopScenario;
let image: FixtureRepo;
let admin: KubeClient;
const repoId = randomRepositoryId();

beforeAll(async () => {
  scenario = await startShopScenario({ label: 'shard-kubernetes.yml', seed: 51, pr: PR });
  admin = await adminClient(getTestbed().kubeconfig);
  // The e2e image's contents: the shop at the PR's head with its dependencies (Playwright's test runner) installed.
  image = await scenario.harness.repo('shop');
  scenario.harness.progress('shard-kubernetes: npm ci in the e2e image stand-in');
  await run(path.join(scenario.harness.tools.nodeBin, 'npm'), ['ci', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: image.dir,
    env: { ...process.env, PATH: scenario.harness.tools.path() },
  });
}, 600_000);

afterAll(async () => {
  if (admin) {
    await cleanupRepository(admin, repoId);
    admin.close();
  }
  await scenario?.close();
});

function secrets(): Record<string, string> {
  return { PREVIEW_KUBECONFIG: readFileSync(getTestbed().kubeconfig, 'utf8') };
}

const commentsOnPr = () => scenario.commentsOn();

/** Starts the shard pods' container runtime in the environment's namespace as soon as the workflow creates it. */
async function podsOnceTheEnvironmentExists(signal: AbortSignal): Promise<ShardPodSimulator | undefined> {
  while (!signal.aborted) {
    const namespace = (await environmentsOf(admin, repoId).catch(() => []))[0]?.metadata?.name;
    if (namespace) return ShardPodSimulator.start(getTestbed().kubeconfig, namespace, image.dir);
    await new Promise((r) => setTimeout(r, 250));
  }
  return undefined; // the run ended without creating the environment (its assertions say why)
}

describe('shard-kubernetes.yml under act', () => {
  let namespace = '';

  it('opened: environment, Indexed Job on the spot node, merge and report; the run cleans up after itself', async () => {
    await scenario.repo.checkout('pr');
    const done = new AbortController();
    const pods = podsOnceTheEnvironmentExists(done.signal);
    pods.catch(() => undefined);
    let sim: ShardPodSimulator | undefined;
    try {
      const result = await scenario.harness.run({
        workflow: 'shard-kubernetes.yml',
        repo: scenario.repo,
        event: 'pull_request',
        payload: pullRequestEvent(scenario.repo, { number: PR, action: 'opened', repoId: Number(repoId) }),
        cacheDir: scenario.cacheDir,
        secrets: secrets(),
      });
      done.abort();
      sim = await pods;
      expect(sim, 'the environment namespace was never created').toBeDefined();
      const e2e = result.job('e2e');
      expect(e2e.conclusion, e2e.log.slice(-60).join('\n')).toBe('success');
      expect(result.jobs.filter((j) => j.conclusion !== 'skipped').map((j) => j.id)).toEqual(['e2e']);

      const env = Object.values(e2e.outputs).find((o) => o['namespace'] !== undefined)!;
      namespace = env['namespace']!;
      expect(namespace).toMatch(/^e2e-pr-[0-9a-f]{6}-51$/);
      const tests = Object.values(e2e.outputs).find((o) => o['tests'] !== undefined)!;
      expect(tests).toMatchObject({ tests: '4', passed: '4', failed: '0', conclusion: 'success' });

      // Every shard pod ran its command to a clean exit, on the spot node the example selects and tolerates.
      expect(sim!.pods.length).toBeGreaterThanOrEqual(1);
      for (const pod of sim!.pods) {
        expect(pod.exitCode, pod.output).toBe(0);
        expect(pod.node).toBe('kwok-spot-0');
      }
      const spot = await admin.get<{ metadata: { labels: Record<string, string> } }>('/api/v1/nodes/kwok-spot-0');
      expect(spot.metadata.labels[nodeKeys.capacityType]).toBe('spot');

      // The run's objects are gone once the job ends (the environment itself stays until the PR closes).
      await eventually(
        'the run deletes its Job and ConfigMaps',
        async () => {
          for (const collection of ['apis/batch/v1/namespaces/NS/jobs', 'api/v1/namespaces/NS/configmaps']) {
            const list = await admin.list(`/${collection.replace('NS', namespace)}`, {
              labelSelector: 'gauntlet.dev/managed-by=shard-and-run',
            });
            if (list.items.some((o) => o.metadata?.deletionTimestamp === undefined)) return undefined;
          }
          return true;
        },
        120_000,
      );

      const checks = scenario.gh.store.checkRuns.filter((c) => c.head_sha === scenario.repo.prHeadSha);
      expect(checks.map((c) => [c.name, c.status, c.conclusion]).sort()).toEqual([
        ['Ephemeral environment', 'completed', 'success'],
        ['Tests', 'completed', 'success'],
      ]);
      expect(commentsOnPr()).toHaveLength(1);
      const body = commentsOnPr()[0]!.body;
      expect(body).toContain(namespace);
      expect(body).toContain('Ran as Kubernetes Job');
      expect(scenario.gh.violations).toEqual([]);
    } finally {
      done.abort();
      await (sim ?? (await pods.catch(() => undefined)))?.stop();
    }
  }, 900_000);

  it('closed: only the teardown runs, and the environment is gone', async () => {
    expect(namespace).not.toBe('');
    scenario.gh.seedPull(PR, { headSha: scenario.repo.prHeadSha, state: 'closed' });
    const result = await scenario.harness.run({
      workflow: 'shard-kubernetes.yml',
      repo: scenario.repo,
      event: 'pull_request',
      payload: pullRequestEvent(scenario.repo, { number: PR, action: 'closed', repoId: Number(repoId) }),
      cacheDir: scenario.cacheDir,
      secrets: secrets(),
    });
    expect(result.jobs.filter((j) => j.conclusion !== 'skipped').map((j) => j.id)).toEqual(['teardown']);
    expect(result.job('teardown').conclusion, result.job('teardown').log.slice(-30).join('\n')).toBe('success');
    await eventually(
      `namespace ${namespace} gone`,
      async () => (await admin.getOptional(`/api/v1/namespaces/${namespace}`)) === undefined,
      120_000,
    );
    expect(commentsOnPr()).toHaveLength(1);
    expect(commentsOnPr()[0]!.body).toContain('Torn down');
    expect(scenario.gh.violations).toEqual([]);
  }, 600_000);
});
