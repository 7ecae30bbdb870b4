/**
 * Broker faults on real NATS JetStream: the broker is killed and restarted, or partitioned through Toxiproxy,
 * while a producer publishes; the acknowledged-delivery probe then reads back what the broker stores and checks
 * that no acknowledged message was lost. A stream kept in memory really loses them on a restart, and the probe says
 * so; a file-backed one keeps them all.
 *
 * The restarts use a private nats-server (its own port and store), so the shared test bed broker other tests use
 * is never disturbed; the partition goes through the test bed's Toxiproxy in front of the shared server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectBroker, runAcknowledgedDelivery, type AcknowledgedDeliverySpec } from '@gauntlet/events';
import { ensureNatsStream } from '@gauntlet/events/testing';
import { getTestbed, ToxiproxyClient } from '@gauntlet/testbed';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/polling.js';
import { brokerConnection } from './brokers.js';

const NATS_SERVER = '/usr/sbin/nats-server';
const cleanups: (() => Promise<void> | void)[] = [];

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A nats-server of this test's own, restartable on the same port with the same store. */
async function privateNats(): Promise<{ url: string; kill(): Promise<void>; start(): Promise<void> }> {
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), 'gauntlet-nats-'));
  let child: ChildProcess | undefined;
  const url = `nats://127.0.0.1:${port}`;
  const server = {
    url,
    async start(): Promise<void> {
      child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store], { stdio: 'ignore' });
      await eventually('private nats-server accepts connections', async () => {
        try {
          const c = await connectBroker({ kind: 'nats', url });
          await c.close();
          return true;
        } catch {
          return false;
        }
      });
    },
    async kill(): Promise<void> {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGKILL');
      await exited;
    },
  };
  cleanups.push(async () => {
    await server.kill();
    rmSync(store, { recursive: true, force: true });
  });
  await server.start();
  return server;
}

function spec(subject: string, extra: Partial<AcknowledgedDeliverySpec> = {}): AcknowledgedDeliverySpec {
  return {
    name: 'orders',
    publish: {
      channel: subject,
      headers: { 'x-correlation-id': '{{correlationId}}' },
      body: { orderId: '{{correlationId}}', amount: 1 },
    },
    correlation: { header: 'x-correlation-id' },
    total: 300,
    ratePerSecond: 100,
    publishTimeoutMs: 1_000,
    ...extra,
  };
}

describe('broker faults: no acknowledged message is lost', () => {
  it.each([
    ['file', 'pass', undefined],
    ['memory', 'fail', 'acknowledged-loss'],
  ] as const)('broker killed and restarted, %s storage → %s', async (storage, status, property) => {
    const nats = await privateNats();
    const subject = `bf${randomUUID().slice(0, 8)}.orders`;
    await ensureNatsStream(nats.url, `BF_${storage}_${randomUUID().slice(0, 6)}`, [subject], storage);
    const client = await connectBroker({ kind: 'nats', url: nats.url });
    cleanups.push(() => client.close());
    const v = await runAcknowledgedDelivery(
      { client, runId: `r${randomUUID().slice(0, 6)}` },
      spec(subject),
      async () => {
        // A third of the way in: SIGKILL (no clean shutdown), down for a second, then back on the same port and store.
        await new Promise((r) => setTimeout(r, 1_000));
        await nats.kill();
        await new Promise((r) => setTimeout(r, 1_000));
        await nats.start();
      },
    );
    console.log(`broker restart, ${storage} storage: ${v.status}: ${v.reason} ${JSON.stringify(v.numbers)}`);
    expect(v.status, v.reason).toBe(status);
    expect(v.property).toBe(property);
    expect(v.numbers!.acknowledged).toBeGreaterThan(50);
    expect(v.numbers!.unacknowledged).toBeGreaterThan(0);
    if (status === 'fail') {
      expect(v.numbers!.lost).toBeGreaterThan(0);
      expect(v.reason).toMatch(/acknowledged messages are gone/);
      expect(v.details![0]).toMatch(/-orders-\d+$/);
    } else expect(v.numbers!.lost).toBe(0);
  });

  it('partitioned through Toxiproxy (no traffic for 2 s, connections held open) → every acknowledged message stored', async () => {
    const connection = await brokerConnection('nats');
    if (connection.kind !== 'nats') throw new Error('not NATS');
    const toxi = new ToxiproxyClient(getTestbed().toxiproxyUrl);
    const name = `nats-partition-${randomUUID().slice(0, 6)}`;
    const proxy = await toxi.createProxy(name, new URL(connection.url).host);
    cleanups.push(() => toxi.deleteProxy(name).catch(() => undefined));
    const subject = `bp${randomUUID().slice(0, 8)}.orders`;
    await ensureNatsStream(connection.url, `BP_${randomUUID().slice(0, 6)}`, [subject]);
    const client = await connectBroker({ kind: 'nats', url: `nats://${proxy.listen}` });
    cleanups.push(() => client.close());
    const v = await runAcknowledgedDelivery(
      { client, runId: `r${randomUUID().slice(0, 6)}` },
      spec(subject),
      async () => {
        await new Promise((r) => setTimeout(r, 1_000));
        for (const stream of ['upstream', 'downstream'] as const)
          await toxi.addToxic(name, { name: `cut-${stream}`, type: 'timeout', stream, attributes: { timeout: 0 } });
        await new Promise((r) => setTimeout(r, 2_000));
        for (const stream of ['upstream', 'downstream'] as const) await toxi.removeToxic(name, `cut-${stream}`);
      },
    );
    console.log(`partition: ${v.status}: ${v.reason} ${JSON.stringify(v.numbers)}`);
    expect(v.status, v.reason).toBe('pass');
    expect(v.numbers!.lost).toBe(0);
    expect(v.numbers!.unacknowledged).toBeGreaterThan(0);
  });

  it('a channel the broker does not store is an error before anything is published', async () => {
    const connection = await brokerConnection('nats');
    const client = await connectBroker(connection);
    cleanups.push(() => client.close());
    await expect(
      runAcknowledgedDelivery({ client, runId: 'r1' }, spec(`unstored${randomUUID().slice(0, 6)}.x`)),
    ).rejects.toThrow(/no JetStream stream stores/);
  });
});
