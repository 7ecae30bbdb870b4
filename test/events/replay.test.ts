/**
 * Replay on the test bed's real brokers: orders published into a stored channel (a JetStream stream on NATS, a
 * topic on Kafka) build a live projection; the stream is captured from the broker (read back since a mark) and
 * replayed into a fresh, empty projection on another channel, whose read model must equal the live one. The
 * last-write-wins projection rebuilds a different model, and the verdict names the differing totals.
 */
import { randomUUID } from 'node:crypto';
import { captureStream, connectBroker, runReplay, type BrokerClient } from '@gauntlet/events';
import { ensureNatsStream, startOrderProjection, type ProjectionVariant } from '@gauntlet/events/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/polling.js';
import { brokerConnection } from './brokers.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function storedChannels(kind: 'nats' | 'kafka', client: BrokerClient): Promise<[string, string]> {
  const id = randomUUID().slice(0, 8);
  if (kind === 'nats') {
    const c = await brokerConnection('nats');
    if (c.kind !== 'nats') throw new Error('not NATS');
    await ensureNatsStream(c.url, `REPLAY_${id}`, [`rp${id}.>`]);
    return [`rp${id}.orders`, `rp${id}.replayed`];
  }
  await client.ensureChannel(`rp${id}.orders`);
  await client.ensureChannel(`rp${id}.replayed`);
  return [`rp${id}.orders`, `rp${id}.replayed`];
}

async function replayScenario(kind: 'nats' | 'kafka', variant: ProjectionVariant) {
  const client = await connectBroker(await brokerConnection(kind));
  cleanups.push(() => client.close());
  const [live, fresh] = await storedChannels(kind, client);
  const liveProjection = await startOrderProjection(client, live);
  cleanups.push(() => liveProjection.stop());
  const mark = await client.storeMark(live);
  for (let i = 0; i < 40; i++)
    await client.publish({
      channel: live,
      key: `k${i % 5}`,
      body: JSON.stringify({ key: `k${i % 5}`, amount: i + 1 }),
    });
  await eventually('the live projection saw all 40 orders', () =>
    Promise.resolve(liveProjection.readModel().orders === 40),
  );
  const expected = liveProjection.readModel();
  const events = await captureStream(mark, 1_000);
  const replayed = await startOrderProjection(client, fresh, variant);
  cleanups.push(() => replayed.stop());
  const verdict = await runReplay(
    { client, runId: 'rp' },
    { name: 'rebuild', events, into: { channel: fresh }, readModel: { url: replayed.url }, expected, timeoutMs: 5_000 },
  );
  console.log(
    `${kind} replay (${variant}): ${verdict.status}: ${verdict.reason} ${JSON.stringify(verdict.details ?? [])}`,
  );
  return { verdict, events };
}

describe.each(['nats', 'kafka'] as const)('replay into a fresh projection on %s', (kind) => {
  it('the captured stream rebuilds the live read model', async () => {
    const { verdict, events } = await replayScenario(kind, 'correct');
    expect(events).toHaveLength(40);
    expect(verdict.status, verdict.reason).toBe('pass');
  });

  it('a projection that overwrites instead of adding rebuilds another model: fail, naming the totals', async () => {
    const { verdict } = await replayScenario(kind, 'last-write-wins');
    expect(verdict.status).toBe('fail');
    expect(verdict.property).toBe('read-model');
    expect(verdict.reason).toMatch(/differs from the expected one at 5 place\(s\)/);
    expect(verdict.details![0]).toMatch(/^\/totals\/k0: expected 148, got 36$/);
  });
});
