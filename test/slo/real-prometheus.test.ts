// SLO evaluation against the test bed's REAL Prometheus: clean history passes, and every kind of missing,
// partial or malformed data Prometheus itself can produce is inconclusive (never pass). SLO-01, 02, 05 (400/422),
// 06, 07, 08.
import { beforeAll, describe, expect, it } from 'vitest';
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import {
  createPrometheusClient,
  evaluateSlos,
  loadSlosFromYaml,
  toJsonOutput,
  type PrometheusClient,
  type SloCheckResult,
} from '@gauntlet/slo';
import { prometheusUrl, STANDARD_SLOS, uniqueName, writeHistory } from './helpers.js';

let client: PrometheusClient;
const NOW = Math.floor(Date.now() / 1000) * 1000 - 5_000;
const HOUR = 3_600_000;
const clean = uniqueName('slo-clean');
const errors = uniqueName('slo-errors');
const burst = uniqueName('slo-burst');
const gappy = uniqueName('slo-gappy');
const stale = uniqueName('slo-stale');
const twoPods = uniqueName('slo-pods');
const baseline = uniqueName('slo-main');
const young = uniqueName('slo-young');

beforeAll(async () => {
  client = createPrometheusClient({ url: prometheusUrl(), registerSecret: () => {}, timeoutMs: 20_000 });
  const url = prometheusUrl();
  const common = { endMs: NOW, durationMs: HOUR, intervalMs: 5_000, rps: 20 };
  await Promise.all([
    writeHistory(url, { ...common, namespace: clean, errorRatio: () => 0.001, slowRatio: () => 0.02 }),
    writeHistory(url, { ...common, namespace: baseline, errorRatio: () => 0.001, slowRatio: () => 0.02 }),
    writeHistory(url, { ...common, namespace: errors, errorRatio: () => 0.05, slowRatio: () => 0.2 }),
    // Clean for 55 minutes, then 40 % errors: the hour meets 99 % ... no: 3.3 % bad. The fast burn catches it first.
    writeHistory(url, { ...common, namespace: burst, errorRatio: (t) => (t > NOW - 120_000 ? 0.3 : 0) }),
    // 4 of every 10 minutes without samples: about 40 % of the steps have no data.
    writeHistory(url, { ...common, namespace: gappy, gap: (t) => (Math.floor((NOW - t) / 60_000) + 5) % 10 < 4 }),
    writeHistory(url, { ...common, namespace: stale, endMs: NOW - 15 * 60_000 }),
    // A fresh environment: 45 s of traffic so far.
    writeHistory(url, { ...common, namespace: young, durationMs: 45_000, errorRatio: () => 0.001 }),
    writeHistory(url, { ...common, namespace: twoPods, labels: { pod: 'a' } }).then(() =>
      writeHistory(url, { ...common, namespace: twoPods, labels: { pod: 'b' } }),
    ),
  ]);
}, 120_000);

async function run(
  namespace: string,
  yaml = STANDARD_SLOS,
  extra: Record<string, unknown> = {},
): Promise<SloCheckResult> {
  const logger = new RecordingLogger();
  const result = await evaluateSlos({
    slos: loadSlosFromYaml(yaml),
    client,
    logger,
    vars: { namespace },
    nowMs: NOW,
    defaultWindow: { kind: 'duration', ms: HOUR },
    scrapeIntervalMs: 5_000,
    ...extra,
  });
  // Every verdict is explained in the log and survives the JSON round trip.
  expect(logger.messages('info')).toHaveLength(result.slos.length);
  expect(JSON.parse(toJsonOutput(result)).slos).toHaveLength(result.slos.length);
  return result;
}

