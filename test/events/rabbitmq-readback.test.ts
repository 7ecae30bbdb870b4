/**
 * Acknowledged delivery read back from the real rabbitmq-server: a witness queue of our own, bound to the exchange
 * at the mark and declared like the service's queue, keeps a copy of everything routed since; the service's queue
 * is never read. On the shared test bed broker: a plain read-back and a Toxiproxy partition. On a private node of
 * this test's own (killed with SIGKILL and restarted on the same ports and mnesia directory): a durable queue keeps
 * every acknowledged message, a transient one loses them and the probe fails naming acknowledged-loss.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  connectBroker,
  runAcknowledgedDelivery,
  type AcknowledgedDeliverySpec,
  type BrokerClient,
  type BrokerConnection,
} from '@gauntlet/events';
import { getTestbed, startRabbitmq, ToxiproxyClient, type RabbitmqState } from '@gauntlet/testbed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/polling.js';
import { brokerConnection } from './brokers.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
}, 60_000);

function spec(exchange: string, extra: Partial<AcknowledgedDeliverySpec> = {}): AcknowledgedDeliverySpec {
  return {
    name: 'orders',
    publish: {
      channel: exchange,
      key: 'order.created',
      headers: { 'x-correlation-id': '{{correlationId}}' },
      body: { orderId: '{{correlationId}}' },
    },
    correlation: { header: 'x-correlation-id' },
    total: 200,
    ratePerSecond: 100,
    publishTimeoutMs: 1_000,
    ...extra,
  };
}

/** The management API of a RabbitMQ node (what the service's own set-up would declare, made without a client). */
async function manage(managementUrl: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${managementUrl}/api/${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}`,
      'content-type': 'application/json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  const text = await res.text();
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/** The service's side: a queue bound to the exchange, declared as the service would. */
async function serviceQueue(
  managementUrl: string,
  exchange: string,
  durable: boolean,
  args: Record<string, unknown> = {},
): Promise<string> {
  const queue = `svc-${randomUUID().slice(0, 8)}`;
  await manage(managementUrl, 'PUT', `queues/%2F/${queue}`, { durable, auto_delete: false, arguments: args });
  await manage(managementUrl, 'POST', `bindings/%2F/e/${exchange}/q/${queue}`, { routing_key: 'order.*' });
  cleanups.push(() => manage(managementUrl, 'DELETE', `queues/%2F/${queue}`).catch(() => undefined));
  return queue;
}

async function bindingsOf(managementUrl: string, exchange: string): Promise<string[]> {
  const bindings = (await manage(managementUrl, 'GET', `exchanges/%2F/${exchange}/bindings/source`)) as {
    destination: string;
  }[];
  return bindings.map((b) => b.destination);
}

describe('acknowledged delivery on RabbitMQ (shared test bed broker)', () => {
  let connection: Extract<BrokerConnection, { kind: 'rabbitmq' }>;
  let mgmt: string;
  let client: BrokerClient;
  beforeAll(async () => {
    const c = await brokerConnection('rabbitmq');
    if (c.kind !== 'rabbitmq' || !c.managementUrl) throw new Error('no RabbitMQ management API on the test bed');
    connection = c;
    mgmt = c.managementUrl;
    client = await connectBroker(connection);
    cleanups.push(() => client.close());
  }, 180_000);

  it('reads back every acknowledged message since the mark, none from before, and removes its witness queue', async () => {
    const exchange = `readback-${randomUUID().slice(0, 8)}`;
    await client.ensureChannel(exchange);
    const queue = await serviceQueue(mgmt, exchange, true);
    for (let i = 0; i < 5; i++) await client.publish({ channel: exchange, key: 'order.created', body: `before-${i}` });
    const v = await runAcknowledgedDelivery(
      { client, runId: 'r1' },
      spec(exchange, { total: 60, ratePerSecond: 200, store: { likeQueue: queue } }),
    );
    expect(v.status, v.reason).toBe('pass');
    expect(v.numbers).toMatchObject({ acknowledged: 60, stored: 60, lost: 0, storedDuplicates: 0 });
    // Only the service's queue is left bound: the witness is gone, and the service's 65 messages are untouched.
    expect(await bindingsOf(mgmt, exchange)).toEqual([queue]);
    await eventually('the service queue holds all 65 messages', async () => {
      return (await client.lag({ kind: 'rabbitmq-queue', queue })).messages === 65;
    });
  });

  it('refuses, before publishing, what it cannot read back: the default exchange, a direct exchange without a key, a missing exchange, a stream queue', async () => {
    await expect(runAcknowledgedDelivery({ client, runId: 'r2' }, spec('amq.default'))).rejects.toThrow(
      /default exchange .* consume the service's messages/,
    );
    const direct = `direct-${randomUUID().slice(0, 8)}`;
    await manage(mgmt, 'PUT', `exchanges/%2F/${direct}`, { type: 'direct', durable: false });
    cleanups.push(() => manage(mgmt, 'DELETE', `exchanges/%2F/${direct}`).catch(() => undefined));
    const streamQueue = await serviceQueue(mgmt, direct, true, { 'x-queue-type': 'stream' });
    await expect(runAcknowledgedDelivery({ client, runId: 'r2' }, spec(direct))).rejects.toThrow(
      /direct exchange: the witness queue needs the exact routing key/,
    );
    await expect(
      runAcknowledgedDelivery({ client, runId: 'r2' }, spec(`missing-${randomUUID().slice(0, 8)}`)),
    ).rejects.toThrow(/does not exist: nothing is routed there/);
    await expect(
      runAcknowledgedDelivery(
        { client, runId: 'r2' },
        spec(direct, { store: { likeQueue: streamQueue, bindingKey: 'k' } }),
      ),
    ).rejects.toThrow(/is a stream/);
    expect(await bindingsOf(mgmt, direct)).toEqual([streamQueue]);
  });

  it('partitioned through Toxiproxy (no traffic for 2 s, connection held open) → every acknowledged message stored', async () => {
    const toxi = new ToxiproxyClient(getTestbed().toxiproxyUrl);
    const name = `rabbit-partition-${randomUUID().slice(0, 6)}`;
    const proxy = await toxi.createProxy(name, new URL(connection.url).host);
    cleanups.push(() => toxi.deleteProxy(name).catch(() => undefined));
    const viaProxy = await connectBroker({ ...connection, url: `amqp://${proxy.listen}` });
    cleanups.push(() => viaProxy.close());
    const exchange = `partition-${randomUUID().slice(0, 8)}`;
    await viaProxy.ensureChannel(exchange);
    const v = await runAcknowledgedDelivery({ client: viaProxy, runId: 'r3' }, spec(exchange), async () => {
      await new Promise((r) => setTimeout(r, 600));
      for (const stream of ['upstream', 'downstream'] as const)
        await toxi.addToxic(name, { name: `cut-${stream}`, type: 'timeout', stream, attributes: { timeout: 0 } });
      await new Promise((r) => setTimeout(r, 2_000));
      for (const stream of ['upstream', 'downstream'] as const) await toxi.removeToxic(name, `cut-${stream}`);
    });
    console.log(`rabbitmq partition: ${v.status}: ${v.reason} ${JSON.stringify(v.numbers)}`);
    expect(v.status, v.reason).toBe('pass');
    expect(v.numbers!.lost).toBe(0);
    expect(v.numbers!.unacknowledged).toBeGreaterThan(0);
  });
});

