/**
 * Importers for timing formats other tools already produce, so a project can start from what it has:
 * pytest-split's `.test_durations` (`{ "path::Class::test": seconds }`), Knapsack reports (`{ "spec/file": seconds }`)
 * and JUnit XML. All of them validate like the store (never throw, one warning per problem kind).
 */
import { neutralize, type Logger } from '@gauntlet/action-kit';
import { parseJUnitXml, type JUnitCase, type JUnitReport, type JUnitSuite } from './junit.js';
import { locateJUnitFiles, modulePath, type LocateOptions } from './junit-locate.js';
import { canonicalTests, normalizePath, testId, testKey, type TestId } from './test-id.js';
import {
  flatDurations,
  parseTimingStore,
  storeFromFlatMap,
  type LoadOptions,
  type TimingStore,
} from './timing-store.js';
import {
  byteLength,
  checkSeconds,
  DEFAULT_TIMING_LIMITS,
  isRecord,
  parseTolerantJson,
  TimingIssues,
  type TimingLimits,
} from './timing-validation.js';
import { XmlError } from './xml.js';

/** Parses a flat `{ id: seconds }` JSON map (pytest-split or Knapsack). Unusable input gives an empty map. */
function importFlatJson(
  data: string | Uint8Array,
  logger: Logger,
  options: LoadOptions | undefined,
  what: string,
): Map<string, number> {
  const limits: TimingLimits = { ...DEFAULT_TIMING_LIMITS, ...options?.limits };
  const issues = new TimingIssues(options?.source ?? what);
  let out = new Map<string, number>();
  if (byteLength(data) > limits.maxBytes) issues.add('oversize');
  else {
    const json = parseTolerantJson(typeof data === 'string' ? data : new TextDecoder().decode(data));
    if (json === undefined) issues.add('corrupt');
    else if (!isRecord(json)) issues.add('shape', typeof json);
    else out = flatDurations(json, limits, issues);
  }
  issues.flush(logger);
  return out;
}

/** pytest-split `.test_durations`: node ids (`file::Class::test[param]`) to seconds. */
export function importPytestDurations(
  data: string | Uint8Array,
  logger: Logger,
  options?: LoadOptions,
): Map<string, number> {
  return importFlatJson(data, logger, options, '.test_durations');
}

/** Knapsack `knapsack_*_report.json`: spec files to seconds. */
export function importKnapsackReport(
  data: string | Uint8Array,
  logger: Logger,
  options?: LoadOptions,
): Map<string, number> {
  return importFlatJson(data, logger, options, 'knapsack report');
}

const TEST_FILE_EXTENSION =
  /\.(?:[cm]?[jt]sx?|py|rb|go|rs|java|kt|kts|scala|cs|fs|php|ex|exs|feature|spec|swift|dart)$/;

function looksLikePath(name: string): boolean {
  return name.includes('/') || name.includes('\\') || TEST_FILE_EXTENSION.test(name);
}

/**
 * Where a JUnit test case lives and what it is called, as a TestId:
 * - file: the case's `file` attribute, else the suite's, else the suite name when it is a path (jest-junit),
 *   else the classname (JUnit/TestNG: one class per file), else the suite name;
 * - name: the case name, prefixed with `classname::` when the classname is not already the file. A classname that
 *   starts with the file's module path (pytest: `tests.test_a.TestX` for `tests/test_a.py`) is shortened to the
 *   class (`TestX::test_y`), which matches pytest's node id `tests/test_a.py::TestX::test_y`.
 */
export function junitCaseId(c: JUnitCase, suite: JUnitSuite): TestId {
  const classname = c.classname ?? '';
  let file = c.file ?? suite.file;
  let classIsFile = false;
  if (file === undefined) {
    if (suite.name && looksLikePath(suite.name)) file = suite.name;
    else if (classname) {
      file = classname;
      classIsFile = true;
    } else file = suite.name || '(unknown)';
  }
  file = normalizePath(file);
  let prefix = classIsFile || classname === file ? '' : classname;
  if (prefix) {
    const module = modulePath(file);
    // pytest's classname is the node id with `.` for `/` and `::`: the class path after the module is
    // `Outer.Inner` for the node id's `Outer::Inner` (Python class names have no dots).
    if (prefix === module) prefix = '';
    else if (prefix.startsWith(`${module}.`)) prefix = prefix.slice(module.length + 1).replace(/\./g, '::');
  }
  return testId(file, prefix ? `${prefix}::${c.name}` : c.name);
}

