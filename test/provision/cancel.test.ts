/**
 * NS-13: the runner cancels the job at a random instant (SIGINT, then SIGTERM, then SIGKILL), then runs the post
 * step; a runner that dies outright (SIGKILL, no post step) leaves its environment to the reaper. Most seeds use a
 * compressed schedule (750 ms / 250 ms); a few use the runner's real 7.5 s / 2.5 s.
 *
 * Kill points are anchored on what the proxy has seen, not only on time since spawn: a loaded machine stretches a
 * run (Node start-up alone varies by seconds), so a kill point meant for "mid-apply" at a fixed offset lands before
 * the namespace exists on one run and after ready on the next. Each seed picks an anchor (spawn, the namespace
 * create answered, a stack object applied, the namespace create in flight) and a random delay after it.
 */
import { seededRandom } from '@gauntlet/action-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '@gauntlet/action-kit/testing';
import { FaultProxy, type RecordedRequest, getTestbed } from '@gauntlet/testbed';
import { type KubeClient, type KubeObject, environmentName } from './kube-exports.js';
import {
  adminClient,
  cleanupRepository,
  ensureBuilt,
  environmentsOf,
  pullRequestEvent,
  randomRepositoryId,
  runBundle,
  runInProcess,
  trafficViolations,
} from './harness.js';

const tb = getTestbed();
const repositoryId = randomRepositoryId();
const seeds = Number(process.env.GAUNTLET_NS13_SEEDS ?? 16);
const realScheduleSeeds = Number(process.env.GAUNTLET_NS13_REAL_SEEDS ?? 2);
let proxy: FaultProxy;
let kubeconfig: string;
let admin: KubeClient;

beforeAll(async () => {
  ensureBuilt();
  proxy = await FaultProxy.forKubeconfig(tb.kubeconfig);
  kubeconfig = proxy.kubeConfig().exportConfig();
  admin = await adminClient(tb.kubeconfig);
});

afterAll(async () => {
  await cleanupRepository(admin, repositoryId);
  admin.close();
  await proxy.close();
});

const rng = seededRandom;

// The stack with a seed Job (its pod runs 1 s), so kill points also land while the action waits.
const inputs = (): Record<string, string> => ({
  manifests: 'fixtures/basic/*.yaml',
  variables: 'REPLICAS=2',
  kubeconfig,
  'capacity-check': 'false',
  'max-environments': '0',
  'delete-timeout': '3s',
});

async function leftover(namespace: string): Promise<boolean> {
  const ns = await admin.getOptional<KubeObject>(`/api/v1/namespaces/${namespace}`);
  return ns !== undefined && ns.metadata?.deletionTimestamp === undefined;
}

type Anchor = 'spawn' | 'namespace' | 'stack-object';
const ANCHORS: readonly Anchor[] = ['spawn', 'namespace', 'stack-object'];

/** A server-side apply of a stack object (not a guardrail) in the namespace, answered with success before `before`. */
const stackObjectApplied = (r: RecordedRequest, namespace: string, before = Infinity): boolean =>
  r.method === 'PATCH' &&
  r.path.includes(`/namespaces/${namespace}/`) &&
  !/\/gauntlet-[a-z-]+$/.test(r.path) &&
  r.status !== undefined &&
  r.status < 300 &&
  r.time < before;

const namespaceCreated = (r: RecordedRequest, before = Infinity): boolean =>
  r.method === 'POST' && r.path === '/api/v1/namespaces' && r.status === 201 && r.time < before;

/** The condition a kill point waits for (undefined: time since spawn only). */
function anchorSeen(anchor: Anchor, namespace: string): (() => boolean) | undefined {
  if (anchor === 'namespace') return () => proxy.requests.some((r) => namespaceCreated(r));
  if (anchor === 'stack-object') return () => proxy.requests.some((r) => stackObjectApplied(r, namespace));
  return undefined;
}

