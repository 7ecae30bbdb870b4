import { describe, expect, it } from 'vitest';
import { loadSlos, loadSlosFromYaml } from './load.js';
import { SloDefinitionError } from '../errors.js';
import { renderQueryTemplate } from '../template.js';
import type { EventQuery, SloDefinition } from '../model.js';

const INLINE = `
version: 1
vars: { service: checkout }
baseline: { namespace: main }
defaults:
  window: since-start
  minRequests: 50
slos:
  - name: availability
    weight: 2
    ratio:
      bad: http_requests_total{namespace="{{namespace}}",code=~"5.."}
      total: http_requests_total{namespace="{{namespace}}"}
    objective:
      target: 99.5%
      warn: 99%
      relative: { maxWorse: 10%, warnWorse: 5% }
  - name: latency-p95
    latency:
      histogram: http_request_duration_seconds{namespace="{{namespace}}"}
      quantile: 0.95
      threshold: 300ms
    objective: { warn: 500ms, window: 30m, burnRate: false }
  - name: fast-requests
    key: false
    latency:
      histogram: http_request_duration_seconds_bucket{namespace="{{namespace}}"}
      threshold: 0.25
    objective: { target: 0.99 }
  - name: pods-up
    promql:
      query: min(up{namespace="{{namespace}}"})
      op: ">="
      threshold: 1
  - name: saturation
    promql:
      query: max(rate(cpu_seconds_total{namespace="{{namespace}}"}[{{window}}]))
      op: lt
      threshold: 0.8
      mode: timeslices
    objective: { target: 95% }
`;

const q = (e: EventQuery | undefined, vars = { namespace: 'pr-7' }): string =>
  renderQueryTemplate(e!.template, vars, '30s');
const byName = (slos: readonly SloDefinition[], name: string): SloDefinition => slos.find((s) => s.name === name)!;

