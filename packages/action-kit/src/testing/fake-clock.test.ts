import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.js';

describe('FakeClock', () => {
  it('completes a sleep at once by default and moves time forward by it', async () => {
    const clock = new FakeClock({ start: 1_000 });
    await clock.sleep(250);
    await clock.sleep(-5);
    expect(clock.now()).toBe(1_250);
    expect(clock.sleeps).toEqual([250, -5]);
  });

  it('yields to the event loop on every sleep, as a real one does', async () => {
    const clock = new FakeClock();
    let ticked = false;
    setImmediate(() => (ticked = true));
    await clock.sleep(0);
    expect(ticked).toBe(true);
  });

  it('without autoAdvance, wakes a sleeper only when advance passes its deadline', async () => {
    const clock = new FakeClock({ start: 0, autoAdvance: false });
    let woke = false;
    const sleeping = clock.sleep(100).then(() => (woke = true));
    clock.advance(99);
    await new Promise((resolve) => setImmediate(resolve));
    expect(woke).toBe(false);
    clock.advance(1);
    await sleeping;
    expect(woke).toBe(true);
  });

  it('rejects with an AbortError when the signal aborts, in either mode', async () => {
    for (const autoAdvance of [true, false]) {
      const clock = new FakeClock({ autoAdvance });
      const controller = new AbortController();
      const sleeping = clock.sleep(60_000, controller.signal);
      controller.abort();
      await expect(sleeping).rejects.toMatchObject({ name: 'AbortError' });
      await expect(clock.sleep(1, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
    }
  });
});
