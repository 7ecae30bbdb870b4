import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, tryParseDuration } from './duration.js';

describe('durations', () => {
  it('round-trips common forms', () => {
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(250)).toBe('250ms');
  });

  it('rejects units it does not know and trailing garbage', () => {
    expect(() => parseDuration('5y')).toThrow();
    expect(() => parseDuration('5m!')).toThrow();
    expect(() => parseDuration('-5s')).toThrow();
  });

  describe('tryParseDuration (documents: strings or numbers of seconds)', () => {
    it('parses Prometheus/OpenSLO spellings and bare seconds', () => {
      expect(tryParseDuration('250ms')).toBe(250);
      expect(tryParseDuration('1h30m')).toBe(5_400_000);
      expect(tryParseDuration('1w')).toBe(604_800_000);
      expect(tryParseDuration(0.3)).toBe(300);
      expect(tryParseDuration('90')).toBe(90_000);
      expect(tryParseDuration('5 minutes')).toBeUndefined();
      expect(tryParseDuration('-5m')).toBeUndefined();
    });
  });
});
