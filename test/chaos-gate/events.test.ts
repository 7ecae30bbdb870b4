/**
 * chaos-gate's event probes and faults end to end: the real bundle through the local runner, its `brokers` input
 * pointing at the test bed's real nats-server, rabbitmq-server and Kafka 4.1.1 in turn, the sample order system
 * (and its not-idempotent variant) running here on the same broker, the API server for the kill switch, and the
 * GitHub stand-in for the report. The correct system's fault is a producer-side data fault on the orders the count
 * probe publishes; the broken system's is a relay from the channel the probe writes into the one the system reads,
 * open as a pass-through for the whole run (the steady state before the fault goes through it unchanged). Both
 * live in the action's process and are reverted by the fault life cycle's in-process hooks.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrokerClient } from '@gauntlet/events';
import { sampleChannels, startSampleSystem, type SampleSystem, type SampleVariant } from '@gauntlet/events/testing';
import { startGitHubStandIn, type GitHubStandIn } from '@gauntlet/github-api-standin';
import { getTestbed } from '@gauntlet/testbed';
import { BROKER_KINDS, connectTestBroker } from '../events/brokers.js';
import { brokersInput, runEventExperiments, type EventRunJournal } from './run-events.js';

const tb = getTestbed();

let github: GitHubStandIn;
let client: BrokerClient;
const systems: SampleSystem[] = [];

async function system(variant: SampleVariant): Promise<SampleSystem> {
  const s = await startSampleSystem(client, sampleChannels(`cg${randomUUID().slice(0, 8)}`), variant);
  systems.push(s);
  return s;
}

/**
 * One experiment: a count probe as the steady state, a producer fault duplicating 30% of its orders. With `via`,
 * the probe publishes there and the fault (naming VIA and IN) is the relay that carries the orders into the system.
 */
function experiment(
  name: string,
  s: SampleSystem,
  fault = 'producer: { channels: [IN], duplicate: 30% }',
  via = s.channels.input,
  moreProbes = '',
): string {
  return `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: ${name} }
spec:
  steps:
    - faults:
        - type: event
          duration: 3s
          event: { broker: orders, ${fault.replaceAll('VIA', via).replaceAll('IN', s.channels.input)} }
  steadyState:
    slos: none
    probes:
      - name: exactly-once
        event:
          count:
            publish:
              channel: ${via}
              key: "{{runId}}-{{key}}"
              headers: { x-correlation-id: "{{correlationId}}" }
              body: { orderId: "{{correlationId}}", key: "{{runId}}-{{key}}", seq: "{{seq}}", amount: 10 }
            total: 40
            processed: { channel: ${s.channels.processed}, correlation: { header: x-correlation-id } }
            timeout: 4s
${moreProbes}  recoveryTimeout: 20s
`;
}

const run = (experiments: string, brokers: string): ReturnType<typeof runEventExperiments> =>
  runEventExperiments(github, experiments, brokers);

type Journal = EventRunJournal;

