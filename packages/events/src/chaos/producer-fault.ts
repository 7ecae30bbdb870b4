/**
 * Data chaos on the harness's own publishes: when the probes are the producer, the fault is applied where they
 * publish, with no relay, proxy or second channel (events-anchors §5.4, "when the harness is the producer, inject
 * duplicates, reorder and malformed itself"). `ChaoticClient` wraps a BrokerClient; while a `ProducerDataFault` is
 * injected, publishes on its channels are dropped, duplicated, held for reordering, delayed or malformed with the
 * seeded mix the relay and the NATS proxy use, and journalled. Everything else passes straight through.
 */
import type {
  BrokerClient,
  ConsumerRef,
  LagReading,
  StoreMark,
  StoreMarkOptions,
  Tap,
  TapOptions,
} from '../brokers/client.js';
import type { ObservedEvent, OutgoingEvent } from '../model.js';
import { toBytes } from '../model.js';
import type { ValueLocation } from '../probes/selector.js';
import { alteredCheck, applyDecision, describeMix, type DataFaultCheck, type DataFaultCounts } from './data-fault.js';
import type { DataFaultMix } from './faults.js';
import { HostedDataFault } from './hosted-fault.js';

export interface ProducerFaultSpec {
  readonly name: string;
  /** Channels (exact names) whose publishes the fault alters. */
  readonly channels: readonly string[];
  readonly faults: DataFaultMix;
  readonly seed: number;
  /** Where a message's id is, for the journal (default: channel and number). */
  readonly id?: ValueLocation;
}

/** A BrokerClient whose publishes go through the injected producer faults; everything else is the inner client's. */
export class ChaoticClient implements BrokerClient {
  private readonly active: ProducerDataFault[] = [];

  constructor(readonly inner: BrokerClient) {}

  get kind() {
    return this.inner.kind;
  }
  get target() {
    return this.inner.target;
  }

  /** A fault on this client's publishes; nothing changes until it is injected. */
  fault(spec: ProducerFaultSpec): ProducerDataFault {
    return new ProducerDataFault(this, spec);
  }

  publish(event: OutgoingEvent): Promise<void> {
    const fault = this.active.find((f) => f.spec.channels.includes(event.channel));
    return fault ? fault.handle(event) : this.inner.publish(event);
  }

  tap(channel: string, onEvent: (event: ObservedEvent) => void, options?: TapOptions): Promise<Tap> {
    return this.inner.tap(channel, onEvent, options);
  }
  ensureChannel(channel: string): Promise<void> {
    return this.inner.ensureChannel(channel);
  }
  storeMark(channel: string, options?: StoreMarkOptions): Promise<StoreMark> {
    return this.inner.storeMark(channel, options);
  }
  lag(consumer: ConsumerRef): Promise<LagReading> {
    return this.inner.lag(consumer);
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }

  /** Reverts every active fault (sending what they hold), then closes the inner client. */
  async close(): Promise<void> {
    for (const f of [...this.active]) await f.revert();
    await this.inner.close();
  }

  /** @internal */ activate(fault: ProducerDataFault): void {
    if (!this.active.includes(fault)) this.active.push(fault);
  }
  /** @internal */ deactivate(fault: ProducerDataFault): void {
    const i = this.active.indexOf(fault);
    if (i >= 0) this.active.splice(i, 1);
  }
}

export class ProducerDataFault extends HostedDataFault<OutgoingEvent> {
  private readonly failures: string[] = [];

  constructor(
    private readonly client: ChaoticClient,
    readonly spec: ProducerFaultSpec,
  ) {
    super(client, spec, spec.channels.length === 0 ? ['channels: name at least one channel'] : []);
  }

  describe(): string {
    return `publishes on ${this.spec.channels.join(', ')}: ${describeMix(this.spec.faults)} (seed ${this.spec.seed})`;
  }

  verifyInjected(): DataFaultCheck {
    if (!this.injected) return { ok: false, reason: 'the fault is not active on the client' };
    if (this.failures.length) return { ok: false, reason: `publishing failed: ${this.failures[0]}` };
    if (this.counts.received === 0) return { ok: true, reason: 'active; nothing published on its channels yet' };
    return alteredCheck(this.counts, this.spec.faults, 'publishes');
  }

  verifyReverted(): DataFaultCheck {
    return this.injected || this.queue.size
      ? { ok: false, reason: 'the fault is still active or holds messages' }
      : { ok: true, reason: `fault ended (${describeCounts(this.counts)})` };
  }

  /**
   * One publish under the fault. A dropped or held message resolves at once (the producer is not told, as with a
   * lossy link); a forwarded one resolves when the broker accepts it (its copies too). Internal to ChaoticClient.
   */
  handle(event: OutgoingEvent): Promise<void> {
    this.counts.received += 1;
    const body = toBytes(event.body);
    const id = this.idReader?.read({ ...event, headers: event.headers ?? {}, body, receivedAt: 0 });
    const decision = applyDecision(
      this.spec.faults,
      this.random,
      this.counts,
      this.journal,
      id ?? `${event.channel}#${this.counts.received}`,
      body,
    );
    if (!decision) return Promise.resolve();
    const message: OutgoingEvent = { ...event, body: decision.body };
    const sent: Promise<void>[] = [];
    for (let i = 0; i < decision.copies; i++) sent.push(this.queue.place(message));
    return Promise.all(sent).then(() => undefined);
  }

  protected deliver(m: OutgoingEvent): Promise<void> {
    return this.client.inner.publish(m).then(
      () => void (this.counts.forwarded += 1),
      (error: unknown) => {
        this.failures.push(error instanceof Error ? error.message : String(error));
        throw error;
      },
    );
  }
}

/** `50 received, 15 duplicated, 2 dropped`: what the fault did, for the journal and the report. */
export function describeCounts(c: DataFaultCounts): string {
  const parts = [`${c.received} received`];
  for (const k of ['dropped', 'duplicated', 'malformed', 'reordered', 'delayed'] as const)
    if (c[k]) parts.push(`${c[k]} ${k}`);
  return parts.join(', ');
}
