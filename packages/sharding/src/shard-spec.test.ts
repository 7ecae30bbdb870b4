import { InputError } from '@gauntlet/action-kit';
import { describe, expect, it } from 'vitest';
import { parseShardCount, parseShardSpec } from './shard-spec.js';

describe('parseShardSpec (SH-09)', () => {
  it.each([
    ['1/1', 1, 1],
    ['3/4', 3, 4],
    [' 2/256 ', 2, 256],
  ])('%s is valid', (input, index, total) => {
    expect(parseShardSpec(input)).toEqual({ index, total });
  });

  it.each([
    ['0/3', /start at 1/],
    ['4/3', /greater than the total/],
    ['-1', /not a shard spec/],
    ['1/0', /at least 1/],
    ['a/b', /whole numbers/],
    ['1/257', /256/],
    ['1.5/3', /whole numbers/],
    ['1/3/4', /not a shard spec/],
    ['', /not a shard spec/],
    ['+1/3', /whole numbers/],
  ])('%s → InputError %s', (input, message) => {
    expect(() => parseShardSpec(input)).toThrow(InputError);
    expect(() => parseShardSpec(input)).toThrow(message);
    expect(() => parseShardSpec(input)).toThrow(/Input 'shard'/);
  });
});

describe('parseShardCount', () => {
  it('accepts auto and 1–256', () => {
    expect(parseShardCount('auto')).toBe('auto');
    expect(parseShardCount(' AUTO ')).toBe('auto');
    expect(parseShardCount('64')).toBe(64);
  });
  it.each(['0', '257', '-2', 'x', '1e3'])('%s is rejected', (v) => {
    expect(() => parseShardCount(v)).toThrow(InputError);
  });
});
