import { describe, expect, it } from 'vitest';
import { InputError } from './errors.js';
import { envInputSource, InputReader } from './inputs.js';

const reader = (values: Record<string, string>): InputReader => new InputReader((name) => values[name]);

describe('InputReader', () => {
  it('reads the runner variables INPUT_<NAME> with spaces as underscores', () => {
    const source = envInputSource({ INPUT_MY_INPUT: 'x', 'INPUT_DRY-RUN': 'true' });
    expect(source('my input')).toBe('x');
    expect(new InputReader(source).boolean('dry-run')).toBe(true);
  });

  it('treats blank as absent and names the input when a required one is missing', () => {
    expect(reader({ a: '   ' }).string('a')).toBeUndefined();
    expect(() => reader({}).string('token', { required: true })).toThrow("Input 'token': is required");
  });

  it('accepts YAML 1.2 core booleans only', () => {
    expect(reader({ a: 'True' }).boolean('a')).toBe(true);
    expect(reader({ a: 'FALSE' }).boolean('a')).toBe(false);
    expect(reader({}).boolean('a', true)).toBe(true);
    expect(() => reader({ a: 'yes' }).boolean('a')).toThrow(/"yes" is not a boolean; use true or false/);
  });

  it('checks integer format and range, naming the limit', () => {
    expect(reader({ n: '42' }).integer('n', { min: 1, max: 256 })).toBe(42);
    expect(() => reader({ n: '4.5' }).integer('n', { max: 10 })).toThrow(/not a whole number/);
    expect(() => reader({ n: '0' }).integer('n', { min: 1, max: 10 })).toThrow(/below the minimum 1/);
    expect(() => reader({ n: '300' }).integer('n', { max: 256 })).toThrow(/above the maximum 256/);
    expect(() => reader({ n: '0x10' }).integer('n', { max: 100 })).toThrow(InputError);
  });

  it('bounds every integer before it can lose precision or overflow', () => {
    const max = Number.MAX_SAFE_INTEGER;
    for (const huge of ['99999999999999999999999', '9007199254740993', `${'9'.repeat(400)}`, '1000000000000000']) {
      expect(() => reader({ n: huge }).integer('n', { min: 0, max }), huge).toThrow(/above the maximum/);
    }
    expect(reader({ n: '000000000000000000042' }).integer('n', { max: 100 })).toBe(42);
    expect(reader({ n: '999999999999999' }).integer('n', { max })).toBe(999_999_999_999_999);
  });

  it('parses numbers strictly', () => {
    expect(reader({ n: '0.99' }).number('n', { max: 1 })).toBe(0.99);
    expect(reader({ n: '1e-3' }).number('n', { max: 1 })).toBe(0.001);
    for (const bad of ['NaN', 'Infinity', '1e400', '12abc', '2']) {
      expect(() => reader({ n: bad }).number('n', { max: 1 })).toThrow(InputError);
    }
  });

  it('validates enums and lists the allowed values', () => {
    expect(reader({ mode: 'up' }).enumeration('mode', ['up', 'down', 'reap'] as const)).toBe('up');
    expect(() => reader({ mode: 'UP' }).enumeration('mode', ['up', 'down'] as const)).toThrow(
      'Input \'mode\': "UP" is not one of: up, down',
    );
  });

  it('parses durations and rejects garbage', () => {
    const r = reader({ a: '90s', b: '5m', c: '1h30m', d: '120', e: '5 minutes', f: '250ms' });
    const day = { maxMs: 86_400_000 };
    expect(r.duration('a', day)).toBe(90_000);
    expect(r.duration('b', day)).toBe(300_000);
    expect(r.duration('c', day)).toBe(5_400_000);
    expect(r.duration('d', day)).toBe(120_000);
    expect(r.duration('f', day)).toBe(250);
    expect(() => r.duration('e', day)).toThrow(/not a duration/);
    expect(() => reader({ a: '1s' }).duration('a', { minMs: 5000, maxMs: 10_000 })).toThrow(
      /shorter than the minimum, 5s/,
    );
    for (const huge of ['99999999999999999999999', `${'9'.repeat(400)}s`, '2d'])
      expect(() => reader({ a: huge }).duration('a', day), huge).toThrow(/longer than the maximum|not a duration/);
  });

  it('parses YAML and JSON, and reports bad YAML without a stack', () => {
    expect(reader({ y: 'a: 1\nb: [x, y]' }).yaml('y')).toEqual({ a: 1, b: ['x', 'y'] });
    expect(reader({ y: '{"a": true}' }).yaml('y')).toEqual({ a: true });
    expect(() => reader({ y: 'a: [1' }).yaml('y')).toThrow(/Input 'y': is not valid YAML/);
    // No custom tags: YAML cannot construct functions or anything but plain data.
    expect(() => reader({ y: '!!js/function "x"' }).yaml('y')).toThrow(InputError);
    // Bounded: a nested alias bomb (resource-quota, tolerations …) is refused, not expanded.
    const bomb = [
      'a0: &a0 x',
      ...Array.from({ length: 9 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(',')}]`),
    ];
    expect(() => reader({ y: bomb.join('\n') }).yaml('y')).toThrow(/^Input 'y': expands to more than/);
  });

  it('splits multi-line lists, skipping blanks and comments', () => {
    expect(reader({ l: 'a\n\n# note\nb, c\n' }).list('l')).toEqual(['a', 'b', 'c']);
    expect(reader({ l: 'a,b\nc' }).list('l', { commas: false })).toEqual(['a,b', 'c']);
  });

  it('reads key=value lines and refuses duplicates', () => {
    expect(reader({ kv: 'a=1\nb = x=y' }).keyValues('kv')).toEqual({ a: '1', b: 'x=y' });
    expect(() => reader({ kv: 'a=1\na=2' }).keyValues('kv')).toThrow(/given twice/);
    expect(() => reader({ kv: 'novalue' }).keyValues('kv')).toThrow(/key=value/);
  });

  it('shortens huge values in messages', () => {
    const error = (() => {
      try {
        reader({ a: 'x'.repeat(10_000) }).enumeration('a', ['b'] as const);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error?.message.length).toBeLessThan(200);
  });
});
