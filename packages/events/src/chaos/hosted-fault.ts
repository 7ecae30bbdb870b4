/**
 * A data fault that a host applies to the traffic passing through it while the fault is active on it: the NATS
 * proxy to the deliveries it forwards, the chaotic client to the harness's own publishes. One home for what they
 * share: the mix checked before anything starts, the seeded generator, the id reader for the journal, the release
 * queue and the inject/revert half of chaos-gate's life cycle. Each subclass says how a copy goes out (`deliver`)
 * and how it verifies itself.
 */
import { seededRandom, type Random } from '@gauntlet/action-kit';
import { valueReader, type ValueLocation, type ValueReader } from '../probes/selector.js';
import { emptyCounts, type DataFault, type DataFaultCheck, type DataFaultCounts } from './data-fault.js';
import { validateMix, type DataFaultMix } from './faults.js';
import { Journal } from './journal.js';
import { ReleaseQueue } from './release-queue.js';

export interface FaultHost<F> {
  /** Throws when the host can no longer apply it (closed). */
  activate(fault: F): void;
  deactivate(fault: F): void;
}

export interface HostedFaultSpec {
  readonly name: string;
  readonly faults: DataFaultMix;
  readonly seed: number;
  /** Where a message's id is, for the journal. */
  readonly id?: ValueLocation;
}

export abstract class HostedDataFault<T> implements DataFault {
  readonly journal = new Journal();
  readonly counts: DataFaultCounts = emptyCounts();
  protected readonly random: Random;
  protected readonly idReader: ValueReader | undefined;
  protected readonly queue: ReleaseQueue<T>;
  protected injected = false;

  /** `problems` are the subclass's own refusals of the spec (channels, subjects), reported with the mix's. */
  protected constructor(
    private readonly host: FaultHost<HostedDataFault<T>>,
    spec: HostedFaultSpec,
    problems: readonly string[],
  ) {
    const errors = [...validateMix(spec.faults), ...problems];
    if (errors.length) throw new Error(`data fault ${spec.name}: ${errors.join('; ')}`);
    this.random = seededRandom(spec.seed);
    this.idReader = spec.id ? valueReader(spec.id) : undefined;
    this.queue = new ReleaseQueue(spec.faults, this.random, this.counts, this.journal, (item) => this.deliver(item));
  }

  abstract describe(): string;
  abstract verifyInjected(): DataFaultCheck;
  abstract verifyReverted(): DataFaultCheck;
  /** Sends one copy the fault lets through. */
  protected abstract deliver(item: T): Promise<void>;

  inject(): Promise<void> {
    if (!this.injected) {
      this.host.activate(this);
      this.injected = true;
      this.journal.add('injected', this.describe());
    }
    return Promise.resolve();
  }

  /** Stops altering; delayed copies go out now in the order they were delayed, then the reorder window's in order. */
  async revert(): Promise<void> {
    if (this.injected) {
      this.host.deactivate(this);
      this.injected = false;
    }
    const released = await this.queue.flush();
    this.journal.add('reverted', `${released} held message(s) released`);
  }
}
