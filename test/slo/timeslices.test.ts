// Issue 11 item 1: OpenSLO Timeslices and RatioTimeslices budgeting on the REAL Prometheus. The specs are modelled
// on OpenSLO's examples/budgeting-method (ratioMetric good/total, 1m slices). The history is a service with 0.6 %
// errors overall, all of them in every fifth minute (3 % in that minute): it meets a 99 % Occurrences objective,
// fails "95 % of minutes at >= 99 % good" (only 80 % of its minutes are), and its mean slice ratio is 99.4 %.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createPrometheusClient,
  evaluateSlos,
  loadSlosFromYaml,
  type PrometheusClient,
  type SloResult,
} from '@gauntlet/slo';
import { prometheusUrl, uniqueName, writeHistory } from './helpers.js';

const NOW = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
const HOUR = 3_600_000;
const namespace = uniqueName('slo-slices');
let client: PrometheusClient;

/** Every fifth minute (slices end at NOW - k minutes) has 3 % errors; the others none. */
const badMinute = (t: number): boolean => Math.floor((NOW - t - 1) / 60_000) % 5 === 0;

beforeAll(async () => {
  client = createPrometheusClient({ url: prometheusUrl(), registerSecret: () => {}, timeoutMs: 20_000 });
  await writeHistory(prometheusUrl(), {
    namespace,
    endMs: NOW,
    durationMs: HOUR,
    intervalMs: 5_000,
    rps: 20,
    errorRatio: (t) => (badMinute(t) ? 0.03 : 0),
  });
}, 120_000);

function openSlo(budgeting: string, objective: string): string {
  return `
apiVersion: openslo/v1
kind: SLO
metadata: { name: main-page }
spec:
  service: web-shop
  indicator:
    metadata: { name: response-code }
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource: { type: Prometheus, spec: { query: 'slo_it_requests_total{namespace="{{namespace}}",code="200"}' } }
        total:
          metricSource: { type: Prometheus, spec: { query: 'slo_it_requests_total{namespace="{{namespace}}"}' } }
  timeWindow: [{ duration: 1h, isRolling: true }]
  budgetingMethod: ${budgeting}
  objectives:
    - ${objective}
`;
}

async function evaluate(yaml: string): Promise<SloResult> {
  const result = await evaluateSlos({
    slos: loadSlosFromYaml(yaml, 'openslo.yaml'),
    client,
    vars: { namespace },
    nowMs: NOW,
    scrapeIntervalMs: 5_000,
    burnRate: false,
  });
  return result.slos[0]!;
}

describe('OpenSLO time-slice budgeting on real Prometheus', () => {
  it('Occurrences: 0.6 % errors meet a 99 % target', async () => {
    const slo = await evaluate(openSlo('Occurrences', '{ displayName: Good, op: gt, target: 0.99 }'));
    expect(slo.verdict).toBe('pass');
    expect(slo.measured).toBeGreaterThan(0.992);
    expect(slo.measured).toBeLessThan(0.996);
  });

  it('Timeslices: only 80 % of the minutes meet 99 %, so "95 % of minutes" fails (it passed as Occurrences)', async () => {
    const slo = await evaluate(
      openSlo('Timeslices', '{ displayName: SLA, target: 0.95, timeSliceTarget: 0.99, timeSliceWindow: 1m }'),
    );
    expect(slo.verdict).toBe('fail');
    // 60 slices, 12 of them bad: 80 % good (the window's edges may move one slice).
    expect(slo.measured).toBeGreaterThan(0.77);
    expect(slo.measured).toBeLessThan(0.83);
    expect(slo.events?.total).toBeGreaterThanOrEqual(59);
    expect(slo.reason).toMatch(/slices with good\/total >= 99% .* over 1h \(\d+ slices of 1m/);
    expect(slo.objective.description).toMatch(/1m slices with good\/total >= 99% >= 95%/);
  });

  it('Timeslices: the same service passes when 75 % of good minutes are enough', async () => {
    const slo = await evaluate(
      openSlo('Timeslices', '{ displayName: loose, target: 0.75, timeSliceTarget: 0.99, timeSliceWindow: 1m }'),
    );
    expect(slo.verdict).toBe('pass');
  });

  it("RatioTimeslices: the mean of the minutes' ratios (99.4 %) is judged against the target", async () => {
    const pass = await evaluate(openSlo('RatioTimeslices', '{ displayName: Good, target: 0.99, timeSliceWindow: 1m }'));
    expect(pass.verdict).toBe('pass');
    expect(pass.measured).toBeGreaterThan(0.992);
    expect(pass.measured).toBeLessThan(0.996);
    expect(pass.reason).toMatch(/mean slice ratio/);
    const fail = await evaluate(
      openSlo('RatioTimeslices', '{ displayName: Good, target: 0.995, timeSliceWindow: 1m }'),
    );
    expect(fail.verdict).toBe('fail');
  });

  it('refuses what it cannot honour, naming the field', () => {
    expect(() => loadSlosFromYaml(openSlo('Timeslices', '{ target: 0.95, timeSliceWindow: 1m }'))).toThrow(
      /objectives\[0\]\.timeSliceTarget: required with budgetingMethod Timeslices/,
    );
    expect(() => loadSlosFromYaml(openSlo('RatioTimeslices', '{ target: 0.95 }'))).toThrow(
      /timeSliceWindow: required with budgetingMethod RatioTimeslices/,
    );
    expect(() =>
      loadSlosFromYaml(openSlo('Occurrences', '{ target: 0.95, timeSliceTarget: 0.9, timeSliceWindow: 1m }')),
    ).toThrow(/timeSliceWindow: applies to Timeslices or RatioTimeslices budgeting, not Occurrences/);
  });

  it('refuses a slice shorter than four scrape intervals before querying', async () => {
    await expect(
      evaluate(openSlo('Timeslices', '{ target: 0.95, timeSliceTarget: 0.99, timeSliceWindow: 10s }')),
    ).rejects.toThrow(/timeSliceWindow 10s is shorter than 4 scrape intervals \(20s\)/);
  });
});
