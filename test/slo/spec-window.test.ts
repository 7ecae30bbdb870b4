// Issue 11 item 8 on the REAL Prometheus: an OpenSLO SLO with a 28-day timeWindow (as OpenSLO's examples write
// them) in a PR environment that started 3 minutes ago. The spec's window is the objective's window; the gate
// evaluates the part of it since the environment started, and says so.
import { beforeAll, describe, expect, it } from 'vitest';
import { createPrometheusClient, evaluateSlos, loadSlosFromYaml, type PrometheusClient } from '@gauntlet/slo';
import { prometheusUrl, uniqueName, writeHistory } from './helpers.js';

const NOW = Math.floor(Date.now() / 1000) * 1000 - 5_000;
const STARTED = NOW - 3 * 60_000;
const namespace = uniqueName('slo-young');
let client: PrometheusClient;

beforeAll(async () => {
  client = createPrometheusClient({ url: prometheusUrl(), registerSecret: () => {}, timeoutMs: 20_000 });
  await writeHistory(prometheusUrl(), {
    namespace,
    endMs: NOW,
    durationMs: NOW - STARTED,
    intervalMs: 5_000,
    rps: 20,
    errorRatio: () => 0.001,
  });
}, 60_000);

const OPENSLO = `
apiVersion: openslo/v1
kind: SLO
metadata: { name: checkout-availability }
spec:
  service: checkout
  budgetingMethod: Occurrences
  timeWindow: [{ duration: 28d, isRolling: true }]
  indicator:
    metadata: { name: checkout-errors }
    spec:
      ratioMetric:
        counter: true
        bad: { metricSource: { type: Prometheus, spec: { query: 'slo_it_requests_total{namespace="{{namespace}}",code="500"}' } } }
        total: { metricSource: { type: Prometheus, spec: { query: 'slo_it_requests_total{namespace="{{namespace}}"}' } } }
  objectives: [{ displayName: good, target: 0.99 }]
`;

describe('a spec window in a young environment, on real Prometheus', () => {
  it('evaluates the part of the 28d window since the environment started, and says so', async () => {
    const result = await evaluateSlos({
      slos: loadSlosFromYaml(OPENSLO, 'openslo.yaml'),
      client,
      vars: { namespace },
      nowMs: NOW,
      startedAtMs: STARTED,
      scrapeIntervalMs: 5_000,
      minRequests: 100,
    });
    const slo = result.slos[0]!;
    expect(slo.verdict).toBe('pass');
    expect(slo.window.label).toMatch(/^since start \(3m\) of its 28d window$/);
    expect(slo.reason).toMatch(/over since start \(3m\) of its 28d window/);
    expect(slo.window.durationMs).toBe(3 * 60_000);
  });

  it('without a start time it is the whole 28d window, which a 3-minute environment cannot fill', async () => {
    const result = await evaluateSlos({
      slos: loadSlosFromYaml(OPENSLO, 'openslo.yaml'),
      client,
      vars: { namespace },
      nowMs: NOW,
      scrapeIntervalMs: 5_000,
    });
    expect(result.slos[0]).toMatchObject({ verdict: 'inconclusive', problem: 'insufficient-coverage' });
  });
});
