/**
 * A `type: event` fault of a chaos experiment, read into one of this package's data faults:
 *
 * ```yaml
 * - type: event
 *   duration: 30s
 *   event:
 *     broker: orders
 *     producer: { channels: [orders.in], duplicate: 30%, seed: 7 }                 # the probes' own publishes
 *     # or relay: { from: { channel: orders.raw }, to: { channel: orders.in }, drop: 5%, reorderWindow: 8 }
 * ```
 *
 * The seed defaults to one derived from the experiment and fault, so a re-run alters the same messages.
 */
import { createHash } from 'node:crypto';
import type { RelaySpec } from '../chaos/relay.js';
import type { ProducerFaultSpec } from '../chaos/producer-fault.js';
import { fieldOf, type DefinitionSource, type Field } from './field.js';
import { channel, location, mix, MIX_KEYS } from './parts.js';
import { brokerOf } from './probes.js';

export type EventFaultDefinition = { readonly broker: string } & (
  { readonly kind: 'producer'; readonly spec: ProducerFaultSpec } | { readonly kind: 'relay'; readonly spec: RelaySpec }
);

const KINDS = ['producer', 'relay'] as const;

export function defaultSeed(name: string): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0);
}

function seedOf(field: Field, name: string): number {
  const s = field.child('seed');
  return s.present ? s.integer(0, 2 ** 32 - 1) : defaultSeed(name);
}

/** `name` names the fault in journals and in the default seed (experiment/fault id). */
export function readEventFault(
  source: DefinitionSource,
  name: string,
  brokers: readonly string[],
): EventFaultDefinition {
  const field = fieldOf(source);
  field.onlyKeys(['broker', ...KINDS]);
  const kinds = KINDS.filter((k) => field.child(k).present);
  if (kinds.length !== 1) field.fail(`an event fault needs exactly one of ${KINDS.join(', ')}`);
  const broker = brokerOf(field, brokers);
  const body = field.child(kinds[0]!);
  const id = body.child('id');
  if (kinds[0] === 'producer') {
    body.onlyKeys(['channels', 'seed', 'id', ...MIX_KEYS]);
    const channelsField = body.child('channels').required();
    const channels = channelsField.itemsOrOne().map(channel);
    if (channels.length === 0) channelsField.fail('name at least one channel');
    return {
      broker,
      kind: 'producer',
      spec: {
        name,
        channels,
        faults: mix(body),
        seed: seedOf(body, name),
        ...(id.present ? { id: location(id) } : {}),
      },
    };
  }
  body.onlyKeys(['from', 'to', 'seed', 'id', ...MIX_KEYS]);
  const from = body.child('from').required().onlyKeys(['channel', 'bindingKey']);
  const to = body.child('to').required().onlyKeys(['channel', 'key']);
  const bindingKey = from.child('bindingKey').optionalString();
  const key = to.child('key').optionalString();
  const spec: RelaySpec = {
    name,
    from: { channel: channel(from.child('channel')), ...(bindingKey !== undefined ? { bindingKey } : {}) },
    to: { channel: channel(to.child('channel')), ...(key !== undefined ? { key } : {}) },
    faults: mix(body),
    seed: seedOf(body, name),
    ...(id.present ? { id: location(id) } : {}),
  };
  if (spec.from.channel === spec.to.channel && spec.from.bindingKey === undefined)
    to.child('channel').fail('the relay must write another channel than it reads (it would feed itself)');
  return { broker, kind: 'relay', spec };
}
