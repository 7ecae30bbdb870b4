// End to end against the REAL Prometheus scraping the sample service every second under load: the same SLO in
// the inline schema, OpenSLO v1 and Sloth passes on a healthy service, and watchSlos (chaos-gate's halt
// condition) stops early with `fail` once the error rate is turned up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import {
  createPrometheusClient,
  evaluateSlos,
  generateLoad,
  loadSlos,
  startSampleService,
  watchSlos,
  type PrometheusClient,
  type SampleService,
  type SloCheckResult,
} from '@gauntlet/slo';
import { addScrapeTarget, eventually, prometheusUrl, uniqueName } from './helpers.js';

const namespace = uniqueName('slo-live');
const prefix = `live_${namespace.slice(-6)}`;
let service: SampleService;
let removeTarget: () => void;
let client: PrometheusClient;
let startedAtMs = 0;
const load = new AbortController();
let loadDone: Promise<unknown>;

const INLINE = `
slos:
  - name: availability
    ratio:
      bad: ${prefix}_http_requests_total{namespace="{{namespace}}",code="500"}
      total: ${prefix}_http_requests_total{namespace="{{namespace}}"}
    objective: { target: 99% }
  - name: latency-p95
    latency: { histogram: '${prefix}_http_request_duration_seconds{namespace="{{namespace}}"}', quantile: 0.95, threshold: 250ms }
  - name: scraped
    promql: { query: 'min(up{namespace="{{namespace}}"})', op: ">=", threshold: 1 }
`;
const OPENSLO = `
apiVersion: openslo/v1
kind: SLO
metadata: { name: openslo-availability }
spec:
  service: demo
  budgetingMethod: Occurrences
  indicator:
    metadata: { name: ok-ratio }
    spec:
      ratioMetric:
        counter: true
        good: { metricSource: { type: Prometheus, spec: { query: 'sum(${prefix}_http_requests_total{namespace="{{namespace}}",code="200"})' } } }
        total: { metricSource: { type: Prometheus, spec: { query: 'sum(${prefix}_http_requests_total{namespace="{{namespace}}"})' } } }
  objectives: [{ displayName: ok, target: 0.99 }]
`;
const SLOTH = `
version: prometheus/v1
service: demo
slos:
  - name: sloth-availability
    objective: 99
    sli:
      events:
        error_query: sum(rate(${prefix}_http_requests_total{namespace="{{namespace}}",code="500"}[{{.window}}]))
        total_query: sum(rate(${prefix}_http_requests_total{namespace="{{namespace}}"}[{{.window}}]))
`;
const sources = [
  { text: INLINE, origin: 'inline.yaml' },
  { text: OPENSLO, origin: 'openslo.yaml' },
  { text: SLOTH, origin: 'sloth.yaml' },
];

beforeAll(async () => {
  service = await startSampleService({ prefix, latencyMs: 20, jitterMs: 10 });
  removeTarget = addScrapeTarget(namespace, [`127.0.0.1:${service.port}`], { namespace });
  client = createPrometheusClient({ url: prometheusUrl(), registerSecret: () => {} });
  loadDone = generateLoad({ url: service.url, rps: 40, durationMs: 240_000, signal: load.signal });
  // The environment "came up" when Prometheus first had a sample of it.
  const first = await eventually('first scrape of the sample service', async () => {
    const r = await client.instant(
      `timestamp(${prefix}_http_requests_total{namespace="${namespace}",code="200"})`,
      Date.now() / 1000,
    );
    return r.ok && r.data.resultType === 'vector' ? r.data.samples[0]?.v : undefined;
  });
  startedAtMs = first * 1000;
  // 40 s of traffic: 10 steps of 4 s.
  await new Promise((r) => setTimeout(r, 40_000));
}, 180_000);
afterAll(async () => {
  load.abort();
  await loadDone;
  removeTarget?.();
  await service?.close();
});

function evaluateOnce(logger = new RecordingLogger()): Promise<SloCheckResult> {
  return evaluateSlos({
    slos: loadSlos(sources),
    client,
    logger,
    vars: { namespace },
    startedAtMs,
    scrapeIntervalMs: 1_000,
  });
}

describe('live sample service', () => {
  it('passes the same SLO written inline, in OpenSLO v1 and in Sloth, since the environment came up', async () => {
    const result = await evaluateOnce();
    const summary = result.slos.map((s) => `${s.name}: ${s.verdict} — ${s.reason}`).join('\n');
    expect(
      result.slos.map((s) => s.verdict),
      summary,
    ).toEqual(['pass', 'pass', 'pass', 'pass', 'pass']);
    const ratios = result.slos.filter((s) => s.name.endsWith('availability'));
    for (const r of ratios) {
      expect(r.window.label).toMatch(/^since start/);
      expect(r.measured).toBe(1);
      expect(r.events!.total).toBeGreaterThan(500);
    }
    // All three formats count the same traffic (within the extrapolation noise of increase() vs rate()).
    const totals = ratios.map((r) => r.events!.total);
    expect(Math.max(...totals) / Math.min(...totals)).toBeLessThan(1.05);
    expect(result.slos[1]!.measured).toBeLessThan(0.05);
    // The inline and OpenSLO availability SLOs batch to the same `sum by (code)` queries (steps and whole
    // window): sent once each. The instant `min(up)` SLI sends its value and its coverage range query.
    expect(result.stats.queries).toBe(8);
    expect(result.stats.deduplicated).toBe(2);
  });

  it('watchSlos stops early with fail once the error rate goes up (halt condition)', async () => {
    const seen: string[] = [];
    const result = await watchSlos({
      slos: loadSlos([{ text: INLINE, origin: 'inline.yaml' }]),
      client,
      vars: { namespace },
      startedAtMs,
      scrapeIntervalMs: 1_000,
      intervalMs: 2_000,
      durationMs: 120_000,
      stopOnFail: true,
      onVerdict: (r, i) => {
        seen.push(`${i}: ${r.gate} — ${r.slos[0]!.reason}`);
        if (i === 2) service.setErrorRate(0.5);
      },
    });
    expect(result.stoppedBecause, seen.join('\n')).toBe('fail');
    expect(result.gates.slice(0, 2)).toEqual(['pass', 'pass']);
    const availability = result.last!.slos[0]!;
    expect(availability.verdict).toBe('fail');
    expect(availability.burnRates.some((b) => b.status === 'firing')).toBe(true);
    service.setErrorRate(0);
  });
});
