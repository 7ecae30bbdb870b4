import { cp, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { collectionPath, objectPath, types, type KubeClient, type KubeObject } from '@gauntlet/kube';
import { getTestbed } from '@gauntlet/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../actions/shard-and-run/src/modes/kubernetes/connect.js';
import { eventually } from '../support/polling.js';
import { queueMetadata, queueName } from '../../actions/shard-and-run/src/modes/queue/configmap-store.js';
import { runShardAction, sampleWorkspace } from './helpers.js';

/**
 * The merge deletes the queue ConfigMap of its run, through the bundle on the test bed's API server, and nothing
 * else. Workers 1 and 2 drain the queue; a first merge that (mis-wired) runs before worker 3 keeps the queue, so the
 * late worker 3 finds it drained and runs nothing instead of the whole suite again; the second merge, with every
 * worker's result, deletes it. Look-alikes next to it — copied labels and annotations under another name, another
 * run's queue, the Kubernetes backend's root ConfigMap of the same run — are untouched.
 */
const SCRIPT = [
  'const fs=require("fs");let x="<testsuites>";',
  'for(const f of process.argv.slice(1)){x+="<testsuite name=\\""+f+"\\" file=\\""+f+"\\"><testcase name=\\"works\\" time=\\"0.1\\" file=\\""+f+"\\"/></testsuite>";}',
  'fs.writeFileSync("junit.xml",x+"</testsuites>");',
].join('');

const REPOSITORY = 'o/r'; // what runShardAction gives GITHUB_REPOSITORY without a GitHub stand-in

let api: KubeClient;
let kubeconfig: string;
beforeAll(async () => {
  kubeconfig = getTestbed().kubeconfig;
  api = await connect({ path: kubeconfig }, () => undefined);
});
let ns = '';
afterAll(async () => {
  if (ns)
    await api.request({ method: 'DELETE', path: objectPath(types.namespace, undefined, ns) }).catch(() => undefined);
  api?.close();
});

function configMap(name: string, meta: { labels: Record<string, string>; annotations?: Record<string, string> }) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: ns, ...meta },
    data: { 'state.json': '{"format":"gauntlet-queue"}' },
  };
}

