// The test bed's Prometheus is real: it scrapes a loopback target every second and answers PromQL.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestbed, remoteWrite } from '@gauntlet/testbed';
import { eventually, uniqueName } from './helpers.js';

interface RangeResult {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] };
}

async function promQuery<T>(url: string, path: string, params: Record<string, string>): Promise<T> {
  const res = await fetch(`${url}${path}?${new URLSearchParams(params).toString()}`);
  expect(res.ok).toBe(true);
  return (await res.json()) as T;
}

describe('prometheus', () => {
  const tb = getTestbed();
  const job = uniqueName('tb-scrape');
  let server: http.Server;
  let scrapes = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url !== '/metrics') return void res.writeHead(404).end();
      scrapes++;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(`# TYPE gauntlet_testbed_scrapes_total counter\ngauntlet_testbed_scrapes_total ${scrapes}\n`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    tb.removeScrapeTarget(job);
    await new Promise((r) => server.close(r));
  });

  it.skipIf(!tb.prometheusTargetsDir)('scrapes a loopback target and answers a range query with its data', async () => {
    const port = (server.address() as AddressInfo).port;
    tb.addScrapeTarget(job, [`127.0.0.1:${port}`], { job });
    const result = await eventually('three scrapes in a range query', async () => {
      const end = Date.now() / 1000;
      const r = await promQuery<RangeResult>(tb.prometheusUrl, '/api/v1/query_range', {
        query: `gauntlet_testbed_scrapes_total{job="${job}"}`,
        start: String(end - 120),
        end: String(end),
        step: '1',
      });
      const series = r.data.result[0];
      return series && series.values.length >= 3 ? series : undefined;
    });
    expect(result.metric.job).toBe(job);
    expect(result.metric.instance).toBe(`127.0.0.1:${port}`);
    const values = result.values.map(([, v]) => Number(v));
    // The counter the server exposed, as Prometheus stored it: positive and never decreasing.
    expect(values[0]).toBeGreaterThan(0);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]!);
    expect(values.at(-1)).toBeLessThanOrEqual(scrapes);
  });

  it('accepts remote-written samples from hours ago (long SLO windows without waiting)', async () => {
    const metric = `gauntlet_testbed_rw_${uniqueName('m').replace(/-/g, '_')}`;
    const now = Date.now();
    const start = now - 6 * 3600_000;
    await remoteWrite(tb.prometheusUrl, [
      {
        labels: { __name__: metric, job: 'remote' },
        samples: Array.from({ length: 361 }, (_, i) => [start + i * 60_000, i] as [number, number]),
      },
    ]);
    const r = await eventually('remote-written series visible', async () => {
      const q = await promQuery<RangeResult>(tb.prometheusUrl, '/api/v1/query_range', {
        query: `increase(${metric}[1h])`,
        start: String((start + 3600_000) / 1000),
        end: String((start + 6 * 3600_000) / 1000),
        step: '3600',
      });
      return q.data.result[0];
    });
    // 60 one-per-minute increments per hour (Prometheus extrapolates increase() to the window edges).
    for (const [, v] of r.values) expect(Number(v)).toBeGreaterThanOrEqual(59);
  });
});
