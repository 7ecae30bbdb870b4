/** Opens the client for a connection, loading only that broker's npm client. */
import type { BrokerClient } from './client.js';
import type { BrokerConnection } from './connection.js';

export async function connectBroker(c: BrokerConnection, now: () => number = Date.now): Promise<BrokerClient> {
  try {
    switch (c.kind) {
      case 'nats':
        return await (await import('./nats.js')).connectNats(c, now);
      case 'rabbitmq':
        return await (await import('./rabbitmq.js')).connectRabbitmq(c, now);
      case 'kafka':
        return await (await import('./kafka.js')).connectKafka(c, now);
    }
  } catch (error) {
    const where = c.kind === 'kafka' ? c.brokers.join(',') : (await import('./connection.js')).safeTarget(c.url);
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot reach the ${c.kind} broker at ${where}: ${why}`, { cause: error });
  }
}
