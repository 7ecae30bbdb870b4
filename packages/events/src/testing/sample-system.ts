/**
 * The sample event-driven system of the tests and the demo (test-only): an order processor with idempotency keys,
 * per-key ordering and a dead-letter channel, plus a small saga (inventory reserve → payment → confirm, or
 * payment failed → inventory released as the compensation). It runs on any BrokerClient, so the same system runs
 * against NATS, RabbitMQ and Kafka. Deliberately broken variants each lose one property:
 * - `not-idempotent` processes a duplicate again;
 * - `lossy-redelivery` drops an order when a second delivery of it arrives while the first is in flight;
 * - `ignores-ordering` processes in arrival order instead of each key's sequence.
 * It serves Prometheus metrics (processed, failed, dead letters, per-stage latency) on a loopback port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrokerClient, Tap } from '../brokers/client.js';
import { bodyJson, type ObservedEvent, type OutgoingEvent } from '../model.js';

export type SampleVariant = 'correct' | 'not-idempotent' | 'lossy-redelivery' | 'ignores-ordering';

export interface SampleChannels {
  /** What the service reads (the relay's output when data chaos runs). */
  readonly input: string;
  readonly processed: string;
  readonly deadLetters: string;
  readonly inventoryReserved: string;
  readonly paymentCompleted: string;
  readonly paymentFailed: string;
  readonly inventoryReleased: string;
  readonly orderConfirmed: string;
}

export function sampleChannels(prefix: string): SampleChannels {
  return {
    input: `${prefix}.orders.in`,
    processed: `${prefix}.orders.processed`,
    deadLetters: `${prefix}.orders.dlq`,
    inventoryReserved: `${prefix}.inventory.reserved`,
    paymentCompleted: `${prefix}.payment.completed`,
    paymentFailed: `${prefix}.payment.failed`,
    inventoryReleased: `${prefix}.inventory.released`,
    orderConfirmed: `${prefix}.order.confirmed`,
  };
}

/** An order as the system expects it; anything else goes to the dead-letter channel. */
interface Order {
  orderId: string;
  /** The ordering key, as text (a number or a run-scoped name such as `r1-o2-0`). */
  key: string;
  seq: number;
  amount: number;
  saga?: boolean;
}

function asOrder(e: ObservedEvent): Order | string {
  const body = bodyJson(e);
  if (!body.ok) return `invalid JSON: ${body.error}`;
  const v = body.value as Partial<Order> & { schemaVersion?: unknown };
  if (!v || typeof v !== 'object') return 'not an object';
  if (typeof v.orderId !== 'string') return 'orderId missing or not a string';
  if (typeof v.amount !== 'number') return 'amount missing or not a number';
  if (v.schemaVersion !== undefined && v.schemaVersion !== 1)
    return `unknown schemaVersion ${JSON.stringify(v.schemaVersion)}`;
  return { orderId: v.orderId, key: String(v.key ?? 0), seq: Number(v.seq ?? 0), amount: v.amount, saga: !!v.saga };
}

/** The limit above which a payment fails (the saga's compensation path). */
export const PAYMENT_LIMIT = 100;

/** How long the re-sequencer waits for a missing seq before skipping it. */
const GAP_SKIP_MS = 5_000;

export interface SampleSystem {
  readonly channels: SampleChannels;
  readonly metricsUrl: string;
  readonly stats: { processed: number; deadLetters: number; duplicatesSkipped: number };
  stop(): Promise<void>;
}

