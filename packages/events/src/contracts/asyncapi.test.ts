import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAsyncApi } from './asyncapi.js';
import { schemaMalformations } from './malformations.js';
import { ContractValidator } from './validate.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const event = (channel: string, body: unknown) => ({
  channel,
  headers: {},
  body: new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body)),
  receivedAt: 0,
});

describe.each(['orders-2.6.yaml', 'orders-3.0.yaml'])('AsyncAPI %s', (file) => {
  const contract = parseAsyncApi(fixture(file), file);

  it('reads the operation the application receives, from its own side, with its examples', () => {
    const op = contract.operations.find((o) => o.name === 'receiveOrder');
    expect(op?.action).toBe('receive');
    expect(op?.channel).toBe('orders.in');
    expect(op?.messages[0]?.examples).toEqual([{ orderId: 'o-1', amount: 10, currency: 'EUR' }]);
  });

  it('validates observed messages, naming the pointer that failed', () => {
    const v = new ContractValidator(contract);
    expect(v.check(event('orders.in', { orderId: 'a', amount: 3 })).ok).toBe(true);
    const bad = v.check(event('orders.in', { orderId: 'a', amount: 'x' }));
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems.join()).toMatch(/\/amount must be number/);
    const notJson = v.check(event('orders.in', '{'));
    expect(!notJson.ok && notJson.problems[0]).toMatch(/not JSON/);
    const unknown = v.check(event('elsewhere', {}));
    expect(!unknown.ok && unknown.problems[0]).toMatch(/declares no message for elsewhere/);
  });

  it('derives malformed payloads from the schema, each of which the validator rejects', () => {
    const op = contract.operations.find((o) => o.name === 'receiveOrder')!;
    const cases = schemaMalformations(op.messages[0]!.payload, op.messages[0]!.examples[0]);
    expect(cases.map((c) => `${c.kind} ${c.path}`)).toEqual([
      'missing-field /orderId',
      'missing-field /amount',
      'wrong-type /orderId',
      'wrong-type /amount',
      'wrong-type /currency',
      'enum-out-of-range /currency',
    ]);
    const v = new ContractValidator(contract);
    for (const c of cases) expect(v.check(event('orders.in', c.payload)).ok, `${c.kind} ${c.path}`).toBe(false);
  });
});

describe('AsyncAPI errors name what is not supported', () => {
  it.each([
    ['asyncapi: 1.2.0\n', /version "1.2.0" is not supported/],
    [
      'asyncapi: 2.6.0\nchannels:\n  a:\n    publish:\n      message: { $ref: "other.yaml#/x" }\n',
      /remote \$ref "other.yaml#\/x"/,
    ],
    [
      'asyncapi: 2.6.0\nchannels:\n  a:\n    publish:\n      message: { $ref: "#/components/messages/Nope" }\n',
      /points at nothing/,
    ],
    [
      'asyncapi: 2.6.0\nchannels:\n  a:\n    publish:\n      message: { schemaFormat: application/vnd.apache.avro;version=1.9.0, payload: {} }\n',
      /channels.a.publish.message.payload: schema format application\/vnd.apache.avro;version=1.9.0 is not supported/,
    ],
    [
      'asyncapi: 3.0.0\noperations:\n  x: { action: send, channel: { $ref: "#/channels/none" } }\n',
      /operations.x.channel: must be a \$ref/,
    ],
    ['asyncapi: 2.6.0\nx: &a [*a]\n', /./],
  ])('%#', (text, message) => {
    expect(() => parseAsyncApi(text, 'doc.yaml')).toThrow(message);
  });
});
