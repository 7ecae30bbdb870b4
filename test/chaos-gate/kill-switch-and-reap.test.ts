/**
 * chaos-gate's kill switch by label and its reaper, through the real bundle against the test bed's API server
 * (kwok pods) and the GitHub stand-in, which serves the issue-labels API checked against GitHub's OpenAPI:
 * - the halt label added to the pull request mid-run (any case) stops the experiment within an interval and every
 *   fault is reverted; a pull request that already has it starts nothing;
 * - mode reap reverts only what carries our marks and has expired (created objects by uid, replicas from the
 *   restore annotation), leaves what is live, unmarked or unreadable, and with dry-run changes nothing.
 */
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '@gauntlet/github-api-standin';
import { KubeClient, collectionPath, objectPath, types, type KubeObject } from '@gauntlet/kube';
import { runActionLocally, type RunResult } from '@gauntlet/local-runner';
import { getTestbed } from '@gauntlet/testbed';
import { eventually, uniqueName } from '../support/polling.js';
import { pullRequestRun } from '../support/pull-request-run.js';
import { createWebNamespace } from './web-namespace.js';

const tb = getTestbed();
const actionDir = path.resolve(import.meta.dirname, '../../actions/chaos-gate');
const HEAD = 'ab1e1'.padEnd(40, '0');
const PR = 41;

let client: KubeClient;
let github: GitHubStandIn;
let ns: string;

async function workspace(faults: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'chaos-gate-halt-'));
  await mkdir(path.join(dir, 'chaos'));
  await writeFile(
    path.join(dir, 'chaos', 'e.yaml'),
    `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: labelled }
spec:
  targets: [{ name: web, kind: Deployment, selector: { app: web } }]
  steps: [{ faults: [${faults}] }]
  steadyState:
    slos: none
    probes: [{ name: alive, command: ["true"] }]
  recoveryTimeout: 10s
`,
  );
  return dir;
}

function run(dir: string, inputs: Record<string, string>): Promise<RunResult> {
  // The event's labels are as they were when the run started; the label added later is read from the API.
  const pr = pullRequestRun(github, { pr: PR, head: HEAD });
  return runActionLocally({
    actionDir,
    workspace: dir,
    inputs: { namespace: ns, experiments: 'chaos/*.yaml', 'github-token': github.token, interval: '1s', ...inputs },
    event: pr.event,
    env: { ...pr.env, KUBECONFIG: tb.kubeconfig },
  });
}

async function replicas(): Promise<number> {
  const web = await client.get<KubeObject>(objectPath(types.deployment, ns, 'web'));
  return (web.spec as { replicas: number }).replicas;
}

async function chaosObjects(): Promise<string[]> {
  const names: string[] = [];
  for (const type of [types.networkPolicy, types.resourceQuota]) {
    const list = await client.list(collectionPath(type, ns), { labelSelector: 'gauntlet.dev/chaos-run' });
    for (const o of list.items) if (!o.metadata?.deletionTimestamp) names.push(`${type.kind} ${o.metadata?.name}`);
  }
  return names;
}

