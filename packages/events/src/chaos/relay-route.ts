/**
 * A relay's route open for a whole chaos-gate run. With a relay the producer writes one channel and the service
 * reads another, so outside a fault's window something must still carry every message across, or the system would
 * be cut off in its steady state and lose what is written between faults. The route forwards every message
 * unchanged while no data fault is attached; while one is (a DataChaosRelay on this route), it hands each message
 * to it. One tap, so each message is carried exactly once, by the fault or by the route.
 */
import type { BrokerClient, Tap } from '../brokers/client.js';
import type { ObservedEvent, OutgoingEvent } from '../model.js';

/** Publishes outstanding at once. */
export const RELAY_IN_FLIGHT = 64;

export interface RouteEnds {
  readonly from: { readonly channel: string; readonly bindingKey?: string };
  /** Where the service reads; the message's key (routing key, record key) is kept unless `key` is given. */
  readonly to: { readonly channel: string; readonly key?: string };
}

/** What a route hands its messages to while a fault is attached. */
export interface RouteFault {
  describe(): string;
  accept(e: ObservedEvent): void;
}

/** The message as the route republishes it into the service's channel. */
export function forwarded(e: ObservedEvent, to: RouteEnds['to']): OutgoingEvent {
  const key = to.key ?? e.key;
  return { channel: to.channel, ...(key !== undefined ? { key } : {}), headers: e.headers, body: e.body };
}

/**
 * Publishes pipelined (issued in order, acknowledged later, at most RELAY_IN_FLIGHT outstanding): one connection
 * keeps their order, and waiting for each acknowledgement would make the relay itself the fault.
 */
export class PipelinedPublisher {
  readonly failures: string[] = [];
  private inFlight: Promise<void>[] = [];

  constructor(
    private readonly client: BrokerClient,
    private readonly onAcknowledged: () => void = () => undefined,
  ) {}

  async send(m: OutgoingEvent): Promise<void> {
    const acked = this.client.publish(m).then(
      () => this.onAcknowledged(),
      (error: unknown) => void this.failures.push(error instanceof Error ? error.message : String(error)),
    );
    this.inFlight.push(acked);
    if (this.inFlight.length >= RELAY_IN_FLIGHT) await this.inFlight.shift();
  }

  async drain(): Promise<void> {
    await Promise.all(this.inFlight.splice(0));
  }
}

export class RelayRoute {
  /** Messages carried unchanged (no fault attached). */
  passedThrough = 0;
  private tap: Tap | undefined;
  private fault: RouteFault | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly publisher: PipelinedPublisher;

  constructor(
    private readonly client: BrokerClient,
    readonly ends: RouteEnds,
  ) {
    if (ends.from.channel === ends.to.channel && ends.from.bindingKey === undefined)
      throw new Error(`relay route ${ends.from.channel}: it must write another channel than it reads`);
    this.publisher = new PipelinedPublisher(client);
  }

  describe(): string {
    return `${this.ends.from.channel} → ${this.ends.to.channel}`;
  }

  get isOpen(): boolean {
    return this.tap !== undefined;
  }

  get failures(): readonly string[] {
    return this.publisher.failures;
  }

  /** Live once it resolves: anything the producer writes afterwards is carried. */
  async open(): Promise<void> {
    if (this.tap) return;
    this.tap = await this.client.tap(this.ends.from.channel, (e) => this.onMessage(e), {
      ...(this.ends.from.bindingKey !== undefined ? { bindingKey: this.ends.from.bindingKey } : {}),
    });
  }

  attach(fault: RouteFault): void {
    if (!this.tap) throw new Error(`relay route ${this.describe()} is not open`);
    if (this.fault && this.fault !== fault)
      throw new Error(`relay route ${this.describe()} is already altered by ${this.fault.describe()}`);
    this.fault = fault;
  }

  /** From now on messages pass unchanged again; the fault releases what it holds itself. */
  detach(fault: RouteFault): void {
    if (this.fault === fault) this.fault = undefined;
  }

  get attached(): RouteFault | undefined {
    return this.fault;
  }

  async close(): Promise<void> {
    const tap = this.tap;
    this.tap = undefined;
    await tap?.close();
    await this.chain;
    await this.publisher.drain();
  }

  private onMessage(e: ObservedEvent): void {
    if (this.fault) return this.fault.accept(e);
    this.passedThrough += 1;
    this.chain = this.chain.then(() => this.publisher.send(forwarded(e, this.ends.to)));
  }
}
