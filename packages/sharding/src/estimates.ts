/**
 * Duration estimates for planning. Tests with a stored timing use it; tests without one (new, moved, or dropped
 * by validation) get the first of:
 *   1. siblings: the median of the file's tests that have timings (tests in one file tend to be alike; a file with
 *      known tests was not moved, so the next rule does not apply);
 *   2. moved: the stored time of the same test (or file) under the same file name in another directory, when the
 *      original file is no longer discovered (otherwise both exist and the new one is just a namesake). Directory
 *      moves are the commonest reason a slow test "appears" without history: localstack moved its Lambda event
 *      source tests, and a suite median of 0.1 s for 60 s tests unbalanced the next run by 15 % (bench/sharding);
 *   3. file share: the stored whole-file time divided by the file's test count (file-level history);
 *   4. directory: the median of known tests (or files) in the nearest enclosing directory that has any
 *      (spec/features/* are slower than spec/models/*); the root directory is the whole suite;
 *   5. default: 1 s, as pytest-split assumes, when nothing is known.
 * Medians, not means: one poisoned or pathological entry cannot drag the estimate of every new test with it.
 * Everything is in integer microseconds, so sums are exact and every machine computes identical plans (milliseconds
 * would round sub-millisecond tests to 0, and LPT would then pile thousands of "free" tests onto one shard).
 */
import { dirname, testKey, type TestId } from './test-id.js';
import type { TimingStore } from './timing-store.js';

export type EstimateSource = 'timing' | 'moved' | 'file-siblings' | 'file-share' | 'directory' | 'suite' | 'default';

export interface Estimate {
  /** Estimated duration in whole microseconds (≥ 0). */
  readonly us: number;
  readonly source: EstimateSource;
}

export interface EstimateOptions {
  /** Seconds for a test or file when nothing at all is known (default 1). */
  readonly defaultSeconds?: number;
}

export const DEFAULT_ESTIMATE_SECONDS = 1;

export function toMicros(seconds: number): number {
  return Math.max(0, Math.round(seconds * 1e6));
}

/** Lower median of integers (deterministic, no averaging of the middle pair). Sorts `values` in place. */
export function medianOf(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  values.sort((a, b) => a - b);
  return values[(values.length - 1) >> 1];
}

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function basename(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

/** Medians per key, computed once on first use. */
class Medians<K> {
  private readonly cache = new Map<K, number | undefined>();
  constructor(readonly lists: Map<K, number[]>) {}
  get(key: K): number | undefined {
    if (!this.cache.has(key)) this.cache.set(key, medianOf(this.lists.get(key) ?? []));
    return this.cache.get(key);
  }
}

/** Values per directory and every ancestor ('' = root), from values per file. */
function byDirectory(perFile: ReadonlyMap<string, readonly number[]>): Medians<string> {
  const dirs = new Map<string, number[]>();
  for (const [file, values] of perFile) {
    for (let dir = dirname(file); ; dir = dirname(dir)) {
      const list = dirs.get(dir);
      if (list) for (const v of values) list.push(v);
      else dirs.set(dir, [...values]);
      if (dir === '') break;
    }
  }
  return new Medians(dirs);
}

function nearestDirectory(file: string, dirs: Medians<string>): Estimate | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (dirs.lists.has(dir)) return { us: dirs.get(dir)!, source: dir === '' ? 'suite' : 'directory' };
    if (dir === '') return undefined;
  }
}

/**
 * Estimates every test of a canonical test list (the result is parallel to `tests`). Whole-file ids are estimated
 * at file level, named tests at test level. Statistics are built lazily: a run where every test has a timing does
 * no more than one lookup per test.
 */
export function estimateTests(tests: readonly TestId[], store: TimingStore, options?: EstimateOptions): Estimate[] {
  return estimateTestsByKey(tests, tests.map(testKey), store, options);
}

