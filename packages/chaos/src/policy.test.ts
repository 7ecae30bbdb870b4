import { describe, expect, it } from 'vitest';
import { decide, policyTable, Trajectory } from './policy.js';

describe('policy', () => {
  it('is the documented table', () => {
    expect(decide('steady', 1)).toBe('continue');
    expect(decide('breached', 1)).toBe('rollback');
    expect(decide('degraded', 1)).toBe('continue');
    expect(decide('degraded', 3)).toBe('rollback');
    expect(decide('unknown', 1)).toBe('continue');
    expect(decide('unknown', 2)).toBe('escalate');
    expect(policyTable().map((r) => r.state)).toEqual(['steady', 'degraded', 'breached', 'unknown']);
  });
  it('counts streaks in the trajectory', () => {
    const t = new Trajectory({ degradedLimit: 2, unknownLimit: 2 });
    expect(t.observe(0, 'steady', 'ok')).toBe('continue');
    expect(t.observe(1, 'degraded', 'slow')).toBe('continue');
    expect(t.observe(2, 'unknown', 'no data')).toBe('continue');
    expect(t.observe(3, 'degraded', 'slow')).toBe('continue');
    expect(t.observe(4, 'degraded', 'slow')).toBe('rollback');
    expect(t.steps.map((s) => s.streak)).toEqual([1, 1, 1, 1, 2]);
  });
});
