/**
 * chaos-gate's documented RBAC, exactly: the Role in actions/chaos-gate/README.md (its `## RBAC` YAML block, read
 * from the README so the test and the docs cannot drift) bound in one namespace to a ServiceAccount, whose token is
 * the action's only identity. Through the bundle on the real API server (kwok pods), an experiment of every native
 * fault (pod-delete, scale-down, network-partition, dns-failure, resource-exhaustion) with the halt ConfigMap check
 * passes and leaves nothing; mode reap runs; and with each rule of the Role removed in turn the run fails with a
 * Forbidden in its log and leaves nothing, so no rule is superfluous.
 */
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, collectionPath, loadKubeConfig, objectPath, types, type KubeObject } from '@gauntlet/kube';
import { runActionLocally, type RunResult } from '@gauntlet/local-runner';
import { ensureChaosMesh, getTestbed, installCrds, startLitmusStatusWriter } from '@gauntlet/testbed';
import { eventually, uniqueName } from '../support/polling.js';
import { createWebNamespace } from './web-namespace.js';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const tb = getTestbed();
const actionDir = path.resolve(import.meta.dirname, '../../actions/chaos-gate');
const ROLE = 'gauntlet-chaos-gate';

let admin: KubeClient;
let ns: string;
let kubeconfig: string;
let rules: Rule[];

/** The first YAML block under the README's `## RBAC` heading. */
async function documentedRules(): Promise<Rule[]> {
  const readme = await readFile(path.join(actionDir, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## RBAC'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no YAML block under ## RBAC');
  const role = load(block) as { kind: string; metadata: { name: string }; rules: Rule[] };
  expect(role.kind).toBe('Role');
  expect(role.metadata.name).toBe(ROLE);
  return role.rules;
}

/** The rules of the README's optional block for a tool: the YAML block after its `Chaos Mesh:` or `LitmusChaos:` line. */
async function optionalRules(tool: 'Chaos Mesh' | 'LitmusChaos'): Promise<Rule[]> {
  const readme = await readFile(path.join(actionDir, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Chaos Mesh and LitmusChaos'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section.slice(section.indexOf(`\n${tool}:\n`)))?.[1];
  if (!block) throw new Error(`README.md has no ${tool} YAML block under ### Chaos Mesh and LitmusChaos`);
  return load(block) as Rule[];
}

async function setRules(next: Rule[]): Promise<void> {
  await admin.request({
    method: 'PUT',
    path: objectPath(types.role, ns, ROLE),
    body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: ROLE }, rules: next },
  });
}

/** Waits until the authorizer answers `allowed` for one verb (RBAC changes show after a moment). */
async function settle(sa: KubeClient, rule: Rule, allowed: boolean): Promise<void> {
  await eventually(`RBAC settled for ${rule.verbs[0]} ${rule.resources[0]}`, async () => {
    const review = await sa.request<{ status?: { allowed?: boolean } }>({
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: {
            namespace: ns,
            group: rule.apiGroups[0],
            resource: rule.resources[0],
            verb: rule.verbs[0],
          },
        },
      },
    });
    return (review.status?.allowed ?? false) === allowed ? true : undefined;
  });
}

const EXPERIMENT = `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: every-native-fault }
spec:
  targets:
    - { name: web-pods, kind: Pod, selector: { app: web } }
    - { name: web, kind: Deployment, selector: { app: web } }
  steps:
    - faults:
        - { type: pod-delete, target: web-pods, duration: 2s }
        - { type: network-partition, target: web-pods, duration: 2s }
    - faults:
        - { type: scale-down, target: web, replicas: 1, duration: 2s }
        - { type: dns-failure, target: web-pods, duration: 2s }
    # Alone: beside a scale-down the quota's pod count (read at plan) would leave headroom once the pods go.
    - faults:
        - { type: resource-exhaustion, duration: 2s }
  steadyState:
    slos: none
    probes: [{ name: alive, command: ["true"] }]
  recoveryTimeout: 10s
`;

/** A Chaos Mesh fault through its controller, then a Litmus one through the test bed's status writer. */
const FOREIGN_EXPERIMENT = `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: chaos-mesh-and-litmus }
spec:
  steps:
    - faults:
        - type: chaos-mesh
          duration: 3s
          resource: { kind: PodChaos, spec: { action: pod-failure, mode: one, selector: { labelSelectors: { app: web } } } }
    - faults:
        - type: litmus
          duration: 2s
          resource: { kind: ChaosEngine, spec: { appinfo: { applabel: app=web }, experiments: [{ name: pod-delete }] } }
  steadyState:
    slos: none
    probes: [{ name: alive, command: ["true"] }]
  recoveryTimeout: 10s
`;

async function run(inputs: Record<string, string> = {}, experiment = EXPERIMENT): Promise<RunResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'chaos-gate-rbac-'));
  await mkdir(path.join(dir, 'chaos'));
  await writeFile(path.join(dir, 'chaos', 'e.yaml'), experiment);
  return runActionLocally({
    actionDir,
    workspace: dir,
    inputs: {
      namespace: ns,
      experiments: 'chaos/*.yaml',
      kubeconfig,
      interval: '500ms',
      'halt-label': '',
      'github-token': '',
      ...inputs,
    },
    // No KUBECONFIG: the ServiceAccount's kubeconfig input is the only identity the action has.
    env: { GITHUB_RUN_ID: String(Math.floor(Math.random() * 1e9)), GITHUB_RUN_ATTEMPT: '1' },
  });
}

