/**
 * An idle connection to a broker (test-only), for checking that a partition cuts connections that send nothing:
 * a RabbitMQ connection opened without heartbeats (once open it says nothing), or for Kafka a TCP connection that
 * sends nothing (the broker keeps those for connections.max.idle.ms, 10 minutes by default).
 */
import { connect } from 'node:net';
import type { BrokerConnection } from '../brokers/connection.js';

export interface IdleConnection {
  /** Whether the connection has ended (closed or reset, by either side). */
  closed(): boolean;
  close(): Promise<void>;
}

export async function openIdleConnection(connection: BrokerConnection): Promise<IdleConnection> {
  let closed = false;
  switch (connection.kind) {
    case 'rabbitmq': {
      const amqp = await import('amqplib');
      const url = new URL(connection.url);
      if (connection.user) url.username = encodeURIComponent(connection.user);
      if (connection.pass) url.password = encodeURIComponent(connection.pass);
      url.searchParams.set('heartbeat', '0');
      const conn = await amqp.connect(url.toString(), { timeout: 5_000 });
      conn.on('error', () => undefined);
      conn.on('close', () => void (closed = true));
      return { closed: () => closed, close: () => conn.close().catch(() => undefined) };
    }
    case 'kafka': {
      const match = /^(.*):(\d+)$/.exec(connection.brokers[0] ?? '');
      if (!match) throw new Error(`openIdleConnection: no host:port in ${connection.brokers[0]}`);
      const socket = connect({ host: match[1]!, port: Number(match[2]) });
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      socket.on('error', () => undefined);
      socket.on('close', () => void (closed = true));
      return {
        closed: () => closed,
        close: () => {
          socket.destroy();
          return Promise.resolve();
        },
      };
    }
    case 'nats':
      throw new Error('openIdleConnection: a NATS server pings every connection; not an idle one');
  }
}
