import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { junitTotals, mergeJUnitReports, parseJUnitXml, writeJUnitXml, type JUnitReport } from './junit.js';
import { XmlError, escapeXmlAttribute, escapeXmlText, parseXml } from './xml.js';

const JEST = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="jest tests" tests="3" failures="1" time="1.5">
  <testsuite name="src/a.test.js" tests="3" failures="1" time="1.2">
    <testcase classname="group" name="passes &amp; works" time="0.5"/>
    <testcase classname="group" name="fails" time="0.25">
      <failure message="expected 1 &lt; 2"><![CDATA[Error: <boom> & bust]]></failure>
    </testcase>
    <testcase classname="" name="skipped" time="0"><skipped/></testcase>
  </testsuite>
</testsuites>`;

describe('parseJUnitXml', () => {
  it('reads suites, cases, statuses, CDATA and entities', () => {
    const r = parseJUnitXml(JEST);
    expect(r.name).toBe('jest tests');
    const s = r.suites[0]!;
    expect(s.name).toBe('src/a.test.js');
    expect(s.time).toBe(1.2);
    expect(s.cases.map((c) => [c.name, c.status, c.time])).toEqual([
      ['passes & works', 'passed', 0.5],
      ['fails', 'failed', 0.25],
      ['skipped', 'skipped', 0],
    ]);
    expect(s.cases[1]!.failures[0]).toEqual({
      kind: 'failure',
      message: 'expected 1 < 2',
      text: 'Error: <boom> & bust',
    });
  });

  it('accepts a bare <testsuite>, nested suites, and surefire flaky/rerun elements', () => {
    const r = parseJUnitXml(`<testsuite name="outer" file="x.py"><testsuite name="inner"><testcase name="t" time="1">
      <flakyFailure message="first"/></testcase><testcase name="u" time="2"><error message="e"/><rerunError message="e0"/></testcase></testsuite></testsuite>`);
    const inner = r.suites.find((s) => s.name === 'inner')!;
    expect(inner.file).toBe('x.py');
    expect(inner.cases.map((c) => c.status)).toEqual(['flaky', 'error']);
    expect(inner.cases[1]!.failures).toHaveLength(2);
  });

  it('keeps test cases written straight under <testsuites>, one suite per file', () => {
    const r = parseJUnitXml(
      `<testsuites name="all"><testcase name="a1" file="a.test.js" time="0.5"><failure message="m"/></testcase>` +
        `<testcase name="loose" time="0.1"/><testcase name="a2" file="a.test.js"/>` +
        `<testsuite name="s"><testcase name="inside" time="1"/></testsuite></testsuites>`,
    );
    expect(r.suites.map((s) => [s.name, s.file, s.cases.map((c) => `${c.name}:${c.status}`)])).toEqual([
      ['a.test.js', 'a.test.js', ['a1:failed', 'a2:passed']],
      ['all', undefined, ['loose:passed']],
      ['s', undefined, ['inside:passed']],
    ]);
  });

  it('never expands custom entities or fetches external ones (XXE, billion laughs)', () => {
    const xxe = `<?xml version="1.0"?>
