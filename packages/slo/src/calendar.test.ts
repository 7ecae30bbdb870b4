import { describe, expect, it } from 'vitest';
import { currentPeriod } from './calendar.js';
import type { CalendarWindow, SloDefinition } from './model.js';
import { planSlo } from './plan.js';
import { resolveOptions } from './options.js';
import { parseQueryTemplate } from './template.js';

const window = (text: string, unit: CalendarWindow['unit'], count: number, startTime: string, timeZone: string) =>
  ({ kind: 'calendar', text, unit, count, startTime, timeZone }) as const satisfies CalendarWindow;
const utc = (iso: string): number => Date.parse(iso);

describe('calendar periods', () => {
  it('a month in New York starts at local midnight on the 1st (EST = UTC-5)', () => {
    const p = currentPeriod(
      window('1M', 'month', 1, '2022-01-01 00:00:00', 'America/New_York'),
      utc('2026-12-02T18:00:00Z'),
    );
    expect(new Date(p.startMs).toISOString()).toBe('2026-12-01T05:00:00.000Z');
    expect(new Date(p.endMs).toISOString()).toBe('2027-01-01T05:00:00.000Z');
    expect(p.startLabel).toBe('2026-12-01 00:00 America/New_York');
  });
  it('a quarter keeps its start hour across daylight saving (EDT = UTC-4 in July)', () => {
    const p = currentPeriod(
      window('1Q', 'quarter', 1, '2022-01-01 12:00:00', 'America/New_York'),
      utc('2026-08-15T00:00:00Z'),
    );
    expect(new Date(p.startMs).toISOString()).toBe('2026-07-01T16:00:00.000Z');
    expect(new Date(p.endMs).toISOString()).toBe('2026-10-01T16:00:00.000Z');
  });
  it('a month starting on the 31st ends on the last day of a shorter month', () => {
    const p = currentPeriod(window('1M', 'month', 1, '2026-01-31 00:00:00', 'UTC'), utc('2026-02-28T12:00:00Z'));
    expect(new Date(p.startMs).toISOString()).toBe('2026-02-28T00:00:00.000Z');
  });
  it('two-week periods from a start time, also before it', () => {
    const w = window('2w', 'week', 2, '2026-01-05 00:00:00', 'UTC');
    expect(new Date(currentPeriod(w, utc('2026-01-20T00:00:00Z')).startMs).toISOString()).toBe(
      '2026-01-19T00:00:00.000Z',
    );
    expect(new Date(currentPeriod(w, utc('2026-01-04T00:00:00Z')).startMs).toISOString()).toBe(
      '2025-12-22T00:00:00.000Z',
    );
  });
  it('the period always holds now (random instants, several zones and units)', () => {
    const zones = ['UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe'];
    const units: Array<[CalendarWindow['unit'], string]> = [
      ['day', '1d'],
      ['week', '1w'],
      ['month', '1M'],
      ['quarter', '1Q'],
      ['year', '1Y'],
    ];
    for (let i = 0; i < 200; i += 1) {
      const zone = zones[i % zones.length] as string;
      const [unit, text] = units[i % units.length] as [CalendarWindow['unit'], string];
      const now = utc('2020-01-01T00:00:00Z') + ((i * 7_919_993_311) % 220_000_000_000);
      const p = currentPeriod(window(text, unit, 1, '2021-03-28 02:30:00', zone), now);
      expect(p.startMs).toBeLessThanOrEqual(now);
      expect(p.endMs).toBeGreaterThan(now);
    }
  });
});

describe('calendar windows in a plan', () => {
  const slo = {
    name: 'sla',
    origin: 's.yaml',
    format: 'openslo',
    weight: 1,
    key: true,
    sli: { kind: 'promql', query: parseQueryTemplate('min(up)'), op: '>=', threshold: 1, mode: 'instant' },
    objective: { window: window('1M', 'month', 1, '2022-01-01 00:00:00', 'UTC') },
  } as const satisfies SloDefinition;
  const now = utc('2026-12-03T06:00:00Z');
  it('covers the current period up to now', () => {
    const plan = planSlo(slo, {}, resolveOptions({ nowMs: now }));
    expect(plan.window?.startMs).toBe(utc('2026-12-01T00:00:00Z'));
    expect(plan.window?.label).toBe('calendar 1M since 2026-12-01 00:00 UTC (2d6h)');
  });
  it('in an environment younger than the period, covers the part since it started, and says so', () => {
    const plan = planSlo(slo, {}, resolveOptions({ nowMs: now, startedAtMs: now - 10 * 60_000 }));
    expect(plan.window?.durationMs).toBe(10 * 60_000);
    expect(plan.window?.label).toBe('since start (10m) of its calendar 1M window');
  });
});
