/**
 * workflows-examples/pipeline.yml, unchanged, under nektos/act on the test bed (kwok API server and Prometheus):
 * - the PR is opened: environment → plan (pytest's own listing) → matrix shards → merge → SLO gate, every job
 *   succeeds; the SLO gate PASSES on the healthy environment: the shop API's metrics (a loopback sample service
 *   scraped by the test bed's Prometheus with the PR namespace's label, as Prometheus would scrape the pods) and
 *   PROMETHEUS_URL a Prometheus address the runner reaches (host mode: loopback);
 * - the report is three check runs and ONE sticky comment, with 0 OpenAPI violations;
 * - the PR is closed: only the teardown job runs, and the namespace the pipeline created is gone.
 */
import { readFileSync } from 'node:fs';
import { ActHarness, pullRequestEvent, type FixtureRepo } from '@gauntlet/act-harness';
import { startGitHubStandIn, type GitHubStandIn } from '@gauntlet/github-api-standin';
import { startSampleService, type SampleService } from '@gauntlet/slo';
import { getTestbed } from '@gauntlet/testbed';
import type { KubeClient } from '@gauntlet/kube';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, cleanupRepository, environmentsOf, randomRepositoryId } from '../provision/harness.js';
import { eventually } from '../support/polling.js';

let gh: GitHubStandIn;
let harness: ActHarness;
let repo: FixtureRepo;
let cacheDir: string;
let admin: KubeClient;
let shopApi: SampleService;
let traffic: NodeJS.Timeout | undefined;
const scrapeTargets: string[] = [];
const repoId = randomRepositoryId();
const PR = 21;

beforeAll(async () => {
  gh = await startGitHubStandIn({ seed: 21, owner: 'acme', repo: 'shop' });
  harness = await ActHarness.start({ github: gh });
  repo = await harness.repo('shop');
  gh.seedPull(PR, { headSha: repo.prHeadSha });
  cacheDir = await harness.cacheDir('shop');
  admin = await adminClient(getTestbed().kubeconfig);
  // The shop API of the environment: healthy traffic (0.1 % errors, ~40 ms), metrics named as slos/shop.yaml reads.
  shopApi = await startSampleService({ prefix: 'shop' });
  traffic = setInterval(() => shopApi.record(20, Math.random() < 0.02 ? 1 : 0, 30 + Math.random() * 20), 1000);
}, 600_000);

afterAll(async () => {
  const summary = harness?.summary();
  if (summary) process.stderr.write(`[act] pipeline.yml runs: ${JSON.stringify(summary)}\n`);
  if (traffic) clearInterval(traffic);
  for (const name of scrapeTargets) getTestbed().removeScrapeTarget(name);
  await shopApi?.close();
  if (admin) {
    await cleanupRepository(admin, repoId);
    admin.close();
  }
  await harness?.close();
  await gh?.close();
});

function secrets(): Record<string, string> {
  return { PREVIEW_KUBECONFIG: readFileSync(getTestbed().kubeconfig, 'utf8') };
}

function commentsOnPr() {
  return gh.store.comments.filter((c) => c.issue_url.endsWith(`/issues/${PR}`));
}

/**
 * What Prometheus's Kubernetes service discovery does for the PR's pods: once the environment's namespace exists,
 * its shop API is scraped with the namespace label. (kwok pods run nothing, so a loopback service plays the API.)
 */
function scrapeTheEnvironmentOnceItExists(signal: AbortSignal): Promise<string> {
  return eventually(
    'the pipeline creates the environment namespace',
    async () => {
      if (signal.aborted) throw new Error('run over');
      const name = (await environmentsOf(admin, repoId))[0]?.metadata?.name;
      if (!name) return undefined;
      const target = `act-pipeline-${name}`;
      getTestbed().addScrapeTarget(target, [`127.0.0.1:${shopApi.port}`], { namespace: name });
      scrapeTargets.push(target);
      return name;
    },
    600_000,
  );
}

