/**
 * The API server misbehaving, through the fault proxy: 429 with Retry-After (NS-05), 5xx and resets on reads
 * (NS-06), an invalid object (NS-07), a server-side apply conflict (NS-08), and cut, expired and failing watches
 * (NS-10). The repeated trials run in-process with a clock scaled 100×, so a 3 s Retry-After costs 30 ms.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy, getTestbed, kubeStatus } from '@gauntlet/testbed';
import { type KubeClient, type KubeObject, environmentName } from './kube-exports.js';
import {
  ScaledClock,
  adminClient,
  cleanupRepository,
  ensureBuilt,
  pullRequestEvent,
  randomRepositoryId,
  runBundle,
  runInProcess,
  trafficViolations,
  type InProcessResult,
} from './harness.js';

const tb = getTestbed();
const repositoryId = randomRepositoryId();
const trials = Number(process.env.GAUNTLET_NS_TRIALS ?? 10);
let proxy: FaultProxy;
let kubeconfig: string;
let admin: KubeClient;
let nextPr = 100;

beforeAll(async () => {
  ensureBuilt();
  proxy = await FaultProxy.forKubeconfig(tb.kubeconfig, { seed: 5 });
  kubeconfig = proxy.kubeConfig().exportConfig();
  admin = await adminClient(tb.kubeconfig);
});

afterAll(async () => {
  await cleanupRepository(admin, repositoryId);
  admin.close();
  await proxy.close();
});

const small = {
  manifests: 'fixtures/small/*.yaml',
  variables: 'REPLICAS=1',
  timeout: '60m',
  'capacity-check': 'false',
  'max-environments': '0',
};

async function trial(extra: Record<string, string> = {}): Promise<InProcessResult & { pr: number }> {
  const pr = nextPr++;
  const result = await runInProcess({
    inputs: { ...small, kubeconfig, ...extra },
    event: pullRequestEvent(repositoryId, pr),
    clock: new ScaledClock(100),
  });
  // Clean up at once and without faults, so trials do not pile up on the shared cluster.
  await admin
    .request({
      method: 'DELETE',
      path: `/api/v1/namespaces/${environmentName({ repositoryId, target: { kind: 'pr', number: pr } })}`,
    })
    .catch(() => undefined);
  return { ...result, pr };
}

function describeFailure(result: InProcessResult): string {
  return `${String(result.error)}\n${result.logger.text().slice(-2000)}`;
}

describe('NS-05: 429 with Retry-After: 3 on 30% of requests', () => {
  it(`completes ${trials}/${trials} runs and never retries before Retry-After has elapsed`, async () => {
    proxy.clearRules();
    proxy.clearRequests();
    const rule = proxy.addRule({
      name: '429',
      probability: 0.3,
      action: { type: 'status', status: 429, retryAfterSeconds: 3 },
    });
    let completed = 0;
    const early: string[] = [];
    for (let i = 0; i < trials; i++) {
      const result = await trial();
      if (result.ok) completed++;
      else console.error(describeFailure(result));
      // When each call's 429 answer arrived, by call and attempt.
      const answered = new Map<string, number>();
      for (const record of result.requests) {
        if (record.attempt > 0) {
          const previous = answered.get(`${record.call}#${record.attempt - 1}`);
          // 3 s less a clock tick: timers and the clock's readings differ by a millisecond or so.
          if (previous !== undefined && record.at - previous < 3_000 - 20)
            early.push(`${record.method} ${record.path}: ${record.at - previous} ms`);
        }
        if (record.outcome === 429) answered.set(`${record.call}#${record.attempt}`, record.answeredAt);
      }
    }
    proxy.removeRule(rule);
    console.info(
      `NS-05: ${completed}/${trials} completed; 429s injected: ${rule.fired}; early retries: ${early.length}`,
    );
    expect(rule.fired).toBeGreaterThan(trials);
    expect(early).toEqual([]);
    expect(completed).toBe(trials);
    expect(trafficViolations(proxy.requests)).toEqual([]);
  }, 1_800_000);
});

describe('NS-06: 5xx and connection resets on 20% of reads', () => {
  it(`completes ${trials}/${trials} runs with at most 10 retries per call`, async () => {
    proxy.clearRules();
    proxy.clearRequests();
    const rules = [
      proxy.addRule({ name: '503', method: 'GET', probability: 0.1, action: { type: 'status', status: 503 } }),
      proxy.addRule({ name: 'reset', method: 'GET', probability: 0.1, action: { type: 'reset' } }),
      proxy.addRule({ name: '500', method: 'GET', probability: 0.02, action: { type: 'status', status: 500 } }),
    ];
    let completed = 0;
    let maxAttempt = 0;
    for (let i = 0; i < trials; i++) {
      const result = await trial();
      if (result.ok) completed++;
      else console.error(describeFailure(result));
      for (const record of result.requests) maxAttempt = Math.max(maxAttempt, record.attempt);
    }
    for (const rule of rules) proxy.removeRule(rule);
    console.info(
      `NS-06: ${completed}/${trials} completed; faults injected: ${rules.map((r) => `${r.rule.name}=${r.fired}`).join(', ')}; most retries of one call: ${maxAttempt}`,
    );
    expect(rules.reduce((n, r) => n + r.fired, 0)).toBeGreaterThan(trials);
    expect(maxAttempt).toBeLessThanOrEqual(10);
    expect(completed).toBe(trials);
    expect(trafficViolations(proxy.requests)).toEqual([]);
  }, 1_800_000);
});

describe('NS-07 and NS-08: apply failures', () => {
  it('NS-07: a 422 on apply fails fast, sends that object once, and shows the field path', async () => {
    proxy.clearRules();
    proxy.clearRequests();
    proxy.addRule({
      name: '422',
      method: 'PATCH',
      path: /\/deployments\/api$/,
      action: {
        type: 'status',
        status: 422,
        body: kubeStatus(
          422,
          'Deployment.apps "api" is invalid: spec.template.spec.containers[0].image: Required value',
          'Invalid',
          {
            causes: [
              {
                reason: 'FieldValueRequired',
                message: 'Required value',
                field: 'spec.template.spec.containers[0].image',
              },
            ],
          },
        ),
      },
    });
    const pr = nextPr++;
    const run = await runBundle({
      inputs: { ...small, kubeconfig, timeout: '2m' },
      event: pullRequestEvent(repositoryId, pr),
    });
    proxy.clearRules();
    expect(run.main.exitCode).not.toBe(0);
    expect(run.main.log.join('\n')).toContain('spec.template.spec.containers[0].image');
    expect(proxy.findRequests({ method: 'PATCH', path: /\/deployments\/api$/ })).toHaveLength(1);
    // The namespace it created was torn down inline.
    expect(run.outputs.status).toBe('failed');
    const ns = await admin.getOptional<KubeObject>(`/api/v1/namespaces/${run.outputs.namespace}`);
    expect(ns === undefined || ns.metadata?.deletionTimestamp !== undefined).toBe(true);
  });

  it('NS-08: a conflict with another field manager fails, names it, and never forces unless asked', async () => {
    proxy.clearRequests();
    const pr = nextPr++;
    const first = await runInProcess({ inputs: { ...small, kubeconfig }, event: pullRequestEvent(repositoryId, pr) });
    expect(first.ok, describeFailure(first)).toBe(true);
    const namespace = first.outputs.namespace as string;
    // kubectl (client-side apply) takes over spec.replicas.
    await admin.request({
      method: 'PATCH',
      path: `/apis/apps/v1/namespaces/${namespace}/deployments/api`,
      query: { fieldManager: 'kubectl-client-side-apply' },
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 3 } },
    });
    const conflicted = await runBundle({
      inputs: { ...small, kubeconfig, variables: 'REPLICAS=2', timeout: '2m' },
      event: pullRequestEvent(repositoryId, pr),
    });
    expect(conflicted.main.exitCode).not.toBe(0);
    const log = conflicted.main.log.join('\n');
    expect(log).toContain('kubectl-client-side-apply');
    expect(log).toContain('.spec.replicas');
    expect(proxy.requests.filter((r) => r.query.force?.includes('true'))).toEqual([]);
    const deployment = await admin.get<{ spec: { replicas: number } }>(
      `/apis/apps/v1/namespaces/${namespace}/deployments/api`,
    );
    expect(deployment.spec.replicas).toBe(3);
    // Not created by that run: still there.
    expect(await admin.getOptional(`/api/v1/namespaces/${namespace}`)).toBeTruthy();

    const forced = await runBundle({
      inputs: { ...small, kubeconfig, variables: 'REPLICAS=2', timeout: '2m', 'force-conflicts': 'true' },
      event: pullRequestEvent(repositoryId, pr),
    });
    expect(forced.main.exitCode, forced.main.log.join('\n')).toBe(0);
    expect(proxy.requests.filter((r) => r.query.force?.includes('true')).length).toBeGreaterThan(0);
    expect(
      (await admin.get<{ spec: { replicas: number } }>(`/apis/apps/v1/namespaces/${namespace}/deployments/api`)).spec
        .replicas,
    ).toBe(2);
  });
});

describe('NS-10: watches that end, expire or fail', () => {
  it.each([
    ['ends after one event (EOF)', { type: 'cut-watch' as const, afterEvents: 1, then: 'eof' as const }],
    ['expires with 410 Gone after one event', { type: 'cut-watch' as const, afterEvents: 1, then: 'expired' as const }],
    ['is aborted mid-stream', { type: 'cut-watch' as const, afterEvents: 1, then: 'abort' as const }],
    ['is refused with 500 (polling fallback)', { type: 'status' as const, status: 500 }],
  ])('a watch that %s still gives the right verdict', async (_name, action) => {
    proxy.clearRules();
    const rule = proxy.addRule({ name: 'watch', method: 'GET', query: { watch: '1' }, action });
    let completed = 0;
    for (let i = 0; i < Math.max(3, Math.round(trials / 4)); i++) {
      const result = await trial();
      if (result.ok && result.outputs.status === 'ready') completed++;
      else console.error(describeFailure(result));
    }
    proxy.removeRule(rule);
    expect(rule.fired).toBeGreaterThan(0);
    expect(completed).toBe(Math.max(3, Math.round(trials / 4)));
  });

  it('a stalled watch cannot hold the action past its deadline: the verdict comes from the deadline path', async () => {
    proxy.clearRules();
    proxy.clearRequests();
    const stall = proxy.addRule({
      name: 'stall',
      method: 'GET',
      query: { watch: '1' },
      action: { type: 'hang' },
    });
    // The order of events, as the step printed them: the start line, then the deadline verdict.
    const events: string[] = [];
    let verdictSeq = 0;
    let stalledAtVerdict = 0;
    const run = await runBundle({
      inputs: { manifests: 'fixtures/crashloop/*.yaml', kubeconfig, timeout: '5s', 'capacity-check': 'false' },
      event: pullRequestEvent(repositoryId, nextPr++),
      onLine: (line, step) => {
        if (step !== 'main') return;
        if (/^Environment \S+ for pull request #/.test(line)) events.push('started');
        if (/the environment was not ready within 5s/.test(line)) {
          events.push('deadline verdict');
          if (verdictSeq === 0) {
            const seen = proxy.requests;
            // The proxy's seq counts from its start (clearRequests does not reset it): take the last one seen.
            verdictSeq = seen.at(-1)?.seq ?? 0;
            stalledAtVerdict = seen.filter((r) => r.fault === 'stall').length;
          }
        }
      },
    });
    const requests = proxy.requests;
    proxy.clearRules();
    const namespace = run.outputs.namespace as string;
    expect(run.main.exitCode).not.toBe(0);
    expect(run.outputs.status).toBe('failed');
    // Both markers matched, in this order (the first line of the step, then the verdict of the deadline path).
    expect(events.slice(0, 2)).toEqual(['started', 'deadline verdict']);
    // Watches were really stalled: held by the proxy and never answered (the action closed them itself). A run that
    // waited on any of them would never have finished; this one came to the deadline verdict instead.
    const stalled = requests.filter((r) => r.fault === 'stall');
    expect(stall.fired).toBeGreaterThan(0);
    expect(stalledAtVerdict).toBeGreaterThan(0);
    expect(stalled.every((r) => r.status === undefined)).toBe(true);
    // The verdict was confirmed by a fresh list (not by the watch's data): with every watch held, the waiter's only
    // data are lists of the environment's Deployments: the tracker's first list, before it watched, and the deadline
    // path's own fresh list. So there are at least two by the time of the verdict. (Which of them comes first is not
    // fixed: on a slow machine the deadline can pass before the first watch is even sent, so the count is the
    // assertion, not the order.)
    const deploymentLists = requests.filter(
      (r) =>
        r.method === 'GET' &&
        r.seq <= verdictSeq &&
        r.query.watch === undefined &&
        r.path === `/apis/apps/v1/namespaces/${namespace}/deployments`,
    );
    expect(deploymentLists.length).toBeGreaterThanOrEqual(2);
  });
});
