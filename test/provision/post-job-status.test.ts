/**
 * The post step after a successful up, through the real bundle: it asks the Actions jobs API (the GitHub stand-in,
 * validated against GitHub's OpenAPI) how the job running on RUNNER_NAME is going, and tears the environment down
 * only when a later step failed or was cancelled. A succeeding job keeps it; so does an answer it cannot get (a
 * token without `actions: read`), with a line saying why.
 */
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn, type JobStepSeed } from '@gauntlet/github-api-standin';
import { FaultProxy, getTestbed } from '@gauntlet/testbed';
import type { RunResult } from '../../packages/local-runner/src/index.js';
import { ENVIRONMENT_NAME, type KubeClient, type KubeObject } from './kube-exports.js';
import {
  adminClient,
  cleanupRepository,
  ensureBuilt,
  pullRequestEvent,
  randomRepositoryId,
  runBundle,
  trafficViolations,
} from './harness.js';

const tb = getTestbed();
const repositoryId = randomRepositoryId();
const RUNNER = 'GitHub Actions 1042';
const NO_ACTIONS_TOKEN = 'ghs_NoActionsReadPermission0000000000000';
let proxy: FaultProxy;
let kubeconfig: string;
let admin: KubeClient;
let github: GitHubStandIn;
let nextPr = 300;

beforeAll(async () => {
  ensureBuilt();
  proxy = await FaultProxy.forKubeconfig(tb.kubeconfig);
  kubeconfig = proxy.kubeConfig().exportConfig();
  admin = await adminClient(tb.kubeconfig);
  github = await startGitHubStandIn({
    owner: 'acme',
    repo: 'shop',
    // A GITHUB_TOKEN from a workflow whose `permissions:` leave out `actions: read`.
    tokens: { [NO_ACTIONS_TOKEN]: { login: 'github-actions[bot]', type: 'Bot', canReadActions: false } },
  });
});

afterAll(async () => {
  await cleanupRepository(admin, repositoryId);
  admin.close();
  await proxy.close();
  await github.close();
});

const stack = {
  manifests: 'fixtures/small/*.yaml',
  variables: 'REPLICAS=1',
  'capacity-check': 'false',
  'max-environments': '0',
  timeout: '3m',
};

/** The job's steps while the provision step runs, and as the post step will find them. */
const DURING: JobStepSeed[] = [
  { name: 'Set up job', conclusion: 'success' },
  { name: 'Provision environment', status: 'in_progress' },
  { name: 'Run tests' },
  { name: 'Post Provision environment' },
];
const afterwards = (tests: 'success' | 'failure' | 'cancelled'): JobStepSeed[] => [
  { name: 'Set up job', conclusion: 'success' },
  { name: 'Provision environment', conclusion: 'success' },
  { name: 'Run tests', conclusion: tests },
  { name: 'Post Provision environment', status: 'in_progress' },
];

interface Scenario {
  tests: 'success' | 'failure' | 'cancelled';
  token?: string;
}

/**
 * Seeds this run's jobs (ours on RUNNER, and a sibling matrix job on another runner whose tests failed), runs up
 * with RUNNER_NAME set, and moves our job on to its post-step state while the main step runs: the main step never
 * asks, the post step sees the later step's conclusion.
 */
