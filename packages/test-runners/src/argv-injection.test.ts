import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pathArgument, RUNNERS } from './adapters.js';
import { expandCommand, parseCommandTemplate } from './command-template.js';

/**
 * Test files a pull request can commit with names that read as options (`-rf…`, `--inject=1…`), run by each real
 * runner installed here (vitest, pytest, rspec, go, cat for generic) with the argv the adapters build:
 * only the hostile file runs, as a file. Before pathArgument these reached the runners as bare `-rf.test.js` and
 * `--inject=1.test.js`: options, or errors, never the file. jest and playwright are not installed here; their
 * adapters build the same `./` words (checked below on the words alone).
 */
const repoRoot = path.resolve(import.meta.dirname, '../../..');
const vitestBin = path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'argv-injection-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** The argv a template gives for these file-level items, exactly as shard-and-run expands it. */
function argv(template: string, runner: keyof typeof RUNNERS, files: string[], tests?: string[]) {
  return expandCommand(parseCommandTemplate(template), {
    files: files.map(pathArgument),
    tests: (tests ?? files).map((t) => RUNNERS[runner].testArgument(t.includes('::') ? split(t) : { file: t })),
  });
}

function split(key: string): { file: string; name: string } {
  const at = key.indexOf('::');
  return { file: key.slice(0, at), name: key.slice(at + 2) };
}

function run(cwd: string, command: { file: string; args: string[] }) {
  const file = command.file === 'node' ? process.execPath : command.file;
  const result = spawnSync(file, command.args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, out: `${result.stdout}\n${result.stderr}` };
}

describe('no test id or file name becomes an option, on the real runners', () => {
  it('pathArgument gives ./ to a leading dash only, and every adapter uses it', () => {
    expect(pathArgument('--inject=1.test.js')).toBe('./--inject=1.test.js');
    expect(pathArgument('-rf.test.js')).toBe('./-rf.test.js');
    expect(pathArgument('tests/-rf.test.js')).toBe('tests/-rf.test.js');
    for (const runner of Object.values(RUNNERS)) {
      expect(runner.testArgument({ file: '-rf.test.js' }), runner.name).toMatch(/^\.\/-rf\.test\.js/);
      expect(runner.testArgument({ file: '--x.spec.ts', name: '12:t' }), runner.name).toMatch(/^\.\/--x\.spec\.ts/);
    }
  });

  it('vitest runs `-rf.test.js` and `--inject=1.test.js` as files, and nothing else', () => {
    const cwd = project({
      'vitest.config.js': 'export default { test: { globals: true, include: ["**/*.test.js"] } };\n',
      '-rf.test.js': 'test("hostile rf", () => {});\n',
      '--inject=1.test.js': 'test("hostile inject", () => {});\n',
      'other.test.js': 'test("other", () => { throw new Error("must not run"); });\n',
    });
    const command = argv(`node ${vitestBin} run --reporter=verbose {files}`, 'vitest', [
      '-rf.test.js',
      '--inject=1.test.js',
    ]);
    expect(command.args.slice(-2)).toEqual(['./-rf.test.js', './--inject=1.test.js']);
    const { status, out } = run(cwd, command);
    expect(status, out).toBe(0);
    expect(out).toContain('hostile rf');
    expect(out).toContain('hostile inject');
    expect(out).not.toContain('must not run');
  });

  it('pytest runs `-rf_test.py::test_x` and `--inject=1_test.py` as files', () => {
    const cwd = project({
      '-rf_test.py': 'def test_x():\n    pass\n',
      '--inject=1_test.py': 'def test_y():\n    pass\n',
      'other_test.py': 'def test_other():\n    assert False\n',
    });
    const command = argv(
      'python3 -m pytest -p no:cacheprovider -q {tests}',
      'pytest',
      [],
      ['-rf_test.py::test_x', '--inject=1_test.py::test_y'],
    );
    expect(command.args.slice(-2)).toEqual(['./-rf_test.py::test_x', './--inject=1_test.py::test_y']);
    const { status, out } = run(cwd, command);
    expect(status, out).toBe(0);
    expect(out).toMatch(/2 passed/);
  });

  it('rspec runs `-rf_spec.rb` by file and by example id', () => {
    const cwd = project({
      '-rf_spec.rb': 'RSpec.describe "hostile" do\n  it("runs") { expect(1).to eq(1) }\nend\n',
      'other_spec.rb': 'RSpec.describe "other" do\n  it("must not run") { raise "ran" }\nend\n',
    });
    for (const selector of [undefined, './-rf_spec.rb[1:1]']) {
      const tests = [RUNNERS.rspec.testArgument({ file: '-rf_spec.rb', name: 'hostile runs' }, selector)];
      const command = expandCommand(parseCommandTemplate('rspec --format documentation {tests}'), { tests });
      const { status, out } = run(cwd, command);
      expect(status, out).toBe(0);
      expect(out).toMatch(/1 example, 0 failures/);
    }
  });

  it('go reads a dash-led package as a directory, never as a flag', () => {
    const cwd = project({ 'go.mod': 'module example.com/m\n\ngo 1.21\n', '-rf/x_test.go': 'package rf\n' });
    const { out } = run(cwd, argv('go test {files}', 'go', ['-rf']));
    // go refuses such a directory itself; the point is that it was read as one, not as `-rf` flags.
    expect(out).toMatch(/invalid input directory name "-rf"/);
    expect(out).not.toMatch(/flag provided but not defined/);
  });

  it('generic (any program taking files; cat here) reads `-rf.test.js` and `--inject=1.test.js` as files', () => {
    // Not node --test: its runner spawns each file's child as `node <path>` with the ./ stripped, so a dash-led
    // file reaches the child node as an option whatever argv it is given (Node's behaviour, not ours).
    const cwd = project({ '-rf.test.js': 'first\n', '--inject=1.test.js': 'second\n' });
    const command = argv('cat {files}', 'generic', ['-rf.test.js', '--inject=1.test.js']);
    const { status, out } = run(cwd, command);
    expect(status, out).toBe(0);
    expect(out).toMatch(/^first\nsecond\n/);
  });
});
