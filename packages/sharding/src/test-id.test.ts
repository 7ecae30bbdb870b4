import { describe, expect, it } from 'vitest';
import { canonicalTests, compareCodeUnits, compareTestIds, normalizePath, parseTestKey, testKey } from './test-id.js';

describe('normalizePath', () => {
  it.each([
    ['tests\\unit\\a.py', 'tests/unit/a.py'],
    ['./tests/a.py', 'tests/a.py'],
    ['.\\tests\\a.py', 'tests/a.py'],
    ['tests//a.py', 'tests/a.py'],
    ['tests/./a.py', 'tests/a.py'],
    ['././a.py', 'a.py'],
    ['tests/', 'tests'],
    ['/abs/a.py', '/abs/a.py'],
    ['tests/a.py', 'tests/a.py'],
    ['../up/a.py', '../up/a.py'],
  ])('%s → %s', (input, expected) => {
    expect(normalizePath(input)).toBe(expected);
  });
});

describe('test keys', () => {
  it('splits on the first :: only, keeping the name byte-for-byte', () => {
    expect(parseTestKey('tests\\a.py::TestX::test_y[a\\b]')).toEqual({
      file: 'tests/a.py',
      name: 'TestX::test_y[a\\b]',
    });
    expect(parseTestKey('spec/a_spec.rb')).toEqual({ file: 'spec/a_spec.rb' });
    expect(testKey({ file: 'a.py', name: 'x::y' })).toBe('a.py::x::y');
  });
});

describe('canonical order', () => {
  it('compares code units, not locale collation', () => {
    const words = ['z', 'ä', 'a', 'B', 'ı', 'I', 'i', 'İ'];
    expect([...words].sort(compareCodeUnits)).toEqual(['B', 'I', 'a', 'i', 'z', 'ä', 'İ', 'ı']);
  });

  it('orders by file, whole file first, then name; a directory prefix before its contents', () => {
    const ids = [{ file: 'a/b.py', name: 't' }, { file: 'a.py', name: 'x' }, { file: 'a.py' }, { file: 'a/b.py' }];
    const sorted = [...ids].sort(compareTestIds).map(testKey);
    expect(sorted).toEqual(['a.py', 'a.py::x', 'a/b.py', 'a/b.py::t']);
  });

  it('canonicalTests is independent of order and separators, de-duplicates, and lets a whole file absorb its tests', () => {
    const a = canonicalTests(['b.py::t2', 'a\\x.py::t', './a/x.py::t', 'b.py', 'b.py::t1', 'c.py::z', 'c.py::a']);
    const b = canonicalTests(['c.py::a', 'b.py::t1', 'c.py::z', 'b.py', 'a/x.py::t', 'b.py::t2']);
    expect(a).toEqual(b);
    expect(a.map(testKey)).toEqual(['a/x.py::t', 'b.py', 'c.py::a', 'c.py::z']);
  });

  it('agrees with compareTestIds on tricky names', () => {
    const keys = ['a', 'a b', 'a-b', 'a/b', 'a.b', 'A', 'ä', 'a::', 'a::x', 'a::X', 'a\u0001'];
    const ids = canonicalTests(keys);
    expect(ids).toEqual([...ids].sort(compareTestIds));
  });
});
