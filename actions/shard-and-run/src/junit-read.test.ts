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