describe('mode: merge deletes the queue', () => {
  it('only once every worker reported, only this run’s queue, and a late worker never re-runs the suite', async () => {
    ns = `shard-qclean-${Date.now().toString(36)}`;
    await api.request({
      method: 'POST',
      path: collectionPath(types.namespace),
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    });
    const planWorkspace = await sampleWorkspace();
    const plan = await runShardAction({
      workspace: planWorkspace,
      inputs: { mode: 'plan', tests: 'tests/**/*.test.mjs', shards: '3', timings: 'false' },
    });
    expect(plan.main.exitCode, plan.main.rawOutput).toBe(0);
    const planId = plan.outputs['plan-id']!;
    // Plan and results live in RUNNER_TEMP, shared by every job as downloaded artifacts would be: the one place
    // besides the workspace that plan and results-dir may name.
    const runnerTemp = await mkdtemp(path.join(os.tmpdir(), 'qclean-runner-temp-'));
    const planFile = path.join(runnerTemp, 'gauntlet-shard-plan.json');
    await cp(path.join(planWorkspace, 'gauntlet-shard-plan.json'), planFile);
    const results = path.join(runnerTemp, 'results');
    // A kubeconfig input must name a file inside the workspace or RUNNER_TEMP, as a workflow writes it there.
    const mergeKubeconfig = path.join(runnerTemp, 'kubeconfig');
    await cp(kubeconfig, mergeKubeconfig);
    const runId = 600_000 + (Date.now() % 100_000);
    const identity = { repository: REPOSITORY, runId, runAttempt: 1, planId };
    const name = queueName(identity);

    // Look-alikes, created before any worker runs.
    const ours = queueMetadata(identity, Date.now());
    const foreign = [
      // Our labels and annotations, copied, under a name that is not this run's queue.
      configMap('gauntlet-queue-0000000000', ours),
      // Another run's queue (same plan) in the same namespace.
      configMap(queueName({ ...identity, runId: runId + 1 }), queueMetadata({ ...identity, runId: runId + 1 }, 0)),
      // The Kubernetes backend's root ConfigMap of this very run: our managed-by, run id and plan, no component.
      configMap('gauntlet-shards-0123456789', {
        labels: {
          'gauntlet.dev/managed-by': 'shard-and-run',
          'gauntlet.dev/run-id': String(runId),
          'gauntlet.dev/plan': planId,
        },
      }),
    ];
    const created: KubeObject[] = [];
    for (const body of foreign)
      created.push(await api.request({ method: 'POST', path: collectionPath(types.configMap, ns), body }));

    const worker = async (index: number) => {
      const workspace = await mkdtemp(path.join(os.tmpdir(), `qclean-w${index}-`));
      await cp(path.join(planWorkspace, 'tests'), path.join(workspace, 'tests'), { recursive: true });
      return runShardAction({
        workspace,
        runId,
        inputs: {
          mode: 'queue',
          shard: `${index}/3`,
          plan: planFile,
          command: `node -e '${SCRIPT}' {files}`,
          'junit-path': 'junit.xml',
          namespace: ns,
          'results-dir': results,
          retries: '0',
        },
        env: { KUBECONFIG: kubeconfig, RUNNER_TEMP: runnerTemp },
      });
    };
    const merge = () =>
      runShardAction({
        workspace: planWorkspace,
        runId,
        inputs: {
          mode: 'merge',
          plan: planFile,
          'results-dir': results,
          timings: 'false',
          namespace: ns,
          kubeconfig: mergeKubeconfig,
        },
        env: { RUNNER_TEMP: runnerTemp },
      });

    // Workers 1 and 2 drain the whole queue.
    const early = await Promise.all([worker(1), worker(2)]);
    for (const w of early) expect(w.main.exitCode, w.main.rawOutput).toBe(0);
    expect(early.reduce((n, w) => n + Number(w.outputs['tests'] ?? 0), 0)).toBe(5);
    const queue = await api.get(objectPath(types.configMap, ns, name));
    expect(queue.metadata?.labels).toEqual({
      'gauntlet.dev/managed-by': 'shard-and-run',
      'gauntlet.dev/component': 'queue',
      'gauntlet.dev/run-id': String(runId),
      'gauntlet.dev/run-attempt': '1',
      'gauntlet.dev/plan': planId,
    });
    const annotations = queue.metadata?.annotations ?? {};
    expect(annotations['gauntlet.dev/owner']).toBe(`${REPOSITORY}/runs/${runId}/attempts/1/plans/${planId}`);
    const createdAt = Date.parse(annotations['gauntlet.dev/created-at'] ?? '');
    const expiresAt = Date.parse(annotations['gauntlet.dev/expires-at'] ?? '');
    expect(expiresAt - createdAt).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(annotations['gauntlet.dev/ttl-seconds']).toBe('86400');
    // Every completed batch was stored beside the queue, owned by it (queue-results.ts).
    const batchSelector = { labelSelector: `gauntlet.dev/component=queue-result,gauntlet.dev/run-id=${runId}` };
    const batches = (await api.list(collectionPath(types.configMap, ns), batchSelector)).items;
    expect(batches.length).toBeGreaterThan(0);
    for (const b of batches) expect(b.metadata?.ownerReferences?.[0]?.uid).toBe(queue.metadata?.uid);

    // A mis-wired merge that does not wait for worker 3: the queue is kept (a warning), the merge still passes.
    const first = await merge();
    expect(first.main.exitCode, first.main.rawOutput).toBe(0);
    expect(first.outputs).toMatchObject({ conclusion: 'success', tests: '5' });
    expect(
      first.main.commands.some(
        (c) =>
          c.name === 'warning' && c.message.includes(`kept ${name}`) && /worker\(s\) 3 sent no result/.test(c.message),
      ),
      first.main.rawOutput,
    ).toBe(true);
    expect(await api.getOptional(objectPath(types.configMap, ns, name))).toBeDefined();

    // The late worker finds the drained queue and runs nothing (not the whole suite again).
    const late = await worker(3);
    expect(late.main.exitCode, late.main.rawOutput).toBe(0);
    expect(late.outputs['tests']).toBe('0');

    // With every worker's result in, the merge deletes this run's queue and nothing else.
    const second = await merge();
    expect(second.main.exitCode, second.main.rawOutput).toBe(0);
    expect(second.outputs).toMatchObject({ conclusion: 'success', tests: '5' });
    expect(second.main.log.join('\n')).toContain(`deleted ${name} in namespace ${ns}`);
    expect(await api.getOptional(objectPath(types.configMap, ns, name))).toBeUndefined();
    // The garbage collector deletes the stored batches with their owner.
    await eventually(
      'the stored batches are deleted with the queue',
      async () => (await api.list(collectionPath(types.configMap, ns), batchSelector)).items.length === 0,
      60_000,
    );
    expect(
      second.main.commands.some(
        (c) => c.name === 'warning' && /gauntlet-queue-0000000000 .*is not its queue.*left alone/.test(c.message),
      ),
      second.main.rawOutput,
    ).toBe(true);
    for (const before of created) {
      const after = await api.getOptional(objectPath(types.configMap, ns, before.metadata!.name!));
      expect(after?.metadata?.uid, before.metadata!.name).toBe(before.metadata!.uid);
      expect(after?.metadata?.resourceVersion, before.metadata!.name).toBe(before.metadata!.resourceVersion);
    }

    // Already gone is fine: a re-run of the merge job deletes nothing and still passes.
    const third = await merge();
    expect(third.main.exitCode, third.main.rawOutput).toBe(0);
    expect(third.main.log.join('\n')).not.toMatch(/Queue clean-up: deleted/);
    expect(await api.getOptional(objectPath(types.configMap, ns, 'gauntlet-queue-0000000000'))).toBeDefined();
  });
});