export interface JUnitDurations {
  /** Seconds per test key (`file::name`); skipped cases are left out (their 0 s would make them look free). */
  readonly tests: Map<string, number>;
  /**
   * Seconds per file key: the larger of the file's summed case times and its suites' own time attribute (which
   * includes set-up such as module import; jest-junit's testsuite time is the file's wall time).
   */
  readonly files: Map<string, number>;
}

/** Durations from a parsed JUnit report. Same-key cases (parameterised duplicates, retries) are summed. */
export function junitDurations(report: JUnitReport, logger: Logger, options?: LoadOptions): JUnitDurations {
  const limits: TimingLimits = { ...DEFAULT_TIMING_LIMITS, ...options?.limits };
  const issues = new TimingIssues(options?.source ?? 'JUnit report');
  const tests = new Map<string, number>();
  const caseSums = new Map<string, number>();
  const suiteSums = new Map<string, number>();
  for (const suite of report.suites) {
    const filesInSuite = new Set<string>();
    for (const c of suite.cases) {
      const id = junitCaseId(c, suite);
      filesInSuite.add(id.file);
      if (c.status === 'skipped') continue;
      const key = testKey(id);
      const t = checkSeconds(c.time, key, limits, issues);
      if (t === undefined) continue;
      tests.set(key, (tests.get(key) ?? 0) + t);
      caseSums.set(id.file, (caseSums.get(id.file) ?? 0) + t);
    }
    // A suite's own time belongs to a file only when the suite maps to exactly one file.
    const only = filesInSuite.size === 1 ? [...filesInSuite][0] : undefined;
    if (only !== undefined && suite.time !== undefined) {
      const t = checkSeconds(suite.time, only, limits, issues);
      if (t !== undefined) suiteSums.set(only, (suiteSums.get(only) ?? 0) + t);
    }
  }
  const files = new Map<string, number>();
  for (const file of new Set([...caseSums.keys(), ...suiteSums.keys()])) {
    files.set(file, Math.max(caseSums.get(file) ?? 0, suiteSums.get(file) ?? 0));
  }
  issues.flush(logger);
  return { tests, files };
}

/** The tests a JUnit report lists (discovery from a previous run's results), canonical and de-duplicated. */
export function junitTests(report: JUnitReport): TestId[] {
  return canonicalTests(report.suites.flatMap((s) => s.cases.map((c) => junitCaseId(c, s))));
}

/**
 * Reads timing data in any supported format, sniffed from content: JUnit XML (starts with `<`), the gauntlet
 * store, or a flat pytest-split/Knapsack map. JUnit contributes both test-level and file-level keys. Never throws.
 */
export function importTimings(
  data: string | Uint8Array,
  logger: Logger,
  options?: LoadOptions & { readonly isFile?: LocateOptions['isFile'] },
): TimingStore {
  const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
  if (!/^\s*</.test(text.slice(0, 1024).replace(/^\uFEFF/, ''))) return parseTimingStore(data, logger, options);
  const limits: TimingLimits = { ...DEFAULT_TIMING_LIMITS, ...options?.limits };
  const source = options?.source ?? 'JUnit report';
  if (byteLength(data) > limits.maxBytes) {
    const issues = new TimingIssues(source);
    issues.add('oversize');
    issues.flush(logger);
    return storeFromFlatMap(new Map());
  }
  let report: JUnitReport;
  try {
    report = parseJUnitXml(text);
  } catch (error) {
    if (!(error instanceof XmlError)) throw error;
    logger.warning(
      `Timing data ${JSON.stringify(neutralize(source))} is not usable JUnit XML (${neutralize(error.message)}); tests are planned with estimates.`,
    );
    return storeFromFlatMap(new Map());
  }
  // pytest's default (xunit2) JUnit names no files: find them, or its timings never match a node id.
  if (options?.isFile) report = locateJUnitFiles(report, { isFile: options.isFile });
  const { tests, files } = junitDurations(report, logger, options);
  return storeFromFlatMap(new Map([...files, ...tests]));
}