export async function startSampleSystem(
  client: BrokerClient,
  channels: SampleChannels,
  variant: SampleVariant = 'correct',
): Promise<SampleSystem> {
  for (const c of Object.values(channels) as string[]) await client.ensureChannel(c);
  const done = new Set<string>();
  const inFlight = new Set<string>();
  const cancelled = new Set<string>();
  const nextSeq = new Map<string, number>();
  const waiting = new Map<string, Map<number, Order>>();
  const stats = { processed: 0, deadLetters: 0, duplicatesSkipped: 0 };
  const latency = { sum: 0, count: 0 };
  let chain = Promise.resolve();
  const gapTimers = new Map<string, NodeJS.Timeout>();
  /** Work started without waiting (the variants that process concurrently), awaited by stop(). */
  const pending = new Set<Promise<void>>();
  let stopped = false;
  const track = (work: Promise<void>): void => {
    const p = work.catch(() => undefined).finally(() => pending.delete(p));
    pending.add(p);
  };

  const emit = (channel: string, order: Order, extra: Record<string, unknown> = {}): Promise<void> =>
    client.publish({
      channel,
      key: String(order.key),
      headers: { 'x-correlation-id': order.orderId },
      body: JSON.stringify({ orderId: order.orderId, key: order.key, seq: order.seq, ...extra }),
    } satisfies OutgoingEvent);

  async function process(order: Order, receivedAt: number): Promise<void> {
    if (stopped) return;
    if (variant === 'lossy-redelivery') {
      inFlight.add(order.orderId);
      await new Promise((r) => setTimeout(r, 100));
      inFlight.delete(order.orderId);
      if (cancelled.delete(order.orderId)) return;
    }
    await emit(channels.processed, order);
    stats.processed += 1;
    latency.sum += Date.now() - receivedAt;
    latency.count += 1;
    if (order.saga) {
      await emit(channels.inventoryReserved, order);
      if (order.amount > PAYMENT_LIMIT) {
        await emit(channels.paymentFailed, order, { reason: 'limit exceeded' });
        await emit(channels.inventoryReleased, order);
      } else {
        await emit(channels.paymentCompleted, order);
        await emit(channels.orderConfirmed, order);
      }
    }
  }

  async function handle(e: ObservedEvent): Promise<void> {
    const order = asOrder(e);
    if (typeof order === 'string') {
      stats.deadLetters += 1;
      await client.publish({
        channel: channels.deadLetters,
        headers: { ...e.headers, 'x-dead-letter-reason': order },
        body: e.body,
      });
      return;
    }
    if (variant === 'lossy-redelivery' && inFlight.has(order.orderId)) {
      // The bug: a redelivery while the first attempt runs "cancels" it, and is itself acknowledged unprocessed.
      cancelled.add(order.orderId);
      return;
    }
    if (variant !== 'not-idempotent' && done.has(order.orderId)) {
      stats.duplicatesSkipped += 1;
      return;
    }
    const again = done.has(order.orderId);
    done.add(order.orderId);
    if (variant === 'ignores-ordering' || order.seq === 0 || again) return track(process(order, e.receivedAt));
    // Re-sequence per key: hold what comes early, release in order.
    const expected = nextSeq.get(order.key) ?? 1;
    if (order.seq < expected) return;
    const held = waiting.get(order.key) ?? new Map<number, Order>();
    held.set(order.seq, order);
    waiting.set(order.key, held);
    await release(order.key, expected, e.receivedAt);
    // A gap that does not fill (a lost message) is given up on after a while, so one loss never stalls the key:
    // everything held is then released in order, and a straggler older than that counts as lost.
    if (held.size > 0 && !gapTimers.has(order.key)) {
      gapTimers.set(
        order.key,
        setTimeout(() => {
          gapTimers.delete(order.key);
          chain = chain.then(() => flush(order.key)).catch(() => undefined);
        }, GAP_SKIP_MS),
      );
    }
  }

  async function flush(key: string): Promise<void> {
    const held = waiting.get(key);
    if (!held || held.size === 0) return;
    const seqs = [...held.keys()].sort((a, b) => a - b);
    for (const s of seqs) {
      await process(held.get(s)!, Date.now());
      held.delete(s);
    }
    nextSeq.set(key, seqs.at(-1)! + 1);
  }

  async function release(key: string, from: number, receivedAt: number): Promise<void> {
    const held = waiting.get(key);
    if (!held) return;
    let s = Math.max(from, nextSeq.get(key) ?? 1);
    while (held.has(s)) {
      const o = held.get(s)!;
      held.delete(s);
      await process(o, receivedAt);
      s += 1;
    }
    nextSeq.set(key, s);
  }

  const tap: Tap = await client.tap(channels.input, (e) => {
    // lossy-redelivery needs concurrency to show its bug; the others handle one message at a time.
    if (variant === 'lossy-redelivery') track(handle(e));
    else chain = chain.then(() => handle(e)).catch(() => undefined);
  });
  const server: Server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(
      [
        '# TYPE sample_orders_processed_total counter',
        `sample_orders_processed_total ${stats.processed}`,
        '# TYPE sample_orders_dead_letters_total counter',
        `sample_orders_dead_letters_total ${stats.deadLetters}`,
        '# TYPE sample_orders_duplicates_skipped_total counter',
        `sample_orders_duplicates_skipped_total ${stats.duplicatesSkipped}`,
        '# TYPE sample_stage_latency_seconds summary',
        `sample_stage_latency_seconds_sum{stage="process"} ${latency.sum / 1000}`,
        `sample_stage_latency_seconds_count{stage="process"} ${latency.count}`,
        '',
      ].join('\n'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    channels,
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
    stats,
    async stop() {
      stopped = true;
      for (const t of gapTimers.values()) clearTimeout(t);
      await tap.close();
      await chain;
      await Promise.all([...pending]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
