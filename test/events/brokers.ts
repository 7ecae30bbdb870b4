/** Connections to the test bed's real brokers, one per kind, for the events integration tests. */
import { connectBroker, type BrokerClient, type BrokerConnection } from '@gauntlet/events';
import { ensureBrokers } from '@gauntlet/testbed';

export const BROKER_KINDS = ['nats', 'rabbitmq', 'kafka'] as const;
export type TestBrokerKind = (typeof BROKER_KINDS)[number];

export async function brokerConnection(kind: TestBrokerKind): Promise<BrokerConnection> {
  const facts = await ensureBrokers([kind]);
  switch (kind) {
    case 'nats':
      return { kind, url: facts.nats!.url };
    case 'rabbitmq':
      return {
        kind,
        url: facts.rabbitmq!.url,
        managementUrl: facts.rabbitmq!.managementUrl,
        user: 'guest',
        pass: 'guest',
      };
    case 'kafka':
      return { kind, brokers: [facts.kafka!.bootstrap] };
  }
}

export async function connectTestBroker(kind: TestBrokerKind): Promise<BrokerClient> {
  return connectBroker(await brokerConnection(kind));
}
