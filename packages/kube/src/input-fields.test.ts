import { describe, expect, it } from 'vitest';
import { InputError } from '@gauntlet/action-kit';
import { checkLabelMap, readQuantityMap, readResourceRequirements, readTolerations } from './input-fields.js';

/** The messages name the input and the place; the API server's agreement is test/shard-and-run/pod-fields.test.ts. */
describe('Kubernetes vocabulary in inputs', () => {
  it('names the input, the place and the value in every refusal', () => {
    const message = (f: () => unknown): string => {
      try {
        f();
      } catch (error) {
        expect(error).toBeInstanceOf(InputError);
        return (error as Error).message;
      }
      throw new Error('not refused');
    };
    expect(message(() => readResourceRequirements('resources', { requests: { cpu: 'lots' } }))).toBe(
      `Input 'resources': requests.cpu: "lots" is not a Kubernetes quantity`,
    );
    expect(message(() => readQuantityMap('limit-range', { 'not a name': '1' }))).toMatch(
      /^Input 'limit-range': "not a name" is not a resource name/,
    );
    expect(message(() => readTolerations('tolerations', [{ key: 'a' }, { key: 'b', effect: 'NoRun' }]))).toMatch(
      /^Input 'tolerations': item 2: effect must be/,
    );
    expect(
      message(() => checkLabelMap('labels', { 'gauntlet.dev/x': 'y' }, (k) => k.startsWith('gauntlet.dev/'))),
    ).toBe(`Input 'labels': "gauntlet.dev/x" is reserved`);
    // A huge hostile value is cut short in the message.
    expect(message(() => readQuantityMap('r', { cpu: 'x'.repeat(10_000) })).length).toBeLessThan(200);
  });

  it('takes YAML numbers as their text, trims quantities, and reads null as nothing', () => {
    expect(readQuantityMap('r', { cpu: 0.5, memory: ' 1Gi ' })).toEqual({ cpu: '0.5', memory: '1Gi' });
    expect(readQuantityMap('r', null)).toEqual({});
    expect(() => readQuantityMap('r', { cpu: Number.POSITIVE_INFINITY })).toThrow(/not a Kubernetes quantity/);
    expect(readTolerations('t', null)).toEqual([]);
    expect(readTolerations('t', [{ key: 'k', value: true }])).toEqual([{ key: 'k', value: 'true' }]);
  });
});
