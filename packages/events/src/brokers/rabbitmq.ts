/**
 * RabbitMQ (AMQP 0-9-1) through amqplib, loaded lazily. A channel names an exchange and an event's key is its
 * routing key; `amq.default` publishes straight to the queue the key names. A tap is an exclusive, auto-deleted
 * queue of our own bound to the exchange: it never takes a message from the service's queue, and it is live once
 * the broker has confirmed both the bind and the consume. Publishing waits for the publisher confirm. What a fault
 * left is read back from a witness queue (rabbitmq-witness.ts).
 */
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { BrokerClient, ConsumerRef, LagReading, Tap, TapOptions, StoreMark, StoreMarkOptions } from './client.js';
import type { BrokerConnection } from './connection.js';
import { safeTarget } from './connection.js';
import { rabbitmqStoreMark, witnessShape, type WitnessDeps } from './rabbitmq-witness.js';
import { toBytes, type ObservedEvent, type OutgoingEvent } from '../model.js';

type RabbitConnection = Extract<BrokerConnection, { kind: 'rabbitmq' }>;

export const DEFAULT_EXCHANGE = 'amq.default';

function amqpUrl(c: RabbitConnection): string {
  const u = new URL(c.url);
  if (c.user !== undefined) u.username = encodeURIComponent(c.user);
  if (c.pass !== undefined) u.password = encodeURIComponent(c.pass);
  if (c.vhost !== undefined) u.pathname = `/${encodeURIComponent(c.vhost)}`;
  return u.toString();
}

function headerText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return JSON.stringify(value) ?? String(value);
}

