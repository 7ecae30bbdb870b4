/**
 * The verdict table of the published Sloth and OpenSLO examples (issue 11), on the test bed's real Prometheus.
 *
 * Each spec is written after one published example — slok/sloth examples/getting-started.yml (prometheus/v1
 * events), examples/k8s-getting-started.yml (sloth.slok.dev/v1 PrometheusServiceLevel), examples/raw-home-wifi.yml
 * (raw error_ratio_query), and OpenSLO/OpenSLO examples/budgeting-method (occurences-slo.yaml, timeslices-slo.yaml,
 * ratio-timeslices.yaml) — with the published fields, objectives, windows and budgeting methods, and the queries
 * pointed at the test bed's request counter. Each runs against an hour of history of known shape written into
 * Prometheus (20 requests/s, one sample per 5 s). The expected verdict is computed here from the exact counters
 * the history was made of (the arithmetic: errors/total, or the good slices), and set beside what the gate said.
 * The gate evaluates the part of the spec's window since the environment started (the history's start), as the
 * action does in a PR.
 *
 * `pnpm exec tsx bench/slo/published.ts` (the test bed must be up: `pnpm env:up`, or any run that keeps it)
 */
import { createPrometheusClient, evaluateSlos, loadSlosFromYaml } from '@gauntlet/slo';
import { status } from '@gauntlet/testbed';
import { prometheusUrl, uniqueName, writeHistory } from '../../test/slo/helpers.js';

const MINUTE = 60_000;
const NOW = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;
const START = NOW - 60 * MINUTE;
const INTERVAL = 5_000;
const RPS = 20;

interface History {
  readonly label: string;
  readonly errorRatio?: (t: number) => number;
  readonly omitErrorSeries?: boolean;
}

/** Every fifth minute has 3 % errors, the others none (0.6 % overall). */
const badMinute = (t: number): boolean => Math.floor((NOW - t - 1) / MINUTE) % 5 === 0;
const HISTORIES = {
  clean: { label: 'no 5xx ever (no error series at all)', omitErrorSeries: true },
  low: { label: '0.05 % errors, uniform', errorRatio: () => 0.0005 },
  high: { label: '0.3 % errors, uniform', errorRatio: () => 0.003 },
  half: { label: '0.5 % errors, uniform', errorRatio: () => 0.005 },
  bad: { label: '2 % errors, uniform', errorRatio: () => 0.02 },
  bursty: { label: '3 % errors in every 5th minute (0.6 % overall)', errorRatio: (t) => (badMinute(t) ? 0.03 : 0) },
} satisfies Record<string, History>;
type HistoryName = keyof typeof HISTORIES;

/** The exact counters of a history over (START, NOW]: per-minute good and total requests. */
function minutes(history: History): Array<{ good: number; total: number }> {
  const perSample = (RPS * INTERVAL) / 1000;
  const slices = Array.from({ length: 60 }, () => ({ good: 0, total: 0 }));
  // Increments land at each sample after the first, as the counters the history writes.
  for (let t = START + INTERVAL; t <= NOW; t += INTERVAL) {
    const slice = slices[Math.min(59, Math.floor((t - START - 1) / MINUTE))]!;
    const errors = perSample * (history.errorRatio?.(t) ?? 0);
    slice.total += perSample;
    slice.good += perSample - errors;
  }
  return slices;
}

interface Case {
  readonly example: string;
  readonly history: HistoryName;
  readonly yaml: (ns: string) => string;
  readonly origin: string;
  /** A raw SLI: the value given and measured is the error ratio, not the good share. */
  readonly raw?: boolean;
  /** The verdict from the arithmetic, and the value it is judged by. */
  readonly expected: (m: Array<{ good: number; total: number }>) => { value: number; verdict: 'pass' | 'fail' };
}

const occurrences = (target: number) => (m: Array<{ good: number; total: number }>) => {
  const good = m.reduce((a, s) => a + s.good, 0);
  const total = m.reduce((a, s) => a + s.total, 0);
  const value = good / total;
  return { value, verdict: value >= target ? ('pass' as const) : ('fail' as const) };
};
const timeslices = (target: number, sliceTarget: number) => (m: Array<{ good: number; total: number }>) => {
  const value = m.filter((s) => s.good / s.total >= sliceTarget).length / m.length;
  return { value, verdict: value >= target ? ('pass' as const) : ('fail' as const) };
};
const ratioTimeslices = (target: number) => (m: Array<{ good: number; total: number }>) => {
  const value = m.reduce((a, s) => a + s.good / s.total, 0) / m.length;
  return { value, verdict: value >= target ? ('pass' as const) : ('fail' as const) };
};

