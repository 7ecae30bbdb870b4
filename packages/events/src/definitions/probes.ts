/**
 * An `event:` probe of a chaos experiment, read into the spec of one of this package's probes:
 *
 * ```yaml
 * - name: exactly-once
 *   event:
 *     broker: orders            # one of the brokers input's names; may be left out when there is one broker
 *     count:                    # or expect, expect-none, sequence, dead-letters, lag, acknowledged
 *       publish: { channel: orders.in, body: { orderId: "{{correlationId}}", key: "{{key}}", seq: "{{seq}}" } }
 *       total: 50
 *       processed: { channel: orders.processed, correlation: { payload: /orderId } }
 *       timeout: 10s
 * ```
 */
import type { ConsumerRef } from '../brokers/client.js';
import { MAX_ACKNOWLEDGED_TOTAL, type AcknowledgedDeliverySpec } from '../probes/acknowledged.js';
import { MAX_COUNT, type CountSpec } from '../probes/count.js';
import type { ExpectSpec } from '../probes/expect.js';
import type { SequenceSpec, SequenceStep } from '../probes/sequence.js';
import type { DeadLetterSpec, LagSpec } from '../probes/watchers.js';
import { fieldOf, type DefinitionSource, type Field } from './field.js';
import { channel, filter, location, template } from './parts.js';

export const EVENT_PROBE_KINDS = [
  'expect',
  'expect-none',
  'count',
  'sequence',
  'dead-letters',
  'lag',
  'acknowledged',
] as const;
export type EventProbeKind = (typeof EVENT_PROBE_KINDS)[number];

export type EventProbeDefinition = { readonly broker: string } & (
  | { readonly kind: 'expect' | 'expect-none'; readonly spec: ExpectSpec }
  | { readonly kind: 'count'; readonly spec: CountSpec }
  | { readonly kind: 'sequence'; readonly spec: SequenceSpec }
  | { readonly kind: 'dead-letters'; readonly spec: DeadLetterSpec }
  | { readonly kind: 'lag'; readonly spec: LagSpec }
  | { readonly kind: 'acknowledged'; readonly spec: AcknowledgedDeliverySpec }
);

const MAX_TIMEOUT_MS = 10 * 60_000;

/** The broker a definition names, or the only one there is. */
export function brokerOf(field: Field, brokers: readonly string[]): string {
  const b = field.child('broker');
  if (!b.present) {
    if (brokers.length === 1) return brokers[0]!;
    return field.fail(
      brokers.length === 0
        ? 'an event probe or fault needs a broker: give chaos-gate the brokers input'
        : `name the broker (broker: one of ${brokers.join(', ')})`,
    );
  }
  const name = b.string();
  if (!brokers.includes(name))
    b.fail(`no broker named '${name}' in the brokers input (brokers: ${brokers.join(', ') || 'none'})`);
  return name;
}

function timeout(field: Field, fallback?: number): number {
  const t = field.child('timeout');
  if (!t.present && fallback !== undefined) return fallback;
  return t.required().durationMs({ maxMs: MAX_TIMEOUT_MS });
}

function tapOf(field: Field): { channel: string; bindingKey?: string } {
  const bindingKey = field.child('bindingKey').optionalString();
  return { channel: channel(field.child('channel')), ...(bindingKey !== undefined ? { bindingKey } : {}) };
}

