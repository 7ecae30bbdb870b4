/**
 * The event model every probe, fault and broker adapter shares. A message's payload and headers come from the
 * system under test: they are untrusted text everywhere (see report.ts), and nothing here interprets them beyond
 * JSON parsing and filter matching.
 */
export type BrokerKind = 'nats' | 'rabbitmq' | 'kafka' | 'memory';

/** A message seen on a channel (a NATS subject, a RabbitMQ exchange or queue, a Kafka topic). */
export interface ObservedEvent {
  channel: string;
  /** Kafka record key, RabbitMQ routing key, NATS subject. */
  key?: string;
  headers: Record<string, string>;
  body: Uint8Array;
  /** Clock time (ms) the harness received it. */
  receivedAt: number;
  /**
   * When the broker says the message was written (Kafka record timestamp). Separate taps receive on separate
   * connections, so the order across channels is judged by this where the broker gives it.
   */
  brokerTime?: number;
  /** Broker-side position, when there is one: Kafka partition/offset, JetStream stream sequence. */
  partition?: number;
  offset?: string;
  /** True when the broker says this is a redelivery (RabbitMQ redelivered, JetStream delivery count > 1). */
  redelivered?: boolean;
}

/** What a probe or a relay publishes. */
export interface OutgoingEvent {
  channel: string;
  key?: string;
  headers?: Record<string, string>;
  body: Uint8Array | string;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

export function bodyText(e: Pick<ObservedEvent, 'body'>): string {
  return decoder.decode(e.body);
}

export type ParsedBody = { ok: true; value: unknown } | { ok: false; error: string };

/** Parses a body as JSON once per event (cached), never throwing. */
const parsed = new WeakMap<object, ParsedBody>();
export function bodyJson(e: Pick<ObservedEvent, 'body'>): ParsedBody {
  const hit = parsed.get(e);
  if (hit) return hit;
  let result: ParsedBody;
  try {
    result = { ok: true, value: JSON.parse(bodyText(e)) as unknown };
  } catch (err) {
    result = { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  parsed.set(e, result);
  return result;
}

export function toBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === 'string' ? new TextEncoder().encode(body) : body;
}