describe.skipIf(!tb.kwok)('chaos-gate kill switch by label, and mode reap, through the bundle', () => {
  beforeAll(async () => {
    github = await startGitHubStandIn();
    github.seedPull(PR, { headSha: HEAD });
    client = await KubeClient.create(tb.kubeConfig());
    ns = uniqueName('chaos-halt');
    await createWebNamespace(client, ns, 3);
  });

  afterAll(async () => {
    await client
      ?.request({ method: 'DELETE', path: objectPath(types.namespace, undefined, ns) })
      .catch(() => undefined);
    client?.close();
    await github?.close();
  });

  it('the halt label added mid-run stops the experiment, every fault reverted', async () => {
    github.setLabels(PR, []);
    const dir = await workspace('{ type: scale-down, target: web, replicas: 1, duration: 120s }');
    const running = run(dir, { 'halt-label': 'chaos-halt' });
    await eventually('web scaled to 1', async () => ((await replicas()) === 1 ? true : undefined));
    github.setLabels(PR, ['needs review', 'Chaos-Halt']);
    const result = await running;
    const log = result.main.log.join('\n');
    expect(result.outputs['verdict'], log).toBe('halted');
    expect(log).toMatch(/halted by the kill switch: the pull request has the label "chaos-halt"/);
    expect(await replicas()).toBe(3);
    expect(await chaosObjects()).toEqual([]);
    expect(github.requests.some((r) => r.method === 'GET' && r.path.endsWith(`/issues/${PR}/labels`))).toBe(true);
    expect(github.violations).toEqual([]);
  });

  it('a pull request that already has the label starts nothing', async () => {
    github.setLabels(PR, ['chaos-halt']);
    const dir = await workspace('{ type: dns-failure, target: web, duration: 30s }');
    const result = await run(dir, { 'halt-label': 'chaos-halt' });
    expect(result.outputs['verdict'], result.main.log.join('\n')).toBe('halted');
    const journal = await readFile(path.join(dir, 'chaos-journal.json'), 'utf8');
    expect(journal).not.toMatch(/"injected"/);
    expect(await chaosObjects()).toEqual([]);
    expect(github.violations).toEqual([]);
    github.setLabels(PR, []);
  });

  it('mode reap reverts what expired and carries our marks, and nothing else; dry-run changes nothing', async () => {
    const policy = (name: string, labels: Record<string, string>, annotations: Record<string, string>) => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name, labels, annotations },
      spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] },
    });
    const ours = { 'gauntlet.dev/chaos-run': 'r1', 'app.kubernetes.io/managed-by': 'gauntlet-chaos' };
    const past = new Date(Date.now() - 60_000).toISOString();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    for (const body of [
      policy('expired', ours, { 'gauntlet.dev/chaos-expires': past }),
      policy('live', ours, { 'gauntlet.dev/chaos-expires': future }),
      policy('unreadable', ours, { 'gauntlet.dev/chaos-expires': 'soon' }),
      policy('not-ours', {}, { 'gauntlet.dev/chaos-expires': past }),
    ])
      await client.request({ method: 'POST', path: collectionPath(types.networkPolicy, ns), body });
    await client.request({
      method: 'PATCH',
      path: objectPath(types.deployment, ns, 'web'),
      contentType: 'application/merge-patch+json',
      body: {
        spec: { replicas: 1 },
        metadata: {
          annotations: { 'gauntlet.dev/chaos-restore': JSON.stringify({ replicas: 3, expires: past }) },
        },
      },
    });
    const names = async () =>
      (await client.list(collectionPath(types.networkPolicy, ns))).items
        .filter((o) => !o.metadata?.deletionTimestamp)
        .map((o) => o.metadata?.name)
        .sort();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'chaos-gate-reap-'));

    const dry = await run(dir, { mode: 'reap', 'dry-run': 'true', 'halt-label': '' });
    expect(dry.conclusion, dry.main.log.join('\n')).toBe('success');
    expect(dry.main.log.join('\n')).toMatch(/NetworkPolicy .*\/expired: would delete/);
    expect(await names()).toEqual(['expired', 'live', 'not-ours', 'unreadable']);
    expect(await replicas()).toBe(1);

    const reaped = await run(dir, { mode: 'reap', 'halt-label': '' });
    const log = reaped.main.log.join('\n');
    expect(reaped.conclusion, log).toBe('success');
    expect(log).toMatch(/NetworkPolicy .*\/live: not expired/);
    expect(log).toMatch(/Deployment .*\/web: replicas restored to 3/);
    await eventually('expired policy gone', async () => ((await names()).includes('expired') ? undefined : true));
    expect(await names()).toEqual(['live', 'not-ours', 'unreadable']);
    expect(await replicas()).toBe(3);
    const web = await client.get<KubeObject>(objectPath(types.deployment, ns, 'web'));
    expect(web.metadata?.annotations?.['gauntlet.dev/chaos-restore']).toBeUndefined();
    const check = github.store.checkRuns.find((c) => c.name.endsWith('reaper') && c.head_sha === HEAD);
    expect(check?.conclusion).toBe('success');
    expect(github.violations).toEqual([]);
    for (const name of ['live', 'unreadable', 'not-ours'])
      await client.request({ method: 'DELETE', path: objectPath(types.networkPolicy, ns, name) });
  });
});