async function upThenPost(scenario: Scenario): Promise<{ result: RunResult; namespace: string; log: string }> {
  const runId = randomInt(1, 2 ** 31);
  const pr = nextPr++;
  const createdAt = new Date(Date.now() - 60_000);
  const job = github.seedJob({ runId, name: 'e2e (1)', runnerName: RUNNER, createdAt, steps: DURING });
  github.seedJob({
    runId,
    name: 'e2e (2)',
    runnerName: 'GitHub Actions 1043',
    createdAt,
    steps: afterwards('failure'),
  });
  let moved = false;
  const result = await runBundle({
    inputs: { ...stack, kubeconfig, 'github-token': scenario.token ?? github.token },
    event: pullRequestEvent(repositoryId, pr, 'e'.repeat(40)),
    env: { GITHUB_API_URL: github.url, GITHUB_RUN_ID: String(runId) },
    runnerName: RUNNER,
    onLine: (_, step) => {
      if (step !== 'main' || moved) return;
      moved = true;
      github.updateJob(job.id, { steps: afterwards(scenario.tests) });
    },
  });
  const log = [...result.main.log, ...(result.post?.log ?? [])].join('\n');
  expect(result.main.exitCode, log).toBe(0);
  expect(result.outputs.status).toBe('ready');
  expect(result.post?.exitCode, log).toBe(0);
  expect(moved).toBe(true);
  const namespace = result.outputs.namespace ?? '';
  expect(namespace).toMatch(ENVIRONMENT_NAME);
  // The post step asked once, about this run attempt.
  const asked = github.requests.filter((r) => r.path.includes(`/actions/runs/${runId}/`));
  expect(asked.map((r) => [r.operationId, r.path, r.query['per_page']])).toEqual([
    ['actions/list-jobs-for-workflow-run-attempt', `/repos/acme/shop/actions/runs/${runId}/attempts/1/jobs`, '100'],
  ]);
  return { result, namespace, log };
}

async function namespaceState(namespace: string): Promise<'active' | 'terminating' | 'gone'> {
  const ns = await admin.getOptional<KubeObject>(`/api/v1/namespaces/${namespace}`);
  if (ns === undefined) return 'gone';
  return ns.metadata?.deletionTimestamp === undefined ? 'active' : 'terminating';
}

describe('provision-ephemeral-env post step: the job status decides', () => {
  it('(a) a later step failed: the post step deletes the namespace this run created', async () => {
    const { namespace, log } = await upThenPost({ tests: 'failure' });
    expect(log).toContain('post: the job failed after the environment came up; tearing down what this run created');
    expect(log).toMatch(new RegExp(`post: (${namespace} deleted|deletion of ${namespace} requested)`));
    expect(await namespaceState(namespace)).not.toBe('active');
    expect(github.violations).toEqual([]);
  });

  it('(b) every step succeeded: the namespace is kept', async () => {
    const { namespace, log } = await upThenPost({ tests: 'success' });
    expect(log).toContain('post: the environment stays up (job succeeding); mode down or the reaper removes it');
    expect(log).not.toContain('tearing down');
    expect(await namespaceState(namespace)).toBe('active');
    expect(github.violations).toEqual([]);
  });

  it('(c) a token without actions: read: kept, and the log says the status could not be read', async () => {
    // Even with our job's tests failed: a status it cannot read is never a reason to delete.
    const { namespace, log } = await upThenPost({ tests: 'failure', token: NO_ACTIONS_TOKEN });
    expect(log).toContain(
      "post: the job's status could not be read: HTTP 403: Resource not accessible by integration (the token needs actions: read)",
    );
    expect(log).toContain('post: the environment stays up (job status unknown)');
    expect(log).not.toContain('tearing down');
    expect(await namespaceState(namespace)).toBe('active');
    expect(github.requests.at(-1)).toMatchObject({
      operationId: 'actions/list-jobs-for-workflow-run-attempt',
      status: 403,
    });
    expect(github.violations).toEqual([]);
  });

  it('(d) a later step was cancelled: the post step deletes the namespace', async () => {
    const { namespace, log } = await upThenPost({ tests: 'cancelled' });
    expect(log).toContain('post: the job cancelled after the environment came up; tearing down what this run created');
    expect(await namespaceState(namespace)).not.toBe('active');
    expect(github.violations).toEqual([]);
  });

  it('sent only requests that obey the traffic rules', () => {
    expect(proxy.requests.length).toBeGreaterThan(0);
    expect(trafficViolations(proxy.requests)).toEqual([]);
  });
});
