import { silentLogger } from '@gauntlet/action-kit';
import { COMMENT_BODY_LIMIT, INJECTION_CORPUS } from '@gauntlet/github';
import { analyzeMarkdown } from '@gauntlet/github/testing';
import { planShards, type JUnitCase } from '@gauntlet/sharding';
import { describe, expect, it } from 'vitest';
import { mergeResults } from './combine-results.js';
import { recommendShards } from './merge.js';
import { buildReport, calibrationText, failureLine } from './report.js';
import { buildResult } from '../../shard-result.js';

describe('failureLine', () => {
  it('finds the failing line of the test file in stack traces of several runners', () => {
    expect(failureLine('tests/a.test.mjs', 'at TestContext.<anonymous> (file:///w/tests/a.test.mjs:4:43)')).toBe(4);
    expect(failureLine('src/x.test.ts', 'AssertionError\n ❯ src/x.test.ts:17:9')).toBe(17);
    expect(failureLine('tests/test_a.py', 'File "/w/tests/test_a.py", line 23, in test_x')).toBe(23);
    expect(failureLine('a.go', undefined, 'a_test.go:5: nope')).toBe(1);
    expect(failureLine('t(1).js', 'at t(1).js:9:1')).toBe(9);
  });
});

function caseOf(name: string, status: JUnitCase['status'], file = 'tests/evil.test.ts', message = name): JUnitCase {
  return {
    name,
    file,
    time: 1,
    status,
    failures: status === 'failed' || status === 'flaky' ? [{ kind: 'failure', message, text: `at ${file}:12:3` }] : [],
    attempts: status === 'flaky' ? 2 : 1,
  };
}

function outcomeWith(cases: JUnitCase[]) {
  const plan = planShards({ tests: ['tests/evil.test.ts'], shards: 1 });
  const result = buildResult({
    planId: plan.id,
    shard: 1,
    shardTotal: 1,
    attempt: 1,
    source: 'run',
    status: 'completed',
    exitCode: 1,
    startedMs: 0,
    finishedMs: 1,
    durationSeconds: 2,
    tests: ['tests/evil.test.ts'],
    report: { suites: [{ name: 'tests/evil.test.ts', file: 'tests/evil.test.ts', cases }] },
  });
  return { plan, outcome: mergeResults([{ ...result, origin: 'x' }], { plan, logger: silentLogger }) };
}

