/**
 * A small order projection for replay tests (test-only): it reads orders from a channel and serves its read model
 * — orders counted and amounts summed per key — as JSON over HTTP on a loopback port. `last-write-wins` is the
 * broken variant: it overwrites a key's total with the latest amount instead of adding, so a replay of a stream
 * with several orders per key rebuilds a different read model.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrokerClient } from '../brokers/client.js';
import { bodyJson } from '../model.js';

export type ProjectionVariant = 'correct' | 'last-write-wins';

export interface OrderProjection {
  readonly url: string;
  readModel(): { orders: number; totals: Record<string, number> };
  stop(): Promise<void>;
}

export async function startOrderProjection(
  client: BrokerClient,
  channel: string,
  variant: ProjectionVariant = 'correct',
): Promise<OrderProjection> {
  const model = { orders: 0, totals: {} as Record<string, number> };
  const tap = await client.tap(channel, (e) => {
    const body = bodyJson(e);
    if (!body.ok || !body.value || typeof body.value !== 'object') return;
    const { key, amount } = body.value as { key?: unknown; amount?: unknown };
    if (typeof key !== 'string' || typeof amount !== 'number') return;
    model.orders += 1;
    model.totals[key] = variant === 'correct' ? (model.totals[key] ?? 0) + amount : amount;
  });
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(model));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/read-model`,
    readModel: () => structuredClone(model),
    async stop() {
      await tap.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