async function expectNothingLeft(): Promise<void> {
  for (const type of [types.networkPolicy, types.resourceQuota]) {
    const left = await admin.list(collectionPath(type, ns), { labelSelector: 'gauntlet.dev/chaos-run' });
    expect(left.items.filter((o) => !o.metadata?.deletionTimestamp).map((o) => o.metadata?.name)).toEqual([]);
  }
  const web = await admin.get<KubeObject>(objectPath(types.deployment, ns, 'web'));
  expect((web.spec as { replicas: number }).replicas).toBe(3);
  expect(web.metadata?.annotations?.['gauntlet.dev/chaos-restore']).toBeUndefined();
}

describe.skipIf(!tb.kwok)('chaos-gate with exactly the documented Role', () => {
  let sa: KubeClient;

  beforeAll(async () => {
    rules = await documentedRules();
    admin = await KubeClient.create(tb.kubeConfig());
    ns = uniqueName('chaos-rbac');
    await createWebNamespace(admin, ns, 3);
    await admin.request({
      method: 'POST',
      path: collectionPath(types.serviceAccount, ns),
      body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'chaos-gate' } },
    });
    await admin.request({
      method: 'POST',
      path: collectionPath(types.role, ns),
      body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: ROLE }, rules },
    });
    await admin.request({
      method: 'POST',
      path: collectionPath(types.roleBinding, ns),
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: ROLE },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: ROLE },
        subjects: [{ kind: 'ServiceAccount', name: 'chaos-gate', namespace: ns }],
      },
    });
    const { status } = await admin.request<{ status: { token: string } }>({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/serviceaccounts/chaos-gate/token`,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    });
    const cluster = (
      await loadKubeConfig({ path: tb.kubeconfig, registerSecret: () => undefined })
    ).kubeConfig.getCurrentCluster();
    kubeconfig = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: c\n  cluster:\n    server: ${cluster?.server}\n${cluster?.caData ? `    certificate-authority-data: ${cluster.caData}` : '    insecure-skip-tls-verify: true'}`,
      `users:\n- name: sa\n  user:\n    token: ${status.token}`,
      'contexts:\n- name: sa\n  context: {cluster: c, user: sa}',
      'current-context: sa',
    ].join('\n');
    sa = await KubeClient.create(
      (await loadKubeConfig({ inline: kubeconfig, registerSecret: () => undefined })).kubeConfig,
    );
    await settle(sa, rules[0]!, true);
  });

  afterAll(async () => {
    sa?.close();
    await admin?.request({ method: 'DELETE', path: objectPath(types.namespace, undefined, ns) }).catch(() => undefined);
    admin?.close();
  });

  it('every native fault passes and leaves nothing; mode reap runs', async () => {
    const result = await run();
    const log = result.main.log.join('\n');
    expect(result.outputs['verdict'], log).toBe('pass');
    expect(log).not.toMatch(/forbidden/i);
    await expectNothingLeft();
    const reaped = await run({ mode: 'reap' });
    expect(reaped.conclusion, reaped.main.log.join('\n')).toBe('success');
    // The README's Role has no Chaos Mesh rules (that backend is optional): the reaper says which Chaos Mesh kinds it
    // could not list and what to grant, and nothing else may be forbidden.
    const reapLines = reaped.main.log.filter((line) => /forbidden/i.test(line));
    expect(
      reapLines.filter(
        (line) => !/not listed \(forbidden; grant list and delete on (chaos-mesh\.org|litmuschaos\.io)/.test(line),
      ),
    ).toEqual([]);
  });

  it('with any one rule removed the run fails on a Forbidden and leaves nothing', async () => {
    const outcomes: string[] = [];
    for (const [index, rule] of rules.entries()) {
      await setRules(rules.filter((_, i) => i !== index));
      await settle(sa, rule, false);
      const result = await run();
      const log = result.main.log.join('\n');
      outcomes.push(
        `${rule.resources.join(',')}: ${result.conclusion} ${/forbidden/i.test(log) ? 'forbidden' : 'no forbidden in log'}`,
      );
      // A missing permission is found while planning (reads come before any write), so nothing is left behind.
      await expectNothingLeft();
      await setRules(rules);
      await settle(sa, rule, true);
    }
    expect(outcomes).toEqual(rules.map((r) => `${r.resources.join(',')}: failure forbidden`));
  });

  it(
    'with the Chaos Mesh and LitmusChaos blocks added, both faults pass and mode reap lists every kind',
    async () => {
      await ensureChaosMesh();
      await installCrds(tb.kubeConfig(), ['litmus']);
      const extra = [...(await optionalRules('Chaos Mesh')), ...(await optionalRules('LitmusChaos'))];
      const writer = startLitmusStatusWriter({ kubeConfig: tb.kubeConfig(), namespaces: [ns] });
      try {
        await setRules([...rules, ...extra]);
        for (const rule of extra) await settle(sa, rule, true);
        const result = await run({}, FOREIGN_EXPERIMENT);
        const log = result.main.log.join('\n');
        expect(result.outputs['verdict'], log).toBe('pass');
        expect(log).not.toMatch(/forbidden/i);
        expect(log).toMatch(/in effect: s1f1: PodChaos \S+: AllInjected/);
        expect(log).toMatch(/fault verdict: s2f1: ChaosResult verdict Pass/);
        await expectNothingLeft();
        for (const plural of [
          'chaos-mesh.org/v1alpha1/namespaces/NS/podchaos',
          'litmuschaos.io/v1alpha1/namespaces/NS/chaosengines',
        ])
          await eventually(`no ${plural} left`, async () =>
            (await admin.list(`/apis/${plural.replace('NS', ns)}`)).items.length === 0 ? true : undefined,
          );
        const reaped = await run({ mode: 'reap' });
        expect(reaped.conclusion, reaped.main.log.join('\n')).toBe('success');
        expect(reaped.main.log.filter((line) => /forbidden/i.test(line))).toEqual([]);
      } finally {
        await writer.close();
        await setRules(rules);
      }
    },
    30 * 60_000,
  );
});
