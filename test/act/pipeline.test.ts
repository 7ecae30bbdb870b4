/**
 * workflows-examples/pipeline.yml, unchanged, under nektos/act on the test bed (kwok API server and Prometheus):
 * - the cluster identities are the documented ones only (pipeline-identities.ts): PREVIEW_KUBECONFIG has
 *   provision-ephemeral-env's rbac.yaml and the README's two rules for a stack that binds chaos-gate; CHAOS_KUBECONFIG
 *   is chaos-gate's ServiceAccount, whose one binding is the RoleBinding the environment's stack applies;
 * - a push to main runs the whole pipeline on main's environment (keyed by the branch): the plan finds no timings,
 *   the merge saves them to the Actions cache (act's v1 cache server), three check runs on main's commit, no comment;
 * - the PR is opened: environment → plan (pytest's own listing) → matrix shards → merge → chaos → SLO gate, every
 *   job succeeds; the chaos job deletes exactly one shop-api pod (its journal, read back from the uploaded
 *   artifact, says so) under the SLO guard and passes, reporting between the tests and the SLO gate; the plan
 *   balances by the timings the push saved (every item measured, none estimated); the environment's
 *   baseline-namespace (the SLO gate's baseline-vars) is the namespace the push deployed; the SLO gate
 *   PASSES on the healthy environment: the shop API's metrics (a loopback sample service scraped by the test bed's
 *   Prometheus with each environment namespace's label, as Prometheus would scrape the pods) and PROMETHEUS_URL a
 *   Prometheus address the runner reaches (host mode: loopback);
 * - the report is four check runs and ONE sticky comment, with 0 OpenAPI violations;
 * - the PR is closed: only the teardown job runs, and the namespace the PR's pipeline created is gone (main's stays,
 *   for the reaper once its ttl passes).
 */
import {
  pullRequestEvent,
  pushEvent,
  readArtifact,
  startShopScenario,
  type JobRecord,
  type ShopScenario,
} from '@gauntlet/act-harness';
import { startSampleService, type SampleService } from '@gauntlet/slo';
import { getTestbed } from '@gauntlet/testbed';
import { environmentName, type KubeClient } from '@gauntlet/kube';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, cleanupRepository, environmentsOf, randomRepositoryId } from '../provision/harness.js';
import { eventually } from '../support/polling.js';
import { pipelineIdentities, type PipelineIdentities } from './pipeline-identities.js';

let scenario: ShopScenario;
let admin: KubeClient;
let identities: PipelineIdentities;
let shopApi: SampleService;
let traffic: NodeJS.Timeout | undefined;
const scraped = new Set<string>();
const scrapeTargets: string[] = [];
const repoId = randomRepositoryId();
const PR = 21;
/** The namespace the PR's environment gets (provision-ephemeral-env's naming, name-prefix shop). */
const PR_NAMESPACE = environmentName({ repositoryId: repoId, prefix: 'shop', target: { kind: 'pr', number: PR } });

beforeAll(async () => {
  scenario = await startShopScenario({ label: 'pipeline.yml', seed: 21, pr: PR });
  admin = await adminClient(getTestbed().kubeconfig);
  identities = await pipelineIdentities(admin, getTestbed().kubeconfig);
  // The shop API of the environment: healthy traffic (no errors, ~40 ms), metrics named as slos/shop.yaml reads.
  // Not random errors: the push's gate reads a window of ~20 s (~400 requests), where two errors are 0.5 % and make
  // the 99.5 % availability SLO warn (a fresh-clone CI run and 1 in 3 runs here failed that way).
  shopApi = await startSampleService({ prefix: 'shop' });
  traffic = setInterval(() => shopApi.record(20, 0, 30 + Math.random() * 20), 1000);
  // The PR environment's shop API is scraped from the start: chaos-gate's guard reads the steady state over its
  // 2-minute SLO window, and a pull request's environment has had its traffic for that long by the time its tests
  // are done; an environment scraped only from its creation is (rightly) inconclusive under act's seconds-long run.
  scrape(PR_NAMESPACE);
}, 600_000);

