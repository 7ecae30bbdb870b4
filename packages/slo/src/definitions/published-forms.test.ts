// Sloth's Kubernetes form and alerting, OpenSLO DataSources and calendar windows: fixtures written after the
// published examples (slok/sloth examples/k8s-getting-started.yml and examples/windows/7d.yaml; the OpenSLO
// README's DataSource and timeWindow sections and examples/budgeting-method/timeslices-slo.yaml).
import { describe, expect, it } from 'vitest';
import { loadSlos, loadSlosFromYaml } from './load.js';
import { renderQueryTemplate } from '../template.js';
import type { SloDefinition } from '../model.js';

const K8S = `
apiVersion: sloth.slok.dev/v1
kind: PrometheusServiceLevel
metadata:
  name: sloth-slo-my-service
  namespace: monitoring
spec:
  service: "myservice"
  labels: { owner: "myteam" }
  slos:
    - name: "requests-availability"
      objective: 99.9
      description: "Availability of HTTP responses."
      sli:
        events:
          errorQuery: sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))
          totalQuery: sum(rate(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))
      alerting:
        name: MyServiceHighErrorRate
        labels: { category: "availability" }
        pageAlert:
          labels: { severity: pageteam }
        ticketAlert:
          labels: { severity: "slack" }
`;

const only = (text: string, origin = 'slo.yaml'): SloDefinition => {
  const set = loadSlosFromYaml(text, origin);
  expect(set.slos).toHaveLength(1);
  return set.slos[0] as SloDefinition;
};

describe("Sloth's Kubernetes form (sloth.slok.dev/v1 PrometheusServiceLevel)", () => {
  it('loads like the file form, with the camelCase keys', () => {
    const slo = only(K8S);
    expect(slo).toMatchObject({ name: 'myservice-requests-availability', format: 'sloth', service: 'myservice' });
    expect(slo.objective.target).toBeCloseTo(0.999, 10);
    if (slo.sli.kind !== 'ratio') throw new Error('kind');
    expect(renderQueryTemplate(slo.sli.bad!.template, {}, '30s')).toContain('[30s]');
  });
  it('maps the page alert to failing tiers and the ticket alert to warning tiers, with Sloth factors', () => {
    const tiers = only(K8S).objective.burnRate;
    if (!tiers) throw new Error('no tiers');
    expect(tiers.map((t) => [t.name, t.factor, t.longMs / 3_600_000, t.shortMs / 60_000, t.severity])).toEqual([
      ['page-quick', 14.4, 1, 5, 'fail'],
      ['page-slow', 6, 6, 30, 'fail'],
      ['ticket-quick', 3, 24, 120, 'warn'],
      ['ticket-slow', 1, 72, 360, 'warn'],
    ]);
  });
  it('says that alert names, labels and annotations are not used', () => {
    expect(only(K8S).notes?.join('\n')).toMatch(
      /alerting name, labels, pageAlert labels\/annotations, ticketAlert labels\/annotations not used/,
    );
  });
  it('drops a disabled alert, and disabling both turns burn rates off', () => {
    const noPage = only(K8S.replace('labels: { severity: pageteam }', 'disable: true'));
    expect((noPage.objective.burnRate as readonly { name: string }[]).map((t) => t.name)).toEqual([
      'ticket-quick',
      'ticket-slow',
    ]);
    expect(noPage.notes?.join('\n')).toMatch(/no page tiers \(fail\), ticket tiers \(warn\)/);
    const none = only(
      K8S.replace('labels: { severity: pageteam }', 'disable: true').replace(
        'labels: { severity: "slack" }',
        'disable: true',
      ),
    );
    expect(none.objective.burnRate).toBe(false);
  });
  it('takes the windows of a kind: AlertWindows document of the file set', () => {
    const windows = `
apiVersion: sloth.slok.dev/v1
kind: AlertWindows
spec:
  sloPeriod: 7d
  page:
    quick: { errorBudgetPercent: 8, shortWindow: 5m, longWindow: 1h }
    slow: { errorBudgetPercent: 12.5, shortWindow: 30m, longWindow: 6h }
  ticket:
    quick: { errorBudgetPercent: 20, shortWindow: 2h, longWindow: 1d }
    slow: { errorBudgetPercent: 42, shortWindow: 6h, longWindow: 3d }
`;
    const set = loadSlos([
      { text: K8S, origin: 'slo.yaml' },
      { text: windows, origin: 'windows/7d.yaml' },
    ]);
    const tiers = set.slos[0]!.objective.burnRate as readonly { factor: number }[];
    // 8 % of 7 days in 1 hour = 13.44x; 12.5 % in 6 h = 3.5x; 20 % in 1 d = 1.4x; 42 % in 3 d = 0.98x.
    expect(tiers.map((t) => t.factor)).toEqual([13.44, 3.5, 1.4, 0.98]);
    expect(() => loadSlosFromYaml(windows, 'w.yaml')).toThrow(/AlertWindows applies to Sloth SLOs/);
    expect(() => loadSlosFromYaml(windows.replace('errorBudgetPercent: 8', 'errorBudgetPrecent: 8'), 'w.yaml')).toThrow(
      /errorBudgetPrecent: unknown field; did you mean 'errorBudgetPercent'\?/,
    );
  });
  it('refuses what it cannot honour by name', () => {
    expect(() => loadSlosFromYaml(K8S.replace('errorQuery:', 'error_query:'), 'k.yaml')).toThrow(
      /spec\.slos\[0\]\.sli\.events\.error_query: unknown field; did you mean 'errorQuery'\?/,
    );
    expect(() =>
      loadSlosFromYaml(K8S.replace('  slos:', '  sloPlugins: { chain: [{ id: x }] }\n  slos:'), 'k.yaml'),
    ).toThrow(/spec\.sloPlugins: Sloth SLO plugins change the rules/);
    expect(() => loadSlosFromYaml(K8S.replace('pageAlert:', 'pageAlrt:'), 'k.yaml')).toThrow(
      /pageAlrt: unknown field; did you mean 'pageAlert'\?/,
    );
    expect(() => loadSlosFromYaml(K8S.replace('kind: PrometheusServiceLevel', 'kind: ServiceLevel'), 'k.yaml')).toThrow(
      /unsupported sloth\.slok\.dev\/v1 kind 'ServiceLevel'/,
    );
  });
  it('without alerting, the file form gets both alerts (Sloth defaults)', () => {
    const slo = only(
      'version: prometheus/v1\nservice: s\nslos:\n  - name: a\n    objective: 99\n    sli: { events: { error_query: x_total, total_query: y_total } }\n',
    );
    expect((slo.objective.burnRate as readonly unknown[]).length).toBe(4);
    expect(slo.notes).toBeUndefined();
  });
});

