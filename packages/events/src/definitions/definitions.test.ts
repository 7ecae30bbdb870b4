import { describe, expect, it } from 'vitest';
import { brokerSecrets, readBrokers } from './brokers.js';
import { readEventFault, defaultSeed } from './faults.js';
import { readEventProbe } from './probes.js';

const at = (value: unknown) => ({ origin: 'exp.yaml', path: 'spec.steadyState.probes[0].event', value });

describe('brokers input', () => {
  it('reads named NATS, RabbitMQ and Kafka connections', () => {
    const brokers = readBrokers(`
orders: { kind: nats, url: "nats://127.0.0.1:4222", token: s3cr3t-token }
rabbit: { kind: rabbitmq, url: "amqp://127.0.0.1:5672", managementUrl: "http://127.0.0.1:15672", user: ci, password: hunter2 }
events: { kind: kafka, brokers: [ "127.0.0.1:9092" ], sasl: { mechanism: plain, username: ci, password: p4ss } }
`);
    expect([...brokers.keys()]).toEqual(['orders', 'rabbit', 'events']);
    expect(brokers.get('orders')).toEqual({ kind: 'nats', url: 'nats://127.0.0.1:4222', token: 's3cr3t-token' });
    expect(brokers.get('events')).toMatchObject({ kind: 'kafka', sasl: { password: 'p4ss' } });
    expect(readBrokers(undefined).size).toBe(0);
  });

  it('finds every credential before parsing, valid or not, and the whole text when it is not YAML', () => {
    expect(
      brokerSecrets(
        `a: { kind: nats, url: "nats://u:pa%24s@h:4222", password: [nope], token: 12345 }\nb: { pass: x1 }`,
      ),
    ).toEqual(expect.arrayContaining(['pa%24s', 'pa$s', '12345', 'x1']));
    expect(brokerSecrets('a: [unclosed')).toEqual(['a: [unclosed']);
    expect(brokerSecrets('')).toEqual([]);
  });

  it('refuses credentials inside a URL without echoing them, and bad names, kinds and keys by path', () => {
    const withUserinfo = () => readBrokers('a: { kind: rabbitmq, url: "amqp://ci:topsecret@h:5672" }');
    expect(withUserinfo).toThrow(/input brokers: a\.url: holds a user or password/);
    expect(withUserinfo).not.toThrow(/topsecret/);
    expect(() => readBrokers('a: { kind: nats, url: "nats://h:4222", password: [topsecret] }')).not.toThrow(
      /topsecret/,
    );
    expect(() => readBrokers('A_b: { kind: nats, url: "nats://h:4222" }')).toThrow(/A_b: a broker name/);
    expect(() => readBrokers('a: { kind: mqtt }')).toThrow(/a\.kind: .*nats, rabbitmq, kafka/);
    expect(() => readBrokers('a: { kind: nats, url: "nats://h:4222", passwd: x }')).toThrow(
      /a\.passwd: unknown field; did you mean 'password'/,
    );
    expect(() => readBrokers('a: { kind: kafka, brokers: ["h:9092; rm -rf /"] }')).toThrow(/expected host:port/);
    expect(() => readBrokers('a: { kind: nats, url: "http://h:4222" }')).toThrow(/expected a nats: or tls: URL/);
    expect(() => readBrokers('a: [unclosed\n  password: topsecret')).not.toThrow(/topsecret/);
  });
});

