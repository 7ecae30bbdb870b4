import { describe, expect, it } from 'vitest';
import { outcomeOf } from './job-status.js';

describe('outcomeOf', () => {
  const job = (runner: string, conclusions: Array<string | null>, status = 'in_progress') => ({
    status,
    runner_name: runner,
    steps: conclusions.map((conclusion) => ({ conclusion })),
  });
  it('finds the failed or cancelled step of the job on this runner', () => {
    expect(outcomeOf([job('r1', ['success', 'failure', null]), job('r2', ['success'])], 'r1')).toBe('failed');
    expect(outcomeOf([job('r1', ['success', 'cancelled'])], 'r1')).toBe('cancelled');
    expect(outcomeOf([job('r1', ['success', 'skipped', null])], 'r1')).toBe('succeeding');
  });
  it('is unknown when the job cannot be told apart', () => {
    expect(outcomeOf([job('r1', ['failure'])], undefined)).toBe('unknown');
    expect(outcomeOf([job('r1', ['failure']), job('r1', ['success'])], 'r1')).toBe('unknown');
    expect(outcomeOf([job('r1', ['failure'], 'completed')], 'r1')).toBe('unknown');
    expect(outcomeOf([], 'r1')).toBe('unknown');
  });
});
