/**
 * The named experiment broker-partition through chaos-gate's bundle on the test bed's real rabbitmq-server: the
 * service's consumer reaches the broker through a Toxiproxy proxy, a producer publishes straight to the broker the
 * whole time, and the experiment (three lines of `with:`) cuts the proxy for its duration. The lag probe is judged
 * before the cut and in recovery and only reported while cut: a service that reconnects catches up and passes; one
 * that never reconnects fails naming consumer-missing. The cut lasts 10 s: RabbitMQ's management API, which the lag
 * reading uses, updates its consumer counts and depths every 5 s.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBroker, type BrokerClient } from '@gauntlet/events';
import { startServiceConsumer, type ServiceConsumer } from '@gauntlet/events/testing';
import { startGitHubStandIn, type GitHubStandIn } from '@gauntlet/github-api-standin';
import { getTestbed, ToxiproxyClient } from '@gauntlet/testbed';
import { brokerConnection } from '../events/brokers.js';
import { eventually } from '../support/polling.js';
import { brokersInput, runEventExperiments, type EventRunJournal } from './run-events.js';

const tb = getTestbed();
const toxi = new ToxiproxyClient(tb.toxiproxyUrl);
const cleanups: (() => Promise<unknown> | void)[] = [];
let github: GitHubStandIn;
let producer: BrokerClient;

beforeAll(async () => {
  github = await startGitHubStandIn();
  producer = await connectBroker(await brokerConnection('rabbitmq'));
}, 120_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await producer?.close();
  await github?.close();
}, 60_000);

/** The toxics on a proxy now, from Toxiproxy's API. */
async function toxicsOf(proxy: string): Promise<unknown[]> {
  const res = await fetch(`${tb.toxiproxyUrl}/proxies/${encodeURIComponent(proxy)}/toxics`);
  return (await res.json()) as unknown[];
}

/** A service consuming through its own Toxiproxy proxy, and a producer publishing every 25 ms until the end. */
async function serviceBehindProxy(
  reconnect: boolean,
): Promise<{ proxy: string; consumer: ServiceConsumer; queue: string }> {
  const direct = await brokerConnection('rabbitmq');
  if (direct.kind !== 'rabbitmq') throw new Error('rabbitmq expected');
  const proxy = `bp-rabbitmq-${randomUUID().slice(0, 6)}`;
  const made = await toxi.createProxy(proxy, new URL(direct.url).host);
  cleanups.push(() => toxi.deleteProxy(proxy).catch(() => undefined));
  const channel = `bp${randomUUID().slice(0, 8)}`;
  await producer.ensureChannel(channel);
  const consumer = await startServiceConsumer({ ...direct, url: `amqp://${made.listen}` }, { channel, reconnect });
  cleanups.push(() => consumer.stop());
  if (consumer.consumer.kind !== 'rabbitmq-queue') throw new Error('a RabbitMQ queue expected');
  let running = true;
  const publishing = (async () => {
    for (let i = 0; running; i++) {
      await producer.publish({ channel, key: `k${i % 4}`, body: `{"n":${i}}` }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  cleanups.push(async () => {
    running = false;
    await publishing;
  });
  const ref = consumer.consumer;
  await eventually('the service consumer is attached and keeping up', async () => {
    const r = await producer.lag(ref);
    return r.consumers > 0 && r.messages < 20;
  });
  return { proxy, consumer, queue: ref.queue };
}

const experiment = (name: string, proxy: string, queue: string): string => `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: ${name} }
use: broker-partition
with: { proxy: ${proxy}, broker: orders, consumer: { rabbitmq-queue: "${queue}" }, maxLag: 40, duration: 10s, recoveryTimeout: 60s }
`;

describe.skipIf(!tb.kwok)('broker-partition from the named-experiment library, through the bundle (rabbitmq)', () => {
  it('a service that reconnects: lag reported while cut, judged in recovery, pass; the toxic gone', async () => {
    const { proxy, consumer, queue } = await serviceBehindProxy(true);
    const { result, dir } = await runEventExperiments(
      github,
      experiment('orders-broker-cut', proxy, queue),
      await brokersInput('rabbitmq'),
      { 'toxiproxy-url': tb.toxiproxyUrl },
    );
    const log = result.main.log.join('\n');
    expect(result.conclusion, log).toBe('success');
    expect(result.outputs['verdict']).toBe('pass');
    const journal = JSON.parse(await readFile(path.join(dir, 'chaos-journal.json'), 'utf8')) as EventRunJournal;
    const events = journal.experiments[0]!.journal;
    expect(events.find((e) => e.event === 'steady-state before')!.detail).toMatch(/^steady: .*lag-recovers \(lag\)/);
    const guards = events.filter((e) => e.event === 'guard');
    expect(guards.length).toBeGreaterThan(0);
    expect(guards.every((e) => /judged once the faults are reverted/.test(e.detail))).toBe(true);
    expect(events.find((e) => e.event === 'recovered')!.detail).toMatch(/within bounds/);
    expect(consumer.stats.reconnects).toBeGreaterThan(0);
    expect(await toxicsOf(proxy)).toEqual([]);
    expect(github.violations).toEqual([]);
  }, 240_000);

  it('a service that never reconnects: not recovered, naming consumer-missing', async () => {
    const { proxy, queue } = await serviceBehindProxy(false);
    const { result, dir } = await runEventExperiments(
      github,
      experiment('orders-broker-cut-broken', proxy, queue).replace('recoveryTimeout: 60s', 'recoveryTimeout: 8s'),
      await brokersInput('rabbitmq'),
      { 'toxiproxy-url': tb.toxiproxyUrl },
    );
    expect(result.conclusion).toBe('failure');
    expect(result.outputs['verdict']).toBe('fail');
    const journal = JSON.parse(await readFile(path.join(dir, 'chaos-journal.json'), 'utf8')) as EventRunJournal;
    expect(journal.experiments[0]!.reason).toMatch(/not recovered within 8000 ms: .*consumer-missing/);
    expect(await toxicsOf(proxy)).toEqual([]);
  }, 240_000);
});
