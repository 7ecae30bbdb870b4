/**
 * chaos-gate end to end: the real bundle through the local runner, against the test bed's real API server with
 * process-backed pods (real loopback processes behind a per-Service balancer), Prometheus, and the GitHub
 * stand-in checking every request against GitHub's OpenAPI. Each run ends with nothing of ours left in the
 * namespace: no chaos NetworkPolicy or ResourceQuota, and every replica count as it was.
 */
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '@gauntlet/github-api-standin';
import { KubeClient, collectionPath, objectPath, types, type KubeObject } from '@gauntlet/kube';
import { runActionLocally, type RunResult } from '@gauntlet/local-runner';
import { getTestbed, processBackedDeployment, startProcessPods, type ProcessPods } from '@gauntlet/testbed';
import { eventually, uniqueName } from '../support/polling.js';
import { pullRequestRun } from '../support/pull-request-run.js';

const tb = getTestbed();
const actionDir = path.resolve(import.meta.dirname, '../../actions/chaos-gate');
const HEAD = 'c4a05'.padEnd(40, '0');
const PR = 14;

let client: KubeClient;
let github: GitHubStandIn;
let pods: ProcessPods;
let ns: string;
let webAddress: string;

async function workspace(experiments: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'chaos-gate-it-'));
  await mkdir(path.join(dir, 'chaos'));
  await writeFile(path.join(dir, 'chaos', 'experiments.yaml'), experiments);
  return dir;
}

function experiment(name: string, faults: string, probeUrl = `http://${webAddress}/work`, extra = ''): string {
  return `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: ${name} }
spec:
  targets:
    - { name: web-pods, kind: Pod, selector: { app: web } }
    - { name: web, kind: Deployment, selector: { app: web } }
  steps: [{ faults: [${faults}] }]
  steadyState:
    slos: none
    probes: [{ name: web, http: { url: "${probeUrl}", timeout: 2s } }]
  recoveryTimeout: 20s
${extra}`;
}

async function run(
  dir: string,
  inputs: Record<string, string> = {},
  options: { cancelAfterMs?: number; skipPost?: boolean } = {},
): Promise<RunResult> {
  const pr = pullRequestRun(github, { pr: PR, head: HEAD });
  return runActionLocally({
    actionDir,
    workspace: dir,
    inputs: {
      namespace: ns,
      experiments: 'chaos/*.yaml',
      interval: '1s',
      'halt-label': '',
      'github-token': github.token,
      ...inputs,
    },
    event: pr.event,
    env: { ...pr.env, KUBECONFIG: tb.kubeconfig },
    ...(options.cancelAfterMs === undefined
      ? {}
      : {
          cancelAfterMs: options.cancelAfterMs,
          signalScheduleMs: { sigintToSigterm: 7_500, sigtermToSigkill: 2_500 },
        }),
    ...(options.skipPost ? { skipPost: true } : {}),
  });
}

/** Nothing of ours left: no labelled NetworkPolicy or ResourceQuota, web back at 3 replicas without our annotation. */
async function expectNoLeftovers(): Promise<void> {
  for (const type of [types.networkPolicy, types.resourceQuota]) {
    const left = await client.list(collectionPath(type, ns), { labelSelector: 'gauntlet.dev/chaos-run' });
    expect(left.items.map((o) => o.metadata?.name)).toEqual([]);
  }
  const web = await client.get<KubeObject>(objectPath(types.deployment, ns, 'web'));
  expect((web.spec as { replicas: number }).replicas).toBe(3);
  expect(web.metadata?.annotations?.['gauntlet.dev/chaos-restore']).toBeUndefined();
}

async function webBackAtThree(): Promise<void> {
  await pods.waitFor('3 web backends', () => pods.backends(ns, 'web').length === 3);
}

