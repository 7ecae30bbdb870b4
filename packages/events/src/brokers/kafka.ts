/**
 * Kafka through kafkajs (pure JavaScript, so it bundles), loaded lazily. A tap is a consumer of its own with a
 * fresh group id: it never joins the service's group, so it cannot cause the service a rebalance. It is live once
 * the group has been joined and every partition is positioned at the end offset read before joining. Publishing
 * waits for acks from all in-sync replicas. Lag is the service group's end offset minus committed offset, a
 * partition without a commit counting from the log start (chaostoolkit-kafka drops those; we do not).
 */
import { randomUUID } from 'node:crypto';
import type { BrokerClient, ConsumerRef, LagReading, Tap, StoreMark } from './client.js';
import type { BrokerConnection } from './connection.js';
import { toBytes, type ObservedEvent, type OutgoingEvent } from '../model.js';

type KafkaConnection = Extract<BrokerConnection, { kind: 'kafka' }>;

/**
 * A topic just created is not hosted everywhere at once: metadata and leaders follow within moments, and kafkajs
 * marks those errors retriable. Retried for up to about 5 s; anything else fails at once.
 */
async function retriable<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const retry = (error as { retriable?: boolean; type?: string }).retriable === true;
      if (!retry || attempt >= 25) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function createTopic(
  admin: { listTopics(): Promise<string[]>; createTopics(o: object): Promise<boolean> },
  topic: string,
): Promise<void> {
  if ((await admin.listTopics()).includes(topic)) return;
  try {
    await retriable(() => admin.createTopics({ topics: [{ topic }], waitForLeaders: true }));
  } catch (error) {
    // Created meanwhile by someone else (another tap, the service): that is what we wanted.
    if (!/already exists/i.test(error instanceof Error ? error.message : String(error))) throw error;
  }
}

