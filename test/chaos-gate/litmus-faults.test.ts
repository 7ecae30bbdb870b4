/**
 * LitmusChaos faults on the test bed: Litmus's CRDs with the test bed's status writer playing the operator (it is
 * not LitmusChaos: it initializes an engine, writes its ChaosResults, really deletes one pod for pod-delete, and
 * completes with the verdict this file asks for, or stops on engineState stop). The ChaosEngine is applied with its
 * namespace, appinfo and TOTAL_CHAOS_DURATION forced; the verdict comes from the ChaosResult; every exit path
 * (success, Litmus's Fail, a breach, a halt, an exception in our code, a cancel) ends with the engine stopped and
 * deleted; the post step's view (the serialised entry alone) and the reaper remove what a SIGKILL left.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestbed, installCrds, startLitmusStatusWriter, type LitmusStatusWriter } from '@gauntlet/testbed';
import { KubeClient, objectPath, types, type KubeObject } from '@gauntlet/kube';
import {
  loadBackend,
  loadExperiments,
  reapLeftovers,
  revertLedger,
  runExperiment,
  type ExperimentResult,
  type FaultContext,
  type Guard,
  type LedgerEntry,
} from '@gauntlet/chaos';
import { eventually, uniqueName } from '../support/polling.js';
import { createWebNamespace } from './web-namespace.js';

const tb = getTestbed();
const ENGINES = (ns: string): string => `/apis/litmuschaos.io/v1alpha1/namespaces/${ns}/chaosengines`;
let client: KubeClient;
let writer: LitmusStatusWriter;
let ns: string;
const log: string[] = [];

/** pod-delete on app=web; an experiment whose name ends in -fails gets the writer's Fail verdict. */
const engine = (experiment = 'pod-delete', env = '') =>
  `{ kind: ChaosEngine, spec: { appinfo: { applabel: app=web, appkind: deployment }, chaosServiceAccount: litmus-admin, experiments: [{ name: ${experiment}, spec: { components: { env: [${env}] } } }] } }`;

function experimentOf(resource: string, duration = '2s') {
  return loadExperiments(
    `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: litmus }
spec:
  steps: [{ faults: [{ type: litmus, duration: ${duration}, resource: ${resource} }] }]
  steadyState: { slos: none }
  recoveryTimeout: 5s
`,
    'litmus.yaml',
  )[0]!;
}

function contextOf(
  runId: string,
  limit: (c: readonly string[]) => string[] = (c) => [...c],
): Omit<FaultContext, 'experiment' | 'targets'> {
  return {
    client,
    runId,
    defaultNamespace: ns,
    dryRun: false,
    limitTargets: limit,
    log: (line) => log.push(line),
    now: Date.now,
  };
}

async function engines(): Promise<KubeObject[]> {
  return (await client.list(ENGINES(ns))).items;
}

async function noEngineLeft(): Promise<void> {
  await eventually('no ChaosEngine left', async () => ((await engines()).length === 0 ? true : undefined));
}

type ExitPath = 'success' | 'litmus-fail' | 'breach' | 'halt' | 'exception' | 'cancel';

/** One run of the real backend under a scripted guard, kill switch and abort; real time (the writer's clock). */
async function runPath(exit: ExitPath): Promise<{ result?: ExperimentResult; threw?: string; lines: string[] }> {
  const lines: string[] = [];
  const controller = new AbortController();
  let intervals = 0;
  // Long enough that the breach, halt, exception and cancel land while Litmus still runs (a stop, not a completion).
  const experiment = experimentOf(
    engine(exit === 'litmus-fail' ? 'pod-delete-fails' : 'pod-delete'),
    exit === 'success' || exit === 'litmus-fail' ? '2s' : '20s',
  );
  const guard: Guard = {
    observe() {
      if (exit === 'exception' && intervals === 2) return Promise.reject(new Error('seeded bug in our code (guard)'));
      return Promise.resolve(
        exit === 'breach' && intervals === 2
          ? { state: 'breached', reason: 'error rate 12% > 1%' }
          : { state: 'steady', reason: 'ok' },
      );
    },
  };
  try {
    const result = await runExperiment(experiment, {
      context: { ...contextOf(uniqueName(`litmus-${exit}`)), log: (l) => lines.push(l), signal: controller.signal },
      guard,
      saveLedger: () => undefined,
      loadBackend,
      intervalMs: 500,
      sleep: async (ms, signal) => {
        intervals++;
        if (exit === 'cancel' && intervals === 2) controller.abort(new Error('cancelled by SIGINT'));
        if (signal?.aborted) throw signal.reason as Error;
        await new Promise((r) => setTimeout(r, ms));
      },
      haltRequested: () =>
        Promise.resolve(exit === 'halt' && intervals >= 2 ? 'the pull request has the label "chaos-halt"' : undefined),
    });
    return { result, lines };
  } catch (error) {
    return { threw: error instanceof Error ? error.message : String(error), lines };
  }
}

