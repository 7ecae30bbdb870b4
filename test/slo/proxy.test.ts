// The Prometheus client through a real forward proxy on loopback, against the test bed's REAL Prometheus:
// HTTP_PROXY forwards plain-http queries, HTTPS_PROXY tunnels https ones with CONNECT (the proxy never sees the
// token), NO_PROXY bypasses, proxy credentials are sent and never printed, and a proxy that is down or refuses is
// named as the proxy, not as Prometheus.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from '@gauntlet/testbed';
import { createPrometheusClient, type PrometheusClientOptions, type QueryOutcome } from '@gauntlet/slo';
import { startForwardProxy, type ForwardProxy } from '@gauntlet/slo/testing';
import { prometheusUrl } from './helpers.js';

const TOKEN = 'canary-proxy-token-51c2';
const PROXY_PASSWORD = 'canary-proxy-pw-9e0d';
let proxy: ForwardProxy;
let tlsFront: FaultProxy;

beforeAll(async () => {
  proxy = await startForwardProxy();
  // Prometheus behind TLS with a throw-away loopback certificate: the https target a tunnel is for.
  tlsFront = await FaultProxy.start({ upstream: prometheusUrl(), tls: true });
});

afterAll(async () => {
  await proxy?.close();
  await tlsFront?.close();
});

function client(url: string, proxyEnv: Record<string, string>, extra: Partial<PrometheusClientOptions> = {}) {
  const secrets: string[] = [];
  const c = createPrometheusClient({
    url,
    registerSecret: (s) => secrets.push(s),
    auth: { type: 'bearer', token: TOKEN },
    proxyEnv,
    maxRetries: 0,
    timeoutMs: 10_000,
    ...(tlsFront.caCert ? { ca: tlsFront.caCert } : {}),
    ...extra,
  });
  return { c, secrets };
}

function value(outcome: QueryOutcome): number {
  if (!outcome.ok) throw new Error(`query failed: ${outcome.fault.message}`);
  if (outcome.data.resultType !== 'scalar') throw new Error(`expected a scalar, got ${outcome.data.resultType}`);
  return outcome.data.sample.v;
}

const since = (n: number) => proxy.requests.slice(n);

