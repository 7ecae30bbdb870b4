/**
 * RabbitMQ acknowledged-delivery read-back. A queue is consumed destructively, so the service's own queue is never
 * read: the mark declares a witness queue of our own, bound to the exchange the producer publishes to, and from
 * then on the broker routes a copy of every message there. Declared like the service's queue (durable or not,
 * classic or quorum), it keeps across a broker restart exactly what that queue keeps; reading it back takes the
 * messages unacknowledged (so a failed read can be retried) and `release` deletes it. It expires on its own after
 * WITNESS_EXPIRES_MS unused, so a run killed before `release` leaves nothing for long.
 */
import { randomUUID } from 'node:crypto';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { StoreMark, StoreMarkOptions } from './client.js';
import type { ObservedEvent } from '../model.js';

export const WITNESS_EXPIRES_MS = 6 * 60 * 60 * 1000;
const READ_TIMEOUT_MS = 30_000;

/** The part of a queue's management record the witness copies. */
export interface QueueShape {
  durable: boolean;
  type: 'classic' | 'quorum';
}

export interface WitnessDeps {
  /** A fresh channel on the client's current connection (reconnecting after a broker restart). */
  channel(): Promise<Channel>;
  /** The queue's shape from the management API; throws naming why it cannot be read. */
  queueShape(queue: string): Promise<QueueShape>;
  /** The exchange's type from the management API, when there is one. */
  exchangeType(exchange: string): Promise<string | undefined>;
  toEvent(msg: ConsumeMessage): ObservedEvent;
}

/** `x-queue-type` as the management API reports it, refusing what a witness cannot copy. */
export function witnessShape(
  record: { durable?: unknown; type?: unknown; arguments?: unknown },
  queue: string,
): QueueShape {
  const args = (record.arguments ?? {}) as Record<string, unknown>;
  const raw = args['x-queue-type'] ?? record.type ?? 'classic';
  const type = typeof raw === 'string' ? raw : JSON.stringify(raw);
  if (type === 'stream')
    throw new Error(
      `queue ${JSON.stringify(queue)} is a stream: a witness queue cannot stand in for it (read-back supports classic and quorum queues)`,
    );
  if (type !== 'classic' && type !== 'quorum')
    throw new Error(
      `queue ${JSON.stringify(queue)} has type ${JSON.stringify(type)}: read-back supports classic and quorum queues`,
    );
  return { durable: record.durable === true, type };
}

function isNotFound(error: unknown): boolean {
  return /NOT_FOUND|404/.test(error instanceof Error ? error.message : String(error));
}

export async function rabbitmqStoreMark(
  deps: WitnessDeps,
  exchange: string,
  options: StoreMarkOptions = {},
): Promise<StoreMark> {
  if (exchange === '' || exchange === 'amq.default')
    throw new Error(
      "the default exchange routes only to the queue its key names, and reading that queue back would consume the service's messages: publish through an exchange the service's queue is bound to",
    );
  const bindingKey = options.bindingKey ?? '#';
  const type = await deps.exchangeType(exchange);
  if (type === 'direct' && options.bindingKey === undefined)
    throw new Error(
      `exchange ${JSON.stringify(exchange)} is a direct exchange: the witness queue needs the exact routing key (bindingKey), '#' matches none`,
    );
  const shape: QueueShape = options.likeQueue
    ? await deps.queueShape(options.likeQueue)
    : { durable: true, type: 'classic' };
  const witness = `gauntlet-witness-${randomUUID()}`;
  const ch = await deps.channel();
  try {
    await ch.assertQueue(witness, {
      durable: shape.durable || shape.type === 'quorum',
      exclusive: false,
      autoDelete: false,
      arguments: { 'x-queue-type': shape.type, 'x-expires': WITNESS_EXPIRES_MS },
    });
    try {
      await ch.bindQueue(witness, exchange, bindingKey);
    } catch (error) {
      await deleteWitness(deps, witness);
      throw isNotFound(error)
        ? new Error(`exchange ${JSON.stringify(exchange)} does not exist: nothing is routed there to read back`)
        : error;
    }
  } finally {
    await ch.close().catch(() => undefined);
  }
  const like = options.likeQueue ? ` declared like ${JSON.stringify(options.likeQueue)}` : '';
  return {
    channel: exchange,
    read: (onEvent, limit) => readWitness(deps, witness, like, onEvent, limit),
    release: () => deleteWitness(deps, witness),
  };
}

async function readWitness(
  deps: WitnessDeps,
  witness: string,
  like: string,
  onEvent: (event: ObservedEvent) => void,
  limit: number,
): Promise<{ count: number; gone?: string }> {
  const ch = await deps.channel();
  try {
    let ready: number;
    try {
      ready = (await ch.checkQueue(witness)).messageCount;
    } catch (error) {
      if (!isNotFound(error)) throw error;
      return {
        count: 0,
        gone: `the witness queue${like} no longer exists: the broker did not keep it (a queue that is not durable does not survive a restart)`,
      };
    }
    const wanted = Math.min(ready, limit);
    if (wanted === 0) return { count: 0 };
    let count = 0;
    // Taken without acknowledgement: if the read fails half-way, closing the channel returns them all, and a retry
    // reads them again.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read-back of the witness queue got ${count} of ${wanted} messages within 30 s`)),
        READ_TIMEOUT_MS,
      );
      ch.on('close', () => {
        clearTimeout(timer);
        reject(new Error('the connection closed while the witness queue was read back'));
      });
      ch.consume(
        witness,
        (msg) => {
          if (!msg || count >= wanted) return;
          count += 1;
          onEvent(deps.toEvent(msg));
          if (count >= wanted) {
            clearTimeout(timer);
            resolve();
          }
        },
        { noAck: false },
      ).catch((error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      });
    });
    return { count };
  } finally {
    await ch.close().catch(() => undefined);
  }
}

async function deleteWitness(deps: WitnessDeps, witness: string): Promise<void> {
  const ch = await deps.channel();
  try {
    await ch.deleteQueue(witness);
  } catch {
    // Already gone (expired, or lost with a transient queue's node restart): nothing left to remove.
  } finally {
    await ch.close().catch(() => undefined);
  }
}
