/**
 * Finding the file of JUnit cases that do not name one. pytest 6 and later write the xunit2 family by default: a
 * case has `classname="tests.test_math.TestGroup"` and `name="test_inside[1]"` but no `file` attribute, so the
 * class name was taken for the file and nothing matched the node ids the plan uses
 * (`tests/test_math.py::TestGroup::test_inside[1]`). pytest builds the classname from the node id (path with `/`
 * as `.` and without `.py`, then the classes), so the node id comes back by finding the longest prefix of the
 * classname that is a test file: the rest is the class path.
 *
 * xunit1 does write `file`, but it is where the test *function* is defined: a test inherited from a base class in
 * another module names that module, while the node id (and the plan) names the subclass's. When the classname
 * resolves to a different file, the classname wins.
 */
import type { JUnitCase, JUnitReport, JUnitSuite } from './junit.js';
import { normalizePath } from './test-id.js';

export interface LocateOptions {
  /** Whether a path relative to the working directory is a test file (planned files, or the file system). */
  readonly isFile: (path: string) => boolean;
  /** Extensions of the modules a dotted classname may name (default `.py`). */
  readonly extensions?: readonly string[];
}

/** A dotted name made of identifier-like segments only (no `/`, no empty or `..` segments, at most 64 deep). */
const DOTTED = /^[\p{L}\p{N}_$-]+(?:\.[\p{L}\p{N}_$-]+){0,63}$/u;

/** The module path of a file as pytest writes it in a classname: `tests/test_a.py` → `tests.test_a`. */
export function modulePath(file: string): string {
  return file.replace(/\.[^./]+$/, '').replace(/\//g, '.');
}

/**
 * The report with a `file` on every case whose classname names a test file that `isFile` knows. Cases that already
 * name a consistent file, and cases whose classname resolves to nothing, are left as they are.
 */
export function locateJUnitFiles(report: JUnitReport, options: LocateOptions): JUnitReport {
  const extensions = options.extensions ?? ['.py'];
  const cache = new Map<string, string | undefined>();
  const resolve = (classname: string): string | undefined => {
    if (cache.has(classname)) return cache.get(classname);
    let found: string | undefined;
    if (DOTTED.test(classname)) {
      const segments = classname.split('.');
      outer: for (let k = segments.length; k >= 1; k--) {
        const stem = segments.slice(0, k).join('/');
        for (const ext of extensions) {
          if (options.isFile(`${stem}${ext}`)) {
            found = `${stem}${ext}`;
            break outer;
          }
        }
      }
    }
    cache.set(classname, found);
    return found;
  };
  const locateCase = (c: JUnitCase): JUnitCase => {
    if (!c.classname) return c;
    if (c.file !== undefined) {
      const file = normalizePath(c.file);
      const module = modulePath(file);
      if (c.classname === module || c.classname.startsWith(`${module}.`)) return c;
    }
    const found = resolve(c.classname);
    return found === undefined || found === c.file ? c : { ...c, file: found };
  };
  let changed = false;
  const suites = report.suites.map((suite): JUnitSuite => {
    let suiteChanged = false;
    const cases = suite.cases.map((c) => {
      const next = locateCase(c);
      if (next !== c) suiteChanged = true;
      return next;
    });
    if (!suiteChanged) return suite;
    changed = true;
    return { ...suite, cases };
  });
  return changed ? { ...report, suites } : report;
}
