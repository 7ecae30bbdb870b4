/**
 * Test identity. Every shard, on every runner OS and locale, must agree on what a test is called and in which order
 * tests come, or two shards may both run (or both skip) a test. So ids are normalised once, here, and ordered by
 * UTF-16 code units: `localeCompare` and `Intl.Collator` depend on the runner's ICU data and LANG, and directory
 * listing order depends on the filesystem.
 */

/** A test file, or one named test inside it. `name` is absent for a whole file. */
export interface TestId {
  readonly file: string;
  readonly name?: string;
}

/** Separator between file and test name in a test key (pytest's node-id separator). */
export const KEY_SEPARATOR = '::';

/**
 * Normalises a path to the canonical form: `/` separators, no `./` or empty segments, no trailing `/`. `..` is kept
 * (resolving it needs the file system). Unicode is not re-normalised: the ids go back to the runner as filters, and
 * an NFC-rewritten name would no longer match an NFD file on disk.
 */
export function normalizePath(path: string): string {
  // Fast path: most paths are already canonical (this runs once per discovered test).
  if (
    !path.includes('\\') &&
    !path.includes('//') &&
    !path.includes('/./') &&
    !path.startsWith('./') &&
    !path.endsWith('/') &&
    !path.endsWith('/.') &&
    path !== '.'
  ) {
    return path;
  }
  let p = path.replace(/\\/g, '/');
  // Collapse `//` and remove `/./` segments, then leading `./`.
  p = p.replace(/\/{2,}/g, '/');
  for (;;) {
    const next = p.replace(/\/\.(?=\/|$)/g, '');
    if (next === p) break;
    p = next;
  }
  while (p.startsWith('./')) p = p.slice(2);
  if (p === '.') p = '';
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

/** Builds a canonical TestId; an empty name means the whole file. Names are kept byte-for-byte. */
export function testId(file: string, name?: string): TestId {
  const f = normalizePath(file);
  return name === undefined || name === '' ? { file: f } : { file: f, name };
}

/**
 * Parses a key such as pytest's `tests/a.py::TestX::test_y[1]` or a bare file path. The first `::` separates the
 * file; the rest (which may itself contain `::`) is the test name.
 */
export function parseTestKey(key: string): TestId {
  const at = key.indexOf(KEY_SEPARATOR);
  return at < 0 ? testId(key) : testId(key.slice(0, at), key.slice(at + KEY_SEPARATOR.length));
}

/** The canonical string key of a test id: `file` or `file::name`. Used as the timing-store key. */
export function testKey(id: TestId): string {
  return id.name === undefined ? id.file : `${id.file}${KEY_SEPARATOR}${id.name}`;
}

/**
 * The canonical key of a key read from timing data (a store, a partial, pytest-split, Knapsack). Timing data names
 * files relative to the repository root, and Knapsack writes them with a leading `/` (`/spec/a_spec.rb`): that
 * slash is dropped, so the same file matches whatever tool recorded it. (Discovery and JUnit paths are made
 * relative to the working directory before they get here; an absolute path left in them lies outside it.)
 */
export function timingKey(rawKey: string): string {
  const id = parseTestKey(rawKey);
  if (!id.file.startsWith('/')) return testKey(id);
  const file = id.file.replace(/^\/+/, '');
  return testKey(id.name === undefined ? { file } : { file, name: id.name });
}

/** Compares by UTF-16 code units: identical on every machine, unlike localeCompare. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Canonical order of test ids: by file, then whole-file before named tests, then by name (code units). */
export function compareTestIds(a: TestId, b: TestId): number {
  const byFile = compareCodeUnits(a.file, b.file);
  if (byFile !== 0) return byFile;
  if (a.name === b.name) return 0;
  if (a.name === undefined) return -1;
  if (b.name === undefined) return 1;
  return compareCodeUnits(a.name, b.name);
}

/**
 * Normalises, de-duplicates and sorts discovered tests into canonical order. Accepts ids or key strings, so the
 * result does not depend on discovery order, path separators or `./` prefixes. If a file is listed both whole and
 * with named tests, the named entries are dropped: the whole file runs them, and keeping both would run them twice
 * (dropping the whole-file entry instead could lose tests the list did not name).
 */
export function canonicalTests(tests: Iterable<TestId | string>): TestId[] {
  return canonicalize(tests).ids;
}

/**
 * canonicalTests plus each id's key (`testKey`), for callers that look ids up by key. Sorting is two-level — the
 * distinct files, then the names within each file — with the default Array sort, which compares UTF-16 code units
 * exactly like compareTestIds but without a comparator call per comparison: several times faster for 100,000 tests
 * that share long path prefixes.
 */
export function canonicalize(tests: Iterable<TestId | string>): { ids: TestId[]; keys: string[] } {
  // file → keys of its named tests (`file::name`, so sorting keys sorts names), or null when listed whole.
  const byFile = new Map<string, string[] | null>();
  for (const t of tests) {
    let file: string;
    let name: string | undefined;
    let key: string | undefined;
    if (typeof t === 'string') {
      const at = t.indexOf(KEY_SEPARATOR);
      const rawFile = at < 0 ? t : t.slice(0, at);
      file = normalizePath(rawFile);
      if (at < 0 || at + KEY_SEPARATOR.length === t.length) name = undefined;
      else if (file === rawFile) {
        key = t; // already canonical: reuse the string, no need to cut the name out
        name = t;
      } else name = t.slice(at + KEY_SEPARATOR.length);
    } else {
      file = normalizePath(t.file);
      name = t.name;
    }
    if (file === '') continue;
    if (name === undefined || name === '') {
      byFile.set(file, null);
      continue;
    }
    const list = byFile.get(file);
    if (list === null) continue;
    key ??= `${file}${KEY_SEPARATOR}${name}`;
    if (list) list.push(key);
    else byFile.set(file, [key]);
  }
  const ids: TestId[] = [];
  const keys: string[] = [];
  for (const file of [...byFile.keys()].sort()) {
    const list = byFile.get(file)!;
    if (list === null) {
      ids.push({ file });
      keys.push(file);
      continue;
    }
    list.sort();
    const skip = file.length + KEY_SEPARATOR.length;
    let previous: string | undefined;
    for (const key of list) {
      if (key === previous) continue;
      previous = key;
      ids.push({ file, name: key.slice(skip) });
      keys.push(key);
    }
  }
  return { ids, keys };
}

/** The directory part of a normalised path ('' for a top-level file). */
export function dirname(file: string): string {
  const at = file.lastIndexOf('/');
  return at < 0 ? '' : file.slice(0, at);
}