function scrape(namespace: string): void {
  scraped.add(namespace);
  const target = `act-pipeline-${namespace}`;
  getTestbed().addScrapeTarget(target, [`127.0.0.1:${shopApi.port}`], { namespace });
  scrapeTargets.push(target);
}

/** Until Prometheus holds the SLO window's history (150 s of 5 s steps) for the namespace, as game days wait. */
async function sloWindowCovered(namespace: string): Promise<void> {
  scenario.harness.progress(
    `pipeline: waiting for 150 s of ${namespace}'s metrics in Prometheus (chaos-gate's SLO window)`,
  );
  const covered = `count_over_time(sum(shop_http_requests_total{namespace="${namespace}"})[150s:5s])`;
  await eventually(
    'the SLO window covered with data',
    async () => {
      const url = `${getTestbed().prometheusUrl}/api/v1/query?query=${encodeURIComponent(covered)}`;
      const body = (await (await fetch(url)).json()) as { data?: { result?: { value: [number, string] }[] } };
      return Number(body.data?.result?.[0]?.value[1] ?? 0) >= 30;
    },
    400_000,
  );
}

afterAll(async () => {
  if (traffic) clearInterval(traffic);
  for (const name of scrapeTargets) getTestbed().removeScrapeTarget(name);
  await shopApi?.close();
  if (admin) {
    await cleanupRepository(admin, repoId);
    await identities?.cleanup();
    admin.close();
  }
  await scenario?.close();
});

/** The documented identities only (pipeline-identities.ts): what a user copying the example's RBAC has. */
function secrets(): Record<string, string> {
  return { PREVIEW_KUBECONFIG: identities.preview, CHAOS_KUBECONFIG: identities.chaos };
}

const commentsOnPr = () => scenario.commentsOn();

/**
 * What Prometheus's Kubernetes service discovery does for the environments' pods: once an environment namespace of
 * the repository exists, its shop API is scraped with the namespace label (kwok pods run nothing, so a loopback
 * service plays the API). Resolves with the first namespace that was not scraped before.
 */
function scrapeTheNextEnvironment(signal: AbortSignal): Promise<string> {
  return eventually(
    'the pipeline creates an environment namespace',
    async () => {
      if (signal.aborted) throw new Error('run over');
      const name = (await environmentsOf(admin, repoId))
        .map((n) => n.metadata?.name)
        .find((n): n is string => n !== undefined && !scraped.has(n));
      if (!name) return undefined;
      scrape(name);
      return name;
    },
    600_000,
  );
}

function outputsWith(job: JobRecord, key: string): Record<string, string> {
  const found = Object.values(job.outputs).find((o) => o[key] !== undefined);
  expect(found, `no step output ${key} in ${JSON.stringify(job.outputs)}`).toBeDefined();
  return found!;
}

