import { describe, expect, it } from 'vitest';
import { bodyText, toBytes, type OutgoingEvent } from '../model.js';
import { MemoryBroker } from '../testing/memory-broker.js';
import { ChaoticClient } from './producer-fault.js';

const order = (n: number) => ({ channel: 'orders.in', body: JSON.stringify({ orderId: `o${n}`, amount: 1 }) });

describe('producer data faults', () => {
  it('alter only the chosen channels while injected, seeded, journalled by id', async () => {
    const broker = new MemoryBroker();
    const client = new ChaoticClient(broker);
    const fault = client.fault({
      name: 'dup',
      channels: ['orders.in'],
      faults: { duplicate: 0.5 },
      seed: 11,
      id: { payload: '/orderId' },
    });
    await client.publish(order(0));
    await fault.inject();
    for (let n = 1; n <= 40; n++) await client.publish(order(n));
    await client.publish({ channel: 'other', body: 'x' });
    expect(fault.verifyInjected().ok).toBe(true);
    await fault.revert();
    await client.publish(order(99));
    const ins = broker.published.filter((e) => e.channel === 'orders.in');
    expect(ins.length).toBe(1 + 40 + fault.counts.duplicated + 1);
    expect(fault.counts.duplicated).toBeGreaterThan(5);
    expect(broker.published.filter((e) => e.channel === 'other')).toHaveLength(1);
    expect(fault.journal.entries.find((e) => e.action === 'duplicated')?.detail).toMatch(/^o\d+$/);
    expect(fault.verifyReverted().ok).toBe(true);

    // The same seed duplicates the same orders.
    const again = new MemoryBroker();
    const c2 = new ChaoticClient(again);
    const f2 = c2.fault({ name: 'dup', channels: ['orders.in'], faults: { duplicate: 0.5 }, seed: 11 });
    await f2.inject();
    for (let n = 1; n <= 40; n++) await c2.publish(order(n));
    const text = (e: OutgoingEvent): string => bodyText({ body: toBytes(e.body) });
    expect(again.published.map(text)).toEqual(ins.slice(1, -1).map(text));
  });

  it('a revert sends what the reorder window holds (never a silent drop); drops are not forwarded', async () => {
    const broker = new MemoryBroker();
    const client = new ChaoticClient(broker);
    const held = client.fault({ name: 'r', channels: ['orders.in'], faults: { reorderWindow: 100 }, seed: 1 });
    await held.inject();
    for (let n = 1; n <= 5; n++) await client.publish(order(n));
    expect(broker.published).toHaveLength(0);
    expect(held.verifyReverted().ok).toBe(false);
    await held.revert();
    expect(broker.published).toHaveLength(5);
    expect(held.verifyReverted().ok).toBe(true);

    const lossy = new ChaoticClient(new MemoryBroker());
    const drop = lossy.fault({ name: 'd', channels: ['orders.in'], faults: { drop: 1 }, seed: 1 });
    await drop.inject();
    await lossy.publish(order(1));
    expect(drop.counts).toMatchObject({ received: 1, dropped: 1, forwarded: 0 });
    expect(drop.verifyInjected()).toMatchObject({ ok: true });
    await lossy.close();
    expect(drop.verifyReverted().ok).toBe(true);
  });

  it('refuses an empty channel list and a bad mix', () => {
    const client = new ChaoticClient(new MemoryBroker());
    expect(() => client.fault({ name: 'x', channels: [], faults: { drop: 0.1 }, seed: 1 })).toThrow(/channels/);
    expect(() => client.fault({ name: 'x', channels: ['a'], faults: { drop: 2 }, seed: 1 })).toThrow(/fraction/);
  });
});
