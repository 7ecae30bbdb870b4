import { RecordingLogger } from '@gauntlet/action-kit/testing';
import { describe, expect, it } from 'vitest';
import {
  importKnapsackReport,
  importPytestDurations,
  importTimings,
  junitCaseId,
  junitDurations,
  junitTests,
} from './importers.js';
import { parseJUnitXml } from './junit.js';
import { planShards } from './plan.js';
import { testKey } from './test-id.js';

describe('pytest-split and Knapsack', () => {
  it('imports node ids and files, dropping bad values with warnings', () => {
    const log = new RecordingLogger();
    const d = importPytestDurations('{"tests/a.py::T::t[1]": 1.5, "tests/a.py::u": NaN, "tests\\\\b.py::v": 2}', log);
    expect([...d]).toEqual([
      ['tests/a.py::T::t[1]', 1.5],
      ['tests/b.py::v', 2],
    ]);
    expect(log.messages('warning')).toHaveLength(1);
    expect(importKnapsackReport('{"spec/a_spec.rb": 3}', log).get('spec/a_spec.rb')).toBe(3);
    expect(importKnapsackReport('oops', log).size).toBe(0);
  });

  it('a Knapsack report with a leading / names the same files as one without', () => {
    const log = new RecordingLogger();
    const report = importKnapsackReport('{"/spec/a_spec.rb": 3, "//spec\\\\b_spec.rb": 4}', log);
    expect([...report.keys()]).toEqual(['spec/a_spec.rb', 'spec/b_spec.rb']);
    const store = importTimings('{"/spec/a_spec.rb": 3}', log);
    const plan = planShards({ tests: ['spec/a_spec.rb', 'spec/c_spec.rb'], shards: 2, timings: store });
    expect(plan.tests.timed).toBe(1);
  });
});

describe('JUnit identity', () => {
  const caseOf = (xml: string) => {
    const r = parseJUnitXml(xml);
    const s = r.suites[0]!;
    return testKey(junitCaseId(s.cases[0]!, s));
  };
  it('jest-junit: the suite name is the file, the classname (describe block) prefixes the name', () => {
    expect(caseOf(`<testsuite name="src/a.test.js"><testcase classname="group" name="works"/></testsuite>`)).toBe(
      'src/a.test.js::group::works',
    );
    expect(caseOf(`<testsuite name="src/a.test.js"><testcase classname="" name="works"/></testsuite>`)).toBe(
      'src/a.test.js::works',
    );
  });
  it('JUnit/TestNG: the class is the file', () => {
    expect(caseOf(`<testsuite name="org.x.FooTest"><testcase classname="org.x.FooTest" name="bar"/></testsuite>`)).toBe(
      'org.x.FooTest::bar',
    );
  });
  it('pytest with a file attribute: the module prefix of the classname is dropped, matching node ids', () => {
    expect(
      caseOf(
        `<testsuite name="pytest"><testcase file="tests/test_a.py" classname="tests.test_a.TestX" name="test_y"/></testsuite>`,
      ),
    ).toBe('tests/test_a.py::TestX::test_y');
    expect(
      caseOf(
        `<testsuite name="pytest"><testcase file="tests/test_a.py" classname="tests.test_a" name="test_z"/></testsuite>`,
      ),
    ).toBe('tests/test_a.py::test_z');
  });
});

describe('JUnit durations and discovery', () => {
  const xml = `<testsuites>
    <testsuite name="src/a.test.js" time="3"><testcase name="x" time="1"/><testcase name="y" time="0.5"/><testcase name="s" time="9"><skipped/></testcase></testsuite>
    <testsuite name="src/b.test.js" time="0.1"><testcase name="x" time="1"/></testsuite>
  </testsuites>`;
  it('test times skip skipped cases; file time is max(suite time, sum of cases)', () => {
    const { tests, files } = junitDurations(parseJUnitXml(xml), new RecordingLogger());
    expect(tests.get('src/a.test.js::x')).toBe(1);
    expect(tests.has('src/a.test.js::s')).toBe(false);
    expect(files.get('src/a.test.js')).toBe(3);
    expect(files.get('src/b.test.js')).toBe(1);
  });
  it('discovers every case, skipped included', () => {
    expect(junitTests(parseJUnitXml(xml)).map(testKey)).toEqual([
      'src/a.test.js::s',
      'src/a.test.js::x',
      'src/a.test.js::y',
      'src/b.test.js::x',
    ]);
  });
  it('importTimings sniffs XML vs JSON and never throws', () => {
    const log = new RecordingLogger();
    expect(importTimings(xml, log).entries.get('src/a.test.js')?.seconds).toBe(3);
    expect(importTimings('{"a.py::t": 1}', log).entries.get('a.py::t')?.seconds).toBe(1);
    expect(importTimings('<<<', log).entries.size).toBe(0);
    expect(log.messages('warning')).toHaveLength(1);
  });
});
