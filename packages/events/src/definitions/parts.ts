/** Readers for the parts event probes and faults share: value locations, filters, publish templates, fault mixes. */
import { MALFORMATIONS, type DataFaultMix, type Malformation } from '../chaos/faults.js';
import type { Condition, FilterSpec } from '../probes/filter.js';
import { parsePointer } from '../probes/json-pointer.js';
import type { ValueLocation } from '../probes/selector.js';
import { PLACEHOLDERS, unknownPlaceholders, type PublishTemplate } from '../probes/template.js';
import type { Field } from './field.js';

const MAX_CHANNEL = 255;

/** A channel name: a NATS subject, a RabbitMQ exchange or queue, a Kafka topic. No spaces or control characters. */
export function channel(field: Field): string {
  const text = field.required().string();
  if (text.length === 0 || text.length > MAX_CHANNEL)
    field.fail(`expected a channel name of 1-${MAX_CHANNEL} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(text)) field.fail('a channel name has no spaces or control characters');
  return text;
}

/** `{ header: x-correlation-id }`, `{ payload: /orderId }` or `{ key: true }` (also the shorthand `key`). */
export function location(field: Field): ValueLocation {
  field.required();
  if (field.value === 'key') return { key: true };
  field.onlyKeys(['header', 'payload', 'key']);
  const given = ['header', 'payload', 'key'].filter((k) => field.child(k).present);
  if (given.length !== 1) field.fail('give exactly one of header, payload (a JSON pointer) or key');
  if (given[0] === 'header') return { header: field.child('header').string() };
  if (given[0] === 'payload') {
    const p = field.child('payload');
    const pointer = p.string();
    try {
      parsePointer(pointer);
    } catch (error) {
      p.fail(error instanceof Error ? error.message : 'not a JSON pointer');
    }
    return { payload: pointer };
  }
  if (field.child('key').boolean() !== true) field.child('key').fail('write key: true (the record or routing key)');
  return { key: true };
}

function condition(field: Field): Condition {
  const v = field.value;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  field.onlyKeys(['regex', 'exists']);
  if (field.child('regex').present) {
    const source = field.child('regex').string();
    try {
      new RegExp(source, 'u');
    } catch (error) {
      field.child('regex').fail(`not a regular expression: ${error instanceof Error ? error.message : ''}`);
    }
    return { regex: source };
  }
  return { exists: field.child('exists').required().boolean() };
}

/** `{ headers: {name: cond}, payload: {pointer: cond}, key: cond }`; every condition must hold. */
export function filter(field: Field): FilterSpec | undefined {
  if (!field.present) return undefined;
  field.onlyKeys(['headers', 'payload', 'key']);
  const out: FilterSpec = {};
  const conditions = (f: Field, pointers: boolean): Record<string, Condition> => {
    const map: Record<string, Condition> = {};
    for (const k of f.keys()) {
      if (pointers) {
        try {
          parsePointer(k);
        } catch {
          f.child(k).fail('a payload condition is keyed by a JSON pointer (/order/id)');
        }
      }
      map[k] = condition(f.child(k));
    }
    return map;
  };
  if (field.child('headers').present) out.headers = conditions(field.child('headers'), false);
  if (field.child('payload').present) out.payload = conditions(field.child('payload'), true);
  if (field.child('key').present) out.key = condition(field.child('key'));
  return out;
}

/** `{ channel, key, headers, body }` with {{correlationId}}, {{index}}, {{key}}, {{seq}}, {{runId}}. */
export function template(field: Field): PublishTemplate {
  field.required().onlyKeys(['channel', 'key', 'headers', 'body']);
  const unknown = unknownPlaceholders(field.value);
  if (unknown.length)
    field.fail(
      `unknown placeholder ${unknown.map((u) => `{{${u}}}`).join(', ')} (known: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')})`,
    );
  const key = field.child('key');
  const headers = field.child('headers');
  const body = field.child('body');
  return {
    channel: channel(field.child('channel')),
    ...(key.present ? { key: key.scalarString() } : {}),
    ...(headers.present ? { headers: headers.stringMap() } : {}),
    ...(body.present ? { body: body.value } : {}),
  };
}

export const MIX_KEYS = ['duplicate', 'drop', 'malformed', 'malformations', 'field', 'reorderWindow', 'delay'];

/** The fault mix: duplicate, drop and malformed as percentages, a reorder window, a delay. Nothing asked is refused. */
export function mix(field: Field): DataFaultMix {
  const fraction = (k: string): number | undefined =>
    field.child(k).present ? field.child(k).percentage() / 100 : undefined;
  const duplicate = fraction('duplicate');
  const drop = fraction('drop');
  const malformed = fraction('malformed');
  const kinds = field.child('malformations');
  const malformations = kinds.present ? kinds.itemsOrOne().map((k) => k.oneOf<Malformation>(MALFORMATIONS)) : undefined;
  const fieldName = field.child('field').optionalString();
  const window = field.child('reorderWindow');
  const delay = field.child('delay');
  const out: DataFaultMix = {
    ...(duplicate !== undefined ? { duplicate } : {}),
    ...(drop !== undefined ? { drop } : {}),
    ...(malformed !== undefined ? { malformed } : {}),
    ...(malformations ? { malformations } : {}),
    ...(fieldName !== undefined ? { field: fieldName } : {}),
    ...(window.present ? { reorderWindow: window.integer(2, 1000) } : {}),
    ...(delay.present ? { delayMs: delay.durationMs({ maxMs: 60_000 }) } : {}),
  };
  if (!(out.duplicate || out.drop || out.malformed || out.reorderWindow || out.delayMs))
    field.fail(`a data fault needs at least one of duplicate, drop, malformed, reorderWindow, delay (above 0)`);
  if (
    out.malformed &&
    (out.malformations ?? MALFORMATIONS).some((m) => m === 'missing-field' || m === 'wrong-type') &&
    !out.field
  )
    field.fail('missing-field and wrong-type malformations need field, the payload property they target');
  if (!out.malformed && (malformations || fieldName !== undefined))
    field.child(malformations ? 'malformations' : 'field').fail('applies only with malformed');
  return out;
}
