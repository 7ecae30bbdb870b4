/**
 * The NATS data-chaos proxy on the test bed's real nats-server: the sample system connects through the proxy (its
 * only change is the URL), the test publishes straight to the server, and the proxy alters the deliveries of the
 * chosen subjects. The broken variants fail under the matching fault as they do behind the relay, and a revert
 * delivers what the fault still held.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import {
  NatsChaosProxy,
  connectBroker,
  runCount,
  type BrokerClient,
  type CountSpec,
  type DataFaultMix,
} from '@gauntlet/events';
import { sampleChannels, startSampleSystem, type SampleSystem, type SampleVariant } from '@gauntlet/events/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/polling.js';
import { brokerConnection } from './brokers.js';

const byHeader = { header: 'x-correlation-id' } as const;

let direct: BrokerClient;
let proxy: NatsChaosProxy;
const cleanups: (() => Promise<void>)[] = [];
const proxyLog: string[] = [];

beforeAll(async () => {
  const connection = await brokerConnection('nats');
  if (connection.kind !== 'nats') throw new Error('not NATS');
  direct = await connectBroker(connection);
  proxy = await NatsChaosProxy.start({ upstream: connection.url, log: (l) => proxyLog.push(l) });
}, 120_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await proxy?.close();
  await direct?.close();
});

/** The sample system on its own connection through the proxy. */
async function systemBehindProxy(variant: SampleVariant = 'correct'): Promise<SampleSystem> {
  const client = await connectBroker({ kind: 'nats', url: proxy.url });
  const s = await startSampleSystem(client, sampleChannels(`p${randomUUID().slice(0, 8)}`), variant);
  cleanups.push(async () => {
    await s.stop();
    await client.close();
  });
  return s;
}

function countSpec(s: SampleSystem, extra: Partial<CountSpec> = {}): CountSpec {
  return {
    name: 'orders',
    total: 200,
    publish: {
      channel: s.channels.input,
      key: '{{key}}',
      headers: { 'x-correlation-id': '{{correlationId}}' },
      body: { orderId: '{{correlationId}}', key: '{{key}}', seq: '{{seq}}', amount: 10 },
    },
    processed: { channel: s.channels.processed, correlation: byHeader },
    timeoutMs: 15_000,
    ...extra,
  };
}

const ctx = () => ({ client: direct, runId: `r${randomUUID().slice(0, 6)}` });

function faultOn(s: SampleSystem, faults: DataFaultMix, seed = 7) {
  const fault = proxy.fault({
    name: 'nats-proxy',
    subjects: [s.channels.input],
    faults,
    seed,
    id: { payload: '/orderId' },
  });
  cleanups.push(() => fault.revert());
  return fault;
}

