/** What every probe receives: the broker client it works through, a clock, and the run id its ids derive from. */
import type { BrokerClient, Tap, TapOptions } from '../brokers/client.js';
import type { ObservedEvent } from '../model.js';

export interface ProbeContext {
  readonly client: BrokerClient;
  /** Correlation ids are `${runId}-${probe}-${n}`: unique per run, findable in the system's logs. */
  readonly runId: string;
  /** The clock the client stamps `receivedAt` with (the `now` given to connectBroker); default Date.now. */
  readonly now?: () => number;
  readonly signal?: AbortSignal;
}

export interface ObservedChannel {
  readonly channel: string;
  readonly bindingKey?: string;
}

/** Opens taps on every channel (each provably live before this resolves); closes them all if one fails. */
export async function openTaps(
  ctx: ProbeContext,
  channels: readonly ObservedChannel[],
  onEvent: (index: number, event: ObservedEvent) => void,
): Promise<{ close(): Promise<void> }> {
  const taps: Tap[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(taps.map((t) => t.close().catch(() => undefined)));
  };
  try {
    for (const [i, c] of channels.entries()) {
      const options: TapOptions = c.bindingKey !== undefined ? { bindingKey: c.bindingKey } : {};
      taps.push(await ctx.client.tap(c.channel, (e) => onEvent(i, e), options));
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { close };
}

/** Resolves after `ms`, or early when `until()` becomes true (checked on every `poke()`) or the signal aborts. */
export function waitFor(ms: number, signal?: AbortSignal): { promise: Promise<void>; poke(done: boolean): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  const timer = setTimeout(resolve, ms);
  const onAbort = (): void => resolve();
  signal?.addEventListener('abort', onAbort, { once: true });
  void promise.then(() => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  });
  return { promise, poke: (done) => done && resolve() };
}
