/**
 * Blast radius on the real API server (CH-01, CH-07): a seeded corpus of experiments whose selectors and
 * namespaces are fuzzed — Gauntlet documents, library experiments and Chaos Toolkit files; namespaces allowed,
 * outside (one with the same workloads, so a leak would find targets), look-alikes and invalid ones — each run by
 * the real action in this process against the test bed's API server through the recording fault proxy. Every
 * request is classified by the namespace of its path: 0 writes outside the allow-list, every refusal before the
 * first write with the offending field named, and the inside cases really write (the count sees writes).
 *
 * GAUNTLET_CH07_CORPUS sets the corpus size (default 80).
 */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomInt, seededRandom } from '@gauntlet/action-kit';
import { runStep } from '@gauntlet/action-runtime/testing';
import { isReadyPod } from '@gauntlet/chaos';
import { KubeClient, collectionPath, objectPath, types, type KubeObject } from '@gauntlet/kube';
import { FaultProxy, getTestbed, type RecordedRequest } from '@gauntlet/testbed';
import chaosGate from '../../actions/chaos-gate/src/index.js';
import { eventually, uniqueName } from '../support/polling.js';

const tb = getTestbed();
const CORPUS = Number(process.env['GAUNTLET_CH07_CORPUS'] ?? 80);
let runSeq = 0;
const SLO = `slos:
  - name: availability
    ratio: { bad: 'sum(rate(http_requests_total{code=~"5.."}[{{window}}]))', total: 'sum(rate(http_requests_total[{{window}}]))' }
    objective: { target: 99% }
`;
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

let admin: KubeClient;
let proxy: FaultProxy;
let inside: string; // the run's namespace
let shared: string; // allowed-namespaces
let outside: string; // same workloads, not allowed
const created: string[] = [];

async function namespaceWithWorkloads(name: string): Promise<void> {
  await admin.request({
    method: 'POST',
    path: collectionPath(types.namespace),
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
  });
  created.push(name);
  await eventually('default service account', () =>
    admin.getOptional(objectPath(types.serviceAccount, name, 'default')),
  );
  for (const app of ['web', 'db']) {
    const labels = { app, tier: app === 'web' ? 'front' : 'back' };
    await admin.request({
      method: 'POST',
      path: collectionPath(types.deployment, name),
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: app, labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] },
          },
        },
      },
    });
  }
  await eventually(`${name}: 4 ready pods`, async () => {
    const pods = await admin.list(collectionPath(types.pod, name));
    return pods.items.filter(isReadyPod).length === 4;
  });
}

/**
 * A write sent as a server-side dry run. A DELETE with a body takes its options from the body alone (the API server
 * then ignores the query), so there the body decides.
 */
function isDryRun(request: RecordedRequest): boolean {
  if (request.method === 'DELETE' && request.body.trim() !== '')
    return ((JSON.parse(request.body) as { dryRun?: string[] }).dryRun ?? []).includes('All');
  return request.query['dryRun']?.includes('All') ?? false;
}

/** The namespace a request writes in, or 'cluster' for a cluster-scoped write (a namespace itself included). */
function writeScope(request: RecordedRequest): string {
  const match = /^\/(?:api\/v1|apis\/[^/]+\/[^/]+)\/namespaces\/([^/]+)\/.+/.exec(request.path);
  return match ? decodeURIComponent(match[1]!) : 'cluster';
}

