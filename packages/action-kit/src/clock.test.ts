import { describe, expect, it } from 'vitest';
import { sleepUntilDone, systemClock } from './clock.js';

describe('sleepUntilDone', () => {
  it('re-arms when the timer fires before the time is up', async () => {
    // A timer that "fires early": the first two checks still report time left.
    const readings = [5, 3, 1, 0];
    let checks = 0;
    await sleepUntilDone(() => readings[Math.min(checks++, readings.length - 1)]!);
    expect(checks).toBe(4);
  });

  it('yields to the event loop even for zero', async () => {
    let ticked = false;
    setImmediate(() => (ticked = true));
    await sleepUntilDone(() => 0);
    expect(ticked).toBe(true);
  });

  it('rejects with an AbortError when the signal aborts', async () => {
    const controller = new AbortController();
    const sleeping = sleepUntilDone(() => 60_000, controller.signal);
    controller.abort();
    await expect(sleeping).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('systemClock.sleep', () => {
  it('never resolves before the time asked for', async () => {
    for (const ms of [1, 7, 15]) {
      const start = Date.now();
      await systemClock.sleep(ms);
      expect(Date.now() - start).toBeGreaterThanOrEqual(ms);
    }
  });
});
