import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateSlos, aggregate } from './evaluate.js';
import { loadSlosFromYaml } from './definitions/load.js';
import { createPrometheusClient, type PrometheusClient } from './prometheus/client.js';
import { FakeClock } from '@gauntlet/action-kit/testing';
import {
  matrix,
  startFakePrometheus,
  stepTimes,
  success,
  type FakeHandler,
  type FakePrometheus,
  type FakeReply,
} from './testing/fake-prometheus.js';
import { toJsonOutput, type SloResult } from './result.js';
import type { EvaluationOptions } from './options.js';

const NOW = 1_800_000_000_000;
const NOW_S = NOW / 1000;
let fake: FakePrometheus;
let client: PrometheusClient;
let handler: FakeHandler = () => ({ body: success('vector', []) });

beforeAll(async () => {
  fake = await startFakePrometheus((r) => handler(r));
  client = createPrometheusClient({
    url: fake.url,
    registerSecret: () => {},
    clock: new FakeClock(),
    random: () => 0,
  });
});
afterAll(() => fake.close());

const RATIO = `
slos:
  - name: availability
    ratio:
      bad: http_requests_total{namespace="{{namespace}}",code=~"5.."}
      total: http_requests_total{namespace="{{namespace}}"}
    objective: { target: 99%, warn: 98%, window: 1h }
`;

/**
 * Per-step counts: `bad(t)` and `total(t)` return undefined for a missing point. Answers a label-batched query
 * (`sum by (code)`) with one series per code, and a two-part query with `gauntlet_part`-tagged series.
 */
function ratioReply(
  total: (t: number, i: number) => number | undefined,
  bad: (t: number, i: number) => number | undefined,
  extra: Record<string, unknown> = {},
): FakeHandler {
  return (r): FakeReply => {
    const times = stepTimes(r);
    const batched = (r.form.get('query') ?? '').startsWith('sum by (code)');
    const ok = (t: number, i: number): number | undefined => {
      const [a, b] = [total(t, i), bad(t, i)];
      return a === undefined ? undefined : a - (b ?? 0);
    };
    // In a real answer the error series is part of the total: it has no point where the total has none.
    const errors = (t: number, i: number): number | undefined => (total(t, i) === undefined ? undefined : bad(t, i));
    const series = batched
      ? [
          { labels: { code: '500' }, value: errors },
          { labels: { code: '200' }, value: ok },
        ]
      : [
          { labels: { gauntlet_part: 'bad' }, value: bad },
          { labels: { gauntlet_part: 'total' }, value: total },
        ];
    return { body: success('matrix', matrix(times, series), extra) };
  };
}

async function evaluate(yaml: string, options: EvaluationOptions = {}) {
  return evaluateSlos({
    slos: loadSlosFromYaml(yaml),
    client,
    vars: { namespace: 'pr-1' },
    nowMs: NOW,
    scrapeIntervalMs: 1000,
    // Answer-level fakes give per-step counts; the whole-window query is tested on real Prometheus (test/slo).
    wholeWindow: false,
    ...options,
  });
}
const only = (r: { slos: readonly SloResult[] }): SloResult => r.slos[0] as SloResult;