const slothEvents = (ns: string): string => `
version: "prometheus/v1"
service: "myservice"
labels: { owner: "myteam", repo: "myorg/myservice", tier: "2" }
slos:
  # We allow failing (5xx and 429) 1 request every 1000 requests (99.9%).
  - name: "requests-availability"
    objective: 99.9
    description: "Common SLO based on availability for HTTP request responses."
    sli:
      events:
        error_query: sum(rate(slo_it_requests_total{namespace="${ns}",code=~"(5..|429)"}[{{.window}}]))
        total_query: sum(rate(slo_it_requests_total{namespace="${ns}"}[{{.window}}]))
    alerting:
      name: MyServiceHighErrorRate
      labels: { category: "availability" }
      page_alert: { labels: { severity: pageteam } }
      ticket_alert: { labels: { severity: "slack" } }
`;
const slothK8s = (ns: string): string => `
apiVersion: sloth.slok.dev/v1
kind: PrometheusServiceLevel
metadata: { name: sloth-slo-my-service, namespace: monitoring }
spec:
  service: "myservice"
  labels: { owner: "myteam" }
  slos:
    - name: "requests-availability"
      objective: 99.9
      description: "Common SLO based on availability for HTTP request responses."
      sli:
        events:
          errorQuery: sum(rate(slo_it_requests_total{namespace="${ns}",code=~"(5..|429)"}[{{.window}}]))
          totalQuery: sum(rate(slo_it_requests_total{namespace="${ns}"}[{{.window}}]))
      alerting:
        name: MyServiceHighErrorRate
        pageAlert: { labels: { severity: pageteam } }
        ticketAlert: { labels: { severity: "slack" } }
`;
const slothRaw = (ns: string): string => `
version: "prometheus/v1"
service: "home-wifi"
labels: { cluster: "valhalla", component: "ubiquiti" }
slos:
  - name: "requests-satisfaction"
    objective: 99
    description: "The error ratio, given directly."
    sli:
      raw:
        error_ratio_query: |
          sum(rate(slo_it_requests_total{namespace="${ns}",code="500"}[{{.window}}]))
          /
          sum(rate(slo_it_requests_total{namespace="${ns}"}[{{.window}}]))
`;
const openSlo = (budgeting: string, objective: string) => (ns: string) => `
apiVersion: openslo/v1
kind: SLO
metadata: { name: main-page, displayName: Main page availability }
spec:
  description: Our main page should be available always
  service: web-shop
  indicator:
    metadata: { name: response-code, displayName: Response codes of requests to main page }
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource: { type: Prometheus, spec: { query: 'slo_it_requests_total{namespace="${ns}",code="200"}' } }
        total:
          metricSource: { type: Prometheus, spec: { query: 'slo_it_requests_total{namespace="${ns}"}' } }
  timeWindow:
    - duration: 2w
      isRolling: true
  budgetingMethod: ${budgeting}
  objectives:
    - ${objective}
`;