describe('NS-13: cancellation at random instants', () => {
  it(`${seeds} compressed and ${realScheduleSeeds} real-schedule kill points leave 0 namespaces after the post step`, async () => {
    const random = rng(1313);
    const latencies: number[] = [];
    const leaked: string[] = [];
    let created = 0;
    let completedFirst = 0;
    // Kill points that landed mid-run: the signal came after the namespace (and then stack objects) had been created.
    let afterNamespace = 0;
    let afterStackObjects = 0;
    // How long an uncancelled run takes, so kill points fall inside the run (create, apply, wait).
    const baselineStart = Date.now();
    const baseline = await runBundle({ inputs: inputs(), event: pullRequestEvent(repositoryId, 999) });
    const window = Math.max(1_000, baseline.main.exitCode === 0 ? Date.now() - baselineStart - 500 : 3_000);
    await runBundle({
      inputs: { mode: 'down', kubeconfig, 'delete-timeout': '0' },
      event: pullRequestEvent(repositoryId, 999),
    });
    for (let seed = 0; seed < seeds + realScheduleSeeds; seed++) {
      const real = seed >= seeds;
      const pr = 1000 + seed;
      const namespace = environmentName({ repositoryId, target: { kind: 'pr', number: pr } });
      const anchor = ANCHORS[seed % ANCHORS.length] as Anchor;
      const cancelAfterMs = Math.round(random() * (anchor === 'spawn' ? window : 1_500));
      proxy.clearRequests();
      const start = Date.now();
      // When the anchor was seen: SIGINT goes cancelAfterMs later (the runner's poll adds up to 200 ms, so this is
      // a lower bound, which keeps "answered before the signal" honest).
      let anchoredAt = start;
      const seen = anchorSeen(anchor, namespace);
      const run = await runBundle({
        inputs: inputs(),
        event: pullRequestEvent(repositoryId, pr),
        cancelAfterMs,
        ...(seen
          ? {
              cancelWhen: async () => {
                if (!seen()) return false;
                anchoredAt = Date.now();
                return true;
              },
            }
          : {}),
        signalScheduleMs: real
          ? { sigintToSigterm: 7_500, sigtermToSigkill: 2_500 }
          : { sigintToSigterm: 750, sigtermToSigkill: 250 },
      });
      const sigint = anchoredAt + cancelAfterMs;
      const requests = proxy.requests;
      const wasCreated = requests.some((r) => r.method === 'POST' && r.path === '/api/v1/namespaces');
      if (wasCreated) created++;
      const signalled = run.main.signalsSent.length > 0;
      const createdBeforeSignal = requests.some((r) => namespaceCreated(r, sigint));
      const stackObjectsBeforeSignal = requests.some((r) => stackObjectApplied(r, namespace, sigint));
      const deletes = requests.filter((r) => r.method === 'DELETE' && r.path === `/api/v1/namespaces/${namespace}`);
      if (wasCreated && run.main.signalsSent.length > 0 && deletes[0]) latencies.push(deletes[0].time - sigint);
      if (run.main.signalsSent.length === 0 || (run.state.phase === 'ready' && run.state.cancelled !== 'true')) {
        // The step had finished (or was exiting) when the signal came, so nothing was cancelled: a successful run
        // keeps its environment by design. Clean up.
        completedFirst++;
        await runBundle({
          inputs: { mode: 'down', kubeconfig, 'delete-timeout': '0' },
          event: pullRequestEvent(repositoryId, pr),
        });
        continue;
      }
      if (signalled && createdBeforeSignal) afterNamespace++;
      if (signalled && stackObjectsBeforeSignal) afterStackObjects++;
      if (await leftover(namespace))
        leaked.push(
          `${namespace} (seed ${seed}, cancel ${cancelAfterMs} ms after ${anchor}, conclusion ${run.conclusion})`,
        );
      expect(trafficViolations(requests)).toEqual([]);
    }
    latencies.sort((a, b) => a - b);
    const p95 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.95))];
    console.info(
      `NS-13: ${seeds + realScheduleSeeds} kill points (after spawn in a ${window} ms window, or after the namespace or a stack object) (${completedFirst} landed after the step had finished), ${created} runs created the namespace, ${afterNamespace} were cancelled after it existed and ${afterStackObjects} after stack objects had been applied; leaked after post: ${leaked.length}; ` +
        `delete request after SIGINT: median ${latencies[Math.floor(latencies.length / 2)] ?? '-'} ms, p95 ${p95 ?? '-'} ms, max ${latencies.at(-1) ?? '-'} ms`,
    );
    expect(leaked).toEqual([]);
    // "Nothing leaked" only means something if the kill points hit runs that had something to leak: a good share
    // of them must have landed mid-run, after the namespace and after stack objects had been created.
    const total = seeds + realScheduleSeeds;
    expect(afterNamespace, 'kill points that landed after the namespace was created').toBeGreaterThanOrEqual(
      Math.ceil(total / 4),
    );
    expect(afterStackObjects, 'kill points that landed after stack objects were applied').toBeGreaterThan(0);
  }, 3_600_000);

  it('SIGINT while the namespace create is in flight: the post step looks again and deletes what then committed', async () => {
    // The proxy holds the namespace create for 4 s, then forwards it (it commits) and drops the answer: the window
    // in which a teardown finds nothing although the create is still going to commit.
    const delayMs = 4_000;
    const slowCreate = (): void => {
      proxy.clearRules();
      proxy.addRule({
        name: 'slow-create',
        method: 'POST',
        path: '^/api/v1/namespaces$',
        delayMs,
        action: { type: 'reset', afterForward: true },
      });
    };
    let inWindow = 0;
    let lookedAgain = 0;
    const leaked: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const pr = 3001 + attempt;
      const namespace = environmentName({ repositoryId, target: { kind: 'pr', number: pr } });
      slowCreate();
      proxy.clearRequests();
      // SIGINT 1 s after the create reached the proxy, which holds it 4 s: inside the window whatever the load.
      const cancelAfterMs = 1_000;
      let seenAt = 0;
      const run = await runBundle({
        inputs: inputs(),
        event: pullRequestEvent(repositoryId, pr),
        cancelAfterMs,
        cancelWhen: async () => {
          if (!proxy.requests.some((r) => r.method === 'POST' && r.path === '/api/v1/namespaces')) return false;
          seenAt = Date.now();
          return true;
        },
        signalScheduleMs: { sigintToSigterm: 750, sigtermToSigkill: 250 },
      });
      const sigint = seenAt + cancelAfterMs;
      const create = proxy.requests.find((r) => r.method === 'POST' && r.path === '/api/v1/namespaces');
      const landed = seenAt > 0 && create !== undefined && create.time < sigint && sigint < create.time + delayMs;
      if (landed) {
        inWindow++;
        // Up found nothing to delete and left the books open; the post step then found (or waited for) the namespace
        // the create committed, and deleted it.
        const post = run.post?.log.join('\n') ?? '';
        expect(run.main.log.join('\n')).toMatch(/not found while its create was in flight/);
        expect(post).toMatch(/deletion of namespace \S+ requested/);
        if (/its create was in flight; looking again/.test(post)) lookedAgain++;
      }
      if (await leftover(namespace)) leaked.push(`${namespace} (attempt ${attempt}, in window: ${landed})`);
    }
    proxy.clearRules();
    console.info(`create-in-flight window: ${inWindow}/3 kill points inside it, post looked again in ${lookedAgain}`);
    expect(leaked).toEqual([]);
    expect(inWindow, 'kill points that landed while the create was in flight').toBeGreaterThan(0);
  });

  it('SIGKILL with no post step: one reaper pass removes the leftover', async () => {
    const pr = 2000;
    const namespace = environmentName({ repositoryId, target: { kind: 'pr', number: pr } });
    // Killed outright (a lost runner: SIGKILL, nothing before it) once the namespace exists: no handler runs, no
    // post step.
    const run = await runBundle({
      inputs: { ...inputs(), ttl: '1m' },
      event: pullRequestEvent(repositoryId, pr),
      cancelWhen: () => leftover(namespace),
      cancelWith: 'SIGKILL',
      skipPost: true,
    });
    expect(run.main.signalsSent, 'the run was killed, not finished').toEqual(['SIGKILL']);
    expect(await leftover(namespace), 'the killed run left its namespace behind to reap').toBe(true);
    // The next scheduled reaper run, once the TTL has passed.
    const reaped = await runInProcess({
      inputs: { mode: 'reap', kubeconfig },
      event: { name: 'schedule', payload: { repository: { id: Number(repositoryId) } } },
      clock: new FakeClock({ start: Date.now() + 5 * 60_000 }),
    });
    expect(reaped.ok, String(reaped.error)).toBe(true);
    expect(JSON.parse(reaped.outputs.reaped ?? '{}')).toMatchObject({ deleted: [namespace] });
    expect(await leftover(namespace)).toBe(false);
    const live = (await environmentsOf(admin, repositoryId)).filter(
      (ns) => ns.metadata?.deletionTimestamp === undefined,
    );
    expect(live.map((ns) => ns.metadata?.name)).toEqual([]);
  });
});
