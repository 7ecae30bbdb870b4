import { describe, expect, it } from 'vitest';
import { loadExperiments } from '../experiment/load.js';
import type { FaultSpec } from '../experiment/model.js';
import { newEntry } from './common.js';
import { litmusEngineBody, litmusHits } from './litmus.js';
import type { FaultContext, LedgerEntry } from './types.js';

type LitmusFault = Extract<FaultSpec, { type: 'litmus' }>;

function fault(resource: string): { fault: LitmusFault; entry: LedgerEntry } {
  const [e] = loadExperiments(
    `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: l }
spec:
  steps: [{ faults: [{ type: litmus, duration: 20s, resource: ${resource} }] }]
`,
    'l.yaml',
  );
  const f = e!.steps[0]!.faults[0] as LitmusFault;
  const ctx = { runId: 'run-1', experiment: 'l', now: () => 0, dryRun: false } as unknown as FaultContext;
  const entry = newEntry(f, ctx, 'pr-1', {
    created: [
      {
        apiVersion: 'litmuschaos.io/v1alpha1',
        kind: 'ChaosEngine',
        plural: 'chaosengines',
        namespace: 'pr-1',
        name: 'gauntlet-chaos-s1f1-x',
      },
    ],
  });
  return { fault: f, entry };
}

const engine = (extra = '', env = '') =>
  `{ kind: ChaosEngine, spec: { appinfo: { applabel: app=web${extra} }, experiments: [{ name: pod-delete, spec: { components: { env: [${env}] } } }] } }`;

describe('litmusEngineBody', () => {
  it('forces the namespace, appns, engineState and every TOTAL_CHAOS_DURATION, with our labels', () => {
    const { fault: f, entry } = fault(engine());
    const body = litmusEngineBody(f, entry, 'pr-1');
    expect(body.metadata).toMatchObject({
      name: 'gauntlet-chaos-s1f1-x',
      namespace: 'pr-1',
      labels: { 'gauntlet.dev/chaos-run': 'run-1' },
    });
    expect(body.spec).toMatchObject({
      engineState: 'active',
      appinfo: { appns: 'pr-1', applabel: 'app=web' },
      experiments: [
        { name: 'pod-delete', spec: { components: { env: [{ name: 'TOTAL_CHAOS_DURATION', value: '20' }] } } },
      ],
    });
    // The same duration, given, is kept as it is.
    const same = fault(engine('', '{ name: TOTAL_CHAOS_DURATION, value: "20" }'));
    expect(litmusEngineBody(same.fault, same.entry, 'pr-1').spec!.experiments![0]!.spec!.components!.env).toEqual([
      { name: 'TOTAL_CHAOS_DURATION', value: '20' },
    ]);
  });

  it('refuses, naming the field, whatever would reach past the run or skip its revert', () => {
    for (const [resource, message] of [
      [engine(', appns: kube-system'), /spec\.appinfo\.appns "kube-system" is not the run's namespace pr-1/],
      [
        `{ kind: ChaosEngine, metadata: { namespace: other }, spec: { appinfo: { applabel: a=b }, experiments: [{ name: x }] } }`,
        /metadata\.namespace other/,
      ],
      [
        `{ kind: ChaosEngine, spec: { appinfo: { appns: pr-1 }, experiments: [{ name: x }] } }`,
        /spec\.appinfo\.applabel .* is required/,
      ],
      [
        `{ kind: ChaosEngine, spec: { engineState: stop, appinfo: { applabel: a=b }, experiments: [{ name: x }] } }`,
        /spec\.engineState "stop"/,
      ],
      [
        `{ kind: ChaosEngine, spec: { appinfo: { applabel: a=b }, experiments: [] } }`,
        /spec\.experiments needs at least one/,
      ],
      [
        engine('', '{ name: TOTAL_CHAOS_DURATION, value: "300" }'),
        /TOTAL_CHAOS_DURATION "300" differs from the fault's duration 20s/,
      ],
      [engine('', '{ name: APP_NAMESPACE, value: kube-system }'), /env APP_NAMESPACE: set spec\.appinfo instead/],
      [engine('', '{ name: TARGET_NODES, value: node-1 }'), /env TARGET_NODES aims at nodes; refused/],
    ] as const) {
      const { fault: f, entry } = fault(resource);
      expect(() => litmusEngineBody(f, entry, 'pr-1'), resource).toThrow(message);
    }
  });
});

describe('litmusHits', () => {
  const pods = ['a', 'b', 'c', 'd', 'e'];
  const exp = (...env: [string, string][]) => ({
    name: 'pod-delete',
    spec: { components: { env: env.map(([name, value]) => ({ name, value })) } },
  });
  it('counts as Litmus picks: PODS_AFFECTED_PERC floored, at least one (0 is one pod); TARGET_PODS by name', () => {
    expect(litmusHits(exp(), pods, 'x')).toBe(1);
    expect(litmusHits(exp(['PODS_AFFECTED_PERC', '0']), pods, 'x')).toBe(1);
    expect(litmusHits(exp(['PODS_AFFECTED_PERC', '10']), pods, 'x')).toBe(1);
    expect(litmusHits(exp(['PODS_AFFECTED_PERC', '50']), pods, 'x')).toBe(2);
    expect(litmusHits(exp(['PODS_AFFECTED_PERC', '100']), pods, 'x')).toBe(5);
    expect(litmusHits(exp(['PODS_AFFECTED_PERC', '100']), [], 'x')).toBe(0);
    expect(litmusHits(exp(['TARGET_PODS', 'a, c']), pods, 'x')).toBe(2);
    expect(() => litmusHits(exp(['TARGET_PODS', 'a,etcd']), pods, 'x')).toThrow(/TARGET_PODS names etcd, not among/);
    expect(() => litmusHits(exp(['PODS_AFFECTED_PERC', '150']), pods, 'x')).toThrow(/not a whole percentage/);
  });
});