<!DOCTYPE testsuites [
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
  <!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
]>
<testsuites><testsuite name="s"><testcase name="&xxe;&lol2;" time="1"/></testsuite></testsuites>`;
    const r = parseJUnitXml(xxe);
    expect(r.suites[0]!.cases[0]!.name).toBe('&xxe;&lol2;');
  });

  it('recovers from a truncated file (runner killed mid-write)', () => {
    const cut = JEST.slice(0, JEST.indexOf('<testcase classname="" name="skipped"'));
    const r = parseJUnitXml(cut);
    expect(r.suites[0]!.cases.map((c) => c.name)).toEqual(['passes & works', 'fails']);
  });

  it('rejects non-XML, other roots and oversize input with XmlError', () => {
    expect(() => parseJUnitXml('just text')).toThrow(XmlError);
    expect(() => parseJUnitXml('<html><body/></html>')).toThrow(/not a JUnit report/);
    expect(() => parseJUnitXml(JEST, { maxLength: 100 })).toThrow(/cap/);
  });

  it('survives pathological nesting depth', () => {
    const deep = `<testsuites>${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}<testsuite name="s"><testcase name="t"/></testsuite></testsuites>`;
    expect(parseJUnitXml(deep).suites[0]!.cases).toHaveLength(1);
  });

  // The memory bound is the child's heap: a parse that built every node (40 MB of <a/> is 10 million) ran out of
  // it; the node cap stops it with a clear error well inside 512 MB.
  it.each([
    ['deep nesting', "'<testsuites>' + '<a>'.repeat(4e6) + '</a>'.repeat(4e6) + '</testsuites>'"],
    ['40 MB of empty elements', "'<testsuites>' + '<a/>'.repeat(1e7) + '</testsuites>'"],
    [
      'one element with a million attributes',
      "'<testsuites><a ' + Array.from({ length: 2e6 }, (_, i) => 'x' + i + '=\"\"').join(' ') + '/></testsuites>'",
    ],
  ])('%s: refused by the node cap inside a 512 MB heap, never out of memory', (_name, build) => {
    const script = [
      `import { parseJUnitXml } from ${JSON.stringify(new URL('./junit.ts', import.meta.url).pathname)};`,
      `const text = ${build};`,
      'try { parseJUnitXml(text); console.log("parsed"); } catch (e) { console.log("refused: " + e.message); }',
    ].join('\n');
    const out = execFileSync(
      process.execPath,
      ['--max-old-space-size=512', '--import', 'tsx', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    expect(out).toMatch(/^refused: XML input has more than 1000000 nodes/);
  });
});

describe('writeJUnitXml', () => {
  it('escapes markup and replaces characters XML cannot carry', () => {
    expect(escapeXmlText('a < b && c > d ]]>')).toBe('a &lt; b &amp;&amp; c &gt; d ]]&gt;');
    expect(escapeXmlText('\u001b[31mred\u0000\uFFFE')).toBe('\\x1B[31mred\\x00\\uFFFE');
    expect(escapeXmlText('lone \uD800 surrogate, pair 😀')).toBe('lone \\uD800 surrogate, pair 😀');
    expect(escapeXmlAttribute(`"q" 'a'\n\t`)).toBe('&quot;q&quot; &apos;a&apos;&#10;&#9;');
  });

  it('round-trips through the parser with recomputed totals', () => {
    const report = parseJUnitXml(JEST);
    const xml = writeJUnitXml(report);
    expect(xml).toContain('<testsuites name="jest tests" tests="3" failures="1" errors="0" skipped="1" time="0.75">');
    const again = parseJUnitXml(xml);
    expect(again.suites[0]!.cases).toEqual(report.suites[0]!.cases);
    expect(writeJUnitXml(again)).toBe(xml);
  });

  it('writes hostile names and output so that they parse back unchanged (minus invalid characters)', () => {
    const name = `x"'<>&]]>\u0007 ::warning::y`;
    const report: JUnitReport = {
      suites: [
        {
          name: 's',
          cases: [
            {
              name,
              time: 1,
              status: 'failed',
              failures: [{ kind: 'failure', text: `<![CDATA[ ]]> \u0001` }],
              attempts: 1,
            },
          ],
        },
      ],
    };
    const back = parseJUnitXml(writeJUnitXml(report)).suites[0]!.cases[0]!;
    expect(back.name).toBe(`x"'<>&]]>\\x07 ::warning::y`);
    expect(back.failures[0]!.text).toBe('<![CDATA[ ]]> \\x01');
  });
});

