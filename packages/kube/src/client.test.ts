import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '@gauntlet/action-kit/testing';
import { KubeClient, retryAfterMs, type RequestRecord } from './client.js';
import { KubeApiError, KubeNetworkError, formatKubeError } from './errors.js';
import { ScriptedServer, json, status } from './testing/fake-server.js';

let server: ScriptedServer;
let clock: FakeClock;

beforeEach(async () => {
  server = await new ScriptedServer().start();
  clock = new FakeClock();
});
afterEach(async () => {
  await server.stop();
});

const client = (options: Parameters<typeof KubeClient.create>[1] = {}): Promise<KubeClient> =>
  KubeClient.create(server.kubeConfig(), { clock, random: () => 1, ...options });

describe('KubeClient retries', () => {
  it('honours Retry-After on 429 and then succeeds (NS-05)', async () => {
    let calls = 0;
    server.handle((_req, res) => {
      calls++;
      if (calls <= 2) json(res, 429, status(429, 'TooManyRequests', 'slow down'), { 'Retry-After': '3' });
      else json(res, 200, { kind: 'Namespace', metadata: { name: 'x' } });
    });
    const c = await client();
    const ns = await c.get('/api/v1/namespaces/x');
    expect(ns.metadata?.name).toBe('x');
    expect(server.requests).toHaveLength(3);
    expect(clock.sleeps).toHaveLength(2);
    for (const ms of clock.sleeps) expect(ms).toBeGreaterThanOrEqual(3_000);
    c.close();
  });

  it('retries 429 even for a POST, since the server did not process it', async () => {
    let calls = 0;
    server.handle((_req, res) => {
      calls++;
      if (calls === 1) json(res, 429, status(429, 'TooManyRequests', 'x'), { 'Retry-After': '1' });
      else json(res, 201, { metadata: { name: 'x' } });
    });
    const c = await client();
    await c.request({ method: 'POST', path: '/api/v1/namespaces', body: {} });
    expect(server.requests).toHaveLength(2);
    c.close();
  });

  it('retries 5xx for idempotent requests, bounded (NS-06)', async () => {
    server.handle((_req, res) => json(res, 503, status(503, 'ServiceUnavailable', 'busy')));
    const c = await client({ retry: { maxRetries: 10 } });
    await expect(c.get('/api/v1/namespaces/x')).rejects.toBeInstanceOf(KubeApiError);
    expect(server.requests).toHaveLength(11);
    c.close();
  });

  it('never retries a 500 whose Status says the request is invalid (an apply that does not fit the schema)', async () => {
    const message =
      'failed to create typed patch object (default/bad; apps/v1, Kind=Deployment): .spec.replicas: expected numeric (int or float), got string';
    server.handle((_req, res) => json(res, 500, { kind: 'Status', status: 'Failure', message, code: 500 }));
    const c = await client({ retry: { maxRetries: 10 } });
    await expect(
      c.request({ method: 'PATCH', path: '/apis/apps/v1/namespaces/x/deployments/bad', body: {}, idempotent: true }),
    ).rejects.toMatchObject({ status: 500 });
    expect(server.requests).toHaveLength(1);
    c.close();
  });

  it('never retries a 5xx on a non-idempotent POST', async () => {
    server.handle((_req, res) => json(res, 500, status(500, 'InternalError', 'boom')));
    const c = await client();
    await expect(c.request({ method: 'POST', path: '/api/v1/namespaces', body: {} })).rejects.toMatchObject({
      status: 500,
    });
    expect(server.requests).toHaveLength(1);
    c.close();
  });

  it('retries connection resets for GET but not for POST', async () => {
    let calls = 0;
    server.handle((_req, res, socket) => {
      calls++;
      if (calls === 1) socket.destroy();
      else json(res, 200, { metadata: { name: 'x' } });
    });
    const c = await client();
    await c.get('/api/v1/namespaces/x');
    expect(calls).toBe(2);
    calls = 0;
    await expect(c.request({ method: 'POST', path: '/api/v1/namespaces', body: {} })).rejects.toBeInstanceOf(
      KubeNetworkError,
    );
    expect(calls).toBe(1);
    c.close();
  });

  it('fails fast on 422 with the field path (NS-07)', async () => {
    server.handle((_req, res) =>
      json(
        res,
        422,
        status(422, 'Invalid', 'Deployment.apps "api" is invalid', [
          { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.template.spec.containers[0].image' },
        ]),
      ),
    );
    const c = await client();
    const error = await c
      .request({ method: 'PATCH', path: '/apis/apps/v1/namespaces/n/deployments/api', body: {}, idempotent: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect(formatKubeError(error)).toContain('spec.template.spec.containers[0].image');
    expect(server.requests).toHaveLength(1);
    c.close();
  });

  it('does not wait for a Retry-After beyond the maximum', async () => {
    server.handle((_req, res) => json(res, 429, status(429, 'TooManyRequests', 'x'), { 'Retry-After': '3600' }));
    const c = await client();
    await expect(c.get('/api/v1/namespaces/x')).rejects.toMatchObject({ status: 429 });
    expect(server.requests).toHaveLength(1);
    c.close();
  });

  it('stops retrying when the next attempt would pass the deadline', async () => {
    server.handle((_req, res) => json(res, 429, status(429, 'TooManyRequests', 'x'), { 'Retry-After': '5' }));
    const c = await client();
    await expect(
      c.request({ method: 'GET', path: '/api/v1/namespaces/x', deadline: clock.now() + 12_000 }),
    ).rejects.toMatchObject({ status: 429 });
    expect(server.requests).toHaveLength(3);
    c.close();
  });

  it('parses Retry-After dates and Status retryAfterSeconds', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(retryAfterMs('Tue, 01 Jan 2030 00:00:07 GMT', undefined, now)).toBe(7_000);
    expect(retryAfterMs(undefined, { details: { retryAfterSeconds: 2 } }, now)).toBe(2_000);
    expect(retryAfterMs(undefined, undefined, now)).toBeUndefined();
  });
});

describe('KubeClient safety', () => {
  it('refuses paths with traversal or query text', async () => {
    const c = await client();
    await expect(c.get('/api/v1/namespaces/../secrets')).rejects.toThrow(/malformed/);
    await expect(c.get('/api/v1/namespaces?x=1')).rejects.toThrow(/malformed/);
    expect(server.requests).toHaveLength(0);
    c.close();
  });

  it('sends the bearer token but never prints it, even when the server echoes it (X-03)', async () => {
    server.handle((req, res) =>
      json(
        res,
        403,
        status(403, 'Forbidden', `denied; you sent authorization: ${req.headers.authorization} token=abc`),
      ),
    );
    const c = await client();
    const error = await c.get('/api/v1/namespaces/x').catch((e: unknown) => e);
    expect(server.requests[0]?.headers.authorization).toBe('Bearer canary-token-abcdef123456');
    const text = `${formatKubeError(error)} ${(error as Error).message}`;
    expect(text).not.toMatch(/canary-token|authorization|bearer|token=/i);
    c.close();
  });

  it('registers its static credential before the first request', async () => {
    const order: string[] = [];
    server.handle((_req, res) => {
      order.push('request');
      json(res, 200, {});
    });
    const c = await client({ registerSecret: (value) => order.push(`secret ${value}`) });
    await c.get('/api/v1/namespaces/x');
    await c.get('/api/v1/namespaces/x');
    expect(order).toEqual(['secret canary-token-abcdef123456', 'request', 'request']);
    c.close();
  });

  it('registers a token from an exec plugin before sending it, once', async () => {
    const token = 'exec-made-token-0123456789';
    const credential = {
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token },
    };
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${server.port}`, skipTLSVerify: true }],
      users: [
        {
          name: 'u',
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: process.execPath,
            args: ['-e', `process.stdout.write(${JSON.stringify(JSON.stringify(credential))})`],
            interactiveMode: 'Never',
          },
        },
      ],
      contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
      currentContext: 'ctx',
    });
    const registered: string[] = [];
    const registeredWhenSent: string[][] = [];
    server.handle((req, res) => {
      registeredWhenSent.push([...registered]);
      json(res, 200, { seen: req.headers.authorization });
    });
    const c = await KubeClient.create(kc, { clock, registerSecret: (value) => registered.push(value) });
    const answer = await c.get<{ seen: string }>('/api/v1/namespaces/x');
    await c.get('/api/v1/namespaces/x');
    expect(answer.seen).toBe(`Bearer ${token}`);
    expect(registeredWhenSent).toEqual([[token], [token]]);
    c.close();
  });

  it('counts wire requests including retries', async () => {
    let calls = 0;
    server.handle((_req, res) => {
      calls++;
      if (calls === 1) json(res, 503, status(503, 'x', 'x'));
      else json(res, 200, {});
    });
    const records: RequestRecord[] = [];
    const c = await client({ onRequest: (r) => records.push(r) });
    await c.get('/api/v1/namespaces/x');
    await c.get('/api/v1/namespaces/x');
    expect(c.requestCount).toBe(3);
    expect(c.retries).toBe(1);
    // A retry shares its call's number; the next call to the same path gets its own.
    expect(records.map((r) => [r.call, r.attempt, r.outcome])).toEqual([
      [1, 0, 503],
      [1, 1, 200],
      [2, 0, 200],
    ]);
    expect(records.every((r) => r.answeredAt >= r.at)).toBe(true);
    c.close();
  });

  it('lists every page', async () => {
    server.handle((req, res) => {
      const token = req.query.get('continue');
      if (!token)
        json(res, 200, { items: [{ metadata: { name: 'a' } }], metadata: { continue: 'next', resourceVersion: '5' } });
      else json(res, 200, { items: [{ metadata: { name: 'b' } }], metadata: { resourceVersion: '6' } });
    });
    const c = await client();
    const list = await c.list('/api/v1/namespaces', { labelSelector: 'a=b' });
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['a', 'b']);
    expect(server.requests.every((r) => r.query.get('labelSelector') === 'a=b' && r.query.get('limit') === '500')).toBe(
      true,
    );
    c.close();
  });
});

describe('KubeClient watch', () => {
  it('streams events and reports eof with the last resourceVersion', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '10' } } })}\n`);
      res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '12' } } })}\n`);
      res.end(`${JSON.stringify({ type: 'MODIFIED', object: { metadata: { name: 'a', resourceVersion: '11' } } })}\n`);
    });
    const c = await client();
    const seen: string[] = [];
    const end = await c.watch('/apis/apps/v1/namespaces/n/deployments', { resourceVersion: '9' }, (e) => {
      seen.push(e.type);
    });
    expect(seen).toEqual(['ADDED', 'MODIFIED']);
    expect(end).toMatchObject({ reason: 'eof', resourceVersion: '11' });
    expect(server.requests[0]?.query.get('watch')).toBe('1');
    c.close();
  });

  it('turns a 410 ERROR event into gone (NS-10)', async () => {
    server.handle((_req, res) => {
      res.writeHead(200);
      res.end(`${JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', 'too old resource version') })}\n`);
    });
    const c = await client();
    await expect(c.watch('/api/v1/namespaces/n/pods', {}, () => undefined)).resolves.toMatchObject({ reason: 'gone' });
    c.close();
  });

  it('ends with stopped as soon as onEvent returns true, and closes the stream', async () => {
    let closed = false;
    server.handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.on('close', () => (closed = true));
      for (const [name, rv] of [
        ['a', '20'],
        ['b', '21'],
        ['c', '22'],
      ] as const)
        res.write(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name, resourceVersion: rv } } })}\n`);
      // The stream stays open: only the client's stop can end this watch.
    });
    const c = await client();
    const seen: string[] = [];
    const end = await c.watch('/api/v1/namespaces/n/pods', {}, (e) => {
      seen.push(e.object.metadata?.name ?? '');
      return e.object.metadata?.name === 'b';
    });
    expect(end).toEqual({ reason: 'stopped', resourceVersion: '21', events: 2 });
    expect(seen).toEqual(['a', 'b']);
    await vi.waitFor(() => expect(closed).toBe(true));
    c.close();
  });

  it('rejects a watch that is refused with another status', async () => {
    server.handle((_req, res) => json(res, 500, status(500, 'InternalError', 'x')));
    const c = await client();
    await expect(c.watch('/api/v1/namespaces/n/pods', {}, () => undefined)).rejects.toBeInstanceOf(KubeApiError);
    c.close();
  });
});
