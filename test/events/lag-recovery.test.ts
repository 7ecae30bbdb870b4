/**
 * Lag recovery after a partition between the service and the broker, on the test bed's real rabbitmq-server and
 * Kafka 4.1.1: a producer publishes straight to the broker while the service's consumer (its own connection,
 * through Toxiproxy) is cut off, so its lag builds; once the link is back, a consumer that reconnects catches up and
 * runLagRecovery passes, and one that never reconnects fails naming consumer-missing.
 */
import { randomUUID } from 'node:crypto';
import {
  connectBroker,
  runLagRecovery,
  type BrokerClient,
  type BrokerConnection,
  type ProbeVerdict,
} from '@gauntlet/events';
import { startServiceConsumer, type ServiceConsumer } from '@gauntlet/events/testing';
import { ensureBrokers, getTestbed, ToxiproxyClient } from '@gauntlet/testbed';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/polling.js';
import { brokerConnection } from './brokers.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
}, 60_000);

const toxi = new ToxiproxyClient(getTestbed().toxiproxyUrl);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The service's connection through a Toxiproxy proxy, and how to cut it. Kafka clients go where metadata sends
 * them, so theirs is the one proxy on the broker's CHAOS listener's advertised address, made once for the file
 * (Toxiproxy 2 kept listening on a deleted proxy's address while a connection through it was open).
 */
let kafkaProxy: Promise<string> | undefined;
async function throughProxy(kind: 'rabbitmq' | 'kafka'): Promise<{
  service: BrokerConnection;
  cut(): Promise<void>;
  heal(): Promise<void>;
}> {
  const direct = await brokerConnection(kind);
  let name: string;
  let service: BrokerConnection;
  if (direct.kind === 'rabbitmq') {
    name = `lag-rabbitmq-${randomUUID().slice(0, 6)}`;
    const proxy = await toxi.createProxy(name, new URL(direct.url).host);
    cleanups.push(() => toxi.deleteProxy(name).catch(() => undefined));
    service = { ...direct, url: `amqp://${proxy.listen}` };
  } else {
    kafkaProxy ??= (async () => {
      const { chaosListener } = (await ensureBrokers(['kafka'])).kafka!;
      const kafkaName = `lag-kafka-${randomUUID().slice(0, 6)}`;
      await toxi.createProxy(kafkaName, chaosListener.upstream, chaosListener.advertised);
      cleanups.push(() => toxi.deleteProxy(kafkaName).catch(() => undefined));
      return kafkaName;
    })();
    name = await kafkaProxy;
    const { chaosListener } = (await ensureBrokers(['kafka'])).kafka!;
    service = { kind: 'kafka', brokers: [chaosListener.advertised] };
  }
  const streams = ['upstream', 'downstream'] as const;
  return {
    service,
    async cut() {
      for (const stream of streams)
        await toxi.addToxic(name, { name: `cut-${stream}`, type: 'reset_peer', stream, attributes: { timeout: 0 } });
    },
    async heal() {
      for (const stream of streams) await toxi.removeToxic(name, `cut-${stream}`);
    },
  };
}

async function scenario(
  kind: 'rabbitmq' | 'kafka',
  reconnect: boolean,
): Promise<{ verdict: ProbeVerdict; consumer: ServiceConsumer; peakDuringCut: number }> {
  const producer: BrokerClient = await connectBroker(await brokerConnection(kind));
  cleanups.push(() => producer.close());
  const channel = `lag${randomUUID().slice(0, 8)}`;
  await producer.ensureChannel(channel);
  const link = await throughProxy(kind);
  const consumer = await startServiceConsumer(link.service, { channel, reconnect });
  cleanups.push(() => consumer.stop());
  const ref = consumer.consumer;
  const publish = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await producer.publish({ channel, key: `k${i % 4}`, body: `{"n":${i}}` });
  };
  await publish(20);
  await eventually(`${kind} service consumer caught up before the fault`, async () => {
    const r = await producer.lag(ref);
    return r.messages === 0 && r.consumers > 0;
  });
  await link.cut();
  await publish(200);
  // Lag really built while the service was cut off (the management API and group offsets trail by a moment).
  const peak = await eventually(`${kind} lag builds while the service is cut off`, async () => {
    const r = await producer.lag(ref);
    return r.messages >= 100 ? r.messages : false;
  });
  await sleep(2_000);
  await link.heal();
  const verdict = await runLagRecovery(
    { client: producer, runId: 'lag' },
    { name: 'service-catches-up', consumer: ref, timeoutMs: reconnect ? 60_000 : 20_000, intervalMs: 500 },
  );
  console.log(
    `${kind} lag recovery (reconnect ${reconnect}): ${verdict.status}: ${verdict.reason} ${JSON.stringify(verdict.numbers)}`,
  );
  return { verdict, consumer, peakDuringCut: peak };
}

describe.each(['rabbitmq', 'kafka'] as const)('lag recovery after a partition on %s', (kind) => {
  it('a service that reconnects catches up: pass, from a peak of at least 100 behind', async () => {
    const { verdict, consumer, peakDuringCut } = await scenario(kind, true);
    expect(peakDuringCut).toBeGreaterThanOrEqual(100);
    expect(verdict.status, verdict.reason).toBe('pass');
    expect(verdict.numbers!.lastMessages).toBe(0);
    expect(consumer.stats.processed).toBeGreaterThanOrEqual(220);
  }, 180_000);

  it('a service that never reconnects does not: fail, naming consumer-missing', async () => {
    const { verdict } = await scenario(kind, false);
    expect(verdict.status, verdict.reason).toBe('fail');
    expect(verdict.property).toBe('consumer-missing');
    expect(verdict.reason).toMatch(/did not come back within 20000 ms: nobody consumes, \d+ message\(s\) behind/);
  }, 180_000);
});