/** A rabbitmq-server of this test's own, killed with SIGKILL and restarted on the same ports and mnesia. */
async function privateRabbit(): Promise<{ url: string; managementUrl: string; kill(): void; start(): Promise<void> }> {
  const runDir = mkdtempSync(join(tmpdir(), 'gauntlet-rabbit-'));
  const log = (line: string): void => console.log(`[private rabbitmq] ${line}`);
  let state: RabbitmqState = await startRabbitmq(runDir, log);
  const kill = (): void => {
    for (const pid of [state.pid, state.epmdPid])
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
  };
  cleanups.push(() => {
    kill();
    rmSync(runDir, { recursive: true, force: true });
  });
  return {
    url: state.url,
    managementUrl: state.managementUrl,
    kill,
    async start() {
      state = await startRabbitmq(runDir, log, state);
    },
  };
}

describe('acknowledged delivery on RabbitMQ killed and restarted (a private node)', () => {
  it('a durable queue keeps every acknowledged message; a transient one loses them → acknowledged-loss', async () => {
    const rabbit = await privateRabbit();
    const client = await connectBroker({
      kind: 'rabbitmq',
      url: rabbit.url,
      managementUrl: rabbit.managementUrl,
      user: 'guest',
      pass: 'guest',
    });
    cleanups.push(() => client.close());
    const exchange = `restart-${randomUUID().slice(0, 8)}`;
    await client.ensureChannel(exchange);
    const durable = await serviceQueue(rabbit.managementUrl, exchange, true);
    const transient = await serviceQueue(rabbit.managementUrl, exchange, false);
    const marks = [
      { queue: durable, status: 'pass' },
      { queue: transient, status: 'fail' },
    ] as const;
    // Both probes run at once through the same kill: one restart, two verdicts.
    // Once both probes have taken their marks and begun publishing.
    let arrived = 0;
    let bothPublishing!: () => void;
    const gate = new Promise<void>((resolve) => (bothPublishing = resolve));
    const restarting = gate.then(async () => {
      await new Promise((r) => setTimeout(r, 700));
      rabbit.kill();
      await new Promise((r) => setTimeout(r, 500));
      await rabbit.start();
    });
    const restart = (): Promise<void> => {
      if (++arrived === 2) bothPublishing();
      return restarting;
    };
    const verdicts = await Promise.all(
      marks.map((m, i) =>
        runAcknowledgedDelivery(
          { client, runId: `k${i}` },
          spec(exchange, { name: `q${i}`, store: { likeQueue: m.queue }, recoveryTimeoutMs: 60_000 }),
          restart,
        ),
      ),
    );
    for (const [i, v] of verdicts.entries()) {
      console.log(
        `rabbitmq restart, ${marks[i]!.queue === durable ? 'durable' : 'transient'}: ${v.status}: ${v.reason} ${JSON.stringify(v.numbers)}`,
      );
      expect(v.status, v.reason).toBe(marks[i]!.status);
      expect(v.numbers!.acknowledged).toBeGreaterThan(20);
    }
    expect(verdicts[0]!.numbers!.lost).toBe(0);
    expect(verdicts[1]!.property).toBe('acknowledged-loss');
    expect(verdicts[1]!.reason).toMatch(/witness queue declared like .* no longer exists/);
  }, 300_000);
});