describe('real Prometheus: clean data', () => {
  it('passes availability and latency with one range query per SLO, over an hour of history', async () => {
    const result = await run(clean);
    expect(result.slos.map((s) => [s.name, s.verdict])).toEqual([
      ['availability', 'pass'],
      ['latency-p90', 'pass'],
    ]);
    const availability = result.slos[0]!;
    expect(availability.measured).toBeGreaterThan(0.998);
    expect(availability.measured).toBeLessThan(1);
    expect(availability.events!.total).toBeGreaterThan(60_000);
    expect(availability.budget!.remaining).toBeGreaterThan(0.8);
    expect(availability.burnRates.every((b) => b.status === 'ok')).toBe(true);
    expect(result.slos[1]!.measured).toBeLessThan(0.25);
    // One range query per SLO (steps) and one instant query (increase() over the whole window).
    expect(result.stats.queries).toBe(4);
    expect(result.verdict).toBe('pass');
  });

  it('fails on sustained errors and on a late burst caught by the fast burn-rate tier', async () => {
    const bad = await run(errors);
    expect(bad.slos.map((s) => s.verdict)).toEqual(['fail', 'fail']);
    expect(bad.slos[0]!.reason).toMatch(/good\/total 95(\.\d+)?% < warn 98%/);
    const late = await run(burst);
    const availability = late.slos[0]!;
    expect(availability.verdict).toBe('fail');
    expect(availability.burnRates.find((b) => b.tier === 'fast')!.status).toBe('firing');
  });

  it('agrees with PromQL computed server-side for the whole window', async () => {
    const result = await run(clean, STANDARD_SLOS, { burnRate: false });
    const server = await client.instant(
      `1 - sum(increase(slo_it_requests_total{namespace="${clean}",code="500"}[1h])) / sum(increase(slo_it_requests_total{namespace="${clean}"}[1h]))`,
      NOW / 1000,
    );
    if (!server.ok || server.data.resultType !== 'vector') throw new Error('server-side query failed');
    expect(result.slos[0]!.measured).toBeCloseTo(server.data.samples[0]!.v, 4);
  });

  it('compares with a baseline environment', async () => {
    const yaml = `
baseline: { namespace: ${baseline} }
slos:
  - name: availability
    ratio: { bad: 'slo_it_requests_total{namespace="{{namespace}}",code="500"}', total: 'slo_it_requests_total{namespace="{{namespace}}"}' }
    objective: { target: 90%, relative: { maxWorse: 10% } }
`;
    expect((await run(clean, yaml)).slos[0]!.verdict).toBe('pass');
    const worse = (await run(errors, yaml)).slos[0]!;
    expect(worse.verdict).toBe('fail');
    expect(worse.baseline!.degradation).toBeGreaterThan(10);
  });
});

