import { RecordingLogger } from '@gauntlet/action-kit/testing';
import { describe, expect, it } from 'vitest';
import {
  emptyTimingStore,
  parseTimingStore,
  serializeTimingStore,
  storeFromFlatMap,
  updateTimingStore,
} from './timing-store.js';
import { parseTolerantJson, NON_FINITE } from './timing-validation.js';

describe('parseTimingStore validation (SH-03)', () => {
  it('drops bad entries with one warning per kind and keeps the good ones', () => {
    const log = new RecordingLogger();
    const text = `{
      "a.py::ok": 1.5, "a.py::ok2": 2,
      "a.py::neg1": -1, "a.py::neg2": -0.5,
      "a.py::nan": NaN, "a.py::inf": Infinity, "a.py::ninf": -Infinity,
      "a.py::huge": 1e12, "a.py::str": "3", "a.py::null": null,
      "": 1
    }`;
    const store = parseTimingStore(text, log, { source: 'cache' });
    expect([...store.entries.keys()].sort()).toEqual(['a.py::ok', 'a.py::ok2']);
    const warnings = log.messages('warning');
    expect(warnings).toHaveLength(5); // negative, non-finite, absurd, shape, bad-key
    expect(warnings.find((w) => w.includes('negative'))).toContain('2 entries');
    expect(warnings.find((w) => w.includes('NaN'))).toContain('3 entries');
  });

  it.each([
    ['corrupt JSON', '{"a": 1,'],
    ['an array', '[1, 2]'],
    ['a number', '42'],
    ['empty', ''],
    ['unsupported version', '{"format": "gauntlet-timings", "version": 99, "tests": {}}'],
    ['tests not an object', '{"format": "gauntlet-timings", "version": 1, "tests": []}'],
  ])('%s gives an empty store and one warning, never a throw', (_, text) => {
    const log = new RecordingLogger();
    expect(parseTimingStore(text, log).entries.size).toBe(0);
    expect(log.messages('warning')).toHaveLength(1);
  });

  it('ignores input over the size cap without parsing it', () => {
    const log = new RecordingLogger();
    const store = parseTimingStore(`{"a": 1, "pad": "${'x'.repeat(2000)}"}`, log, { limits: { maxBytes: 1000 } });
    expect(store.entries.size).toBe(0);
    expect(log.messages('warning')[0]).toContain('size cap');
  });

  it('canonicalises keys (Windows separators, ./) and keeps the larger of colliding values', () => {
    const store = parseTimingStore('{"tests\\\\a.py::t": 1, "./tests/a.py::t": 3}', new RecordingLogger());
    expect(store.entries.get('tests/a.py::t')?.seconds).toBe(3);
  });

  it('neutralises untrusted keys in warnings', () => {
    const log = new RecordingLogger();
    parseTimingStore('{"::add-mask::x\\n::warning::forged": -1}', log);
    for (const line of log.messages('warning').join('\n').split('\n')) expect(line).not.toMatch(/^\s*::/);
  });

  it('tolerant JSON leaves NaN inside strings alone', () => {
    expect(parseTolerantJson('{"NaN": NaN, "x": "Infinity"}')).toEqual({ NaN: NON_FINITE, x: 'Infinity' });
  });
});

describe('serialise and update', () => {
  it('round-trips byte-identically with keys in code-unit order', () => {
    const store = updateTimingStore(
      storeFromFlatMap(
        new Map([
          ['b.py::x', 2],
          ['a.py::y', 1.234567891],
        ]),
      ),
      new Map([['ä.py::z', 3]]),
      {
        shardOverheadSeconds: 80,
      },
    );
    const text = serializeTimingStore(store);
    expect(text.indexOf('"a.py::y"')).toBeLessThan(text.indexOf('"b.py::x"'));
    expect(text.indexOf('"b.py::x"')).toBeLessThan(text.indexOf('"ä.py::z"'));
    const again = parseTimingStore(text, new RecordingLogger());
    expect(serializeTimingStore(again)).toBe(text);
    expect(again.shardOverhead?.seconds).toBe(80);
    expect(again.entries.get('a.py::y')?.seconds).toBe(1.234568);
  });

  it('smooths within the band, follows step changes, ages and prunes missing tests', () => {
    let store = storeFromFlatMap(
      new Map([
        ['a::t', 10],
        ['b::t', 10],
        ['c::t', 10],
      ]),
    );
    store = updateTimingStore(
      store,
      new Map([
        ['a::t', 11],
        ['b::t', 30],
      ]),
      { maxMissedRuns: 1 },
    );
    expect(store.entries.get('a::t')).toEqual({ seconds: 10.5, samples: 2, missedRuns: 0 }); // EWMA 0.5
    expect(store.entries.get('b::t')?.seconds).toBe(30); // 3x: a real change, taken as is
    expect(store.entries.get('c::t')?.missedRuns).toBe(1);
    store = updateTimingStore(store, new Map([['a::t', 10.5]]), { maxMissedRuns: 1 });
    expect(store.entries.has('c::t')).toBe(false);
  });

  it('empty store serialises to a valid empty store', () => {
    const text = serializeTimingStore(emptyTimingStore());
    expect(parseTimingStore(text, new RecordingLogger()).entries.size).toBe(0);
  });
});

describe('timing files: bounded', () => {
  it('a 1 Mi-deep JSON array is corrupt data, not a parser crash', () => {
    expect(parseTolerantJson('['.repeat(1024 * 1024))).toBeUndefined();
    expect(parseTolerantJson(`${'['.repeat(200)}NaN${']'.repeat(200)}`)).toBeUndefined();
  });
});
