/**
 * The named experiment broker-partition through chaos-gate's bundle on the test bed's real rabbitmq-server and
 * Kafka 4.1.1: the service's consumer reaches the broker through a Toxiproxy proxy, a producer publishes straight to
 * the broker the whole time, and the experiment (three lines of `with:`) cuts the proxy for its duration. The lag
 * probe is judged before the cut and in recovery and only reported while cut: a service that reconnects catches up
 * and passes; one that never reconnects fails naming consumer-missing (on RabbitMQ; lag-recovery.test.ts has it on
 * Kafka). An idle connection through the same proxy (one that sends nothing while the cut starts) is closed too.
 * The cut lasts 10 s: RabbitMQ's management API, which the lag reading uses, updates its consumer counts and depths
 * every 5 s.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBroker, type BrokerClient, type BrokerConnection, type ConsumerRef } from '@gauntlet/events';
import {
  openIdleConnection,
  startServiceConsumer,
  type IdleConnection,
  type ServiceConsumer,
} from '@gauntlet/events/testing';
import { startGitHubStandIn, type GitHubStandIn } from '@gauntlet/github-api-standin';
import { ensureBrokers, getTestbed, ToxiproxyClient } from '@gauntlet/testbed';
import { brokerConnection } from '../events/brokers.js';
import { eventually } from '../support/polling.js';
import { brokersInput, runEventExperiments, type EventRunJournal } from './run-events.js';

const tb = getTestbed();
const toxi = new ToxiproxyClient(tb.toxiproxyUrl);
const cleanups: (() => Promise<unknown> | void)[] = [];
let github: GitHubStandIn;
const producers = new Map<Kind, BrokerClient>();
type Kind = 'rabbitmq' | 'kafka';

beforeAll(async () => {
  github = await startGitHubStandIn();
}, 120_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  for (const p of producers.values()) await p.close();
  await github?.close();
}, 60_000);

async function producerOf(kind: Kind): Promise<BrokerClient> {
  let p = producers.get(kind);
  if (!p) {
    p = await connectBroker(await brokerConnection(kind));
    producers.set(kind, p);
  }
  return p;
}

/** The toxics on a proxy now, from Toxiproxy's API. */
async function toxicsOf(proxy: string): Promise<unknown[]> {
  const res = await fetch(`${tb.toxiproxyUrl}/proxies/${encodeURIComponent(proxy)}/toxics`);
  return (await res.json()) as unknown[];
}

/**
 * The service's way to the broker through a Toxiproxy proxy. Kafka clients go where metadata sends them, so theirs
 * is the one proxy on the broker's CHAOS listener's advertised address, made once for the file.
 */
let kafkaProxy: Promise<string> | undefined;
async function linkThroughProxy(kind: Kind): Promise<{ proxy: string; service: BrokerConnection }> {
  const direct = await brokerConnection(kind);
  if (direct.kind === 'rabbitmq') {
    const proxy = `bp-rabbitmq-${randomUUID().slice(0, 6)}`;
    const made = await toxi.createProxy(proxy, new URL(direct.url).host);
    cleanups.push(() => toxi.deleteProxy(proxy).catch(() => undefined));
    return { proxy, service: { ...direct, url: `amqp://${made.listen}` } };
  }
  const { chaosListener } = (await ensureBrokers(['kafka'])).kafka!;
  kafkaProxy ??= (async () => {
    const proxy = `bp-kafka-${randomUUID().slice(0, 6)}`;
    await toxi.createProxy(proxy, chaosListener.upstream, chaosListener.advertised);
    cleanups.push(() => toxi.deleteProxy(proxy).catch(() => undefined));
    return proxy;
  })();
  return {
    proxy: await kafkaProxy,
    service: { kind: 'kafka', brokers: [chaosListener.advertised] },
  };
}

/** A service consuming through its own Toxiproxy proxy, and a producer publishing every 25 ms until the end. */
async function serviceBehindProxy(
  kind: Kind,
  reconnect: boolean,
): Promise<{ proxy: string; consumer: ServiceConsumer; idle: IdleConnection }> {
  const producer = await producerOf(kind);
  const { proxy, service } = await linkThroughProxy(kind);
  const channel = `bp${randomUUID().slice(0, 8)}`;
  await producer.ensureChannel(channel);
  const consumer = await startServiceConsumer(service, { channel, reconnect });
  cleanups.push(() => consumer.stop());
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
  const idle = await openIdleConnection(service);
  cleanups.push(() => idle.close());
  return { proxy, consumer, idle };
}

