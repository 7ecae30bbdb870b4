/**
 * Duration estimates for planning. Tests with a stored timing use it; tests without one (new, renamed, or dropped
 * by validation) get, in order of preference:
 *   1. the median of their file's siblings that have timings (tests in one file tend to be alike);
 *   2. their share of a stored whole-file time (file-level history, e.g. Knapsack or jest-junit suites);
 *   3. for whole files, the median of known files in the same directory (spec/features/* vs spec/models/*);
 *   4. the median of the suite's known tests (or files);
 *   5. a default (1 s, as pytest-split assumes).
 * Medians, not means: one poisoned or pathological entry cannot drag the estimate of every new test with it.
 * Everything is in integer milliseconds, so sums are exact and every machine computes identical plans.
 */
import { dirname, testKey, type TestId } from './test-id.js';
import type { TimingStore } from './timing-store.js';

export type EstimateSource = 'timing' | 'file-siblings' | 'file-share' | 'directory' | 'suite' | 'default';

export interface Estimate {
  /** Estimated duration in whole milliseconds (≥ 0). */
  readonly ms: number;
  readonly source: EstimateSource;
}

export interface EstimateOptions {
  /** Seconds for a test or file when nothing at all is known (default 1). */
  readonly defaultSeconds?: number;
}

export const DEFAULT_ESTIMATE_SECONDS = 1;

export function toMs(seconds: number): number {
  return Math.max(0, Math.round(seconds * 1000));
}

/** Lower median of integers (deterministic, no averaging of the middle pair). */
export function medianMs(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  values.sort((a, b) => a - b);
  return values[(values.length - 1) >> 1];
}

/** Summed stored test durations per file, for files whose tests (but not the file itself) have timings. */
function storedTestSums(store: TimingStore): Map<string, number> {
  const sums = new Map<string, number>();
  for (const [key, entry] of store.entries) {
    const at = key.indexOf('::');
    if (at < 0) continue;
    const file = key.slice(0, at);
    sums.set(file, (sums.get(file) ?? 0) + toMs(entry.seconds));
  }
  return sums;
}

/**
 * Estimates every test of a canonical test list (result is parallel to `tests`). Whole-file ids are estimated at
 * file level, named tests at test level.
 */
export function estimateTests(tests: readonly TestId[], store: TimingStore, options?: EstimateOptions): Estimate[] {
  const defaultMs = toMs(options?.defaultSeconds ?? DEFAULT_ESTIMATE_SECONDS);
  const out: (Estimate | undefined)[] = new Array<Estimate | undefined>(tests.length);

  // Pass 1: direct timings, and the sibling/suite statistics built from them.
  const knownTestsByFile = new Map<string, number[]>();
  const namedCount = new Map<string, number>();
  const knownTests: number[] = [];
  const knownFilesByDir = new Map<string, number[]>();
  const knownFiles: number[] = [];
  let testSums: Map<string, number> | undefined;
  tests.forEach((id, i) => {
    if (id.name !== undefined) {
      namedCount.set(id.file, (namedCount.get(id.file) ?? 0) + 1);
      const entry = store.entries.get(testKey(id));
      if (!entry) return;
      const ms = toMs(entry.seconds);
      out[i] = { ms, source: 'timing' };
      knownTests.push(ms);
      const list = knownTestsByFile.get(id.file);
      if (list) list.push(ms);
      else knownTestsByFile.set(id.file, [ms]);
      return;
    }
    let ms: number | undefined;
    const entry = store.entries.get(id.file);
    if (entry) ms = toMs(entry.seconds);
    else {
      testSums ??= storedTestSums(store);
      ms = testSums.get(id.file);
    }
    if (ms === undefined) return;
    out[i] = { ms, source: 'timing' };
    knownFiles.push(ms);
    const dir = dirname(id.file);
    const list = knownFilesByDir.get(dir);
    if (list) list.push(ms);
    else knownFilesByDir.set(dir, [ms]);
  });

  // Pass 2: fallbacks. Medians are computed once per file/directory.
  const siblingMedian = new Map<string, number | undefined>();
  const dirMedian = new Map<string, number | undefined>();
  const suiteTestMedian = medianMs([...knownTests]);
  const suiteFileMedian = medianMs([...knownFiles]);
  tests.forEach((id, i) => {
    if (out[i]) return;
    if (id.name !== undefined) {
      if (!siblingMedian.has(id.file)) siblingMedian.set(id.file, medianMs(knownTestsByFile.get(id.file) ?? []));
      const sibling = siblingMedian.get(id.file);
      if (sibling !== undefined) {
        out[i] = { ms: sibling, source: 'file-siblings' };
        return;
      }
      const fileEntry = store.entries.get(id.file);
      if (fileEntry) {
        out[i] = { ms: Math.round(toMs(fileEntry.seconds) / (namedCount.get(id.file) ?? 1)), source: 'file-share' };
        return;
      }
      out[i] =
        suiteTestMedian !== undefined ? { ms: suiteTestMedian, source: 'suite' } : { ms: defaultMs, source: 'default' };
      return;
    }
    const dir = dirname(id.file);
    if (!dirMedian.has(dir)) dirMedian.set(dir, medianMs(knownFilesByDir.get(dir) ?? []));
    const inDir = dirMedian.get(dir);
    if (inDir !== undefined) out[i] = { ms: inDir, source: 'directory' };
    else if (suiteFileMedian !== undefined) out[i] = { ms: suiteFileMedian, source: 'suite' };
    else out[i] = { ms: defaultMs, source: 'default' };
  });
  return out as Estimate[];
}
