import path from 'node:path';
import { UserError } from '@gauntlet/action-kit';

/**
 * What Gauntlet needs to know about a test runner: how to list its tests, and whether its command line can select
 * single tests (then shards are planned per test; otherwise per file). Adapters are small and pluggable: each is a
 * plain object, and `generic` covers any runner that takes file paths.
 */
export interface DiscoveredTest {
  /** Repository-relative file, with forward slashes. */
  file: string;
  /** The test's name within the file, when the runner lists tests; absent for file-level listings. */
  name?: string;
  /**
   * How the runner selects this test when its name cannot say it: RSpec names a test in JUnit by its full
   * description but runs it by example id (`spec/a_spec.rb[1:2]`). Absent when testArgument can build it.
   */
  selector?: string;
}

export interface RunnerAdapter {
  name: RunnerName;
  /** True when {tests} can carry single test ids on the command line. */
  selectsTests: boolean;
  /** The default listing command, run without a shell. */
  listCommand: string;
  parseListing(stdout: string, cwd: string): DiscoveredTest[];
  /**
   * True when a test can be selected only by the selector its listing gave (RSpec example ids): a test-level plan
   * needs a selector for every named test, so tests found another way (a JUnit report) are planned by file.
   */
  needsSelectors?: boolean;
  /** The command-line form of a test id for {tests}; `selector` is the listing's, when it gave one. */
  testArgument(test: DiscoveredTest, selector?: string): string;
}

export const RUNNER_NAMES = ['vitest', 'jest', 'pytest', 'playwright', 'go', 'rspec', 'generic'] as const;
export type RunnerName = (typeof RUNNER_NAMES)[number];

