import { describe, expect, it } from 'vitest';
import { estimateTests } from './estimates.js';
import { canonicalTests, testKey } from './test-id.js';
import { storeFromFlatMap } from './timing-store.js';

const store = storeFromFlatMap(
  new Map([
    ['tests/slow/a.py::t1', 10],
    ['tests/slow/a.py::t2', 20],
    ['tests/slow/a.py::t3', 30],
    ['tests/fast/b.py::t', 0.1],
    ['tests/fast/c.py::t', 0.2],
    ['old/place/moved.py::test_m', 60],
    ['spec/whole_spec.rb', 8],
    ['spec/features/f1_spec.rb', 100],
    ['spec/features/f2_spec.rb', 120],
    ['spec/models/m_spec.rb', 1],
  ]),
);

function sources(keys: string[]) {
  const tests = canonicalTests(keys);
  return Object.fromEntries(estimateTests(tests, store).map((e, i) => [testKey(tests[i]!), [e.source, e.us / 1e6]]));
}

describe('estimateTests fallbacks', () => {
  it('timing, siblings, moved, file share, directory, suite, default', () => {
    const r = sources([
      'tests/slow/a.py::t1',
      'tests/slow/a.py::new',
      'tests/new/place/moved.py::test_m',
      'spec/whole_spec.rb::x',
      'spec/whole_spec.rb::y',
      'tests/fast/d.py::t',
      'other/e.py::t',
    ]);
    expect(r['tests/slow/a.py::t1']).toEqual(['timing', 10]);
    expect(r['tests/slow/a.py::new']).toEqual(['file-siblings', 10]); // lower median of 10 (only t1 is discovered)
    expect(r['tests/new/place/moved.py::test_m']).toEqual(['moved', 60]);
    expect(r['spec/whole_spec.rb::x']).toEqual(['file-share', 4]);
    expect(r['tests/fast/d.py::t']).toEqual(['directory', 10]); // nearest known directory is tests/ (a.py::t1)
    expect(r['other/e.py::t']).toEqual(['suite', 10]);
  });

  it('moved fires only when the original is gone: a namesake beside a discovered original is a new test', () => {
    const r = sources(['old/place/moved.py::test_m', 'tests/new/place/moved.py::test_m', 'tests/slow/a.py::t1']);
    expect(r['old/place/moved.py::test_m']).toEqual(['timing', 60]);
    expect(r['tests/new/place/moved.py::test_m']![0]).not.toBe('moved');
  });

  it('whole files: directory median, then suite, then default', () => {
    const tests = canonicalTests([
      'spec/features/f1_spec.rb',
      'spec/features/f2_spec.rb',
      'spec/features/new_spec.rb',
      'spec/models/m_spec.rb',
      'lib/x_spec.rb',
    ]);
    const e = estimateTests(tests, store);
    // lib/x_spec.rb: no directory match, so the suite's lower median of [1, 100, 120]; new_spec.rb: spec/features.
    expect(e.map((x) => [x.source, x.us / 1e6])).toEqual([
      ['suite', 100],
      ['timing', 100],
      ['timing', 120],
      ['directory', 100],
      ['timing', 1],
    ]);
    expect(estimateTests(canonicalTests(['x.py::a']), storeFromFlatMap(new Map()), { defaultSeconds: 2 })[0]).toEqual({
      us: 2e6,
      source: 'default',
    });
  });

  it('a poisoned entry moves the median by at most one position', () => {
    const poisoned = storeFromFlatMap(
      new Map([
        ['a.py::p', 21000],
        ['a.py::b', 1],
        ['a.py::c', 2],
      ]),
    );
    const e = estimateTests(canonicalTests(['a.py::p', 'a.py::b', 'a.py::c', 'a.py::new']), poisoned);
    expect(e[2]).toEqual({ us: 2e6, source: 'file-siblings' });
  });
});