export function readEventProbe(
  source: DefinitionSource,
  name: string,
  brokers: readonly string[],
): EventProbeDefinition {
  const field = fieldOf(source);
  field.onlyKeys(['broker', ...EVENT_PROBE_KINDS]);
  const kinds = EVENT_PROBE_KINDS.filter((k) => field.child(k).present);
  if (kinds.length !== 1) field.fail(`an event probe needs exactly one of ${EVENT_PROBE_KINDS.join(', ')}`);
  const kind = kinds[0]!;
  const broker = brokerOf(field, brokers);
  const body = field.child(kind);
  switch (kind) {
    case 'expect':
    case 'expect-none': {
      body.onlyKeys(['publish', 'channel', 'bindingKey', 'filter', 'correlation', 'count', 'timeout']);
      const f = filter(body.child('filter'));
      const count = body.child('count');
      if (kind === 'expect-none' && count.present) count.fail('expect-none expects no event; count does not apply');
      const publish = body.child('publish');
      const correlation = body.child('correlation');
      if (publish.present && !correlation.present)
        correlation.fail("is required with publish: where the expected event carries the trigger's correlation id");
      return {
        broker,
        kind,
        spec: {
          name,
          ...(publish.present ? { publish: template(publish) } : {}),
          expect: {
            ...tapOf(body),
            ...(f ? { filter: f } : {}),
            ...(correlation.present ? { correlation: location(correlation) } : {}),
            ...(count.present ? { count: count.integer(1, 10_000) } : {}),
          },
          timeoutMs: timeout(body),
          ...(kind === 'expect-none' ? { none: true } : {}),
        },
      };
    }
    case 'count': {
      body.onlyKeys(['publish', 'total', 'keys', 'concurrency', 'processed', 'order', 'timeout', 'settle']);
      const processed = body.child('processed').required();
      processed.onlyKeys(['channel', 'bindingKey', 'filter', 'correlation']);
      const f = filter(processed.child('filter'));
      const order = body.child('order');
      if (order.present) order.onlyKeys(['key', 'seq']);
      const keys = body.child('keys');
      const concurrency = body.child('concurrency');
      const settle = body.child('settle');
      return {
        broker,
        kind,
        spec: {
          name,
          publish: template(body.child('publish')),
          total: body.child('total').required().integer(1, MAX_COUNT),
          ...(keys.present ? { keys: keys.integer(1, 10_000) } : {}),
          ...(concurrency.present ? { concurrency: concurrency.integer(1, 1_000) } : {}),
          processed: {
            ...tapOf(processed),
            ...(f ? { filter: f } : {}),
            correlation: location(processed.child('correlation')),
          },
          ...(order.present ? { order: { key: location(order.child('key')), seq: location(order.child('seq')) } } : {}),
          timeoutMs: timeout(body),
          ...(settle.present ? { settleMs: settle.durationMs({ allowZero: true, maxMs: 60_000 }) } : {}),
        },
      };
    }
    case 'sequence': {
      body.onlyKeys(['trigger', 'correlation', 'steps', 'ordered', 'timeout']);
      const timeoutMs = timeout(body);
      const stepsField = body.child('steps').required();
      const steps: SequenceStep[] = stepsField.items().map((s) => {
        s.onlyKeys(['name', 'channel', 'bindingKey', 'filter', 'timeout', 'after', 'compensation', 'forbidden']);
        const f = filter(s.child('filter'));
        const after = s.child('after');
        return {
          name: s.child('name').required().string(),
          ...tapOf(s),
          ...(f ? { filter: f } : {}),
          ...(s.child('timeout').present ? { timeoutMs: timeout(s) } : {}),
          ...(after.present ? { after: after.itemsOrOne().map((a) => a.string()) } : {}),
          ...(s.child('compensation').present ? { compensation: s.child('compensation').boolean() } : {}),
          ...(s.child('forbidden').present ? { forbidden: s.child('forbidden').boolean() } : {}),
        };
      });
      if (steps.length === 0) stepsField.fail('a sequence needs at least one step');
      const names = steps.map((s) => s.name);
      steps.forEach((s, i) => {
        if (names.indexOf(s.name) !== i) stepsField.items()[i]!.child('name').fail(`two steps are named '${s.name}'`);
        for (const a of s.after ?? [])
          if (!names.includes(a)) stepsField.items()[i]!.child('after').fail(`no step named '${a}'`);
      });
      const ordered = body.child('ordered');
      return {
        broker,
        kind,
        spec: {
          name,
          trigger: template(body.child('trigger')),
          correlation: location(body.child('correlation')),
          steps,
          ...(ordered.present ? { ordered: ordered.boolean() } : {}),
          timeoutMs,
        },
      };
    }
    case 'dead-letters': {
      body.onlyKeys(['channel', 'bindingKey', 'filter', 'max']);
      const f = filter(body.child('filter'));
      const max = body.child('max');
      return {
        broker,
        kind,
        spec: {
          name,
          ...tapOf(body),
          ...(f ? { filter: f } : {}),
          ...(max.present ? { max: max.integer(0, 1e9) } : {}),
        },
      };
    }
    case 'acknowledged':
      return acknowledged(broker, name, body);
    case 'lag': {
      body.onlyKeys(['consumer', 'maxMessages', 'maxTime', 'interval', 'requireConsumer', 'afterFaults']);
      const maxMessages = body.child('maxMessages');
      const maxTime = body.child('maxTime');
      if (!maxMessages.present && !maxTime.present) body.fail('a lag probe needs maxMessages or maxTime (its bound)');
      const interval = body.child('interval');
      const require = body.child('requireConsumer');
      const afterFaults = body.child('afterFaults');
      return {
        broker,
        kind,
        spec: {
          name,
          consumer: consumer(body.child('consumer').required()),
          ...(maxMessages.present ? { maxMessages: maxMessages.integer(0, 1e12) } : {}),
          ...(maxTime.present ? { maxTimeMs: maxTime.durationMs({ allowZero: true, maxMs: 86_400_000 }) } : {}),
          ...(interval.present ? { intervalMs: interval.durationMs({ maxMs: 600_000 }) } : {}),
          ...(require.present ? { requireConsumer: require.boolean() } : {}),
          ...(afterFaults.present ? { afterFaults: afterFaults.boolean() } : {}),
        },
      };
    }
  }
}

