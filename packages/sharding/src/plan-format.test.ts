import { describe, expect, it } from 'vitest';
import { PlanFormatError, serializePlan, validatePlan } from './plan-format.js';
import { planShards } from './plan.js';

const runners = ['jest', 'rspec'];
const plan = planShards({ tests: ['a.test.js', 'b.test.js', 'c.test.js'], shards: 2, runner: 'jest' });
const reread = (): Record<string, unknown> => JSON.parse(serializePlan(plan)) as Record<string, unknown>;

describe('the plan format', () => {
  it('reads back what it serialised, unchanged', () => {
    expect(validatePlan(JSON.parse(serializePlan(plan)), { runners })).toEqual(plan);
    expect(serializePlan(plan).endsWith('}\n')).toBe(true);
  });

  it.each<[string, (p: Record<string, unknown>) => unknown, RegExp]>([
    ['not an object', () => [], /is not a shard plan/],
    ['another format', (p) => ({ ...p, format: 'other' }), /is not a shard plan/],
    ['another version', (p) => ({ ...p, version: 2 }), /has version 2; this action reads version 1/],
    ['a bad id', (p) => ({ ...p, id: '../x' }), /has no valid plan id/],
    ['a bad shard count', (p) => ({ ...p, shardCount: 1e6 }), /invalid shard count 1000000/],
    ['an unknown runner', (p) => ({ ...p, runner: 'nose' }), /unknown runner "nose"/],
    ['a shard too few', (p) => ({ ...p, shards: (p['shards'] as unknown[]).slice(1) }), /lists 1 shards but says 2/],
    [
      'an item without a file',
      (p) => ({ ...p, shards: [{ index: 1, items: [{ seconds: 1 }] }, (p['shards'] as unknown[])[1]] }),
      /shard 1 has an item without a file/,
    ],
    [
      'a negative duration',
      (p) => ({ ...p, shards: [{ index: 1, items: [{ file: 'a', seconds: -1 }] }, (p['shards'] as unknown[])[1]] }),
      /shard 1 has an item without a valid duration/,
    ],
    ['a selector that reads as an option', (p) => ({ ...p, selectors: { a: '--require=x' } }), /not test selectors/],
  ])('refuses %s with a PlanFormatError saying what is wrong', (_label, change, message) => {
    const wrong = change(reread());
    expect(() => validatePlan(wrong, { runners })).toThrow(PlanFormatError);
    expect(() => validatePlan(wrong, { runners })).toThrow(message);
  });
});
