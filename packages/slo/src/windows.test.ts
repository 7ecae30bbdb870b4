import { describe, expect, it } from 'vitest';
import { chooseStepMs, resolveWindow, scaleBurnTiers } from './windows.js';
import { WORKBOOK_TIERS } from './burn-rate-policy.js';

const END = 1_800_000_000_000;

describe('windows', () => {
  it('chooses a nice step within the point budget and at least the minimum', () => {
    expect(chooseStepMs(3 * 86_400_000, 60_000)).toBe(300_000);
    expect(chooseStepMs(3_600_000, 4_000)).toBe(5_000);
    expect(chooseStepMs(600_000, 60_000)).toBe(60_000);
  });
  it('resolves since-start windows to whole steps after the start', () => {
    const w = resolveWindow({ kind: 'since-start' }, END, END - 1_234_567, 10_000, 4_000);
    if ('error' in w) throw new Error(w.error);
    expect(w.steps).toBe(123);
    expect(w.durationMs).toBe(1_230_000);
    expect(w.startMs).toBeGreaterThanOrEqual(END - 1_234_567);
    expect(w.label).toMatch(/^since start/);
    expect(resolveWindow({ kind: 'since-start' }, END, undefined, undefined, 4_000)).toHaveProperty('error');
  });
  it('scales the workbook windows so 3 d maps onto the evaluation window, clamped to [min, window]', () => {
    const w = resolveWindow({ kind: 'duration', ms: 3_600_000 }, END, undefined, 1_000, 1_000);
    if ('error' in w) throw new Error(w.error);
    const tiers = scaleBurnTiers(WORKBOOK_TIERS, w, 2_000, true);
    expect(tiers.map((t) => [t.longMs, t.shortMs])).toEqual([
      [50_000, 4_000],
      [300_000, 25_000],
      [3_600_000, 300_000],
    ]);
    const unscaled = scaleBurnTiers(WORKBOOK_TIERS, w, 2_000, false);
    expect(unscaled[0]).toMatchObject({ longMs: 3_600_000, shortMs: 300_000 });
    expect(unscaled[2]).toMatchObject({ longMs: 3_600_000, nominalLongMs: 259_200_000 });
  });
});

describe('two resolutions for long windows', () => {
  it('keeps one query up to 720 steps and splits longer windows into a fine recent span and a coarse whole', async () => {
    const { chooseResolutions, resolutionFor } = await import('./windows.js');
    const short = resolveWindow({ kind: 'duration', ms: 3_600_000 }, END, undefined, 5_000, 1_000);
    if ('error' in short) throw new Error(short.error);
    expect(chooseResolutions(short, true).resolutions).toHaveLength(1);
    const long = resolveWindow({ kind: 'duration', ms: 3 * 86_400_000 }, END, undefined, undefined, 60_000);
    if ('error' in long) throw new Error(long.error);
    expect(long.stepMs).toBe(300_000);
    const { window, resolutions } = chooseResolutions(long, true);
    expect(resolutions).toEqual([
      { stepMs: 300_000, steps: 180, spanMs: 54_000_000 },
      { stepMs: 1_800_000, steps: 144, spanMs: 259_200_000 },
    ]);
    expect(window).toMatchObject({ durationMs: 259_200_000, stepMs: 1_800_000, steps: 144 });
    const tiers = scaleBurnTiers(WORKBOOK_TIERS, window, 600_000, true, resolutions);
    expect(tiers.map((t) => [t.longMs, t.shortMs])).toEqual([
      [3_600_000, 600_000],
      [21_600_000, 1_800_000],
      [259_200_000, 21_600_000],
    ]);
    expect(resolutionFor(resolutions, 600_000)).toBe(0);
    expect(resolutionFor(resolutions, 21_600_000)).toBe(0);
    expect(resolutionFor(resolutions, 259_200_000)).toBe(1);
    expect(chooseResolutions(long, false).resolutions).toHaveLength(1);
  });
});
