import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUNNERS } from './adapters.js';

/** The adapters parse what the real runners print: vitest, pytest and go run here; jest and playwright do not. */
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