describe('NATS data-chaos proxy', () => {
  it('passes everything through untouched while no fault is active: 200 of 200, in order', async () => {
    const s = await systemBehindProxy();
    const v = await runCount(ctx(), {
      ...countSpec(s),
      keys: 4,
      order: { key: { payload: '/key' }, seq: { payload: '/seq' } },
    });
    expect(v.status, v.reason).toBe('pass');
    expect(proxy.connections).toBeGreaterThan(0);
  });

  it.each([
    ['correct', 'pass', undefined],
    ['not-idempotent', 'fail', 'no-duplicates'],
  ] as const)('duplicated deliveries: the %s system → %s %s', async (variant, status, property) => {
    const s = await systemBehindProxy(variant);
    const fault = faultOn(s, { duplicate: 0.3 });
    await fault.inject();
    const v = await runCount(ctx(), { ...countSpec(s), timeoutMs: status === 'fail' ? 3_000 : 15_000 });
    expect(fault.verifyInjected().ok).toBe(true);
    expect(fault.counts.duplicated).toBeGreaterThan(20);
    expect(fault.journal.totals.duplicated).toBe(fault.counts.duplicated);
    expect(v.status, v.reason).toBe(status);
    expect(v.property).toBe(property);
    await fault.revert();
    expect(fault.verifyReverted().ok).toBe(true);
  });

  it('reordered deliveries: the ignores-ordering system fails per-key order; the correct one passes', async () => {
    for (const [variant, status] of [
      ['ignores-ordering', 'fail'],
      ['correct', 'pass'],
    ] as const) {
      const s = await systemBehindProxy(variant);
      const fault = faultOn(s, { reorderWindow: 8 });
      await fault.inject();
      const v = await runCount(ctx(), {
        ...countSpec(s),
        keys: 4,
        order: { key: { payload: '/key' }, seq: { payload: '/seq' } },
      });
      expect(fault.counts.reordered).toBeGreaterThan(0);
      expect(v.status, `${variant}: ${v.reason}`).toBe(status);
      await fault.revert();
    }
  });

  it('drops are loss, replayed exactly by the same seed; malformed payloads reach the dead-letter channel', async () => {
    const dropped: number[] = [];
    for (let round = 0; round < 2; round++) {
      const s = await systemBehindProxy();
      const fault = faultOn(s, { drop: 0.1 }, 11);
      await fault.inject();
      const v = await runCount(ctx(), { ...countSpec(s), timeoutMs: 6_000 });
      expect(v.status).toBe('fail');
      expect(v.property).toBe('no-loss');
      expect(v.numbers?.missing).toBe(fault.counts.dropped);
      dropped.push(fault.counts.dropped);
      await fault.revert();
    }
    expect(dropped[0]).toBeGreaterThan(5);
    expect(dropped[1]).toBe(dropped[0]);

    const s = await systemBehindProxy();
    const fault = faultOn(s, { malformed: 0.2, malformations: ['invalid-json', 'missing-field'], field: 'amount' });
    await fault.inject();
    const v = await runCount(ctx(), { ...countSpec(s), timeoutMs: 4_000 });
    expect(v.status).toBe('fail');
    expect(fault.counts.malformed).toBeGreaterThan(10);
    expect(s.stats.deadLetters).toBe(fault.counts.malformed);
    await fault.revert();
  });

  it('a revert delivers what the fault held: a long delay and a reorder window lose nothing', async () => {
    const s = await systemBehindProxy();
    const fault = faultOn(s, { delayMs: 60_000, reorderWindow: 1000 });
    await fault.inject();
    const counting = runCount(ctx(), { ...countSpec(s), total: 50, timeoutMs: 15_000 });
    // Every delivery is held (none can arrive for 60 s); the revert must let all 50 through.
    await eventually('all 50 held by the proxy', () => Promise.resolve(fault.counts.received === 50));
    expect(s.stats.processed).toBe(0);
    await fault.revert();
    const v = await counting;
    expect(v.status, v.reason).toBe('pass');
    expect(fault.verifyReverted()).toEqual({ ok: true, reason: 'fault removed, nothing held' });
  });

  it('refuses subject patterns that are not NATS subjects, and bad mixes, before anything changes', () => {
    expect(() => proxy.fault({ name: 'x', subjects: ['a\r\nPUB evil 1'], faults: { drop: 0.1 }, seed: 1 })).toThrow(
      /whitespace or control/,
    );
    expect(() => proxy.fault({ name: 'x', subjects: [], faults: { drop: 0.1 }, seed: 1 })).toThrow(/at least one/);
    expect(() => proxy.fault({ name: 'x', subjects: ['a'], faults: { drop: 2 }, seed: 1 })).toThrow(/fraction/);
  });

  it('a client that sends garbage upstream gets the server’s own error; a server stream the proxy cannot parse closes only that connection', async () => {
    const url = new URL(proxy.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname);
      let text = '';
      socket.on('data', (d: Buffer) => {
        text += d.toString();
        if (/-ERR/.test(text)) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('error', reject);
      socket.write('CONNECT {"verbose":false}\r\nNOT A COMMAND\r\n');
    });
    expect(reply).toMatch(/^INFO \{/);
    expect(reply).not.toMatch(/connect_urls/);
    expect(reply).toMatch(/-ERR/);
    // The proxy still serves others.
    const s = await systemBehindProxy();
    const v = await runCount(ctx(), { ...countSpec(s), total: 20 });
    expect(v.status, v.reason).toBe('pass');
  });
});
