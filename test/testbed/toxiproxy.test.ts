// Toxiproxy is real: a latency toxic delays a loopback TCP round trip by at least the injected amount.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestbed, ToxiproxyClient } from '@gauntlet/testbed';
import { uniqueName } from './helpers.js';

function roundTrip(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const sock = net.connect(port, '127.0.0.1', () => sock.write('ping\n'));
    sock.once('data', () => {
      const elapsed = performance.now() - started;
      sock.destroy();
      resolve(elapsed);
    });
    sock.on('error', reject);
  });
}

describe('toxiproxy', () => {
  const tb = getTestbed();
  const toxi = new ToxiproxyClient(tb.toxiproxyUrl);
  const name = uniqueName('echo');
  let echo: net.Server;

  beforeAll(async () => {
    echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    await toxi.deleteProxy(name).catch(() => {});
    await new Promise((r) => echo.close(r));
  });

  it('adds measurable latency to a loopback TCP connection', async () => {
    const proxy = await toxi.createProxy(name, `127.0.0.1:${(echo.address() as AddressInfo).port}`);
    const port = Number(proxy.listen.split(':').at(-1));
    expect(proxy.listen.startsWith('127.0.0.1:')).toBe(true);
    await roundTrip(port); // reachable through the proxy before any toxic
    const injectedMs = 300;
    await toxi.addToxic(name, {
      name: 'slow',
      type: 'latency',
      stream: 'downstream',
      attributes: { latency: injectedMs, jitter: 0 },
    });
    const slowed = await roundTrip(port);
    expect(slowed).toBeGreaterThan(injectedMs); // lower bound only: never assert an upper timing bound
  });
});