/** The consumer as the experiment's `with.consumer` names it. */
function consumerYaml(ref: ConsumerRef): string {
  switch (ref.kind) {
    case 'rabbitmq-queue':
      return `{ rabbitmq-queue: "${ref.queue}" }`;
    case 'kafka-group':
      return `{ kafka-group: { group: "${ref.group}", topic: "${ref.topic}" } }`;
    case 'jetstream-consumer':
      return `{ jetstream-consumer: { stream: "${ref.stream}", consumer: "${ref.consumer}" } }`;
  }
}

const experiment = (name: string, proxy: string, consumer: ConsumerRef): string => `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: ${name} }
use: broker-partition
with: { proxy: ${proxy}, broker: orders, consumer: ${consumerYaml(consumer)}, maxLag: 40, duration: 10s, recoveryTimeout: 60s }
`;

describe.skipIf(!tb.kwok).each(['rabbitmq', 'kafka'] as const)(
  'broker-partition from the named-experiment library, through the bundle (%s)',
  (kind) => {
    it('a service that reconnects: lag reported while cut, judged in recovery, pass; idle connections cut; the toxic gone', async () => {
      const { proxy, consumer, idle } = await serviceBehindProxy(kind, true);
      const { result, dir } = await runEventExperiments(
        github,
        experiment('orders-broker-cut', proxy, consumer.consumer),
        await brokersInput(kind),
        { 'toxiproxy-url': tb.toxiproxyUrl },
      );
      const log = result.main.log.join('\n');
      expect(result.conclusion, log).toBe('success');
      expect(result.outputs['verdict']).toBe('pass');
      const journal = JSON.parse(await readFile(path.join(dir, 'chaos-journal.json'), 'utf8')) as EventRunJournal;
      const events = journal.experiments[0]!.journal;
      expect(events.find((e) => e.event === 'steady-state before')!.detail).toMatch(/^steady: .*lag-recovers \(lag\)/);
      expect(events.find((e) => e.event === 'in effect')!.detail).toMatch(/closes idle connections at /);
      const guards = events.filter((e) => e.event === 'guard');
      expect(guards.length).toBeGreaterThan(0);
      expect(guards.every((e) => /judged once the faults are reverted/.test(e.detail))).toBe(true);
      expect(events.find((e) => e.event === 'recovered')!.detail).toMatch(/within bounds/);
      // An idle connection sends nothing, so a toxic that acts on passing bytes (down, reset_peer) never cuts it.
      expect(idle.closed()).toBe(true);
      // kafkajs reconnects inside its retries without a crash event; RabbitMQ's consumer counts its reconnects.
      if (kind === 'rabbitmq') expect(consumer.stats.reconnects).toBeGreaterThan(0);
      expect(await toxicsOf(proxy)).toEqual([]);
      expect(github.violations).toEqual([]);
    }, 240_000);

    it.runIf(kind === 'rabbitmq')(
      'a service that never reconnects: not recovered, naming consumer-missing',
      async () => {
        const { proxy, consumer } = await serviceBehindProxy(kind, false);
        const { result, dir } = await runEventExperiments(
          github,
          experiment('orders-broker-cut-broken', proxy, consumer.consumer).replace(
            'recoveryTimeout: 60s',
            'recoveryTimeout: 8s',
          ),
          await brokersInput(kind),
          { 'toxiproxy-url': tb.toxiproxyUrl },
        );
        expect(result.conclusion).toBe('failure');
        expect(result.outputs['verdict']).toBe('fail');
        const journal = JSON.parse(await readFile(path.join(dir, 'chaos-journal.json'), 'utf8')) as EventRunJournal;
        expect(journal.experiments[0]!.reason).toMatch(/not recovered within 8000 ms: .*consumer-missing/);
        expect(await toxicsOf(proxy)).toEqual([]);
      },
      240_000,
    );
  },
);