const CASES: Case[] = [
  {
    example: 'sloth getting-started (99.9)',
    history: 'low',
    yaml: slothEvents,
    origin: 'sloth.yml',
    expected: occurrences(0.999),
  },
  {
    example: 'sloth getting-started (99.9)',
    history: 'high',
    yaml: slothEvents,
    origin: 'sloth.yml',
    expected: occurrences(0.999),
  },
  {
    example: 'sloth getting-started (99.9)',
    history: 'clean',
    yaml: slothEvents,
    origin: 'sloth.yml',
    expected: occurrences(0.999),
  },
  {
    example: 'sloth k8s-getting-started (99.9)',
    history: 'low',
    yaml: slothK8s,
    origin: 'sloth-k8s.yml',
    expected: occurrences(0.999),
  },
  {
    example: 'sloth k8s-getting-started (99.9)',
    history: 'high',
    yaml: slothK8s,
    origin: 'sloth-k8s.yml',
    expected: occurrences(0.999),
  },
  {
    example: 'sloth raw-home-wifi form (99, raw ratio)',
    history: 'half',
    yaml: slothRaw,
    origin: 'sloth-raw.yml',
    expected: occurrences(0.99),
    raw: true,
  },
  {
    example: 'sloth raw-home-wifi form (99, raw ratio)',
    history: 'bad',
    yaml: slothRaw,
    origin: 'sloth-raw.yml',
    expected: occurrences(0.99),
    raw: true,
  },
  {
    example: 'openslo occurences (Occurrences, 0.99)',
    history: 'bursty',
    yaml: openSlo('Occurrences', '{ displayName: Good, op: gt, target: 0.99 }'),
    origin: 'openslo.yaml',
    expected: occurrences(0.99),
  },
  {
    example: 'openslo timeslices (0.95 of 1m slices >= 0.99)',
    history: 'bursty',
    yaml: openSlo('Timeslices', '{ displayName: SLA, target: 0.95, timeSliceTarget: 0.99, timeSliceWindow: 1m }'),
    origin: 'openslo.yaml',
    expected: timeslices(0.95, 0.99),
  },
  {
    example: 'openslo timeslices (0.95 of 1m slices >= 0.99)',
    history: 'low',
    yaml: openSlo('Timeslices', '{ displayName: SLA, target: 0.95, timeSliceTarget: 0.99, timeSliceWindow: 1m }'),
    origin: 'openslo.yaml',
    expected: timeslices(0.95, 0.99),
  },
  {
    example: 'openslo ratio-timeslices (RatioTimeslices, 0.99)',
    history: 'bursty',
    yaml: openSlo('RatioTimeslices', '{ displayName: Good, op: gt, timeSliceWindow: 1m, target: 0.99 }'),
    origin: 'openslo.yaml',
    expected: ratioTimeslices(0.99),
  },
  {
    example: 'openslo ratio-timeslices (RatioTimeslices, 0.995)',
    history: 'bursty',
    yaml: openSlo('RatioTimeslices', '{ displayName: Good, op: gt, timeSliceWindow: 1m, target: 0.995 }'),
    origin: 'openslo.yaml',
    expected: ratioTimeslices(0.995),
  },
];

// The running test bed's Prometheus, unless one is given.
process.env.GAUNTLET_PROMETHEUS_URL ??= (await status()).prometheusUrl;
const url = prometheusUrl();
const client = createPrometheusClient({ url, registerSecret: () => {}, timeoutMs: 20_000 });
const namespaces = new Map<HistoryName, string>();
for (const name of Object.keys(HISTORIES) as HistoryName[]) {
  const namespace = uniqueName(`slo-pub-${name}`);
  const history: History = HISTORIES[name];
  process.stdout.write(`writing an hour of history "${history.label}" as ${namespace}\n`);
  await writeHistory(url, {
    namespace,
    endMs: NOW,
    durationMs: 60 * MINUTE,
    intervalMs: INTERVAL,
    rps: RPS,
    ...(history.errorRatio ? { errorRatio: history.errorRatio } : {}),
    ...(history.omitErrorSeries ? { omitErrorSeries: true } : {}),
  });
  namespaces.set(name, namespace);
}

const pct = (v: number | undefined): string => (v === undefined ? '–' : `${(v * 100).toFixed(3)} %`);
const rows: string[] = [];
let agree = 0;
for (const c of CASES) {
  const namespace = namespaces.get(c.history) as string;
  const expected = c.expected(minutes(HISTORIES[c.history]));
  const result = await evaluateSlos({
    slos: loadSlosFromYaml(c.yaml(namespace), c.origin),
    client,
    nowMs: NOW,
    startedAtMs: START,
    scrapeIntervalMs: INTERVAL,
    burnRate: false,
  });
  const slo = result.slos[0]!;
  const same = slo.verdict === expected.verdict;
  // A raw SLI's value is the error ratio: shown as such on both sides.
  const shown = (v: number | undefined): string => (c.raw ? `error ratio ${pct(v)}` : pct(v));
  if (same) agree++;
  rows.push(
    `| ${c.example} | ${HISTORIES[c.history].label} | ${shown(c.raw ? 1 - expected.value : expected.value)} → ${expected.verdict} | ${shown(slo.measured ?? undefined)} → ${slo.verdict} | ${same ? 'yes' : '**no**'} | ${slo.window.label} |`,
  );
  process.stdout.write(`  ${c.example} / ${c.history}: expected ${expected.verdict}, gate ${slo.verdict}\n`);
}
process.stdout.write(
  [
    '',
    `### Published Sloth and OpenSLO examples on the test bed's Prometheus (${new Date(NOW).toISOString()})`,
    '',
    '| Example (modelled on) | History (1 h, 20 req/s) | Expected from the arithmetic | Gate (measured → verdict) | Same | Window evaluated |',
    '|---|---|---:|---:|---|---|',
    ...rows,
    '',
    `${agree} of ${CASES.length} verdicts as the arithmetic says.`,
    '',
  ].join('\n'),
);