const DATASOURCE = `
apiVersion: openslo/v1
kind: DataSource
metadata: { name: prometheus-datasource }
spec:
  type: Prometheus
  connectionDetails: { url: http://prometheus.monitoring:9090 }
`;
const SLO_WITH_REF = `
apiVersion: openslo/v1
kind: SLO
metadata: { name: checkout }
spec:
  service: web-shop
  indicator:
    metadata: { name: checkout-success }
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            metricSourceRef: prometheus-datasource
            spec: { query: 'http_requests_total{code!~"5.."}' }
        total:
          metricSource:
            type: Prometheus
            metricSourceRef: prometheus-datasource
            spec: { query: http_requests_total }
  timeWindow: [{ duration: 28d, isRolling: true }]
  objectives: [{ displayName: good, target: 0.99 }]
`;

describe('OpenSLO metricSourceRef and DataSource', () => {
  it('resolves a DataSource from another file of the set and notes its connectionDetails', () => {
    const set = loadSlos([
      { text: DATASOURCE, origin: 'datasources.yaml' },
      { text: SLO_WITH_REF, origin: 'slo.yaml' },
    ]);
    const slo = set.slos[0]!;
    expect(slo.sli.kind).toBe('ratio');
    expect(slo.notes).toEqual([
      "DataSource 'prometheus-datasource' connectionDetails not used: queries go to the Prometheus given as prometheus-url",
    ]);
  });
  it('refuses an unknown reference with the nearest name, another type, and a disagreeing type', () => {
    expect(() =>
      loadSlos([
        { text: DATASOURCE, origin: 'd.yaml' },
        {
          text: SLO_WITH_REF.replaceAll(
            'metricSourceRef: prometheus-datasource',
            'metricSourceRef: prometheus-datasorce',
          ),
          origin: 's.yaml',
        },
      ]),
    ).toThrow(/no kind: DataSource named 'prometheus-datasorce' .*did you mean 'prometheus-datasource'/);
    expect(() =>
      loadSlos([
        { text: DATASOURCE.replace('type: Prometheus', 'type: Datadog'), origin: 'd.yaml' },
        { text: SLO_WITH_REF, origin: 's.yaml' },
      ]),
    ).toThrow(/d\.yaml: spec\.type: only Prometheus data sources are supported, got 'Datadog'/);
    expect(() =>
      loadSlos([
        { text: DATASOURCE, origin: 'd.yaml' },
        { text: SLO_WITH_REF.replace('type: Prometheus', 'type: Graphite'), origin: 's.yaml' },
      ]),
    ).toThrow(/'Graphite' disagrees with DataSource 'prometheus-datasource', which is 'Prometheus'/);
    expect(() => loadSlosFromYaml(SLO_WITH_REF, 's.yaml')).toThrow(/no kind: DataSource named 'prometheus-datasource'/);
  });
  it('reports unknown fields of the SLO spec with the nearest known name', () => {
    expect(() =>
      loadSlos([
        { text: DATASOURCE, origin: 'd.yaml' },
        { text: SLO_WITH_REF.replace('timeWindow:', 'timeWindw:'), origin: 's.yaml' },
      ]),
    ).toThrow(/timeWindw: unknown field; did you mean 'timeWindow'\?/);
  });
});