describe.skipIf(!tb.kwok || !tb.prometheusTargetsDir)('chaos-gate through the bundle', () => {
  beforeAll(async () => {
    github = await startGitHubStandIn();
    client = await KubeClient.create(tb.kubeConfig());
    ns = uniqueName('chaos-gate');
    await client.request({
      method: 'POST',
      path: collectionPath(types.namespace),
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    });
    await eventually('default service account', () =>
      client.getOptional(objectPath(types.serviceAccount, ns, 'default')),
    );
    pods = await startProcessPods({
      kubeConfig: tb.kubeConfig(),
      namespaces: [ns],
      ...(tb.prometheusTargetsDir ? { prometheusTargetsDir: tb.prometheusTargetsDir } : {}),
    });
    await client.request({
      method: 'POST',
      path: collectionPath(types.deployment, ns),
      body: processBackedDeployment('web', 3, { labels: { app: 'web' } }),
    });
    await client.request({
      method: 'POST',
      path: collectionPath(types.service, ns),
      body: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web' },
        spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
      },
    });
    await webBackAtThree();
    webAddress = await pods.serviceAddress(ns, 'web');
  });

  afterAll(async () => {
    await pods?.close();
    await client
      ?.request({ method: 'DELETE', path: objectPath(types.namespace, undefined, ns) })
      .catch(() => undefined);
    client?.close();
    await github?.close();
  });

  it('reaches the cluster through the kubeconfig input as content, as base64 or as a workspace path', async () => {
    const text = await readFile(tb.kubeconfig, 'utf8');
    const dir = await workspace(experiment('unused', '{ type: pod-delete, target: web-pods }'));
    await mkdir(path.join(dir, 'kube'));
    await writeFile(path.join(dir, 'kube', 'config'), text);
    for (const kubeconfig of [text, Buffer.from(text).toString('base64'), 'kube/config']) {
      const result = await runActionLocally({
        actionDir,
        workspace: dir,
        inputs: { mode: 'reap', namespace: ns, kubeconfig, 'github-token': github.token, report: 'false' },
        env: {
          GITHUB_API_URL: github.url,
          GITHUB_REPOSITORY: `${github.owner}/${github.repo}`,
          // Only the input can reach the cluster.
          KUBECONFIG: path.join(dir, 'no-such-kubeconfig'),
        },
        skipPost: true,
      });
      expect(result.conclusion, result.main.log.join('\n')).toBe('success');
      expect(result.outputs.verdict).toBe('pass');
      if (kubeconfig !== 'kube/config') expect(result.main.log.join('\n')).not.toContain(kubeconfig);
    }
  });

  it('passes when the service rides out a pod delete, with the check run, PR section, JUnit and journal', async () => {
    const dir = await workspace(
      experiment('web-pod-delete', '{ type: pod-delete, target: web-pods, duration: 3s, mode: forced }'),
    );
    const result = await run(dir, { 'max-targets': '1' });
    expect(result.conclusion, result.main.log.join('\n')).toBe('success');
    expect(result.outputs['verdict']).toBe('pass');
    const junit = await readFile(path.join(dir, 'chaos-junit.xml'), 'utf8');
    expect(junit).toMatch(/<testcase name="web-pod-delete"[^>]*classname="chaos-gate"/);
    expect(junit).toMatch(/failures="0"/);
    const journal = JSON.parse(await readFile(path.join(dir, 'chaos-journal.json'), 'utf8')) as {
      experiments: {
        verdict: string;
        faults: { state: string; deletedPods: unknown[] }[];
        journal: { event: string }[];
      }[];
    };
    expect(journal.experiments[0]!.verdict).toBe('pass');
    expect(journal.experiments[0]!.faults[0]!.deletedPods).toHaveLength(1);
    expect(journal.experiments[0]!.journal.map((j) => j.event)).toEqual(
      expect.arrayContaining(['steady-state before', 'injected', 'in effect', 'reverted', 'recovered']),
    );
    const check = github.store.checkRuns.find((c) => c.name === 'Chaos' && c.head_sha === HEAD);
    expect(check?.conclusion).toBe('success');
    const comment = github.store.comments.find((c) => c.body?.includes('chaos-gate'));
    expect(comment?.body).toMatch(/web-pod-delete/);
    expect(comment?.body).toMatch(/```mermaid/);
    expect(github.violations).toEqual([]);
    await webBackAtThree();
    await expectNoLeftovers();
  });

  it('runs a Chaos Toolkit experiment file as it is (JSON: hypothesis, method with a ref, pauses)', async () => {
    const dir = await workspace('');
    await writeFile(
      path.join(dir, 'chaos', 'ctk.json'),
      JSON.stringify({
        version: '1.0.0',
        title: 'Web keeps serving when a pod is terminated',
        configuration: { web_url: `http://${webAddress}/work` },
        'steady-state-hypothesis': {
          title: 'web is healthy',
          probes: [
            {
              type: 'probe',
              name: 'web-available',
              tolerance: true,
              provider: {
                type: 'python',
                module: 'chaosk8s.deployment.probes',
                func: 'deployment_available_and_healthy',
                arguments: { name: 'web' },
              },
            },
            {
              type: 'probe',
              name: 'web-answers',
              tolerance: 200,
              provider: { type: 'http', url: '${web_url}', timeout: 2 },
            },
          ],
        },
        method: [
          {
            type: 'action',
            name: 'terminate-one-web-pod',
            provider: {
              type: 'python',
              module: 'chaosk8s.pod.actions',
              func: 'terminate_pods',
              arguments: { label_selector: 'app=web', qty: 1, grace_period: 0 },
            },
            pauses: { after: 3 },
          },
          { ref: 'web-answers' },
        ],
        rollbacks: [],
      }),
    );
    const result = await run(dir, { experiments: 'chaos/*.json' });
    const log = result.main.log.join('\n');
    expect(result.conclusion, log).toBe('success');
    expect(result.outputs['verdict']).toBe('pass');
    const journal = JSON.parse(await readFile(path.join(dir, 'chaos-journal.json'), 'utf8')) as {
      experiments: { name: string; faults: { type: string; deletedPods: unknown[] }[] }[];
    };
    expect(journal.experiments[0]!.name).toBe('web-keeps-serving-when-a-pod-is-terminated');
    expect(journal.experiments[0]!.faults).toEqual([
      expect.objectContaining({ type: 'pod-delete', deletedPods: [expect.anything()] }),
    ]);
    await webBackAtThree();
    await expectNoLeftovers();
  });

  it('auto-targets picks from the dependency graph and says why; only a trusted run writes the history', async () => {
    const dir = await workspace('');
    const inputs = {
      experiments: '',
      'auto-targets': '1',
      'auto-fault-duration': '3s',
      'guarded-services': 'web',
      'selection-history': 'chaos-history.json',
    };
    const pr = await run(dir, inputs);
    const log = pr.main.log.join('\n');
    expect(pr.conclusion, log).toBe('success');
    expect(log).toMatch(/Selection history not written: a pull_request run never writes/);
    const journal = JSON.parse(await readFile(path.join(dir, 'chaos-journal.json'), 'utf8')) as {
      experiments: { name: string; verdict: string }[];
      selection: { picked: { key: string; reasons: string[] }[] };
    };
    expect(journal.experiments).toHaveLength(1);
    expect(journal.experiments[0]!.name).toMatch(/^auto-(pod-delete|scale-down)-web$/);
    expect(journal.selection.picked[0]!.reasons).toEqual(
      expect.arrayContaining(['behind an SLO-guarded service', 'never tested']),
    );
    const check = github.store.checkRuns.filter((c) => c.name === 'Chaos' && c.head_sha === HEAD).at(-1);
    expect(check?.output.summary).toMatch(/Why these targets[\s\S]*web (pod-delete|scale-down)/);
    await expect(readFile(path.join(dir, 'chaos-history.json'), 'utf8')).rejects.toThrow();
    await webBackAtThree();

    const push = await runActionLocally({
      actionDir,
      workspace: dir,
      inputs: { namespace: ns, interval: '1s', 'halt-label': '', 'github-token': '', ...inputs },
      event: { name: 'push', payload: { repository: { full_name: 'o/r', default_branch: 'main' } } },
      env: { KUBECONFIG: tb.kubeconfig, GITHUB_REF: 'refs/heads/main', GITHUB_RUN_ID: '992', GITHUB_RUN_ATTEMPT: '1' },
    });
    expect(push.conclusion, push.main.log.join('\n')).toBe('success');
    const history = JSON.parse(await readFile(path.join(dir, 'chaos-history.json'), 'utf8')) as {
      pairs: Record<string, { passes: number }>;
    };
    expect(Object.values(history.pairs)).toEqual([expect.objectContaining({ passes: 1, failures: 0 })]);
    await webBackAtThree();
    await expectNoLeftovers();
  });

  it('fails on a breach: the guard halts the experiment and every fault is reverted', async () => {
    const dir = await workspace(
      experiment('web-to-zero', '{ type: scale-down, target: web, replicas: 0, duration: 60s }'),
    );
    const result = await run(dir);
    expect(result.conclusion).toBe('failure');
    expect(result.outputs['verdict']).toBe('fail');
    expect(result.main.log.join('\n')).toMatch(/halted on breached: probe web/);
    await expectNoLeftovers();
    await webBackAtThree();
  });

  it('does not start when the steady state does not hold before the faults (never a pass)', async () => {
    const dir = await workspace(
      experiment('not-steady', '{ type: scale-down, target: web, replicas: 1, duration: 5s }', 'http://127.0.0.1:9/'),
    );
    const result = await run(dir);
    expect(result.conclusion).toBe('failure');
    expect(result.outputs['verdict']).toBe('not-started');
    const journal = await readFile(path.join(dir, 'chaos-journal.json'), 'utf8');
    expect(journal).not.toMatch(/"injected"/);
    await expectNoLeftovers();
  });

  it('is inconclusive when the SLOs have no data (never a pass)', async () => {
    const dir = await workspace(`apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
use: pod-delete
with: { target: app=web, duration: 3s }
`);
    const result = await run(dir, {
      'prometheus-url': tb.prometheusUrl,
      slos: `slos:
  - name: no-such-service
    ratio:
      bad: gauntlet_no_such_metric_total{namespace="{{namespace}}",code="500"}
      total: gauntlet_no_such_metric_total{namespace="{{namespace}}"}
    objective: { target: 99% }
`,
      'scrape-interval': '1s',
    });
    expect(result.conclusion).toBe('failure');
    expect(result.outputs['verdict']).toBe('inconclusive');
    await expectNoLeftovers();
  });

  it('the halt ConfigMap stops a running experiment within an interval, and it is reverted', async () => {
    const dir = await workspace(experiment('halted', '{ type: scale-down, target: web, replicas: 2, duration: 120s }'));
    const running = run(dir);
    await eventually('web scaled to 2', async () => {
      const web = await client.get<KubeObject>(objectPath(types.deployment, ns, 'web'));
      return (web.spec as { replicas: number }).replicas === 2 ? true : undefined;
    });
    await client.request({
      method: 'POST',
      path: collectionPath(types.configMap, ns),
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gauntlet-chaos-halt' } },
    });
    try {
      const result = await running;
      expect(result.outputs['verdict']).toBe('halted');
      expect(result.main.log.join('\n')).toMatch(/ConfigMap .*gauntlet-chaos-halt exists/);
      await expectNoLeftovers();
    } finally {
      await client.request({ method: 'DELETE', path: objectPath(types.configMap, ns, 'gauntlet-chaos-halt') });
    }
    await webBackAtThree();
  });

  it('SIGINT mid-fault: the main step reverts, the post step finds nothing left; 0 leftovers', async () => {
    const dir = await workspace(
      experiment('cancelled', '{ type: scale-down, target: web, replicas: 1, duration: 120s }'),
    );
    const running = run(dir, {}, { cancelAfterMs: 20_000 });
    await eventually('web scaled to 1', async () => {
      const web = await client.get<KubeObject>(objectPath(types.deployment, ns, 'web'));
      return (web.spec as { replicas: number }).replicas === 1 ? true : undefined;
    });
    const result = await running;
    expect(result.conclusion).toBe('cancelled');
    expect(result.state['ledger']).toMatch(/"replicasBefore":3/);
    await expectNoLeftovers();
    await webBackAtThree();
  });

  it('SIGKILL mid-fault: the post step reverts from the saved state alone', async () => {
    const dir = await workspace(experiment('killed', '{ type: scale-down, target: web, replicas: 1, duration: 120s }'));
    // SIGINT and SIGTERM are ignored only by a process that is gone: a 1 ms schedule reaches SIGKILL before the
    // inline revert can finish, so what is left is the post step's to revert.
    const running = runActionLocally({
      actionDir,
      workspace: dir,
      inputs: { namespace: ns, experiments: 'chaos/*.yaml', interval: '1s', 'halt-label': '', 'github-token': '' },
      env: { KUBECONFIG: tb.kubeconfig, GITHUB_RUN_ID: '991', GITHUB_RUN_ATTEMPT: '1' },
      cancelAfterMs: 20_000,
      signalScheduleMs: { sigintToSigterm: 1, sigtermToSigkill: 1 },
    });
    await eventually('web scaled to 1', async () => {
      const web = await client.get<KubeObject>(objectPath(types.deployment, ns, 'web'));
      return (web.spec as { replicas: number }).replicas === 1 ? true : undefined;
    });
    const result = await running;
    expect((result.post?.log ?? []).join('\n')).toMatch(/Reverted and verified|nothing|replicas restored/);
    await expectNoLeftovers();
    await webBackAtThree();
  });
});
