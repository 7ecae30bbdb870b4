/**
 * Events bench, on the test bed's real brokers, printed as distributions from one run:
 * 1. probe overhead: publish → expected event through `runExpect`, against the same path with a bare client (a tap
 *    already open, publish, wait), on the same broker and sample system, alternating;
 * 2. data-chaos relay throughput at a fixed fault mix (5 % duplicates, reorder windows of 8), as a ratio
 *    to direct delivery into the service;
 * 3. `count` over 100,000 events (NATS, through the sample system): finishes, with the process's peak RSS.
 * `--trials N` (default 30), `--events N` for the relay (default 2000), `--count N` (default 100000),
 * `--brokers nats,rabbitmq,kafka`.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  DataChaosRelay,
  connectBroker,
  runCount,
  runExpect,
  type BrokerClient,
  type BrokerConnection,
} from '@gauntlet/events';
import { sampleChannels, startSampleSystem } from '@gauntlet/events/testing';
import { ensureBrokers } from '@gauntlet/testbed';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '30' },
    events: { type: 'string', default: '2000' },
    count: { type: 'string', default: '100000' },
    brokers: { type: 'string', default: 'nats,rabbitmq,kafka' },
  },
});
const trials = Number(values.trials);
const relayEvents = Number(values.events);
const countEvents = Number(values.count);
const kinds = values.brokers.split(',') as ('nats' | 'rabbitmq' | 'kafka')[];

const log = (line: string): void => void process.stdout.write(`${line}\n`);
const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))] ?? NaN;
};
const dist = (xs: number[]): string =>
  `p50 ${quantile(xs, 0.5).toFixed(1)} · p95 ${quantile(xs, 0.95).toFixed(1)} · max ${Math.max(...xs).toFixed(1)}`;

async function connection(kind: 'nats' | 'rabbitmq' | 'kafka'): Promise<BrokerConnection> {
  const f = await ensureBrokers([kind]);
  if (kind === 'nats') return { kind, url: f.nats!.url };
  if (kind === 'rabbitmq') return { kind, url: f.rabbitmq!.url, managementUrl: f.rabbitmq!.managementUrl };
  return { kind, brokers: [f.kafka!.bootstrap] };
}

const order = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({ orderId: id, amount: 5, ...extra });

/** The bare path: one tap open for all trials, publish, wait for the processed event with that id. */
async function bareTrial(
  client: BrokerClient,
  input: string,
  waiters: Map<string, (t: number) => void>,
): Promise<number> {
  const id = randomUUID();
  const arrived = new Promise<number>((resolve) => waiters.set(id, resolve));
  const t0 = performance.now();
  await client.publish({ channel: input, headers: { 'x-correlation-id': id }, body: order(id) });
  return (await arrived) - t0;
}

async function overhead(kind: string, client: BrokerClient): Promise<string> {
  const system = await startSampleSystem(client, sampleChannels(`bench${randomUUID().slice(0, 6)}`));
  const waiters = new Map<string, (t: number) => void>();
  const tap = await client.tap(system.channels.processed, (e) => {
    const id = e.headers['x-correlation-id'];
    const w = id ? waiters.get(id) : undefined;
    if (w && id) {
      waiters.delete(id);
      w(performance.now());
    }
  });
  const probe: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < trials; i++) {
    const runProbe = async (): Promise<void> => {
      const v = await runExpect(
        { client, runId: `b${i}`, now: () => performance.now() },
        {
          name: 'overhead',
          publish: {
            channel: system.channels.input,
            headers: { 'x-correlation-id': '{{correlationId}}' },
            body: { orderId: '{{correlationId}}', amount: 5 },
          },
          expect: { channel: system.channels.processed, correlation: { header: 'x-correlation-id' } },
          timeoutMs: 10_000,
        },
      );
      if (v.status !== 'pass') throw new Error(`probe failed in the bench: ${v.reason}`);
      probe.push(v.numbers!.latencyMs!);
    };
    const runBare = async (): Promise<void> => void bare.push(await bareTrial(client, system.channels.input, waiters));
    // Alternate which goes first so neither always meets a warmer broker.
    if (i % 2 === 0) {
      await runProbe();
      await runBare();
    } else {
      await runBare();
      await runProbe();
    }
  }
  await tap.close();
  await system.stop();
  const ratio = quantile(probe, 0.5) / quantile(bare, 0.5);
  return `| ${kind} | ${dist(probe)} | ${dist(bare)} | ${ratio.toFixed(2)} |`;
}

