import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUNNERS } from './adapters.js';

/** The adapters parse what the real runners print: vitest, pytest, go and rspec run here; jest and playwright do not. */
const fixtures = path.join(import.meta.dirname, 'fixtures');
const repoRoot = path.resolve(import.meta.dirname, '../../..');

describe('runner listings', () => {
  it('reads a real `vitest list --json`', () => {
    const cwd = path.join(fixtures, 'vitest-project');
    const vitestBin = path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');
    const stdout = execFileSync(process.execPath, [vitestBin, 'list', '--json'], { cwd, encoding: 'utf8' });
    expect(RUNNERS.vitest.parseListing(stdout, cwd)).toEqual([
      { file: 'math.test.js', name: 'adds' },
      { file: 'math.test.js', name: 'weird name $(id) | ::warning::' },
    ]);
  });

  it('reads a real `pytest --collect-only -q`', () => {
    const cwd = path.join(fixtures, 'pytest-project');
    const stdout = execFileSync('python3', ['-m', 'pytest', '--collect-only', '-q', '-p', 'no:cacheprovider'], {
      cwd,
      encoding: 'utf8',
    });
    const tests = RUNNERS.pytest.parseListing(stdout, cwd);
    expect(tests.map((t) => RUNNERS.pytest.testArgument(t))).toEqual([
      'tests/test_math.py::test_adds',
      'tests/test_math.py::TestGroup::test_inside',
      'tests/test_math.py::test_param[a b]',
      'tests/test_math.py::test_param[$(id)]',
    ]);
  });

  it('reads a real `go test -list`', () => {
    const cwd = path.join(fixtures, 'go-project');
    const stdout = execFileSync('go', ['test', '-list', '.', './...'], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
    });
    expect(RUNNERS.go.parseListing(stdout, cwd)).toEqual([
      { file: 'example.com/fixture/calc', name: 'TestAdd' },
      { file: 'example.com/fixture/calc', name: 'TestSub' },
    ]);
  });

  it('reads a real `rspec --dry-run --format json`: tests by full description, run by example id', () => {
    // The suite the bundle test runs (test/shard-and-run/fixtures/rspec-suite), with Debian's RSpec.
    const cwd = path.join(repoRoot, 'test/shard-and-run/fixtures/rspec-suite');
    const stdout = execFileSync('rspec', ['--dry-run', '--format', 'json'], { cwd, encoding: 'utf8' });
    const tests = RUNNERS.rspec.parseListing(stdout, cwd);
    expect(tests).toEqual([
      { file: 'spec/flaky_spec.rb', name: 'Flaky reaches the dependency', selector: './spec/flaky_spec.rb[1:1]' },
      { file: 'spec/flaky_spec.rb', name: 'Flaky is always broken', selector: './spec/flaky_spec.rb[1:2]' },
      { file: 'spec/flaky_spec.rb', name: 'Flaky is stable', selector: './spec/flaky_spec.rb[1:3]' },
      // Two examples with one full description: one test (their JUnit cases are indistinguishable), both ids.
      { file: 'spec/math_spec.rb', name: 'Math adds', selector: './spec/math_spec.rb[1:1,1:2]' },
      { file: 'spec/math_spec.rb', name: 'Math is pending', selector: './spec/math_spec.rb[1:5]' },
      {
        file: 'spec/math_spec.rb',
        name: 'Math when weird $(id) | ::warning:: "quoted" still works [1:1]',
        selector: './spec/math_spec.rb[1:3:1]',
      },
      // Defined in spec/support/shared.rb (its file_path), but run and reported under the spec that includes it.
      {
        file: 'spec/math_spec.rb',
        name: 'Math Array behaves like a collection is enumerable',
        selector: './spec/math_spec.rb[1:4:1:1]',
      },
    ]);
    expect(RUNNERS.rspec.testArgument(tests[3]!, tests[3]!.selector)).toBe('./spec/math_spec.rb[1:1,1:2]');
    // Without the listing's id only the whole file can be named (plan-mode then plans by file).
    expect(RUNNERS.rspec.testArgument({ file: 'spec/math_spec.rb', name: 'Math adds' })).toBe('spec/math_spec.rb');
  });

  it('refuses an rspec listing that is not one', () => {
    expect(() => RUNNERS.rspec.parseListing('{"version":"3.12.0"}', '/repo')).toThrow(/no "examples" array/);
    expect(() => RUNNERS.rspec.parseListing('{"examples":[{"id":"spec/a_spec.rb:3"}]}', '/repo')).toThrow(
      /no example id or full description/,
    );
    // A file named like an option stays a path.
    const [test] = RUNNERS.rspec.parseListing(
      '{"examples":[{"id":"./-r evil_spec.rb[1:1]","full_description":"x"}]}',
      '/repo',
    );
    expect(test!.selector).toBe('./-r evil_spec.rb[1:1]');
  });

  it('reads jest and playwright JSON listings, banners and all', () => {
    const cwd = '/repo';
    expect(
      RUNNERS.jest.parseListing('Determining test suites...\n["/repo/src/a.test.ts","/repo/b.test.ts"]', cwd),
    ).toEqual([{ file: 'src/a.test.ts' }, { file: 'b.test.ts' }]);
    const report = {
      suites: [
        {
          title: 'a.spec.ts',
          specs: [{ title: 'logs in', file: 'a.spec.ts', line: 3 }],
          suites: [{ title: 'group', specs: [{ title: 'nested', file: 'a.spec.ts', line: 9 }] }],
        },
        { title: 'a.spec.ts', specs: [{ title: 'logs in', file: 'a.spec.ts', line: 3 }] },
      ],
    };
    const tests = RUNNERS.playwright.parseListing(JSON.stringify(report), cwd);
    expect(tests.map((t) => RUNNERS.playwright.testArgument(t))).toEqual(['a.spec.ts:3', 'a.spec.ts:9']);
    expect(() => RUNNERS.jest.parseListing('no json here', cwd)).toThrow(/could not read the jest test listing/);
  });
});
