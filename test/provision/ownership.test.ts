/**
 * Never touching what is not ours, and refusing before any request what must not run: a foreign namespace with the
 * environment's name (NS-03), a look-alike with copied labels, fuzzed branch names and inputs (NS-01), privileged
 * Pod Security without opt-in (NS-18), and fork-triggered privileged events (NS-19).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy, getTestbed } from '@gauntlet/testbed';
import {
  ENVIRONMENT_NAME,
  type KubeClient,
  environmentName,
  labels,
  MANAGED_BY,
  repositoryHash,
} from './kube-exports.js';
import {
  adminClient,
  cleanupRepository,
  ensureBuilt,
  pullRequestEvent,
  randomRepositoryId,
  runBundle,
  runInProcess,
  trafficViolations,
} from './harness.js';

const tb = getTestbed();
const repositoryId = randomRepositoryId();
let proxy: FaultProxy;
let kubeconfig: string;
let admin: KubeClient;
const foreign: string[] = [];

beforeAll(async () => {
  ensureBuilt();
  proxy = await FaultProxy.forKubeconfig(tb.kubeconfig);
  kubeconfig = proxy.kubeConfig().exportConfig();
  admin = await adminClient(tb.kubeconfig);
});

afterAll(async () => {
  for (const name of foreign)
    await admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${name}` }).catch(() => undefined);
  await cleanupRepository(admin, repositoryId);
  admin.close();
  await proxy.close();
});

const mutating = (namespace: string) =>
  proxy.requests.filter(
    (r) =>
      r.method !== 'GET' &&
      (r.path === `/api/v1/namespaces/${namespace}` || r.path.includes(`/namespaces/${namespace}/`)),
  );

describe('NS-03: a namespace of the same name that is not ours', () => {
  it.each([
    ['no marks at all', {}, {}],
    [
      'our labels copied, no owner annotation',
      { [labels.managedBy]: MANAGED_BY, [labels.repository]: repositoryHash(repositoryId), [labels.pr]: '31' },
      {},
    ],
    [
      'our labels, another owner',
      { [labels.managedBy]: MANAGED_BY, [labels.repository]: repositoryHash(repositoryId), [labels.pr]: '32' },
      { 'gauntlet.dev/owner': '1/pr/32', 'gauntlet.dev/repository-id': '1' },
    ],
  ])('%s: up and down fail and send no mutating request to it', async (_name, nsLabels, nsAnnotations) => {
    const pr = Number((nsLabels as Record<string, string>)[labels.pr] ?? 30);
    const name = environmentName({ repositoryId, target: { kind: 'pr', number: pr } });
    foreign.push(name);
    await admin.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { metadata: { name, labels: nsLabels, annotations: nsAnnotations } },
    });
    proxy.clearRequests();
    const upRun = await runBundle({
      inputs: { manifests: 'fixtures/basic/*.yaml', variables: 'REPLICAS=1', kubeconfig },
      event: pullRequestEvent(repositoryId, pr),
    });
    expect(upRun.main.exitCode).not.toBe(0);
    expect(upRun.main.log.join('\n')).toMatch(/is never adopted or touched/);
    expect(upRun.post?.exitCode).toBe(0);
    const downRun = await runBundle({
      inputs: { mode: 'down', kubeconfig },
      event: pullRequestEvent(repositoryId, pr),
    });
    expect(downRun.main.exitCode).not.toBe(0);
    expect(downRun.main.log.join('\n')).toMatch(/not this environment's/);
    expect(mutating(name)).toEqual([]);
    expect(await admin.getOptional(`/api/v1/namespaces/${name}`)).toMatchObject({ metadata: { name } });
  });
});

describe('refusals before any request', () => {
  it('NS-18: privileged Pod Security needs allow-privileged', async () => {
    proxy.clearRequests();
    const run = await runBundle({
      inputs: { manifests: 'fixtures/basic/*.yaml', 'pod-security': 'privileged', kubeconfig },
      event: pullRequestEvent(repositoryId, 40),
    });
    expect(run.main.exitCode).not.toBe(0);
    expect(run.main.log.join('\n')).toMatch(/allow-privileged/);
    expect(proxy.requests).toEqual([]);
  });

  it.each([
    [
      'pull_request_target from a fork',
      {
        name: 'pull_request_target',
        payload: {
          number: 41,
          pull_request: {
            number: 41,
            head: { sha: 'd'.repeat(40), repo: { full_name: 'mallory/shop', fork: true } },
            base: { repo: { full_name: 'acme/shop' } },
          },
          repository: { id: Number(repositoryId), full_name: 'acme/shop' },
        },
      },
    ],
    [
      'workflow_run triggered by a fork',
      {
        name: 'workflow_run',
        payload: {
          workflow_run: {
            head_sha: 'd'.repeat(40),
            pull_requests: [{ number: 41 }],
            head_repository: { full_name: 'mallory/shop', fork: true },
          },
          repository: { id: Number(repositoryId), full_name: 'acme/shop' },
        },
      },
    ],
  ])('NS-19: %s is refused with an explanation and no cluster request', async (_name, event) => {
    proxy.clearRequests();
    const run = await runBundle({ inputs: { manifests: 'fixtures/basic/*.yaml', kubeconfig }, event });
    expect(run.main.exitCode).not.toBe(0);
    expect(run.main.log.join('\n')).toMatch(/refusing to provision/);
    expect(run.post?.exitCode ?? 0).toBe(0);
    expect(proxy.requests).toEqual([]);
    // Refused before the kubeconfig is parsed: even an unusable one is never looked at.
    const unparsed = await runBundle({
      inputs: { manifests: 'fixtures/basic/*.yaml', kubeconfig: 'not: [a kubeconfig' },
      event,
    });
    expect(unparsed.main.log.join('\n')).toMatch(/refusing to provision/);
    expect(unparsed.main.log.join('\n')).not.toMatch(/kubeconfig/);
  });
});

describe('NS-01: fuzzed branch names and inputs', () => {
  const trials = Number(process.env.GAUNTLET_NS01_TRIALS ?? 10_000);
  it(`${trials} fuzzed runs send 0 requests for names outside the pattern (seed 20260101)`, async () => {
    let seed = 20260101;
    const random = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const nasty = [
      'feat/A',
      '"; rm -rf /',
      '$(id)',
      'kube-system',
      'default',
      'x'.repeat(300),
      'ｆｅａｔ',
      'trailing-',
      'UPPER',
      'a,b',
      'a=b',
      '../..',
      '',
      ' ',
      'pr-123456-1',
      '\u0430dmin',
      'a\nb',
      '%2e%2e',
      '*',
    ];
    const text = (): string => {
      const parts = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(nasty));
      return parts.join(pick(['', '/', '-', '.']));
    };
    proxy.clearRequests();
    let withRequests = 0;
    for (let i = 0; i < trials; i++) {
      const kind = random();
      const inputs: Record<string, string> = { mode: 'down', kubeconfig, 'delete-timeout': '0' };
      if (random() < 0.3) inputs['name-prefix'] = random() < 0.5 ? text() : 'preview';
      if (random() < 0.2) inputs['pr-number'] = pick(['0', '-1', '1.5', '99999999999', 'abc', '42', ' 7 ', text()]);
      const event =
        kind < 0.5
          ? { name: 'push', payload: { ref: `refs/heads/${text()}`, repository: { id: Number(repositoryId) } } }
          : pullRequestEvent(repositoryId, pick<number>([1, 2, 3, 100, 2 ** 31, 0, -5, 1.5]), 'a'.repeat(40), {
              pull_request: { number: pick([1, 7, 0, -1, '1; rm', 3]) },
            });
      const env: Record<string, string> = kind < 0.5 ? { GITHUB_REF: `refs/heads/${text()}` } : {};
      const before = proxy.requests.length;
      await runInProcess({ inputs, event, env });
      if (proxy.requests.length > before) withRequests++;
    }
    const requests = proxy.requests;
    expect(withRequests).toBeGreaterThan(trials / 10);
    const names = new Set(
      requests
        .map((r) => /^\/api\/v1\/namespaces\/([^/]+)/.exec(r.path)?.[1])
        .filter((n): n is string => n !== undefined),
    );
    expect([...names].filter((n) => !ENVIRONMENT_NAME.test(n))).toEqual([]);
    expect(trafficViolations(requests)).toEqual([]);
  }, 600_000);
});
