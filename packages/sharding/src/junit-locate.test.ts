import { describe, expect, it } from 'vitest';
import { junitCaseId } from './importers.js';
import { parseJUnitXml } from './junit.js';
import { locateJUnitFiles } from './junit-locate.js';
import { testKey } from './test-id.js';

const files = new Set(['tests/test_a.py', 'tests/unit/test_b.py', 'tests/unit/base.py']);
const keys = (xml: string, isFile = (p: string) => files.has(p)): string[] =>
  locateJUnitFiles(parseJUnitXml(xml), { isFile }).suites.flatMap((s) =>
    s.cases.map((c) => testKey(junitCaseId(c, s))),
  );

describe('locateJUnitFiles (pytest xunit2 and xunit1)', () => {
  it('turns dotted classnames back into node ids, nested classes included', () => {
    const xml = `<testsuites><testsuite name="pytest">
<testcase classname="tests.test_a" name="test_x[a.b]"/>
<testcase classname="tests.test_a.TestOuter.TestInner" name="test_y"/>
<testcase classname="tests.unit.test_b.TestB" name="test_z[x::y]"/>
</testsuite></testsuites>`;
    expect(keys(xml)).toEqual([
      'tests/test_a.py::test_x[a.b]',
      'tests/test_a.py::TestOuter::TestInner::test_y',
      'tests/unit/test_b.py::TestB::test_z[x::y]',
    ]);
  });

  it('prefers the classname over an xunit1 file that names the base class module', () => {
    const xml = `<testsuite name="pytest"><testcase classname="tests.unit.test_b.TestB" name="test_shared" file="tests/unit/base.py"/>
<testcase classname="tests.unit.test_b.TestB" name="test_own" file="tests/unit/test_b.py"/></testsuite>`;
    expect(keys(xml)).toEqual(['tests/unit/test_b.py::TestB::test_shared', 'tests/unit/test_b.py::TestB::test_own']);
  });

  it('asks only for paths made of the classname segments, and leaves unknown classnames alone', () => {
    const asked: string[] = [];
    const xml = `<testsuite name="s">
<testcase classname="..etc.passwd" name="a"/><testcase classname="a/../b" name="b"/><testcase classname="x y.z" name="c"/>
<testcase classname="com.example.FooTest" name="d"/></testsuite>`;
    const out = keys(xml, (p) => {
      asked.push(p);
      return false;
    });
    expect(out).toEqual(['..etc.passwd::a', 'a/../b::b', 'x y.z::c', 'com.example.FooTest::d']);
    expect(asked).toEqual(['com/example/FooTest.py', 'com/example.py', 'com.py']);
  });

  it('asks once per classname however many cases share it', () => {
    let calls = 0;
    const cases = Array.from({ length: 500 }, (_, i) => `<testcase classname="tests.test_a" name="t${i}"/>`).join('');
    keys(`<testsuite name="pytest">${cases}</testsuite>`, (p) => {
      calls++;
      return files.has(p);
    });
    expect(calls).toBe(1);
  });
});