describe('pipeline.yml under act', () => {
  let namespace = '';

  it('opened: environment, plan, shards, merge and a passing SLO gate; three check runs and one comment', async () => {
    await repo.checkout('pr');
    const done = new AbortController();
    const scraped = scrapeTheEnvironmentOnceItExists(done.signal);
    scraped.catch(() => undefined);
    const run = await harness.run({
      workflow: 'pipeline.yml',
      repo,
      event: 'pull_request',
      payload: pullRequestEvent(repo, { number: PR, action: 'opened', repoId: Number(repoId) }),
      cacheDir,
      secrets: secrets(),
      vars: { PROMETHEUS_URL: getTestbed().prometheusUrl, PROMETHEUS_SCRAPE_INTERVAL: '1s' },
    });
    done.abort();
    const tail = (id: string) =>
      run.jobs
        .filter((j) => j.id === id)
        .flatMap((j) => j.log.slice(-30))
        .join('\n');
    for (const id of ['environment', 'plan', 'merge', 'slo-gate'])
      expect(run.job(id).conclusion, `${id}:\n${tail(id)}`).toBe('success');
    expect(run.jobs.filter((j) => j.conclusion !== 'skipped').map((j) => j.id)).not.toContain('teardown');

    const envOutputs = Object.values(run.job('environment').outputs).find((o) => o['namespace'] !== undefined)!;
    namespace = envOutputs['namespace']!;
    expect(namespace).toMatch(/^shop-pr-[0-9a-f]{6}-21$/);
    expect(envOutputs['status']).toBe('ready');
    expect(await scraped).toBe(namespace);
    expect((await environmentsOf(admin, repoId)).map((n) => n.metadata?.name)).toEqual([namespace]);

    const plan = run.job('plan');
    expect(plan.log.join('\n')).toContain('No timings in the Actions cache yet');
    const matrix = JSON.parse(plan.outputs['plan']!['matrix']!) as { shard: number[]; shardTotal: number[] };
    expect(matrix.shard.length).toBeGreaterThanOrEqual(1);
    for (const shard of matrix.shard) expect(run.job('test', { shard }).conclusion, tail('test')).toBe('success');
    const merged = Object.values(run.job('merge').outputs).find((o) => o['tests'] !== undefined)!;
    expect(merged).toMatchObject({ failed: '0', conclusion: 'success' });
    expect(Number(merged['tests'])).toBeGreaterThan(0);

    const gate = run.job('slo-gate');
    const gateOutputs = Object.values(gate.outputs).find((o) => o['verdict'] !== undefined)!;
    expect(gateOutputs['verdict'], tail('slo-gate')).toBe('pass');

    const checks = gh.store.checkRuns.filter((c) => c.head_sha === repo.prHeadSha);
    expect(checks.map((c) => [c.name, c.status, c.conclusion]).sort()).toEqual([
      ['Ephemeral environment', 'completed', 'success'],
      ['SLOs', 'completed', 'success'],
      ['Tests', 'completed', 'success'],
    ]);
    expect(commentsOnPr()).toHaveLength(1);
    const body = commentsOnPr()[0]!.body;
    expect(body).toContain(namespace);
    expect(body).toContain(`${merged['tests']} tests`);
    expect(gh.violations).toEqual([]);
  }, 900_000);

  it('closed: only the teardown runs, and the namespace the pipeline created is gone', async () => {
    expect(namespace).not.toBe('');
    gh.seedPull(PR, { headSha: repo.prHeadSha, state: 'closed' });
    const run = await harness.run({
      workflow: 'pipeline.yml',
      repo,
      event: 'pull_request',
      payload: pullRequestEvent(repo, { number: PR, action: 'closed', merged: true, repoId: Number(repoId) }),
      cacheDir,
      secrets: secrets(),
      vars: { PROMETHEUS_URL: getTestbed().prometheusUrl },
    });
    expect(run.jobs.filter((j) => j.conclusion !== 'skipped').map((j) => j.id)).toEqual(['teardown']);
    expect(run.job('teardown').conclusion, run.job('teardown').log.slice(-30).join('\n')).toBe('success');
    await eventually(
      `namespace ${namespace} gone`,
      async () => (await admin.getOptional(`/api/v1/namespaces/${namespace}`)) === undefined,
      120_000,
    );
    expect(commentsOnPr()).toHaveLength(1);
    expect(commentsOnPr()[0]!.body).toContain('Torn down');
    expect(gh.violations).toEqual([]);
  }, 600_000);
});
