// HTTP faults in front of the REAL Prometheus (the test bed's fault proxy: 503, HTML 502, resets, 400/422), and
// the answers Prometheus never gives from a programmable loopback server that forwards to the real one and then
// corrupts the answer (warnings, Thanos partial responses, a body that never ends). SLO-03, SLO-04, SLO-05.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '@gauntlet/action-kit/testing';
import { FaultProxy } from '@gauntlet/testbed';
import {
  createPrometheusClient,
  evaluateSlos,
  loadSlosFromYaml,
  type PrometheusClientOptions,
  type SloCheckResult,
} from '@gauntlet/slo';
import { startFakePrometheus, type FakePrometheus, type FakeReply, type FakeRequest } from '@gauntlet/slo/testing';
import { prometheusUrl, STANDARD_SLOS, uniqueName, writeHistory } from './helpers.js';

const NOW = Math.floor(Date.now() / 1000) * 1000 - 5_000;
const namespace = uniqueName('slo-faults');
let proxy: FaultProxy;
let fake: FakePrometheus;
let mutate: (request: FakeRequest, upstream: { status: number; body: string }) => FakeReply = (_r, u) => ({
  status: u.status,
  body: u.body,
});

beforeAll(async () => {
  await writeHistory(prometheusUrl(), {
    namespace,
    endMs: NOW,
    durationMs: 3_600_000,
    intervalMs: 5_000,
    rps: 20,
    errorRatio: () => 0.001,
  });
  proxy = await FaultProxy.start({ upstream: prometheusUrl() });
  // Forwards the exact form body to the real Prometheus, then lets the test rewrite the real answer.
  fake = await startFakePrometheus(async (request) => {
    if (request.kind === 'other') return { status: 404, body: 'not found', contentType: 'text/plain' };
    const response = await fetch(`${prometheusUrl()}${request.path}`, {
      method: 'POST',
      headers: { 'content-type': request.contentType },
      body: request.body,
    });
    return mutate(request, { status: response.status, body: await response.text() });
  });
}, 120_000);
afterAll(async () => {
  await proxy?.close();
  await fake?.close();
});

async function run(url: string, client: Partial<PrometheusClientOptions> = {}): Promise<SloCheckResult> {
  return evaluateSlos({
    slos: loadSlosFromYaml(STANDARD_SLOS),
    client: createPrometheusClient({ url, registerSecret: () => {}, clock: new FakeClock(), ...client }),
    vars: { namespace },
    nowMs: NOW,
    defaultWindow: { kind: 'duration', ms: 3_600_000 },
    scrapeIntervalMs: 5_000,
  });
}

const rangePath = /\/api\/v1\/query_range$/;

describe('SLO-04: Thanos-safe, form-encoded requests', () => {
  it('sends every query as a form-encoded POST with partial_response=false and an empty URL query', async () => {
    proxy.clearRules();
    proxy.clearRequests();
    expect((await run(proxy.url)).verdict).toBe('pass');
    const requests = proxy.requests;
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) {
      expect(r.method).toBe('POST');
      expect(Object.keys(r.query)).toEqual([]);
      expect(String(r.headers['content-type'])).toBe('application/x-www-form-urlencoded');
      expect(new URLSearchParams(r.body).get('partial_response')).toBe('false');
    }
  });

  it('a partial response (200 with a Thanos warning) is inconclusive even with good data', async () => {
    mutate = (_r, u) => {
      const json = JSON.parse(u.body);
      return {
        body: {
          ...json,
          warnings: ['No StoreAPIs matched for this query', 'partial response: store 10.0.0.7:10901 unavailable'],
        },
      };
    };
    const result = await run(fake.url);
    expect(result.slos.map((s) => s.problem)).toEqual(['warnings', 'warnings']);
    expect(result.gate).toBe('fail');
    expect(fake.requests.every((r) => r.form.get('partial_response') === 'false')).toBe(true);
  });
});

describe('SLO-03: warnings', () => {
  it('makes otherwise passing data inconclusive; infos are only noted', async () => {
    mutate = (_r, u) => ({
      body: { ...JSON.parse(u.body), warnings: ['PromQL warning: encountered a mix of histograms and floats'] },
    });
    expect((await run(fake.url)).slos.every((s) => s.verdict === 'inconclusive')).toBe(true);
    mutate = (_r, u) => ({ body: { ...JSON.parse(u.body), infos: ['PromQL info: metric might not be a counter'] } });
    const result = await run(fake.url);
    expect(result.verdict).toBe('pass');
    expect(result.slos[0]!.notes.join()).toMatch(/info: PromQL info/);
    mutate = (_r, u) => ({ status: u.status, body: u.body });
  });
});

