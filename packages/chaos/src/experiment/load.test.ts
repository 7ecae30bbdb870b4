import { describe, expect, it } from 'vitest';
import { loadExperiments } from './load.js';
import { ExperimentError } from '../errors.js';
import { nearestName } from './nearest.js';

const head = 'apiVersion: gauntlet.dev/v1alpha1\nkind: ChaosExperiment\n';

describe('loadExperiments', () => {
  it('expands a three-line library experiment', () => {
    const [e] = loadExperiments(`${head}use: pod-delete\nwith: { target: app=web }\n`, 'x.yaml');
    expect(e!.name).toBe('pod-delete');
    expect(e!.library).toBe('pod-delete');
    expect(e!.targets).toEqual([{ name: 'target', kind: 'Pod', selector: { app: 'web' } }]);
    expect(e!.steps[0]!.faults[0]).toMatchObject({ type: 'pod-delete', mode: 'graceful', durationMs: 30_000 });
    expect(e!.steadyState.slos).toBe('all');
  });

  it('reads every library experiment', () => {
    const cases: [string, string][] = [
      ['pod-failure', '{ target: app=web }'],
      ['scale-down', '{ target: app=web, replicas: 1 }'],
      ['network-partition', '{ target: app=db, from: app=web, direction: both }'],
      ['dns-failure', '{ target: app=web }'],
      ['dependency-latency', '{ proxy: postgres, latency: 300ms, jitter: 50ms }'],
      ['dependency-down', '{ proxy: postgres }'],
      ['resource-exhaustion', '{ duration: 1m }'],
    ];
    for (const [use, params] of cases) {
      const [e] = loadExperiments(`${head}metadata: { name: ${use}-1 }\nuse: ${use}\nwith: ${params}\n`, 'lib.yaml');
      expect(e!.name).toBe(`${use}-1`);
      expect(e!.steps[0]!.faults).toHaveLength(1);
    }
    const [latency] = loadExperiments(
      `${head}use: dependency-latency\nwith: { proxy: pg, latency: 300ms }\n`,
      'l.yaml',
    );
    expect(latency!.steps[0]!.faults[0]).toMatchObject({
      type: 'toxiproxy',
      toxic: 'latency',
      attributes: { latency: 300, jitter: 0 },
    });
  });

  it('expands broker-partition: a Toxiproxy cut of the broker link and an after-faults lag probe', () => {
    const [e] = loadExperiments(
      `${head}use: broker-partition\nwith: { proxy: orders-broker, broker: orders, consumer: { rabbitmq-queue: q }, maxLag: 5, duration: 10s }\n`,
      'b.yaml',
    );
    expect(e!.library).toBe('broker-partition');
    expect(e!.targets).toEqual([]);
    expect(e!.steps[0]!.faults[0]).toMatchObject({
      type: 'toxiproxy',
      proxy: 'orders-broker',
      toxic: 'timeout',
      stream: 'upstream',
      attributes: { timeout: 1 },
    });
    expect(e!.steadyState.slos).toEqual([]);
    expect(e!.steadyState.probes).toEqual([
      expect.objectContaining({
        name: 'lag-recovers',
        kind: 'event',
        event: expect.objectContaining({
          origin: 'b.yaml (use: broker-partition)',
          value: { broker: 'orders', lag: { consumer: { 'rabbitmq-queue': 'q' }, maxMessages: 5, afterFaults: true } },
        }),
      }),
    ]);
    expect(() => loadExperiments(`${head}use: broker-partition\nwith: { proxy: p }\n`, 'b.yaml')).toThrow(
      /with\.consumer/,
    );
    expect(() =>
      loadExperiments(`${head}use: broker-partition\nwith: { consumer: { rabbitmq-queue: q } }\n`, 'b.yaml'),
    ).toThrow(/with\.proxy/);
  });

  it('names the file, the field path and the nearest name for a typo', () => {
    const text = `${head}metadata: { name: e }
spec:
  targets: [{ name: web, selector: { app: web } }]
  steps:
    - faults:
        - { type: pod-delete, target: web, durtion: 30s }
`;
    expect(() => loadExperiments(text, 'exp.yaml')).toThrow(
      /exp\.yaml: spec\.steps\[0\]\.faults\[0\]\.durtion: unknown field; did you mean 'duration'\?/,
    );
    expect(() => loadExperiments(`${head}use: pod-delet\n`, 'u.yaml')).toThrow(/did you mean 'pod-delete'/);
    expect(() => loadExperiments(`${head}use: pod-delete\nwith: { targt: app=web }\n`, 'u.yaml')).toThrow(
      /with\.targt: unknown field; did you mean 'target'/,
    );
  });

  it('refuses faults without a duration, unknown targets, empty selectors and shell strings', () => {
    const base = (fault: string, targets = '[{ name: web, selector: { app: web } }]'): string =>
      `${head}metadata: { name: e }\nspec:\n  targets: ${targets}\n  steps: [{ faults: [${fault}] }]\n`;
    expect(() => loadExperiments(base('{ type: pod-delete, target: web }'), 'f.yaml')).toThrow(/duration: is required/);
    expect(() => loadExperiments(base('{ type: pod-delete, target: api, duration: 1s }'), 'f.yaml')).toThrow(
      /no target named 'api'/,
    );
    expect(() =>
      loadExperiments(
        base('{ type: pod-delete, target: web, duration: 1s }', '[{ name: web, selector: {} }]'),
        'f.yaml',
      ),
    ).toThrow(/empty selector would match everything/);
    expect(() =>
      loadExperiments(base('{ type: pod-delete, target: web, duration: 1s }', '[{ name: web }]'), 'f.yaml'),
    ).toThrow(/never "everything"/);
    expect(() =>
      loadExperiments(
        base('{ type: app, duration: 1s, on: { command: "flag on; rm -rf /" }, off: { command: [flag, off] } }'),
        'f.yaml',
      ),
    ).toThrow(/never runs in a shell/);
    expect(() =>
      loadExperiments(
        base('{ type: toxiproxy, proxy: pg, toxic: latency, duration: 1s, attributes: { latncy: 5 } }'),
        'f.yaml',
      ),
    ).toThrow(/attributes\.latncy: unknown field; did you mean 'latency'/);
  });

  it('reads several experiments per file and lists, and refuses duplicate names', () => {
    const one = (name: string): string =>
      `${head}metadata: { name: ${name} }\nuse: pod-delete\nwith: { target: app=web }\n`;
    expect(loadExperiments(`${one('a')}---\n${one('b')}`, 'm.yaml').map((e) => e.name)).toEqual(['a', 'b']);
    expect(() => loadExperiments(`${one('a')}---\n${one('a')}`, 'm.yaml')).toThrow(/two experiments are named 'a'/);
    const list = `apiVersion: v1\nkind: List\nitems:\n  - { apiVersion: gauntlet.dev/v1alpha1, kind: ChaosExperiment, use: dns-failure, with: { target: app=web } }\n`;
    expect(loadExperiments(list, 'l.yaml')[0]!.name).toBe('dns-failure');
    expect(() => loadExperiments('', 'empty.yaml')).toThrow(/holds no experiment/);
  });

  it('takes Chaos Mesh and Litmus resources as faults, with their duration', () => {
    const [mesh] = loadExperiments(
      `apiVersion: chaos-mesh.org/v1alpha1\nkind: PodChaos\nmetadata: { name: kill, namespace: pr-1 }\nspec: { action: pod-kill, mode: one, duration: 30s, selector: { labelSelectors: { app: web } } }\n`,
      'm.yaml',
    );
    expect(mesh!.steps[0]!.faults[0]).toMatchObject({ type: 'chaos-mesh', durationMs: 30_000 });
    expect(() =>
      loadExperiments(
        `apiVersion: chaos-mesh.org/v1alpha1\nkind: PodChaos\nmetadata: { name: k }\nspec: { action: pod-kill }\n`,
        'm.yaml',
      ),
    ).toThrow(/spec\.duration: is required/);
    expect(() =>
      loadExperiments(
        `apiVersion: chaos-mesh.org/v1alpha1\nkind: PodChaoss\nmetadata: { name: k }\nspec: { duration: 1s }\n`,
        'm.yaml',
      ),
    ).toThrow(/did you mean 'PodChaos'/);
    const litmus = `apiVersion: litmuschaos.io/v1alpha1
kind: ChaosEngine
metadata: { name: engine }
spec:
  appinfo: { appns: pr-1, applabel: app=web, appkind: deployment }
  experiments:
    - name: pod-delete
      spec: { components: { env: [{ name: TOTAL_CHAOS_DURATION, value: "20" }] } }
`;
    expect(loadExperiments(litmus, 'l.yaml')[0]!.steps[0]!.faults[0]).toMatchObject({
      type: 'litmus',
      durationMs: 20_000,
    });
  });

  it('keeps event probes and event faults as written, with their origin and path, for the events plug-in', () => {
    const [e] = loadExperiments(
      `${head}metadata: { name: orders }
spec:
  steps: [{ faults: [{ type: event, duration: 20s, event: { broker: main, producer: { channel: orders.in, duplicate: 30% } } }] }]
  steadyState:
    slos: none
    probes: [{ name: exactly-once, event: { count: { total: 50 } } }]
`,
      'ev.yaml',
    );
    expect(e!.steps[0]!.faults[0]).toEqual({
      id: 's1f1',
      durationMs: 20_000,
      type: 'event',
      event: {
        origin: 'ev.yaml',
        path: 'spec.steps[0].faults[0].event',
        value: { broker: 'main', producer: { channel: 'orders.in', duplicate: '30%' } },
      },
    });
    expect(e!.steadyState.probes[0]).toEqual({
      name: 'exactly-once',
      kind: 'event',
      event: { origin: 'ev.yaml', path: 'spec.steadyState.probes[0].event', value: { count: { total: 50 } } },
    });
    const bad = (fault: string): string => `${head}metadata: { name: x }\nspec:\n  steps: [{ faults: [${fault}] }]\n`;
    expect(() => loadExperiments(bad('{ type: event, duration: 5s }'), 'b.yaml')).toThrow(
      /faults\[0\]\.event: is required/,
    );
    expect(() => loadExperiments(bad('{ type: event, duration: 5s, event: [1] }'), 'b.yaml')).toThrow(
      /faults\[0\]\.event: expected a mapping/,
    );
    expect(() => loadExperiments(bad('{ type: event, duration: 5s, event: {}, relay: {} }'), 'b.yaml')).toThrow(
      /faults\[0\]\.relay: unknown field/,
    );
  });

  it('errors are ExperimentErrors', () => {
    expect(() => loadExperiments('apiVersion: x/v1\nkind: Y\n', 'a.yaml')).toThrow(ExperimentError);
  });
});

describe('nearestName', () => {
  it('suggests close names only', () => {
    expect(nearestName('durtion', ['duration', 'target'])).toBe('duration');
    expect(nearestName('selectr', ['selector'])).toBe('selector');
    expect(nearestName('zzzzzz', ['duration', 'target'])).toBeUndefined();
  });
});
