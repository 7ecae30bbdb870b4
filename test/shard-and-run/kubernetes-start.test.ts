import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startGitHubStandIn, type GitHubStandIn } from '@gauntlet/github-api-standin';
import { collectionPath, objectPath, types, type KubeClient, type KubeObject } from '@gauntlet/kube';
import { getTestbed, type Testbed } from '@gauntlet/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../actions/shard-and-run/src/modes/kubernetes/connect.js';
import {
  cleanupRepository,
  ensureBuilt,
  pullRequestEvent,
  randomRepositoryId,
  runBundle,
} from '../provision/harness.js';
import { HEAD_SHA, prEvent, runShardAction, sampleWorkspace } from './helpers.js';
import { ShardPodSimulator } from './kwok-pods.js';

/**
 * The Kubernetes backend as users meet it: in a namespace made by provision-ephemeral-env with its defaults (Pod
 * Security restricted enforced, quota, LimitRange, default-deny NetworkPolicies), on the real API server.
 * - the shard pods pass restricted with the default security context and the run passes;
 * - a security context that breaks restricted is refused at pod creation (the Job controller's FailedCreate): the
 *   run stops at once, names the cause in the log and the report, and every test is reported as not run;
 * - a pod no node can take (FailedScheduling) is named at once, and ends the run after kube-pending-timeout;
 * - the Job's deadline is reported as the cause, and results stored by pods the deadline deleted are kept.
 */
const PASS = [
  'const fs=require("fs");let x="<testsuites>";',
  'for(const f of process.argv.slice(1)){x+="<testsuite name=\\""+f+"\\" file=\\""+f+"\\"><testcase name=\\"works\\" time=\\"0.1\\" file=\\""+f+"\\"/></testsuite>";}',
  'fs.writeFileSync(process.env.GAUNTLET_JUNIT,x+"</testsuites>");',
].join('');

let testbed: Testbed;
let api: KubeClient;
let gh: GitHubStandIn;
let namespace = '';
let runnerTemp = '';
let runnerTempKubeconfig = '';
const repositoryId = randomRepositoryId();

