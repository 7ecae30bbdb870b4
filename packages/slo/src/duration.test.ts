import { describe, expect, it } from 'vitest';
import { promDuration, tryParseDuration } from './duration.js';

describe('durations', () => {
  it('parses Prometheus/OpenSLO spellings and bare seconds', () => {
    expect(tryParseDuration('250ms')).toBe(250);
    expect(tryParseDuration('1h30m')).toBe(5_400_000);
    expect(tryParseDuration('1w')).toBe(604_800_000);
    expect(tryParseDuration(0.3)).toBe(300);
    expect(tryParseDuration('90')).toBe(90_000);
    expect(tryParseDuration('5 minutes')).toBeUndefined();
    expect(tryParseDuration('-5m')).toBeUndefined();
  });
  it('formats for PromQL', () => {
    expect(promDuration(30_000)).toBe('30s');
    expect(promDuration(1500)).toBe('1500ms');
  });
});
