/**
 * Events bench, on the test bed's real brokers, printed as distributions from one run:
 * 1. probe overhead: publish → expected event through `runExpect`, against the same path with a bare client (a tap
 *    already open, publish, wait), on the same broker and sample system, alternating;
 * 2. data-chaos throughput at a fixed fault mix (5 % duplicates, reorder windows of 8), as a ratio to direct
 *    delivery into the service: the relay (every broker) and the NATS protocol proxy (the service's connection
 *    through it, also with no fault active), beside an outside peer from the same run, a Toxiproxy proxy with no
 *    toxic in front of the same broker carrying the service's connection (Kafka's on the chaos listener). Rounds
 *    alternate the paths (`--rounds N`, default 3); the table gives the median and the range of events/s;
 * 3. `count` over 100,000 events (NATS, through the sample system): finishes, with the process's peak RSS.
 * `--trials N` (default 30), `--events N` for the relay (default 2000), `--count N` (default 100000),
 * `--brokers nats,rabbitmq,kafka`.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  DataChaosRelay,
  NatsChaosProxy,
  connectBroker,
  runCount,
  runExpect,
  type BrokerClient,
  type BrokerConnection,
} from '@gauntlet/events';
import { sampleChannels, startSampleSystem } from '@gauntlet/events/testing';
import { ensureBrokers, getTestbed, ToxiproxyClient } from '@gauntlet/testbed';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '30' },
    events: { type: 'string', default: '2000' },
    count: { type: 'string', default: '100000' },
    brokers: { type: 'string', default: 'nats,rabbitmq,kafka' },
    rounds: { type: 'string', default: '3' },
  },
});
const trials = Number(values.trials);
const relayEvents = Number(values.events);
const rounds = Number(values.rounds);
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

/**
 * Time from the first publish until `events` distinct ids have arrived on `watch`, read by `service` (the client
 * whose connection goes through the proxy under test, or the publishing client itself).
 */