describe('pipeline.yml under act', () => {
  let namespace = '';

  let mainNamespace = '';

  it("push to main: the whole pipeline on main's environment; the merge saves the timings", async () => {
    await scenario.repo.checkout('main');
    const done = new AbortController();
    const environment = scrapeTheNextEnvironment(done.signal);
    environment.catch(() => undefined);
    const run = await scenario.harness.run({
      workflow: 'pipeline.yml',
      repo: scenario.repo,
      event: 'push',
      payload: pushEvent(scenario.repo, { repoId: Number(repoId) }),
      cacheDir: scenario.cacheDir,
      secrets: secrets(),
      // The suite's soak test holds its shard 15 s (tests/test_soak.py): without it this push reached its SLO gate
      // 5 s after the environment was ready on a quiet machine, a window of fewer than two 5 s steps (inconclusive).
      env: { SHOP_SOAK_SECONDS: '15' },
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
    // Pull requests only: chaos and the teardown do not run on a push.
    const ran = run.jobs.filter((j) => j.conclusion !== 'skipped').map((j) => j.id);
    expect(ran).not.toContain('chaos');
    expect(ran).not.toContain('teardown');

    const env = outputsWith(run.job('environment'), 'namespace');
    mainNamespace = env['namespace']!;
    // No pull request: the environment is keyed by the branch.
    expect(mainNamespace).toMatch(/^shop-ref-[0-9a-f]{6}-[0-9a-f]{10}$/);
    // The baseline (baseline-ref: refs/heads/main) is what this push deployed.
    expect(env['baseline-namespace']).toBe(mainNamespace);
    expect(await environment).toBe(mainNamespace);

    expect(run.job('plan').log.join('\n')).toContain('No timings in the Actions cache yet');
    const merge = run.job('merge');
    expect(merge.log.join('\n')).toContain('Timings saved to the Actions cache.');
    const merged = outputsWith(merge, 'tests');
    expect(merged).toMatchObject({ failed: '0', conclusion: 'success' });
    expect(Number(merged['tests'])).toBeGreaterThan(0);
    expect(outputsWith(run.job('slo-gate'), 'verdict')['verdict'], tail('slo-gate')).toBe('pass');

    // Reported on main's commit; there is no pull request to comment on.
    const checks = scenario.gh.store.checkRuns.filter((c) => c.head_sha === scenario.repo.mainSha);
    expect(checks.map((c) => [c.name, c.conclusion]).sort()).toEqual([
      ['Ephemeral environment', 'success'],
      ['SLOs', 'success'],
      ['Tests', 'success'],
    ]);
    expect(scenario.gh.store.comments).toEqual([]);
    expect(scenario.gh.violations).toEqual([]);
  }, 900_000);

  it('opened: environment, plan from the saved timings, shards, merge and a passing SLO gate; one comment', async () => {
    expect(mainNamespace).not.toBe('');
    await scenario.repo.checkout('pr');
    await sloWindowCovered(PR_NAMESPACE);
    const run = await scenario.harness.run({
      workflow: 'pipeline.yml',
      repo: scenario.repo,
      event: 'pull_request',
      payload: pullRequestEvent(scenario.repo, { number: PR, action: 'opened', repoId: Number(repoId) }),
      cacheDir: scenario.cacheDir,
      secrets: secrets(),
      vars: { PROMETHEUS_URL: getTestbed().prometheusUrl, PROMETHEUS_SCRAPE_INTERVAL: '1s' },
    });
    const tail = (id: string) =>
      run.jobs
        .filter((j) => j.id === id)
        .flatMap((j) => j.log.slice(-30))
        .join('\n');
    for (const id of ['environment', 'plan', 'merge', 'chaos', 'slo-gate'])
      expect(run.job(id).conclusion, `${id}:\n${tail(id)}`).toBe('success');
    expect(run.jobs.filter((j) => j.conclusion !== 'skipped').map((j) => j.id)).not.toContain('teardown');

    const envOutputs = outputsWith(run.job('environment'), 'namespace');
    namespace = envOutputs['namespace']!;
    expect(namespace).toMatch(/^shop-pr-[0-9a-f]{6}-21$/);
    expect(envOutputs['status']).toBe('ready');
    expect(namespace).toBe(PR_NAMESPACE);
    // The SLO gate's baseline is the environment the push to main deployed, which exists.
    expect(envOutputs['baseline-namespace']).toBe(mainNamespace);
    expect((await environmentsOf(admin, repoId)).map((n) => n.metadata?.name).sort()).toEqual(
      [mainNamespace, namespace].sort(),
    );

    // The plan balances by what the push measured: every test has a timing, none is an estimate.
    const plan = run.job('plan');
    const planLog = plan.log.join('\n');
    expect(planLog).not.toContain('No timings in the Actions cache yet');
    const counts = /(\d+) tests? \((\d+) with timings, (\d+) estimated\)/.exec(planLog);
    expect(counts, planLog.slice(-2000)).not.toBeNull();
    expect(Number(counts![1])).toBeGreaterThan(0);
    expect([counts![2], counts![3]]).toEqual([counts![1], '0']);
    const inlinePlan = JSON.parse(plan.outputs['plan']!['plan']!) as {
      shards: { items: { file: string; tests?: string[]; seconds: number; estimated: boolean }[] }[];
    };
    const items = inlinePlan.shards.flatMap((s) => s.items);
    expect(items.length).toBeGreaterThan(0);
    expect(items.filter((i) => i.estimated)).toEqual([]);
    const matrix = JSON.parse(plan.outputs['plan']!['matrix']!) as { shard: number[]; shardTotal: number[] };
    expect(matrix.shard.length).toBeGreaterThanOrEqual(1);
    for (const shard of matrix.shard) expect(run.job('test', { shard }).conclusion, tail('test')).toBe('success');
    const merged = outputsWith(run.job('merge'), 'tests');
    expect(merged).toMatchObject({ failed: '0', conclusion: 'success' });
    expect(Number(merged['tests'])).toBeGreaterThan(0);

    // chaos-gate deleted exactly one API pod (of two: max-percentage 50), and the experiment passed.
    expect(outputsWith(run.job('chaos'), 'verdict')['verdict'], tail('chaos')).toBe('pass');
    const artifact = await readArtifact(run.run, 'chaos-journal');
    const journalFile = [...artifact.keys()].find((n) => n.endsWith('.json'));
    expect(journalFile, [...artifact.keys()].join(', ')).toBeDefined();
    const journal = JSON.parse(artifact.get(journalFile!)!.toString('utf8')) as {
      verdict: string;
      experiments: { faults: { type: string; namespace: string; deletedPods: { name: string; uid: string }[] }[] }[];
    };
    expect(journal.verdict).toBe('pass');
    const faults = journal.experiments.flatMap((e) => e.faults);
    expect(faults.map((f) => [f.type, f.namespace])).toEqual([['pod-delete', namespace]]);
    const deleted = faults.flatMap((f) => f.deletedPods);
    expect(deleted, JSON.stringify(deleted)).toHaveLength(1);
    expect(deleted[0]!.name).toMatch(/^shop-api-/);
    const apiPods = await admin.list(`/api/v1/namespaces/${namespace}/pods`, { labelSelector: 'app=shop-api' });
    expect(apiPods.items.map((p) => p.metadata?.uid)).not.toContain(deleted[0]!.uid);

    const gate = run.job('slo-gate');
    const gateOutputs = outputsWith(gate, 'verdict');
    expect(gateOutputs['verdict'], tail('slo-gate')).toBe('pass');

    // In the jobs' order: the chaos check run comes after the tests' and before the SLO gate's.
    const checks = scenario.gh.store.checkRuns.filter((c) => c.head_sha === scenario.repo.prHeadSha);
    expect(checks.map((c) => [c.name, c.status, c.conclusion])).toEqual([
      ['Ephemeral environment', 'completed', 'success'],
      ['Tests', 'completed', 'success'],
      ['Chaos', 'completed', 'success'],
      ['SLOs', 'completed', 'success'],
    ]);
    expect(commentsOnPr()).toHaveLength(1);
    const body = commentsOnPr()[0]!.body;
    expect(body).toContain('Chaos');
    expect(body).toContain(namespace);
    expect(body).toContain(`${merged['tests']} tests`);
    expect(scenario.gh.violations).toEqual([]);
  }, 900_000);

  it("closed: only the teardown runs; the PR's namespace is gone, main's stays", async () => {
    expect(namespace).not.toBe('');
    scenario.gh.seedPull(PR, { headSha: scenario.repo.prHeadSha, state: 'closed' });
    const run = await scenario.harness.run({
      workflow: 'pipeline.yml',
      repo: scenario.repo,
      event: 'pull_request',
      payload: pullRequestEvent(scenario.repo, { number: PR, action: 'closed', merged: true, repoId: Number(repoId) }),
      cacheDir: scenario.cacheDir,
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
    expect((await environmentsOf(admin, repoId)).map((n) => n.metadata?.name)).toEqual([mainNamespace]);
    expect(commentsOnPr()).toHaveLength(1);
    expect(commentsOnPr()[0]!.body).toContain('Torn down');
    expect(scenario.gh.violations).toEqual([]);
  }, 600_000);
});