describe.skipIf(!tb.kwok).each(BROKER_KINDS)('chaos-gate event probes and faults through the bundle (%s)', (kind) => {
  let brokers: string;
  beforeAll(async () => {
    github = await startGitHubStandIn();
    brokers = await brokersInput(kind);
    client = await connectTestBroker(kind);
  }, 180_000);

  afterAll(async () => {
    for (const s of systems.splice(0)) await s.stop();
    await client?.close();
    await github?.close();
  });

  it('the idempotent system rides out duplicated orders: pass, the fault journalled and reverted in process', async () => {
    const s = await system('correct');
    // Acknowledged delivery as a second steady state where the broker stores a channel without a stream of ours
    // (RabbitMQ: a witness queue; Kafka: the topic); JetStream needs a stream, which the sample system has not.
    const acks = `${s.channels.input}.acks`;
    await client.ensureChannel(acks);
    const ackProbe =
      kind === 'nats'
        ? ''
        : `      - name: acknowledged-kept
        event:
          acknowledged:
            publish: { channel: ${acks}, headers: { x-id: "{{correlationId}}" }, body: { n: "{{index}}" } }
            correlation: { header: x-id }
            total: 20
            rate: 40
`;
    const { result, dir } = await run(experiment('orders-dup', s, undefined, undefined, ackProbe), brokers);
    const log = result.main.log.join('\n');
    expect(result.conclusion, log).toBe('success');
    expect(result.outputs['verdict']).toBe('pass');
    const journal = JSON.parse(await readFile(path.join(dir, 'chaos-journal.json'), 'utf8')) as Journal;
    const events = journal.experiments[0]!.journal;
    expect(events.map((e) => e.event)).toEqual(
      expect.arrayContaining(['steady-state before', 'injected', 'in effect', 'guard', 'reverted', 'recovered']),
    );
    const reverted = events.find((e) => e.event === 'reverted')!.detail;
    expect(reverted).toMatch(
      /publishes on .*orders\.in: duplicate 30% \(seed \d+\): stopped \(\d+ received, \d+ duplicated\)/,
    );
    expect(reverted).toMatch(/journal: .*duplicated \d+/);
    expect(events.filter((e) => e.event === 'guard').every((e) => e.detail.startsWith('steady'))).toBe(true);
    if (ackProbe)
      expect(events.find((e) => e.event === 'steady-state before')!.detail).toMatch(
        /acknowledged-kept \(acknowledged-delivery\): all 20 acknowledged messages are stored/,
      );
    expect(s.stats.duplicatesSkipped).toBeGreaterThan(0);
    expect(github.violations).toEqual([]);
  });

  it('the not-idempotent system passes through the relay before the fault and fails under it, naming the broken property', async () => {
    const s = await system('not-idempotent');
    const raw = `${s.channels.input}.raw`;
    await client.ensureChannel(raw);
    const relay = 'relay: { from: { channel: VIA }, to: { channel: IN }, duplicate: 30% }';
    const { result, dir } = await run(experiment('orders-dup-broken', s, relay, raw), brokers);
    const log = result.main.log.join('\n');
    expect(log).toContain(`relay ${raw} → ${s.channels.input} on broker orders: open, passing messages unchanged`);
    expect(result.conclusion).toBe('failure');
    expect(result.outputs['verdict']).toBe('fail');
    const journal = JSON.parse(await readFile(path.join(dir, 'chaos-journal.json'), 'utf8')) as Journal;
    const events = journal.experiments[0]!.journal;
    // Steady before the fault: the orders went through the route unchanged (without it nothing reaches the system).
    expect(events.find((e) => e.event === 'steady-state before')!.detail).toMatch(/^steady: /);
    expect(journal.experiments[0]!.reason).toMatch(/halted on breached: probe exactly-once \(count\): no-duplicates: /);
    expect(events.find((e) => e.event === 'reverted')!.detail).toMatch(
      /relay .*\.raw → .*\.in: duplicate 30% \(seed \d+\): stopped \(\d+ received, \d+ duplicated\)/,
    );
  });

  it.runIf(kind === 'nats')(
    'an unreachable broker or a bad definition is a clear error before anything is published; credentials masked',
    async () => {
      const s = await system('correct');
      const token = `tok-${randomUUID()}`;
      const unreachable = await run(
        experiment('orders-unreachable', s),
        `orders: { kind: nats, url: "nats://127.0.0.1:1", token: "${token}" }`,
      );
      expect(unreachable.result.conclusion).toBe('failure');
      const log = unreachable.result.main.log.join('\n');
      expect(log).toMatch(/broker orders: cannot reach the nats broker at nats:\/\/127\.0\.0\.1:1/);
      expect(log).not.toContain(token);
      const raw = unreachable.result.main.rawOutput;
      expect(raw.indexOf(`::add-mask::${token}`)).toBeGreaterThanOrEqual(0);
      expect(raw.replaceAll(`::add-mask::${token}`, '')).not.toContain(token);
      expect(s.stats.processed).toBe(0);

      const typo = await run(experiment('orders-typo', s, 'producer: { channels: [IN], duplicat: 30% }'), brokers);
      expect(typo.result.main.log.join('\n')).toMatch(
        /chaos\/experiments\.yaml: spec\.steps\[0\]\.faults\[0\]\.event\.producer\.duplicat: unknown field; did you mean 'duplicate'/,
      );
      const withPassword = await run(
        experiment('orders-url', s),
        `orders: { kind: rabbitmq, url: "amqp://ci:${token}@127.0.0.1:5672" }`,
      );
      expect(withPassword.result.main.log.join('\n')).toMatch(/input brokers: orders\.url: holds a user or password/);
      expect(withPassword.result.main.rawOutput.replaceAll(`::add-mask::${token}`, '')).not.toContain(token);
      // Two relay faults on one route in one step: refused when read, before the route opens.
      const oneRelay = experiment(
        'orders-twice',
        s,
        'relay: { from: { channel: VIA }, to: { channel: IN }, drop: 10% }',
        'x.raw',
      );
      const relayFault = /^ {8}- type: event\n.*\n.*\n/m.exec(oneRelay)![0];
      const twice = await run(oneRelay.replace(relayFault, relayFault + relayFault), brokers);
      const twiceLog = twice.result.main.log.join('\n');
      expect(twiceLog).toMatch(/faults s1f1 and s1f2 both relay x\.raw → .*\.in on broker orders/);
      expect(twiceLog).not.toContain('open, passing messages unchanged');
      expect(s.stats.processed).toBe(0);
    },
  );
});
