import { describe, expect, it } from 'vitest';
import { MemoryBroker } from '../testing/memory-broker.js';
import { DataChaosRelay } from './relay.js';
import { RelayRoute } from './relay-route.js';

async function settle(ms = 20): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

describe('DataChaosRelay', () => {
  it('refuses a relay that would feed itself, and an invalid mix, naming the problem', () => {
    const b = new MemoryBroker();
    expect(
      () => new DataChaosRelay(b, { name: 'x', from: { channel: 'a' }, to: { channel: 'a' }, faults: {}, seed: 1 }),
    ).toThrow(/different channels/);
    expect(
      () =>
        new DataChaosRelay(b, {
          name: 'x',
          from: { channel: 'a' },
          to: { channel: 'b' },
          faults: { drop: 2 },
          seed: 1,
        }),
    ).toThrow(/data fault x: drop must be a fraction/);
  });

  it('forwards with the faults, journals each, and releases what it holds on revert (no silent loss)', async () => {
    const b = new MemoryBroker();
    const out: string[] = [];
    b.subscribe('b', (e) => out.push(new TextDecoder().decode(e.body)));
    const relay = new DataChaosRelay(b, {
      name: 'mix',
      from: { channel: 'a' },
      to: { channel: 'b' },
      faults: { reorderWindow: 1000 },
      seed: 5,
    });
    await relay.inject();
    for (let i = 0; i < 10; i++) b.emit({ channel: 'a', body: String(i) });
    await settle();
    expect(out).toEqual([]);
    expect(relay.verifyReverted().ok).toBe(false);
    await relay.revert();
    await settle();
    expect(out.sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(relay.verifyReverted().ok).toBe(true);
    expect(b.openTaps).toBe(0);
  });

  it('says a mix that altered nothing is not in effect', async () => {
    const b = new MemoryBroker();
    const relay = new DataChaosRelay(b, {
      name: 'd',
      from: { channel: 'a' },
      to: { channel: 'b' },
      faults: { drop: 0.000001 },
      seed: 1,
    });
    expect(relay.verifyInjected().ok).toBe(false);
    await relay.inject();
    expect(relay.verifyInjected()).toEqual({ ok: true, reason: 'relay live; no traffic yet' });
    b.emit({ channel: 'a', body: 'x' });
    await settle();
    expect(relay.verifyInjected()).toEqual({ ok: false, reason: '1 received and none altered' });
    await relay.revert();
  });
});

describe('DataChaosRelay on a RelayRoute (open for a whole run)', () => {
  it('carries every message unchanged before and after the fault, altered only while attached, each once', async () => {
    const b = new MemoryBroker();
    const out: string[] = [];
    b.subscribe('b', (e) => out.push(new TextDecoder().decode(e.body)));
    const route = new RelayRoute(b, { from: { channel: 'a' }, to: { channel: 'b' } });
    await route.open();
    const spec = { name: 'dup', from: { channel: 'a' }, to: { channel: 'b' }, faults: { duplicate: 1 }, seed: 3 };
    const relay = new DataChaosRelay(b, spec, route);
    expect(b.openTaps).toBe(1);
    b.emit({ channel: 'a', body: 'before' });
    await settle();
    await relay.inject();
    expect(b.openTaps).toBe(1);
    b.emit({ channel: 'a', body: 'during' });
    await settle();
    expect(relay.verifyInjected().ok).toBe(true);
    await relay.revert();
    expect(relay.verifyReverted()).toEqual({
      ok: true,
      reason: 'relay stopped altering, nothing held; route a → b passes messages unchanged',
    });
    b.emit({ channel: 'a', body: 'after' });
    await settle();
    expect(out).toEqual(['before', 'during', 'during', 'after']);
    expect(route.passedThrough).toBe(2);
    expect(relay.counts).toMatchObject({ received: 1, duplicated: 1, forwarded: 2 });
    expect(() => new DataChaosRelay(b, { ...spec, to: { channel: 'c' } }, route)).toThrow(/not on route a → b/);
    const other = new DataChaosRelay(b, { ...spec, name: 'other' }, route);
    await relay.inject();
    await expect(other.inject()).rejects.toThrow(/already altered by relay a → b/);
    await relay.revert();
    await route.close();
    expect(b.openTaps).toBe(0);
  });
});