/** estimateTests with the ids' keys (`testKey`) already at hand, as canonicalize returns them. */
export function estimateTestsByKey(
  tests: readonly TestId[],
  keys: readonly string[],
  store: TimingStore,
  options?: EstimateOptions,
): Estimate[] {
  const defaultUs = toMicros(options?.defaultSeconds ?? DEFAULT_ESTIMATE_SECONDS);
  const out: (Estimate | undefined)[] = new Array<Estimate | undefined>(tests.length);

  // Stored per-file test sums, for whole files whose tests (not the file itself) have timings.
  let storedSums: Map<string, number> | undefined;
  const storedFileSum = (file: string): number | undefined => {
    if (!storedSums) {
      storedSums = new Map();
      for (const [key, entry] of store.entries) {
        const at = key.indexOf('::');
        if (at >= 0)
          storedSums.set(key.slice(0, at), (storedSums.get(key.slice(0, at)) ?? 0) + toMicros(entry.seconds));
      }
    }
    return storedSums.get(file);
  };

  // Pass 1: direct timings, collected per file (from discovered tests only, so timings of deleted tests do not
  // skew the fallbacks).
  const testsByFile = new Map<string, number[]>();
  const filesByFile = new Map<string, number[]>();
  const namedCount = new Map<string, number>();
  let unknown = 0;
  for (let i = 0; i < tests.length; i++) {
    const id = tests[i]!;
    if (id.name !== undefined) {
      namedCount.set(id.file, (namedCount.get(id.file) ?? 0) + 1);
      const entry = store.entries.get(keys[i]!);
      if (!entry) {
        unknown++;
        continue;
      }
      const us = toMicros(entry.seconds);
      out[i] = { us, source: 'timing' };
      push(testsByFile, id.file, us);
      continue;
    }
    const entry = store.entries.get(id.file);
    const us = entry ? toMicros(entry.seconds) : storedFileSum(id.file);
    if (us === undefined) {
      unknown++;
      continue;
    }
    out[i] = { us, source: 'timing' };
    filesByFile.set(id.file, [us]);
  }
  if (unknown === 0) return out as Estimate[];

  const siblings = new Medians(testsByFile);
  let moved: { tests: Medians<string>; files: Medians<string> } | undefined;
  const movedIndex = (): { tests: Medians<string>; files: Medians<string> } => {
    if (!moved) {
      const t = new Map<string, number[]>();
      const f = new Map<string, number[]>();
      // Only entries whose file was not discovered: a test "moved" only when its original is gone. A new
      // tests/b/test_util.py beside a still-present tests/a/test_util.py is a new file, not a copy of it.
      const discovered = new Set<string>();
      for (const id of tests) discovered.add(id.file);
      for (const [key, entry] of store.entries) {
        const at = key.indexOf('::');
        const file = at < 0 ? key : key.slice(0, at);
        if (discovered.has(file)) continue;
        if (at < 0) push(f, basename(key), toMicros(entry.seconds));
        else push(t, `${basename(file)}${key.slice(at)}`, toMicros(entry.seconds));
      }
      moved = { tests: new Medians(t), files: new Medians(f) };
    }
    return moved;
  };
  let testDirs: Medians<string> | undefined;
  let fileDirs: Medians<string> | undefined;

  for (let i = 0; i < tests.length; i++) {
    if (out[i]) continue;
    const id = tests[i]!;
    if (id.name !== undefined) {
      const s = siblings.get(id.file);
      if (s !== undefined) {
        out[i] = { us: s, source: 'file-siblings' };
        continue;
      }
      const m = movedIndex().tests.get(`${basename(id.file)}::${id.name}`);
      if (m !== undefined) {
        out[i] = { us: m, source: 'moved' };
        continue;
      }
      const fileEntry = store.entries.get(id.file);
      if (fileEntry) {
        out[i] = { us: Math.round(toMicros(fileEntry.seconds) / (namedCount.get(id.file) ?? 1)), source: 'file-share' };
        continue;
      }
      testDirs ??= byDirectory(testsByFile);
      out[i] = nearestDirectory(id.file, testDirs) ?? { us: defaultUs, source: 'default' };
      continue;
    }
    const m = movedIndex().files.get(basename(id.file));
    if (m !== undefined) {
      out[i] = { us: m, source: 'moved' };
      continue;
    }
    fileDirs ??= byDirectory(filesByFile);
    out[i] = nearestDirectory(id.file, fileDirs) ?? { us: defaultUs, source: 'default' };
  }
  return out as Estimate[];
}
