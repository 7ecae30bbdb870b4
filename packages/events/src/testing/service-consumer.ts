/**
 * A real service consumer for lag tests (test-only): a RabbitMQ durable queue consumed with acknowledgements, or a
 * Kafka consumer group committing what it processed, each on its own connection (so a fault between the service
 * and the broker can be put on that connection alone) and taking `processMs` per message. `reconnect: false` is the
 * broken service: once its connection is lost it never comes back, so its lag never recovers.
 */
import { randomUUID } from 'node:crypto';
import type { BrokerConnection } from '../brokers/connection.js';
import type { ConsumerRef } from '../brokers/client.js';

export interface ServiceConsumerOptions {
  /** The exchange (RabbitMQ) or topic (Kafka) the service reads. */
  readonly channel: string;
  readonly processMs?: number;
  readonly reconnect?: boolean;
}

export interface ServiceConsumer {
  readonly consumer: ConsumerRef;
  readonly stats: { processed: number; reconnects: number };
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function startServiceConsumer(
  connection: BrokerConnection,
  options: ServiceConsumerOptions,
): Promise<ServiceConsumer> {
  switch (connection.kind) {
    case 'rabbitmq':
      return rabbitConsumer(connection, options);
    case 'kafka':
      return kafkaConsumer(connection, options);
    case 'nats':
      throw new Error('startServiceConsumer: NATS lag is a JetStream consumer; use ensureNatsStream and a durable');
  }
}

async function rabbitConsumer(
  c: Extract<BrokerConnection, { kind: 'rabbitmq' }>,
  options: ServiceConsumerOptions,
): Promise<ServiceConsumer> {
  const amqp = await import('amqplib');
  const queue = `svc-${randomUUID().slice(0, 8)}`;
  const stats = { processed: 0, reconnects: 0 };
  let stopped = false;
  let current: { close(): Promise<void> } | undefined;
  const url = new URL(c.url);
  if (c.user) url.username = encodeURIComponent(c.user);
  if (c.pass) url.password = encodeURIComponent(c.pass);
  // Heartbeats every second, so a cut link is noticed in seconds, as a production client would.
  url.searchParams.set('heartbeat', '1');
  const attach = async (): Promise<void> => {
    const conn = await amqp.connect(url.toString(), { timeout: 5_000 });
    conn.on('error', () => undefined);
    current = conn;
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    await ch.assertQueue(queue, { durable: true, autoDelete: false });
    await ch.bindQueue(queue, options.channel, '#');
    await ch.prefetch(5);
    await ch.consume(queue, (msg) => {
      if (!msg) return;
      void sleep(options.processMs ?? 2).then(() => {
        stats.processed += 1;
        try {
          ch.ack(msg);
        } catch {
          /* the channel went with the connection: the broker redelivers it */
        }
      });
    });
    conn.on('close', () => {
      if (stopped || options.reconnect === false) return;
      void (async () => {
        while (!stopped) {
          await sleep(500);
          try {
            await attach();
            stats.reconnects += 1;
            return;
          } catch {
            /* still unreachable */
          }
        }
      })();
    });
  };
  await attach();
  return {
    consumer: { kind: 'rabbitmq-queue', queue },
    stats,
    async stop() {
      stopped = true;
      await current?.close().catch(() => undefined);
      // The queue is durable (it must outlive a lost connection): remove it on a connection of its own.
      const conn = await amqp.connect(url.toString(), { timeout: 5_000 }).catch(() => undefined);
      if (!conn) return;
      conn.on('error', () => undefined);
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      await ch.deleteQueue(queue).catch(() => undefined);
      await conn.close().catch(() => undefined);
    },
  };
}

async function kafkaConsumer(
  c: Extract<BrokerConnection, { kind: 'kafka' }>,
  options: ServiceConsumerOptions,
): Promise<ServiceConsumer> {
  const { Kafka, logLevel } = (await import('kafkajs')).default;
  const group = `svc-${randomUUID().slice(0, 8)}`;
  const stats = { processed: 0, reconnects: 0 };
  const kafka = new Kafka({
    clientId: group,
    brokers: c.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 5_000,
    // The broken service gives up at once; the correct one keeps retrying until the broker is reachable again.
    retry:
      options.reconnect === false ? { retries: 0 } : { retries: 1_000, initialRetryTime: 300, maxRetryTime: 1_000 },
  });
  const consumer = kafka.consumer({
    groupId: group,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 100,
    ...(options.reconnect === false ? { retry: { retries: 0, restartOnFailure: () => Promise.resolve(false) } } : {}),
  });
  consumer.on(consumer.events.CRASH, () => void (stats.reconnects += 1));
  await consumer.connect();
  const joined = new Promise<void>((resolve) => {
    const off = consumer.on(consumer.events.GROUP_JOIN, () => {
      off();
      resolve();
    });
  });
  await consumer.subscribe({ topics: [options.channel], fromBeginning: true });
  await consumer.run({
    eachMessage: async () => {
      await sleep(options.processMs ?? 2);
      stats.processed += 1;
    },
  });
  await joined;
  return {
    consumer: { kind: 'kafka-group', group, topic: options.channel },
    stats,
    async stop() {
      await consumer.disconnect().catch(() => undefined);
    },
  };
}
