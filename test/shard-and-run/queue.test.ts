import { cp, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { collectionPath, objectPath, types, type KubeClient } from '@gauntlet/kube';
import { getTestbed } from '@gauntlet/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../actions/shard-and-run/src/modes/kubernetes/connect.js';
import { eventually } from '../support/polling.js';
import { runShardAction, sampleWorkspace } from './helpers.js';

/**
 * The dynamic queue on the test bed's API server: three matrix workers (each its own process and workspace, as
 * separate jobs would be) drain one queue held in a ConfigMap with optimistic concurrency. Worker 3 hangs on its
 * first batch and is cancelled: its lease stops being renewed, the batch is re-queued after the lease timeout and
 * another worker runs it. Every test is reported exactly once.
 */
const SCRIPT = [
  'const fs=require("fs");',
  'if(process.env.GAUNTLET_SHARD_INDEX==="3"){setTimeout(()=>{},60000);}else{let x="<testsuites>";',
  'for(const f of process.argv.slice(1)){x+="<testsuite name=\\""+f+"\\" file=\\""+f+"\\"><testcase name=\\"works\\" time=\\"0.1\\" file=\\""+f+"\\"/></testsuite>";}',
  'fs.writeFileSync("junit.xml",x+"</testsuites>");}',
].join('');

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

describe('mode: queue', () => {
  it('workers share one queue in a ConfigMap; a dead worker’s batch is re-queued and run by another', async () => {
    ns = `shard-queue-${Date.now().toString(36)}`;
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
    // Plan and results live in RUNNER_TEMP, shared by every job as downloaded artifacts would be: the one place
    // besides the workspace that plan and results-dir may name.
    const runnerTemp = await mkdtemp(path.join(os.tmpdir(), 'queue-runner-temp-'));
    const planFile = path.join(runnerTemp, 'gauntlet-shard-plan.json');
    await cp(path.join(planWorkspace, 'gauntlet-shard-plan.json'), planFile);
    const results = path.join(runnerTemp, 'results');
    const runId = Date.now() % 1_000_000;
    const worker = async (index: number) => {
      const workspace = await mkdtemp(path.join(os.tmpdir(), `queue-w${index}-`));
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
          'lease-timeout': '2s',
          'results-dir': results,
          retries: '0',
        },
        env: { KUBECONFIG: kubeconfig, RUNNER_TEMP: runnerTemp },
        ...(index === 3 ? { cancelAfterMs: 6_000 } : {}),
      });
    };
    // Worker 3 starts first and must hold a batch before the others start, so it dies holding one.
    const third = worker(3);
    await eventually(
      'worker 3 holds a lease',
      async () => {
        const cms = await api.list(collectionPath(types.configMap, ns), {
          labelSelector: 'gauntlet.dev/managed-by=shard-and-run,gauntlet.dev/component=queue',
        });
        const text = (cms.items[0]?.['data'] as Record<string, string> | undefined)?.['state.json'];
        return (
          text !== undefined &&
          (JSON.parse(text) as { leases: { worker: string }[] }).leases.some((l) => l.worker === 'worker-3')
        );
      },
      30_000,
    );
    const [first, second] = await Promise.all([worker(1), worker(2)]);
    const workers = [first, second, await third] as const;
    expect(workers[0].main.exitCode, workers[0].main.rawOutput).toBe(0);
    expect(workers[1].main.exitCode, workers[1].main.rawOutput).toBe(0);
    expect(workers[2].conclusion).toBe('cancelled');
    expect(workers[2].main.log.join('\n')).toMatch(/Batch 1: 1 item/); // it held a batch when it died
    // Five items in five single-item leases, then a sixth lease: the dead worker's batch, re-queued.
    expect(workers.slice(0, 2).some((w) => /\(lease 6\)/.test(w.main.log.join('\n')))).toBe(true);
    const credited = workers.map((w) => Number(w.outputs['tests'] ?? 0));
    expect(credited[0]! + credited[1]!).toBe(5);
    expect(credited[2]).toBe(0);

    // The queue ConfigMap records every item as completed exactly once.
    const list = await api.list(collectionPath(types.configMap, ns), {
      labelSelector: 'gauntlet.dev/managed-by=shard-and-run,gauntlet.dev/component=queue',
    });
    expect(list.items).toHaveLength(1);
    const state = JSON.parse((list.items[0]!['data'] as Record<string, string>)['state.json']!) as {
      completed: number;
      pending: number[];
      leases: unknown[];
    };
    expect(state).toMatchObject({ completed: 5, pending: [], leases: [] });

    const merge = await runShardAction({
      workspace: planWorkspace,
      inputs: { mode: 'merge', plan: planFile, 'results-dir': results, timings: 'false' },
      env: { RUNNER_TEMP: runnerTemp },
    });
    expect(merge.main.exitCode, merge.main.rawOutput).toBe(0);
    expect(merge.outputs).toMatchObject({ conclusion: 'success', tests: '5', failed: '0' });
    expect(
      merge.main.commands.some((c) => c.name === 'warning' && /Queue worker\(s\) 3 did not finish/.test(c.message)),
    ).toBe(true);
  });

  it('a worker killed outright after a batch was completed: the merge reads the batch it stored in the cluster (owned by the queue, not a forged copy)', async () => {
    const killNs = `shard-queue-kill-${Date.now().toString(36)}`;
    await api.request({
      method: 'POST',
      path: collectionPath(types.namespace),
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: killNs } },
    });
    try {
      const planWorkspace = await sampleWorkspace();
      const plan = await runShardAction({
        workspace: planWorkspace,
        inputs: { mode: 'plan', tests: 'tests/**/*.test.mjs', shards: '3', timings: 'false' },
      });
      expect(plan.main.exitCode, plan.main.rawOutput).toBe(0);
      const runnerTemp = await mkdtemp(path.join(os.tmpdir(), 'queue-kill-temp-'));
      const planFile = path.join(runnerTemp, 'gauntlet-shard-plan.json');
      await cp(path.join(planWorkspace, 'gauntlet-shard-plan.json'), planFile);
      const results = path.join(runnerTemp, 'results');
      const runId = (Date.now() % 1_000_000) + 1;
      // Worker 3's second batch waits until its prefetch claim has completed the first batch, then SIGKILLs the
      // action (its parent): no result file, no clean-up, nothing but what it stored before completing.
      const script = [
        'const fs=require("fs");let n=0;try{n=Number(fs.readFileSync("count","utf8"))}catch{}',
        'fs.writeFileSync("count",String(n+1));',
        'if(process.env.GAUNTLET_SHARD_INDEX==="3"&&n===1){setTimeout(()=>{process.kill(process.ppid,"SIGKILL");process.exit(1)},4000);}else{let x="<testsuites>";',
        'for(const f of process.argv.slice(1)){x+="<testsuite name=\\""+f+"\\" file=\\""+f+"\\"><testcase name=\\"works\\" time=\\"0.1\\" file=\\""+f+"\\"/></testsuite>";}',
        'fs.writeFileSync("junit.xml",x+"</testsuites>");}',
      ].join('');
      const worker = async (index: number) => {
        const workspace = await mkdtemp(path.join(os.tmpdir(), `queue-kill-w${index}-`));
        await cp(path.join(planWorkspace, 'tests'), path.join(workspace, 'tests'), { recursive: true });
        return runShardAction({
          workspace,
          runId,
          inputs: {
            mode: 'queue',
            shard: `${index}/3`,
            plan: planFile,
            command: `node -e '${script}' {files}`,
            'junit-path': 'junit.xml',
            namespace: killNs,
            'lease-timeout': '2s',
            'results-dir': results,
            retries: '0',
          },
          env: { KUBECONFIG: kubeconfig, RUNNER_TEMP: runnerTemp },
        });
      };
      const killed = await worker(3);
      expect(killed.main.signal ?? killed.main.exitCode, killed.main.rawOutput).toBe('SIGKILL');
      const queueState = async () => {
        const cms = await api.list(collectionPath(types.configMap, killNs), {
          labelSelector: 'gauntlet.dev/managed-by=shard-and-run,gauntlet.dev/component=queue',
        });
        return JSON.parse((cms.items[0]!['data'] as Record<string, string>)['state.json']!) as {
          completed: number;
        };
      };
      // The queue counts worker 3's first batch as completed, and the batch is stored beside it.
      expect((await queueState()).completed).toBe(1);
      const stored = await api.list(collectionPath(types.configMap, killNs), {
        labelSelector: 'gauntlet.dev/component=queue-result',
      });
      expect(stored.items).toHaveLength(1);
      expect(stored.items[0]!.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ConfigMap' });

      const [first, second] = await Promise.all([worker(1), worker(2)]);
      expect(first.main.exitCode, first.main.rawOutput).toBe(0);
      expect(second.main.exitCode, second.main.rawOutput).toBe(0);
      expect(Number(first.outputs['tests']) + Number(second.outputs['tests'])).toBe(4);
      expect((await queueState()).completed).toBe(5);

      // Without the namespace the merge cannot read the stored batch: it fails and names the test.
      const blind = await runShardAction({
        workspace: planWorkspace,
        inputs: { mode: 'merge', plan: planFile, 'results-dir': results, timings: 'false' },
        env: { RUNNER_TEMP: runnerTemp },
      });
      expect(blind.outputs).toMatchObject({ conclusion: 'failure' });
      expect(blind.main.rawOutput).toMatch(/1 planned test was run by no worker/);
      expect(
        blind.main.commands.some((c) => c.name === 'warning' && /Run by no worker: "tests\//.test(c.message)),
      ).toBe(true);

      const mergeWithNamespace = () =>
        runShardAction({
          workspace: planWorkspace,
          runId,
          inputs: { mode: 'merge', plan: planFile, 'results-dir': results, timings: 'false', namespace: killNs },
          env: { KUBECONFIG: kubeconfig, RUNNER_TEMP: runnerTemp },
        });
      // A copy of the stored batch with the same name, labels, annotations and data, as anyone who may write
      // ConfigMaps in the namespace can make, but not owned by the queue (no ownerReference with its uid): never read.
      const real = stored.items[0]!;
      const batchPath = objectPath(types.configMap, killNs, real.metadata!.name!);
      const replaceBatch = async (ownerReferences?: unknown) => {
        await api.request({ method: 'DELETE', path: batchPath });
        await api.request({
          method: 'POST',
          path: collectionPath(types.configMap, killNs),
          body: {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: {
              name: real.metadata!.name,
              labels: real.metadata!.labels,
              annotations: real.metadata!.annotations,
              ...(ownerReferences ? { ownerReferences } : {}),
            },
            data: real['data'],
            binaryData: real['binaryData'],
          },
        });
      };
      await replaceBatch();
      const fooled = await mergeWithNamespace();
      expect(fooled.outputs).toMatchObject({ conclusion: 'failure' });
      expect(fooled.main.rawOutput).toMatch(/is not used: it is not owned by this run.s queue ConfigMap/);
      expect(fooled.main.rawOutput).toMatch(/1 planned test was run by no worker/);
      // Owned by the queue again (its uid, as the worker wrote it): read.
      await replaceBatch(real.metadata!.ownerReferences);
      const merge = await mergeWithNamespace();
      expect(merge.main.exitCode, merge.main.rawOutput).toBe(0);
      expect(merge.outputs).toMatchObject({ conclusion: 'success', tests: '5', failed: '0' });
      expect(merge.main.rawOutput).toMatch(/Queue worker 3 sent no result: 1 batch it stored in the cluster/);
    } finally {
      await api
        .request({ method: 'DELETE', path: objectPath(types.namespace, undefined, killNs) })
        .catch(() => undefined);
    }
  });
});
