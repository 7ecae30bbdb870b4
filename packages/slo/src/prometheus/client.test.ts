import { afterEach, describe, expect, it } from 'vitest';
import { createPrometheusClient, type PrometheusClientOptions } from './client.js';
import { FakeClock, RecordingLogger } from '@gauntlet/action-kit/testing';
import { startFakePrometheus, success, type FakeHandler, type FakePrometheus } from '../testing/fake-prometheus.js';

const TOKEN = 'canary-token-Zx81Qw';
const vector = success('vector', [{ metric: {}, value: [1, '1'] }]);
let fake: FakePrometheus | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(handler: FakeHandler, options: Partial<PrometheusClientOptions> = {}) {
  fake = await startFakePrometheus(handler);
  const secrets: string[] = [];
  const clock = new FakeClock();
  const logger = new RecordingLogger();
  const client = createPrometheusClient({
    url: fake.url,
    registerSecret: (v) => secrets.push(v),
    clock,
    random: () => 0.5,
    logger,
    ...options,
  });
  return { client, secrets, clock, logger, fake };
}

describe('Prometheus client', () => {
  it('POSTs form-encoded queries with partial_response=false and nothing in the URL', async () => {
    const { client, fake } = await setup(() => ({ body: vector }));
    const query = 'sum(x{a="q\\"$(id)`b`\\n"}) # comment\n+ 1';
    const outcome = await client.instant(query, 1_700_000_000);
    expect(outcome.ok).toBe(true);
    await client.range(query, { start: 1, end: 61, stepSeconds: 15 });
    expect(fake.requests).toHaveLength(2);
    for (const r of fake.requests) {
      expect(r.method).toBe('POST');
      expect(r.search).toBe('');
      expect(r.contentType).toBe('application/x-www-form-urlencoded');
      expect(r.form.get('query')).toBe(query);
      expect(r.form.get('partial_response')).toBe('false');
    }
    expect(fake.requests[0]?.path).toBe('/api/v1/query');
    expect(fake.requests[1]?.path).toBe('/api/v1/query_range');
    expect(fake.requests[1]?.form.get('step')).toBe('15');
  });

  it('retries 503, 5xx HTML and resets at most 3 times with jittered backoff on the injected clock', async () => {
    let n = 0;
    const { client, clock } = await setup(() => {
      n += 1;
      if (n === 1) return { status: 503, body: { status: 'error', errorType: 'unavailable', error: 'busy' } };
      if (n === 2) return { status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' };
      if (n === 3) return { reset: true };
      return { body: vector };
    });
    const outcome = await client.instant('up', 1);
    expect(outcome).toMatchObject({ ok: true, attempts: 4 });
    expect(clock.sleeps).toEqual([125, 250, 500]);
    expect(client.stats).toMatchObject({ retries: 3, attempts: 4, queries: 1 });
  });

  it('gives up after 3 retries', async () => {
    const { client } = await setup(() => ({ status: 503, body: 'down', contentType: 'text/plain' }));
    const outcome = await client.instant('up', 1);
    expect(outcome).toMatchObject({ ok: false, attempts: 4, fault: { code: 'http-error', status: 503 } });
  });

  it.each([400, 422])('fails fast on %i with the server error', async (status) => {
    const { client, fake } = await setup(() => ({
      status,
      body: { status: 'error', errorType: 'bad_data', error: 'parse error: unexpected }' },
    }));
    const outcome = await client.instant('sum(', 1);
    expect(outcome).toMatchObject({ ok: false, attempts: 1, fault: { code: 'bad-request', status } });
    if (!outcome.ok) expect(outcome.fault.message).toContain('bad_data: parse error');
    expect(fake.requests).toHaveLength(1);
  });

  it('times out a body that never ends, without retrying', async () => {
    const { client } = await setup(() => ({ hang: true }), { timeoutMs: 300 });
    const outcome = await client.instant('up', 1);
    expect(outcome).toMatchObject({ ok: false, attempts: 1, fault: { code: 'timeout' } });
  });

  it('reports malformed JSON, HTML 200s and error statuses as bad responses', async () => {
    const bodies = [
      '{"status":"success","data":',
      '<html>hi</html>',
      JSON.stringify({ status: 'error', error: 'x' }),
      JSON.stringify({ status: 'success' }),
    ];
    let i = 0;
    const { client } = await setup(() => ({
      body: bodies[i++] as string,
      contentType: i === 2 ? 'text/html' : 'application/json',
    }));
    for (let k = 0; k < bodies.length; k += 1) {
      const outcome = await client.instant(`q${k}`, 1);
      expect(outcome).toMatchObject({ ok: false, fault: { code: 'bad-response' } });
    }
  });

  it('counts non-finite and unparseable samples and keeps warnings', async () => {
    const { client } = await setup(() => ({
      body: success(
        'matrix',
        [
          {
            metric: {},
            values: [
              [1, 'NaN'],
              [2, '+Inf'],
              [3, '-Inf'],
              [4, '1e309'],
              [5, 'abc'],
              [6, '2'],
            ],
          },
        ],
        { warnings: ['partial response'] },
      ),
    }));
    const outcome = await client.range('x', { start: 1, end: 6, stepSeconds: 1 });
    expect(outcome).toMatchObject({
      ok: true,
      invalidSamples: 5,
      invalidExample: 'NaN',
      warnings: ['partial response'],
    });
  });

  it('de-duplicates identical in-flight queries and bounds concurrency', async () => {
    let active = 0;
    let peak = 0;
    const { client, fake } = await setup(
      async () => {
        active += 1;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 20));
        active -= 1;
        return { body: vector };
      },
      { concurrency: 2 },
    );
    await Promise.all([
      client.instant('a', 1),
      client.instant('a', 1),
      client.instant('b', 1),
      client.instant('c', 1),
      client.instant('d', 1),
    ]);
    expect(fake.requests).toHaveLength(4);
    expect(client.stats.deduplicated).toBe(1);
    expect(peak).toBeLessThanOrEqual(2);
  });

  it('registers bearer, basic, URL and header secrets before the first request and never prints them', async () => {
    const events: string[] = [];
    fake = await startFakePrometheus((r) => {
      events.push(`request ${String(r.headers.authorization)}`);
      return { status: 502, body: `<html>token ${TOKEN} echoed</html>`, contentType: 'text/html' };
    });
    const logger = new RecordingLogger();
    const bearer = createPrometheusClient({
      url: fake.url,
      auth: { type: 'bearer', token: TOKEN },
      headers: { 'X-Scope-OrgID': 'tenant-secret-1' },
      registerSecret: (v) => events.push(`secret ${v}`),
      clock: new FakeClock(),
      logger,
    });
    expect(events.filter((e) => e.startsWith('request'))).toHaveLength(0);
    expect(events).toContain(`secret ${TOKEN}`);
    expect(events).toContain('secret tenant-secret-1');
    const outcome = await bearer.instant('up', 1);
    expect(events.findIndex((e) => e.startsWith('request'))).toBeGreaterThan(events.lastIndexOf(`secret ${TOKEN}`));
    expect(events.find((e) => e.startsWith('request'))).toBe(`request Bearer ${TOKEN}`);
    expect(fake.requests[0]?.headers['x-scope-orgid']).toBe('tenant-secret-1');
    expect(JSON.stringify(outcome)).not.toContain(TOKEN);
    expect(JSON.stringify(outcome)).toContain('***');
    expect(logger.text()).not.toContain(TOKEN);

    const registered: string[] = [];
    const password = 'p@ss:w0rd/canary';
    const basic = createPrometheusClient({
      url: fake.url.replace('http://', `http://admin:${encodeURIComponent(password)}@`),
      registerSecret: (v) => registered.push(v),
      clock: new FakeClock(),
    });
    expect(registered).toContain(password);
    expect(basic.endpoint).not.toContain(password);
    expect(basic.endpoint).not.toContain('admin');
    await basic.instant('up', 1);
    expect(fake.requests.at(-1)?.headers.authorization).toBe(
      `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`,
    );
    expect(registered).toContain(Buffer.from(`admin:${password}`).toString('base64'));
  });

  it('strips control characters before redacting: a token echoed with a BEL or ESC inside never comes back whole', async () => {
    const holes = [`${TOKEN.slice(0, 6)}\u0007${TOKEN.slice(6)}`, `${TOKEN.slice(0, 3)}\u001b[0m${TOKEN.slice(3)}`];
    for (const echoed of holes) {
      for (const reply of [
        { status: 400, body: { status: 'error', errorType: 'bad_data', error: `invalid token ${echoed}` } },
        { status: 502, body: `<html>${echoed}</html>`, contentType: 'text/html' },
        { body: { status: 'success', data: { resultType: 'vector', result: [] }, warnings: [`seen ${echoed}`] } },
      ]) {
        fake = await startFakePrometheus(() => reply);
        const logger = new RecordingLogger();
        const client = createPrometheusClient({
          url: fake.url,
          auth: { type: 'bearer', token: TOKEN },
          registerSecret: () => undefined,
          clock: new FakeClock(),
          logger,
        });
        const outcome = JSON.stringify(await client.instant('up', 1));
        expect(outcome, JSON.stringify(reply)).not.toContain(TOKEN);
        expect(outcome).toContain('***');
        expect(logger.text()).not.toContain(TOKEN);
        await fake.close();
        fake = undefined;
      }
    }
  });

  it('never echoes a URL with credentials in a validation error', () => {
    expect(() => createPrometheusClient({ url: 'ftp://u:secret-pw@host', registerSecret: () => {} })).toThrow(
      /must be http or https/,
    );
    try {
      createPrometheusClient({ url: 'http://u:secret-pw@[bad', registerSecret: () => {} });
    } catch (error) {
      expect(String(error)).not.toContain('secret-pw');
    }
  });

  it('summarises connection failures by error code only', async () => {
    const { client } = await setup(() => ({ body: vector }));
    const closed = createPrometheusClient({
      url: 'http://127.0.0.1:1',
      registerSecret: () => {},
      auth: { type: 'bearer', token: TOKEN },
      clock: new FakeClock(),
    });
    const outcome = await closed.instant('up', 1);
    expect(outcome).toMatchObject({
      ok: false,
      fault: { code: 'connection', message: 'connection failed (ECONNREFUSED)' },
    });
    expect(JSON.stringify(outcome)).not.toMatch(/Authorization|Bearer|token/i);
    expect(client).toBeDefined();
  });
});
