import { readFile } from 'node:fs/promises';
import { startGitHubStandIn, type GitHubStandIn } from '@gauntlet/github-api-standin';
import { collectionPath, objectPath, types, type KubeClient } from '@gauntlet/kube';
import { getTestbed, type Testbed } from '@gauntlet/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../actions/shard-and-run/src/modes/kubernetes/connect.js';
import { eventually } from '../support/polling.js';
import { HEAD_SHA, prEvent, runShardAction, sampleWorkspace } from './helpers.js';
import { ShardPodSimulator, type Behaviour } from './kwok-pods.js';

/**
 * The Kubernetes backend end to end: the bundle plans the sample suite, runs it as an Indexed Job in a fresh
 * namespace, waits with watches, collects what the pods stored in their result ConfigMaps, merges, reports and
 * deletes the run's objects. On the kwok test bed the shard pods' command runs through ShardPodSimulator; on a real
 * cluster it runs in node:24-alpine.
 *
 * The command is self-contained (it does not need the suite's files inside the image): for each file it is given it
 * writes a passing test, plus an always-failing one for strings.test.mjs and, on a pod's first attempt only, a
 * failing one for flaky.test.mjs.
 */
const SCRIPT = [
  'const fs=require("fs");const a=Number(process.env.GAUNTLET_ATTEMPT||"1");let x="<testsuites>",bad=0;',
  'for(const f of process.argv.slice(1)){x+="<testsuite name=\\""+f+"\\" file=\\""+f+"\\"><testcase name=\\"works\\" time=\\"0.2\\" file=\\""+f+"\\"/>";',
  'if(f.includes("strings")){bad++;x+="<testcase name=\\"always fails\\" file=\\""+f+"\\"><failure message=\\"expected shard\\">at "+f+":7:3</failure></testcase>";}',
  'if(f.includes("flaky")){if(a<2)bad++;x+="<testcase name=\\"flaky\\" file=\\""+f+"\\">"+(a<2?"<failure message=\\"first try\\"/>":"")+"</testcase>";}',
  'x+="</testsuite>";}fs.writeFileSync(process.env.GAUNTLET_JUNIT,x+"</testsuites>");console.log("attempt "+a);process.exit(bad?1:0);',
].join('');
const COMMAND = `node -e '${SCRIPT}' {files}`;

let gh: GitHubStandIn;
let testbed: Testbed;
let api: KubeClient;

beforeAll(async () => {
  testbed = getTestbed();
  api = await connect({ path: testbed.kubeconfig }, () => undefined);
  gh = await startGitHubStandIn({ seed: 11 });
  gh.seedPull(7, { headSha: HEAD_SHA });
});

const namespaces: string[] = [];
afterAll(async () => {
  for (const ns of namespaces)
    await api.request({ method: 'DELETE', path: objectPath(types.namespace, undefined, ns) }).catch(() => undefined);
  await gh?.close();
  api?.close();
});

async function namespace(prefix: string): Promise<string> {
  const name = `${prefix}-${Date.now().toString(36)}`;
  await api.request({
    method: 'POST',
    path: collectionPath(types.namespace),
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
  });
  return name;
}

async function leftovers(ns: string): Promise<string[]> {
  const names: string[] = [];
  for (const type of [types.configMap, types.job, types.serviceAccount, types.role]) {
    const list = await api.list(collectionPath(type, ns), { labelSelector: 'gauntlet.dev/managed-by=shard-and-run' });
    names.push(
      ...list.items.filter((o) => !o.metadata?.deletionTimestamp).map((o) => `${type.plural}/${o.metadata?.name}`),
    );
  }
  return names;
}

function kubeInputs(ns: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    mode: 'kubernetes',
    tests: 'tests/**/*.test.mjs',
    shards: '3',
    command: COMMAND,
    'junit-path': '/tmp/gauntlet-junit.xml',
    namespace: ns,
    image: 'node:24-alpine',
    'retries-per-index': '1',
    'kube-timeout': '5m',
    timings: 'false',
    // On kwok: how long a shard pod "runs" before it succeeds (its command runs meanwhile, see ShardPodSimulator).
    'pod-annotations': 'pod-complete.stage.kwok.x-k8s.io/delay=6s',
    ...extra,
  };
}

