import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A programmable loopback server for the answers a real Prometheus never gives (malformed JSON, HTML 502s, wrong
 * result types, bodies that never end, warnings, partial responses). Everything a real Prometheus can answer is
 * tested against a real one (test/slo). Records every request so tests can check form encoding and parameters.
 */
export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  /** Query string of the URL (must stay empty: queries travel in the body). */
  readonly search: string;
  readonly headers: IncomingHttpHeaders;
  readonly contentType: string;
  readonly body: string;
  readonly form: URLSearchParams;
  readonly kind: 'instant' | 'range' | 'other';
}

export type FakeReply =
  | {
      readonly status?: number;
      readonly body: string | object;
      readonly contentType?: string;
      readonly headers?: Record<string, string>;
    }
  | { readonly reset: true }
  /** Sends headers and the start of a body, then nothing: a body that never ends. */
  | { readonly hang: true };

export type FakeHandler = (request: FakeRequest) => FakeReply | Promise<FakeReply>;

export interface FakePrometheus {
  readonly url: string;
  readonly requests: FakeRequest[];
  setHandler(handler: FakeHandler): void;
  close(): Promise<void>;
}

export async function startFakePrometheus(handler: FakeHandler): Promise<FakePrometheus> {
  let current = handler;
  const requests: FakeRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const body = Buffer.concat(chunks).toString('utf8');
        const contentType = String(req.headers['content-type'] ?? '');
        const form = new URLSearchParams(contentType.startsWith('application/x-www-form-urlencoded') ? body : '');
        const kind = url.pathname.endsWith('/api/v1/query_range')
          ? 'range'
          : url.pathname.endsWith('/api/v1/query')
            ? 'instant'
            : 'other';
        const request: FakeRequest = {
          method: req.method ?? '',
          path: url.pathname,
          search: url.search,
          headers: req.headers,
          contentType,
          body,
          form,
          kind,
        };
        requests.push(request);
        let reply: FakeReply;
        try {
          reply = await current(request);
        } catch (error) {
          reply = { status: 500, body: `fake handler threw: ${String(error)}`, contentType: 'text/plain' };
        }
        if ('reset' in reply) {
          req.socket.resetAndDestroy();
          return;
        }
        if ('hang' in reply) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"status":"success","data":{"resultType":"vector","result":[');
          return;
        }
        const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status ?? 200, {
          'content-type': reply.contentType ?? 'application/json',
          ...(reply.headers ?? {}),
        });
        res.end(text);
      })();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setHandler(h) {
      current = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The step grid a range request asks for: Unix seconds, start to end inclusive. */
export function stepTimes(request: FakeRequest): number[] {
  const start = Number(request.form.get('start'));
  const end = Number(request.form.get('end'));
  const step = Number(request.form.get('step'));
  const out: number[] = [];
  for (let t = start; t <= end + 1e-9; t += step) out.push(Math.round(t * 1000) / 1000);
  return out;
}

/** A Prometheus success body. */
export function success(resultType: string, result: unknown, extra: Record<string, unknown> = {}): object {
  return { status: 'success', data: { resultType, result }, ...extra };
}

/** A matrix with one series per entry; `value(t)` returns a number, a raw string, or undefined for "no point". */
export function matrix(
  times: readonly number[],
  series: ReadonlyArray<{
    labels: Record<string, string>;
    value: (t: number, index: number) => number | string | undefined;
  }>,
): unknown[] {
  return series.map((s) => ({
    metric: s.labels,
    values: times.flatMap((t, i) => {
      const v = s.value(t, i);
      return v === undefined ? [] : [[t, typeof v === 'string' ? v : formatSample(v)]];
    }),
  }));
}

/** Prometheus's sample formatting: NaN, +Inf, -Inf, or the shortest decimal. */
export function formatSample(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