describe('event probes', () => {
  const count = {
    count: {
      publish: { channel: 'orders.in', body: { orderId: '{{correlationId}}', seq: '{{seq}}' } },
      total: 50,
      keys: 2,
      processed: { channel: 'orders.processed', correlation: { payload: '/orderId' } },
      order: { key: { payload: '/key' }, seq: { payload: '/seq' } },
      timeout: '10s',
    },
  };

  it('reads a count probe, the broker defaulting to the only one', () => {
    const def = readEventProbe(at(count), 'exactly-once', ['orders']);
    expect(def).toMatchObject({
      broker: 'orders',
      kind: 'count',
      spec: { name: 'exactly-once', total: 50, keys: 2, timeoutMs: 10_000, processed: { channel: 'orders.processed' } },
    });
  });

  it('reads expect, expect-none, sequence, dead-letters, lag and acknowledged', () => {
    const b = ['main'];
    expect(
      readEventProbe(
        at({
          expect: {
            publish: { channel: 'o.in', headers: { 'x-id': '{{correlationId}}' } },
            channel: 'o.out',
            correlation: { header: 'x-id' },
            filter: { payload: { '/status': 'ok', '/n': { regex: '^[0-9]+$' } } },
            timeout: '2s',
          },
        }),
        'p',
        b,
      ),
    ).toMatchObject({ kind: 'expect', spec: { expect: { channel: 'o.out' }, timeoutMs: 2_000 } });
    expect(readEventProbe(at({ 'expect-none': { channel: 'o.dlq', timeout: '1s' } }), 'p', b).spec).toMatchObject({
      none: true,
    });
    expect(
      readEventProbe(
        at({
          sequence: {
            trigger: { channel: 'o.in' },
            correlation: { payload: '/orderId' },
            steps: [
              { name: 'reserved', channel: 'inv.reserved' },
              { name: 'released', channel: 'inv.released', after: 'reserved', compensation: true },
            ],
            timeout: '5s',
          },
        }),
        'saga',
        b,
      ).kind,
    ).toBe('sequence');
    expect(readEventProbe(at({ 'dead-letters': { channel: 'o.dlq', max: 0 } }), 'p', b).kind).toBe('dead-letters');
    expect(
      readEventProbe(
        at({ lag: { consumer: { 'jetstream-consumer': { stream: 'S', consumer: 'c' } }, maxMessages: 100 } }),
        'p',
        b,
      ).spec,
    ).toMatchObject({ consumer: { kind: 'jetstream-consumer', stream: 'S' }, maxMessages: 100 });
    const ack = {
      publish: { channel: 'orders.in', headers: { 'x-id': '{{correlationId}}' }, body: { n: '{{index}}' } },
      correlation: { header: 'x-id' },
      total: 60,
      rate: 20,
      recoveryTimeout: '20s',
      store: { likeQueue: 'orders.svc', bindingKey: 'eu.#' },
    };
    expect(readEventProbe(at({ acknowledged: ack }), 'acked', b)).toEqual({
      broker: 'main',
      kind: 'acknowledged',
      spec: {
        name: 'acked',
        publish: { channel: 'orders.in', headers: { 'x-id': '{{correlationId}}' }, body: { n: '{{index}}' } },
        correlation: { header: 'x-id' },
        total: 60,
        ratePerSecond: 20,
        recoveryTimeoutMs: 20_000,
        store: { likeQueue: 'orders.svc', bindingKey: 'eu.#' },
      },
    });
    expect(() => readEventProbe(at({ acknowledged: { ...ack, rate: 0 } }), 'p', b)).toThrow(/acknowledged\.rate/);
    expect(() => readEventProbe(at({ acknowledged: { ...ack, stor: {} } }), 'p', b)).toThrow(
      /acknowledged\.stor: unknown field; did you mean 'store'/,
    );
  });

  it('errors name the file, the path and what to write', () => {
    expect(() => readEventProbe(at({ cuont: {} }), 'p', ['a'])).toThrow(
      /exp\.yaml: spec\.steadyState\.probes\[0\]\.event\.cuont: unknown field; did you mean 'count'/,
    );
    expect(() => readEventProbe(at(count), 'p', [])).toThrow(/needs a broker: give chaos-gate the brokers input/);
    expect(() => readEventProbe(at(count), 'p', ['a', 'b'])).toThrow(/name the broker \(broker: one of a, b\)/);
    expect(() => readEventProbe(at({ ...count, broker: 'c' }), 'p', ['a'])).toThrow(/no broker named 'c'/);
    const badTemplate = { count: { ...count.count, publish: { channel: 'x', body: '{{orderid}}' } } };
    expect(() => readEventProbe(at(badTemplate), 'p', ['a'])).toThrow(
      /count\.publish: unknown placeholder \{\{orderid\}\}/,
    );
    expect(() =>
      readEventProbe(at({ expect: { channel: 'o', publish: { channel: 'i' }, timeout: '1s' } }), 'p', ['a']),
    ).toThrow(/expect\.correlation: is required with publish/);
    expect(() => readEventProbe(at({ expect: { channel: 'a b', timeout: '1s' } }), 'p', ['a'])).toThrow(
      /expect\.channel: a channel name has no spaces/,
    );
    expect(() =>
      readEventProbe(
        at({ expect: { channel: 'o', filter: { payload: { '/a': { regex: '(' } } }, timeout: '1s' } }),
        'p',
        ['a'],
      ),
    ).toThrow(/regex: not a regular expression/);
    expect(() => readEventProbe(at({ lag: { consumer: { 'rabbitmq-queue': 'q' } } }), 'p', ['a'])).toThrow(
      /needs maxMessages or maxTime/,
    );
    expect(() => readEventProbe(at({ count: { ...count.count, total: 2_000_000 } }), 'p', ['a'])).toThrow(/total/);
  });
});

describe('event faults', () => {
  const f = (value: unknown) => ({ origin: 'exp.yaml', path: 'spec.steps[0].faults[0].event', value });

  it('reads a producer fault with a seed derived from its name, and a relay', () => {
    const producer = readEventFault(f({ producer: { channels: 'orders.in', duplicate: '30%' } }), 'e/s1f1', ['m']);
    expect(producer).toEqual({
      broker: 'm',
      kind: 'producer',
      spec: { name: 'e/s1f1', channels: ['orders.in'], faults: { duplicate: 0.3 }, seed: defaultSeed('e/s1f1') },
    });
    const relay = readEventFault(
      f({ relay: { from: { channel: 'raw' }, to: { channel: 'in' }, drop: 5, reorderWindow: 8, seed: 7 } }),
      'e/s1f1',
      ['m'],
    );
    expect(relay.spec).toMatchObject({ faults: { drop: 0.05, reorderWindow: 8 }, seed: 7 });
  });

  it('refuses a fault that does nothing, feeds itself, or malforms without its field', () => {
    expect(() => readEventFault(f({ producer: { channels: ['x'] } }), 'n', ['m'])).toThrow(
      /event\.producer: a data fault needs at least one of duplicate/,
    );
    expect(() =>
      readEventFault(f({ relay: { from: { channel: 'a' }, to: { channel: 'a' }, drop: 1 } }), 'n', ['m']),
    ).toThrow(/to\.channel: the relay must write another channel/);
    expect(() =>
      readEventFault(f({ producer: { channels: ['x'], malformed: 10, malformations: ['wrong-type'] } }), 'n', ['m']),
    ).toThrow(/need field/);
    expect(() => readEventFault(f({ producer: { channels: ['x'], duplicate: 150 } }), 'n', ['m'])).toThrow(
      /percentage from 0 to 100/,
    );
    expect(() => readEventFault(f({ producer: { channels: ['x'], drop: 1 }, relay: {} }), 'n', ['m'])).toThrow(
      /exactly one of producer, relay/,
    );
  });
});