export function relativeFile(file: string, cwd: string): string {
  const normal = file.replace(/\\/g, '/');
  const relative = path.isAbsolute(normal) ? path.relative(cwd, normal).replace(/\\/g, '/') : normal;
  return relative.replace(/^\.\//, '');
}

/**
 * A file path as one argv word that no runner can read as an option: a path starting with `-` (a test file named
 * `--inject=1.test.js` or `-rf.test.js`, which a pull request can commit) gets `./`, which names the same file.
 * `./` rather than `--`: vitest, jest, pytest, rspec, go and node --test all take `./x`, while `--` would end the
 * options of a template that has more after {files} and means something else to several of them.
 */
export function pathArgument(file: string): string {
  return file.startsWith('-') ? `./${file}` : file;
}

function parseJson(stdout: string, runner: string): unknown {
  // Runners may print banners before the JSON: try from each opening bracket in turn.
  for (let start = stdout.search(/[[{]/); start >= 0;) {
    try {
      return JSON.parse(stdout.slice(start));
    } catch {
      const next = stdout.slice(start + 1).search(/[[{]/);
      start = next < 0 ? -1 : start + 1 + next;
    }
  }
  throw new UserError(`could not read the ${runner} test listing as JSON`);
}

const vitest: RunnerAdapter = {
  name: 'vitest',
  selectsTests: false,
  listCommand: 'npx vitest list --json',
  parseListing(stdout, cwd) {
    const entries = parseJson(stdout, 'vitest');
    if (!Array.isArray(entries)) throw new UserError('the vitest listing is not a JSON array');
    return entries.map((entry: { file?: unknown; name?: unknown }) => {
      if (typeof entry.file !== 'string') throw new UserError('a vitest listing entry has no file');
      return typeof entry.name === 'string'
        ? { file: relativeFile(entry.file, cwd), name: entry.name }
        : { file: relativeFile(entry.file, cwd) };
    });
  },
  testArgument: (test) => pathArgument(test.file),
};

const jest: RunnerAdapter = {
  name: 'jest',
  selectsTests: false,
  listCommand: 'npx jest --listTests --json',
  parseListing(stdout, cwd) {
    const files = parseJson(stdout, 'jest');
    if (!Array.isArray(files) || files.some((f) => typeof f !== 'string')) {
      throw new UserError('the jest listing is not a JSON array of paths');
    }
    return (files as string[]).map((file) => ({ file: relativeFile(file, cwd) }));
  },
  testArgument: (test) => pathArgument(test.file),
};

const pytest: RunnerAdapter = {
  name: 'pytest',
  selectsTests: true,
  listCommand: 'python -m pytest --collect-only -q',
  parseListing(stdout) {
    const tests: DiscoveredTest[] = [];
    for (const line of stdout.split(/\r?\n/)) {
      const trimmed = line.trim();
      if (trimmed === '' || /^\d+ tests? collected|^no tests ran|^=+|^-+/.test(trimmed)) continue;
      const at = trimmed.indexOf('::');
      if (at <= 0) continue;
      tests.push({ file: trimmed.slice(0, at).replace(/\\/g, '/'), name: trimmed.slice(at + 2) });
    }
    return tests;
  },
  testArgument: (test) => pathArgument(test.name ? `${test.file}::${test.name}` : test.file),
};

interface PlaywrightSuite {
  file?: string;
  specs?: Array<{ title: string; file: string; line?: number }>;
  suites?: PlaywrightSuite[];
}

const playwright: RunnerAdapter = {
  name: 'playwright',
  selectsTests: true,
  listCommand: 'npx playwright test --list --reporter=json',
  parseListing(stdout) {
    const report = parseJson(stdout, 'playwright') as { suites?: PlaywrightSuite[] };
    const tests: DiscoveredTest[] = [];
    const seen = new Set<string>();
    const walk = (suite: PlaywrightSuite): void => {
      for (const spec of suite.specs ?? []) {
        // Playwright selects a test by file:line; the same spec under several projects is one test id.
        const id = `${spec.file}:${spec.line ?? 0}`;
        if (seen.has(id)) continue;
        seen.add(id);
        tests.push({ file: spec.file.replace(/\\/g, '/'), name: `${spec.line ?? 0}:${spec.title}` });
      }
      for (const child of suite.suites ?? []) walk(child);
    };
    for (const suite of report.suites ?? []) walk(suite);
    return tests;
  },
  testArgument: (test) => pathArgument(test.name ? `${test.file}:${test.name.split(':')[0]}` : test.file),
};

const go: RunnerAdapter = {
  name: 'go',
  selectsTests: false,
  listCommand: 'go test -list . ./...',
  parseListing(stdout) {
    // `go test -list` prints each package's test names, then "ok  <package> <time>" for that package.
    const tests: DiscoveredTest[] = [];
    let pending: string[] = [];
    for (const line of stdout.split(/\r?\n/)) {
      const done = /^(?:ok|\?)\s+(\S+)/.exec(line);
      if (done) {
        for (const name of pending) tests.push({ file: done[1] as string, name });
        pending = [];
      } else if (/^(Test|Example|Fuzz|Benchmark)\w*$/.test(line.trim())) {
        pending.push(line.trim());
      }
    }
    return tests;
  },
  testArgument: (test) => pathArgument(test.file),
};

interface RspecExample {
  id?: unknown;
  full_description?: unknown;
}

/** `./spec/a_spec.rb[1:2:1]` → file `spec/a_spec.rb`, scoped id `1:2:1`; undefined when it is not an example id. */
function rspecExampleId(id: string): { file: string; scoped: string } | undefined {
  const match = /^(.+)\[(\d+(?::\d+)*)\]$/.exec(id);
  if (!match) return undefined;
  return { file: (match[1] as string).replace(/\\/g, '/').replace(/^\.\//, ''), scoped: match[2] as string };
}

/**
 * RSpec: `rspec --dry-run --format json` lists every example without running it or its hooks. A test is named as
 * rspec_junit_formatter names its JUnit case, by full description in the file of its top-level group (the file of
 * its id: an example from shared examples has its `file_path` in the shared file, but runs and reports under the
 * spec that includes it), so timings and results match the listing. It runs by example id, which the plan keeps
 * as the test's selector. Examples of one file with the same full description are one test with both ids (JUnit
 * cannot tell them apart either).
 */
const rspec: RunnerAdapter = {
  name: 'rspec',
  selectsTests: true,
  needsSelectors: true,
  listCommand: 'rspec --dry-run --format json',
  parseListing(stdout, cwd) {
    const report = parseJson(stdout, 'rspec') as { examples?: unknown };
    if (!Array.isArray(report.examples)) throw new UserError('the rspec listing has no "examples" array');
    const tests = new Map<string, { file: string; name: string; ids: string[] }>();
    for (const example of report.examples as RspecExample[]) {
      const parsed = typeof example?.id === 'string' ? rspecExampleId(example.id) : undefined;
      if (!parsed || typeof example.full_description !== 'string') {
        throw new UserError('an rspec listing example has no example id or full description');
      }
      const file = relativeFile(parsed.file, cwd);
      const key = `${file}\u0000${example.full_description}`;
      const known = tests.get(key);
      if (known) known.ids.push(parsed.scoped);
      else tests.set(key, { file, name: example.full_description, ids: [parsed.scoped] });
    }
    // `./` keeps a file named like an option (`-x_spec.rb`) from reading as one.
    return [...tests.values()].map(({ file, name, ids }) => ({ file, name, selector: `./${file}[${ids.join(',')}]` }));
  },
  // Without a selector only the whole file can be named; plan-mode plans such tests by file, never by test.
  testArgument: (test, selector) => selector ?? pathArgument(test.file),
};

const generic: RunnerAdapter = {
  name: 'generic',
  selectsTests: false,
  listCommand: '',
  parseListing(stdout) {
    return stdout
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .map((file) => ({ file: file.replace(/\\/g, '/').replace(/^\.\//, '') }));
  },
  testArgument: (test) => pathArgument(test.file),
};

export const RUNNERS: Record<RunnerName, RunnerAdapter> = { vitest, jest, pytest, playwright, go, rspec, generic };