beforeAll(async () => {
  testbed = getTestbed();
  runnerTemp = await mkdtemp(path.join(os.tmpdir(), 'runner-temp-'));
  runnerTempKubeconfig = path.join(runnerTemp, 'kubeconfig');
  await copyFile(testbed.kubeconfig, runnerTempKubeconfig);
  api = await connect({ path: testbed.kubeconfig }, () => undefined);
  gh = await startGitHubStandIn({ seed: 13 });
  gh.seedPull(7, { headSha: HEAD_SHA });
  ensureBuilt();
  const env = await runBundle({
    workspace: import.meta.dirname,
    // A kubeconfig path must be in the workspace or RUNNER_TEMP (where setup actions write one): RUNNER_TEMP here.
    inputs: { kubeconfig: runnerTempKubeconfig, 'name-prefix': 'shard', manifests: 'fixtures/environment/*.yaml' },
    env: { RUNNER_TEMP: runnerTemp },
    event: pullRequestEvent(repositoryId, 7),
  });
  expect(env.main.exitCode, env.main.log.join('\n')).toBe(0);
  namespace = env.outputs['namespace'] ?? '';
  const ns = await api.get(objectPath(types.namespace, undefined, namespace));
  expect(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
}, 180_000);

afterAll(async () => {
  if (api) await cleanupRepository(api, repositoryId).catch(() => undefined);
  await gh?.close();
  api?.close();
});

function inputs(extra: Record<string, string>): Record<string, string> {
  return {
    mode: 'kubernetes',
    tests: 'tests/**/*.test.mjs',
    shards: '3',
    command: `node -e '${PASS}' {files}`,
    'junit-path': '/tmp/gauntlet-junit.xml',
    namespace,
    // A path in the workspace (run() copies the test bed's kubeconfig there).
    kubeconfig: '.kube/config',
    image: 'node:24-alpine',
    'retries-per-index': '0',
    'kube-timeout': '5m',
    timings: 'false',
    'pod-annotations': 'pod-complete.stage.kwok.x-k8s.io/delay=3s',
    ...extra,
  };
}

async function run(extra: Record<string, string>, simulate = true) {
  const workspace = await sampleWorkspace();
  await mkdir(path.join(workspace, '.kube'));
  await copyFile(testbed.kubeconfig, path.join(workspace, '.kube', 'config'));
  const sim =
    simulate && testbed.kwok ? await ShardPodSimulator.start(testbed.kubeconfig, namespace, workspace) : undefined;
  try {
    const result = await runShardAction({ workspace, gh, event: prEvent(gh, 7), inputs: inputs(extra) });
    return { result, sim };
  } finally {
    await sim?.stop();
  }
}

async function jobEvents(reason: string): Promise<KubeObject[]> {
  const list = await api.list(collectionPath(types.event, namespace), { fieldSelector: `reason=${reason}` });
  return list.items;
}

describe('mode: kubernetes in an environment made by provision-ephemeral-env', () => {
  it('shard pods pass Pod Security restricted by default', async () => {
    const { result, sim } = await run({});
    expect(result.main.exitCode, result.main.rawOutput).toBe(0);
    expect(result.outputs).toMatchObject({ conclusion: 'success', tests: '5', failed: '0', 'missing-shards': '' });
    if (sim) expect(sim.pods.map((p) => p.exitCode)).toEqual([0, 0, 0]);
    // The makespan comes from the pods' own fractional timestamps, not whole seconds rounded to 0.
    expect(result.summary).not.toMatch(/actual makespan 0ms/);
  });

  it('a security context that breaks restricted stops the run at once, with the cause in the log and report', async () => {
    const { result } = await run({
      'pod-security-context': '{runAsNonRoot: null, runAsUser: 0, allowPrivilegeEscalation: null}',
      'kube-timeout': '30m',
    });
    expect(result.main.exitCode).toBe(1);
    const log = result.main.log.join('\n');
    expect(log).toMatch(/Shard pods are not starting: FailedCreate: .*violates PodSecurity "restricted/);
    expect(log).toMatch(/Stopping the run: shard pods cannot start\. .*cannot clear by itself/);
    expect(result.outputs['missing-shards']).toBe('1,2,3');
    expect(result.summary).toMatch(/violates PodSecurity/);
    expect(result.summary).not.toMatch(/sent no result/);
    expect((await jobEvents('FailedCreate')).length).toBeGreaterThan(0);
  });

  it('a pod no node can take is named at once and ends the run after kube-pending-timeout', async () => {
    const { result } = await run({
      'node-selector': 'gauntlet.dev/node-pool=no-such-pool',
      'kube-pending-timeout': '5s',
      'kube-timeout': '30m',
    });
    expect(result.main.exitCode).toBe(1);
    const log = result.main.log.join('\n');
    expect(log).toMatch(/Shard pods are not starting: FailedScheduling \(pod [^)]+\): 0\/\d+ nodes are available/);
    expect(log).toMatch(/for more than kube-pending-timeout, 5s/);
    expect(result.outputs['missing-shards']).toBe('1,2,3');
    expect(result.summary).toMatch(/FailedScheduling/);
  });

  it('the deadline is reported as the cause, and results stored by pods it deleted are kept', async ({ skip }) => {
    if (!testbed.kwok) skip('needs kwok to keep pods running after their command ended');
    // The command ends and stores its result at once; kwok keeps each pod Running for 10 minutes, so the Job's
    // 15 s deadline deletes pods whose results are already stored.
    const { result } = await run({
      'kube-timeout': '15s',
      'pod-annotations': 'pod-complete.stage.kwok.x-k8s.io/delay=10m',
    });
    const log = result.main.log.join('\n');
    expect(log).toMatch(/reached its deadline \(kube-timeout 15s\)/);
    expect(result.outputs).toMatchObject({ tests: '5', failed: '0', 'missing-shards': '' });
    expect(result.summary).toMatch(/reached its deadline/);
    expect(result.summary).not.toMatch(/sent no result/);
  });
});
