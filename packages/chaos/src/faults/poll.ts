import type { KubeObject } from '@gauntlet/kube';
import type { FaultContext } from './types.js';

type PollContext = Pick<FaultContext, 'client' | 'now' | 'signal'>;

/** Reads until `done` says so or `ms` pass (a condition, never a fixed sleep); the last value read. */
export async function pollUntil<T>(
  ctx: Pick<FaultContext, 'now'>,
  ms: number,
  read: () => Promise<T>,
  done: (value: T) => boolean,
): Promise<T> {
  const until = ctx.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || ctx.now() >= until) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Polls the live object until `done` says so or `ms` pass; the last object read (undefined when it is gone). */
export function pollObject<T extends KubeObject>(
  ctx: PollContext,
  path: string,
  ms: number,
  done: (o: T | undefined) => boolean,
): Promise<T | undefined> {
  return pollUntil(ctx, ms, () => ctx.client.getOptional<T>(path, ctx.signal), done);
}
