/**
 * Event probes and data chaos on the test bed's real NATS (JetStream), RabbitMQ and Kafka, against the sample
 * order system: the correct system passes every probe, and each broken variant fails under its matching data
 * fault with a verdict that names the broken property.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  ContractValidator,
  DataChaosRelay,
  connectBroker,
  parseAsyncApi,
  runContractOperation,
  schemaMalformations,
  watchContract,
  runCount,
  runExpect,
  runSequence,
  watchDeadLetters,
  type BrokerClient,
  type CountSpec,
  type DataFaultMix,
} from '@gauntlet/events';
import { sampleChannels, startSampleSystem, type SampleSystem, type SampleVariant } from '@gauntlet/events/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKER_KINDS, connectTestBroker } from './brokers.js';

const byHeader = { header: 'x-correlation-id' } as const;

describe.each(BROKER_KINDS)('events on %s', (kind) => {
  let client: BrokerClient;
  const systems: SampleSystem[] = [];
  const relays: DataChaosRelay[] = [];

  beforeAll(async () => {
    client = await connectTestBroker(kind);
  }, 120_000);

  afterAll(async () => {
    for (const r of relays) await r.revert();
    for (const s of systems) await s.stop();
    await client?.close();
  });

  async function system(variant: SampleVariant = 'correct'): Promise<SampleSystem> {
    const s = await startSampleSystem(client, sampleChannels(`t${randomUUID().slice(0, 8)}`), variant);
    systems.push(s);
    return s;
  }

  /** A relay from a raw channel (where the test publishes) into the system's input, with the fault mix. */
  async function relayInto(
    s: SampleSystem,
    faults: DataFaultMix,
    seed = 7,
  ): Promise<{ raw: string; relay: DataChaosRelay }> {
    const raw = `${s.channels.input}.raw`;
    await client.ensureChannel(raw);
    const relay = new DataChaosRelay(client, {
      name: 'data-chaos',
      from: { channel: raw },
      to: { channel: s.channels.input },
      faults,
      seed,
      id: { header: 'x-correlation-id' },
    });
    relays.push(relay);
    await relay.inject();
    return { raw, relay };
  }

  const ctx = () => ({ client, runId: `r${randomUUID().slice(0, 6)}` });

  function countSpec(channel: string, processed: string, extra: Partial<CountSpec> = {}): CountSpec {
    return {
      name: 'orders',
      total: 200,
      publish: {
        channel,
        key: '{{key}}',
        headers: { 'x-correlation-id': '{{correlationId}}' },
        body: { orderId: '{{correlationId}}', key: '{{key}}', seq: '{{seq}}', amount: 10 },
      },
      processed: { channel: processed, correlation: byHeader },
      timeoutMs: 15_000,
      ...extra,
    };
  }

  it('publish → expect passes on the correct system, with the latency; expect-none on the DLQ passes', async () => {
    const s = await system();
    const dlq = await watchDeadLetters(ctx(), { name: 'dlq', channel: s.channels.deadLetters });
    const verdict = await runExpect(ctx(), {
      name: 'order-processed',
      publish: {
        channel: s.channels.input,
        headers: { 'x-correlation-id': '{{correlationId}}' },
        body: { orderId: '{{correlationId}}', amount: 5 },
      },
      expect: { channel: s.channels.processed, correlation: byHeader },
      timeoutMs: 10_000,
    });
    expect(verdict.status, verdict.reason).toBe('pass');
    expect(verdict.numbers?.latencyMs).toBeGreaterThanOrEqual(0);
    const none = await runExpect(ctx(), {
      name: 'no-dead-letter',
      expect: { channel: s.channels.deadLetters },
      timeoutMs: 500,
      none: true,
    });
    expect(none.status, none.reason).toBe('pass');
    expect((await dlq.stop()).status).toBe('pass');
  });

  it('a probe that expects the wrong thing times out as a failure showing what it saw, never a hang', async () => {
    const s = await system();
    const verdict = await runExpect(ctx(), {
      name: 'wrong-filter',
      publish: {
        channel: s.channels.input,
        headers: { 'x-correlation-id': '{{correlationId}}' },
        body: { orderId: '{{correlationId}}', amount: 5 },
      },
      expect: { channel: s.channels.processed, correlation: byHeader, filter: { payload: { '/seq': 99 } } },
      timeoutMs: 1_500,
    });
    expect(verdict.status).toBe('fail');
    expect(verdict.property).toBe('delivery');
    expect(verdict.evidence?.nonMatchingTotal).toBe(1);
    expect(verdict.evidence?.nonMatching[0]?.note).toMatch(/filter/);
  });

  it('saga: the happy path in order, and the compensation when the payment fails', async () => {
    const s = await system();
    const trigger = (amount: number) => ({
      channel: s.channels.input,
      headers: { 'x-correlation-id': '{{correlationId}}' },
      body: { orderId: '{{correlationId}}', amount, saga: true },
    });
    const happy = await runSequence(ctx(), {
      name: 'saga-ok',
      trigger: trigger(50),
      correlation: byHeader,
      timeoutMs: 10_000,
      steps: [
        { name: 'reserved', channel: s.channels.inventoryReserved },
        { name: 'paid', channel: s.channels.paymentCompleted },
        { name: 'confirmed', channel: s.channels.orderConfirmed },
      ],
    });
    expect(happy.status, happy.reason).toBe('pass');
    expect(happy.reason).toContain('reserved → paid → confirmed');
    const compensated = await runSequence(ctx(), {
      name: 'saga-fail',
      trigger: trigger(500),
      correlation: byHeader,
      timeoutMs: 3_000,
      steps: [
        { name: 'reserved', channel: s.channels.inventoryReserved },
        { name: 'payment-failed', channel: s.channels.paymentFailed },
        { name: 'released', channel: s.channels.inventoryReleased, compensation: true },
        { name: 'confirmed', channel: s.channels.orderConfirmed, forbidden: true },
      ],
    });
    expect(compensated.status, compensated.reason).toBe('pass');
    // Expecting the happy path of a failing payment names the missing step.
    const wrong = await runSequence(ctx(), {
      name: 'saga-wrong',
      trigger: trigger(500),
      correlation: byHeader,
      timeoutMs: 1_500,
      steps: [
        { name: 'reserved', channel: s.channels.inventoryReserved },
        { name: 'paid', channel: s.channels.paymentCompleted },
      ],
    });
    expect(wrong.status).toBe('fail');
    expect(wrong.reason).toMatch(/paid .*never arrived/);
  });

  it('count: 200 published are 200 processed exactly once, in order per key', async () => {
    const s = await system();
    const v = await runCount(ctx(), {
      ...countSpec(s.channels.input, s.channels.processed),
      keys: 4,
      order: { key: { payload: '/key' }, seq: { payload: '/seq' } },
    });
    expect(v.status, v.reason).toBe('pass');
    expect(v.numbers).toMatchObject({ published: 200, processed: 200, missing: 0, duplicates: 0 });
  });

  it.each([
    ['correct', { duplicate: 0.3 }, 'pass', undefined],
    ['not-idempotent', { duplicate: 0.3 }, 'fail', 'no-duplicates'],
    ['lossy-redelivery', { duplicate: 0.3 }, 'fail', 'no-loss'],
  ] as const)('duplicates: the %s system → %s %s', async (variant, faults, status, property) => {
    const s = await system(variant);
    const { raw, relay } = await relayInto(s, faults);
    const v = await runCount(ctx(), {
      ...countSpec(raw, s.channels.processed),
      timeoutMs: status === 'fail' ? 3_000 : 15_000,
    });
    expect(relay.verifyInjected().ok).toBe(true);
    expect(relay.counts.duplicated).toBeGreaterThan(20);
    expect(v.status, v.reason).toBe(status);
    expect(v.property).toBe(property);
    await relay.revert();
    expect(relay.verifyReverted().ok).toBe(true);
  });

  it.each([
    ['correct', 'pass', undefined],
    ['ignores-ordering', 'fail', 'per-key-order'],
  ] as const)('reorder: the %s system → %s %s', async (variant, status, property) => {
    const s = await system(variant);
    const { raw, relay } = await relayInto(s, { reorderWindow: 8 });
    const v = await runCount(ctx(), {
      ...countSpec(raw, s.channels.processed),
      keys: 4,
      order: { key: { payload: '/key' }, seq: { payload: '/seq' } },
    });
    expect(relay.counts.reordered).toBeGreaterThan(0);
    expect(v.status, v.reason).toBe(status);
    expect(v.property).toBe(property);
    await relay.revert();
  });

  it('malformed payloads go to the dead-letter channel: the DLQ watcher and count both say so, journal names each', async () => {
    const s = await system();
    const ctxt = ctx();
    const dlq = await watchDeadLetters(ctxt, { name: 'dlq', channel: s.channels.deadLetters });
    const { raw, relay } = await relayInto(s, {
      malformed: 0.2,
      malformations: ['missing-field', 'wrong-type'],
      field: 'amount',
    });
    const v = await runCount(ctxt, { ...countSpec(raw, s.channels.processed), timeoutMs: 3_000 });
    const d = await dlq.stop();
    expect(v.status).toBe('fail');
    expect(v.property).toBe('no-loss');
    expect(d.status).toBe('fail');
    expect(d.property).toBe('dead-letters');
    expect(d.numbers?.arrivals).toBe(relay.counts.malformed);
    expect(relay.journal.totals.malformed).toBe(relay.counts.malformed);
    expect(relay.journal.entries.some((e) => /: (missing-field|wrong-type)$/.test(e.detail))).toBe(true);
    await relay.revert();
  });

  it('contract (AsyncAPI 3.0): the example gets a valid reply; schema-derived malformations are caught by the watcher', async () => {
    const s = await system();
    const text = readFileSync(
      new URL('../../packages/events/src/contracts/fixtures/orders-3.0.yaml', import.meta.url),
      'utf8',
    )
      .replaceAll('orders.in', s.channels.input)
      .replaceAll('orders.processed', s.channels.processed);
    const validator = new ContractValidator(parseAsyncApi(text, 'orders-3.0.yaml'));
    const ok = await runContractOperation(ctx(), {
      name: 'contract',
      validator,
      operation: 'receiveOrder',
      correlation: { payload: '/orderId' },
      timeoutMs: 10_000,
    });
    expect(ok.status, ok.reason).toBe('pass');
    const op = validator.contract.operations[0]!;
    const cases = schemaMalformations(op.messages[0]!.payload, op.messages[0]!.examples[0]);
    const watcher = await watchContract(ctx(), 'input-contract', validator, [s.channels.input]);
    for (const c of cases) await client.publish({ channel: s.channels.input, body: JSON.stringify(c.payload) });
    await new Promise((r) => setTimeout(r, 1_000));
    const v = await watcher.stop();
    expect(v.status).toBe('fail');
    expect(v.property).toBe('schema');
    expect(v.numbers).toMatchObject({ checked: cases.length, invalid: cases.length });
    expect(v.details?.join('\n')).toMatch(/\/amount must be number/);
  });

  it('drops are seen as loss, and the same seed drops the same messages', async () => {
    const s = await system();
    const { raw, relay } = await relayInto(s, { drop: 0.1 }, 11);
    // Longer than the sample system's wait for a missing seq, so every message after a gap is in.
    const v = await runCount(ctx(), { ...countSpec(raw, s.channels.processed), timeoutMs: 8_000 });
    expect(v.property).toBe('no-loss');
    expect(v.numbers?.missing).toBe(relay.counts.dropped);
    await relay.revert();
  });
});

describe('unreachable brokers', () => {
  it.each([
    { kind: 'nats' as const, url: 'nats://127.0.0.1:1' },
    { kind: 'rabbitmq' as const, url: 'amqp://127.0.0.1:1' },
    { kind: 'kafka' as const, brokers: ['127.0.0.1:1'] },
  ])(
    '$kind: a clear error before anything is published',
    async (connection) => {
      await expect(connectBroker(connection)).rejects.toThrow(
        new RegExp(`cannot reach the ${connection.kind} broker at (nats|amqp)?:?/?/?127\\.0\\.0\\.1:1`),
      );
    },
    60_000,
  );
});
