import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchSlos } from './watch.js';
import { loadSlosFromYaml } from './definitions/load.js';
import { createPrometheusClient, type PrometheusClient } from './prometheus/client.js';
import { FakeClock } from '@gauntlet/action-kit/testing';
import { matrix, startFakePrometheus, stepTimes, success, type FakePrometheus } from './testing/fake-prometheus.js';

const SLOS = loadSlosFromYaml(`
slos:
  - name: up
    promql: { query: 'min(up{namespace="{{namespace}}"})', op: ">=", threshold: 1 }
`);
let fake: FakePrometheus;
let client: PrometheusClient;
let value = '1';

beforeAll(async () => {
  // Instant queries answer the value; the coverage range query a full window of it.
  fake = await startFakePrometheus((r) => ({
    body:
      r.kind === 'range'
        ? success('matrix', matrix(stepTimes(r), [{ labels: {}, value: () => Number(value) }]))
        : success('vector', [{ metric: {}, value: [Number(r.form.get('time')), value] }]),
  }));
  client = createPrometheusClient({ url: fake.url, registerSecret: () => {} });
});
afterAll(() => fake.close());

describe('watchSlos', () => {
  it('evaluates every interval for the duration on the injected clock, sliding the evaluation time', async () => {
    value = '1';
    const clock = new FakeClock();
    const start = clock.now();
    const seen: number[] = [];
    const result = await watchSlos({
      wholeWindow: false,
      slos: SLOS,
      client,
      clock,
      vars: { namespace: 'n' },
      intervalMs: 10_000,
      durationMs: 60_000,
      onVerdict: (r) => void seen.push(r.evaluatedAtMs - start),
    });
    expect(result).toMatchObject({ stoppedBecause: 'duration', iterations: 7 });
    expect(seen).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000]);
    expect(result.gates.every((g) => g === 'pass')).toBe(true);
  });

  it('stops early on the first failing evaluation when asked', async () => {
    const clock = new FakeClock();
    const result = await watchSlos({
      wholeWindow: false,
      slos: SLOS,
      client,
      clock,
      vars: { namespace: 'n' },
      intervalMs: 5_000,
      durationMs: 600_000,
      stopOnFail: true,
      onVerdict: (_r, i) => {
        value = i >= 2 ? '0' : '1';
      },
    });
    expect(result).toMatchObject({ stoppedBecause: 'fail', iterations: 3, gates: ['pass', 'pass', 'fail'] });
    expect(result.last?.slos[0]?.reason).toMatch(/value 0 is not >= 1/);
  });

  it('returns when the signal aborts', async () => {
    value = '1';
    const controller = new AbortController();
    const result = await watchSlos({
      wholeWindow: false,
      slos: SLOS,
      client,
      clock: new FakeClock(),
      vars: { namespace: 'n' },
      intervalMs: 1_000,
      durationMs: 3_600_000,
      signal: controller.signal,
      onVerdict: (_r, i) => {
        if (i === 2) controller.abort();
      },
    });
    expect(result).toMatchObject({ stoppedBecause: 'aborted', iterations: 2 });
  });
});
