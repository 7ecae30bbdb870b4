/**
 * Acknowledged delivery read back from Kafka 4.1.1 on the test bed: a mark at the topic's end offsets, then every
 * message published since is read back by a consumer of its own (no commit), so the probe can check that none the
 * broker acknowledged is missing. (A deleted topic reads back as `gone`.)
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAcknowledgedDelivery, type BrokerClient } from '@gauntlet/events';
import { connectTestBroker } from './brokers.js';

let client: BrokerClient;

describe('acknowledged delivery on Kafka', () => {
  beforeAll(async () => {
    client = await connectTestBroker('kafka');
  }, 120_000);
  afterAll(async () => {
    await client?.close();
  });

  const spec = (topic: string) => ({
    name: 'acked',
    publish: { channel: topic, headers: { 'x-correlation-id': '{{correlationId}}' }, body: '{"n":{{index}}}' },
    correlation: { header: 'x-correlation-id' },
    total: 60,
    ratePerSecond: 200,
  });

  it('reads back every acknowledged message since the mark (and none from before it)', async () => {
    const topic = `readback-${randomUUID().slice(0, 8)}`;
    await client.ensureChannel(topic);
    for (let i = 0; i < 5; i++) await client.publish({ channel: topic, body: `before-${i}` });
    const v = await runAcknowledgedDelivery({ client, runId: 'r1' }, spec(topic));
    expect(v.status, v.reason).toBe('pass');
    expect(v.numbers).toMatchObject({ acknowledged: 60, stored: 60, lost: 0, storedDuplicates: 0 });
  });
});