export async function connectRabbitmq(c: RabbitConnection, now: () => number = Date.now): Promise<BrokerClient> {
  const amqp = await import('amqplib');
  const vhost = c.vhost ?? (decodeURIComponent(new URL(c.url).pathname.slice(1)) || '/');

  // One connection and confirm channel at a time, opened again on first use after the broker closed it (a restart
  // or a cut link): publishes during the outage fail (unacknowledged), those after it go through. Taps live on the
  // connection they were opened on and end with it.
  interface Session {
    conn: ChannelModel;
    publisher: ConfirmChannel;
  }
  let session: Promise<Session> | undefined;
  const open = async (gone: () => void): Promise<Session> => {
    const conn = await amqp.connect(amqpUrl(c), { timeout: 10_000 });
    // A broker that goes away must not crash the process through an unhandled 'error' event.
    conn.on('error', () => undefined);
    conn.on('close', gone);
    const publisher = await conn.createConfirmChannel().catch(async (error: unknown) => {
      await conn.close().catch(() => undefined);
      throw error;
    });
    publisher.on('error', () => undefined);
    publisher.on('close', gone);
    return { conn, publisher };
  };
  const live = (): Promise<Session> => {
    if (session) return session;
    const attempt: Promise<Session> = open(() => {
      if (session === attempt) session = undefined;
    });
    session = attempt;
    attempt.catch(() => {
      if (session === attempt) session = undefined;
    });
    return attempt;
  };
  const openChannel = async (): Promise<Channel> => {
    const ch = await (await live()).conn.createChannel();
    ch.on('error', () => undefined);
    return ch;
  };
  await live();

  const management = async (path: string): Promise<Response | undefined> => {
    if (!c.managementUrl) return undefined;
    const auth = Buffer.from(`${c.user ?? 'guest'}:${c.pass ?? 'guest'}`).toString('base64');
    return fetch(`${c.managementUrl.replace(/\/$/, '')}/api/${path}`, {
      headers: { authorization: `Basic ${auth}` },
      signal: AbortSignal.timeout(10_000),
    });
  };

  async function managementQueue(queue: string): Promise<LagReading | undefined> {
    const res = await management(`queues/${encodeURIComponent(vhost)}/${encodeURIComponent(queue)}`);
    if (!res) return undefined;
    if (res.status === 404) throw new Error(`RabbitMQ has no queue ${JSON.stringify(queue)} in vhost ${vhost}`);
    if (!res.ok) throw new Error(`RabbitMQ management API answered HTTP ${res.status}`);
    const q = (await res.json()) as {
      messages_ready?: number;
      messages_unacknowledged?: number;
      consumers?: number;
      head_message_timestamp?: number | null;
    };
    const at = now();
    return {
      messages: (q.messages_ready ?? 0) + (q.messages_unacknowledged ?? 0),
      consumers: q.consumers ?? 0,
      ...(typeof q.head_message_timestamp === 'number'
        ? { timeMs: Math.max(0, at - q.head_message_timestamp * 1000), timeMethod: 'oldest-pending-message' as const }
        : {}),
      at,
    };
  }

  const toEvent = (msg: ConsumeMessage): ObservedEvent => {
    const hdrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(msg.properties.headers ?? {})) hdrs[k] = headerText(v);
    return {
      channel: msg.fields.exchange || DEFAULT_EXCHANGE,
      key: msg.fields.routingKey,
      headers: hdrs,
      body: new Uint8Array(msg.content),
      receivedAt: now(),
      redelivered: msg.fields.redelivered,
    };
  };

  const witnessDeps: WitnessDeps = {
    channel: openChannel,
    toEvent,
    async queueShape(queue) {
      const res = await management(`queues/${encodeURIComponent(vhost)}/${encodeURIComponent(queue)}`);
      if (!res)
        throw new Error(
          `likeQueue ${JSON.stringify(queue)} needs the management API (managementUrl) to read how the queue is declared`,
        );
      if (res.status === 404) throw new Error(`RabbitMQ has no queue ${JSON.stringify(queue)} in vhost ${vhost}`);
      if (!res.ok) throw new Error(`RabbitMQ management API answered HTTP ${res.status}`);
      return witnessShape((await res.json()) as Record<string, unknown>, queue);
    },
    async exchangeType(exchange) {
      const res = await management(`exchanges/${encodeURIComponent(vhost)}/${encodeURIComponent(exchange)}`);
      if (!res?.ok) return undefined;
      const type = ((await res.json()) as { type?: unknown }).type;
      return typeof type === 'string' ? type : undefined;
    },
  };

  return {
    kind: 'rabbitmq',
    target: safeTarget(c.url),
    async publish(event: OutgoingEvent): Promise<void> {
      const exchange = event.channel === DEFAULT_EXCHANGE ? '' : event.channel;
      const { publisher } = await live();
      await new Promise<void>((resolve, reject) => {
        publisher.publish(
          exchange,
          event.key ?? '',
          Buffer.from(toBytes(event.body)),
          { headers: { ...(event.headers ?? {}) }, persistent: true, mandatory: false },
          (err) => (err ? reject(new Error(`RabbitMQ did not confirm the publish to ${event.channel}`)) : resolve()),
        );
      });
    },
    async tap(channel: string, onEvent: (event: ObservedEvent) => void, options?: TapOptions): Promise<Tap> {
      if (channel === DEFAULT_EXCHANGE)
        throw new Error('the default exchange cannot be tapped: tap the exchange that feeds the queue');
      const ch = await openChannel();
      const q = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
      await ch.bindQueue(q.queue, channel, options?.bindingKey ?? '#');
      const { consumerTag } = await ch.consume(
        q.queue,
        (msg) => {
          if (msg) onEvent(toEvent(msg));
        },
        { noAck: true },
      );
      return {
        channel,
        close: async () => {
          await ch.cancel(consumerTag).catch(() => undefined);
          await ch.close().catch(() => undefined);
        },
      };
    },
    storeMark(channel: string, options?: StoreMarkOptions): Promise<StoreMark> {
      return rabbitmqStoreMark(witnessDeps, channel, options);
    },
    async ensureChannel(channel: string): Promise<void> {
      if (channel === DEFAULT_EXCHANGE) return;
      await (await live()).publisher.assertExchange(channel, 'topic', { durable: true });
    },
    async lag(consumer: ConsumerRef): Promise<LagReading> {
      if (consumer.kind !== 'rabbitmq-queue') throw new Error(`a RabbitMQ broker has no ${consumer.kind}`);
      const fromManagement = await managementQueue(consumer.queue);
      if (fromManagement) return fromManagement;
      // Without the management API only ready messages are known (unacknowledged ones are not counted).
      const ch = await openChannel();
      try {
        const q = await ch.checkQueue(consumer.queue);
        return { messages: q.messageCount, consumers: q.consumerCount, at: now() };
      } finally {
        await ch.close().catch(() => undefined);
      }
    },
    async ping(): Promise<void> {
      const ch = await openChannel();
      await ch.close();
    },
    async close(): Promise<void> {
      const current = session;
      session = undefined;
      const s = await current?.catch(() => undefined);
      await s?.publisher.close().catch(() => undefined);
      await s?.conn.close().catch(() => undefined);
    },
  };
}