async function withPods<T>(
  ns: string,
  workdir: string,
  behaviour: Behaviour | undefined,
  fn: (sim?: ShardPodSimulator) => Promise<T>,
): Promise<T> {
  const sim = testbed.kwok ? await ShardPodSimulator.start(testbed.kubeconfig, ns, workdir, behaviour) : undefined;
  try {
    return await fn(sim);
  } finally {
    await sim?.stop();
  }
}

describe('mode: kubernetes', () => {
  it('runs the plan as an Indexed Job, retries per index, collects results, merges, reports and cleans up', async () => {
    const ns = await namespace('shard-k8s');
    const workspace = await sampleWorkspace();
    const placement: Record<string, string> = testbed.kwok
      ? {
          'node-selector': 'gauntlet.dev/node-pool=spot',
          tolerations: '[{key: gauntlet.dev/spot, operator: Exists, effect: NoSchedule}]',
          resources: '{requests: {cpu: 100m, memory: 64Mi}}',
          labels: 'team=qa',
        }
      : {};
    await withPods(ns, workspace, undefined, async (sim) => {
      const result = await runShardAction({
        workspace,
        gh,
        event: prEvent(gh, 7),
        inputs: kubeInputs(ns, placement),
        env: { KUBECONFIG: testbed.kubeconfig },
        skipPost: false,
      });
      expect(result.main.exitCode, result.main.rawOutput).toBe(1);
      expect(result.outputs).toMatchObject({
        conclusion: 'failure',
        tests: '7',
        failed: '1',
        flaky: '1',
        'missing-shards': '',
      });
      expect(result.main.commands.find((c) => c.name === 'error')?.message).toBe('shard-and-run: 1 test failed');
      const check = gh.store.checkRuns.find((c) => c.name === 'Tests' && c.head_sha === HEAD_SHA);
      expect(check?.conclusion).toBe('failure');
      const annotations = gh.store.annotations.get(check!.id) ?? [];
      expect(annotations.map((a) => [a.path, a.start_line])).toContainEqual(['tests/strings.test.mjs', 7]);
      const comment = gh.store.comments.find((c) => (c.body ?? '').includes('Ran as Kubernetes Job'))?.body ?? '';
      expect(comment).toContain('#### Flaky');
      if (sim) {
        // Retries per index: every index whose first pod failed got exactly one more pod (backoffLimitPerIndex 1).
        const firstFailures = sim.pods.filter((p) => p.failures === 0 && p.exitCode !== 0).length;
        expect(firstFailures).toBeGreaterThanOrEqual(1);
        expect(sim.pods.length).toBe(3 + firstFailures);
        expect(sim.pods.every((p) => p.node === 'kwok-spot-0')).toBe(true);
      }
      expect(gh.violations).toEqual([]);
    });
    await eventually('the run’s objects are gone', async () => (await leftovers(ns)).length === 0, 60_000);
  });

  it('a shard whose pods die without storing a result is an error with the reason, never a pass', async ({ skip }) => {
    if (!testbed.kwok) skip('needs kwok to kill pods on cue');
    const ns = await namespace('shard-oom');
    const workspace = await sampleWorkspace();
    await withPods(
      ns,
      workspace,
      ({ index }) => (index === 1 ? 'oom' : 'run'),
      async () => {
        const result = await runShardAction({
          workspace,
          inputs: kubeInputs(ns, { 'github-token': '' }),
          env: { KUBECONFIG: testbed.kubeconfig },
        });
        expect(result.main.exitCode).toBe(1);
        expect(result.outputs['missing-shards']).toBe('2');
        expect(result.summary).toContain('container OOMKilled with exit code 137');
        expect(result.main.commands.find((c) => c.name === 'error')?.message).toMatch(/1 shard ended in error \(2\)/);
      },
    );
    await eventually('the run’s objects are gone', async () => (await leftovers(ns)).length === 0, 60_000);
  });

  it('a cancelled step deletes the Job and its objects (kubeconfig given as content)', async () => {
    const ns = await namespace('shard-cancel');
    const workspace = await sampleWorkspace();
    const result = await runShardAction({
      workspace,
      inputs: kubeInputs(ns, {
        'github-token': '',
        kubeconfig: await readFile(testbed.kubeconfig, 'utf8'),
        command: `node -e 'setTimeout(() => {}, 600000)' {files}`,
        'pod-annotations': 'pod-complete.stage.kwok.x-k8s.io/delay=10m',
      }),
      cancelAfterMs: 4_000,
      skipPost: false,
    });
    expect(result.conclusion).toBe('cancelled');
    await eventually('the run’s objects are gone', async () => (await leftovers(ns)).length === 0, 60_000);
  });

  it('a ConfigMap of the run’s name that is not ours is refused and left, never deleted by the clean-up', async () => {
    const ns = await namespace('shard-foreign');
    const workspace = await sampleWorkspace();
    const inputs = kubeInputs(ns, {
      'github-token': '',
      command: `node -e 'setTimeout(() => {}, 600000)' {files}`,
      'pod-annotations': 'pod-complete.stage.kwok.x-k8s.io/delay=10m',
    });
    // A first run of this run id shows the root's name (deterministic), then is cancelled and cleaned up.
    let root = '';
    const first = await runShardAction({
      workspace,
      inputs,
      env: { KUBECONFIG: testbed.kubeconfig },
      cancelWhen: async () => {
        root = (await leftovers(ns)).find((n) => n.startsWith('configmaps/'))?.slice('configmaps/'.length) ?? '';
        return root !== '';
      },
      cancelAfterMs: 500,
      skipPost: false,
    });
    expect(first.conclusion).toBe('cancelled');
    await eventually('the first run’s objects are gone', async () => (await leftovers(ns)).length === 0, 60_000);
    // Someone else's ConfigMap under that name (none of our marks).
    const foreign = await api.request({
      method: 'POST',
      path: collectionPath(types.configMap, ns),
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: root }, data: { owner: 'someone else' } },
    });
    const second = await runShardAction({
      workspace,
      inputs,
      env: { KUBECONFIG: testbed.kubeconfig },
      skipPost: false,
    });
    expect(second.main.exitCode).not.toBe(0);
    expect(second.main.log.join('\n')).toContain(
      `ConfigMap ${root} already exists in ${ns} and was not created by this action`,
    );
    const after = await api.getOptional(objectPath(types.configMap, ns, root));
    expect(after?.metadata?.uid).toBe(foreign.metadata?.uid);
    expect(after?.metadata?.deletionTimestamp).toBeUndefined();
  });

  it('a step killed outright (SIGKILL) is cleaned up by the post step', async () => {
    const ns = await namespace('shard-kill');
    const workspace = await sampleWorkspace();
    const result = await runShardAction({
      workspace,
      inputs: kubeInputs(ns, {
        'github-token': '',
        command: `node -e 'setTimeout(() => {}, 600000)' {files}`,
        'pod-annotations': 'pod-complete.stage.kwok.x-k8s.io/delay=10m',
      }),
      env: { KUBECONFIG: testbed.kubeconfig },
      // Killed a second after the run's first object exists (the step records it for the post step right after
      // creating it), not at a fixed time, which a loaded machine reached before anything was created.
      cancelWhen: async () => (await leftovers(ns)).length > 0,
      cancelAfterMs: 1_000,
      signalScheduleMs: { sigintToSigterm: 0, sigtermToSigkill: 0 },
      skipPost: false,
    });
    expect(result.main.signalsSent).toContain('SIGKILL');
    expect(result.post?.exitCode).toBe(0);
    expect(result.post?.log.join('\n')).toMatch(/Deleted the shard run gauntlet-shards-[0-9a-f]{10}/);
    await eventually('the run’s objects are gone', async () => (await leftovers(ns)).length === 0, 60_000);
  });
});