describe('SLO-05: HTTP faults', () => {
  it('retries 503s (jittered, on the injected clock) and passes when Prometheus recovers', async () => {
    proxy.clearRules();
    proxy.addRule({
      path: rangePath,
      times: 2,
      action: { type: 'status', status: 503, body: { status: 'error', errorType: 'unavailable', error: 'overloaded' } },
    });
    const result = await run(proxy.url);
    expect(result.verdict).toBe('pass');
    expect(result.stats.retries).toBe(2);
  });

  it.each([
    [
      'a 503 that never recovers',
      { type: 'status' as const, status: 503, body: { status: 'error', errorType: 'unavailable', error: 'down' } },
      'http-error',
      4,
    ],
    [
      'an HTML 502 from a gateway',
      {
        type: 'status' as const,
        status: 502,
        body: '<html><body>502 Bad Gateway</body></html>',
        headers: { 'content-type': 'text/html' },
      },
      'http-error',
      4,
    ],
    ['connection resets', { type: 'reset' as const }, 'connection', 4],
    [
      'a 422',
      {
        type: 'status' as const,
        status: 422,
        body: { status: 'error', errorType: 'execution', error: 'query timed out' },
      },
      'bad-request',
      1,
    ],
    [
      'a 400',
      { type: 'status' as const, status: 400, body: { status: 'error', errorType: 'bad_data', error: 'bad step' } },
      'bad-request',
      1,
    ],
  ])('%s is inconclusive after at most 3 retries (4xx: none)', async (_label, action, problem, attempts) => {
    proxy.clearRules();
    proxy.clearRequests();
    proxy.addRule({ path: rangePath, action });
    const started = Date.now();
    const result = await run(proxy.url, { timeoutMs: 10_000 });
    expect(result.slos.map((s) => [s.verdict, s.problem])).toEqual([
      ['inconclusive', problem],
      ['inconclusive', problem],
    ]);
    expect(result.slos[0]!.queries[0]!.attempts).toBe(attempts);
    expect(proxy.findRequests({ path: rangePath })).toHaveLength(2 * attempts);
    expect(result.gate).toBe('fail');
    // Logged, not asserted (no timing assertions): the wall time stays near zero because backoff uses the fake clock.
    console.log(`SLO-05 ${_label}: ${Date.now() - started} ms wall, configured timeout 10000 ms`);
  });

  it('a body that never ends times out as inconclusive without retrying', async () => {
    mutate = () => ({ hang: true });
    const started = Date.now();
    const result = await evaluateSlos({
      slos: loadSlosFromYaml(STANDARD_SLOS),
      client: createPrometheusClient({ url: fake.url, registerSecret: () => {}, timeoutMs: 1_500 }),
      vars: { namespace },
      nowMs: NOW,
      defaultWindow: { kind: 'duration', ms: 3_600_000 },
      scrapeIntervalMs: 5_000,
    });
    expect(result.slos.map((s) => s.problem)).toEqual(['timeout', 'timeout']);
    // Each SLO's range and whole-window queries, once each: a timeout is not retried.
    expect(result.stats.attempts).toBe(4);
    console.log(`SLO-05 body never ends: ${Date.now() - started} ms wall for a 1500 ms timeout (bound: timeout + 5 s)`);
    mutate = (_r, u) => ({ status: u.status, body: u.body });
  });

  it('malformed JSON and a wrong resultType from a misbehaving proxy are inconclusive', async () => {
    mutate = (_r, u) => ({ body: u.body.slice(0, Math.floor(u.body.length / 2)) });
    expect((await run(fake.url)).slos.map((s) => s.problem)).toEqual(['bad-response', 'bad-response']);
    mutate = () => ({ body: { status: 'success', data: { resultType: 'vector', result: [] } } });
    expect((await run(fake.url)).slos.map((s) => s.problem)).toEqual(['wrong-result-type', 'wrong-result-type']);
    mutate = (_r, u) => ({ status: u.status, body: u.body });
  });
});