describe('Prometheus client behind a proxy', () => {
  it('HTTP_PROXY: plain-http queries go through the proxy and get Prometheus’s answer', async () => {
    const before = proxy.requests.length;
    const { c } = client(prometheusUrl(), { HTTP_PROXY: proxy.url, HTTPS_PROXY: 'http://127.0.0.1:9' });
    expect(c.proxy).toBe(`${proxy.url} (HTTP_PROXY)`);
    expect(value(await c.instant('42', Date.now() / 1000))).toBe(42);
    const seen = since(before);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', target: `${prometheusUrl()}/api/v1/query`, status: 200 });
  });

  it('HTTPS_PROXY: https queries are tunnelled with CONNECT, so the proxy never sees the token', async () => {
    const before = proxy.requests.length;
    const front = new URL(tlsFront.url);
    const { c } = client(tlsFront.url, { https_proxy: proxy.url, HTTP_PROXY: 'http://127.0.0.1:9' });
    expect(c.proxy).toBe(`${proxy.url} (https_proxy)`);
    expect(value(await c.instant('7', Date.now() / 1000))).toBe(7);
    expect(value(await c.instant('8', Date.now() / 1000))).toBe(8);
    const seen = since(before);
    // One tunnel, kept alive for both queries.
    expect(seen).toEqual([{ method: 'CONNECT', target: `127.0.0.1:${front.port}`, status: 200 }]);
    expect(JSON.stringify(seen)).not.toContain(TOKEN);
    // Prometheus (behind the TLS front) got the token through the tunnel.
    expect(tlsFront.requests.at(-1)?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it.each([
    ['the host', '127.0.0.1'],
    ['host:port', () => `127.0.0.1:${new URL(prometheusUrl()).port}`],
    ['a CIDR range', '10.0.0.0/8, 127.0.0.0/8'],
    ['*', '*'],
  ])('NO_PROXY with %s bypasses the proxy', async (_what, entry) => {
    const before = proxy.requests.length;
    const list = typeof entry === 'function' ? entry() : entry;
    const { c } = client(prometheusUrl(), { HTTP_PROXY: proxy.url, NO_PROXY: list });
    expect(c.proxy).toBeUndefined();
    expect(value(await c.instant('1', Date.now() / 1000))).toBe(1);
    expect(since(before)).toEqual([]);
  });

  it('NO_PROXY for another port or host does not bypass it', async () => {
    const before = proxy.requests.length;
    const { c } = client(prometheusUrl(), { HTTP_PROXY: proxy.url, no_proxy: '127.0.0.1:1,localhost,.svc' });
    expect(value(await c.instant('2', Date.now() / 1000))).toBe(2);
    expect(since(before)).toHaveLength(1);
  });

  it('sends proxy credentials from the URL, registers them as secrets and never prints them', async () => {
    const guarded = await startForwardProxy({ credentials: { username: 'ci', password: PROXY_PASSWORD } });
    try {
      const withCreds = `http://ci:${PROXY_PASSWORD}@127.0.0.1:${guarded.port}`;
      const { c, secrets } = client(tlsFront.url, { HTTPS_PROXY: withCreds });
      expect(secrets).toContain(PROXY_PASSWORD);
      expect(c.proxy).toBe(`http://127.0.0.1:${guarded.port} (HTTPS_PROXY)`);
      expect(value(await c.instant('3', Date.now() / 1000))).toBe(3);
      expect(guarded.requests[0]?.proxyAuthorization).toBe(
        `Basic ${Buffer.from(`ci:${PROXY_PASSWORD}`).toString('base64')}`,
      );

      // Without credentials the proxy's 407 is named as the proxy's, for both kinds of target.
      const tunnel = await client(tlsFront.url, { HTTPS_PROXY: guarded.url }).c.instant('1', 1);
      expect(tunnel.ok).toBe(false);
      if (!tunnel.ok) {
        expect(tunnel.fault.message).toBe(
          `the proxy ${guarded.url} (HTTPS_PROXY) refused the tunnel to Prometheus: 407 Proxy Authentication Required`,
        );
      }
      const forwarded = await client(prometheusUrl(), { HTTP_PROXY: guarded.url }).c.instant('1', 1);
      expect(forwarded.ok).toBe(false);
      if (!forwarded.ok) {
        expect(forwarded.fault.status).toBe(407);
        expect(forwarded.fault.message).toMatch(
          new RegExp(`^the proxy ${guarded.url} \\(HTTP_PROXY\\) asked for credentials: HTTP 407`),
        );
      }
      for (const outcome of [tunnel, forwarded]) expect(JSON.stringify(outcome)).not.toContain(PROXY_PASSWORD);
    } finally {
      await guarded.close();
    }
  });

  it('a proxy that is down is named in the fault, not Prometheus', async () => {
    const { c } = client(prometheusUrl(), { HTTP_PROXY: 'http://127.0.0.1:9' });
    const outcome = await c.instant('1', 1);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.fault.message).toBe(
        'connection failed (ECONNREFUSED) through the proxy http://127.0.0.1:9 (HTTP_PROXY)',
      );
    }
  });

  it.each([
    [
      { HTTPS_PROXY: 'socks5://127.0.0.1:1080' },
      'HTTPS_PROXY names a socks5 proxy; only http and https proxies are supported',
    ],
    [{ ALL_PROXY: 'http://[::1' }, 'ALL_PROXY is set but is not a proxy URL'],
  ])('a proxy variable it cannot honour is an error naming it: %j', (env, message) => {
    expect(() => client(tlsFront.url, env)).toThrow(message);
  });

  it('ALL_PROXY and a bare host:port are honoured like curl does', async () => {
    const before = proxy.requests.length;
    const { c } = client(prometheusUrl(), { ALL_PROXY: `127.0.0.1:${proxy.port}` });
    expect(c.proxy).toBe(`${proxy.url} (ALL_PROXY)`);
    expect(value(await c.instant('5', Date.now() / 1000))).toBe(5);
    expect(since(before)).toHaveLength(1);
  });
});
