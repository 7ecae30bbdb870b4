import { seededRandom } from '@gauntlet/action-kit';
import { describe, expect, it } from 'vitest';
import { decide, malform, validateMix } from './faults.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('data fault mix', () => {
  it('names every invalid field', () => {
    expect(validateMix({ duplicate: 1.5, drop: -1, reorderWindow: 1, delayMs: 1e9 })).toEqual([
      'duplicate must be a fraction from 0 to 1, got 1.5',
      'drop must be a fraction from 0 to 1, got -1',
      'reorderWindow must be an integer from 2 to 1000, got 1',
      'delayMs must be from 0 to 60000, got 1000000000',
    ]);
    expect(validateMix({ malformed: 0.1, malformations: ['missing-field'] })).toEqual([
      'missing-field and wrong-type malformations need `field`, the payload property they target',
    ]);
    expect(validateMix({ malformed: 0.1, malformations: ['bogus' as never] })[0]).toMatch(
      /unknown malformation "bogus"/,
    );
  });

  it('replays the same decisions from the same seed, at the asked rates', () => {
    const run = (seed: number) => {
      const r = seededRandom(seed);
      return Array.from({ length: 10_000 }, () => decide({ duplicate: 0.2, drop: 0.1 }, r).kind);
    };
    const a = run(3);
    expect(a).toEqual(run(3));
    expect(a).not.toEqual(run(4));
    const drops = a.filter((k) => k === 'drop').length / a.length;
    const dups = a.filter((k) => k === 'duplicate').length / a.length;
    expect(drops).toBeGreaterThan(0.08);
    expect(drops).toBeLessThan(0.12);
    // Duplicates are drawn independently, then lose to a drop of the same message: 0.2 × 0.9.
    expect(dups).toBeGreaterThan(0.16);
    expect(dups).toBeLessThan(0.2);
  });

  it('malforms payloads as asked, and a non-object body as invalid JSON', () => {
    const body = new TextEncoder().encode(JSON.stringify({ orderId: 'a', amount: 5 }));
    expect(JSON.parse(text(malform(body, 'missing-field', 'amount')))).toEqual({ orderId: 'a' });
    expect(JSON.parse(text(malform(body, 'wrong-type', 'amount')))).toEqual({ orderId: 'a', amount: 'not-a-number' });
    expect(JSON.parse(text(malform(body, 'unknown-version', undefined))).schemaVersion).toBe(999);
    expect(() => JSON.parse(text(malform(body, 'invalid-json', undefined)))).toThrow();
    expect(() => JSON.parse(text(malform(new TextEncoder().encode('plain'), 'missing-field', 'x')))).toThrow();
  });
});
