/**
 * Work items: the units the planner moves between shards. At test granularity (the runner can run a list of test
 * ids) each test is an item. At file granularity each file is an item, except that a file longer than total/shards
 * is split into test-level pieces when the runner can filter tests: otherwise that one file sets the makespan no
 * matter how many shards there are (Knapsack's "split by test examples", bktec's split-by-example).
 */
import { assignLpt } from './lpt.js';
import { compareTestIds, type TestId } from './test-id.js';
import type { Estimate } from './estimates.js';

export type Granularity = 'test' | 'file';

export interface WorkItem {
  readonly file: string;
  /** Test names this item runs; absent = the whole file. */
  readonly tests?: readonly string[];
  readonly us: number;
  /** True when any part of the item was estimated rather than timed. */
  readonly estimated: boolean;
  /**
   * True when the item's estimate is a guess: nothing about it or its file is known (the directory's or suite's
   * median, or the default), as opposed to an estimate from its own file's tests or its moved original.
   */
  readonly guessed?: boolean;
  /** Canonical id of the item's first test: the deterministic tie-break. */
  readonly first: TestId;
}

/** Items for test granularity: one per test id (whole-file ids stay whole files), in canonical order. */
export function testItems(tests: readonly TestId[], estimates: readonly Estimate[]): WorkItem[] {
  return tests.map((id, i) => {
    const e = estimates[i]!;
    return id.name === undefined
      ? { file: id.file, us: e.us, estimated: e.source !== 'timing', guessed: isGuess(e), first: id }
      : { file: id.file, tests: [id.name], us: e.us, estimated: e.source !== 'timing', guessed: isGuess(e), first: id };
  });
}

/** Estimates that know nothing of the item itself or its file. */
export function isGuess(e: Estimate): boolean {
  return e.source === 'directory' || e.source === 'suite' || e.source === 'default';
}

export interface FileGroup {
  readonly file: string;
  /** Named tests of the file (canonical order), with estimates; empty when only the whole file is known. */
  readonly tests: readonly { readonly id: TestId; readonly us: number; readonly estimated: boolean }[];
  /** Whole-file estimate (a stored file time when there is one, else the sum of its tests). */
  readonly us: number;
  readonly estimated: boolean;
  readonly guessed: boolean;
  /** Whether the file may be split into pieces (its tests are individually addressable). */
  readonly splittable: boolean;
}

/**
 * Groups a canonical test list by file. `fileMs` gives a stored whole-file time (includes set-up) when known.
 * (The name is historical: it returns integer microseconds.)
 * A file is splittable when the runner filters by test id and every test of it was discovered by name.
 */
export function fileGroups(
  tests: readonly TestId[],
  estimates: readonly Estimate[],
  fileMs: (file: string) => number | undefined,
  runnerFiltersTests: boolean,
  /** What a file costs beyond its tests' times (the cost model's per-file cost and correction), for summed groups. */
  perFileUs: (file: string) => number = () => 0,
): FileGroup[] {
  const groups: FileGroup[] = [];
  let i = 0;
  while (i < tests.length) {
    const file = tests[i]!.file;
    let j = i;
    const named: { id: TestId; us: number; estimated: boolean }[] = [];
    let whole: Estimate | undefined;
    let sum = 0;
    let estimated = false;
    let allGuessed = true;
    for (; j < tests.length && tests[j]!.file === file; j++) {
      const id = tests[j]!;
      const e = estimates[j]!;
      if (id.name === undefined) whole = e;
      else {
        named.push({ id, us: e.us, estimated: e.source !== 'timing' });
        sum += e.us;
        estimated ||= e.source !== 'timing';
        allGuessed &&= isGuess(e);
      }
    }
    const stored = fileMs(file);
    let guessed = false;
    let us: number;
    if (whole) {
      us = whole.us;
      estimated = whole.source !== 'timing';
      guessed = isGuess(whole);
    } else if (stored !== undefined) {
      us = stored;
      estimated = false;
    } else {
      us = sum + perFileUs(file);
      guessed = named.length > 0 && allGuessed;
    }
    groups.push({
      file,
      tests: named,
      us,
      estimated,
      guessed,
      splittable: runnerFiltersTests && !whole && named.length > 1,
    });
    i = j;
  }
  return groups;
}

/**
 * Items for file granularity, in canonical order (files are; pieces are ordered by their first test). A splittable file longer than `thresholdUs` becomes pieces of about thresholdUs / 2
 * (balanced among themselves by LPT), so the shard planner can still even out the remainder. Each piece also
 * carries the file's set-up time (stored file time minus the sum of its tests), which every piece pays again.
 */
export function fileItems(groups: readonly FileGroup[], thresholdUs: number): WorkItem[] {
  const items: WorkItem[] = [];
  for (const g of groups) {
    if (!g.splittable || g.us <= thresholdUs || thresholdUs <= 0) {
      items.push({ file: g.file, us: g.us, estimated: g.estimated, guessed: g.guessed, first: { file: g.file } });
      continue;
    }
    const testsSum = g.tests.reduce((s, t) => s + t.us, 0);
    const setupUs = Math.max(0, g.us - testsSum);
    const pieces = Math.min(g.tests.length, Math.max(2, Math.ceil((2 * testsSum) / thresholdUs)));
    const ordered = [...g.tests].sort((a, b) => b.us - a.us || compareTestIds(a.id, b.id));
    const { shardOf } = assignLpt(
      ordered.map((t) => t.us),
      pieces,
    );
    const buckets: { id: TestId; us: number; estimated: boolean }[][] = Array.from({ length: pieces }, () => []);
    ordered.forEach((t, k) => buckets[shardOf[k]!]!.push(t));
    for (const bucket of buckets) bucket.sort((a, b) => compareTestIds(a.id, b.id));
    // Pieces in canonical order of their first test, so the item list stays canonical.
    buckets.sort((a, b) => (a.length && b.length ? compareTestIds(a[0]!.id, b[0]!.id) : b.length - a.length));
    for (const bucket of buckets) {
      if (bucket.length === 0) continue;
      items.push({
        file: g.file,
        tests: bucket.map((t) => t.id.name!),
        us: bucket.reduce((s, t) => s + t.us, 0) + setupUs,
        estimated: bucket.some((t) => t.estimated),
        guessed: g.guessed,
        first: bucket[0]!.id,
      });
    }
  }
  return items;
}

/** The longest item a group can produce: its longest test if it may be split, else the whole file. */
export function longestUnsplittableUs(group: FileGroup): number {
  if (!group.splittable) return group.us;
  const setupUs = Math.max(0, group.us - group.tests.reduce((s, t) => s + t.us, 0));
  let longest = 0;
  for (const t of group.tests) longest = Math.max(longest, t.us);
  return longest + setupUs;
}
