import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A demo service for the slo-check demo and tests: a loopback HTTP server with a controllable error rate and
 * latency, exposing Prometheus metrics in the text format:
 *
 *   <prefix>_http_requests_total{code}                    counter, codes 200 and 500 initialised to 0
 *   <prefix>_http_request_duration_seconds_bucket{le}     histogram (plus _sum and _count)
 *
 * GET /work is one request (sleeps the latency, answers 500 with probability errorRate); GET /metrics is the
 * scrape endpoint; POST /control?errorRate=0.1&latencyMs=50 changes behaviour at run time. `record()` bumps the
 * metrics without HTTP traffic, for deterministic tests.
 */
export const SAMPLE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

export interface SampleServiceOptions {
  /** Metric name prefix (default `demo`). */
  readonly prefix?: string;
  readonly errorRate?: number;
  /** Mean latency of /work in ms (default 20) and uniform jitter around it (default 10). */
  readonly latencyMs?: number;
  readonly jitterMs?: number;
  /** Port on 127.0.0.1 (default 0: any free port). */
  readonly port?: number;
  readonly random?: () => number;
}

export interface SampleService {
  readonly url: string;
  readonly port: number;
  setErrorRate(rate: number): void;
  setLatency(latencyMs: number, jitterMs?: number): void;
  /** Records requests without HTTP: `count` requests, `errors` of them 500, each taking `latencyMs`. */
  record(count: number, errors: number, latencyMs: number): void;
  metricsText(): string;
  close(): Promise<void>;
}

export async function startSampleService(options: SampleServiceOptions = {}): Promise<SampleService> {
  const prefix = options.prefix ?? 'demo';
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(prefix)) throw new RangeError(`invalid metric prefix '${prefix}'`);
  const random = options.random ?? Math.random;
  let errorRate = options.errorRate ?? 0;
  let latencyMs = options.latencyMs ?? 20;
  let jitterMs = options.jitterMs ?? 10;
  const codes = new Map<string, number>([
    ['200', 0],
    ['500', 0],
  ]);
  const buckets = SAMPLE_BUCKETS.map(() => 0);
  let count = 0;
  let sum = 0;

  const observe = (code: string, seconds: number): void => {
    codes.set(code, (codes.get(code) ?? 0) + 1);
    SAMPLE_BUCKETS.forEach((le, i) => {
      if (seconds <= le) buckets[i] = (buckets[i] as number) + 1;
    });
    count += 1;
    sum += seconds;
  };

  const metricsText = (): string => {
    const lines = [
      `# HELP ${prefix}_http_requests_total Requests served, by status code.`,
      `# TYPE ${prefix}_http_requests_total counter`,
      ...[...codes].map(([code, n]) => `${prefix}_http_requests_total{code="${code}"} ${n}`),
      `# HELP ${prefix}_http_request_duration_seconds Request latency.`,
      `# TYPE ${prefix}_http_request_duration_seconds histogram`,
      ...SAMPLE_BUCKETS.map((le, i) => `${prefix}_http_request_duration_seconds_bucket{le="${le}"} ${buckets[i]}`),
      `${prefix}_http_request_duration_seconds_bucket{le="+Inf"} ${count}`,
      `${prefix}_http_request_duration_seconds_sum ${sum}`,
      `${prefix}_http_request_duration_seconds_count ${count}`,
    ];
    return `${lines.join('\n')}\n`;
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(metricsText());
      return;
    }
    if (req.method === 'POST' && url.pathname === '/control') {
      const rate = url.searchParams.get('errorRate');
      const latency = url.searchParams.get('latencyMs');
      if (rate !== null) errorRate = clampRate(Number(rate));
      if (latency !== null && Number(latency) >= 0) latencyMs = Number(latency);
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'GET' && url.pathname === '/work') {
      const delay = Math.max(0, latencyMs + (random() * 2 - 1) * jitterMs);
      const fail = random() < errorRate;
      setTimeout(() => {
        observe(fail ? '500' : '200', delay / 1000);
        res.writeHead(fail ? 500 : 200, { 'content-type': 'text/plain' });
        res.end(fail ? 'error\n' : 'ok\n');
      }, delay);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setErrorRate: (rate) => {
      errorRate = clampRate(rate);
    },
    setLatency: (ms, jitter) => {
      latencyMs = ms;
      if (jitter !== undefined) jitterMs = jitter;
    },
    record: (n, errors, ms) => {
      for (let i = 0; i < n; i += 1) observe(i < errors ? '500' : '200', ms / 1000);
    },
    metricsText,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function clampRate(rate: number): number {
  if (!Number.isFinite(rate)) return 0;
  return Math.min(1, Math.max(0, rate));
}

export interface LoadOptions {
  /** Base URL of the sample service. */
  readonly url: string;
  readonly rps: number;
  readonly durationMs: number;
  readonly signal?: AbortSignal;
}

/** A tiny open-loop load generator: fires GET /work at `rps` for `durationMs`; returns counts by outcome. */
export async function generateLoad(
  options: LoadOptions,
): Promise<{ sent: number; ok: number; errors: number; failed: number }> {
  const interval = 1000 / options.rps;
  const stats = { sent: 0, ok: 0, errors: 0, failed: 0 };
  const inflight = new Set<Promise<void>>();
  const started = Date.now();
  const target = new URL('/work', options.url);
  while (Date.now() - started < options.durationMs && !options.signal?.aborted) {
    stats.sent += 1;
    const p = new Promise<void>((resolve) => {
      const req = httpRequest(target, { method: 'GET' }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) stats.ok += 1;
          else stats.errors += 1;
          resolve();
        });
      });
      req.on('error', () => {
        stats.failed += 1;
        resolve();
      });
      req.end();
    }).finally(() => inflight.delete(p));
    inflight.add(p);
    const next = started + stats.sent * interval;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  await Promise.all(inflight);
  return stats;
}

/**
 * When Prometheus first has a sample of `selector` at or after `sinceMs` (ms, whole seconds), polling until
 * `timeoutMs`. A target registered at t is scraped first some seconds later on a loaded machine, so an SLO window
 * for the demo or a test starts here, not at t: that leading gap is (rightly) missing data to slo-check.
 */
export async function firstSampleMs(
  prometheusUrl: string,
  selector: string,
  options: { readonly sinceMs: number; readonly timeoutMs?: number },
): Promise<number> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const query = new URLSearchParams({
      query: `count(${selector})`,
      start: String(Math.floor(options.sinceMs / 1000)),
      end: String(Math.ceil(Date.now() / 1000)),
      step: '1',
    });
    const response = await fetch(`${prometheusUrl}/api/v1/query_range?${query.toString()}`);
    const body = (await response.json()) as { data?: { result?: Array<{ values?: Array<[number, string]> }> } };
    const first = body.data?.result?.[0]?.values?.[0]?.[0];
    if (first !== undefined) return Math.ceil(first) * 1000;
    if (Date.now() > deadline) throw new Error(`Prometheus has no sample of ${selector} since ${options.sinceMs}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