describe('inline schema', () => {
  it('loads every SLI kind with defaults applied', () => {
    const set = loadSlosFromYaml(INLINE, 'slo.yaml');
    expect(set.slos.map((s) => s.name)).toEqual([
      'availability',
      'latency-p95',
      'fast-requests',
      'pods-up',
      'saturation',
    ]);
    expect(set.vars).toEqual({ service: 'checkout' });
    expect(set.baseline).toEqual({ namespace: 'main' });
    const availability = byName(set.slos, 'availability');
    expect(availability.weight).toBe(2);
    expect(availability.objective).toMatchObject({
      target: 0.995,
      warnTarget: 0.99,
      window: { kind: 'since-start' },
      minRequests: 50,
      relative: { maxWorse: 0.1, warnWorse: 0.05, slack: 0 },
    });
    if (availability.sli.kind !== 'ratio') throw new Error('kind');
    expect(q(availability.sli.bad)).toBe('sum(increase(http_requests_total{namespace="pr-7",code=~"5.."}[30s]))');
    expect(availability.sli.bad?.unit).toBe('count');

    const p95 = byName(set.slos, 'latency-p95');
    expect(p95.sli).toMatchObject({ kind: 'latency', quantile: 0.95, thresholdSeconds: 0.3 });
    expect(p95.objective).toMatchObject({
      target: 0.95,
      warnThresholdSeconds: 0.5,
      window: { kind: 'duration', ms: 1_800_000 },
      burnRate: false,
    });
    if (p95.sli.kind !== 'latency') throw new Error('kind');
    expect(q(p95.sli.buckets)).toBe(
      'sum by (le)(increase(http_request_duration_seconds_bucket{namespace="pr-7"}[30s]))',
    );

    expect(byName(set.slos, 'fast-requests').key).toBe(false);
    expect(byName(set.slos, 'pods-up').sli).toMatchObject({ kind: 'promql', op: '>=', threshold: 1, mode: 'instant' });
    expect(byName(set.slos, 'saturation').sli).toMatchObject({ kind: 'promql', op: '<', mode: 'timeslices' });
  });

  it.each([
    [
      'an unknown field, with a hint',
      'slos:\n  - name: a\n    ratio: { good: a, total: b }\n    objetive: { target: 0.9 }',
      /slos\[0\]\.objetive: unknown field; did you mean 'objective'\?/,
    ],
    [
      'two SLI kinds',
      'slos:\n  - name: a\n    ratio: { good: a, total: b }\n    promql: { query: up, op: ">", threshold: 0 }',
      /slos\[0\]: needs exactly one SLI/,
    ],
    [
      'a target above 100%',
      'slos:\n  - name: a\n    ratio: { good: a, total: b }\n    objective: { target: 101% }',
      /slos\[0\]\.objective\.target: expected a fraction/,
    ],
    [
      'a 100% target',
      'slos:\n  - name: a\n    ratio: { good: a, total: b }\n    objective: { target: 1 }',
      /no error budget/,
    ],
    [
      'warn stricter than target',
      'slos:\n  - name: a\n    ratio: { good: a, total: b }\n    objective: { target: 0.9, warn: 0.95 }',
      /objective\.warn: the warn target/,
    ],
    [
      'a variable outside a label value',
      'slos:\n  - name: a\n    ratio: { good: "a > {{x}}", total: b }\n    objective: { target: 0.9 }',
      /slos\[0\]\.ratio\.good: .*outside a label value/,
    ],
    [
      'a non-selector without window',
      'slos:\n  - name: a\n    ratio: { good: "sum(rate(a[5m]))", total: b }\n    objective: { target: 0.9 }',
      /slos\[0\]\.ratio\.good: expected a counter selector/,
    ],
    [
      'a bad window',
      'slos:\n  - name: a\n    ratio: { good: a, total: b }\n    objective: { target: 0.9, window: forever }',
      /objective\.window: expected a duration/,
    ],
    [
      'both good and bad',
      'slos:\n  - name: a\n    ratio: { good: a, bad: c, total: b }\n    objective: { target: 0.9 }',
      /slos\[0\]\.ratio: needs exactly one of good or bad/,
    ],
    [
      'a bad op',
      'slos:\n  - name: a\n    promql: { query: up, op: "=", threshold: 1 }',
      /slos\[0\]\.promql\.op: expected one of/,
    ],
    ['a bad name', 'slos:\n  - name: "a b"\n    promql: { query: up, op: ">", threshold: 1 }', /slos\[0\]\.name:/],
    ['an empty list', 'slos: []', /slos: must contain at least one SLO/],
    [
      'a bad burn tier',
      'slos:\n  - name: a\n    ratio: { good: a, total: b }\n    objective: { target: 0.9, burnRate: [{ factor: 2, long: 5m, short: 1h }] }',
      /burnRate\[0\]\.short: the short window/,
    ],
  ])('rejects %s naming the field', (_label, yaml, message) => {
    const attempt = () => loadSlosFromYaml(yaml, 'inline.yaml');
    expect(attempt).toThrow(SloDefinitionError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(/^inline\.yaml: /);
  });

  it('rejects duplicate names across files', () => {
    const doc = 'slos:\n  - name: a\n    promql: { query: up, op: ">", threshold: 0 }';
    expect(() =>
      loadSlos([
        { text: doc, origin: 'one.yaml' },
        { text: doc, origin: 'two.yaml' },
      ]),
    ).toThrow(/duplicate SLO name \(also defined in one\.yaml\)/);
  });

  it('rejects invalid YAML and unknown documents', () => {
    expect(() => loadSlosFromYaml('slos: [', 'x.yaml')).toThrow(/x\.yaml: \(document\): not valid YAML/);
    expect(() => loadSlosFromYaml('foo: 1', 'x.yaml')).toThrow(/unrecognised document/);
  });
});

describe('OpenSLO v1', () => {
  const doc = `
apiVersion: openslo/v1
kind: SLI
metadata: { name: web-success }
spec:
  ratioMetric:
    counter: true
    good:
      metricSource: { type: Prometheus, spec: { query: 'sum(http_requests_total{code!~"5..",namespace="{{namespace}}"})' } }
    total:
      metricSource: { type: Prometheus, spec: { query: 'http_requests_total{namespace="{{namespace}}"}' } }
---
apiVersion: openslo/v1
kind: SLO
metadata: { name: web-availability }
spec:
  service: web
  indicatorRef: web-success
  budgetingMethod: Occurrences
  timeWindow: [{ duration: 1h, isRolling: true }]
  objectives: [{ displayName: good, target: 0.99 }]
---
apiVersion: openslo/v1
kind: SLO
metadata: { name: web-latency }
spec:
  service: web
  budgetingMethod: Timeslices
  indicator:
    metadata: { name: p99 }
    spec:
      thresholdMetric:
        metricSource: { type: Prometheus, spec: { query: 'histogram_quantile(0.99, sum by (le) (rate(lat_bucket[{{window}}])))' } }
  objectives:
    - { displayName: fast, op: lte, value: 0.3, target: 0.95, timeSliceWindow: 1m }
    - { displayName: ok, op: lte, value: 1, targetPercent: 99, timeSliceWindow: 2 }
---
apiVersion: openslo/v1
kind: Service
metadata: { name: web }
spec: {}
`;
  it('maps ratioMetric and thresholdMetric objectives', () => {
    const set = loadSlosFromYaml(doc, 'openslo.yaml');
    expect(set.slos.map((s) => s.name)).toEqual(['web-availability', 'web-latency.fast', 'web-latency.ok']);
    const a = byName(set.slos, 'web-availability');
    expect(a).toMatchObject({
      format: 'openslo',
      service: 'web',
      objective: { target: 0.99, window: { kind: 'duration', ms: 3_600_000 } },
    });
    if (a.sli.kind !== 'ratio') throw new Error('kind');
    expect(q(a.sli.good)).toBe('sum(increase(http_requests_total{code!~"5..",namespace="pr-7"}[30s]))');
    expect(q(a.sli.total)).toBe('sum(increase(http_requests_total{namespace="pr-7"}[30s]))');
    expect(byName(set.slos, 'web-latency.ok')).toMatchObject({
      objective: { target: 0.99, timeslices: { method: 'Timeslices', sliceMs: 120_000 } },
      sli: { kind: 'promql', op: '<=', threshold: 1, mode: 'timeslices' },
    });
  });
  it('names the bad field', () => {
    expect(() =>
      loadSlosFromYaml(
        doc.replace("type: Prometheus, spec: { query: 'http", "type: Datadog, spec: { query: 'http"),
        'o.yaml',
      ),
    ).toThrow(/o\.yaml: \(document 1\)\.spec\.ratioMetric\.total\.metricSource\.type: only Prometheus/);
    expect(() => loadSlosFromYaml(doc.replace('indicatorRef: web-success', 'indicatorRef: nope'), 'o.yaml')).toThrow(
      /spec\.indicatorRef: no kind: SLI document named 'nope'/,
    );
    expect(() => loadSlosFromYaml('apiVersion: openslo/v1alpha\nkind: SLO', 'o.yaml')).toThrow(
      /supported: openslo\/v1 \(OpenSLO\) and sloth\.slok\.dev\/v1/,
    );
  });
});

describe('Sloth prometheus/v1', () => {
  const doc = `
version: prometheus/v1
service: myservice
labels: { owner: team }
slos:
  - name: requests-availability
    objective: 99.9
    description: Common SLO based on availability for HTTP request responses.
    sli:
      events:
        error_query: sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)",namespace="{{namespace}}"}[{{.window}}]))
        total_query: sum(rate(http_request_duration_seconds_count{job="myservice",namespace="{{namespace}}"}[{{.window}}]))
    alerting: { name: MyServiceHighErrorRate }
  - name: raw-errors
    objective: 99
    sli:
      raw:
        error_ratio_query: sum(rate(errors_total[{{.window}}])) / sum(rate(requests_total[{{.window}}]))
`;
  it('maps events to a bad/total ratio with rate units and raw to an instant check', () => {
    const set = loadSlosFromYaml(doc, 'sloth.yaml');
    const a = byName(set.slos, 'myservice-requests-availability');
    expect(a.objective.target).toBeCloseTo(0.999, 10);
    if (a.sli.kind !== 'ratio') throw new Error('kind');
    expect(a.sli.bad?.unit).toBe('rate');
    expect(q(a.sli.bad)).toContain('[30s]');
    expect(byName(set.slos, 'myservice-raw-errors').sli).toMatchObject({ kind: 'promql', op: '<=', mode: 'instant' });
  });
  it('rejects plugins and bad objectives naming the field', () => {
    expect(() => loadSlosFromYaml(doc.replace('objective: 99.9', 'objective: 120'), 's.yaml')).toThrow(
      /slos\[0\]\.objective: expected a fraction/,
    );
    expect(() =>
      loadSlosFromYaml(
        'version: prometheus/v1\nservice: s\nslos:\n  - name: a\n    objective: 99\n    sli: { plugin: { id: x } }',
        's.yaml',
      ),
    ).toThrow(/slos\[0\]\.sli\.plugin: Sloth SLI plugins/);
  });
});

describe('unknown fields', () => {
  it('names an unknown field and the nearest known one, in every format', () => {
    expect(() =>
      loadSlosFromYaml(
        'slos:\n  - name: a\n    ratio: { bad: x_total, total: y_total }\n    objective: { tagret: 99% }\n',
        'inline.yaml',
      ),
    ).toThrow(/tagret: unknown field; did you mean 'target'\?/);
    expect(() =>
      loadSlosFromYaml(
        `apiVersion: openslo/v1
kind: SLO
metadata: { name: a }
spec:
  indicator:
    metadata: { name: i }
    spec:
      ratioMetric:
        good: { metricSource: { type: Prometheus, spec: { query: 'x_total' } } }
        total: { metricSource: { type: Prometheus, spec: { query: 'y_total' } } }
  objectives: [{ displayName: good, tagret: 0.99 }]
`,
        'openslo.yaml',
      ),
    ).toThrow(/objectives\[0\]\.tagret: unknown field; did you mean 'target'\?/);
    expect(() =>
      loadSlosFromYaml(
        'version: prometheus/v1\nservice: s\nslos:\n  - name: a\n    objectve: 99.9\n    sli: { events: { error_query: x, total_query: y } }\n',
        'sloth.yml',
      ),
    ).toThrow(/objectve: unknown field; did you mean 'objective'\?/);
  });
});
