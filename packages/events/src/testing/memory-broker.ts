/**
 * An in-memory broker for unit tests of probes, faults and reports: channels are names, delivery is
 * asynchronous (a macrotask later, as on a real broker), and lag readings are whatever the test sets.
 * Test-only: nothing in src/ outside testing/ imports it.
 */
import type { BrokerClient, ConsumerRef, LagReading, StoreMark, Tap } from '../brokers/client.js';
import { toBytes, type ObservedEvent, type OutgoingEvent } from '../model.js';

type Handler = (event: ObservedEvent) => void;

export class MemoryBroker implements BrokerClient {
  readonly kind = 'memory' as const;
  readonly target = 'memory://test';
  readonly published: OutgoingEvent[] = [];
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly lags = new Map<string, LagReading>();
  /** Set to make ping() fail, as an unreachable broker would. */
  unreachable = false;
  /** Count of taps currently open (tests assert they are all closed). */
  openTaps = 0;
  private offsets = 0;

  constructor(private readonly now: () => number = Date.now) {}

  ping(): Promise<void> {
    return this.unreachable ? Promise.reject(new Error('memory broker: connection refused')) : Promise.resolve();
  }

  publish(event: OutgoingEvent): Promise<void> {
    if (this.unreachable) return Promise.reject(new Error('memory broker: connection refused'));
    this.published.push(event);
    this.deliver(event);
    return Promise.resolve();
  }

  /** Delivers without recording it as published by the harness (a service's own output). */
  emit(event: OutgoingEvent): void {
    this.deliver(event);
  }

  private deliver(event: OutgoingEvent): void {
    const observed: ObservedEvent = {
      channel: event.channel,
      ...(event.key !== undefined ? { key: event.key } : {}),
      headers: { ...(event.headers ?? {}) },
      body: toBytes(event.body),
      receivedAt: 0,
      offset: String(this.offsets++),
    };
    const targets = [...(this.handlers.get(event.channel) ?? [])];
    setTimeout(() => {
      for (const h of targets) h({ ...observed, receivedAt: this.now() });
    }, 0);
  }

  /** A service-side consumer (the system under test in unit tests). */
  subscribe(channel: string, handler: Handler): () => void {
    const set = this.handlers.get(channel) ?? new Set<Handler>();
    set.add(handler);
    this.handlers.set(channel, set);
    return () => set.delete(handler);
  }

  tap(channel: string, onEvent: Handler): Promise<Tap> {
    if (this.unreachable) return Promise.reject(new Error('memory broker: connection refused'));
    const off = this.subscribe(channel, onEvent);
    this.openTaps += 1;
    let closed = false;
    return Promise.resolve({
      channel,
      close: () => {
        if (!closed) {
          closed = true;
          off();
          this.openTaps -= 1;
        }
        return Promise.resolve();
      },
    });
  }

  storeMark(): Promise<StoreMark> {
    return Promise.reject(new Error('the in-memory broker stores nothing to read back'));
  }

  ensureChannel(): Promise<void> {
    return Promise.resolve();
  }

  setLag(consumer: ConsumerRef, reading: Omit<LagReading, 'at'>): void {
    this.lags.set(JSON.stringify(consumer), { ...reading, at: this.now() });
  }

  lag(consumer: ConsumerRef): Promise<LagReading> {
    const r = this.lags.get(JSON.stringify(consumer));
    if (!r) return Promise.reject(new Error(`memory broker: no consumer ${JSON.stringify(consumer)}`));
    return Promise.resolve({ ...r, at: this.now() });
  }

  close(): Promise<void> {
    this.handlers.clear();
    return Promise.resolve();
  }
}