/**
 * Acknowledged delivery as a steady state: each observation publishes `total` messages at `rate` per second and
 * reads back what the broker stores since a mark taken before the first; an acknowledged message that is gone
 * fails `acknowledged-loss` (unacknowledged publishes may be lost: the producer was told).
 */
function acknowledged(broker: string, name: string, body: Field): EventProbeDefinition {
  body.onlyKeys(['publish', 'correlation', 'total', 'rate', 'publishTimeout', 'recoveryTimeout', 'store']);
  const publishTimeout = body.child('publishTimeout');
  const recoveryTimeout = body.child('recoveryTimeout');
  const store = body.child('store');
  if (store.present) store.onlyKeys(['bindingKey', 'likeQueue']);
  const bindingKey = store.present ? store.child('bindingKey').optionalString() : undefined;
  const likeQueue = store.present && store.child('likeQueue').present ? channel(store.child('likeQueue')) : undefined;
  return {
    broker,
    kind: 'acknowledged',
    spec: {
      name,
      publish: template(body.child('publish')),
      correlation: location(body.child('correlation')),
      total: body.child('total').required().integer(1, MAX_ACKNOWLEDGED_TOTAL),
      ratePerSecond: body.child('rate').required().integer(1, 10_000),
      ...(publishTimeout.present ? { publishTimeoutMs: publishTimeout.durationMs({ maxMs: 60_000 }) } : {}),
      ...(recoveryTimeout.present ? { recoveryTimeoutMs: recoveryTimeout.durationMs({ maxMs: MAX_TIMEOUT_MS }) } : {}),
      ...(bindingKey !== undefined || likeQueue !== undefined
        ? {
            store: {
              ...(bindingKey !== undefined ? { bindingKey } : {}),
              ...(likeQueue !== undefined ? { likeQueue } : {}),
            },
          }
        : {}),
    },
  };
}

/** `{ kafka-group: {group, topic} }`, `{ rabbitmq-queue: name }` or `{ jetstream-consumer: {stream, consumer} }`. */
function consumer(field: Field): ConsumerRef {
  field.onlyKeys(['kafka-group', 'rabbitmq-queue', 'jetstream-consumer']);
  const given = field.keys();
  if (given.length !== 1) field.fail('give exactly one of kafka-group, rabbitmq-queue, jetstream-consumer');
  const body = field.child(given[0]!);
  switch (given[0]) {
    case 'kafka-group':
      body.onlyKeys(['group', 'topic']);
      return {
        kind: 'kafka-group',
        group: body.child('group').required().string(),
        topic: channel(body.child('topic')),
      };
    case 'rabbitmq-queue':
      return { kind: 'rabbitmq-queue', queue: channel(body) };
    default:
      body.onlyKeys(['stream', 'consumer']);
      return {
        kind: 'jetstream-consumer',
        stream: body.child('stream').required().string(),
        consumer: body.child('consumer').required().string(),
      };
  }
}
