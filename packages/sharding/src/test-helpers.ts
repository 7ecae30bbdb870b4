/**
 * Seeded generators for the property tests (test-only; not exported from index.ts). Every random choice comes from
 * mulberry32(seed), so a failing case is reproduced from the seed printed in its test name.
 */
import { seededRandom } from '@gauntlet/action-kit';
import { silentLogger } from '@gauntlet/action-kit';
import { parseTimingStore, type TimingStore } from './timing-store.js';

export type Random = () => number;

/** The one seeded generator (action-kit's mulberry32), under the name these tests print. */
export const mulberry32: (seed: number) => Random = seededRandom;

export const int = (rand: Random, lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
export const pick = <T>(rand: Random, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

export function shuffle<T>(rand: Random, xs: readonly T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

// Names chosen to trip locale-aware sorting (Turkish dotless i, Swedish ä after z, case), spaces, and `::`.
const DIRS = ['tests', 'spec', 'Spec', 'tests/unit', 'tests/ünit', 'e2e/İstanbul', 'src/__tests__', 'a b', 'z', 'ä'];
const STEMS = ['alpha', 'Beta', 'ıota', 'Iota', 'iota', 'zeta', 'äpple', 'Ö', 'x y', 'emoji_😀', 'a-b', 'a_b', 'A'];
const EXTS = ['.py', '.test.ts', '_spec.rb', '.spec.js'];
const NAMES = [
  'test_a',
  'test_B',
  'it works',
  'TestX::test_y',
  'param[1\\2]',
  'ıi',
  'İI',
  'ä',
  'z',
  'with::colons',
  'Ω',
];

export type TimingsKind = 'none' | 'valid' | 'partial' | 'poisoned' | 'corrupt-entries' | 'garbage' | 'unknown-extra';
export const TIMINGS_KINDS: readonly TimingsKind[] = [
  'none',
  'valid',
  'partial',
  'poisoned',
  'corrupt-entries',
  'garbage',
  'unknown-extra',
];

export interface RandomSuite {
  /** Canonical-form keys (forward slashes), in generation order. */
  readonly tests: readonly string[];
  readonly runnerFiltersTests: boolean;
  readonly granularity: 'test' | 'file';
  readonly timingsKind: TimingsKind;
  /** The timing store as text, loaded through validation like a cache file would be. */
  readonly timingsText: string | undefined;
}

/** Suite size by seed: 0 tests, 1 test, fewer than shards, 10,000 tests (1 seed in 20), or 2–1,000 tests. */
export function suiteSize(seed: number, shards: number, rand: Random): number {
  if (seed % 20 === 19) return 10_000;
  switch (seed % 10) {
    case 0:
      return 0;
    case 1:
      return 1;
    case 2:
      return shards <= 1 ? 0 : int(rand, 1, shards - 1);
    default:
      return int(rand, 2, 1000);
  }
}

export function randomSuite(seed: number, shards: number): RandomSuite {
  const rand = mulberry32(seed * 1_000_003 + shards);
  const size = suiteSize(seed, shards, rand);
  const fileCount = Math.max(1, Math.min(size, int(rand, 1, Math.max(1, Math.ceil(size / int(rand, 1, 40))))));
  const files: string[] = [];
  const seen = new Set<string>();
  for (let f = 0; files.length < fileCount && f < fileCount * 4; f++) {
    const file = `${pick(rand, DIRS)}/${pick(rand, STEMS)}${f}${pick(rand, EXTS)}`;
    if (!seen.has(file)) {
      seen.add(file);
      files.push(file);
    }
  }
  const wholeFiles = new Set(files.filter(() => rand() < 0.15));
  const tests: string[] = [];
  const keys = new Set<string>();
  for (let i = 0; tests.length < size && i < size * 4; i++) {
    const file = pick(rand, files);
    const key = wholeFiles.has(file) ? file : `${file}::${pick(rand, NAMES)}_${int(rand, 0, 99999)}`;
    if (keys.has(key)) continue;
    keys.add(key);
    tests.push(key);
  }
  // Occasionally a file appears both whole and with named tests (the named entries are then redundant).
  if (tests.length > 1 && rand() < 0.1) {
    const named = tests.find((t) => t.includes('::'));
    if (named) tests.push(named.slice(0, named.indexOf('::')));
  }
  const runnerFiltersTests = rand() < 0.6;
  const granularity = runnerFiltersTests && rand() < 0.6 ? 'test' : 'file';
  const timingsKind = pick(rand, TIMINGS_KINDS);
  return { tests, runnerFiltersTests, granularity, timingsKind, timingsText: timingsText(timingsKind, tests, rand) };
}

function timingsText(kind: TimingsKind, tests: readonly string[], rand: Random): string | undefined {
  if (kind === 'none') return undefined;
  if (kind === 'garbage')
    return pick(rand, ['{"format": "gauntlet-timings", "version": 1, "tests": {', 'not json at all', '[1,2,3]', '']);
  const lines: string[] = [];
  const poisonedFile = tests[0]?.split('::')[0];
  for (const key of tests) {
    if (kind === 'partial' && rand() < 0.5) continue;
    let value = Math.exp(rand() * 6 - 4).toFixed(4);
    if (kind === 'poisoned' && key.split('::')[0] === poisonedFile) value = '21000';
    if (kind === 'corrupt-entries')
      value = pick(rand, [
        value,
        value,
        '-3',
        'NaN',
        'Infinity',
        '-Infinity',
        '1e308',
        '"slow"',
        'null',
        '[1, -1]',
        '{}',
      ]);
    lines.push(`${JSON.stringify(key)}: ${value}`);
  }
  if (kind === 'unknown-extra')
    for (let i = 0; i < 50; i++) lines.push(`${JSON.stringify(`gone/deleted_${i}.py::test_${i}`)}: ${rand() * 100}`);
  if (kind === 'poisoned' || rand() < 0.5) return `{${lines.join(',\n')}}`; // flat pytest-split style
  return `{"format": "gauntlet-timings", "version": 1, "tests": {${lines.join(',\n')}}}`;
}

export function loadSuiteTimings(suite: RandomSuite): TimingStore | undefined {
  return suite.timingsText === undefined
    ? undefined
    : parseTimingStore(suite.timingsText, silentLogger, { source: 'property' });
}
