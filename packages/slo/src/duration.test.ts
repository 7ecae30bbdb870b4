import { describe, expect, it } from 'vitest';
import { promDuration } from './duration.js';

describe('durations', () => {
  it('formats for PromQL', () => {
    expect(promDuration(30_000)).toBe('30s');
    expect(promDuration(1500)).toBe('1500ms');
  });
});