type Expected = 'invalid' | 'outside' | 'inside';
interface Case {
  readonly text: string;
  readonly file: string;
  readonly expected: Expected;
  /** What the refusal must name (a field path or the namespace reached). */
  readonly names?: RegExp;
  readonly dryRun: boolean;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The seeded corpus: each case's expected outcome is worked out here, independently of the action. */
function corpus(seed: number, size: number): Case[] {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[randomInt(random, 0, xs.length)]!;
  const allowed = [inside, shared, undefined];
  const foreign = [outside, 'default', 'kube-system', 'kube-public', `${inside}x`, inside.slice(0, -1), `x${shared}`];
  const invalid = ['Kube-System', 'a/b', '..', '*', '', 'x'.repeat(64), 'ns;rm -rf', 'ns\u200b1', '-ns'];
  const namespace = (): { ns: string | undefined; kind: Expected } => {
    const r = random();
    if (r < 0.6) return { ns: pick(allowed), kind: 'inside' };
    if (r < 0.92) return { ns: pick(foreign), kind: 'outside' };
    return { ns: pick(invalid), kind: 'invalid' };
  };
  const selector = (): { text: string; valid: boolean } => {
    if (random() < 0.85)
      return { text: pick(['{ app: web }', '{ app: db }', '{ app: web, tier: front }']), valid: true };
    return {
      text: pick([
        '{}',
        '{ app: "web,tier!=x" }',
        '{ app: "web)" }',
        '{ app: "" }',
        '{ "a b": web }',
        '{ app: [web] }',
      ]),
      valid: false,
    };
  };
  const probe = `{ name: alive, command: [${JSON.stringify(process.execPath)}, "-e", "0"] }`;
  const out: Case[] = [];
  for (let i = 0; i < size; i++) {
    const form = pick(['full', 'full', 'library', 'toolkit'] as const);
    const dryRun = random() < 0.5;
    if (form === 'full') {
      const count = randomInt(random, 1, 4);
      const targets: string[] = [];
      let expected: Expected = 'inside';
      let names: RegExp | undefined;
      const worse = (kind: Expected, why: RegExp): void => {
        if (kind === 'invalid' && expected !== 'invalid') [expected, names] = ['invalid', why];
        else if (kind === 'outside' && expected === 'inside') [expected, names] = ['outside', why];
      };
      for (let t = 0; t < count; t++) {
        const { ns, kind } = namespace();
        const sel = selector();
        const kindOf = t === 0 ? 'Deployment' : 'Pod';
        targets.push(
          `    - { name: t${t}, kind: ${kindOf}, selector: ${sel.text}${ns === undefined ? '' : `, namespace: ${JSON.stringify(ns)}`} }`,
        );
        if (!sel.valid) worse('invalid', new RegExp(`spec\\.targets\\[${t}\\]`));
        worse(
          kind,
          kind === 'invalid'
            ? new RegExp(`spec\\.targets\\[${t}\\]`)
            : new RegExp(`reaches namespace '${escape(ns ?? '')}'`),
        );
      }
      const faults = [
        '{ type: scale-down, target: t0, replicas: 1, duration: 1s }',
        '{ type: pod-delete, target: t0, duration: 1s, mode: forced }',
      ];
      if (count > 1) faults.push('{ type: dns-failure, target: t1, duration: 1s }');
      const quota = namespace();
      faults.push(
        `{ type: resource-exhaustion, duration: 1s${quota.ns === undefined ? '' : `, namespace: ${JSON.stringify(quota.ns)}`} }`,
      );
      // Only the fault the experiment holds counts: the quota's namespace only when it is the one picked.
      const fault = pick(faults);
      if (fault.startsWith('{ type: resource-exhaustion'))
        worse(
          quota.kind,
          quota.kind === 'invalid' ? /faults\[0\]/ : new RegExp(`reaches namespace '${escape(quota.ns ?? '')}'`),
        );
      out.push({
        file: `c${i}.yaml`,
        expected,
        ...(names ? { names } : {}),
        dryRun,
        text: `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: c${i} }
spec:
  targets:
${targets.join('\n')}
  steps: [{ faults: [${fault}] }]
  steadyState: { slos: none, probes: [${probe}] }
  blastRadius: { maxTargets: 1 }
  recoveryTimeout: 10s
`,
      });
    } else if (form === 'library') {
      const { ns, kind } = namespace();
      const use = pick(['pod-delete', 'pod-failure', 'scale-down'] as const);
      const target = pick(['app=web', 'app=db', 'app=web,tier=front', 'app=web,tier!=x', 'app', '=web']);
      const validTarget = !/!=|^app$|^=/.test(target);
      const expected: Expected = !validTarget || kind === 'invalid' ? 'invalid' : kind;
      out.push({
        file: `c${i}.yaml`,
        expected,
        names:
          expected === 'invalid'
            ? /with\.(target|namespace)|targets\[0\]/
            : new RegExp(`reaches namespace '${escape(ns ?? '')}'`),
        dryRun,
        // Library experiments observe the SLOs by default; these name none, so a probe-free steady state is given
        // through the full form's fields only. The library form is refused or accepted before anything runs.
        text: `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: c${i} }
use: ${use}
with: { target: "${target}", duration: 1s, slos: [] , maxTargets: 1${ns === undefined ? '' : `, namespace: ${JSON.stringify(ns)}`} }
`,
      });
    } else {
      const { ns, kind } = namespace();
      const func = pick(['scale_deployment', 'terminate_pods'] as const);
      const args =
        func === 'scale_deployment'
          ? { name: pick(['web', 'db']), replicas: 1, ...(ns === undefined ? {} : { ns }) }
          : { label_selector: pick(['app=web', 'app=db']), qty: 1, ...(ns === undefined ? {} : { ns }) };
      out.push({
        file: `c${i}.json`,
        expected: kind,
        names:
          kind === 'invalid'
            ? /method\[0\]\.provider\.arguments\.ns: /
            : new RegExp(`reaches namespace '${escape(ns ?? '')}'`),
        dryRun,
        text: JSON.stringify({
          title: `c${i}`,
          'steady-state-hypothesis': {
            title: 'alive',
            probes: [
              {
                type: 'probe',
                name: 'alive',
                tolerance: 0,
                provider: { type: 'process', path: process.execPath, arguments: ['-e', '0'] },
              },
            ],
          },
          method: [
            {
              type: 'action',
              name: 'fault',
              provider: {
                type: 'python',
                module: `chaosk8s.${func === 'terminate_pods' ? 'pod' : 'deployment'}.actions`,
                func,
                arguments: args,
              },
              pauses: { after: 1 },
            },
          ],
        }),
      });
    }
  }
  return out;
}

async function runCase(
  c: Case,
  extra: Record<string, string> = {},
): Promise<{ failed?: string; verdict?: string; log: string; summary: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'chaos-blast-'));
  await mkdir(path.join(dir, 'chaos'));
  await writeFile(path.join(dir, 'chaos', c.file), c.text);
  const host = await runStep(chaosGate, 'main', {
    inputs: {
      namespace: inside,
      'allowed-namespaces': shared,
      experiments: 'chaos/*',
      kubeconfig: proxy.kubeConfig().exportConfig(),
      interval: '500ms',
      'halt-label': '',
      // action.yml's default (the test host does not fill defaults in): the first read that reaches the cluster.
      'halt-configmap': 'gauntlet-chaos-halt',
      report: 'false',
      'dry-run': String(c.dryRun),
      ...extra,
    },
    env: {
      GITHUB_WORKSPACE: dir,
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_RUN_ID: String(1_000_000 + ++runSeq),
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_SHA: 'b1a57'.padEnd(40, '0'),
    },
  });
  return {
    ...(host.failed !== undefined ? { failed: host.failed } : {}),
    ...(host.outputs['verdict'] !== undefined ? { verdict: host.outputs['verdict'] } : {}),
    log: host.logger.lines.map((l) => l.message).join('\n'),
    summary: host.summary.text(),
  };
}