describe.skipIf(!tb.kwok)('LitmusChaos faults (ChaosEngine, verdict from the ChaosResult)', () => {
  beforeAll(async () => {
    await installCrds(tb.kubeConfig(), ['litmus']);
    client = await KubeClient.create(tb.kubeConfig());
    ns = uniqueName('chaos-litmus');
    await createWebNamespace(client, ns, 2, { waitForPods: true });
    writer = startLitmusStatusWriter({
      kubeConfig: tb.kubeConfig(),
      namespaces: [ns],
      verdict: (_engine, experiment) => (experiment.endsWith('-fails') ? 'Fail' : 'Pass'),
      maxDurationMs: 60_000,
    });
  }, 120_000);

  afterAll(async () => {
    await writer?.close();
    await client
      ?.request({ method: 'DELETE', path: objectPath(types.namespace, undefined, ns) })
      .catch(() => undefined);
    client?.close();
  });

  it('applies the engine forced into the namespace with its duration, in effect on the ChaosResult, verdict Pass', async () => {
    const { result, lines } = await runPath('success');
    expect(result?.verdict, lines.join('\n')).toBe('pass');
    const injected = lines.find((l) => l.includes(': injected: '));
    expect(injected).toMatch(/ChaosEngine gauntlet-chaos-s1f1-\w+ \(pod-delete\) for 2s/);
    expect(lines.join('\n')).toMatch(/in effect: s1f1: ChaosEngine \S+: engineStatus initialized, pod-delete Running/);
    expect(lines.join('\n')).toMatch(/fault verdict: s1f1: ChaosResult verdict Pass/);
    expect(lines.join('\n')).toMatch(
      /reverted: s1f1: ChaosEngine \S+: completed; .*engine completed, no experiment or pod of it left/,
    );
    await noEngineLeft();
  });

  it.each(['litmus-fail', 'breach', 'halt', 'exception', 'cancel'] as const)(
    'exit path %s: its verdict, the engine stopped (or completed) and deleted',
    async (exit) => {
      const { result, threw, lines } = await runPath(exit);
      const text = lines.join('\n');
      const expected: Record<typeof exit, () => void> = {
        'litmus-fail': () => {
          expect(result?.verdict, text).toBe('fail');
          expect(result?.reason).toMatch(
            /step 1, s1f1 \(litmus\): ChaosResult \S+-pod-delete-fails: verdict Fail at "test-bed verdict" \(probeSuccessPercentage 0\)/,
          );
        },
        breach: () => expect(result?.verdict, text).toBe('fail'),
        halt: () => expect(result?.verdict, text).toBe('halted'),
        exception: () => expect(threw, text).toMatch(/seeded bug/),
        cancel: () => expect(threw, text).toMatch(/cancelled by SIGINT/),
      };
      expected[exit]();
      if (exit !== 'litmus-fail')
        expect(text).toMatch(/reverted: s1f1: ChaosEngine \S+: stopped \(engineStatus stopped\)/);
      expect(text).toMatch(/reverted: s1f1: .*no experiment or pod of it left/);
      await noEngineLeft();
    },
  );

  it('after a SIGKILL the post step reverts from the saved entry alone, and the reaper removes expired engines of ours', async () => {
    const experiment = experimentOf(engine(), '30s');
    const fault = experiment.steps[0]!.faults[0]!;
    const backend = await loadBackend('litmus');
    const ctx: FaultContext = { ...contextOf(uniqueName('litmus-kill')), experiment: 'litmus', targets: new Map() };
    const entry = await backend.plan(fault, ctx);
    await backend.inject(fault, entry, ctx);
    entry.state = 'injected';
    expect((await backend.verifyInjected(fault, entry, ctx)).ok).toBe(true);
    // The post step: a new process with the serialised ledger only.
    const saved = JSON.parse(JSON.stringify([entry])) as LedgerEntry[];
    const post = await revertLedger(saved, { client, log: (l) => log.push(l) });
    expect(post).toEqual({ reverted: 1, problems: [] });
    await noEngineLeft();

    // The reaper: ours once expired, by uid; someone else's engine is never touched.
    const second = await backend.plan(fault, { ...ctx, runId: uniqueName('litmus-reap') });
    await backend.inject(fault, second, ctx);
    await client.request({
      method: 'POST',
      path: ENGINES(ns),
      body: {
        apiVersion: 'litmuschaos.io/v1alpha1',
        kind: 'ChaosEngine',
        metadata: { name: 'someone-elses' },
        spec: { engineState: 'stop', appinfo: { appns: ns, applabel: 'app=nobody' }, experiments: [] },
      },
    });
    const name = second.created[0]!.name;
    const early = await reapLeftovers({ client, log: () => undefined }, { namespaces: [ns], now: Date.now() });
    expect(early).toContain(`ChaosEngine ${ns}/${name}: not expired (run ${second.runId}), left`);
    const late = await reapLeftovers(
      { client, log: () => undefined },
      { namespaces: [ns], now: Date.now() + 3_600_000 },
    );
    expect(late).toContain(`ChaosEngine ${ns}/${name}: deleted`);
    expect(late.join('\n')).not.toMatch(/someone-elses/);
    expect((await engines()).map((e) => e.metadata?.name)).toEqual(['someone-elses']);
    await client.request({ method: 'DELETE', path: `${ENGINES(ns)}/someone-elses` });
    await noEngineLeft();
  });

  it('refuses, before any write, what reaches past the namespace or the blast-radius limits', async () => {
    const backend = await loadBackend('litmus');
    const one = (c: readonly string[]): string[] => c.slice(0, 1);
    for (const [resource, message] of [
      [engine('pod-delete', '{ name: PODS_AFFECTED_PERC, value: "100" }'), /can hit 2 of the 2 pods .* allow 1/],
      [
        engine('pod-delete', '{ name: TARGET_PODS, value: "web-x,web-y" }'),
        /TARGET_PODS names web-x, web-y, not among/,
      ],
      [
        `{ kind: ChaosEngine, spec: { appinfo: { appns: kube-system, applabel: k8s-app=kube-dns }, experiments: [{ name: pod-delete }] } }`,
        /appns "kube-system" is not the run's namespace/,
      ],
      [
        `{ kind: ChaosEngine, spec: { appinfo: { applabel: "app in (" }, experiments: [{ name: pod-delete }] } }`,
        /is not a label selector/,
      ],
    ] as const) {
      const fault = experimentOf(resource).steps[0]!.faults[0]!;
      const ctx: FaultContext = {
        ...contextOf(uniqueName('litmus-refuse'), one),
        experiment: 'litmus',
        targets: new Map(),
      };
      await expect(backend.plan(fault, ctx), resource).rejects.toThrow(message);
    }
    // Zero targets is never a pass: not injected.
    const none = experimentOf(engine().replace('app=web', 'app=nobody'));
    const result = await runExperiment(none, {
      context: contextOf(uniqueName('litmus-none')),
      guard: { observe: () => Promise.resolve({ state: 'steady', reason: 'ok' }) },
      saveLedger: () => undefined,
      loadBackend,
      intervalMs: 500,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    });
    expect(result.verdict).toBe('not-injected');
    expect(result.reason).toMatch(/applabel matches no pod \(zero targets\)/);
    await noEngineLeft();
  });
});