describe('real Prometheus: no data is never a pass', () => {
  it('SLO-01: an empty vector (no such namespace) is inconclusive', async () => {
    const result = await run(uniqueName('slo-nothing'));
    expect(result.slos.map((s) => s.problem)).toEqual(['no-data', 'no-data']);
    expect(result.verdict).toBe('inconclusive');
    expect(result.gate).toBe('fail');
  });

  it.each([
    ['NaN', '0/0'],
    ['+Inf', '1/0'],
    ['-Inf', '-1/0'],
  ])('SLO-02: a %s sample from real PromQL is inconclusive', async (_label, expr) => {
    const yaml = `slos:\n  - name: weird\n    promql: { query: 'vector(${expr})', op: "<", threshold: 1 }\n`;
    const result = await run(clean, yaml);
    expect(result.slos[0]).toMatchObject({ verdict: 'inconclusive', problem: 'non-finite' });
  });

  it('SLO-02: NaN inside a range (0/0 steps) is inconclusive', async () => {
    const yaml = `slos:\n  - name: weird\n    promql: { query: 'sum(rate(slo_it_requests_total{namespace="{{namespace}}",code="500"}[{{window}}])) / 0', op: "<", threshold: 1, mode: timeslices }\n    objective: { target: 0.5 }\n`;
    expect((await run(clean, yaml)).slos[0]).toMatchObject({ verdict: 'inconclusive', problem: 'non-finite' });
  });

  it('SLO-05: a 400 (parse error) and a 422 (execution error) fail fast as inconclusive', async () => {
    const parse = await run(clean, `slos:\n  - name: broken\n    promql: { query: 'sum(up', op: ">", threshold: 0 }\n`);
    expect(parse.slos[0]).toMatchObject({ verdict: 'inconclusive', problem: 'bad-request' });
    expect(parse.slos[0]!.reason).toMatch(/HTTP 400: bad_data/);
    expect(parse.stats.retries).toBe(0);
    const exec = await run(
      clean,
      `slos:\n  - name: many\n    promql: { query: 'slo_it_requests_total{namespace="{{namespace}}"} + on() vector(1)', op: ">", threshold: 0 }\n`,
    );
    expect(exec.slos[0]).toMatchObject({ verdict: 'inconclusive', problem: 'bad-request' });
    expect(exec.slos[0]!.reason).toMatch(/HTTP 422: execution/);
    expect(exec.stats.retries).toBe(0);
  });

  it('SLO-06: data that stopped 15 minutes ago is stale', async () => {
    const result = await run(stale);
    expect(result.slos.map((s) => s.problem)).toEqual(['stale', 'stale']);
  });

  it('SLO-07: 40 % of steps missing is insufficient data; full coverage passes', async () => {
    const result = await run(gappy);
    expect(result.slos[0]).toMatchObject({ verdict: 'inconclusive', problem: 'insufficient-coverage' });
    expect(result.slos[0]!.reason).toMatch(/only 6\d(\.\d)?% of \d+ steps/);
    expect((await run(clean)).slos[0]!.verdict).toBe('pass');
  });

  it('SLO-08: a matrix or string for an instant SLI, and two series where one is expected, are inconclusive', async () => {
    const matrix = await run(
      clean,
      `slos:\n  - name: m\n    promql: { query: 'slo_it_requests_total{namespace="{{namespace}}",code="200"}[1m]', op: ">", threshold: 0 }\n`,
    );
    expect(matrix.slos[0]).toMatchObject({ verdict: 'inconclusive', problem: 'wrong-result-type' });
    const text = await run(clean, `slos:\n  - name: s\n    promql: { query: '"1"', op: ">", threshold: 0 }\n`);
    expect(text.slos[0]).toMatchObject({ verdict: 'inconclusive', problem: 'wrong-result-type' });
    const unaggregated = `slos:\n  - name: pods\n    ratio: { bad: 'rate(slo_it_requests_total{namespace="{{namespace}}",code="500"}[{{window}}])', total: 'rate(slo_it_requests_total{namespace="{{namespace}}",code="200"}[{{window}}])' }\n    objective: { target: 0.9 }\n`;
    expect((await run(twoPods, unaggregated)).slos[0]).toMatchObject({
      verdict: 'inconclusive',
      problem: 'too-many-series',
    });
    const instant = `slos:\n  - name: pods\n    promql: { query: 'slo_it_requests_total{namespace="{{namespace}}",code="200"}', op: ">", threshold: 0 }\n`;
    expect((await run(twoPods, instant)).slos[0]).toMatchObject({
      verdict: 'inconclusive',
      problem: 'too-many-series',
    });
    expect((await run(twoPods)).slos[0]!.verdict).toBe('pass');
  });

  it('issue 11 slo 4: a raw (instant) SLI with 45 s of data in a 2-minute window is inconclusive, as ratio SLIs are', async () => {
    // The raw SLI's value at the window's end is fine (0.1 % errors, extrapolated by rate() over the 2 minutes): only
    // the coverage check (the same expression at step scale, 30 s steps of 5 s scrapes) sees that half the window
    // had no data.
    const yaml = `
slos:
  - name: error-ratio
    promql: { query: 'sum(rate(slo_it_requests_total{namespace="{{namespace}}",code="500"}[{{window}}])) / sum(rate(slo_it_requests_total{namespace="{{namespace}}"}[{{window}}]))', op: "<=", threshold: 0.01 }
    objective: { window: 2m }
  - name: availability
    ratio: { bad: 'slo_it_requests_total{namespace="{{namespace}}",code="500"}', total: 'slo_it_requests_total{namespace="{{namespace}}"}' }
    objective: { target: 99%, window: 2m }
`;
    const thin = await run(young, yaml);
    expect(thin.slos.map((s) => [s.name, s.verdict, s.problem])).toEqual([
      ['error-ratio', 'inconclusive', 'insufficient-coverage'],
      ['availability', 'inconclusive', 'insufficient-coverage'],
    ]);
    expect(thin.slos[0]!.reason).toMatch(/only 50% of 4 steps of 30s had data \(need 90%\)/);
    expect(thin.gate).toBe('fail');
    // What the check guards against: without it (a coverage bar that 45 s clears), the same value passes.
    const unguarded = await run(young, yaml, { minCoverage: 0.25 });
    expect(unguarded.slos[0]).toMatchObject({ verdict: 'pass' });
    // A full 2 minutes of data passes.
    expect((await run(clean, yaml)).slos.map((s) => s.verdict)).toEqual(['pass', 'pass']);
  });

  it('too little traffic is inconclusive (minimum-request guard)', async () => {
    const result = await run(clean, STANDARD_SLOS, { minRequests: 10_000_000 });
    expect(result.slos.map((s) => s.problem)).toEqual(['low-traffic', 'low-traffic']);
  });
});
