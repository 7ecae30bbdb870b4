/**
 * The data-chaos relay: consumes what the producer writes on one channel and republishes it into the channel the
 * service reads, with the fault mix applied. The application changes nothing but the channel name it reads (the
 * environment's manifest variables carry it). It follows the fault life cycle of chaos-gate: inject, verify
 * injected (the relay is live and has handled traffic), revert (stop, releasing anything still held, so a revert
 * never loses a message), verify reverted (no tap open). Every action on a message goes to the journal. On a
 * RelayRoute (open for a whole run, carrying messages unchanged between faults) it attaches to the route's tap
 * instead of opening its own, and a revert hands the route back.
 */
import { seededRandom, type Random } from '@gauntlet/action-kit';
import type { BrokerClient, Tap } from '../brokers/client.js';
import type { ObservedEvent, OutgoingEvent } from '../model.js';
import { valueReader, type ValueLocation } from '../probes/selector.js';
import {
  alteredCheck,
  applyDecision,
  describeMix,
  emptyCounts,
  reorder,
  type DataFault,
  type DataFaultCheck,
  type DataFaultCounts,
} from './data-fault.js';
import { validateMix, type DataFaultMix } from './faults.js';
import { Journal } from './journal.js';
import { REORDER_IDLE_MS } from './release-queue.js';
import { forwarded, PipelinedPublisher, type RelayRoute, type RouteEnds, type RouteFault } from './relay-route.js';

export interface RelaySpec extends RouteEnds {
  readonly name: string;
  readonly faults: DataFaultMix;
  readonly seed: number;
  /** Where a message's id is, for the journal (default: none, the journal numbers messages). */
  readonly id?: ValueLocation;
}

export class DataChaosRelay implements DataFault, RouteFault {
  readonly journal = new Journal();
  readonly counts: DataFaultCounts = emptyCounts();
  private tap: Tap | undefined;
  private attached = false;
  private readonly random: Random;
  private held: OutgoingEvent[] = [];
  private chain: Promise<void> = Promise.resolve();
  private failures: string[] = [];
  private readonly idReader;
  private releaseTimer: NodeJS.Timeout | undefined;
  private readonly publisher: PipelinedPublisher;

  constructor(
    private readonly client: BrokerClient,
    readonly spec: RelaySpec,
    private readonly route?: RelayRoute,
  ) {
    const errors = validateMix(spec.faults);
    if (spec.from.channel === spec.to.channel)
      errors.push('the relay must read and write different channels (it would feed itself)');
    if (route && !sameEnds(route.ends, spec)) errors.push(`it is not on route ${route.describe()}`);
    if (errors.length) throw new Error(`data fault ${spec.name}: ${errors.join('; ')}`);
    this.random = seededRandom(spec.seed);
    this.idReader = spec.id ? valueReader(spec.id) : undefined;
    this.publisher = new PipelinedPublisher(client, () => void (this.counts.forwarded += 1));
  }

  private get live(): boolean {
    return this.route ? this.attached : this.tap !== undefined;
  }

  describe(): string {
    return `relay ${this.spec.from.channel} → ${this.spec.to.channel}: ${describeMix(this.spec.faults)} (seed ${this.spec.seed})`;
  }

  async inject(): Promise<void> {
    if (this.live) return;
    if (this.route) {
      this.route.attach(this);
      this.attached = true;
    } else
      this.tap = await this.client.tap(this.spec.from.channel, (e) => this.accept(e), {
        ...(this.spec.from.bindingKey !== undefined ? { bindingKey: this.spec.from.bindingKey } : {}),
      });
    this.journal.add('injected', this.describe());
  }

  /** Live and, once traffic has flowed, really altering it (a mix with faults that altered nothing is not in effect). */
  verifyInjected(): DataFaultCheck {
    if (!this.live) return { ok: false, reason: 'the relay is not running' };
    if (this.route && !this.route.isOpen) return { ok: false, reason: `route ${this.route.describe()} is closed` };
    const failure = this.failures[0] ?? this.publisher.failures[0];
    if (failure !== undefined) return { ok: false, reason: `republishing failed: ${failure}` };
    if (this.counts.received === 0) return { ok: true, reason: 'relay live; no traffic yet' };
    return alteredCheck(this.counts, this.spec.faults, 'received');
  }

  async revert(): Promise<void> {
    // New messages pass the route unchanged from here; the ones this fault holds follow them out.
    this.route?.detach(this);
    this.attached = false;
    const tap = this.tap;
    this.tap = undefined;
    await tap?.close();
    clearTimeout(this.releaseTimer);
    this.releaseTimer = undefined;
    await this.chain;
    // Whatever the reorder window still holds goes out now: reverting must not become a silent drop.
    const rest = this.held;
    this.held = [];
    for (const m of rest) await this.send(m, 'released');
    await this.publisher.drain();
    this.journal.add('reverted', `${rest.length} held message(s) released`);
  }

  verifyReverted(): DataFaultCheck {
    if (this.live || this.held.length) return { ok: false, reason: 'the relay still runs or holds messages' };
    if (this.route?.attached === this) return { ok: false, reason: `route ${this.route.describe()} still alters` };
    return {
      ok: true,
      reason: this.route
        ? `relay stopped altering, nothing held; route ${this.route.describe()} passes messages unchanged`
        : 'relay stopped, nothing held',
    };
  }

  /** A message from the tap (its own, or the route's while attached). */
  accept(e: ObservedEvent): void {
    // Serialised: the relay keeps arrival order except where a fault changes it on purpose.
    this.chain = this.chain
      .then(() => this.handle(e))
      .catch((error: unknown) => {
        this.failures.push(error instanceof Error ? error.message : String(error));
      });
  }

  private async handle(e: ObservedEvent): Promise<void> {
    this.counts.received += 1;
    const id = this.idReader?.read(e) ?? `#${this.counts.received}`;
    const out = forwarded(e, this.spec.to);
    const decision = applyDecision(this.spec.faults, this.random, this.counts, this.journal, id, e.body);
    if (!decision) return;
    const message = { ...out, body: decision.body };
    const copies = decision.copies;
    for (let i = 0; i < copies; i++) {
      const window = this.spec.faults.reorderWindow;
      if (window) {
        this.held.push(message);
        if (this.held.length >= window) await this.releaseHeld();
        else this.scheduleRelease();
      } else await this.send(message, 'forwarded');
    }
  }

  /** A partial window is released when traffic pauses, so a quiet stream is delayed, never stuck. */
  private scheduleRelease(): void {
    if (this.releaseTimer) return;
    this.releaseTimer = setTimeout(() => {
      this.releaseTimer = undefined;
      this.chain = this.chain.then(() => this.releaseHeld());
    }, REORDER_IDLE_MS);
  }

  private async releaseHeld(): Promise<void> {
    const batch = this.held;
    this.held = [];
    if (batch.length === 0) return;
    for (const m of reorder(batch, this.random, this.counts, this.journal)) await this.send(m, 'forwarded');
  }

  private async send(m: OutgoingEvent, _why: string): Promise<void> {
    const delay = this.spec.faults.delayMs ?? 0;
    if (delay > 0) {
      this.counts.delayed += 1;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    await this.publisher.send(m);
  }
}

function sameEnds(a: RouteEnds, b: RouteEnds): boolean {
  return (
    a.from.channel === b.from.channel &&
    a.from.bindingKey === b.from.bindingKey &&
    a.to.channel === b.to.channel &&
    a.to.key === b.to.key
  );
}