describe('evaluateSlos: ratio SLIs', () => {
  it('passes with good data and reports budget, burn rates and a chart series', async () => {
    handler = ratioReply(
      () => 100,
      () => 0,
    );
    const result = await evaluate(RATIO);
    const slo = only(result);
    expect(slo.verdict, slo.reason).toBe('pass');
    expect(result.gate).toBe('pass');
    expect(slo.measured).toBe(1);
    expect(slo.events?.total).toBe(100 * 720);
    expect(slo.budget?.remaining).toBe(1);
    expect(slo.burnRates.map((b) => [b.tier, b.status])).toEqual([
      ['fast', 'ok'],
      ['medium', 'ok'],
      ['slow', 'ok'],
    ]);
    expect(slo.series.length).toBeGreaterThan(10);
    expect(slo.reason).toMatch(/good\/total 100% >= target 99% over 1h/);
    expect(result.stats.queries).toBe(1);
    const request = fake.requests.at(-1)!;
    // Label batching: bad is total plus a code matcher, so one `sum by (code)` answers both.
    expect(request.form.get('query')).toBe('sum by (code) (increase(http_requests_total{namespace="pr-1"}[5s]))');
    expect(Number(request.form.get('end'))).toBe(NOW_S);
    const unbatched = await evaluate(RATIO, { batchByLabel: false });
    expect(only(unbatched)).toMatchObject({ verdict: 'pass', measured: 1 });
    expect(fake.requests.at(-1)!.form.get('query')).toContain(
      'label_replace((sum(increase(http_requests_total{namespace="pr-1",code=~"5.."}[5s])))',
    );
  });

  it('warns between warn and target, fails below warn', async () => {
    handler = ratioReply(
      () => 100,
      () => 1.5,
    );
    expect(only(await evaluate(RATIO)).verdict).toBe('warn');
    handler = ratioReply(
      () => 100,
      () => 2.5,
    );
    const failed = only(await evaluate(RATIO));
    expect(failed.verdict).toBe('fail');
    expect(failed.budget?.remaining).toBeCloseTo(-1.5, 6);
  });

  it('fails on a fast burn even when the whole window meets the objective', async () => {
    // 4 minutes of 30 % errors at the end of an otherwise clean hour: 2 % bad overall... below 1 % allowed? No: 0.4 % bad.
    handler = ratioReply(
      () => 100,
      (_t, i) => (i >= 720 - 12 ? 20 : 0),
    );
    const slo = only(await evaluate(RATIO));
    expect(slo.measured).toBeGreaterThan(0.99);
    expect(slo.verdict).toBe('fail');
    expect(slo.burnRates.find((b) => b.tier === 'fast')?.status).toBe('firing');
    expect(slo.reason).toMatch(/burn-rate alert fast/);
  });

  it.each([
    ['an empty vector', (): FakeReply => ({ body: success('matrix', []) }), 'no-data'],
    [
      'no total series',
      ratioReply(
        () => undefined,
        () => 1,
      ),
      'no-data',
    ],
    [
      'too little traffic',
      ratioReply(
        () => 0.05,
        () => 0,
      ),
      'low-traffic',
    ],
    [
      '40 % of steps missing',
      ratioReply(
        (_t, i) => (i % 5 < 2 ? undefined : 100),
        () => 0,
      ),
      'insufficient-coverage',
    ],
    [
      'stale data',
      ratioReply(
        (_t, i) => (i < 600 ? 100 : undefined),
        (_t, i) => (i < 600 ? 0 : undefined),
      ),
      'stale',
    ],
    [
      'warnings with good data',
      ratioReply(
        () => 100,
        () => 0,
        { warnings: ['PromQL warning: partial response'] },
      ),
      'warnings',
    ],
    [
      'a NaN sample',
      ratioReply(
        () => 100,
        (_t, i) => (i === 5 ? Number.NaN : 0),
      ),
      'non-finite',
    ],
    [
      'two total series',
      (r: Parameters<FakeHandler>[0]): FakeReply => ({
        body: success(
          'matrix',
          matrix(stepTimes(r), [
            { labels: { gauntlet_part: 'total', pod: 'a' }, value: () => 1 },
            { labels: { gauntlet_part: 'total', pod: 'b' }, value: () => 1 },
            { labels: { gauntlet_part: 'bad' }, value: () => 0 },
          ]),
        ),
      }),
      'too-many-series',
    ],
    [
      'a vector for a range query',
      (): FakeReply => ({ body: success('vector', [{ metric: {}, value: [NOW_S, '1'] }]) }),
      'wrong-result-type',
    ],
    [
      'an HTML 502',
      (): FakeReply => ({ status: 502, body: '<html>bad gateway</html>', contentType: 'text/html' }),
      'http-error',
    ],
  ])('is inconclusive (never pass) on %s', async (_label, reply, problem) => {
    handler = reply;
    // The fake answers these faults as two tagged parts, so batching is off; batched answers are below.
    const result = await evaluate(RATIO, { batchByLabel: false });
    expect(only(result)).toMatchObject({ verdict: 'inconclusive', problem });
    expect((await evaluate(RATIO)).slos[0]!.verdict).not.toBe('pass');
    expect(only(result).reason).toMatch(/^no trustworthy data: /);
    expect(result.gate).toBe('fail');
    expect((await evaluate(RATIO, { inconclusive: 'warn', batchByLabel: false })).gate).toBe('warn');
  });

  it('with label batching: no matching series is zero events, duplicate label sets are a bad response', async () => {
    handler = (r) => ({
      body: success('matrix', matrix(stepTimes(r), [{ labels: { code: '200' }, value: () => 100 }])),
    });
    // The answer holds the numerator's metric with other codes: the family exists, so no 5xx series is no 5xx.
    const slo = only(await evaluate(RATIO));
    expect(slo.verdict).toBe('pass');
    expect(slo.notes.join()).toMatch(/counted as 0 \(its metric has other label values/);
    handler = (r) => ({
      body: success(
        'matrix',
        matrix(stepTimes(r), [
          { labels: { code: '200' }, value: () => 100 },
          { labels: { code: '200' }, value: () => 100 },
        ]),
      ),
    });
    expect(only(await evaluate(RATIO))).toMatchObject({ verdict: 'inconclusive', problem: 'bad-response' });
    handler = (r) => ({
      body: success(
        'matrix',
        matrix(
          stepTimes(r),
          ['200', '404', '500', '503'].map((code) => ({
            labels: { code },
            value: () => (code.startsWith('5') ? 1 : 100),
          })),
        ),
      ),
    });
    const mixed = only(await evaluate(RATIO));
    expect(mixed.events).toEqual({ good: 720 * 200, total: 720 * 202 });
  });

  it('counts a missing bad series as zero with missingAsZero', async () => {
    handler = ratioReply(
      () => 100,
      () => undefined,
    );
    const slo = only(
      await evaluate(RATIO.replace('total: http', 'missingAsZero: true\n      total: http'), { batchByLabel: false }),
    );
    expect(slo.verdict).toBe('pass');
    expect(slo.notes.join()).toMatch(/missingAsZero/);
  });

  /** The ratio answer without a bad part; the absent-numerator probes answered by `family` and `metadata`. */
  const absentBad =
    (family: number | undefined, metadata: Record<string, unknown>): FakeHandler =>
    (r) => {
      if (r.path.endsWith('/api/v1/metadata')) return { body: { status: 'success', data: metadata } };
      if (r.kind === 'instant')
        return {
          body: success('vector', family === undefined ? [] : [{ metric: {}, value: [NOW_S, String(family)] }]),
        };
      return ratioReply(
        () => 100,
        () => undefined,
      )(r);
    };

  it('an absent bad series is zero when Prometheus knows its metric, and a typo when it does not', async () => {
    handler = absentBad(3, {});
    const family = only(await evaluate(RATIO, { batchByLabel: false }));
    expect(family.verdict).toBe('pass');
    expect(family.notes.join()).toMatch(/http_requests_total exists with other label values/);
    expect(fake.requests.some((q) => q.form.get('query')?.includes('{__name__="http_requests_total"}'))).toBe(true);

    handler = absentBad(undefined, { http_requests_total: [{ type: 'counter', help: 'h', unit: '' }] });
    const known = only(await evaluate(RATIO, { batchByLabel: false }));
    expect(known.verdict).toBe('pass');
    expect(known.notes.join()).toMatch(/knows http_requests_total \(target metadata\)/);
    const metadataRequest = fake.requests.findLast((q) => q.path.endsWith('/api/v1/metadata'));
    expect(metadataRequest).toMatchObject({ method: 'GET', search: '?metric=http_requests_total' });

    handler = absentBad(undefined, {});
    const typo = only(await evaluate(RATIO, { batchByLabel: false }));
    expect(typo).toMatchObject({ verdict: 'inconclusive', problem: 'no-data' });
    expect(typo.reason).toMatch(/no series and no metadata for http_requests_total: is the name misspelt\?/);
    expect(typo.reason).not.toMatch(/missingAsZero/);
  });

  it('accepts allow-listed warnings', async () => {
    handler = ratioReply(
      () => 100,
      () => 0,
      { warnings: ['known harmless thing'] },
    );
    expect(only(await evaluate(RATIO, { allowWarnings: [/harmless/] })).verdict).toBe('pass');
  });

  it('passes at 100 % coverage and tolerates a few missing steps', async () => {
    handler = ratioReply(
      (_t, i) => (i % 20 === 0 ? undefined : 100),
      (_t, i) => (i % 20 === 0 ? undefined : 0),
    );
    expect(only(await evaluate(RATIO)).verdict).toBe('pass');
  });

  it('marks burn tiers inconclusive when a burn window has too little traffic', async () => {
    handler = ratioReply(
      (_t, i) => (i < 700 ? 100 : 0.1),
      () => 0,
    );
    const slo = only(await evaluate(RATIO));
    expect(slo.verdict).toBe('inconclusive');
    expect(slo.burnRates.find((b) => b.tier === 'fast')?.status).toBe('inconclusive');
  });

  it('uses since-start windows from the environment start time', async () => {
    handler = ratioReply(
      () => 100,
      () => 0,
    );
    const result = await evaluate(RATIO.replace('window: 1h', 'window: since-start'), { startedAtMs: NOW - 600_500 });
    expect(only(result).window.label).toBe('since start (10m)');
    await expect(evaluate(RATIO.replace('window: 1h', 'window: since-start'))).rejects.toThrow(
      /no environment start time/,
    );
  });

  it('throws a UserError before querying when a variable has no value', async () => {
    const before = fake.requests.length;
    await expect(evaluateSlos({ slos: loadSlosFromYaml(RATIO), client, vars: {}, nowMs: NOW })).rejects.toThrow(
      /no value was given for variable 'namespace'/,
    );
    expect(fake.requests.length).toBe(before);
  });
});

describe('evaluateSlos: latency, PromQL and baselines', () => {
  const LATENCY = `
slos:
  - name: p95
    latency: { histogram: 'lat_seconds{namespace="{{namespace}}"}', quantile: 0.95, threshold: 250ms }
    objective: { warn: 500ms, window: 1h }
  - name: fast
    latency: { histogram: 'lat_seconds{namespace="{{namespace}}"}', threshold: 0.25 }
    objective: { target: 90%, window: 1h }
`;
  const histogram =
    (counts: Record<string, number>): FakeHandler =>
    (r) => ({
      body: success(
        'matrix',
        matrix(
          stepTimes(r),
          Object.entries(counts).map(([le, c]) => ({ labels: { le }, value: () => c })),
        ),
      ),
    });

  it('computes the quantile and the fraction under the threshold client-side from one shared query', async () => {
    handler = histogram({ '0.1': 50, '0.25': 96, '0.5': 99, '+Inf': 100 });
    const before = client.stats.queries;
    const result = await evaluate(LATENCY);
    expect(client.stats.queries - before).toBe(1);
    expect(result.stats.deduplicated).toBe(1);
    const [p95, fast] = result.slos as SloResult[];
    expect(p95?.verdict).toBe('pass');
    expect(p95?.measured).toBeCloseTo(0.1 + 0.15 * (45 / 46), 6);
    expect(fast?.verdict).toBe('pass');
    expect(fast?.measured).toBeCloseTo(0.96, 6);
    handler = histogram({ '0.1': 50, '0.25': 91, '0.5': 99, '+Inf': 100 });
    const slower = await evaluate(LATENCY);
    expect(slower.slos.map((s) => s.verdict)).toEqual(['warn', 'pass']);
  });

  it('is inconclusive without a +Inf bucket or with one series per pod', async () => {
    handler = histogram({ '0.1': 50, '0.25': 96 });
    expect(only(await evaluate(LATENCY))).toMatchObject({ verdict: 'inconclusive', problem: 'bad-response' });
    handler = (r) => ({
      body: success(
        'matrix',
        matrix(
          stepTimes(r),
          ['a', 'b'].flatMap((pod) => ['0.1', '+Inf'].map((le) => ({ labels: { le, pod }, value: () => 10 }))),
        ),
      ),
    });
    expect(only(await evaluate(LATENCY))).toMatchObject({ verdict: 'inconclusive', problem: 'too-many-series' });
  });

  const INSTANT = `
slos:
  - name: up
    promql: { query: 'min(up{namespace="{{namespace}}"})', op: ">=", threshold: 1 }
    objective: { warn: 0.5 }
`;
  it.each([
    ['one sample meeting the threshold', success('vector', [{ metric: {}, value: [NOW_S, '1'] }]), 'pass', undefined],
    ['a scalar', success('scalar', [NOW_S, '0.7']), 'warn', undefined],
    ['a failing value', success('vector', [{ metric: {}, value: [NOW_S, '0'] }]), 'fail', undefined],
    ['an empty vector', success('vector', []), 'inconclusive', 'no-data'],
    [
      'two series',
      success('vector', [
        { metric: { a: '1' }, value: [NOW_S, '1'] },
        { metric: { a: '2' }, value: [NOW_S, '1'] },
      ]),
      'inconclusive',
      'too-many-series',
    ],
    ['a matrix', success('matrix', [{ metric: {}, values: [[NOW_S, '1']] }]), 'inconclusive', 'wrong-result-type'],
    ['a string', success('string', [NOW_S, '1']), 'inconclusive', 'wrong-result-type'],
    ['+Inf', success('vector', [{ metric: {}, value: [NOW_S, '+Inf'] }]), 'inconclusive', 'non-finite'],
    ['a stale timestamp', success('vector', [{ metric: {}, value: [NOW_S - 3600, '1'] }]), 'inconclusive', 'stale'],
  ])('instant PromQL with %s', async (_label, body, verdict, problem) => {
    // The coverage query (a range query of the same expression) has data at every step.
    handler = (r) =>
      r.kind === 'range'
        ? { body: success('matrix', matrix(stepTimes(r), [{ labels: {}, value: () => 1 }])) }
        : { body };
    const slo = only(await evaluate(INSTANT));
    expect(slo.verdict).toBe(verdict);
    if (problem) expect(slo.problem).toBe(problem);
    expect(slo.queries.map((q) => q.kind)).toEqual(['instant', 'range']);
  });

  it('instant PromQL (a raw SLI) is inconclusive when too little of the window had data', async () => {
    const raw = `
slos:
  - name: error-ratio
    promql: { query: 'sum(rate(errors_total[{{window}}])) / sum(rate(requests_total[{{window}}]))', op: "<=", threshold: 0.01 }
    objective: { window: 2m }
`;
    const answers =
      (since: number): FakeHandler =>
      (r) =>
        r.kind === 'range'
          ? {
              body: success(
                'matrix',
                matrix(stepTimes(r), [{ labels: {}, value: (t) => (t >= since ? 0.001 : undefined) }]),
              ),
            }
          : { body: success('vector', [{ metric: {}, value: [NOW_S, '0.001'] }]) };
    // 45 s of data in a 2-minute window (5 s scrapes: 30 s steps, the smallest nice step of at least 4 scrapes).
    handler = answers(NOW_S - 45);
    const thin = only(await evaluate(raw, { scrapeIntervalMs: 5_000 }));
    expect(thin).toMatchObject({ verdict: 'inconclusive', problem: 'insufficient-coverage' });
    expect(thin.reason).toMatch(/only 50% of 4 steps of 30s had data \(need 90%\)/);
    const coverageQuery = thin.queries.find((q) => q.kind === 'range')?.query;
    expect(coverageQuery).toBe('sum(rate(errors_total[30s])) / sum(rate(requests_total[30s]))');
    handler = answers(NOW_S - 120);
    expect(only(await evaluate(raw, { scrapeIntervalMs: 5_000 }))).toMatchObject({ verdict: 'pass' });
    handler = (r) =>
      r.kind === 'range'
        ? { body: success('matrix', []) }
        : { body: success('vector', [{ metric: {}, value: [NOW_S, '0.001'] }]) };
    expect(only(await evaluate(raw, { scrapeIntervalMs: 5_000 }))).toMatchObject({
      verdict: 'inconclusive',
      problem: 'no-data',
    });
  });

  it('time-slice PromQL counts the share of steps meeting the comparison', async () => {
    handler = (r) => ({
      body: success('matrix', matrix(stepTimes(r), [{ labels: {}, value: (_t, i) => (i % 10 === 0 ? 0.9 : 0.5) }])),
    });
    const slo = only(
      await evaluate(`
slos:
  - name: cpu
    promql: { query: 'max(rate(cpu[{{window}}]))', op: "<", threshold: 0.8, mode: timeslices }
    objective: { target: 85%, window: 1h, burnRate: false }
`),
    );
    expect(slo.verdict).toBe('pass');
    expect(slo.measured).toBeCloseTo(0.9, 6);
  });

  it('compares with the baseline environment ("at most 10 % worse")', async () => {
    const yaml = `
baseline: { namespace: main }
slos:
  - name: availability
    ratio:
      bad: http_requests_total{namespace="{{namespace}}",code=~"5.."}
      total: http_requests_total{namespace="{{namespace}}"}
    objective: { target: 95%, window: 1h, burnRate: false, relative: { maxWorse: 10%, warnWorse: 5% } }
`;
    const run = async (prBad: number, mainBad: number) => {
      handler = (r) => {
        const bad = (r.form.get('query') ?? '').includes('namespace="main"') ? mainBad : prBad;
        return ratioReply(
          () => 100,
          () => bad,
        )(r);
      };
      return only(await evaluate(yaml));
    };
    expect((await run(1.02, 1)).verdict).toBe('pass');
    expect((await run(1.08, 1)).verdict).toBe('warn');
    const worse = await run(1.2, 1);
    expect(worse.verdict).toBe('fail');
    expect(worse.baseline?.degradation).toBeCloseTo(0.2, 6);
    expect(worse.reason).toMatch(/vs baseline/);
    handler = (r) =>
      (r.form.get('query') ?? '').includes('namespace="main"')
        ? { body: success('matrix', []) }
        : ratioReply(
            () => 100,
            () => 1,
          )(r);
    expect(only(await evaluate(yaml)).verdict).toBe('inconclusive');
  });
});

describe('aggregate and JSON output', () => {
  const r = (name: string, verdict: SloResult['verdict'], weight = 1, key = true) =>
    ({ name, verdict, weight, key, score: verdict === 'pass' ? 1 : verdict === 'warn' ? 0.5 : 0 }) as SloResult;
  const opts = { passScore: 90, warnScore: 75, inconclusive: 'fail' as const };
  it('takes the worst key SLO and the weighted score', () => {
    expect(aggregate([r('a', 'pass'), r('b', 'pass')], opts)).toMatchObject({ verdict: 'pass', score: 100 });
    expect(aggregate([r('a', 'pass'), r('b', 'warn')], opts)).toMatchObject({ verdict: 'warn', score: 75 });
    expect(aggregate([r('a', 'pass', 9), r('b', 'fail', 1, false)], opts)).toMatchObject({
      verdict: 'pass',
      score: 90,
    });
    expect(aggregate([r('a', 'pass', 1), r('b', 'fail', 1, false)], opts)).toMatchObject({
      verdict: 'fail',
      score: 50,
    });
    expect(aggregate([r('a', 'inconclusive'), r('b', 'pass')], opts)).toMatchObject({
      verdict: 'inconclusive',
      gate: 'fail',
    });
    expect(aggregate([r('a', 'inconclusive'), r('b', 'fail')], opts)).toMatchObject({ verdict: 'fail' });
    expect(aggregate([r('a', 'inconclusive', 1, false)], opts)).toMatchObject({
      verdict: 'inconclusive',
      score: 0,
      gate: 'fail',
    });
    expect(aggregate([r('a', 'inconclusive', 1, false), r('b', 'fail', 3, false)], opts)).toMatchObject({
      verdict: 'fail',
    });
  });
  it('serialises with a schema version and non-finite numbers as null', async () => {
    handler = ratioReply(
      () => 100,
      () => 0,
    );
    const result = await evaluate(RATIO);
    const json = JSON.parse(toJsonOutput({ ...result, score: Number.NaN }));
    expect(json.schemaVersion).toBe(1);
    expect(json.score).toBeNull();
    expect(json.slos[0].burnRates).toHaveLength(3);
  });
});

describe('evaluateSlos: long windows', () => {
  it('uses a fine and a coarse query for a 3-day window and gets the same answer as one query', async () => {
    const yaml = RATIO.replace('window: 1h', 'window: 3d');
    // Clean except a burst of errors in the last 20 minutes: the fast tier must see it through the fine query.
    handler = (r) => {
      const step = Number(r.form.get('step'));
      // 90 errors/s during the burst, integrated over each point's step so both resolutions see the same history.
      const overlap = (t: number): number => Math.max(0, Math.min(t, NOW_S) - Math.max(t - step, NOW_S - 1_200));
      return ratioReply(
        () => 100 * step,
        (t) => 90 * overlap(t),
      )(r);
    };
    const split = await evaluate(yaml, { scrapeIntervalMs: 15_000 });
    const single = await evaluate(yaml, { scrapeIntervalMs: 15_000, splitLongWindows: false });
    expect(split.stats.queries).toBe(2);
    expect(single.stats.queries).toBe(1);
    const [a, b] = [only(split), only(single)];
    expect(a.queries.map((q) => q.query.match(/\[(\d+)s\]/)?.[1])).toEqual(['300', '1800']);
    expect(a.verdict).toBe('fail');
    expect(b.verdict).toBe('fail');
    expect(a.measured).toBeCloseTo(b.measured!, 6);
    expect(a.burnRates.map((x) => x.status)).toEqual(b.burnRates.map((x) => x.status));
    expect(a.burnRates[0]!.short.burnRate).toBeCloseTo(b.burnRates[0]!.short.burnRate!, 6);
  });
});