export async function connectKafka(c: KafkaConnection, now: () => number = Date.now): Promise<BrokerClient> {
  const { Kafka, logLevel } = (await import('kafkajs')).default;
  const kafka = new Kafka({
    clientId: 'gauntlet-events',
    brokers: c.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5_000,
    retry: { retries: 5, initialRetryTime: 200 },
    ...(c.sasl
      ? {
          sasl:
            c.sasl.mechanism === 'plain'
              ? { mechanism: 'plain' as const, username: c.sasl.username, password: c.sasl.password }
              : { mechanism: 'scram-sha-256' as const, username: c.sasl.username, password: c.sasl.password },
        }
      : {}),
  });
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ allowAutoTopicCreation: true, idempotent: false });
  await producer.connect();
  const consumers = new Set<{ disconnect(): Promise<void> }>();

  async function endOffsets(topic: string): Promise<Map<number, string>> {
    const offsets = await retriable(() => admin.fetchTopicOffsets(topic));
    return new Map(offsets.map((o) => [o.partition, o.high]));
  }

  return {
    kind: 'kafka',
    target: c.brokers.join(','),
    async publish(event: OutgoingEvent): Promise<void> {
      await retriable(() =>
        producer.send({
          topic: event.channel,
          acks: -1,
          messages: [
            {
              ...(event.key !== undefined ? { key: event.key } : {}),
              value: Buffer.from(toBytes(event.body)),
              headers: { ...(event.headers ?? {}) },
            },
          ],
        }),
      );
    },
    async tap(channel: string, onEvent: (event: ObservedEvent) => void): Promise<Tap> {
      await createTopic(admin, channel);
      const start = await endOffsets(channel);
      const consumer = kafka.consumer({
        groupId: `gauntlet-tap-${randomUUID()}`,
        sessionTimeout: 10_000,
        rebalanceTimeout: 10_000,
        heartbeatInterval: 1_000,
        maxWaitTimeInMs: 100,
        allowAutoTopicCreation: false,
      });
      consumers.add(consumer);
      await consumer.connect();
      const joined = new Promise<void>((resolve) => {
        const off = consumer.on(consumer.events.GROUP_JOIN, () => {
          off();
          resolve();
        });
      });
      await consumer.subscribe({ topics: [channel], fromBeginning: false });
      await consumer.run({
        autoCommit: false,
        eachMessage: ({ topic, partition, message }) => {
          const hdrs: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) {
            if (v !== undefined) hdrs[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
          }
          onEvent({
            channel: topic,
            ...(message.key ? { key: message.key.toString('utf8') } : {}),
            headers: hdrs,
            body: message.value ? new Uint8Array(message.value) : new Uint8Array(),
            receivedAt: now(),
            partition,
            offset: message.offset,
            ...(Number.isFinite(Number(message.timestamp)) ? { brokerTime: Number(message.timestamp) } : {}),
          });
          return Promise.resolve();
        },
      });
      await joined;
      // Positioned, and fetching from there: the first fetch after the seek has been answered, so the publish
      // that follows is measured against a running fetch loop, not a cold one.
      const fetching = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5_000);
        const off = consumer.on(consumer.events.FETCH, () => {
          clearTimeout(timer);
          off();
          resolve();
        });
      });
      for (const [partition, offset] of start) consumer.seek({ topic: channel, partition, offset });
      await fetching;
      return {
        channel,
        close: async () => {
          consumers.delete(consumer);
          await consumer.disconnect().catch(() => undefined);
        },
      };
    },
    /**
     * The end offset of every partition now; `read` consumes, with a group of its own and no commit, from there to
     * the end offsets at read time. A topic deleted meanwhile is `gone`: what it held is lost, not unreadable.
     */
    async storeMark(channel: string): Promise<StoreMark> {
      await createTopic(admin, channel);
      const mark = await endOffsets(channel);
      return {
        channel,
        read: async (onEvent, limit) => {
          if (!(await admin.listTopics()).includes(channel))
            return { count: 0, gone: `topic ${channel} no longer exists` };
          const ends = await endOffsets(channel);
          const remaining = new Map<number, bigint>();
          for (const [partition, end] of ends) {
            const from = BigInt(mark.get(partition) ?? '0');
            if (BigInt(end) > from) remaining.set(partition, BigInt(end));
          }
          if (remaining.size === 0) return { count: 0 };
          const consumer = kafka.consumer({
            groupId: `gauntlet-readback-${randomUUID()}`,
            sessionTimeout: 10_000,
            rebalanceTimeout: 10_000,
            heartbeatInterval: 1_000,
            maxWaitTimeInMs: 100,
            allowAutoTopicCreation: false,
          });
          consumers.add(consumer);
          let count = 0;
          try {
            await consumer.connect();
            await consumer.subscribe({ topics: [channel], fromBeginning: true });
            const done = new Promise<void>((resolve, reject) => {
              const timer = setTimeout(
                () => reject(new Error(`read-back of ${channel} did not reach the end offsets within 30 s`)),
                30_000,
              );
              const finish = (): void => {
                clearTimeout(timer);
                resolve();
              };
              void consumer
                .run({
                  autoCommit: false,
                  eachMessage: ({ partition, message }) => {
                    const end = remaining.get(partition);
                    if (end === undefined || count >= limit) return Promise.resolve();
                    // Before the mark (the seek not applied yet): not part of what was published since.
                    if (BigInt(message.offset) < BigInt(mark.get(partition) ?? '0')) return Promise.resolve();
                    const hdrs: Record<string, string> = {};
                    for (const [k, v] of Object.entries(message.headers ?? {}))
                      if (v !== undefined) hdrs[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
                    count += 1;
                    onEvent({
                      channel,
                      ...(message.key ? { key: message.key.toString('utf8') } : {}),
                      headers: hdrs,
                      body: message.value ? new Uint8Array(message.value) : new Uint8Array(),
                      receivedAt: now(),
                      partition,
                      offset: message.offset,
                    });
                    if (BigInt(message.offset) + 1n >= end) remaining.delete(partition);
                    if (remaining.size === 0 || count >= limit) finish();
                    return Promise.resolve();
                  },
                })
                .catch(reject);
              const off = consumer.on(consumer.events.GROUP_JOIN, () => {
                off();
                for (const partition of remaining.keys())
                  consumer.seek({ topic: channel, partition, offset: mark.get(partition) ?? '0' });
              });
            });
            await done;
          } finally {
            consumers.delete(consumer);
            await consumer.disconnect().catch(() => undefined);
          }
          return { count };
        },
      };
    },
    async ensureChannel(channel: string): Promise<void> {
      await createTopic(admin, channel);
    },
    async lag(ref: ConsumerRef): Promise<LagReading> {
      if (ref.kind !== 'kafka-group') throw new Error(`a Kafka broker has no ${ref.kind}`);
      const [committed] = await admin.fetchOffsets({ groupId: ref.group, topics: [ref.topic] });
      const ends = await admin.fetchTopicOffsets(ref.topic);
      let messages = 0;
      for (const end of ends) {
        const c = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        const from = c === '-1' ? Number(end.low) : Number(c);
        messages += Math.max(0, Number(end.high) - from);
      }
      const group = await admin.describeGroups([ref.group]);
      return { messages, consumers: group.groups[0]?.members.length ?? 0, at: now() };
    },
    async ping(): Promise<void> {
      await admin.describeCluster();
    },
    async close(): Promise<void> {
      await Promise.all([...consumers].map((x) => x.disconnect().catch(() => undefined)));
      await producer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    },
  };
}