/** Time from the first publish until `events` distinct ids have arrived on `watch`. */
async function deliver(client: BrokerClient, publishTo: string, watch: string, events: number): Promise<number> {
  const seen = new Set<string>();
  let resolve!: () => void;
  const all = new Promise<void>((r) => (resolve = r));
  const tap = await client.tap(watch, (e) => {
    const id = e.headers['x-correlation-id'];
    if (id) seen.add(id);
    if (seen.size >= events) resolve();
  });
  const prefix = randomUUID().slice(0, 8);
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < events; i++) {
    const id = `${prefix}-${i}`;
    pending.push(client.publish({ channel: publishTo, headers: { 'x-correlation-id': id }, body: order(id) }));
    if (pending.length >= 64) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  await Promise.race([all, new Promise((r) => setTimeout(r, 60_000))]);
  const ms = performance.now() - t0;
  await tap.close();
  if (seen.size < events) throw new Error(`only ${seen.size} of ${events} delivered`);
  return ms;
}

async function throughput(kind: string, client: BrokerClient): Promise<string> {
  const prefix = `bench${randomUUID().slice(0, 6)}`;
  const input = `${prefix}.in`;
  const raw = `${prefix}.raw`;
  await client.ensureChannel(input);
  await client.ensureChannel(raw);
  const direct = await deliver(client, input, input, relayEvents);
  const relay = new DataChaosRelay(client, {
    name: 'bench',
    from: { channel: raw },
    to: { channel: input },
    // No drops in the mix: the bench times the delivery of every distinct id.
    faults: { duplicate: 0.05, reorderWindow: 8 },
    seed: 1,
  });
  await relay.inject();
  const relayed = await deliver(client, raw, input, relayEvents);
  await relay.revert();
  const perSec = (ms: number) => (relayEvents / (ms / 1000)).toFixed(0);
  return `| ${kind} | ${perSec(direct)} | ${perSec(relayed)} | ${(direct / relayed).toFixed(2)} | ${relay.counts.duplicated} dup, ${relay.counts.reordered} moved |`;
}

async function bigCount(client: BrokerClient): Promise<string> {
  const system = await startSampleSystem(client, sampleChannels(`bench${randomUUID().slice(0, 6)}`));
  let peak = process.memoryUsage().rss;
  const before = peak;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const progress = setInterval(() => log(`  count: still running (${system.stats.processed} processed)`), 10_000);
  const t0 = performance.now();
  const v = await runCount(
    { client, runId: 'big' },
    {
      name: 'big',
      total: countEvents,
      publish: {
        channel: system.channels.input,
        headers: { 'x-correlation-id': '{{correlationId}}' },
        body: { orderId: '{{correlationId}}', amount: 1 },
      },
      processed: { channel: system.channels.processed, correlation: { header: 'x-correlation-id' } },
      timeoutMs: 120_000,
      concurrency: 256,
    },
  );
  clearInterval(sampler);
  clearInterval(progress);
  await system.stop();
  const s = (performance.now() - t0) / 1000;
  return `count over ${countEvents} events on NATS: ${v.status} (${v.reason}) in ${s.toFixed(1)} s; process RSS ${(before / 2 ** 20).toFixed(0)} MB before, peak ${(peak / 2 ** 20).toFixed(0)} MB (the sample system and both clients run in this process)`;
}

const overheadRows: string[] = [];
const throughputRows: string[] = [];
let countLine = '';
for (const kind of kinds) {
  log(`[events bench] ${kind}: connecting`);
  // One clock for the client's receive stamps and the probe's publish stamp.
  const client = await connectBroker(await connection(kind), () => performance.now());
  log(`[events bench] ${kind}: probe overhead, ${trials} trials`);
  overheadRows.push(await overhead(kind, client));
  log(`[events bench] ${kind}: relay throughput, ${relayEvents} events`);
  throughputRows.push(await throughput(kind, client));
  if (kind === 'nats' && countEvents > 0) {
    log(`[events bench] nats: count over ${countEvents} events`);
    countLine = await bigCount(client);
  }
  await client.close();
}
log('\n### Probe overhead: publish → expected event (ms)\n');
log('| broker | through runExpect | bare client | ratio of medians |');
log('|---|---|---|---|');
for (const r of overheadRows) log(r);
log('\n### Data-chaos relay throughput (events/s, distinct ids delivered)\n');
log('| broker | direct | through the relay | ratio | faults applied |');
log('|---|---|---|---|---|');
for (const r of throughputRows) log(r);
log(`\n### count\n\n${countLine}`);