describe.skipIf(!tb.kwok)('blast radius and dry run on the real API server (CH-01, CH-02, CH-07)', () => {
  beforeAll(async () => {
    admin = await KubeClient.create(tb.kubeConfig());
    inside = uniqueName('blast-in');
    shared = uniqueName('blast-shared');
    outside = uniqueName('blast-out');
    await Promise.all([inside, shared, outside].map(namespaceWithWorkloads));
    proxy = await FaultProxy.forKubeconfig(tb.kubeconfig);
  }, 180_000);

  afterAll(async () => {
    await proxy?.close();
    for (const name of created)
      await admin
        .request({ method: 'DELETE', path: objectPath(types.namespace, undefined, name) })
        .catch(() => undefined);
    admin?.close();
  });

  it('dry-run: every write of every native fault is a server-side dry run, and nothing changes (CH-02)', async () => {
    const before = await snapshot(inside);
    proxy.clearRequests();
    const probe = `{ name: alive, command: [${JSON.stringify(process.execPath)}, "-e", "0"] }`;
    const result = await runCase({
      file: 'dry.yaml',
      expected: 'inside',
      dryRun: true,
      text: `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: dry }
spec:
  targets:
    - { name: web, kind: Deployment, selector: { app: web } }
    - { name: web-pods, kind: Pod, selector: { app: web } }
    - { name: db-pods, kind: Pod, selector: { app: db } }
  steps:
    - faults:
        - { type: scale-down, target: web, replicas: 0, duration: 1s }
        - { type: pod-delete, target: web-pods, duration: 1s, mode: forced }
        - { type: network-partition, target: db-pods, from: web-pods, duration: 1s }
    - faults:
        - { type: dns-failure, target: web-pods, duration: 1s }
        - { type: resource-exhaustion, duration: 1s }
  steadyState: { slos: none, probes: [${probe}] }
  recoveryTimeout: 10s
`,
    });
    expect(result.failed, result.log).toBeUndefined();
    const writes = proxy.requests.filter((r) => WRITES.has(r.method));
    expect(writes.filter((w) => !isDryRun(w))).toEqual([]);
    // At least one dryRun=All request per object a fault writes: the Deployment, the pods, two policies, the quota.
    const kinds = writes.map((w) => `${w.method} ${/\/namespaces\/[^/]+\/([^/]+)/.exec(w.path)?.[1]}`);
    expect(kinds).toEqual(
      expect.arrayContaining(['PATCH deployments', 'DELETE pods', 'POST networkpolicies', 'POST resourcequotas']),
    );
    expect(kinds.filter((k) => k === 'POST networkpolicies')).toHaveLength(2);
    expect(writes.filter((w) => w.method === 'DELETE' && w.path.includes('/pods/'))).toHaveLength(2);
    expect(await snapshot(inside)).toEqual(before);
    // The report says it was a dry run and carries the decision policy and the run's trajectory through it.
    expect(result.summary).toMatch(/Dry run: every write was a server-side dry run/);
    expect(result.summary).toMatch(/Decision policy and trajectories/);
    expect(result.summary).toMatch(/\| degraded \| continue \| rollback \(after 3 in a row\) \|/);
    expect(result.summary).toMatch(/\| dry \| steady×1→continue/);
  });

  it('an unreachable cluster or Prometheus is a clear error or verdict before any fault', async () => {
    const text = `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: reach }
spec:
  targets: [{ name: web, kind: Deployment, selector: { app: web } }]
  steps: [{ faults: [{ type: scale-down, target: web, replicas: 1, duration: 1s }] }]
  recoveryTimeout: 5s
`;
    const dead = proxy.kubeConfig().exportConfig().replace(proxy.url, 'http://127.0.0.1:1');
    const cluster = await runCase(
      { file: 'reach.yaml', expected: 'inside', dryRun: false, text },
      { kubeconfig: dead, slos: SLO, 'prometheus-url': tb.prometheusUrl ?? 'http://127.0.0.1:1' },
    );
    expect(cluster.failed, cluster.log).toMatch(/127\.0\.0\.1:1|ECONNREFUSED|connect/);
    // Without a halt ConfigMap to read, the cluster is still reached before any experiment starts: an error, not
    // an experiment's verdict (the steady state here has no cluster read, so nothing else would reach it).
    const probe = `{ name: alive, command: [${JSON.stringify(process.execPath)}, "-e", "0"] }`;
    const noConfigMap = await runCase(
      {
        file: 'reach.yaml',
        expected: 'inside',
        dryRun: false,
        text: text.replace('  recoveryTimeout', `  steadyState: { slos: none, probes: [${probe}] }\n  recoveryTimeout`),
      },
      { kubeconfig: dead, 'halt-configmap': '' },
    );
    expect(noConfigMap.failed, noConfigMap.log).toMatch(/127\.0\.0\.1:1|ECONNREFUSED|connect/);
    expect(noConfigMap.log).not.toMatch(/steady-state before/);
    expect(noConfigMap.verdict).toBeUndefined();
    proxy.clearRequests();
    const prometheus = await runCase(
      { file: 'reach.yaml', expected: 'inside', dryRun: false, text },
      { slos: SLO, 'prometheus-url': 'http://127.0.0.1:1' },
    );
    expect(prometheus.verdict, prometheus.log).not.toBe('pass');
    expect(prometheus.failed, prometheus.log).toMatch(/not started|no data/);
    expect(prometheus.log).toMatch(/127\.0\.0\.1:1|refused|unreachable/i);
    expect(proxy.requests.filter((r) => WRITES.has(r.method))).toEqual([]);
  });

  it('a NetworkPolicy over the limits in a later step or experiment is refused before the first write of the run', async () => {
    const probe = `{ name: alive, command: [${JSON.stringify(process.execPath)}, "-e", "0"] }`;
    const doc = (name: string, steps: string): string => `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: ${name} }
spec:
  targets:
    - { name: web, kind: Deployment, selector: { app: web } }
    - { name: web-pods, kind: Pod, selector: { app: web } }
  steps:
${steps}  steadyState: { slos: none, probes: [${probe}] }
  recoveryTimeout: 10s
`;
    const scale = '    - faults: [{ type: scale-down, target: web, replicas: 1, duration: 1s }]\n';
    const dns = '    - faults: [{ type: dns-failure, target: web-pods, duration: 1s }]\n';
    const before = await snapshot(inside);
    for (const [file, text] of [
      ['later-step.yaml', doc('later-step', scale + dns)],
      ['later-experiment.yaml', `${doc('first', scale)}---\n${doc('second', dns)}`],
    ] as const) {
      proxy.clearRequests();
      const result = await runCase({ file, expected: 'inside', dryRun: false, text }, { 'max-targets': '1' });
      expect(result.failed, result.log).toMatch(
        /dns-failure\) would cut all 2 pods its NetworkPolicy selects .* allow 1: a NetworkPolicy cannot hit a subset/,
      );
      expect(result.log).not.toMatch(/steady-state before|: injected: /);
      expect(proxy.requests.filter((r) => WRITES.has(r.method))).toEqual([]);
    }
    expect(await snapshot(inside)).toEqual(before);
  });

  it(`a fuzzed corpus of ${CORPUS} experiments writes nothing outside the allow-list`, async () => {
    const outsideBefore = await snapshot(outside);
    const tally = { invalid: 0, outside: 0, inside: 0, insideWrites: 0, dryRunWrites: 0, injected: 0 };
    const stray: string[] = [];
    let last = Date.now();
    const cases = corpus(7, CORPUS);
    for (const [i, c] of cases.entries()) {
      if (Date.now() - last > 10_000) {
        console.log(`[CH-07] ${i}/${cases.length} cases, ${tally.insideWrites} writes inside so far`);
        last = Date.now();
      }
      proxy.clearRequests();
      const result = await runCase(c);
      const writes = proxy.requests.filter((r) => WRITES.has(r.method));
      for (const w of writes) {
        const scope = writeScope(w);
        if (scope !== inside && scope !== shared) stray.push(`case ${i} (${c.file}): ${w.method} ${w.path}`);
      }
      const context = `case ${i} (${c.file}, expected ${c.expected}):\n${c.text}\n${result.failed ?? result.log}`;
      tally[c.expected]++;
      if (c.expected === 'inside') {
        tally.insideWrites += writes.length;
        tally.dryRunWrites += writes.filter(isDryRun).length;
        if (result.log.includes(': in effect:')) tally.injected++;
        // Every write of a dry run is a server-side dry run.
        if (c.dryRun)
          expect(
            writes.filter((w) => !isDryRun(w)),
            context,
          ).toEqual([]);
        expect(result.failed ?? '', context).not.toMatch(/outside the allowed namespaces/);
      } else {
        expect(result.failed, context).toBeDefined();
        expect(writes, `refused before the first write: ${context}`).toEqual([]);
        if (c.expected === 'outside') expect(result.failed, context).toMatch(/outside the allowed namespaces/);
        if (c.names) expect(result.failed, context).toMatch(c.names);
      }
    }
    console.log(
      `[CH-07] ${cases.length} cases: ${tally.inside} inside (${tally.injected} with a fault in effect, ${tally.insideWrites} writes, ${tally.dryRunWrites} of them dryRun=All), ${tally.outside} reaching outside and ${tally.invalid} invalid refused before any write; writes outside the allow-list: ${stray.length}`,
    );
    expect(stray).toEqual([]);
    expect(tally.inside).toBeGreaterThan(5);
    expect(tally.outside).toBeGreaterThan(5);
    expect(tally.injected).toBeGreaterThan(0);
    expect(tally.insideWrites).toBeGreaterThan(tally.dryRunWrites);
    // The outside namespace, checked directly: the same objects, replicas and pods as before.
    expect(await snapshot(outside)).toEqual(outsideBefore);
  }, 900_000);
});

/** Replicas, pod uids, NetworkPolicies and ResourceQuotas of a namespace. */
async function snapshot(namespace: string): Promise<Record<string, unknown>> {
  const names = async (type: Parameters<typeof collectionPath>[0]): Promise<string[]> =>
    (await admin.list(collectionPath(type, namespace))).items.map((o: KubeObject) => o.metadata?.name ?? '').sort();
  const deployments = (await admin.list(collectionPath(types.deployment, namespace))).items.map((d: KubeObject) => [
    d.metadata?.name,
    (d.spec as { replicas?: number }).replicas,
    d.metadata?.annotations?.['gauntlet.dev/chaos-restore'] ?? null,
  ]);
  const pods = (await admin.list(collectionPath(types.pod, namespace))).items
    .map((p: KubeObject) => p.metadata?.uid)
    .sort();
  return {
    deployments,
    pods,
    networkPolicies: await names(types.networkPolicy),
    quotas: await names(types.resourceQuota),
  };
}
