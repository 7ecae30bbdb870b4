import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createGuard, worstObservation } from './guard.js';

describe('guard', () => {
  it('takes the worst observation; nothing to observe is unknown', () => {
    expect(worstObservation([]).state).toBe('unknown');
    expect(
      worstObservation([
        { state: 'steady', reason: 'a' },
        { state: 'degraded', reason: 'b' },
        { state: 'unknown', reason: 'c' },
      ]),
    ).toEqual({ state: 'unknown', reason: 'b; c' });
  });

  it('refuses a probe whose connection is missing, naming what to give', () => {
    expect(() => createGuard({ probes: [{ name: 'p', kind: 'ready', target: 'web' }] })).toThrow(
      /probe p: a ready probe needs a Kubernetes connection/,
    );
    expect(() =>
      createGuard({ probes: [{ name: 'q', kind: 'prometheus', query: 'up', op: '>', threshold: 0 }] }),
    ).toThrow(/probe q: a prometheus probe needs a Prometheus connection \(prometheus-url\)/);
  });

  it('a probe runner that throws is unknown (no data), not a crash and not steady', async () => {
    const guard = createGuard({
      probes: [{ name: 'p', kind: 'http', url: 'http://x/', method: 'GET', expectStatus: [200], timeoutMs: 1000 }],
      runners: { http: () => Promise.reject(new Error('socket exploded')) },
    });
    expect(await guard.observe()).toEqual({ state: 'unknown', reason: 'probe p failed: socket exploded' });
  });

  it('runs HTTP probes: expected status steady, other status or refused connection breached', async () => {
    let status = 200;
    const server = createServer((_req, res) => res.writeHead(status).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const guard = createGuard({
      probes: [{ name: 'home', kind: 'http', url, method: 'GET', expectStatus: [200], timeoutMs: 2000 }],
    });
    expect((await guard.observe()).state).toBe('steady');
    status = 503;
    expect(await guard.observe()).toEqual({ state: 'breached', reason: 'probe home: HTTP 503, expected 200' });
    await new Promise((resolve) => server.close(resolve));
    expect((await guard.observe()).state).toBe('breached');
  });
});
