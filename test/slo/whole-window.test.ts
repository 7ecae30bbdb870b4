// Issue 11 item 3 on the REAL Prometheus: the objective's ratio comes from increase() over the whole window, not
// from summing short steps. A property test against exact counters: the history is written by a deterministic
// exporter (remote write, one sample per 5 s scrape), so the true counts in the window are known; the measured
// counts must be within one scrape interval's events of them at each edge. SLO_EXACT_CASES raises the case count.
import { seededRandom } from '@gauntlet/action-kit';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPrometheusClient, evaluateSlos, loadSlosFromYaml, type PrometheusClient } from '@gauntlet/slo';
import { prometheusUrl, uniqueName, writeHistory } from './helpers.js';

const INTERVAL = 5_000;
const NOW = Math.floor(Date.now() / INTERVAL) * INTERVAL - INTERVAL;
const CASES = Number(process.env.SLO_EXACT_CASES ?? 6);
const SEED = 20_261_202;
let client: PrometheusClient;

interface Case {
  readonly namespace: string;
  readonly windowMs: number;
  readonly rps: number;
  /** Errors in the sample at time t (whole events). */
  readonly errorsAt: (t: number) => number;
}

/** The exact counts in (NOW - window, NOW], as the exporter incremented them. */
function truth(c: Case): { bad: number; total: number; perSample: number; maxBad: number } {
  const perSample = (c.rps * INTERVAL) / 1000;
  let bad = 0;
  let total = 0;
  let maxBad = 0;
  for (let t = NOW - c.windowMs + INTERVAL; t <= NOW; t += INTERVAL) {
    bad += c.errorsAt(t);
    total += perSample;
    maxBad = Math.max(maxBad, c.errorsAt(t));
  }
  return { bad, total, perSample, maxBad };
}

const random = seededRandom(SEED);
const cases: Case[] = Array.from({ length: CASES }, (_, i) => {
  const windowMs = [2, 5, 10, 30][i % 4]! * 60_000;
  const rps = 2 + Math.floor(random() * 30);
  const rate = random() * 0.05;
  const perSample = (rps * INTERVAL) / 1000;
  // Rare, whole errors at seeded samples: the case that per-step rate() measured as 0.
  const marks = new Map<number, number>();
  for (let t = NOW - windowMs - 60_000; t <= NOW; t += INTERVAL)
    if (random() < rate * 4) marks.set(t, Math.min(perSample, 1 + Math.floor(random() * 3)));
  return { namespace: uniqueName(`slo-exact-${i}`), windowMs, rps, errorsAt: (t) => marks.get(t) ?? 0 };
});
// The case: 6 real errors in 2 minutes, none near the window's edges.
const six: Case = {
  namespace: uniqueName('slo-six'),
  windowMs: 120_000,
  rps: 20,
  errorsAt: (t) => ([20, 35, 50, 65, 80, 95].some((s) => t === NOW - s * 1000) ? 1 : 0),
};

beforeAll(async () => {
  client = createPrometheusClient({ url: prometheusUrl(), registerSecret: () => {}, timeoutMs: 20_000 });
  for (const c of [...cases, six]) {
    const perSample = (c.rps * INTERVAL) / 1000;
    await writeHistory(prometheusUrl(), {
      namespace: c.namespace,
      endMs: NOW,
      durationMs: c.windowMs + 60_000,
      intervalMs: INTERVAL,
      rps: c.rps,
      errorRatio: (t) => c.errorsAt(t) / perSample,
    });
  }
}, 120_000);

const SLO = `
slos:
  - name: availability
    ratio:
      bad: slo_it_requests_total{namespace="{{namespace}}",code="500"}
      total: slo_it_requests_total{namespace="{{namespace}}"}
    objective: { target: 90% }
`;

async function measure(c: Case): Promise<{ bad: number; total: number; ratio: number }> {
  const result = await evaluateSlos({
    slos: loadSlosFromYaml(SLO),
    client,
    vars: { namespace: c.namespace },
    nowMs: NOW,
    defaultWindow: { kind: 'duration', ms: c.windowMs },
    scrapeIntervalMs: INTERVAL,
    minRequests: 1,
    burnRate: false,
  });
  const slo = result.slos[0]!;
  expect(slo.events, slo.reason).toBeDefined();
  expect(slo.queries.some((q) => q.kind === 'instant' && q.query.includes(`[${c.windowMs / 1000}s]`))).toBe(true);
  const { good, total } = slo.events!;
  return { bad: total - good, total, ratio: slo.measured as number };
}

describe('the objective ratio over the whole window, on real Prometheus', () => {
  it(`is within one scrape interval's events of exact counters (${CASES} seeded cases)`, async () => {
    for (const c of cases) {
      const exact = truth(c);
      const got = await measure(c);
      const label = `${c.namespace}: window ${c.windowMs / 60_000}m, ${c.rps} rps, truth ${exact.bad}/${exact.total}, got ${got.bad.toFixed(2)}/${got.total.toFixed(2)}`;
      // increase() extrapolates to the window's edges: at most one sample's events at each edge.
      expect(Math.abs(got.total - exact.total), label).toBeLessThanOrEqual(exact.perSample * 1.5 + 1e-6);
      expect(Math.abs(got.bad - exact.bad), label).toBeLessThanOrEqual(Math.max(exact.maxBad, 1) * 1.5 + 1e-6);
      const trueRatio = 1 - exact.bad / exact.total;
      const bound = ((exact.perSample + Math.max(exact.maxBad, 1)) * 1.5) / exact.total;
      expect(Math.abs(got.ratio - trueRatio), label).toBeLessThanOrEqual(bound);
    }
  });

  it('counts 6 real errors in 2 minutes as 6, not 0', async () => {
    const got = await measure(six);
    expect(got.bad).toBeGreaterThan(5.5);
    expect(got.bad).toBeLessThan(6.5);
    const exact = truth(six);
    expect(Math.abs(got.ratio - (1 - 6 / exact.total))).toBeLessThan(0.001);
  });
});
