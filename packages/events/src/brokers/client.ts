/**
 * The seam between probes/faults and a broker. One implementation per broker family (nats.ts, rabbitmq.ts,
 * kafka.ts, each loading its npm client lazily) and an in-memory one in testing/. Probes take a client as an
 * argument; they never construct one.
 */
import type { BrokerKind, ObservedEvent, OutgoingEvent } from '../model.js';

export interface Tap {
  readonly channel: string;
  close(): Promise<void>;
}

export interface TapOptions {
  /**
   * RabbitMQ only: tap a queue's traffic by binding to the exchange that feeds it (default: the channel names an
   * exchange, `key` its routing key pattern). Never consumes from the service's own queue.
   */
  bindingKey?: string;
}

/** Where the service's consumer lives, for lag and "is it subscribed" checks. */
export type ConsumerRef =
  | { kind: 'kafka-group'; group: string; topic: string }
  | { kind: 'rabbitmq-queue'; queue: string }
  | { kind: 'jetstream-consumer'; stream: string; consumer: string };

export interface LagReading {
  /** Messages the consumer has not processed (Kafka end−committed, RabbitMQ ready+unacked, JetStream pending+ack pending). */
  messages: number;
  /** How far behind in time, and how that was measured (exact age of the oldest pending message, or an estimate). */
  timeMs?: number;
  timeMethod?: 'oldest-pending-message' | 'rate-estimate';
  /** Consumers attached (RabbitMQ consumers, Kafka group members, JetStream 1 if the consumer exists). */
  consumers: number;
  at: number;
}

/**
 * A position in what the broker stores for a channel, taken before publishing. `read` later gives every message
 * stored there since the mark, however often the broker restarted or the client reconnected meanwhile: what a
 * fault left of the acknowledged messages.
 */
export interface StoreMark {
  readonly channel: string;
  /**
   * Calls onEvent for each stored message since the mark, up to `limit`. `gone` says why nothing can be stored any
   * more (the stream that held the channel no longer exists): everything since the mark is lost, not unreadable.
   */
  read(onEvent: (event: ObservedEvent) => void, limit: number): Promise<{ count: number; gone?: string }>;
  /** Removes what the mark created in the broker (RabbitMQ's witness queue); read cannot be called after it. */
  release?(): Promise<void>;
}

/** How a store mark finds what the broker stores for a channel (RabbitMQ only; other brokers ignore it). */
export interface StoreMarkOptions {
  /**
   * RabbitMQ: the routing key pattern the witness queue is bound with (default `#`, every key of a topic
   * exchange; a direct exchange needs the exact key).
   */
  bindingKey?: string;
  /**
   * RabbitMQ: the queue the service reads. The witness is declared like it (durable or not, classic or quorum,
   * from the management API), so it keeps across a broker restart what that queue keeps.
   */
  likeQueue?: string;
}

export interface BrokerClient {
  readonly kind: BrokerKind;
  /** Where it points, with credentials removed: safe for logs and reports. */
  readonly target: string;
  /**
   * Publishes and resolves when the broker has accepted the message (JetStream PubAck, a publisher confirm,
   * Kafka acks from all in-sync replicas). Core NATS subjects without a stream resolve after a flush.
   */
  publish(event: OutgoingEvent): Promise<void>;
  /**
   * Starts observing `channel`: resolves only once the subscription is provably live (NATS SUB flushed,
   * RabbitMQ tap queue bound, Kafka partitions assigned and positioned at the end offsets read before), so
   * anything published after the promise resolves is seen.
   */
  tap(channel: string, onEvent: (event: ObservedEvent) => void, options?: TapOptions): Promise<Tap>;
  /**
   * Makes sure a channel can be published to: a durable topic exchange on RabbitMQ, a topic on Kafka, nothing on
   * NATS. For set-up of test systems and relays; probes never create anything in a user's broker.
   */
  ensureChannel(channel: string): Promise<void>;
  /**
   * Marks the current end of what the broker stores for `channel` (NATS: the JetStream stream that stores the
   * subject; Kafka: every partition's end offset; RabbitMQ: a witness queue of our own bound to the exchange,
   * deleted by `release`). Brokers (or channels) that store nothing to read back throw, naming why.
   */
  storeMark(channel: string, options?: StoreMarkOptions): Promise<StoreMark>;
  /** The service consumer's lag, read now. */
  lag(consumer: ConsumerRef): Promise<LagReading>;
  /** Throws with a clear message when the broker cannot be reached (checked before anything is published). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
