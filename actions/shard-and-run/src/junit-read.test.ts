import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canonicalize, testId } from '@gauntlet/sharding';
import { RUNNERS } from '@gauntlet/test-runners';
import { describe, expect, it } from 'vitest';
import { caseKey, casesOf, readJUnit } from './junit-read.js';

describe('readJUnit', () => {
  it('keeps test cases that sit directly under <testsuites> (Node’s junit reporter) and makes paths relative', () => {
    const xml = `<?xml version="1.0" encoding="utf-8"?>
<testsuites>
  <testcase name="adds" time="0.001" classname="test" file="/repo/app/tests/a.test.mjs"/>
  <testcase name="fails" time="0.002" classname="test" file="/repo/app/tests/a.test.mjs"><failure message="1 == 2">at file:///repo/app/tests/a.test.mjs:4:43</failure></testcase>
  <testsuite name="group" tests="1"><testcase name="inner" time="0.003" classname="group" file="/repo/app/tests/b.test.mjs"/></testsuite>
</testsuites>`;
    const report = readJUnit(xml, '/repo/app');
    const keys = [...casesOf(report)].map(({ suite, testCase }) => caseKey(testCase, suite));
    expect(keys).toEqual([
      'tests/a.test.mjs::test::adds',
      'tests/a.test.mjs::test::fails',
      'tests/b.test.mjs::group::inner',
    ]);
    const failed = [...casesOf(report)].find((c) => c.testCase.name === 'fails')!.testCase;
    expect(failed.status).toBe('failed');
  });

  it('turns file:// URLs and absolute suite names into relative paths, leaves outside paths alone', () => {
    const xml = `<testsuites><testsuite name="/repo/app/src/x.test.ts" file="file:///repo/app/src/x.test.ts"><testcase name="t" classname="/repo/app/src/x.test.ts"/></testsuite>
<testsuite name="/elsewhere/y.test.ts"><testcase name="u"/></testsuite></testsuites>`;
    const report = readJUnit(xml, '/repo/app');
    expect(report.suites.map((s) => s.name)).toEqual(['src/x.test.ts', '/elsewhere/y.test.ts']);
    expect(report.suites[0]!.file).toBe('src/x.test.ts');
  });

  it('reads a bare <testsuite> and never resolves entities', () => {
    const xml = `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><testsuite name="s"><testcase name="&e; &lt;ok&gt;"/></testsuite>`;
    const report = readJUnit(xml, '/');
    expect(report.suites[0]!.cases[0]!.name).toBe('&e; <ok>');
  });

  it('throws on a file with no XML element', () => {
    expect(() => readJUnit('not xml', '/')).toThrow();
  });
});

/**
 * Real pytest in its default configuration (xunit2: no `file` attribute, `classname` = dotted node id) and in
 * xunit1 (a `file` that names the defining module, which for an inherited test is not the node id's): every case
 * must map back to the node id `pytest --collect-only` lists, or timings, annotations and retries miss.
 */
describe('readJUnit on real pytest output', () => {
  const cwd = path.join(import.meta.dirname, 'fixtures', 'pytest-layout');
  const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
  const pytest = (args: string[]): string =>
    execFileSync('python3', ['-m', 'pytest', '-p', 'no:cacheprovider', ...args], { cwd, encoding: 'utf8', env });
  const listed = canonicalize(
    RUNNERS.pytest.parseListing(pytest(['--collect-only', '-q']), cwd).map((t) => testId(t.file, t.name)),
  ).keys;
  const junitOf = (extra: string[]): string => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pytest-junit-'));
    try {
      pytest(['-q', `--junitxml=${path.join(dir, 'junit.xml')}`, ...extra]);
      return readFileSync(path.join(dir, 'junit.xml'), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const keysOf = (report: ReturnType<typeof readJUnit>): string[] =>
    [...casesOf(report)].map(({ suite, testCase }) => caseKey(testCase, suite)).sort();

  it('lists the fixture the way the cases below expect', () => {
    expect(listed).toContain('tests/test_math.py::TestGroup::TestNested::test_deep');
    expect(listed).toContain('tests/unit/test_inherit.py::TestUsesShared::test_shared');
    expect(listed).toHaveLength(12);
  });

  for (const [family, extra] of [
    ['default (xunit2)', []],
    ['xunit1', ['-o', 'junit_family=xunit1']],
  ] as const) {
    it(`maps every ${family} case to its node id`, () => {
      expect(keysOf(readJUnit(junitOf([...extra]), cwd))).toEqual(listed);
    });
  }

  it('maps xunit2 cases with the planned files alone, where the merge job has no checkout', () => {
    const xml = junitOf([]);
    const planned = new Set(listed.map((k) => k.slice(0, k.indexOf('::'))));
    expect(keysOf(readJUnit(xml, os.tmpdir(), planned))).toEqual(listed);
    // Without either, nothing is invented: the classname stays the file, as before.
    expect(keysOf(readJUnit(xml, os.tmpdir()))).toContain('tests.test_math::test_adds');
  });
});