async function deliver(
  client: BrokerClient,
  publishTo: string,
  watch: string,
  events: number,
  service: BrokerClient = client,
): Promise<number> {
  const seen = new Set<string>();
  let resolve!: () => void;
  const all = new Promise<void>((r) => (resolve = r));
  const tap = await service.tap(watch, (e) => {
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

const MIX = { duplicate: 0.05, reorderWindow: 8 } as const;

/** The service's connection through a new Toxiproxy proxy (no toxic) in front of the same broker, or why not. */
async function throughToxiproxy(
  kind: 'nats' | 'rabbitmq' | 'kafka',
  direct: BrokerConnection,
): Promise<{ connection: BrokerConnection; remove(): Promise<void> } | string> {
  const name = `bench-${kind}-${randomUUID().slice(0, 6)}`;
  try {
    const toxi = new ToxiproxyClient(getTestbed().toxiproxyUrl);
    let connection: BrokerConnection;
    if (direct.kind === 'kafka') {
      // Kafka clients go where metadata sends them: the chaos listener advertises the port the proxy must hold.
      const { chaosListener } = (await ensureBrokers(['kafka'])).kafka!;
      await toxi.createProxy(name, chaosListener.upstream, chaosListener.advertised);
      connection = { kind: 'kafka', brokers: [chaosListener.advertised] };
    } else {
      const proxy = await toxi.createProxy(name, new URL(direct.url).host);
      connection = { ...direct, url: `${direct.kind === 'nats' ? 'nats' : 'amqp'}://${proxy.listen}` };
    }
    return { connection, remove: () => toxi.deleteProxy(name).catch(() => undefined) };
  } catch (error) {
    return `no Toxiproxy proxy: ${error instanceof Error ? error.message : String(error)}`.slice(0, 160);
  }
}

/** events/s as `median (min–max)` over the rounds. */
const rate = (ms: number[]): string => {
  const r = ms.map((m) => relayEvents / (m / 1000));
  return `${quantile(r, 0.5).toFixed(0)} (${Math.min(...r).toFixed(0)}–${Math.max(...r).toFixed(0)})`;
};
const ratio = (direct: number[], other: number[]): string => (quantile(direct, 0.5) / quantile(other, 0.5)).toFixed(2);

interface Path {
  readonly name: string;
  /** One timed delivery of relayEvents distinct ids into the service, on this path. */
  run(): Promise<number>;
  readonly applied?: () => string;
}

async function throughput(kind: 'nats' | 'rabbitmq' | 'kafka', client: BrokerClient): Promise<string[]> {
  const prefix = `bench${randomUUID().slice(0, 6)}`;
  const input = `${prefix}.in`;
  const raw = `${prefix}.raw`;
  await client.ensureChannel(input);
  await client.ensureChannel(raw);
  const direct = await connection(kind);
  const closers: (() => Promise<unknown>)[] = [];
  const paths: Path[] = [{ name: 'direct', run: () => deliver(client, input, input, relayEvents) }];
  const notes: string[] = [];

  const toxic = await throughToxiproxy(kind, direct);
  if (typeof toxic === 'string') notes.push(`| ${kind} | Toxiproxy, no toxic (outside peer) | ${toxic} | | |`);
  else {
    const service = await connectBroker(toxic.connection, () => performance.now());
    closers.push(
      () => service.close(),
      () => toxic.remove(),
    );
    paths.push({
      name: 'Toxiproxy, no toxic (outside peer)',
      run: () => deliver(client, input, input, relayEvents, service),
    });
  }

  const relay = new DataChaosRelay(client, {
    name: 'bench',
    from: { channel: raw },
    to: { channel: input },
    faults: MIX,
    seed: 1,
  });
  paths.push({
    name: 'our relay, 5 % dup + reorder 8',
    async run() {
      await relay.inject();
      try {
        return await deliver(client, raw, input, relayEvents);
      } finally {
        await relay.revert();
      }
    },
    applied: () => `${relay.counts.duplicated} dup, ${relay.counts.reordered} moved`,
  });

  if (direct.kind === 'nats') {
    const proxy = await NatsChaosProxy.start({ upstream: direct.url });
    const service = await connectBroker({ kind: 'nats', url: proxy.url }, () => performance.now());
    closers.push(
      () => service.close(),
      () => proxy.close(),
    );
    paths.push({ name: 'our NATS proxy, no fault', run: () => deliver(client, input, input, relayEvents, service) });
    // No drops in the mix: the bench times the delivery of every distinct id.
    const fault = proxy.fault({ name: 'bench', subjects: [input], faults: MIX, seed: 1 });
    paths.push({
      name: 'our NATS proxy, 5 % dup + reorder 8',
      async run() {
        await fault.inject();
        try {
          return await deliver(client, input, input, relayEvents, service);
        } finally {
          await fault.revert();
        }
      },
      applied: () => `${fault.counts.duplicated} dup, ${fault.counts.reordered} moved`,
    });
  }

  const times = new Map<string, number[]>(paths.map((p) => [p.name, []]));
  try {
    for (let r = 1; r <= rounds; r++) {
      for (const p of paths) times.get(p.name)!.push(await p.run());
      log(`  ${kind} throughput: round ${r} of ${rounds} done`);
    }
  } finally {
    // Bounded: a close that never settles (seen once here after the RabbitMQ rounds) must not hold the figures.
    for (const c of closers.reverse())
      await Promise.race([c().catch(() => undefined), new Promise((r) => setTimeout(r, 10_000).unref())]);
  }
  const base = times.get('direct')!;
  return [
    ...paths.map(
      (p) =>
        `| ${kind} | ${p.name} | ${rate(times.get(p.name)!)} | ${p.name === 'direct' ? '1.00' : ratio(base, times.get(p.name)!)} | ${p.applied?.() ?? ''} |`,
    ),
    ...notes,
  ];
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
  log(`[events bench] ${kind}: relay and proxy throughput, ${relayEvents} events a path, ${rounds} rounds`);
  const rows = await throughput(kind, client);
  // Printed at once as well: a later broker's failure must not take these figures with it.
  for (const r of rows) log(r);
  throughputRows.push(...rows);
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
log('\n### Data-chaos relay and proxy throughput (events/s, distinct ids delivered: median (range) of the rounds)\n');
log('| broker | path | events/s | ratio to direct (medians) | faults applied (all rounds) |');
log('|---|---|---|---|---|');
for (const r of throughputRows) log(r);
log(`\n### count\n\n${countLine}`);