describe('mergeJUnitReports', () => {
  const run = (status: 'pass' | 'fail' | 'skip', time = 1): JUnitReport => ({
    suites: [
      {
        name: 's',
        cases: [
          {
            name: 't',
            classname: 'c',
            time,
            status: status === 'pass' ? 'passed' : status === 'fail' ? 'failed' : 'skipped',
            failures: status === 'fail' ? [{ kind: 'failure', message: `failed at ${time}` }] : [],
            attempts: 1,
          },
        ],
      },
    ],
  });

  it('failed then passed is flaky, not passed; the XML carries flakyFailure', () => {
    const merged = mergeJUnitReports([run('fail', 1), run('pass', 2)]);
    const c = merged.suites[0]!.cases[0]!;
    expect(c.status).toBe('flaky');
    expect(c.time).toBe(2);
    expect(c.attempts).toBe(2);
    expect(c.failures).toEqual([{ kind: 'failure', message: 'failed at 1' }]);
    expect(junitTotals(merged.suites[0]!.cases)).toMatchObject({ tests: 1, failures: 0, flaky: 1 });
    const xml = writeJUnitXml(merged);
    expect(xml).toContain('<flakyFailure message="failed at 1"/>');
    expect(parseJUnitXml(xml).suites[0]!.cases[0]!.status).toBe('flaky');
  });

  it('keeps the attempt count through a write and a read', () => {
    const flaky = mergeJUnitReports([run('fail', 1), run('fail', 2), run('pass', 3)]);
    const failed = mergeJUnitReports([run('fail', 1), run('fail', 2), run('fail', 3)]);
    for (const merged of [flaky, failed]) {
      const back = parseJUnitXml(writeJUnitXml(merged)).suites[0]!.cases[0]!;
      expect([back.status, back.attempts]).toEqual([merged.suites[0]!.cases[0]!.status, 3]);
    }
  });

  it.each([
    [['pass', 'pass'], 'passed'],
    [['fail', 'fail'], 'failed'],
    [['skip', 'fail'], 'failed'],
    [['skip', 'pass'], 'passed'],
    [['skip', 'skip'], 'skipped'],
    [['pass', 'fail'], 'flaky'],
  ] as const)('%j → %s', (attempts, expected) => {
    expect(mergeJUnitReports(attempts.map((a) => run(a))).suites[0]!.cases[0]!.status).toBe(expected);
  });

  it('keeps same-named cases within one report apart (parameterised runs are not retries)', () => {
    const one = parseJUnitXml(
      `<testsuite name="s"><testcase name="p" time="1"/><testcase name="p" time="1"><failure/></testcase></testsuite>`,
    );
    const merged = mergeJUnitReports([one]);
    expect(merged.suites[0]!.cases.map((c) => c.status)).toEqual(['passed', 'failed']);
    const retried = mergeJUnitReports([
      one,
      parseJUnitXml(`<testsuite name="s"><testcase name="p"/><testcase name="p"/></testsuite>`),
    ]);
    expect(retried.suites[0]!.cases.map((c) => c.status)).toEqual(['passed', 'flaky']);
  });

  it('unions shards: suites in first-seen order, every case once', () => {
    const a = parseJUnitXml(`<testsuite name="s1"><testcase name="a"/></testsuite>`);
    const b = parseJUnitXml(
      `<testsuites><testsuite name="s2"><testcase name="b"/></testsuite><testsuite name="s1"><testcase name="c"/></testsuite></testsuites>`,
    );
    const merged = mergeJUnitReports([a, b], 'all');
    expect(merged.suites.map((s) => [s.name, s.cases.map((c) => c.name)])).toEqual([
      ['s1', ['a', 'c']],
      ['s2', ['b']],
    ]);
  });
});

describe('parseXml', () => {
  it('handles attributes with > inside quotes, single quotes, comments and PIs', () => {
    const root = parseXml(`<?pi x?><!-- c --><r a='1>2' b="x'y"><!-- <c/> --><c/></r>`);
    expect(root.attributes.get('a')).toBe('1>2');
    expect(root.attributes.get('b')).toBe("x'y");
    expect(root.children).toHaveLength(1);
  });
});
