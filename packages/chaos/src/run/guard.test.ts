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

  it('refuses a probe kind it cannot run, naming it', () => {
    expect(() =>
      createGuard({ probes: [{ name: 'p', kind: 'command', argv: ['true'], expectExit: 0, timeoutMs: 1000 }] }),
    ).toThrow(/probe p: command probes are not supported/);
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
