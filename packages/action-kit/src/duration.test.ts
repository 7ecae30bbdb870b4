import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

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
});
