/**
 * The happy path through the real bundle: up creates a guarded environment and reports it, a re-run adopts it and
 * changes nothing, twenty more re-runs still give exactly one namespace (NS-02), down deletes it, and every
 * request on the way obeys the traffic rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '@gauntlet/github-api-standin';
import { FaultProxy, getTestbed } from '@gauntlet/testbed';
import {
  ENVIRONMENT_NAME,
  Guardrail_names,
  type KubeClient,
  type KubeObject,
  annotations,
  labels,
} from './kube-exports.js';
import {
  adminClient,
  cleanupRepository,
  ensureBuilt,
  environmentsOf,
  findLeaks,
  outputLeaks,
  pullRequestEvent,
  randomRepositoryId,
  runBundle,
  runInProcess,
  trafficViolations,
} from './harness.js';

const tb = getTestbed();
const repositoryId = randomRepositoryId();
const pr = 7;
let proxy: FaultProxy;
let kubeconfig: string;
let admin: KubeClient;
let github: GitHubStandIn;

beforeAll(async () => {
  ensureBuilt();
  proxy = await FaultProxy.forKubeconfig(tb.kubeconfig);
  kubeconfig = proxy.kubeConfig().exportConfig();
  admin = await adminClient(tb.kubeconfig);
  github = await startGitHubStandIn({ owner: 'acme', repo: 'shop' });
  github.seedPull(pr, { headSha: 'b'.repeat(40) });
});

afterAll(async () => {
  await cleanupRepository(admin, repositoryId);
  admin.close();
  await proxy.close();
  await github.close();
});

const stackInputs = { manifests: 'fixtures/basic/*.yaml', variables: 'REPLICAS=2', timeout: '3m' };

async function versions(namespace: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of [
    `/api/v1/namespaces/${namespace}/configmaps/web-config`,
    `/apis/apps/v1/namespaces/${namespace}/deployments/web`,
    `/api/v1/namespaces/${namespace}/services/web`,
    `/apis/batch/v1/namespaces/${namespace}/jobs/seed`,
    `/api/v1/namespaces/${namespace}/resourcequotas/gauntlet-quota`,
    `/api/v1/namespaces/${namespace}/limitranges/gauntlet-limits`,
    `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies/gauntlet-allow`,
  ]) {
    const object = await admin.get<KubeObject>(path);
    out[path] = object.metadata?.resourceVersion ?? '';
  }
  return out;
}

describe('provision-ephemeral-env: up, re-run, down', () => {
  let namespace = '';

  it('creates a guarded environment, reports it on the PR, and keeps it after the job', async () => {
    const result = await runBundle({
      inputs: { ...stackInputs, kubeconfig, report: 'true', 'github-token': github.token },
      event: pullRequestEvent(repositoryId, pr, 'b'.repeat(40)),
      env: { GITHUB_API_URL: github.url },
    });
    expect(result.main.exitCode, result.main.log.join('\n')).toBe(0);
    expect(result.post?.exitCode).toBe(0);
    namespace = result.outputs.namespace ?? '';
    expect(namespace).toMatch(ENVIRONMENT_NAME);
    expect(result.outputs.status).toBe('ready');
    const environment = JSON.parse(result.outputs.environment ?? '{}') as {
      services: Array<{ name: string; dns: string; ports: Array<{ port: number }> }>;
      prNumber: number;
    };
    expect(environment.prNumber).toBe(pr);
    // Applied by kind in Helm's install order, one kind after the other: the Service is there before any pod (the
    // seed Job's, the Deployment's) is created, so their containers get its WEB_SERVICE_HOST variables.
    const applies = proxy.requests.filter((r) => r.method === 'PATCH' && r.path.includes(`/namespaces/${namespace}/`));
    const order = ['configmaps/web-config', 'services/web', 'jobs/seed', 'deployments/web'];
    const arrivals = order.map((resource) => applies.find((r) => r.path.endsWith(`/${resource}`))?.seq ?? 0);
    expect(
      arrivals.every((seq) => seq > 0),
      `applies seen: ${applies.map((r) => r.path).join(', ')}`,
    ).toBe(true);
    expect(arrivals).toEqual([...arrivals].sort((a, b) => a - b));
    expect(environment.services).toEqual([
      expect.objectContaining({
        name: 'web',
        dns: `web.${namespace}.svc.cluster.local`,
        ports: [expect.objectContaining({ port: 80 })],
      }),
    ]);

    const ns = await admin.get<KubeObject>(`/api/v1/namespaces/${namespace}`);
    expect(ns.metadata?.labels).toMatchObject({
      [labels.managedBy]: 'gauntlet-provision',
      [labels.pr]: String(pr),
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
    expect(ns.metadata?.annotations?.[annotations.owner]).toBe(`${repositoryId}/pr/${pr}`);
    expect(ns.metadata?.annotations?.[annotations.headSha]).toBe('b'.repeat(40));
    for (const path of Guardrail_names(namespace)) expect(await admin.get(path)).toBeTruthy();

    // The report: a check run on the PR head and our section of the sticky comment, valid against GitHub's schema.
    expect(github.violations).toEqual([]);
    const run = github.store.checkRuns.find((r) => r.name === 'Ephemeral environment');
    expect(run?.conclusion).toBe('success');
    expect(run?.head_sha).toBe('b'.repeat(40));
    const comment = github.store.comments.at(-1)?.body ?? '';
    expect(comment).toContain('provision-ephemeral-env');
    expect(comment).toContain(namespace);
    expect(result.summary).toContain('Endpoints');
    expect(findLeaks(comment + result.summary, [github.token])).toEqual([]);
    expect(outputLeaks(result.main.rawOutput, [github.token])).toEqual([]);
  });

  it('adopts its own namespace on a re-run and changes nothing when the stack is unchanged', async () => {
    const before = await versions(namespace);
    const uid = (await admin.get<KubeObject>(`/api/v1/namespaces/${namespace}`)).metadata?.uid;
    const result = await runBundle({
      inputs: { ...stackInputs, kubeconfig },
      event: pullRequestEvent(repositoryId, pr, 'c'.repeat(40)),
    });
    expect(result.main.exitCode, result.main.log.join('\n')).toBe(0);
    expect(result.outputs.namespace).toBe(namespace);
    expect(result.main.log.join('\n')).toMatch(/adopting/);
    expect((await admin.get<KubeObject>(`/api/v1/namespaces/${namespace}`)).metadata?.uid).toBe(uid);
    expect(await versions(namespace)).toEqual(before);
  });

  it('NS-02: twenty more re-runs leave exactly one namespace for the pull request', async () => {
    let completed = 0;
    for (let i = 0; i < 20; i++) {
      const result = await runInProcess({
        inputs: { ...stackInputs, kubeconfig },
        event: pullRequestEvent(repositoryId, pr),
      });
      if (result.ok) completed++;
      else throw result.error;
    }
    expect(completed).toBe(20);
    const environments = await environmentsOf(admin, repositoryId);
    expect(environments.map((n) => n.metadata?.name)).toEqual([namespace]);
  });

  it('down deletes it and waits until it is gone; a second down finds nothing', async () => {
    const result = await runBundle({ inputs: { mode: 'down', kubeconfig }, event: pullRequestEvent(repositoryId, pr) });
    expect(result.main.exitCode, result.main.log.join('\n')).toBe(0);
    expect(result.outputs.status).toBe('deleted');
    expect(await admin.getOptional(`/api/v1/namespaces/${namespace}`)).toBeUndefined();
    const again = await runBundle({ inputs: { mode: 'down', kubeconfig }, event: pullRequestEvent(repositoryId, pr) });
    expect(again.main.exitCode).toBe(0);
    expect(again.outputs.status).toBe('absent');
  });

  it('sent only requests that obey the traffic rules', () => {
    expect(proxy.requests.length).toBeGreaterThan(0);
    expect(trafficViolations(proxy.requests)).toEqual([]);
  });
});