describe('buildReport', () => {
  it('RP-09 / SH-07: hostile test names and messages render as literal text in every table', () => {
    const cases = INJECTION_CORPUS.flatMap((text, i) => [
      caseOf(`${i}: ${text}`, 'failed'),
      caseOf(`flaky ${i}: ${text}`, 'flaky'),
    ]);
    const { plan, outcome } = outcomeWith(cases);
    const built = buildReport({ outcome, plan });
    for (const doc of [built.doc, built.summaryDoc]) {
      const markdown = doc.render(COMMENT_BODY_LIMIT);
      const structure = analyzeMarkdown(markdown);
      expect(structure.links).toEqual([]);
      expect(structure.images).toEqual([]);
      expect(structure.mentions).toEqual([]);
      expect(structure.issueRefs).toEqual([]);
      expect(structure.markers).toBe(0);
      expect(structure.html).toEqual([]);
      const failures = structure.tables.find((t) => t.some((row) => row[0]?.startsWith('0: ')));
      expect(failures).toHaveLength(INJECTION_CORPUS.length);
      expect(markdown).not.toMatch(/^\s*::/m);
    }
    expect(built.annotations).toHaveLength(INJECTION_CORPUS.length);
    expect(built.annotations[0]).toMatchObject({ path: 'tests/evil.test.ts', startLine: 12, level: 'failure' });
  });

  it('RP-08: 20,000 failures with 10,000-character names stay within the comment limit with exact counts', () => {
    const cases = Array.from({ length: 20_000 }, (_, i) =>
      caseOf(`${i} ${'n'.repeat(10_000)}`, 'failed', `tests/f${i}.test.ts`, 'm'.repeat(100_000)),
    );
    const { outcome } = outcomeWith(cases);
    const built = buildReport({ outcome });
    const markdown = built.doc.render(COMMENT_BODY_LIMIT);
    expect(markdown.length).toBeLessThanOrEqual(COMMENT_BODY_LIMIT.max);
    expect(markdown).toContain('| 20000 | 0 | 20000 |');
    expect(markdown).toMatch(/_… and \d+ more rows_/);
    expect(built.title).toBe('0 passed, 20000 failed');
  });

  it('draws predicted against actual shard times with the lower bound, and recommends a shard count', () => {
    const plan = planShards({ tests: ['a.test.ts', 'b.test.ts', 'c.test.ts'], shards: 2 });
    const results = plan.shards.map((s) => ({
      ...buildResult({
        planId: plan.id,
        shard: s.index,
        shardTotal: 2,
        attempt: 1,
        source: 'run',
        status: 'completed',
        exitCode: 0,
        startedMs: 0,
        finishedMs: 1,
        durationSeconds: 40 * s.index,
        tests: s.items.map((i) => i.file),
        report: {
          suites: s.items.map((i) => ({
            name: i.file,
            file: i.file,
            cases: [caseOf('t', 'passed', i.file)].map((c) => ({ ...c, time: 200 })),
          })),
        },
      }),
      origin: 'x',
    }));
    const outcome = mergeResults(results, { plan, logger: silentLogger });
    const recommendation = recommendShards(outcome, plan, {
      targetSeconds: 300,
      maxParallel: 256,
      shardOverheadSeconds: 30,
    });
    expect(recommendation?.count).toBe(3);
    const markdown = buildReport({ outcome, plan, ...(recommendation ? { recommendation } : {}) }).doc.render(
      COMMENT_BODY_LIMIT,
    );
    expect(markdown).toContain('```mermaid\ngantt');
    // No timings: the predictions are estimates, and say so; actual bars come first, labelled with their seconds.
    expect(markdown).toContain('title Shards, actual against estimates (no timings)');
    expect(markdown).toMatch(
      /section Shard 1\n\s+actual 40(\.0)? ?s \(passed\) :done, t1, 0, 40000\n\s+estimate [\d.]+ ?m?s :t2, 0, \d+/,
    );
    expect(markdown).toMatch(/lower bound [\d.]+ ?m?s \(estimated\) :active/);
    // A 80 s chart: ticks every 10 s, in minutes and seconds.
    expect(markdown).toContain('axisFormat %M:%S\n  tickInterval 10second');
    expect(markdown).toMatch(/\*\*Recommended:\*\* 3 shards/);
  });

  it('says what the predictions came from, how far off they were, and what was learned from this run', () => {
    const { plan, outcome } = outcomeWith([caseOf('t', 'passed')]);
    const model = {
      perRunSeconds: 1,
      perFileSeconds: 0.5,
      perTestSeconds: 0,
      testTimeScale: 0.25,
      samples: 3,
      medianError: 0.04,
    };
    const text = calibrationText({
      outcome,
      plan,
      timing: { trusted: true, reason: '', saved: 'saved', missingShards: [], costModel: { model, kept: true } },
    });
    expect(text).toMatch(/^Predictions came from estimates: no timings yet/);
    expect(text).toMatch(/predicted against actual per shard: median [+−]\d+ %/);
    expect(text).toContain('Calibrated with this run: 0.50 s per file, 1.00 s per command run, JUnit times × 0.25');
    expect(text).toContain('the next plan uses it');
    const unsaved = calibrationText({
      outcome,
      timing: {
        trusted: false,
        reason: 'a pull request',
        saved: 'untrusted',
        missingShards: [],
        costModel: { model, kept: false },
      },
    });
    expect(unsaved).toContain('(not saved)');
  });
});
