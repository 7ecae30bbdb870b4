/**
 * kafkajs's request queue as patched (patches/kafkajs@2.2.4.patch): a response with nothing pending arms no timer.
 * Unpatched, it armed `throttledUntil (-1) - Date.now()` ms, a TimeoutNegativeWarning that Node runs at 1 ms and
 * that rescheduled itself for as long as the connection lived, in every Kafka client of ours and of the bundle.
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';

interface Entry {
  correlationId: number;
  apiName: string;
  apiKey: number;
  apiVersion: number;
  resolve: (response: unknown) => void;
  reject: (error: unknown) => void;
}
interface RequestQueue {
  push(request: { entry: Entry; expectResponse: boolean; sendRequest: () => void }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
}
type RequestQueueClass = new (options: Record<string, unknown>) => RequestQueue;

const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as RequestQueueClass;
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function queue(): RequestQueue {
  return new RequestQueue({
    maxInFlightRequests: null,
    requestTimeout: 30_000,
    clientId: 't',
    broker: 'b:9092',
    logger: silent,
  });
}

function request(correlationId: number, sent: number[], resolved: number[]) {
  const entry: Entry = {
    correlationId,
    apiName: 'Metadata',
    apiKey: 3,
    apiVersion: 6,
    resolve: () => void resolved.push(correlationId),
    reject: () => undefined,
  };
  return { entry, expectResponse: true, sendRequest: () => void sent.push(correlationId) };
}

describe('kafkajs request queue (patched)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('arms no timer after a response when nothing is pending', () => {
    vi.useFakeTimers();
    const q = queue();
    const sent: number[] = [];
    const resolved: number[] = [];
    q.push(request(1, sent, resolved));
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(resolved).toEqual([1]);
    expect(vi.getTimerCount()).toBe(0);
    q.destroy();
  });

  it('still sends a request held by a throttle once the throttle ends', () => {
    vi.useFakeTimers();
    const q = queue();
    const sent: number[] = [];
    q.maybeThrottle(50);
    q.push(request(2, sent, []));
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(60);
    expect(sent).toEqual([2]);
    q.destroy();
  });
});