const CALENDAR = (window: string): string => `
apiVersion: openslo/v1
kind: SLO
metadata: { name: sla }
spec:
  indicator:
    metadata: { name: web }
    spec:
      ratioMetric:
        good: { metricSource: { type: Prometheus, spec: { query: 'http_requests_total{code!~"5.."}' } } }
        total: { metricSource: { type: Prometheus, spec: { query: http_requests_total } } }
  timeWindow:
${window}
  objectives: [{ displayName: SLA, target: 0.99 }]
`;

describe('OpenSLO calendar-aligned windows', () => {
  it('loads 1M, 1Q and 2w with their calendar', () => {
    for (const duration of ['1M', '1Q', '2w', '1Y', '1d']) {
      const slo = only(
        CALENDAR(
          `    - duration: ${duration}\n      isRolling: false\n      calendar: { startTime: "2022-01-01 12:00:00", timeZone: America/New_York }`,
        ),
      );
      expect(slo.objective.window).toMatchObject({
        kind: 'calendar',
        text: duration,
        startTime: '2022-01-01 12:00:00',
        timeZone: 'America/New_York',
      });
    }
  });
  it('isRolling defaults to false when calendar is given', () => {
    const slo = only(CALENDAR('    - duration: 1M\n      calendar: { startTime: 2022-01-01 00:00:00, timeZone: UTC }'));
    expect(slo.objective.window?.kind).toBe('calendar');
  });
  it('refuses what it cannot honour, naming the field', () => {
    expect(() => only(CALENDAR('    - duration: 1M\n      isRolling: true'))).toThrow(
      /timeWindow\[0\]\.duration: '1M' is a calendar unit/,
    );
    expect(() => only(CALENDAR('    - duration: 1M\n      isRolling: false'))).toThrow(
      /needs calendar: \{ startTime, timeZone \}/,
    );
    expect(() =>
      only(CALENDAR('    - duration: 1M\n      calendar: { startTime: "2022-02-30 00:00:00", timeZone: UTC }')),
    ).toThrow(/calendar\.startTime: expected a date and time/);
    expect(() =>
      only(
        CALENDAR('    - duration: 1M\n      calendar: { startTime: "2022-01-01 00:00:00", timeZone: Mars/Olympus }'),
      ),
    ).toThrow(/calendar\.timeZone: 'Mars\/Olympus' is not an IANA time zone name/);
    expect(() =>
      only(CALENDAR('    - duration: 1M\n      calendar: { startTime: "2022-01-01 00:00:00", timezone: UTC }')),
    ).toThrow(/timezone: unknown field; did you mean 'timeZone'\?/);
    expect(() =>
      only(CALENDAR('    - { duration: 1d, isRolling: true }\n    - { duration: 7d, isRolling: true }')),
    ).toThrow(/timeWindow: must hold exactly one window, got 2/);
  });
});
