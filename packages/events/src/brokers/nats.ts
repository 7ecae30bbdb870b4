/**
 * NATS (core and JetStream) through @nats-io/transport-node, loaded lazily. A tap is a core subscription: it sees
 * every message published on the subject, JetStream-stored or not, and is live once the server has answered the
 * flush that follows the SUB. Lag is a JetStream consumer's pending plus ack-pending count.
 */
import type { BrokerClient, ConsumerRef, LagReading, StoreMark, Tap } from './client.js';
import type { BrokerConnection } from './connection.js';
import { safeTarget } from './connection.js';
import { toBytes, type ObservedEvent, type OutgoingEvent } from '../model.js';

type NatsConnection = Extract<BrokerConnection, { kind: 'nats' }>;

export async function connectNats(c: NatsConnection, now: () => number = Date.now): Promise<BrokerClient> {
  const { connect, headers: newHeaders } = await import('@nats-io/transport-node');
  const { jetstream, jetstreamManager, DeliverPolicy } = await import('@nats-io/jetstream');
  const nc = await connect({
    servers: c.url,
    ...(c.user ? { user: c.user } : {}),
    ...(c.pass ? { pass: c.pass } : {}),
    ...(c.token ? { token: c.token } : {}),
    // A partitioned server is noticed in seconds, not the default two minutes.
    pingInterval: 2_000,
    maxPingOut: 2,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc).catch(() => undefined);
  /** Subjects that some stream stores: publishing there waits for the PubAck. */
  async function stored(subject: string): Promise<boolean> {
    if (!jsm) return false;
    try {
      return (await jsm.streams.find(subject)) !== '';
    } catch {
      return false;
    }
  }
  const storedCache = new Map<string, Promise<boolean>>();
  return {
    kind: 'nats',
    target: safeTarget(c.url),
    async publish(event: OutgoingEvent): Promise<void> {
      const h = newHeaders();
      for (const [k, v] of Object.entries(event.headers ?? {})) h.set(k, v);
      const data = toBytes(event.body);
      let isStored = storedCache.get(event.channel);
      if (!isStored) storedCache.set(event.channel, (isStored = stored(event.channel)));
      if (await isStored) await js.publish(event.channel, data, { headers: h });
      else {
        nc.publish(event.channel, data, { headers: h });
        await nc.flush();
      }
    },
    async tap(channel: string, onEvent: (event: ObservedEvent) => void): Promise<Tap> {
      const sub = nc.subscribe(channel, {
        callback: (err, msg) => {
          if (err) return;
          const hdrs: Record<string, string> = {};
          if (msg.headers) for (const k of msg.headers.keys()) hdrs[k] = msg.headers.get(k);
          onEvent({ channel: msg.subject, key: msg.subject, headers: hdrs, body: msg.data, receivedAt: now() });
        },
      });
      await nc.flush();
      return {
        channel,
        close: async () => {
          sub.unsubscribe();
          await nc.flush().catch(() => undefined);
        },
      };
    },
    ensureChannel(): Promise<void> {
      return Promise.resolve();
    },
    async storeMark(channel: string): Promise<StoreMark> {
      if (!jsm) throw new Error('JetStream is not enabled on this NATS server: nothing is stored to read back');
      const stream = await jsm.streams.find(channel).catch(() => '');
      if (!stream)
        throw new Error(`no JetStream stream stores ${JSON.stringify(channel)}: nothing is stored to read back`);
      const last = (await jsm.streams.info(stream)).state.last_seq;
      return {
        channel,
        async read(onEvent, limit) {
          // The stream itself can be gone: a memory stream does not survive a restart of the server.
          const exists = await jsm.streams.info(stream).then(
            () => true,
            (error: unknown) => {
              if (/stream not found/i.test(error instanceof Error ? error.message : String(error))) return false;
              throw error;
            },
          );
          if (!exists) return { count: 0, gone: `the stream ${stream} that stored it no longer exists` };
          // An ordered consumer of our own, from the sequence after the mark: ephemeral, never acks, and removed
          // by the server when idle, so it changes nothing a service sees. (A string filter is `filter_subject`,
          // which servers before 2.10 understand.)
          const consumer = await js.consumers.get(stream, {
            filter_subjects: channel,
            deliver_policy: DeliverPolicy.StartSequence,
            opt_start_seq: last + 1,
          });
          let pending = (await consumer.info()).num_pending;
          let read = 0;
          while (pending > 0 && read < limit) {
            const batch = await consumer.fetch({
              max_messages: Math.min(1_000, pending, limit - read),
              expires: 5_000,
            });
            let got = 0;
            for await (const msg of batch) {
              const hdrs: Record<string, string> = {};
              if (msg.headers) for (const k of msg.headers.keys()) hdrs[k] = msg.headers.get(k);
              onEvent({
                channel: msg.subject,
                key: msg.subject,
                headers: hdrs,
                body: msg.data,
                receivedAt: now(),
                offset: String(msg.seq),
              });
              got += 1;
            }
            if (got === 0) break;
            read += got;
            pending = (await consumer.info(true)).num_pending;
          }
          return { count: read };
        },
      };
    },
    async lag(consumer: ConsumerRef): Promise<LagReading> {
      if (consumer.kind !== 'jetstream-consumer') throw new Error(`a NATS broker has no ${consumer.kind}`);
      if (!jsm) throw new Error('JetStream is not enabled on this NATS server');
      const info = await jsm.consumers.info(consumer.stream, consumer.consumer);
      return {
        messages: info.num_pending + info.num_ack_pending,
        consumers: info.push_bound || info.num_waiting > 0 ? 1 : 0,
        at: now(),
      };
    },
    async ping(): Promise<void> {
      await nc.flush();
    },
    async close(): Promise<void> {
      await nc.drain().catch(() => nc.close());
    },
  };
}
